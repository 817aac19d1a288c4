//! Timings and sizes for the report. Ignored by default (slow in debug builds); run:
//! `cargo test --release --test pgp_bench -- --ignored --nocapture`.

use std::time::Instant;

use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

fn ms(t: Instant) -> String {
    format!("{:.2} ms", t.elapsed().as_secs_f64() * 1000.0)
}

fn dearmored_len(armored: &str) -> usize {
    use pgp::composed::{Deserializable, SignedPublicKey, SignedSecretKey};
    use pgp::ser::Serialize;
    if armored.contains("PRIVATE KEY") {
        SignedSecretKey::from_string(armored)
            .unwrap()
            .0
            .to_bytes()
            .unwrap()
            .len()
    } else {
        SignedPublicKey::from_string(armored)
            .unwrap()
            .0
            .to_bytes()
            .unwrap()
            .len()
    }
}

#[test]
#[ignore = "benchmark; run with --release --ignored --nocapture"]
fn bench_profiles() {
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i ^ (i >> 7)) as u8).collect();
    for profile in [Profile::Pqc, Profile::Rfc9580, Profile::Compat] {
        let t = Instant::now();
        let k = generate_key(&GenerateOptions {
            user_ids: vec!["Bench <bench@example.gov.vn>".into()],
            profile,
            ..Default::default()
        })
        .unwrap();
        let gen = ms(t);
        let t = Instant::now();
        let protected = generate_key(&GenerateOptions {
            user_ids: vec!["Bench <bench@example.gov.vn>".into()],
            profile,
            passphrase: Some(Zeroizing::new("pw".into())),
            ..Default::default()
        })
        .unwrap();
        let gen_pw = ms(t);
        let t = Instant::now();
        let _ = unlock_key(
            protected.private_key.as_bytes(),
            Some("pw"),
            &Limits::default(),
        )
        .unwrap();
        let unlock_pw = ms(t);
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let eo = EncryptOptions {
            encryption_keys: vec![k.public_key.as_bytes()],
            armor: false,
            ..Default::default()
        };
        let t = Instant::now();
        let ct = encrypt(&data, &eo).unwrap();
        let enc = ms(t);
        let t = Instant::now();
        let pt = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&sk],
                ..Default::default()
            },
        )
        .unwrap();
        let dec = ms(t);
        assert!(pt.data[..] == data[..]);
        let small = encrypt(b"", &eo).unwrap();
        let t = Instant::now();
        let sig = sign(
            &data,
            &SignOptions {
                signing_keys: vec![&sk],
                detached: true,
                armor: false,
            },
        )
        .unwrap();
        let sgn = ms(t);
        let t = Instant::now();
        let v = verify(&VerifyOptions {
            data: Some(&data),
            signature: &sig,
            verification_keys: vec![k.public_key.as_bytes()],
            ..Default::default()
        })
        .unwrap();
        let ver = ms(t);
        assert!(v.valid);
        println!(
            "{profile:?}: public key {} B armored / {} B binary; private key {} B armored / {} B binary (unprotected), {} B armored protected; \
             detached signature {} B; message overhead (1 recipient, empty plaintext) {} B",
            k.public_key.len(),
            dearmored_len(&k.public_key),
            k.private_key.len(),
            dearmored_len(&k.private_key),
            protected.private_key.len(),
            sig.len(),
            small.len(),
        );
        println!(
            "{profile:?}: generate {gen}, generate+protect {gen_pw}, unlock {unlock_pw}, encrypt 1 MiB {enc}, decrypt 1 MiB {dec}, sign 1 MiB {sgn}, verify 1 MiB {ver}"
        );
    }
}
