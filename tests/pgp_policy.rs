//! The OpenPGP policy (docs/policy.md), one table per rule family, on
//! certificates and signatures made by OpenPGP.js 6 (`tests/fixtures/policy/gen.mjs`).
#![cfg(not(target_arch = "wasm32"))]

use signet_crypto::openpgp::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/policy/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Encrypting to `cert` with `limits`: `Ok` or the error's code and reason.
fn encrypt_to(cert: &str, limits: Limits) -> Result<(), (String, Option<&'static str>)> {
    let cert = fixture(cert);
    let opts = EncryptOptions {
        encryption_keys: vec![&cert],
        limits,
        ..Default::default()
    };
    encrypt(b"x", &opts)
        .map(|_| ())
        .map_err(|e| (e.code().to_string(), e.reason()))
}

/// Verifying a detached signature over data.txt: validity and reason.
fn verify_sig(cert: &str, sig: &str, limits: Limits) -> (bool, Option<&'static str>) {
    let (cert, sig, data) = (fixture(cert), fixture(sig), fixture("data.txt"));
    let v = verify(&VerifyOptions {
        data: Some(&data),
        signature: &sig,
        verification_keys: vec![&cert],
        limits,
    })
    .unwrap();
    assert_eq!(v.signatures.len(), 1);
    let s = &v.signatures[0];
    assert_eq!(v.valid, s.valid);
    assert_eq!(s.valid, s.reason.is_none(), "{s:?}");
    (s.valid, s.reason.map(|r| r.as_str()))
}

const REFUSED: &str = "KEY_UNUSABLE";

#[test]
fn rsa_below_2048_bits_is_refused_for_encryption_and_signatures() {
    for bits in [512, 768, 1024, 1536, 2048] {
        let cert = format!("rsa-{bits}.asc");
        let sig = format!("rsa-{bits}.sig");
        let strong = bits >= 2048;
        let enc = encrypt_to(&cert, Limits::default());
        let ver = verify_sig(&cert, &sig, Limits::default());
        if strong {
            assert_eq!(enc, Ok(()), "{bits}");
            assert_eq!(ver, (true, None), "{bits}");
        } else {
            assert_eq!(enc, Err((REFUSED.into(), Some("too-weak"))), "{bits}");
            assert_eq!(ver, (false, Some("too-weak")), "{bits}");
        }
        let info = read_key(&fixture(&cert)).unwrap();
        assert_eq!(
            info.reason.map(|r| r.as_str()),
            (!strong).then_some("too-weak")
        );
    }
}

