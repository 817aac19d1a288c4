//! RFC 9980 (PQC) and RFC 9580 (AEAD) sample data, read from the shared vector
//! folder (`SIGNET_VECTORS`, default `../shared/vectors`); see its ORIGIN.md.

use std::path::PathBuf;

use signet_crypto::openpgp::*;

fn vectors() -> Option<PathBuf> {
    let dir = std::env::var_os("SIGNET_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors"))
        });
    if dir.join("rfc9980").is_dir() {
        Some(dir)
    } else {
        println!("skipped: vectors not found at {}", dir.display());
        None
    }
}

fn files(dir: &PathBuf, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

/// `v6-mldsa-65-sample-message.asc` -> `v6-mldsa-65`.
fn stem(p: &std::path::Path) -> String {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    name.split("-sample-").next().unwrap().to_string()
}

#[test]
fn rfc9980_keys_parse() {
    let Some(v) = vectors() else { return };
    let dir = v.join("rfc9980");
    let pks = files(&dir, "-sample-pk.asc");
    assert!(pks.len() >= 7, "expected the 7 RFC 9980 sample keys");
    for pk in pks {
        let s = stem(&pk);
        let public = read_key(&std::fs::read(&pk).unwrap()).unwrap();
        let secret =
            read_key(&std::fs::read(dir.join(format!("{s}-sample-sk.asc"))).unwrap()).unwrap();
        assert!(!public.is_private && secret.is_private, "{s}");
        assert_eq!(public.fingerprint, secret.fingerprint, "{s}");
        assert_eq!(public.subkeys.len(), secret.subkeys.len(), "{s}");
        // Every RFC 9980 sample key has at least one PQ component.
        assert!(public.is_post_quantum, "{s}: {public:?}");
        let pq_primary = s.contains("mldsa") || s.contains("slhdsa");
        assert_eq!(
            public.algorithm.starts_with("ML-DSA") || public.algorithm.starts_with("SLH-DSA"),
            pq_primary,
            "{s}: {}",
            public.algorithm
        );
        assert_eq!(public.version, if s.starts_with("v4") { 4 } else { 6 });
        // And the secret key unlocks (sample keys are unprotected).
        let sk = unlock_key(
            &std::fs::read(dir.join(format!("{s}-sample-sk.asc"))).unwrap(),
            None,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(sk.fingerprint(), public.fingerprint);
    }
}

#[test]
fn rfc9980_messages_decrypt_and_verify() {
    let Some(v) = vectors() else { return };
    let dir = v.join("rfc9980");
    let msgs: Vec<PathBuf> = files(&dir, ".asc")
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("-sample-message"))
        .collect();
    assert!(msgs.len() >= 6);
    for m in msgs {
        let s = stem(&m);
        let sk_bytes = std::fs::read(dir.join(format!("{s}-sample-sk.asc"))).unwrap();
        let pk_bytes = std::fs::read(dir.join(format!("{s}-sample-pk.asc"))).unwrap();
        let sk = unlock_key(&sk_bytes, None, &Limits::default()).unwrap();
        let d = decrypt(
            &std::fs::read(&m).unwrap(),
            &DecryptOptions {
                decryption_keys: vec![&sk],
                verification_keys: vec![&pk_bytes],
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", m.display()));
        assert_eq!(&d.data[..], b"Testing\n", "{}", m.display());
        assert!(!d.signatures.is_empty(), "{}", m.display());
        assert!(
            d.signatures.iter().all(|c| c.valid),
            "{}: {:?}",
            m.display(),
            d.signatures
        );
        // Without the verification key the data still decrypts, unverified.
        let d = decrypt(
            &std::fs::read(&m).unwrap(),
            &DecryptOptions {
                decryption_keys: vec![&sk],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(d.signatures.iter().all(|c| !c.valid));
    }
}

#[test]
fn rfc9980_detached_signatures_verify() {
    let Some(v) = vectors() else { return };
    let dir = v.join("rfc9980");
    let sigs = files(&dir, "-sample-signature.asc");
    assert!(sigs.len() >= 5);
    for sig in sigs {
        let s = stem(&sig);
        let pk = std::fs::read(dir.join(format!("{s}-sample-pk.asc"))).unwrap();
        let sig_bytes = std::fs::read(&sig).unwrap();
        let ok = verify(&VerifyOptions {
            data: Some(b"Testing\n"),
            signature: &sig_bytes,
            verification_keys: vec![&pk],
            ..Default::default()
        })
        .unwrap();
        assert!(ok.valid, "{s}: {:?}", ok.signatures);
        let bad = verify(&VerifyOptions {
            data: Some(b"XXX"),
            signature: &sig_bytes,
            verification_keys: vec![&pk],
            ..Default::default()
        })
        .unwrap();
        assert!(!bad.valid, "{s}");
    }
}

#[test]
fn rfc9580_aead_samples_decrypt_with_password() {
    let Some(v) = vectors() else { return };
    for mode in ["eax", "gcm", "ocb"] {
        let msg = std::fs::read(v.join(format!("rfc9580-aead/{mode}.msg"))).unwrap();
        let d = decrypt(
            &msg,
            &DecryptOptions {
                passwords: vec!["password"],
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(&d.data[..], b"Hello, world!", "{mode}");
        let wrong = decrypt(
            &msg,
            &DecryptOptions {
                passwords: vec!["passw0rd"],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(wrong.code(), "NO_MATCHING_KEY" | "DECRYPTION_FAILED"),
            "{mode}: {wrong}"
        );
    }
}
