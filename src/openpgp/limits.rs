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
    /// Largest number of nested compression layers. Default 4, what other
    /// implementations read (GnuPG and Sequoia accept several); capped at 8
    /// since nesting multiplies bomb ratios (the decompressed-size cap still
    /// bounds the output).
    pub max_compression_layers: u32,
    /// Largest number of signatures examined on one message. Default 64.
    pub max_signatures: usize,
    /// Largest number of session-key packets (PKESK + SKESK) on one message.
    /// Each SKESK may cost a full S2K derivation, so without a cap a few KiB of
    /// message buy hours of CPU. Default 64.
    pub max_session_key_packets: usize,
    /// Total S2K work for one message (every SKESK tried with every password)
    /// or one key (every secret packet), in KiB: Argon2 memory x passes, plus
    /// iterated-and-salted bytes / 1024. Checked before each derivation runs.
    /// Default [`DEFAULT_S2K_WORK`]: four one-pass derivations at the memory
    /// cap, or about twenty of RFC 9580's second recommendation (64 MiB, 3
    /// passes, what OpenPGP.js writes); a single header asking for more
    /// (1 GiB x 5 passes, say) is refused before any work.
    pub max_s2k_work: u64,
    /// Smallest RSA modulus accepted for encryption and signatures, in bits.
    /// Default 2048 (`docs/policy.md`). An archive of old messages may lower it
    /// to [`MIN_RSA_BITS_FLOOR`]; unlike the other limits, lowering loosens.
    pub min_rsa_bits: u32,
}

/// The lowest `minRsaBits` accepted: 1024-bit RSA, for legacy archives only.
pub const MIN_RSA_BITS_FLOOR: u32 = 1024;

/// Four one-pass Argon2 derivations at the memory cap (1 GiB): 2^22 KiB. A
/// wrong password on a message repeating one 256 MiB x 4-pass SKESK stops
/// after four derivations instead of sixteen (the default before was 2^28,
/// which let 64 such copies run).
pub const DEFAULT_S2K_WORK: u64 = 4 * KdfParams::MAX_MEMORY_KIB as u64;

/// The most `maxS2kWork` may be raised to: four derivations at the
/// per-derivation caps (1 GiB x 64 passes), 2^28 KiB.
pub const MAX_S2K_WORK: u64 =
    4 * KdfParams::MAX_MEMORY_KIB as u64 * KdfParams::MAX_ITERATIONS as u64;

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
            max_compression_layers: 4,
            max_signatures: 64,
            max_session_key_packets: 64,
            max_s2k_work: DEFAULT_S2K_WORK,
            min_rsa_bits: 2048,
        }
    }
}

impl Limits {
    /// The largest values a caller may raise each limit to. They keep every
    /// attacker-driven allocation well inside 32-bit Wasm's 4 GiB address space
    /// (input, output and working buffers may be alive at once).
    pub const CEILING: Limits = Limits {
        max_message_size: 1024 * MIB,
        max_decompressed_size: 1024 * MIB,
        max_key_size: 64 * MIB,
        max_argon2_memory_kib: KdfParams::MAX_MEMORY_KIB,
        max_argon2_passes: KdfParams::MAX_ITERATIONS,
        max_argon2_lanes: KdfParams::MAX_PARALLELISM,
        max_s2k_iterated_bytes: 65_011_712,
        max_compression_layers: 8,
        max_signatures: 1024,
        max_session_key_packets: 1024,
        max_s2k_work: MAX_S2K_WORK,
        min_rsa_bits: 16384,
    };

    /// Sets the limit called `name` (the camelCase name used by the JS API, e.g.
    /// `maxMessageSize`) to `value`. Unknown names and values above
    /// [`Limits::CEILING`] are `INVALID_ARGUMENT`, so a typo or an unsafe value
    /// is never silently ignored. Lowering is always allowed.
    pub fn set(&mut self, name: &str, value: u64) -> crate::Result<()> {
        fn fit<T: TryFrom<u64> + Into<u64> + Copy>(
            slot: &mut T,
            ceiling: T,
            name: &str,
            value: u64,
        ) -> crate::Result<()> {
            if value > ceiling.into() {
                return Err(crate::Error::InvalidArgument(format!(
                    "limits.{name} = {value} is above the allowed maximum {}",
                    ceiling.into()
                )));
            }
            *slot = T::try_from(value).map_err(|_| {
                crate::Error::InvalidArgument(format!("limits.{name} = {value} is out of range"))
            })?;
            Ok(())
        }
        let c = Self::CEILING;
        match name {
            "maxMessageSize" => fit(&mut self.max_message_size, c.max_message_size, name, value),
            "maxDecompressedSize" => fit(
                &mut self.max_decompressed_size,
                c.max_decompressed_size,
                name,
                value,
            ),
            "maxKeySize" => fit(&mut self.max_key_size, c.max_key_size, name, value),
            "maxArgon2MemoryKiB" => fit(
                &mut self.max_argon2_memory_kib,
                c.max_argon2_memory_kib,
                name,
                value,
            ),
            "maxArgon2Passes" => fit(
                &mut self.max_argon2_passes,
                c.max_argon2_passes,
                name,
                value,
            ),
            "maxArgon2Lanes" => fit(&mut self.max_argon2_lanes, c.max_argon2_lanes, name, value),
            "maxS2kIteratedBytes" => fit(
                &mut self.max_s2k_iterated_bytes,
                c.max_s2k_iterated_bytes,
                name,
                value,
            ),
            "maxCompressionLayers" => fit(
                &mut self.max_compression_layers,
                c.max_compression_layers,
                name,
                value,
            ),
            "maxSignatures" => {
                let mut v = self.max_signatures as u64;
                fit(&mut v, c.max_signatures as u64, name, value)?;
                self.max_signatures = v as usize;
                Ok(())
            }
            "maxSessionKeyPackets" => {
                let mut v = self.max_session_key_packets as u64;
                fit(&mut v, c.max_session_key_packets as u64, name, value)?;
                self.max_session_key_packets = v as usize;
                Ok(())
            }
            "maxS2kWork" => fit(&mut self.max_s2k_work, c.max_s2k_work, name, value),
            "minRsaBits" if value < u64::from(MIN_RSA_BITS_FLOOR) => {
                Err(crate::Error::InvalidArgument(format!(
                    "limits.minRsaBits = {value} is below the lowest allowed {MIN_RSA_BITS_FLOOR}"
                )))
            }
            "minRsaBits" => fit(&mut self.min_rsa_bits, c.min_rsa_bits, name, value),
            other => Err(crate::Error::InvalidArgument(format!(
                "unknown limit {other:?} (known: {})",
                Self::NAMES.join(", ")
            ))),
        }
    }

