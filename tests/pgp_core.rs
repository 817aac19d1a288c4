//! Core OpenPGP behaviour through the public Rust API.

use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

fn gen(profile: Profile, pass: Option<&str>) -> GeneratedKey {
    generate_key(&GenerateOptions {
        user_ids: vec!["Test User <test@example.gov.vn>".into()],
        profile,
        passphrase: pass.map(|p| Zeroizing::new(p.to_string())),
        expires_in_days: None,
        created: None,
    })
    .unwrap()
}

fn enc_opts<'a>(keys: Vec<&'a [u8]>) -> EncryptOptions<'a> {
    EncryptOptions {
        encryption_keys: keys,
        armor: true,
        ..Default::default()
    }
}

#[test]
fn roundtrip_every_profile() {
    for profile in [Profile::Pqc, Profile::Rfc9580, Profile::Compat] {
        let k = gen(profile, None);
        let info = read_key(k.public_key.as_bytes()).unwrap();
        assert_eq!(info.fingerprint, k.fingerprint);
        assert!(!info.is_private);
        assert_eq!(info.subkeys.len(), 1);
        assert!(info.subkeys[0].usage.can_encrypt());
        assert!(info.usage.sign && info.usage.certify);
        assert_eq!(info.is_post_quantum, profile == Profile::Pqc);
        assert_eq!(info.version, if profile == Profile::Compat { 4 } else { 6 });
        let priv_info = read_key(k.private_key.as_bytes()).unwrap();
        assert!(priv_info.is_private);

        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let mut o = enc_opts(vec![k.public_key.as_bytes()]);
        o.signing_keys = vec![&sk];
        let ct = encrypt(b"hello world", &o).unwrap();
        let text = String::from_utf8(ct.clone()).unwrap();
        assert!(text.starts_with("-----BEGIN PGP MESSAGE-----"));
        let d = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&sk],
                verification_keys: vec![k.public_key.as_bytes()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&d.data[..], b"hello world");
        assert_eq!(d.signatures.len(), 1, "{profile:?}");
        assert!(d.signatures[0].valid, "{profile:?}");
        assert_eq!(d.signatures[0].fingerprint, k.fingerprint);
    }
}

fn opts_gen(
    profile: Profile,
    pass: Option<&str>,
    created: Option<u64>,
    days: Option<u32>,
) -> GenerateOptions {
    GenerateOptions {
        user_ids: vec![
            "Nguyễn Văn A <a@example.gov.vn>".into(),
            "Alt <alt@example.org>".into(),
        ],
        profile,
        passphrase: pass.map(|p| Zeroizing::new(p.to_string())),
        expires_in_days: days,
        created,
    }
}

/// Top-level packets of a binary message: (tag, first body bytes). Handles the
/// new-format headers rPGP writes, including a first partial-length chunk.
fn packets(msg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < msg.len() {
        let h = msg[i];
        assert_eq!(h & 0xC0, 0xC0, "new-format header expected");
        let tag = h & 0x3F;
        let l0 = msg[i + 1] as usize;
        let (len, hdr, partial) = match l0 {
            0..=191 => (l0, 2, false),
            192..=223 => (((l0 - 192) << 8) + msg[i + 2] as usize + 192, 3, false),
            255 => (
                u32::from_be_bytes(msg[i + 2..i + 6].try_into().unwrap()) as usize,
                6,
                false,
            ),
            _ => (1 << (l0 & 0x1F), 2, true),
        };
        let body = &msg[i + hdr..(i + hdr + len).min(msg.len())];
        out.push((tag, body[..body.len().min(8)].to_vec()));
        if partial {
            break;
        }
        i += hdr + len;
    }
    out
}

