//! Streaming OpenPGP encryption and decryption, push-style.
//!
//! Nothing here blocks on I/O: callers push bytes in and get bytes out, so the
//! same state machines run natively, in a Wasm worker, or on Node's event loop.
//! The packet layer (framing, HKDF, nonces, associated data, final tag, chunk
//! bookkeeping) stays in Rust; the bulk AES runs either in Rust
//! ([`Backend::Rust`]) or, for AES-GCM chunks and SEIPDv1's AES-CBC jobs, in a
//! caller-supplied engine such as WebCrypto ([`Backend::External`]: jobs out with `take_jobs`, results back in
//! order with `complete_job`). Both paths produce identical bytes.
//!
//! What we write: PKESKv6/SKESKv6 (Argon2 S2K) + one SEIPDv2 packet (AES-256,
//! GCM unless asked otherwise or the recipients need OCB, 256 KiB chunks) with
//! partial body lengths, holding one binary literal data packet with partial
//! lengths and no file name or date. Recipients without SEIPDv2 get PKESKv3 /
//! SKESKv4 and one SEIPDv1 packet (AES-CFB + MDC), streamed the same way; its
//! external jobs are AES-CBC encryptions (`cfb.rs`).
//!
//! What we stream on reading: SEIPDv2 (GCM, OCB, EAX) holding a literal data
//! packet; each chunk is released after its tag verifies and truncation is
//! reported by `finish` as `MALFORMED_INPUT` (discard what was released).
//! Padding, marker and unknown non-critical packets inside are skipped;
//! one-pass and prefixed signatures around the literal data are verified as
//! it streams (`sigcheck.rs`), and streams are signed the same way
//! (`signer.rs`: the keys stay with a [`StreamSigner`], which signs digests).
//! SEIPDv1 (every cipher rPGP reads) streams in two passes when the caller can
//! push the message twice (`two_pass`): the first verifies the MDC and releases
//! nothing, the second releases and must read the same bytes (`replay.rs`).
//! Read once, its body is held up to `max_message_size` and released after
//! the MDC verified (`seipd1.rs`). Compressed content (ZIP, ZLIB, BZip2) is
//! decompressed as it arrives (`compressed.rs`) and parsed by the same inner
//! parser, in both; content with no encryption layer (inline-signed messages)
//! goes through that parser alone (`inline.rs`). This is the one decryption
//! engine: the one-shot functions and `verify` are built on it. Armored input
//! is dearmored as it streams (`../armor.rs`).

mod cfb;
mod compressed;
mod decrypt;
mod encrypt;
mod framing;
mod inline;
mod literal;
mod meter;
mod replay;
mod seipd1;
mod seipd2;
mod sigcheck;
mod signer;
mod whole;

pub use super::esk::{decrypt_session_key, SessionKey};
pub use decrypt::{StreamDecryptOptions, StreamDecryptor, MAX_BODY_ATTEMPTS};
pub use encrypt::{StreamEncryptOptions, StreamEncryptor, DEFAULT_CHUNK_SIZE_OCTET};
pub(crate) use inline::read_signed;
pub use seipd2::{Backend, ChunkJob, Seipd2Params, SALT_LEN, TAG_LEN};
pub use signer::{OnePassSpec, StreamSigner};
pub(crate) use whole::sign_inline;
pub use whole::{encrypt, encrypt_stream, encrypt_with_session_key};

/// Test hooks (`test-hooks` builds only): the engine's copy counter.
#[cfg(feature = "test-hooks")]
pub mod test_hooks {
    pub use super::meter::take_copied;
}
