//! The bitsliced AES of `crates/kernels/` (reached through `src/simd_aes/`)
//! natively, over its portable lane: known answers, agreement with the `aes`
//! crate on random keys and lengths, the generic modes on top of it, and a scan
//! of its source for secret-indexed lookups. `tests/wasm_simd_aes.rs` runs the same vectors on the `simd128` lane.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::cipher::consts::U12;
use aes_gcm::aes::cipher::KeyIvInit;
use aes_gcm::aes::Block;
use rand::{Rng, RngCore, SeedableRng};
use signet_crypto::simd_aes::portable;

#[path = "simd_aes_vectors/mod.rs"]
mod vectors;

#[test]
fn fips197_appendix_c() {
    vectors::fips197::<portable::Aes128, portable::Aes192, portable::Aes256>();
    // The AES the crate chose for this build agrees too.
    use signet_crypto::simd_aes::{Aes128, Aes192, Aes256};
    vectors::fips197::<Aes128, Aes192, Aes256>();
}

#[test]
fn ocb_rfc7253_appendix_a() {
    vectors::ocb_rfc7253::<portable::Aes128, portable::Aes192, portable::Aes256>();
    use signet_crypto::simd_aes::{Aes128, Aes192, Aes256};
    vectors::ocb_rfc7253::<Aes128, Aes192, Aes256>();
}

#[test]
fn sp800_38a_cfb128_decrypt() {
    vectors::cfb128::<portable::Aes128, portable::Aes192, portable::Aes256>();
}

#[test]
fn gcm_spec_vectors() {
    vectors::gcm::<portable::Aes128, portable::Aes256>();
}

