//! Runs in headless Chromium through wasm-bindgen-test (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn version_and_errors_in_browser() {
    assert_eq!(signet_crypto::version().package, env!("CARGO_PKG_VERSION"));
    let err = signet_crypto::aead::open(&[0; 32], &[0; 12], b"", b"short").unwrap_err();
    assert_eq!(err.code(), "DECRYPTION_FAILED");
}

#[wasm_bindgen_test]
fn randomness_comes_from_webcrypto() {
    let a = signet_crypto::aead::random_array::<32>();
    let b = signet_crypto::aead::random_array::<32>();
    assert_ne!(a, b);
}

#[wasm_bindgen_test]
fn argon2_runs_in_browser() {
    let p = signet_crypto::kdf::KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let k = signet_crypto::kdf::derive_key(b"pw", b"saltsaltsaltsalt", &p).unwrap();
    assert_ne!(*k, [0u8; 32]);
}
