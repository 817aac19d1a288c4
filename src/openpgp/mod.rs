//! OpenPGP (RFC 9580 + RFC 9980 post-quantum) on top of rPGP.
//!
//! rPGP gives us packets and primitives; the decisions live here: which subkey may
//! be used for what (key flags, expiry, revocation), which container format a
//! message gets (SEIPDv1 or v2), which S2K and size limits are safe to honour, and
//! how failures are reported (always [`crate::Error`], never rPGP's error type).
//!
//! Conventions used throughout:
//! - Fingerprints and key IDs are **uppercase hex** without spaces.
//! - Times are Unix seconds (`u64`); JS receives `Date` objects.
//! - Keys are accepted armored or binary; messages and signatures likewise.
//!
//! Module map: [`keys`] (generate, read, unlock, export, revoke), `policy` (which
//! keys, signatures and algorithms are accepted, and when: `docs/policy.md`),
//! [`encrypt`], [`decrypt`], [`sign`] (sign + verify), [`limits`]. Decryption stages, each
//! depending only on the ones before it (`tests/pgp_modules.rs` checks there is
//! no cycle): `esk` (session keys, one S2K budget per message), `content`
//! (shared option and result types, signature matching), `cfb_mdc` (SEIPDv1's
//! CFB and MDC), [`stream`] (the one engine: outer packets, SEIPDv1 and SEIPDv2
//! bodies, inner packets; a held SEIPDv1 body can be decrypted in block ranges
//! by several threads), then over it [`decrypt`] and [`sign`]'s `verify`.

mod armor;
mod cfb_mdc;
mod cleartext;
mod content;
pub mod decrypt;
pub mod encrypt;
mod esk;
pub mod keys;
pub mod limits;
pub mod native;
pub mod plaintext;
mod policy;
mod recipients;
pub mod sign;
pub mod stream;

mod util;

pub use cfb_mdc::cfb_decrypt_range;
pub use decrypt::{
    decrypt, decrypt_blocks, decrypt_stream, DecryptOptions, Decrypted, SignatureCheck,
};
pub use encrypt::{EncryptOptions, SeipdChoice};
pub use keys::{
    export_private_key, generate_key, read_key, read_key_with, revoke_key, unlock_key,
    GenerateOptions, GeneratedKey, KeyInfo, KeyUsage, PrivateKey, Profile, RevocationReason,
    SubkeyInfo,
};
pub use limits::Limits;
pub use plaintext::Plaintext;
pub use recipients::{message_recipients, Recipients};
pub use sign::{sign, verify, verify_blocks, SignOptions, Verified, VerifyOptions};
pub use stream::{encrypt, encrypt_stream, encrypt_with_session_key};