/// Every number of blocks from 0 to 40 (the 8-block path, the padded tail and
/// single blocks), random keys of each size, against the `aes` crate.
#[test]
fn agrees_with_the_aes_crate() {
    fn check<A: vectors::Aes, R: vectors::Aes>(rng: &mut impl RngCore) {
        let mut key = vec![0u8; A::key_size()];
        for n in 0..=40usize {
            rng.fill_bytes(&mut key);
            let mut data = vec![Block::default(); n];
            for b in &mut data {
                rng.fill_bytes(b);
            }
            let mut want = data.clone();
            R::new_from_slice(&key).unwrap().encrypt_blocks(&mut want);
            let ours = A::new_from_slice(&key).unwrap();
            let mut got = data.clone();
            ours.encrypt_blocks(&mut got);
            assert_eq!(got, want, "{} blocks", n);
            // One block at a time (`proc_block`) and out of place.
            let mut one = data.clone();
            for (b, w) in one.iter_mut().zip(&want) {
                let mut out = Block::default();
                ours.encrypt_block_b2b(&*b, &mut out);
                assert_eq!(&out, w);
                ours.encrypt_block(b);
            }
            assert_eq!(one, want);
            // The inverse cipher: batches, then single blocks, back to the data.
            let mut back = want.clone();
            ours.decrypt_blocks(&mut back);
            assert_eq!(back, data, "decrypt {} blocks", n);
            for (b, d) in want.iter_mut().zip(&data) {
                ours.decrypt_block(b);
                assert_eq!(b, d);
            }
            // Random blocks decrypt as the `aes` crate decrypts them.
            let mut theirs = data.clone();
            R::new_from_slice(&key).unwrap().decrypt_blocks(&mut theirs);
            let mut mine = data.clone();
            ours.decrypt_blocks(&mut mine);
            assert_eq!(mine, theirs, "decrypt {} blocks", n);
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(22);
    for _ in 0..8 {
        check::<portable::Aes128, aes_gcm::aes::Aes128>(&mut rng);
        check::<portable::Aes192, aes_gcm::aes::Aes192>(&mut rng);
        check::<portable::Aes256, aes_gcm::aes::Aes256>(&mut rng);
    }
}

/// AES-GCM over the bitsliced cipher against `aes-gcm`'s own, random lengths.
#[test]
fn gcm_agrees_with_aes_gcm() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(38);
    for _ in 0..64 {
        let key: [u8; 32] = rng.gen();
        let nonce: [u8; 12] = rng.gen();
        let mut data = vec![0u8; rng.gen_range(0..600)];
        rng.fill_bytes(&mut data);
        let ours = aes_gcm::AesGcm::<portable::Aes256, U12>::new_from_slice(&key).unwrap();
        let theirs = aes_gcm::Aes256Gcm::new_from_slice(&key).unwrap();
        let mut a = data.clone();
        let mut b = data.clone();
        let ta = ours
            .encrypt_in_place_detached(&nonce.into(), b"ad", &mut a)
            .unwrap();
        let tb = theirs
            .encrypt_in_place_detached(&nonce.into(), b"ad", &mut b)
            .unwrap();
        assert_eq!((a, ta), (b, tb));
    }
}

/// Our OCB against the `ocb3` crate (rPGP's) over random keys of each size,
/// 12- and 15-octet nonces, random lengths from 0 (partial blocks, several
/// batches of 64 blocks) and random associated data; then opens its own output
/// and refuses it after any one-bit change.
#[test]
fn ocb_agrees_with_ocb3() {
    use aes_gcm::aes::cipher::consts::U15;
    use signet_crypto::simd_aes::ocb::Ocb;
    /// `ocb3` sealing with key, nonce, associated data: the tag.
    type Reference = fn(&[u8], &[u8], &[u8], &mut Vec<u8>) -> Vec<u8>;
    fn one<A: vectors::Aes>(
        rng: &mut impl RngCore,
        len: usize,
        nonce_len: usize,
        theirs: Reference,
    ) {
        let mut key = vec![0u8; A::key_size()];
        rng.fill_bytes(&mut key);
        let mut nonce = vec![0u8; nonce_len];
        rng.fill_bytes(&mut nonce);
        let mut ad = vec![0u8; len % 41];
        rng.fill_bytes(&mut ad);
        let mut data = vec![0u8; len];
        rng.fill_bytes(&mut data);
        let ours = Ocb::with_cipher(A::new_from_slice(&key).unwrap());
        let mut a = data.clone();
        let ta = ours.encrypt_in_place(&nonce, &ad, &mut a).unwrap();
        let mut b = data.clone();
        let tb = theirs(&key, &nonce, &ad, &mut b);
        // The production type (key size picked by the key's length) agrees too.
        let mut c = data.clone();
        let tc = signet_crypto::simd_aes::ocb::AesOcb::new(&key)
            .unwrap()
            .seal(&nonce, &ad, &mut c)
            .unwrap();
        assert_eq!((&c, &tc), (&a, &ta));
        assert_eq!((&a, &ta[..]), (&b, &tb[..]), "{len} octets");
        let mut back = a.clone();
        ours.decrypt_in_place(&nonce, &ad, &mut back, &ta).unwrap();
        assert_eq!(back, data);
        // Any one-bit change of ciphertext or tag is refused.
        let flip = rng.gen_range(0..(len + 16) * 8);
        let mut bad = [a.as_slice(), &ta].concat();
        bad[flip / 8] ^= 1 << (flip % 8);
        let (ct, tag) = bad.split_at(len);
        let mut ct = ct.to_vec();
        assert!(matches!(
            ours.decrypt_in_place(&nonce, &ad, &mut ct, tag),
            Err(signet_crypto::simd_aes::OcbError::Tag)
        ));
    }
    macro_rules! reference {
        ($aes:ty, $n:ty) => {
            |key: &[u8], nonce: &[u8], ad: &[u8], buf: &mut Vec<u8>| {
                ocb3::Ocb3::<$aes, $n>::new_from_slice(key)
                    .unwrap()
                    .encrypt_in_place_detached(nonce.into(), ad, buf)
                    .unwrap()
                    .to_vec()
            }
        };
    }
    use aes_gcm::aes::{Aes128, Aes192, Aes256};
    for bad in [0usize, 15, 20, 33] {
        let e = signet_crypto::simd_aes::ocb::AesOcb::new(&vec![0u8; bad]).unwrap_err();
        assert_eq!(e, signet_crypto::simd_aes::OcbError::Key(bad));
        assert_eq!(signet_crypto::Error::from(e).code(), "INVALID_ARGUMENT");
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7253);
    let mut lens: Vec<usize> = (0..=48).chain([1023, 1024, 1025, 2047, 4111]).collect();
    lens.extend((0..40).map(|_| rng.gen_range(0..5000)));
    for len in lens {
        one::<portable::Aes128>(&mut rng, len, 15, reference!(Aes128, U15));
        one::<portable::Aes192>(&mut rng, len, 15, reference!(Aes192, U15));
        one::<portable::Aes256>(&mut rng, len, 15, reference!(Aes256, U15));
        one::<portable::Aes256>(&mut rng, len, 12, reference!(Aes256, U12));
    }
}

/// CFB decryption with `cfb-mode` (the sequential reference) over either cipher.
#[test]
fn cfb_mode_agrees() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let key: [u8; 24] = rng.gen();
    let iv: [u8; 16] = rng.gen();
    let mut data = vec![0u8; 1000];
    rng.fill_bytes(&mut data);
    let mut a = data.clone();
    let mut b = data;
    cfb_mode::BufDecryptor::<portable::Aes192>::new_from_slices(&key, &iv)
        .unwrap()
        .decrypt(&mut a);
    cfb_mode::BufDecryptor::<aes_gcm::aes::Aes192>::new_from_slices(&key, &iv)
        .unwrap()
        .decrypt(&mut b);
    assert_eq!(a, b);
}

