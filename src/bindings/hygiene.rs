//! A test hook for the secret-hygiene test (`tests/browser/secret-hygiene.test.mjs`):
//! Argon2id with explicit parameters, so the test can recompute a vault's
//! key-encryption key *in another module instance* and then search the first
//! instance's memory for it. It exposes nothing the module holds: it is a pure
//! function of its arguments.

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::kdf::{derive_key, KdfParams};

/// Argon2id(passphrase, salt, m KiB, t, p) → 32 bytes. Not part of the public API.
#[wasm_bindgen(js_name = __signetTestArgon2id, skip_typescript)]
pub fn test_argon2id(
    passphrase: &[u8],
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
) -> Result<Vec<u8>, JsValue> {
    let params = KdfParams {
        memory_kib,
        iterations,
        parallelism,
    };
    let key: Zeroizing<[u8; 32]> = derive_key(passphrase, salt, &params)?;
    Ok(key.to_vec())
}
