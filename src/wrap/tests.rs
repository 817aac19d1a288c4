//! Known-answer tests against the internal X-Wing / HPKE / ML-KEM code paths, and
//! tests that need internal hooks (small Argon2 parameters, a seeded RNG).
//!
//! Vectors are read from `$SIGNET_VECTORS` or `../shared/vectors` next to the
//! crate (see that folder's ORIGIN.md); they are never copied into the repo.

use std::path::PathBuf;

use rand::SeedableRng;
use serde_json::Value;

use super::envelope::wrap_key_with_rng;
use super::hpke::{self, key_schedule_base, suite_id};
use super::xwing::{self, XWingSecret};
use super::*;
use crate::kdf::KdfParams;

fn vectors_dir() -> PathBuf {
    std::env::var_os("SIGNET_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors")))
}

/// Loads a vector file, or prints why the test is skipped and returns `None`.
fn load(name: &str) -> Option<Value> {
    let path = vectors_dir().join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("vector file is valid JSON")),
        Err(_) => {
            eprintln!("skipped: vectors not found at {}", path.display());
            None
        }
    }
}

fn hx(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap_or_else(|| panic!("field {field}")))
        .unwrap_or_else(|_| panic!("hex in {field}"))
}

fn arr<const N: usize>(v: Vec<u8>) -> [u8; N] {
    v.try_into().expect("vector field length")
}

#[test]
fn xwing_draft_vectors() {
    let Some(vectors) = load("xwing-draft-connolly-cfrg-xwing-kem-test-vectors.json") else {
        return;
    };
    let list = vectors.as_array().expect("list");
    assert_eq!(list.len(), 3);
    for v in list {
        let sk = XWingSecret::from_seed(&arr(hx(v, "seed")));
        assert_eq!(sk.seed().as_slice(), hx(v, "sk"));
        assert_eq!(sk.public_key().as_slice(), hx(v, "pk"));
        xwing::check_public_key(sk.public_key()).expect("vector key passes our checks");
        let (ss, ct) = xwing::encapsulate_derand(&hx(v, "pk"), &arr(hx(v, "eseed"))).unwrap();
        assert_eq!(ct, hx(v, "ct"));
        assert_eq!(ss.as_slice(), hx(v, "ss"));
        assert_eq!(sk.decapsulate(&ct).unwrap().as_slice(), hx(v, "ss"));
    }
}

#[test]
fn hpke_pq_xwing_vectors() {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::ChaCha20Poly1305;

    let Some(vectors) = load("hpke-pq-xwing-0x647a-subset.json") else {
        return;
    };
    let list = vectors.as_array().expect("list");
    let mut full_checks = 0;
    for v in list {
        assert_eq!(v["kem_id"], 0x647a);
        assert_eq!(v["mode"], 0);
        // KEM part: independent of the suite's KDF.
        let sk = hpke::derive_key_pair(&hx(v, "ikmR"));
        assert_eq!(sk.seed().as_slice(), hx(v, "skRm"));
        assert_eq!(sk.public_key().as_slice(), hx(v, "pkRm"));
        let (ss, enc) = xwing::encapsulate_derand(&hx(v, "pkRm"), &arr(hx(v, "ikmE"))).unwrap();
        assert_eq!(enc, hx(v, "enc"));
        assert_eq!(ss.as_slice(), hx(v, "shared_secret"));
        assert_eq!(
            sk.decapsulate(&enc).unwrap().as_slice(),
            hx(v, "shared_secret")
        );

        if v["kdf_id"] != 1 {
            continue; // SHAKE256 single-stage KDF: not what signet uses.
        }
        full_checks += 1;
        let kem = v["kem_id"].as_u64().unwrap() as u16;
        let aead_id = v["aead_id"].as_u64().unwrap() as u16;
        assert_eq!(aead_id, 3, "the vectors use ChaCha20Poly1305");
        let sid = suite_id(kem, 1, aead_id);
        assert_eq!(sid.as_slice(), hx(v, "suite_id"));
        let ctx = key_schedule_base(&sid, &ss[..], &hx(v, "info")).unwrap();
        assert_eq!(ctx.key.as_slice(), hx(v, "key"));
        assert_eq!(ctx.base_nonce.as_slice(), hx(v, "base_nonce"));
        assert_eq!(ctx.exporter_secret.as_slice(), hx(v, "exporter_secret"));

        let cipher = ChaCha20Poly1305::new(ctx.key.as_slice().into());
        for (seq, e) in v["encryptions"].as_array().unwrap().iter().enumerate() {
            let mut nonce = ctx.base_nonce;
            for (n, s) in nonce
                .iter_mut()
                .rev()
                .zip((seq as u64).to_be_bytes().iter().rev())
            {
                *n ^= s;
            }
            assert_eq!(nonce.as_slice(), hx(e, "nonce"));
            let (ct, aad) = (hx(e, "ct"), hx(e, "aad"));
            let pt = cipher
                .decrypt(
                    (&nonce).into(),
                    Payload {
                        msg: &ct,
                        aad: &aad,
                    },
                )
                .expect("vector opens");
            assert_eq!(pt, hx(e, "pt"));
        }
        for e in v["exports"].as_array().unwrap() {
            let len = e["L"].as_u64().unwrap() as usize;
            let out =
                hpke::export(&sid, &ctx.exporter_secret, &hx(e, "exporter_context"), len).unwrap();
            assert_eq!(out, hx(e, "exported_value"));
        }
    }
    assert_eq!(full_checks, 1, "expected one HKDF-SHA256 suite");
}