#[test]
fn legacy_rsa_floor_is_an_explicit_limit() {
    let mut legacy = Limits::default();
    legacy.set("minRsaBits", 1024).unwrap();
    for (bits, ok) in [(512, false), (768, false), (1024, true), (1536, true)] {
        let cert = format!("rsa-{bits}.asc");
        assert_eq!(encrypt_to(&cert, legacy).is_ok(), ok, "{bits}");
        let (valid, _) = verify_sig(&cert, &format!("rsa-{bits}.sig"), legacy);
        assert_eq!(valid, ok, "{bits}");
    }
    assert_eq!(
        legacy.set("minRsaBits", 768).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn ecdh_key_wrap_only_with_aes_and_kdf_hash_only_sha2() {
    for (name, ok) in [
        ("idea", false),
        ("tripledes", false),
        ("cast5", false),
        ("blowfish", false),
        ("sha1-kdf", false),
        ("aes128", true),
    ] {
        let cert = format!("ecdh-{name}.asc");
        let got = encrypt_to(&cert, Limits::default());
        if ok {
            assert_eq!(got, Ok(()), "{name}");
        } else {
            assert_eq!(got, Err((REFUSED.into(), Some("too-weak"))), "{name}");
            let info = read_key(&fixture(&cert)).unwrap();
            assert_eq!(info.reason, None, "{name}: the primary key is fine");
            assert_eq!(info.subkeys[0].reason.map(|r| r.as_str()), Some("too-weak"));
        }
    }
}

#[test]
fn critical_unknown_notations_void_the_signature() {
    let d = Limits::default();
    assert_eq!(
        verify_sig("notation.asc", "notation-critical.sig", d),
        (false, Some("critical-unknown"))
    );
    assert_eq!(
        verify_sig("notation.asc", "notation-plain.sig", d),
        (true, None)
    );
    // On a subkey binding: the subkey is not bound at all.
    assert_eq!(
        encrypt_to("binding-notation-critical.asc", d),
        Err((REFUSED.into(), Some("no-usable-subkey")))
    );
    assert_eq!(encrypt_to("binding-notation-plain.asc", d), Ok(()));
    let info = read_key(&fixture("binding-notation-critical.asc")).unwrap();
    assert!(!info.subkeys[0].valid_binding);
}

#[test]
fn sha1_data_signatures_are_refused() {
    let d = Limits::default();
    assert_eq!(
        verify_sig("rsa-2048.asc", "rsa-2048-sha1.sig", d),
        (false, Some("too-weak"))
    );
    assert_eq!(verify_sig("rsa-2048.asc", "rsa-2048.sig", d), (true, None));
}

#[test]
fn signing_subkeys_need_a_live_back_signature() {
    let d = Limits::default();
    assert_eq!(
        verify_sig("backsig-valid.asc", "backsig-valid.sig", d),
        (true, None)
    );
    assert_eq!(
        verify_sig("backsig-expired.asc", "backsig-expired.sig", d),
        (false, Some("no-usable-subkey"))
    );
}

#[test]
fn expiry_comes_from_the_primary_user_id_not_a_newer_other_one() {
    let d = Limits::default();
    assert_eq!(
        encrypt_to("uid-expiry.asc", d),
        Err((REFUSED.into(), Some("expired")))
    );
    let info = read_key(&fixture("uid-expiry.asc")).unwrap();
    assert_eq!(info.reason.map(|r| r.as_str()), Some("expired"));
    assert_eq!(info.expires, Some(info.created + 30 * 86_400));
    assert_eq!(info.user_ids[0], "Primary <primary@example.gov.vn>");
    assert_eq!(
        verify_sig("uid-expiry.asc", "uid-expiry-inside.sig", d),
        (true, None)
    );
    assert_eq!(
        verify_sig("uid-expiry.asc", "uid-expiry-after.sig", d),
        (false, Some("expired"))
    );
}

#[test]
fn key_flags_come_from_the_newest_binding() {
    let d = Limits::default();
    assert_eq!(
        encrypt_to("flags-newest-auth.asc", d),
        Err((REFUSED.into(), Some("no-usable-subkey")))
    );
    assert_eq!(encrypt_to("flags-newest-enc.asc", d), Ok(()));
}

#[test]
fn validity_is_judged_when_the_signature_was_made() {
    let d = Limits::default();
    for (sig, want) in [
        ("timetravel-first.sig", (true, None)),
        ("timetravel-lapsed.sig", (false, Some("expired"))),
        ("timetravel-again.sig", (true, None)),
    ] {
        assert_eq!(verify_sig("timetravel.asc", sig, d), want, "{sig}");
    }
    assert_eq!(encrypt_to("timetravel.asc", d), Ok(()));
}

#[test]
fn soft_revocations_cover_only_what_comes_after_them() {
    let d = Limits::default();
    for (cert, before, after) in [
        ("revoked-soft.asc", (true, None), (false, Some("revoked"))),
        (
            "revoked-hard.asc",
            (false, Some("revoked")),
            (false, Some("revoked")),
        ),
    ] {
        assert_eq!(verify_sig(cert, "revoked-before.sig", d), before, "{cert}");
        assert_eq!(verify_sig(cert, "revoked-after.sig", d), after, "{cert}");
        assert_eq!(
            encrypt_to(cert, d),
            Err((REFUSED.into(), Some("revoked"))),
            "{cert}"
        );
        assert!(read_key(&fixture(cert)).unwrap().revoked);
    }
}

#[test]
fn four_compression_layers_are_read_by_default_five_are_not() {
    let cert = fixture("notation.asc");
    let run = |name: &str, limits: Limits| {
        let msg = fixture(name);
        verify(&VerifyOptions {
            data: None,
            signature: &msg,
            verification_keys: vec![&cert],
            limits,
        })
    };
    let v = run("compressed-4.asc", Limits::default()).unwrap();
    assert!(v.valid);
    assert_eq!(v.data.as_deref(), Some(&fixture("data.txt")[..]));
    let e = run("compressed-5.asc", Limits::default()).unwrap_err();
    assert_eq!(e.code(), "LIMIT_EXCEEDED");
    let mut more = Limits::default();
    more.set("maxCompressionLayers", 5).unwrap();
    assert!(run("compressed-5.asc", more).unwrap().valid);
    assert_eq!(
        more.set("maxCompressionLayers", 9).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}
