//! The bitsliced AES on its `simd128` lane, in headless Chromium through
//! wasm-bindgen-test (`make test-wasm`): the known-answer vectors of
//! `tests/simd_aes_vectors/` (cipher, inverse cipher, CFB, GCM, OCB), and
//! agreement with the portable lane and with the `aes` crate on random keys and
//! lengths, in both directions.
#![cfg(target_arch = "wasm32")]

use aes_gcm::aes::Block;
use signet_crypto::simd_aes::{portable, Aes128, Aes192, Aes256, Bitsliced, Simd};
use wasm_bindgen_test::*;

#[path = "simd_aes_vectors/mod.rs"]
mod vectors;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_build_chooses_the_simd_cipher() {
    use core::any::TypeId;
    assert_eq!(TypeId::of::<Aes128>(), TypeId::of::<Bitsliced<Simd, 11>>());
    assert_eq!(TypeId::of::<Aes192>(), TypeId::of::<Bitsliced<Simd, 13>>());
    assert_eq!(TypeId::of::<Aes256>(), TypeId::of::<Bitsliced<Simd, 15>>());
}

#[wasm_bindgen_test]
fn simd_fips197() {
    vectors::fips197::<Aes128, Aes192, Aes256>();
}

#[wasm_bindgen_test]
fn simd_sp800_38a_cfb() {
    vectors::cfb128::<Aes128, Aes192, Aes256>();
}

#[wasm_bindgen_test]
fn simd_ocb_rfc7253() {
    vectors::ocb_rfc7253::<Aes128, Aes192, Aes256>();
}

#[wasm_bindgen_test]
fn simd_gcm() {
    vectors::gcm::<Aes128, Aes256>();
}

/// A small xorshift generator: the data need not be secret, only varied.
fn fill(state: &mut u64, out: &mut [u8]) {
    for b in out {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *b = *state as u8;
    }
}

#[wasm_bindgen_test]
fn simd_agrees_with_portable_and_aes_crate() {
    fn check<S: vectors::Aes, P: vectors::Aes, R: vectors::Aes>(seed: &mut u64) {
        let mut key = vec![0u8; S::key_size()];
        for n in 0..=24usize {
            fill(seed, &mut key);
            let mut data = vec![Block::default(); n];
            for b in &mut data {
                fill(seed, b);
            }
            let mut s = data.clone();
            let mut p = data.clone();
            let mut r = data.clone();
            S::new_from_slice(&key).unwrap().encrypt_blocks(&mut s);
            P::new_from_slice(&key).unwrap().encrypt_blocks(&mut p);
            R::new_from_slice(&key).unwrap().encrypt_blocks(&mut r);
            assert_eq!(s, r, "{n} blocks");
            assert_eq!(p, r, "{n} blocks");
            // The inverse cipher on random blocks.
            let mut s = data.clone();
            let mut p = data.clone();
            let mut r = data;
            S::new_from_slice(&key).unwrap().decrypt_blocks(&mut s);
            P::new_from_slice(&key).unwrap().decrypt_blocks(&mut p);
            R::new_from_slice(&key).unwrap().decrypt_blocks(&mut r);
            assert_eq!(s, r, "decrypt {n} blocks");
            assert_eq!(p, r, "decrypt {n} blocks");
        }
    }
    let mut seed = 0x2222_0000_1111_u64;
    for _ in 0..4 {
        check::<Aes128, portable::Aes128, aes_gcm::aes::Aes128>(&mut seed);
        check::<Aes192, portable::Aes192, aes_gcm::aes::Aes192>(&mut seed);
        check::<Aes256, portable::Aes256, aes_gcm::aes::Aes256>(&mut seed);
    }
}