#[test]
fn wycheproof_mlkem768_decaps() {
    let Some(file) = load("wycheproof-mlkem_768_test.json") else {
        return;
    };
    let (mut valid, mut invalid) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-768");
        for t in group["tests"].as_array().unwrap() {
            let id = &t["tcId"];
            let seed = hx(t, "seed");
            let c = hx(t, "c");
            let ok = t["result"] == "valid";
            // Our only way to build an ML-KEM key is KeyGen_internal(d, z) from a
            // 64-byte seed (X-Wing expands its seed to d || z), so a seed of any
            // other length cannot reach ML-KEM at all.
            let Ok(seed) = <[u8; 64]>::try_from(seed.as_slice()) else {
                assert!(!ok, "tc {id}: valid vector with a non-64-byte seed");
                invalid += 1;
                continue;
            };
            let (d, z) = seed.split_at(32);
            let (dk, ek) = xwing::mlkem_keygen(&arr(d.to_vec()), &arr(z.to_vec()));
            if !t["ek"].is_null() {
                assert_eq!(ek, hx(t, "ek"), "tc {id}: ek");
            }
            let res = xwing::mlkem_decaps(&dk, &c);
            if ok {
                assert_eq!(res.unwrap().as_slice(), hx(t, "K"), "tc {id}: K");
                valid += 1;
            } else {
                assert_eq!(res.unwrap_err().code(), "MALFORMED_INPUT", "tc {id}");
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (153, 40));
}

#[test]
fn wycheproof_mlkem768_encaps() {
    let Some(file) = load("wycheproof-mlkem_768_encaps_test.json") else {
        return;
    };
    let (mut valid, mut invalid) = (0, 0);
    // A fixed valid X25519 point to complete X-Wing keys around the ML-KEM keys.
    let x_point = *XWingSecret::from_seed(&[7u8; 32]).public_key();
    let x_point = &x_point[xwing::MLKEM_EK_LEN..];
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-768");
        for t in group["tests"].as_array().unwrap() {
            let id = &t["tcId"];
            let ek = hx(t, "ek");
            let m: [u8; 32] = arr(hx(t, "m"));
            let res = xwing::mlkem_encaps(&ek, &m);
            let mut xwing_pk = ek.clone();
            xwing_pk.extend_from_slice(x_point);
            let import = WrapPublicKey::from_xwing_bytes(&xwing_pk);
            if t["result"] == "valid" {
                let (c, k) = res.unwrap_or_else(|e| panic!("tc {id}: {e}"));
                assert_eq!(c, hx(t, "c"), "tc {id}: c");
                assert_eq!(k.as_slice(), hx(t, "K"), "tc {id}: K");
                import.unwrap_or_else(|e| panic!("tc {id}: import {e}"));
                valid += 1;
            } else {
                assert_eq!(res.unwrap_err().code(), "MALFORMED_INPUT", "tc {id}");
                assert_eq!(import.unwrap_err().code(), "MALFORMED_INPUT", "tc {id}");
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (133, 132));
}

#[test]
fn low_order_x25519_points_are_rejected() {
    let sk = WrapSecretKey::generate();
    let mut pk = *sk.public_key().as_xwing_bytes();
    // 0 and 1 are low-order points on Curve25519 (RFC 7748 §6.1 discussion).
    for bad in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        pk[xwing::MLKEM_EK_LEN..].copy_from_slice(&bad);
        assert_eq!(
            WrapPublicKey::from_xwing_bytes(&pk).unwrap_err().code(),
            "MALFORMED_INPUT"
        );
        // Encapsulation itself also refuses (all-zero DH output).
        assert!(xwing::encapsulate_derand(&pk, &[1u8; 64]).is_err());
        // And a ciphertext carrying a low-order share fails to decapsulate.
        let (_, mut ct) =
            xwing::encapsulate_derand(sk.public_key().as_xwing_bytes(), &[2u8; 64]).unwrap();
        ct[xwing::MLKEM_CT_LEN..].copy_from_slice(&bad);
        assert_eq!(
            sk.xwing().decapsulate(&ct).unwrap_err().code(),
            "DECRYPTION_FAILED"
        );
    }
}

#[test]
fn seeded_rng_gives_reproducible_envelopes() {
    let a = WrapSecretKey::from_seed(&[1u8; 32]);
    let b = WrapSecretKey::from_seed(&[2u8; 32]);
    let pks = [a.public_key(), b.public_key()];
    let key = [9u8; 32];
    let e1 = wrap_key_with_rng(&key, &pks, &mut rand::rngs::StdRng::seed_from_u64(5)).unwrap();
    let e2 = wrap_key_with_rng(&key, &pks, &mut rand::rngs::StdRng::seed_from_u64(5)).unwrap();
    let e3 = wrap_key_with_rng(&key, &pks, &mut rand::rngs::StdRng::seed_from_u64(6)).unwrap();
    assert_eq!(e1, e2);
    assert_ne!(e1, e3);
    assert_eq!(*unwrap_key(&e1, &a).unwrap(), key);
    assert_eq!(*unwrap_key(&e3, &b).unwrap(), key);
}

/// Protects with tiny Argon2 parameters: allowed only through this internal hook.
const SMALL: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

#[test]
fn protected_export_round_trip_and_errors() {
    let sk = WrapSecretKey::generate();
    let blob = sk.export_protected_with(b"correct horse", &SMALL).unwrap();
    assert_eq!(blob.len(), PROTECTED_SECRET_KEY_LEN);
    let back = WrapSecretKey::import_protected(&blob, b"correct horse").unwrap();
    assert_eq!(back.public_key(), sk.public_key());
    assert_eq!(back.xwing().seed(), sk.xwing().seed());

    let code = |b: &[u8], pw: &[u8]| WrapSecretKey::import_protected(b, pw).unwrap_err().code();
    assert_eq!(code(&blob, b"correct horsE"), "BAD_PASSPHRASE");
    assert_eq!(code(&blob, b""), "BAD_PASSPHRASE");
    // Every byte is authenticated (header as AAD, ciphertext and tag) or parsed.
    for i in 0..blob.len() {
        let mut t = blob.clone();
        t[i] ^= 0x01;
        let c = code(&t, b"correct horse");
        let expect: &[&str] = match i {
            0..=3 => &["MALFORMED_INPUT"],
            4 => &["UNSUPPORTED"],
            5..=6 => &["UNSUPPORTED"],
            // Changed Argon2 parameters: rejected by the caps/minimums or by the tag.
            23..=34 => &["BAD_PASSPHRASE", "MALFORMED_INPUT", "LIMIT_EXCEEDED"],
            _ => &["BAD_PASSPHRASE"],
        };
        assert!(expect.contains(&c), "byte {i}: {c}");
    }
    for n in 0..blob.len() {
        assert_eq!(
            code(&blob[..n], b"correct horse"),
            "MALFORMED_INPUT",
            "cut {n}"
        );
    }
    let mut long = blob.clone();
    long.push(0);
    assert_eq!(code(&long, b"correct horse"), "MALFORMED_INPUT");
    // Stored parameters above the caps are refused before any Argon2 work.
    let mut huge = blob.clone();
    huge[23..27].copy_from_slice(&(KdfParams::MAX_MEMORY_KIB + 1).to_be_bytes());
    assert_eq!(code(&huge, b"correct horse"), "LIMIT_EXCEEDED");
    let mut iters = blob.clone();
    iters[27..31].copy_from_slice(&1000u32.to_be_bytes());
    assert_eq!(code(&iters, b"correct horse"), "LIMIT_EXCEEDED");

    assert_eq!(
        sk.export_protected_with(b"", &SMALL).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn secret_key_debug_is_redacted() {
    let sk = WrapSecretKey::from_seed(&[0xAB; 32]);
    let dbg = format!("{sk:?}");
    assert!(dbg.contains("redacted"));
    assert!(!dbg.to_lowercase().contains("abab"));
    assert!(dbg.contains(&sk.id().to_hex()));
}

/// Both directions against rust-hpke (`hpke` 0.15), which cannot be a
/// dev-dependency (see tests/wrap_hpke_interop/Cargo.toml). Build that crate and
/// point `SIGNET_HPKE_INTEROP_BIN` at its binary to run this.
#[test]
fn hpke_interop_with_rust_hpke() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let Some(bin) = std::env::var_os("SIGNET_HPKE_INTEROP_BIN") else {
        eprintln!("skipped: SIGNET_HPKE_INTEROP_BIN is not set (tests/wrap_hpke_interop)");
        return;
    };
    const N: usize = 64;
    // rust-hpke seals, we open.
    let out = Command::new(&bin)
        .args(["gen", &N.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "gen failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut opened = 0;
    for line in text.lines() {
        let f: Vec<Vec<u8>> = line.split(' ').map(|h| hex::decode(h).unwrap()).collect();
        let [seed, enc, ct, aad, pt] = f.as_slice() else {
            panic!("bad line {line}")
        };
        let sk = XWingSecret::from_seed(&arr(seed.clone()));
        let got = hpke::open_base(&sk, enc, HPKE_INFO, aad, ct).unwrap();
        assert_eq!(&got[..], &pt[..]);
        opened += 1;
    }
    assert_eq!(opened, N);

    // We seal (bare HPKE and whole envelopes), rust-hpke opens.
    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut lines = String::new();
    for i in 0..N {
        let seed: [u8; 32] = rand::Rng::gen(&mut rng);
        let pt: [u8; 32] = rand::Rng::gen(&mut rng);
        let (enc, ct, aad) = if i % 2 == 0 {
            let sk = XWingSecret::from_seed(&seed);
            let aad: [u8; 16] = rand::Rng::gen(&mut rng);
            let mut eseed = [0u8; 64];
            rand::RngCore::fill_bytes(&mut rng, &mut eseed);
            let (enc, ct) =
                hpke::seal_base_derand(sk.public_key(), &eseed, HPKE_INFO, &aad, &pt).unwrap();
            (enc, ct, aad.to_vec())
        } else {
            // The first entry of a real envelope is a plain RFC 9180 ciphertext.
            let sk = WrapSecretKey::from_seed(&seed);
            let other = WrapSecretKey::from_seed(&[i as u8; 32]);
            let env =
                wrap_key_with_rng(&pt, &[sk.public_key(), other.public_key()], &mut rng).unwrap();
            (
                env[29..1149].to_vec(),
                env[1149..1197].to_vec(),
                env[13..29].to_vec(),
            )
        };
        lines.push_str(&format!(
            "{} {} {} {} {}\n",
            hex::encode(seed),
            hex::encode(enc),
            hex::encode(ct),
            hex::encode(aad),
            hex::encode(pt)
        ));
    }
    let mut child = Command::new(&bin)
        .arg("open")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "rust-hpke could not open our seals");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("opened {N}")
    );
}