    /// The names [`Limits::set`] accepts, in documentation order.
    pub const NAMES: [&'static str; 12] = [
        "maxMessageSize",
        "maxDecompressedSize",
        "maxKeySize",
        "maxArgon2MemoryKiB",
        "maxArgon2Passes",
        "maxArgon2Lanes",
        "maxS2kIteratedBytes",
        "maxCompressionLayers",
        "maxSignatures",
        "maxSessionKeyPackets",
        "maxS2kWork",
        "minRsaBits",
    ];

    /// The per-derivation Argon2 caps, for [`crate::kdf::check_argon2`].
    pub fn argon2_caps(&self) -> crate::kdf::Argon2Caps {
        crate::kdf::Argon2Caps {
            max_memory_kib: self.max_argon2_memory_kib,
            max_passes: self.max_argon2_passes,
            max_lanes: self.max_argon2_lanes,
        }
    }

    /// A fresh S2K budget of [`Limits::max_s2k_work`] for one message or key.
    pub fn s2k_budget(&self) -> crate::kdf::S2kBudget {
        crate::kdf::S2kBudget::new(self.max_s2k_work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_settable_and_defaults_sit_under_the_ceiling() {
        let d = Limits::default();
        for name in Limits::NAMES {
            let mut l = Limits::default();
            let value = if name == "minRsaBits" { 1024 } else { 0 };
            l.set(name, value).unwrap();
            assert_ne!(l, d, "{name} did not change anything");
        }
        let c = Limits::CEILING;
        assert!(d.max_message_size <= c.max_message_size);
        assert!(d.max_decompressed_size <= c.max_decompressed_size);
        assert!(d.max_key_size <= c.max_key_size);
        assert!(d.max_compression_layers <= c.max_compression_layers);
        assert!(d.max_signatures <= c.max_signatures);
        assert!(d.max_session_key_packets <= c.max_session_key_packets);
        assert!(d.max_s2k_work <= c.max_s2k_work);
    }

    #[test]
    fn default_s2k_budget_is_four_derivations_at_the_memory_cap() {
        use crate::kdf::argon2_work;
        let max = u64::from(KdfParams::MAX_MEMORY_KIB);
        let mut b = Limits::default().s2k_budget();
        for _ in 0..4 {
            b.spend(argon2_work(max, 1)).unwrap();
        }
        assert_eq!(b.spend(1).unwrap_err().code(), "LIMIT_EXCEEDED");
        // 256 MiB x 4 passes (the repeated-SKESK case of issue #15): four copies.
        let mut b = Limits::default().s2k_budget();
        let copy = argon2_work(256 * 1024, 4);
        assert_eq!((0..16).filter(|_| b.spend(copy).is_ok()).count(), 4);
        // One header over the whole budget is refused before any work.
        let mut b = Limits::default().s2k_budget();
        assert!(b.spend(argon2_work(max, 5)).is_err());
        // RFC 9580's second recommendation (OpenPGP.js's default): twenty.
        let mut b = Limits::default().s2k_budget();
        assert_eq!(
            (0..64)
                .filter(|_| b.spend(argon2_work(64 * 1024, 3)).is_ok())
                .count(),
            21
        );
        let mut l = Limits::default();
        l.set("maxS2kWork", MAX_S2K_WORK).unwrap();
        assert!(l.set("maxS2kWork", MAX_S2K_WORK + 1).is_err());
    }

    #[test]
    fn above_ceiling_and_unknown_names_are_refused() {
        let mut l = Limits::default();
        let e = l.set("maxMessageSize", 4 << 30).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert_eq!(l, Limits::default(), "a refused value must not be applied");
        let e = l
            .set("maxArgon2MemoryKiB", u64::from(u32::MAX) + 1)
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        let e = l.set("maxMesageSize", 1).unwrap_err();
        assert!(e.to_string().contains("maxMessageSize"), "{e}");
        l.set("maxSignatures", 1024).unwrap();
        assert_eq!(l.max_signatures, 1024);
        let e = l.set("minRsaBits", 512).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert_eq!(l.min_rsa_bits, 2048);
    }
}
