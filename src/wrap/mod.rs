//! Post-quantum hybrid key wrapping: a 32-byte data key sealed to many
//! recipients with HPKE (RFC 9180) over the X-Wing KEM (ML-KEM-768 + X25519), so
//! a wrapped key stays safe if either X25519 or ML-KEM falls.
//!
//! Suite: KEM 0x647a (X-Wing), KDF 0x0001 (HKDF-SHA256), AEAD 0x0002
//! (AES-256-GCM), base mode, `info = "signet-wrap v1"`. The byte formats of keys
//! and envelopes are specified in `docs/wrap-format.md`.

mod envelope;
mod hpke;
mod keys;
mod xwing;

// Native only: reads vector files and uses native-only dev-dependencies.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use envelope::{
    envelope_len, envelope_recipients, unwrap_key, wrap_key, DATA_KEY_LEN, ENTRY_LEN, HPKE_INFO,
    MAX_RECIPIENTS, VERSION,
};
pub use keys::{
    RecipientId, WrapPublicKey, WrapSecretKey, PROTECTED_SECRET_KEY_LEN, PUBLIC_KEY_LEN,
    PUBLIC_KEY_TEXT_PREFIX,
};
