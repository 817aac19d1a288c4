//! Replays every fuzz corpus and crash regression (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the same entry points the cargo-fuzz
//! targets call (`fuzz/targets.rs`), on the stable toolchain: `make test` needs
//! neither nightly nor cargo-fuzz to keep every finding fixed.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/targets.rs"]
mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use signet_crypto::openpgp::{encrypt, sign, EncryptOptions, SignOptions};
use signet_crypto::wrap::{wrap_key, WrapSecretKey};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz"))
}

fn fixtures() -> &'static targets::Fixtures {
    static FX: OnceLock<targets::Fixtures> = OnceLock::new();
    FX.get_or_init(|| targets::Fixtures::load(&fuzz_dir().join("fixtures")))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn every_corpus_and_regression_file_returns_without_panicking() {
    let fx = fixtures();
    let mut total = 0;
    for t in targets::TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(t));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{t}/ is empty: the committed corpus is missing"
        );
        let regressions = files(&fuzz_dir().join("regressions").join(t));
        let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
        for f in corpus.iter().chain(&regressions) {
            let data = std::fs::read(f).expect("read corpus file");
            let code = targets::run(t, fx, &data).map_or("ok", |e| e.code());
            *codes.entry(code).or_default() += 1;
        }
        total += corpus.len() + regressions.len();
        println!(
            "{t}: {} corpus + {} regression files -> {codes:?}",
            corpus.len(),
            regressions.len()
        );
    }
    println!("replayed {total} files");
}

/// The harness must reach the success paths, or the fuzzer only ever sees errors
/// (e.g. after a fixture or passphrase mismatch).
#[test]
fn harness_accepts_fresh_valid_inputs() {
    let fx = fixtures();
    for (key, cert) in fx.pgp_keys.iter().zip(&fx.pgp_certs) {
        let msg = encrypt(
            b"hello",
            &EncryptOptions {
                encryption_keys: vec![cert],
                signing_keys: vec![key],
                ..Default::default()
            },
        )
        .expect("encrypt");
        assert!(targets::run("pgp_decrypt", fx, &msg).is_none());
        let sig = sign(
            targets::SIGNED_DATA,
            &SignOptions {
                signing_keys: vec![key],
                detached: true,
                armor: true,
            },
        )
        .expect("sign");
        let mut input = vec![0u8];
        input.extend_from_slice(&sig);
        assert!(targets::run("pgp_verify", fx, &input).is_none());
        // The same signature over other data is not accepted.
        input[0] = 1;
        assert!(targets::run("pgp_verify", fx, &input).is_some());
    }
    let env = wrap_key(&[1; 32], &[fx.wrap_key.public_key()]).expect("wrap");
    assert!(targets::run("wrap_envelope", fx, &env).is_none());
    let other = wrap_key(&[1; 32], &[WrapSecretKey::generate().public_key()]).expect("wrap");
    assert_eq!(
        targets::run("wrap_envelope", fx, &other).map(|e| e.code()),
        Some("NO_MATCHING_KEY")
    );
    let mut pk = vec![0u8];
    pk.extend_from_slice(&fx.wrap_key.public_key().to_bytes());
    assert!(targets::run("wrap_keys", fx, &pk).is_none());
}

#[test]
fn record_encoding_round_trips() {
    let recs = vec![
        ("header".to_string(), vec![1, 2, 3]),
        ("note/ab/0000000000000001".to_string(), vec![]),
    ];
    assert_eq!(
        targets::decode_records(&targets::encode_records(&recs)),
        recs
    );
}
