//! Known-answer vectors for any AES behind the `cipher` traits, shared by the
//! native (`tests/simd_aes.rs`) and Wasm (`tests/wasm_simd_aes.rs`) tests.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::cipher::consts::{U12, U16};
use aes_gcm::aes::cipher::{BlockCipher, BlockDecrypt, BlockEncrypt, BlockSizeUser, KeyIvInit};
use aes_gcm::aes::Block;

/// An AES block cipher as the generic modes see it (both directions).
pub trait Aes:
    BlockEncrypt + BlockDecrypt + KeyInit + BlockCipher + BlockSizeUser<BlockSize = U16>
{
}
impl<T> Aes for T where
    T: BlockEncrypt + BlockDecrypt + KeyInit + BlockCipher + BlockSizeUser<BlockSize = U16>
{
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// Encrypts `pt` and decrypts `ct`, each as one block and as nine copies
/// (a full bitsliced batch and a padded one).
fn block<A: Aes>(key: &str, pt: &str, ct: &str) {
    let c = A::new_from_slice(&h(key)).unwrap();
    let mut b = Block::clone_from_slice(&h(pt));
    c.encrypt_block(&mut b);
    assert_eq!(hex::encode(b), ct, "key {key}");
    let mut many = vec![Block::clone_from_slice(&h(pt)); 9];
    c.encrypt_blocks(&mut many);
    assert!(
        many.iter().all(|b| hex::encode(b) == ct),
        "batch, key {key}"
    );
    let mut b = Block::clone_from_slice(&h(ct));
    c.decrypt_block(&mut b);
    assert_eq!(hex::encode(b), pt, "decrypt, key {key}");
    let mut many = vec![Block::clone_from_slice(&h(ct)); 9];
    c.decrypt_blocks(&mut many);
    assert!(
        many.iter().all(|b| hex::encode(b) == pt),
        "decrypt batch, key {key}"
    );
}

/// FIPS-197 (2001), Appendix C.1-C.3: the example vectors of each key size,
/// both the cipher and the inverse cipher.
pub fn fips197<A1: Aes, A2: Aes, A3: Aes>() {
    let pt = "00112233445566778899aabbccddeeff";
    block::<A1>(
        "000102030405060708090a0b0c0d0e0f",
        pt,
        "69c4e0d86a7b0430d8cdb78070b4c55a",
    );
    block::<A2>(
        "000102030405060708090a0b0c0d0e0f1011121314151617",
        pt,
        "dda97ca4864cdfe06eaf70a0ec0d7191",
    );
    block::<A3>(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        pt,
        "8ea2b7ca516745bfeafc49904b496089",
    );
}

/// NIST SP 800-38A (2001), F.3.14 / F.3.16 / F.3.18: CFB128-AES128/192/256.Decrypt.
pub fn cfb128<A1: Aes, A2: Aes, A3: Aes>() {
    fn one<A: Aes>(key: &str, ct: &str) {
        let iv = h("000102030405060708090a0b0c0d0e0f");
        let pt = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                  30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
        let mut buf = h(ct);
        cfb_mode::BufDecryptor::<A>::new_from_slices(&h(key), &iv)
            .unwrap()
            .decrypt(&mut buf);
        assert_eq!(hex::encode(buf), pt, "key {key}");
    }
    one::<A1>(
        "2b7e151628aed2a6abf7158809cf4f3c",
        "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b\
         26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6",
    );
    one::<A2>(
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "cdc80d6fddf18cab34c25909c99a417467ce7f7f81173621961a2b70171d3d7a\
         2e1e8a1dd59b88b1c8e60fed1efac4c9c05f9f9ca9834fa042ae8fba584b09ff",
    );
    one::<A3>(
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407b\
         df10132415e54b92a13ed0a8267ae2f975a385741ab9cef82031623d55b1e471",
    );
}

/// The GCM specification (McGrew, Viega, "The Galois/Counter Mode of Operation",
/// 2005), test cases 2 and 4 (AES-128) and 14 (AES-256).
pub fn gcm<A1: Aes, A3: Aes>() {
    fn one<A: Aes>(key: &str, iv: &str, pt: &str, ad: &str, ct: &str, tag: &str) {
        let c = aes_gcm::AesGcm::<A, U12>::new_from_slice(&h(key)).unwrap();
        let nonce = h(iv);
        let mut buf = h(pt);
        let t = c
            .encrypt_in_place_detached(nonce.as_slice().into(), &h(ad), &mut buf)
            .unwrap();
        assert_eq!(hex::encode(&buf), ct);
        assert_eq!(hex::encode(t), tag);
        c.decrypt_in_place_detached(nonce.as_slice().into(), &h(ad), &mut buf, &t)
            .unwrap();
        assert_eq!(hex::encode(&buf), pt);
    }
    let zero16 = "00000000000000000000000000000000";
    let zero12 = "000000000000000000000000";
    one::<A1>(
        zero16,
        zero12,
        zero16,
        "",
        "0388dace60b6a392f328c2b971b2fe78",
        "ab6e47d42cec13bdf53a67b21257bddf",
    );
    one::<A1>(
        "feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
         21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47",
    );
    one::<A3>(
        "0000000000000000000000000000000000000000000000000000000000000000",
        zero12,
        zero16,
        "",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    );
}
