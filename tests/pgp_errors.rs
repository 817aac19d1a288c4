//! Errors that say what happened: every decryption case of the hostile corpus
//! (`tests/hostile/cases.json`, field `code`) pins the one code it must give,
//! through the one-shot `decrypt` and through the stream decryptor alike.
//! `UNSUPPORTED` = authentic but not supported, `MALFORMED_INPUT` = structural
//! damage, `DECRYPTION_FAILED` = a failed authentication only,
//! `NO_MATCHING_KEY` = well-formed session keys, none for us.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use signet_crypto::openpgp::stream::{StreamDecryptOptions, StreamDecryptor};
use signet_crypto::openpgp::{decrypt, unlock_key, DecryptOptions, Limits, PrivateKey};

fn hostile_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile"))
}

fn json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(hostile_dir().join(name)).expect("read json");
    serde_json::from_str(&text).expect("json")
}

fn code<T>(r: signet_crypto::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.code().into(),
    }
}

fn stream(msg: &[u8], keys: &[&PrivateKey], passwords: &[&str], limits: Limits) -> String {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        limits,
        ..Default::default()
    });
    let r = (|| {
        for piece in msg.chunks(4096) {
            d.push(piece)?;
            if d.needs_session_key() {
                d.unlock(keys, passwords)?;
            }
        }
        d.finish()
    })();
    code(r)
}

#[test]
fn every_decryption_case_has_its_one_code() {
    let fx = json("fixtures.json");
    let pass = fx["passphrase"].as_str().unwrap().to_string();
    let dl = Limits::default();
    let pqc = unlock_key(fx["pqcPrivate"].as_str().unwrap().as_bytes(), None, &dl).unwrap();
    let compat = unlock_key(fx["compatPrivate"].as_str().unwrap().as_bytes(), None, &dl).unwrap();
    let mut wrong = Vec::new();
    let mut n = 0;
    for c in json("cases.json").as_array().unwrap() {
        let op = c["op"].as_str().unwrap();
        let mut limits = Limits::default();
        let (keys, passwords): (Vec<&PrivateKey>, Vec<&str>) = match op {
            "decrypt" => (vec![&pqc, &compat], vec![]),
            "decryptPass" => (vec![], vec![pass.as_str()]),
            "decryptPassLowBudget" => {
                limits.set("maxS2kWork", 3 * 8192).unwrap();
                (vec![], vec![pass.as_str()])
            }
            _ => continue,
        };
        let name = c["name"].as_str().unwrap();
        let Some(want) = c["code"].as_str() else {
            wrong.push(format!("{name}: no pinned code"));
            continue;
        };
        let msg = std::fs::read(
            hostile_dir()
                .join("corpus")
                .join(c["file"].as_str().unwrap()),
        )
        .unwrap();
        let opts = DecryptOptions {
            decryption_keys: keys.clone(),
            passwords: passwords.clone(),
            limits,
            ..Default::default()
        };
        let one_shot = code(decrypt(&msg, &opts));
        let streamed = stream(&msg, &keys, &passwords, limits);
        if one_shot != want || streamed != want {
            wrong.push(format!(
                "{name}: want {want}, decrypt gave {one_shot}, stream gave {streamed}"
            ));
        }
        n += 1;
    }
    assert!(n >= 45, "only {n} decryption cases");
    assert!(
        wrong.is_empty(),
        "{} cases:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn one_shot_and_stream_agree_on_damage() {
    use signet_crypto::openpgp::{encrypt, EncryptOptions};
    let data = vec![3u8; 600 * 1024];
    let ct = encrypt(
        &data,
        &EncryptOptions {
            passwords: vec!["pw"],
            armor: false,
            ..Default::default()
        },
    )
    .unwrap();
    let flip = |i: usize, m: u8| {
        let mut t = ct.clone();
        t[i] ^= m;
        t
    };
    let mut trailing = ct.clone();
    trailing.extend_from_slice(&[0xC0, 0x00]);
    for (name, bad, want) in [
        (
            "flip near the end",
            flip(ct.len() - 40, 1),
            "DECRYPTION_FAILED",
        ),
        (
            "flip in the middle",
            flip(ct.len() / 2, 0x80),
            "DECRYPTION_FAILED",
        ),
        // Truncated packets are structure (README: MALFORMED_INPUT).
        (
            "one octet short",
            ct[..ct.len() - 1].to_vec(),
            "MALFORMED_INPUT",
        ),
        ("half", ct[..ct.len() / 2].to_vec(), "MALFORMED_INPUT"),
        (
            "a packet after the encrypted data",
            trailing,
            "MALFORMED_INPUT",
        ),
    ] {
        let opts = DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        };
        assert_eq!(code(decrypt(&bad, &opts)), want, "{name}: decrypt");
        assert_eq!(
            stream(&bad, &[], &["pw"], Limits::default()),
            want,
            "{name}: stream"
        );
    }
}
