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
    let one_way = |input: &str,
                   want: &str,
                   what: &str,
                   single: &dyn Fn(&mut Block),
                   batch: &dyn Fn(&mut [Block])| {
        let mut b = Block::clone_from_slice(&h(input));
        single(&mut b);
        assert_eq!(hex::encode(b), want, "{what}, key {key}");
        let mut many = vec![Block::clone_from_slice(&h(input)); 9];
        batch(&mut many);
        assert!(
            many.iter().all(|b| hex::encode(b) == want),
            "{what} batch, key {key}"
        );
    };
    one_way(pt, ct, "encrypt", &|b| c.encrypt_block(b), &|m| {
        c.encrypt_blocks(m)
    });
    one_way(ct, pt, "decrypt", &|b| c.decrypt_block(b), &|m| {
        c.decrypt_blocks(m)
    });
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

/// RFC 7253 Appendix A: the sixteen OCB-AES-128 (TAGLEN 128) samples with key
/// 000102..0f and nonce BBAA9988776655443322110x, and the iterated "wider
/// variety" results for AES-128, -192 and -256 (which cover every plaintext and
/// associated-data length from 0 to 127 octets). Decryption is checked too, and
/// a flipped tag bit must fail and wipe the buffer.
pub fn ocb_rfc7253<A1: Aes, A2: Aes, A3: Aes>() {
    use signet_crypto::simd_aes::ocb::Ocb;
    let seq = |n: usize| (0..n as u8).map(|b| format!("{b:02x}")).collect::<String>();
    // (nonce's last octet, A length, P length, C || T)
    let samples: [(u8, usize, usize, &str); 16] = [
        (0x00, 0, 0, "785407bfffc8ad9edcc5520ac9111ee6"),
        (
            0x01,
            8,
            8,
            "6820b3657b6f615a5725bda0d3b4eb3a257c9af1f8f03009",
        ),
        (0x02, 8, 0, "81017f8203f081277152fade694a0a00"),
        (
            0x03,
            0,
            8,
            "45dd69f8f5aae72414054cd1f35d82760b2cd00d2f99bfa9",
        ),
        (
            0x04,
            16,
            16,
            "571d535b60b277188be5147170a9a22c3ad7a4ff3835b8c5701c1ccec8fc3358",
        ),
        (0x05, 16, 0, "8cf761b6902ef764462ad86498ca6b97"),
        (
            0x06,
            0,
            16,
            "5ce88ec2e0692706a915c00aeb8b2396f40e1c743f52436bdf06d8fa1eca343d",
        ),
        (
            0x07,
            24,
            24,
            "1ca2207308c87c010756104d8840ce1952f09673a448a122c92c62241051f57356d7f3c90bb0e07f",
        ),
        (0x08, 24, 0, "6dc225a071fc1b9f7c69f93b0f1e10de"),
        (
            0x09,
            0,
            24,
            "221bd0de7fa6fe993eccd769460a0af2d6cded0c395b1c3ce725f32494b9f914d85c0b1eb38357ff",
        ),
        (
            0x0a,
            32,
            32,
            "bd6f6c496201c69296c11efd138a467abd3c707924b964deaffc40319af5a485\
             40fbba186c5553c68ad9f592a79a4240",
        ),
        (0x0b, 32, 0, "fe80690bee8a485d11f32965bc9d2a32"),
        (
            0x0c,
            0,
            32,
            "2942bfc773bda23cabc6acfd9bfd5835bd300f0973792ef46040c53f1432bcdf\
             b5e1dde3bc18a5f840b52e653444d5df",
        ),
        (
            0x0d,
            40,
            40,
            "d5ca91748410c1751ff8a2f618255b68a0a12e093ff454606e59f9c1d0ddc54b\
             65e8628e568bad7aed07ba06a4a69483a7035490c5769e60",
        ),
        (0x0e, 40, 0, "c5cd9d1850c141e358649994ee701b68"),
        (
            0x0f,
            0,
            40,
            "4412923493c57d5de0d700f753cce0d1d2d95060122e9f15a5ddbfc5787e50b5\
             cc55ee507bcb084e479ad363ac366b95a98ca5f3000b1479",
        ),
    ];
    let ocb = Ocb::with_cipher(A1::new_from_slice(&h(&seq(16))).unwrap());
    for (last, a_len, p_len, want) in samples {
        let nonce = h(&format!("bbaa998877665544332211{last:02x}"));
        let (ad, pt) = (h(&seq(a_len)), h(&seq(p_len)));
        let mut buf = pt.clone();
        let tag = ocb.encrypt_in_place(&nonce, &ad, &mut buf).unwrap();
        assert_eq!(
            hex::encode([&buf[..], &tag[..]].concat()),
            want,
            "sample {last}"
        );
        let mut back = buf.clone();
        ocb.decrypt_in_place(&nonce, &ad, &mut back, &tag).unwrap();
        assert_eq!(back, pt, "sample {last}");
        let mut bad = tag;
        bad[15] ^= 1;
        let mut back = buf.clone();
        let err = ocb
            .decrypt_in_place(&nonce, &ad, &mut back, &bad)
            .unwrap_err();
        assert!(matches!(err, signet_crypto::simd_aes::OcbError::Tag));
        assert!(back.iter().all(|&b| b == 0), "wiped after a bad tag");
    }
    fn iterated<A: Aes>(key_len: usize, want: &str) {
        // K = zeros(KEYLEN-8) || num2str(TAGLEN, 8); N = num2str(n, 96).
        let mut key = vec![0u8; key_len];
        key[key_len - 1] = 128;
        let ocb = Ocb::with_cipher(A::new_from_slice(&key).unwrap());
        let nonce = |n: u32| [[0u8; 8].as_slice(), &n.to_be_bytes()].concat();
        let mut c = Vec::new();
        for i in 0..128u32 {
            let s = vec![0u8; i as usize];
            let mut p = s.clone();
            let t = ocb.encrypt_in_place(&nonce(3 * i + 1), &s, &mut p).unwrap();
            c.extend_from_slice(&p);
            c.extend_from_slice(&t);
            let mut p = s.clone();
            let t = ocb
                .encrypt_in_place(&nonce(3 * i + 2), &[], &mut p)
                .unwrap();
            c.extend_from_slice(&p);
            c.extend_from_slice(&t);
            let t = ocb
                .encrypt_in_place(&nonce(3 * i + 3), &s, &mut [])
                .unwrap();
            c.extend_from_slice(&t);
        }
        assert_eq!(c.len(), 22_400);
        let t = ocb.encrypt_in_place(&nonce(385), &c, &mut []).unwrap();
        assert_eq!(hex::encode(t), want, "key of {key_len} octets");
    }
    iterated::<A1>(16, "67e944d23256c5e0b6c61fa22fdf1ea2");
    iterated::<A2>(24, "f673f2c3e7174aae7bae986ca9f29e17");
    iterated::<A3>(32, "d90eb8e9c977c88b79dd793d7ffa161c");
}