/// Index expressions in `src`, with a non-literal index, on lines that do not
/// say `// public index:` (an index that is a round or word number, or an
/// entry of a constant table, never key or data).
fn secret_index_suspects(src: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (no, line) in src.lines().enumerate() {
        if line.contains("// public index:") {
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        let chars: Vec<char> = code.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            // `x[..]`, `f()[..]`, `a[0][..]`: an index; `[` after a space,
            // `&`, `<`, `(`, `#` or `[` opens an array type, literal or pattern.
            let indexes = c == '['
                && i > 0
                && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | ')' | ']'));
            if indexes {
                let inner: String = chars[i + 1..].iter().take_while(|&&c| c != ']').collect();
                let literal = inner.split("..").all(|p| {
                    p.trim()
                        .trim_start_matches('=')
                        .chars()
                        .all(|c| c.is_ascii_digit())
                });
                if !literal {
                    found.push(format!("{}: {}", no + 1, line.trim()));
                }
            }
        }
        for call in [".get(", ".get_mut(", "get_unchecked"] {
            if let Some(at) = code.find(call) {
                let arg: String = code[at + call.len()..]
                    .chars()
                    .take_while(|&c| c != ')')
                    .collect();
                if !arg.trim().chars().all(|c| c.is_ascii_digit()) {
                    found.push(format!("{}: {}", no + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn no_secret_indexed_lookups() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = 0;
    for dir in [root.join("src/simd_aes"), root.join("crates/kernels/src")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            let suspects = secret_index_suspects(&src);
            assert!(suspects.is_empty(), "{}: {suspects:#?}", path.display());
            files += 1;
        }
    }
    assert!(files >= 8, "the AES files were not found");
    // The scan finds what it is for: a table lookup by a secret byte, and the same via `get`.
    let table = "fn sub(x: u8) -> u8 { SBOX[x as usize] }\nlet y = t.get(i);\nlet z = a[0][j];";
    assert_eq!(secret_index_suspects(table).len(), 3);
    assert!(secret_index_suspects("let a = [0u8; 16]; let b = c[3]; let d = &e[..4];").is_empty());
}
