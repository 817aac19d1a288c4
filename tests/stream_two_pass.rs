//! SEIPDv1 of any size through the push engine's two-pass mode: the first
//! pass releases nothing and verifies the MDC, the second releases the
//! plaintext and must read the same message (else `TAMPERED`). Bit flips,
//! truncation, changed sources, buffered content and the copy bound.
#![cfg(not(target_arch = "wasm32"))]

use signet_crypto::openpgp::stream::*;
use signet_crypto::openpgp::*;
use signet_crypto::Error;

const PW: &str = "correct horse";

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + i / 7) as u8).collect()
}

/// Our `encryptStream`'s SEIPDv1 output (a password, forced v1).
fn v1_stream(plain: &[u8], armor: bool) -> Vec<u8> {
    let opts = StreamEncryptOptions {
        base: EncryptOptions {
            passwords: vec![PW],
            seipd: SeipdChoice::V1,
            armor,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut e = StreamEncryptor::new(&opts).unwrap();
    let mut out = e.header();
    for p in plain.chunks(1 << 20) {
        out.extend(e.push(p).unwrap());
    }
    out.extend(e.finish().unwrap());
    out
}

/// What one pass released, and how it ended.
struct Pass {
    released: Vec<u8>,
    result: Result<(), Error>,
}

fn run_pass(d: &mut StreamDecryptor, msg: &[u8], step: usize) -> Pass {
    let mut released = Vec::new();
    for piece in msg.chunks(step.max(1)) {
        match d.push(piece) {
            Ok(p) => released.extend(p),
            Err(e) => {
                return Pass {
                    released,
                    result: Err(e),
                }
            }
        }
        if d.needs_session_key() {
            match d.unlock(&[], &[PW]) {
                Ok(p) => released.extend(p),
                Err(e) => {
                    return Pass {
                        released,
                        result: Err(e),
                    }
                }
            }
        }
    }
    let result = d.finish().map(|p| released.extend(p));
    Pass { released, result }
}

fn two_pass() -> StreamDecryptor {
    StreamDecryptor::new(StreamDecryptOptions {
        two_pass: true,
        ..Default::default()
    })
}

/// Both passes over `first` then `second`; returns (pass 1, pass 2).
fn both(first: &[u8], second: &[u8], step: usize) -> (Pass, Option<Pass>) {
    let mut d = two_pass();
    let p1 = run_pass(&mut d, first, step);
    if p1.result.is_err() || !d.needs_second_pass() {
        return (p1, None);
    }
    d.rewind().unwrap();
    let p2 = run_pass(&mut d, second, step);
    if p2.result.is_ok() {
        assert!(d.is_done());
    }
    (p1, Some(p2))
}

#[test]
fn v1_decrypts_in_two_passes_and_releases_only_in_the_second() {
    for (n, armor, step) in [
        (0, false, 7),
        (1, true, 1),
        (100, false, 1),
        (70_000, true, 4096),
        ((1 << 20) + 7, false, 65_537),
        (3 * (1 << 20) + 5, false, (1 << 20) + 3),
        (3 * (1 << 20) + 5, true, 1 << 20),
    ] {
        let plain = data(n);
        let msg = v1_stream(&plain, armor);
        let (p1, p2) = both(&msg, &msg, step);
        p1.result.unwrap();
        assert!(p1.released.is_empty(), "pass 1 released plaintext ({n})");
        let p2 = p2.expect("a second pass");
        p2.result.unwrap();
        assert_eq!(p2.released, plain, "size {n} armor {armor} step {step}");
    }
    // The one-shot encrypt's SEIPDv1 (to a compat key) too, and the session
    // key is carried: rewind needs no key work.
    let g = generate_key(&GenerateOptions {
        user_ids: vec!["v1 <v1@example.gov.vn>".into()],
        profile: Profile::Compat,
        passphrase: None,
        expires_in_days: None,
        created: None,
    })
    .unwrap();
    let sk = unlock_key(g.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let plain = data(200_000);
    let msg = encrypt(
        &plain,
        &EncryptOptions {
            encryption_keys: vec![g.public_key.as_bytes()],
            seipd: SeipdChoice::V1,
            armor: false,
            ..Default::default()
        },
    )
    .unwrap();
    let mut d = two_pass();
    assert!(d.push(&msg).unwrap().is_empty());
    assert!(d.unlock(&[&sk], &[]).unwrap().is_empty());
    assert!(d.finish().unwrap().is_empty());
    assert!(d.needs_second_pass() && !d.is_done());
    // Pushing on before rewind is refused.
    assert_eq!(d.push(b"x").unwrap_err().code(), "INVALID_ARGUMENT");
    d.rewind().unwrap();
    let mut out = d.push(&msg).unwrap();
    assert!(!d.needs_session_key());
    out.extend(d.finish().unwrap());
    assert_eq!(out, plain);
    assert_eq!(d.rewind().unwrap_err().code(), "INVALID_ARGUMENT");
}

#[test]
fn a_bit_flip_anywhere_releases_nothing_and_fails_decryption() {
    let plain = data(2 * (1 << 20) + 333);
    let msg = v1_stream(&plain, false);
    let len = msg.len();
    // Early (prefix, literal header), middle, late, inside the MDC.
    for at in [60, 80, len / 2, len - 200, len - 30, len - 1] {
        for bit in [0x01u8, 0x80] {
            let mut bad = msg.clone();
            bad[at] ^= bit;
            let (p1, p2) = both(&bad, &bad, 1 << 20);
            assert!(p2.is_none(), "flip at {at}: a second pass started");
            assert!(p1.released.is_empty(), "flip at {at}: bytes released");
            let code = p1.result.unwrap_err().code();
            // A flip may also hit framing (a partial length octet).
            assert!(
                code == "DECRYPTION_FAILED" || code == "MALFORMED_INPUT",
                "flip at {at}: {code}"
            );
        }
    }
    // Flips inside the encrypted data (not framing): always DECRYPTION_FAILED.
    let body_start = msg.len() - 1_000_000;
    let mut bad = msg.clone();
    bad[body_start] ^= 4;
    let (p1, _) = both(&bad, &bad, 65_536);
    assert_eq!(p1.result.unwrap_err().code(), "DECRYPTION_FAILED");
    assert!(p1.released.is_empty());
}

#[test]
fn a_source_that_changed_between_passes_is_tampered() {
    let plain = data(3 * (1 << 20));
    let msg = v1_stream(&plain, false);
    // Changed in the third MiB: at most the first two MiB of the message
    // (less than two MiB of plaintext) come out before the error.
    let mut changed = msg.clone();
    changed[2 * (1 << 20) + 100] ^= 1;
    let (p1, p2) = both(&msg, &changed, 300_000);
    p1.result.unwrap();
    let p2 = p2.unwrap();
    assert_eq!(p2.result.as_ref().unwrap_err().code(), "TAMPERED");
    assert!(p2.released.len() <= 2 * (1 << 20));
    assert_eq!(p2.released, plain[..p2.released.len()]);
    // Truncated, extended, or another valid message under another key.
    let other = v1_stream(&data(3 * (1 << 20)), false);
    let mut longer = msg.clone();
    longer.push(0);
    for second in [&msg[..msg.len() - 1], &longer[..], &other[..], &[][..]] {
        let (p1, p2) = both(&msg, second, 1 << 20);
        p1.result.unwrap();
        let p2 = p2.unwrap();
        assert_eq!(p2.result.unwrap_err().code(), "TAMPERED");
    }
}

#[test]
fn compressed_v1_content_streams_in_two_passes() {
    use pgp::composed::MessageBuilder;
    use pgp::crypto::sym::SymmetricKeyAlgorithm;
    use pgp::types::{CompressionAlgorithm, StringToKey};
    let plain = data(300_000);
    let mut rng = rand::thread_rng();
    let mut b = MessageBuilder::from_bytes("", plain.clone());
    b.compression(CompressionAlgorithm::ZLIB);
    let mut b = b.seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
    b.encrypt_with_password(StringToKey::new_default(&mut rng), &PW.into())
        .unwrap();
    let msg = b.to_vec(&mut rng).unwrap();
    let (p1, p2) = both(&msg, &msg, 10_000);
    p1.result.unwrap();
    assert!(
        p1.released.is_empty(),
        "the verifying pass released plaintext"
    );
    let p2 = p2.expect("compressed content streams in two passes");
    p2.result.unwrap();
    assert_eq!(p2.released, plain);
    // Decompressed beyond the limit: LIMIT_EXCEEDED, after the MDC verified.
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        two_pass: true,
        limits: Limits {
            max_decompressed_size: 1000,
            ..Default::default()
        },
        ..Default::default()
    });
    let r = run_pass(&mut d, &msg, 500).result;
    assert_eq!(r.unwrap_err().code(), "LIMIT_EXCEEDED");
}

#[test]
fn wrong_password_fails_in_the_first_pass() {
    let msg = v1_stream(&data(50_000), false);
    let mut d = two_pass();
    d.push(&msg).unwrap();
    let r = d.unlock(&[], &["wrong"]).and_then(|_| d.finish());
    // A v4 SKESK may not tell a wrong password: then the MDC does.
    let code = r.unwrap_err().code();
    assert!(
        matches!(code, "DECRYPTION_FAILED" | "NO_MATCHING_KEY"),
        "{code}"
    );
    assert!(!d.needs_second_pass());
}

#[test]
fn v2_messages_need_no_second_pass() {
    let plain = data(100_000);
    let msg = encrypt(
        &plain,
        &EncryptOptions {
            passwords: vec![PW],
            seipd: SeipdChoice::V2,
            armor: false,
            ..Default::default()
        },
    )
    .unwrap();
    let (p1, p2) = both(&msg, &msg, 4096);
    p1.result.unwrap();
    assert!(p2.is_none());
    assert_eq!(p1.released, plain);
}

#[test]
fn copies_stay_linear_over_both_passes() {
    let plain = data(4 * (1 << 20) + 11);
    let msg = v1_stream(&plain, false);
    let _ = test_hooks::take_copied();
    let (p1, p2) = both(&msg, &msg, 100_003);
    p1.result.unwrap();
    p2.unwrap().result.unwrap();
    let copied = test_hooks::take_copied();
    // Each pass: staging and the literal output; the second also its gate.
    assert!(
        copied <= 4 * msg.len() as u64,
        "{copied} octets copied for {} in two passes",
        msg.len()
    );
}

/// Pushes `msg` through one decryptor (two-pass or not) with keys and
/// passwords; returns the plaintext or the error code.
fn outcome(
    msg: &[u8],
    two_pass: bool,
    keys: &[&PrivateKey],
    pw: &str,
    copies: &mut u64,
) -> Result<Vec<u8>, &'static str> {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        two_pass,
        ..Default::default()
    });
    let mut out = Vec::new();
    let pass = |d: &mut StreamDecryptor, out: &mut Vec<u8>| -> Result<(), Error> {
        for piece in msg.chunks(4096) {
            out.extend(d.push(piece)?);
            if d.needs_session_key() {
                out.extend(d.unlock(keys, &[pw])?);
            }
        }
        out.extend(d.finish()?);
        Ok(())
    };
    let _ = test_hooks::take_copied();
    pass(&mut d, &mut out).map_err(|e| e.code())?;
    if d.needs_second_pass() {
        assert!(out.is_empty(), "released in the first pass");
        d.rewind().map_err(|e| e.code())?;
        pass(&mut d, &mut out).map_err(|e| e.code())?;
    }
    *copies = test_hooks::take_copied();
    Ok(out)
}

#[test]
fn hostile_corpus_two_pass_agrees_with_the_buffered_path() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile"));
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let fx = json("fixtures.json");
    let pw = fx["passphrase"].as_str().unwrap();
    let key =
        |k: &str| unlock_key(fx[k].as_str().unwrap().as_bytes(), None, &Limits::default()).unwrap();
    let (pqc, compat) = (key("pqcPrivate"), key("compatPrivate"));
    let mut n = 0;
    for c in json("cases.json").as_array().unwrap() {
        if !c["op"].as_str().unwrap().starts_with("decrypt") {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let msg = std::fs::read(dir.join("corpus").join(c["file"].as_str().unwrap())).unwrap();
        let mut copies = 0;
        let buffered = outcome(&msg, false, &[&pqc, &compat], pw, &mut copies);
        let two = outcome(&msg, true, &[&pqc, &compat], pw, &mut copies);
        assert_eq!(two, buffered, "{name}");
        assert!(
            copies <= 8 * msg.len() as u64 + 65536,
            "{name}: {copies} copies"
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} cases");
}