fn binary_encrypt(keys: Vec<&[u8]>, passwords: Vec<&str>) -> Vec<u8> {
    encrypt(
        b"payload",
        &EncryptOptions {
            encryption_keys: keys,
            passwords,
            armor: false,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn container_and_aead_choice_follow_recipients() {
    let pqc = gen(Profile::Pqc, None);
    let v6 = gen(Profile::Rfc9580, None);
    let v4 = gen(Profile::Compat, None);

    // v6 recipients: PKESK v6 + SEIPDv2 with AES-256 + GCM (our preference order).
    let ct = binary_encrypt(
        vec![pqc.public_key.as_bytes(), v6.public_key.as_bytes()],
        vec![],
    );
    let p = packets(&ct);
    assert_eq!((p[0].0, p[0].1[0]), (1, 6));
    assert_eq!((p[1].0, p[1].1[0]), (1, 6));
    let seipd = &p[2];
    assert_eq!(seipd.0, 18);
    assert_eq!(&seipd.1[..3], &[2, 9, 3], "SEIPDv2, AES-256, GCM");

    // A compat (v4, no SEIPDv2 feature) recipient downgrades everyone to v1.
    let ct = binary_encrypt(
        vec![v6.public_key.as_bytes(), v4.public_key.as_bytes()],
        vec![],
    );
    let p = packets(&ct);
    assert_eq!((p[0].0, p[0].1[0]), (1, 3));
    assert_eq!((p[2].0, p[2].1[0]), (18, 1));
    for k in [&v6, &v4] {
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let d = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&sk],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&d.data[..], b"payload");
    }

    // ML-KEM recipients cannot be put in a v1 message.
    let err = encrypt(
        b"x",
        &EncryptOptions {
            encryption_keys: vec![pqc.public_key.as_bytes(), v4.public_key.as_bytes()],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");

    // Passwords only: SKESK v6 (Argon2) + SEIPDv2; forced v1: SKESK v4 + SEIPDv1.
    let ct = binary_encrypt(vec![], vec!["pw"]);
    let p = packets(&ct);
    assert_eq!((p[0].0, p[0].1[0]), (3, 6));
    assert_eq!(p[0].1[5], 4, "Argon2 S2K");
    assert_eq!((p[1].0, p[1].1[0]), (18, 2));
    let ct1 = encrypt(
        b"payload",
        &EncryptOptions {
            passwords: vec!["pw"],
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let p = packets(&ct1);
    assert_eq!((p[0].0, p[0].1[0]), (3, 4));
    assert_eq!((p[1].0, p[1].1[0]), (18, 1));
    for msg in [&ct, &ct1] {
        let d = decrypt(
            msg,
            &DecryptOptions {
                passwords: vec!["pw"],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&d.data[..], b"payload");
    }
}

#[test]
fn keys_and_passphrases() {
    let k = generate_key(&opts_gen(Profile::Rfc9580, Some("secret"), None, Some(30))).unwrap();
    let info = read_key(k.private_key.as_bytes()).unwrap();
    assert_eq!(
        info.user_ids,
        vec!["Nguyễn Văn A <a@example.gov.vn>", "Alt <alt@example.org>"]
    );
    assert_eq!(info.expires, Some(info.created + 30 * 86_400));
    assert_eq!(info.subkeys[0].expires, Some(info.created + 30 * 86_400));
    assert_eq!(info.fingerprint.len(), 64);
    assert!(info
        .fingerprint
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));

    let l = Limits::default();
    assert_eq!(
        unlock_key(k.private_key.as_bytes(), Some("wrong"), &l)
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    assert_eq!(
        unlock_key(k.private_key.as_bytes(), None, &l)
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    assert_eq!(
        unlock_key(k.public_key.as_bytes(), Some("secret"), &l)
            .unwrap_err()
            .code(),
        "KEY_UNUSABLE"
    );
    let sk = unlock_key(k.private_key.as_bytes(), Some("secret"), &l).unwrap();
    assert_eq!(sk.fingerprint(), k.fingerprint);
    let dbg = format!("{sk:?}");
    assert!(dbg.contains(&k.fingerprint) && dbg.len() < 200, "{dbg}");

    assert_eq!(
        export_private_key(&sk, "").unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let exported = export_private_key(&sk, "new pass").unwrap();
    assert_eq!(
        unlock_key(exported.as_bytes(), Some("secret"), &l)
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    assert_eq!(
        unlock_key(exported.as_bytes(), None, &l)
            .unwrap_err()
            .code(),
        "BAD_PASSPHRASE"
    );
    let again = unlock_key(exported.as_bytes(), Some("new pass"), &l).unwrap();
    assert_eq!(again.fingerprint(), k.fingerprint);

    // Compat keys export with a v4 S2K and still unlock.
    let c = gen(Profile::Compat, Some("p"));
    let csk = unlock_key(c.private_key.as_bytes(), Some("p"), &l).unwrap();
    let ce = export_private_key(&csk, "q").unwrap();
    assert!(unlock_key(ce.as_bytes(), Some("q"), &l).is_ok());

    assert_eq!(
        generate_key(&GenerateOptions {
            user_ids: vec![],
            ..Default::default()
        })
        .unwrap_err()
        .code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn expired_and_revoked_keys_are_refused() {
    let ten_days_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 10 * 86_400;
    let old = generate_key(&opts_gen(
        Profile::Compat,
        None,
        Some(ten_days_ago),
        Some(1),
    ))
    .unwrap();
    let err = encrypt(b"x", &enc_opts(vec![old.public_key.as_bytes()])).unwrap_err();
    assert_eq!(err.code(), "KEY_UNUSABLE", "{err}");
    let osk = unlock_key(old.private_key.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(
        sign(
            b"x",
            &SignOptions {
                signing_keys: vec![&osk],
                detached: true,
                armor: true
            }
        )
        .unwrap_err()
        .code(),
        "KEY_UNUSABLE"
    );

    let k = gen(Profile::Pqc, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let sig = sign(
        b"doc",
        &SignOptions {
            signing_keys: vec![&sk],
            detached: true,
            armor: true,
        },
    )
    .unwrap();
    let good = verify(&VerifyOptions {
        data: Some(b"doc"),
        signature: &sig,
        verification_keys: vec![k.public_key.as_bytes()],
        ..Default::default()
    })
    .unwrap();
    assert!(good.valid);
    let revoked = revoke_key(&sk, RevocationReason::Compromised, "lost laptop").unwrap();
    assert!(read_key(revoked.as_bytes()).unwrap().revoked);
    assert_eq!(
        encrypt(b"x", &enc_opts(vec![revoked.as_bytes()]))
            .unwrap_err()
            .code(),
        "KEY_UNUSABLE"
    );
    let after = verify(&VerifyOptions {
        data: Some(b"doc"),
        signature: &sig,
        verification_keys: vec![revoked.as_bytes()],
        ..Default::default()
    })
    .unwrap();
    assert!(!after.valid);
}

#[test]
fn signing_only_key_is_not_a_recipient() {
    use pgp::composed::{Deserializable, SignedPublicKey};
    let k = gen(Profile::Rfc9580, None);
    let (mut cert, _) = SignedPublicKey::from_string(&k.public_key).unwrap();
    cert.public_subkeys.clear();
    let stripped = cert.to_armored_string(None.into()).unwrap();
    let err = encrypt(b"x", &enc_opts(vec![stripped.as_bytes()])).unwrap_err();
    assert_eq!(err.code(), "KEY_UNUSABLE");
}

#[test]
fn sign_and_verify_forms() {
    let a = gen(Profile::Pqc, None);
    let b = gen(Profile::Compat, None);
    let ska = unlock_key(a.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let skb = unlock_key(b.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let keys = vec![a.public_key.as_bytes(), b.public_key.as_bytes()];
    for armor in [true, false] {
        // Detached, two signers.
        let sig = sign(
            b"data",
            &SignOptions {
                signing_keys: vec![&ska, &skb],
                detached: true,
                armor,
            },
        )
        .unwrap();
        let v = verify(&VerifyOptions {
            data: Some(b"data"),
            signature: &sig,
            verification_keys: keys.clone(),
            ..Default::default()
        })
        .unwrap();
        assert!(
            v.valid && v.signatures.len() == 2 && v.data.is_none(),
            "{v:?}"
        );
        let v = verify(&VerifyOptions {
            data: Some(b"Data"),
            signature: &sig,
            verification_keys: keys.clone(),
            ..Default::default()
        })
        .unwrap();
        assert!(!v.valid && v.signatures.iter().all(|s| !s.valid));
        // Only one of the two keys known: valid, the other reported unknown.
        let v = verify(&VerifyOptions {
            data: Some(b"data"),
            signature: &sig,
            verification_keys: vec![b.public_key.as_bytes()],
            ..Default::default()
        })
        .unwrap();
        assert!(v.valid);
        assert_eq!(
            v.signatures
                .iter()
                .filter(|s| s.signing_key_fingerprint.is_none())
                .count(),
            1
        );

        // Inline.
        let msg = sign(
            b"inline data",
            &SignOptions {
                signing_keys: vec![&ska, &skb],
                detached: false,
                armor,
            },
        )
        .unwrap();
        let v = verify(&VerifyOptions {
            data: None,
            signature: &msg,
            verification_keys: keys.clone(),
            ..Default::default()
        })
        .unwrap();
        assert!(v.valid && v.signatures.len() == 2, "{v:?}");
        assert_eq!(v.data.as_deref(), Some(&b"inline data"[..]));
        // A signature by nobody we know is not valid.
        let c = gen(Profile::Rfc9580, None);
        let v = verify(&VerifyOptions {
            data: None,
            signature: &msg,
            verification_keys: vec![c.public_key.as_bytes()],
            ..Default::default()
        })
        .unwrap();
        assert!(!v.valid);
    }
    assert_eq!(
        sign(
            b"x",
            &SignOptions {
                signing_keys: vec![],
                detached: true,
                armor: true
            }
        )
        .unwrap_err()
        .code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn decrypt_key_selection_and_errors() {
    let a = gen(Profile::Pqc, None);
    let b = gen(Profile::Rfc9580, None);
    let ska = unlock_key(a.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let skb = unlock_key(b.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let ct = encrypt(b"for a", &enc_opts(vec![a.public_key.as_bytes()])).unwrap();
    // Wrong key only: NO_MATCHING_KEY; both: fine.
    let err = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&skb],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "NO_MATCHING_KEY");
    let d = decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&skb, &ska],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(&d.data[..], b"for a");
    // Key + password message opens with either.
    let ct = encrypt(
        b"both",
        &EncryptOptions {
            encryption_keys: vec![b.public_key.as_bytes()],
            passwords: vec!["pw"],
            armor: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(decrypt(
        &ct,
        &DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        }
    )
    .is_ok());
    assert!(decrypt(
        &ct,
        &DecryptOptions {
            decryption_keys: vec![&skb],
            ..Default::default()
        }
    )
    .is_ok());
    let err = decrypt(
        &ct,
        &DecryptOptions {
            passwords: vec!["nope"],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err.code(), "NO_MATCHING_KEY" | "DECRYPTION_FAILED"),
        "{err}"
    );
    // Nothing to decrypt with.
    assert_eq!(
        decrypt(&ct, &DecryptOptions::default()).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    // A signed (not encrypted) message is not decrypt's business: the input is
    // of the wrong kind (MALFORMED_INPUT), not an option error.
    let signed = sign(
        b"s",
        &SignOptions {
            signing_keys: vec![&ska],
            detached: false,
            armor: true,
        },
    )
    .unwrap();
    assert_eq!(
        decrypt(
            &signed,
            &DecryptOptions {
                decryption_keys: vec![&ska],
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "MALFORMED_INPUT"
    );
}

#[test]
fn streaming_round_trip_large() {
    let k = gen(Profile::Pqc, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i * 7 + i / 1000) as u8)
        .collect();
    let mut ct = Vec::new();
    encrypt_stream(
        &EncryptOptions {
            encryption_keys: vec![k.public_key.as_bytes()],
            signing_keys: vec![&sk],
            ..Default::default()
        },
        &data[..],
        &mut ct,
    )
    .unwrap();
    let mut out = Vec::new();
    let sigs = decrypt_stream(
        &DecryptOptions {
            decryption_keys: vec![&sk],
            verification_keys: vec![k.public_key.as_bytes()],
            ..Default::default()
        },
        &ct[..],
        &mut out,
    )
    .unwrap();
    assert!(out == data);
    assert!(sigs.len() == 1 && sigs[0].valid);
}

#[test]
fn anonymous_recipients_are_tried() {
    // rPGP can write wildcard (anonymous) PKESKs; we never do, but must read them.
    use pgp::composed::{Deserializable, MessageBuilder, SignedPublicKey};
    use pgp::crypto::aead::{AeadAlgorithm, ChunkSize};
    use pgp::crypto::sym::SymmetricKeyAlgorithm;
    let rng = rand::rngs::OsRng;
    for profile in [Profile::Compat, Profile::Rfc9580, Profile::Pqc] {
        let k = gen(profile, None);
        let other = gen(profile, None);
        let (cert, _) = SignedPublicKey::from_string(&k.public_key).unwrap();
        let sub = &cert.public_subkeys[0];
        let ct = if profile == Profile::Compat {
            let mut b = MessageBuilder::from_bytes("", &b"anon"[..])
                .seipd_v1(rng, SymmetricKeyAlgorithm::AES256);
            b.encrypt_to_key_anonymous(rng, sub).unwrap();
            b.to_vec(rng).unwrap()
        } else {
            let mut b = MessageBuilder::from_bytes("", &b"anon"[..]).seipd_v2(
                rng,
                SymmetricKeyAlgorithm::AES256,
                AeadAlgorithm::Ocb,
                ChunkSize::default(),
            );
            b.encrypt_to_key_anonymous(rng, sub).unwrap();
            b.to_vec(rng).unwrap()
        };
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let osk = unlock_key(other.private_key.as_bytes(), None, &Limits::default()).unwrap();
        // The wrong key is tried first and fails quietly; the right one opens it.
        let d = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&osk, &sk],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&d.data[..], b"anon", "{profile:?}");
        let err = decrypt(
            &ct,
            &DecryptOptions {
                decryption_keys: vec![&osk],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(err.code(), "NO_MATCHING_KEY" | "DECRYPTION_FAILED"),
            "{err}"
        );
    }
}

#[test]
fn auto_container_conflict_names_the_recipients_and_forces_nothing() {
    let pq = gen(Profile::Pqc, None);
    let v4 = gen(Profile::Compat, None);
    let opts = |seipd| EncryptOptions {
        encryption_keys: vec![pq.public_key.as_bytes(), v4.public_key.as_bytes()],
        seipd,
        ..Default::default()
    };
    let e = encrypt(b"x", &opts(SeipdChoice::Auto)).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    let msg = e.to_string();
    assert!(
        msg.contains("no message format suits all recipients"),
        "{msg}"
    );
    assert!(msg.contains(&v4.fingerprint), "{msg}");
    assert!(!msg.contains("do not force"), "{msg}");
    // Forcing v1 keeps its own message; forcing v2 is the documented way out.
    let e = encrypt(b"x", &opts(SeipdChoice::V1)).unwrap_err();
    assert!(e.to_string().contains("do not force seipd v1"), "{e}");
    assert!(encrypt(b"x", &opts(SeipdChoice::V2)).is_ok());
}

#[test]
fn encrypt_with_session_key_returns_the_key_recipients_find() {
    for (profile, seipd) in [
        (Profile::Rfc9580, SeipdChoice::V2),
        (Profile::Compat, SeipdChoice::V1),
    ] {
        let k = gen(profile, None);
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let opts = EncryptOptions {
            passwords: vec!["pw"],
            armor: false,
            seipd,
            ..enc_opts(vec![k.public_key.as_bytes()])
        };
        let (msg, key) = encrypt_with_session_key(b"hello", &opts).unwrap();
        let out = key.to_bytes();
        // Cipher octet (AES-128/192/256) then a key of its length.
        let len = match out[0] {
            7 => 16,
            8 => 24,
            9 => 32,
            other => panic!("cipher {other}"),
        };
        assert_eq!(out.len(), 1 + len);
        let by_key = stream::decrypt_session_key(&msg, &[&sk], &[], &Limits::default()).unwrap();
        let by_pw = stream::decrypt_session_key(&msg, &[], &["pw"], &Limits::default()).unwrap();
        assert_eq!(&by_key.to_bytes()[1..], &out[1..]);
        assert_eq!(&by_pw.to_bytes()[1..], &out[1..]);
        let (again, key2) = encrypt_with_session_key(b"hello", &opts).unwrap();
        assert_ne!(&key2.to_bytes()[1..], &out[1..], "a fresh key per message");
        assert_ne!(again, msg);
    }
}

#[test]
fn armored_keys_go_through_one_reader() {
    let k = gen(Profile::Rfc9580, None);
    let fp = read_key(k.public_key.as_bytes()).unwrap().fingerprint;
    // The first block counts; text after its footer is ignored, as in a keyring file.
    let trailing = format!("{}\nanother block or a signature line\n", k.public_key);
    assert_eq!(read_key(trailing.as_bytes()).unwrap().fingerprint, fp);
    // A private key block where a certificate is expected: its public part.
    assert_eq!(read_key(k.private_key.as_bytes()).unwrap().fingerprint, fp);
    // A CRC line that does not match is not a reason to refuse (RFC 9580 §6.1).
    let end = k.public_key.find("-----END").unwrap();
    let bad_crc = format!("{}=AAAA\n{}", &k.public_key[..end], &k.public_key[end..]);
    assert_eq!(read_key(bad_crc.as_bytes()).unwrap().fingerprint, fp);
    // Another block type, or a truncated block: malformed, never a panic.
    let message = k.public_key.replace("PUBLIC KEY BLOCK", "MESSAGE");
    assert!(matches!(
        read_key(message.as_bytes()),
        Err(signet_crypto::Error::MalformedInput(_))
    ));
    let cut = &k.public_key[..end];
    assert!(matches!(
        read_key(cut.as_bytes()),
        Err(signet_crypto::Error::MalformedInput(_))
    ));
}
