//! Caps on attacker-controlled work and sizes.
//!
//! rPGP itself bounds little: SEIPDv1 buffering defaults to 1 GiB, the Argon2 S2K
//! allocates whatever the packet asks for (`m_enc` = 31 would be 2 TiB and aborts
//! 32-bit Wasm), and decompression is unbounded. We check S2K parameters of SKESKs
//! and secret keys *before* any derivation, count every plaintext byte we release,
//! and refuse oversized one-shot inputs up front.

use crate::kdf::KdfParams;

/// 1 MiB.
const MIB: u64 = 1024 * 1024;

/// Limits applied while reading untrusted OpenPGP data. Exceeding any of them is
/// [`crate::Error::LimitExceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message, signature or key accepted by the one-shot functions, and
    /// the largest SEIPDv1 packet buffered for its integrity check (SEIPDv1 has one
    /// MDC at the very end, so it is decrypted whole before anything is released).
    /// Default 256 MiB.
    pub max_message_size: u64,
    /// Largest plaintext produced from compressed data (bomb protection). Default
    /// 256 MiB.
    pub max_decompressed_size: u64,
    /// Largest armored or binary key (certificate) accepted. Default 8 MiB: a
    /// PQC certificate is ~5 KiB, SLH-DSA signatures are up to ~50 KiB each.
    pub max_key_size: u64,
    /// Largest Argon2 memory an S2K may request, in KiB. Default
    /// [`KdfParams::MAX_MEMORY_KIB`] (1 GiB).
    pub max_argon2_memory_kib: u32,
    /// Largest Argon2 pass count an S2K may request. Default [`KdfParams::MAX_ITERATIONS`].
    pub max_argon2_passes: u32,
    /// Largest Argon2 lane count an S2K may request. Default [`KdfParams::MAX_PARALLELISM`].
    pub max_argon2_lanes: u32,
    /// Largest byte count an iterated+salted S2K may hash. Default 65 011 712 (the
    /// largest encodable count; about 0.2 s natively).
    pub max_s2k_iterated_bytes: u64,
    /// Largest number of nested compression layers. Default 1 (nobody legitimately
    /// compresses twice; nesting multiplies bomb ratios).
    pub max_compression_layers: u32,
    /// Largest number of signatures examined on one message. Default 64.
    pub max_signatures: usize,
    /// Largest number of session-key packets (PKESK + SKESK) on one message.
    /// Each SKESK may cost a full S2K derivation, so without a cap a few KiB of
    /// message buy hours of CPU. Default 64.
    pub max_session_key_packets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: 256 * MIB,
            max_decompressed_size: 256 * MIB,
            max_key_size: 8 * MIB,
            max_argon2_memory_kib: KdfParams::MAX_MEMORY_KIB,
            max_argon2_passes: KdfParams::MAX_ITERATIONS,
            max_argon2_lanes: KdfParams::MAX_PARALLELISM,
            max_s2k_iterated_bytes: 65_011_712,
            max_compression_layers: 1,
            max_signatures: 64,
            max_session_key_packets: 64,
        }
    }
}
