//! Hostile input: truncations, bit flips, bad armor, crafted packets that ask for
//! too much work or memory. Every case must return a typed error (never panic),
//! and decryption must never release unauthenticated plaintext.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pgp::composed::{Deserializable, MessageBuilder, SignedSecretKey};
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::ser::Serialize;
use pgp::types::{CompressionAlgorithm, StringToKey};
use signet_crypto::openpgp::*;
use zeroize::Zeroizing;

fn gen(profile: Profile, pass: Option<&str>) -> GeneratedKey {
    generate_key(&GenerateOptions {
        user_ids: vec!["Bad Input <bad@example.org>".into()],
        profile,
        passphrase: pass.map(|p| Zeroizing::new(p.into())),
        expires_in_days: None,
        created: None,
    })
    .unwrap()
}

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("panicked on {what}"),
    }
}

fn binary_msg(pk: &str, sk: Option<&PrivateKey>, data: &[u8]) -> Vec<u8> {
    encrypt(
        data,
        &EncryptOptions {
            encryption_keys: vec![pk.as_bytes()],
            signing_keys: sk.into_iter().collect(),
            armor: false,
            ..Default::default()
        },
    )
    .unwrap()
}

const KNOWN_CODES: &[&str] = &[
    "MALFORMED_INPUT",
    "DECRYPTION_FAILED",
    "NO_MATCHING_KEY",
    "UNSUPPORTED",
    "LIMIT_EXCEEDED",
    "KEY_UNUSABLE",
    "INVALID_ARGUMENT",
];

#[test]
fn truncated_messages_always_fail() {
    for profile in [Profile::Compat, Profile::Pqc] {
        let k = gen(profile, None);
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let msg = binary_msg(&k.public_key, Some(&sk), b"truncate me please");
        let opts = DecryptOptions {
            decryption_keys: vec![&sk],
            verification_keys: vec![k.public_key.as_bytes()],
            ..Default::default()
        };
        assert!(decrypt(&msg, &opts).is_ok());
        for len in 0..msg.len() {
            let r = no_panic(&format!("{profile:?} truncated to {len}"), || {
                decrypt(&msg[..len], &opts)
            });
            let e = r
                .err()
                .unwrap_or_else(|| panic!("{profile:?}: prefix {len} decrypted"));
            assert!(KNOWN_CODES.contains(&e.code()), "{e}");
        }
        // Armored truncations too (every 7th length keeps the run short).
        let armored = encrypt(
            b"truncate me please",
            &EncryptOptions {
                encryption_keys: vec![k.public_key.as_bytes()],
                armor: true,
                ..Default::default()
            },
        )
        .unwrap();
        for len in (0..armored.len()).step_by(7) {
            let r = no_panic("armored truncation", || decrypt(&armored[..len], &opts));
            assert!(r.is_err(), "armored prefix {len} decrypted");
        }
    }
}

fn flip_all(what: &str, msg: &[u8], expect: &[u8], opts: &DecryptOptions<'_>) {
    assert_eq!(&decrypt(msg, opts).unwrap().data[..], expect, "{what}");
    for i in 0..msg.len() {
        let mut m = msg.to_vec();
        m[i] ^= 1 << (i % 8);
        match no_panic(&format!("{what}: flip at {i}"), || decrypt(&m, opts)) {
            // Only flips outside authenticated data may survive, and then the
            // plaintext must be exactly the original.
            Ok(d) => assert_eq!(&d.data[..], expect, "{what}: flip at {i}"),
            Err(e) => assert!(KNOWN_CODES.contains(&e.code()), "{e}"),
        }
    }
}

#[test]
fn bit_flips_never_yield_other_plaintext() {
    for (profile, seipd) in [
        (Profile::Compat, SeipdChoice::Auto),
        (Profile::Pqc, SeipdChoice::Auto),
        (Profile::Rfc9580, SeipdChoice::Auto),
        (Profile::Rfc9580, SeipdChoice::V1),
    ] {
        let k = gen(profile, None);
        let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
        let msg = encrypt(
            b"flip me",
            &EncryptOptions {
                encryption_keys: vec![k.public_key.as_bytes()],
                signing_keys: vec![&sk],
                seipd,
                ..Default::default()
            },
        )
        .unwrap();
        let opts = DecryptOptions {
            decryption_keys: vec![&sk],
            verification_keys: vec![k.public_key.as_bytes()],
            ..Default::default()
        };
        flip_all(&format!("{profile:?}/{seipd:?}"), &msg, b"flip me", &opts);
    }
}

/// Password messages with cheap S2K parameters, built with rPGP directly.
fn cheap_password_messages() -> Vec<(&'static str, Vec<u8>)> {
    use pgp::crypto::aead::{AeadAlgorithm, ChunkSize};
    let rng = rand::rngs::OsRng;
    let mut out = Vec::new();
    let mut b = MessageBuilder::from_bytes("", &b"pw data"[..])
        .seipd_v1(rng, SymmetricKeyAlgorithm::AES256);
    b.encrypt_with_password(
        StringToKey::new_iterated(rng, HashAlgorithm::Sha256, 0),
        &"pw".into(),
    )
    .unwrap();
    out.push(("skesk4/v1", b.to_vec(rng).unwrap()));
    for aead in [AeadAlgorithm::Gcm, AeadAlgorithm::Ocb, AeadAlgorithm::Eax] {
        let mut b = MessageBuilder::from_bytes("", &b"pw data"[..]).seipd_v2(
            rng,
            SymmetricKeyAlgorithm::AES256,
            aead,
            ChunkSize::C64B,
        );
        let s2k = StringToKey::new_argon2(rng, 1, 1, 6);
        b.encrypt_with_password(rng, s2k, &"pw".into()).unwrap();
        out.push(("skesk6/v2", b.to_vec(rng).unwrap()));
    }
    out
}

#[test]
fn bit_flips_in_password_messages() {
    let opts = DecryptOptions {
        passwords: vec!["pw"],
        ..Default::default()
    };
    for (what, msg) in cheap_password_messages() {
        flip_all(what, &msg, b"pw data", &opts);
    }
}

#[test]
fn many_wrong_passwords_never_panic() {
    // A wrong password on a v4 SKESK yields a random "session key" whose
    // algorithm byte is random too: every outcome must be a typed error.
    for (what, msg) in cheap_password_messages() {
        for i in 0..300 {
            let pw = format!("wrong {i}");
            let r = no_panic(what, || {
                decrypt(
                    &msg,
                    &DecryptOptions {
                        passwords: vec![&pw],
                        ..Default::default()
                    },
                )
            });
            let e = r.err().unwrap_or_else(|| panic!("{what}: {pw} decrypted"));
            assert!(
                matches!(e.code(), "NO_MATCHING_KEY" | "DECRYPTION_FAILED"),
                "{e}"
            );
        }
    }
}

#[test]
fn seipdv1_tamper_releases_nothing_even_when_streaming() {
    let k = gen(Profile::Compat, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let data = vec![b'A'; 100_000];
    let msg = binary_msg(&k.public_key, None, &data);
    let opts = DecryptOptions {
        decryption_keys: vec![&sk],
        ..Default::default()
    };
    for back in [1usize, 5, 17, 30, 1000, 50_000] {
        let mut m = msg.clone();
        let i = m.len() - back;
        m[i] ^= 0x40;
        let mut out = Vec::new();
        let r = decrypt_stream(&opts, &m[..], &mut out);
        assert_eq!(
            r.unwrap_err().code(),
            "DECRYPTION_FAILED",
            "flip {back} from end"
        );
        assert!(
            out.is_empty(),
            "released {} bytes before the MDC check",
            out.len()
        );
        assert!(decrypt(&m, &opts).is_err());
    }
}

#[test]
fn seipdv2_tamper_in_single_chunk_releases_nothing() {
    let k = gen(Profile::Rfc9580, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let msg = binary_msg(&k.public_key, None, &[7u8; 1000]);
    let mut m = msg.clone();
    let n = m.len();
    m[n - 40] ^= 1;
    let mut out = Vec::new();
    let r = decrypt_stream(
        &DecryptOptions {
            decryption_keys: vec![&sk],
            ..Default::default()
        },
        &m[..],
        &mut out,
    );
    assert_eq!(r.unwrap_err().code(), "DECRYPTION_FAILED");
    assert!(out.is_empty());
}

#[test]
fn truncated_and_flipped_keys_and_signatures_do_not_panic() {
    let k = gen(Profile::Pqc, Some("pw"));
    let public = k.public_key.as_bytes();
    for len in (0..public.len()).step_by(3) {
        let _ = no_panic("truncated key", || read_key(&public[..len]));
    }
    let private = k.private_key.as_bytes();
    for len in (0..private.len()).step_by(97) {
        let _ = no_panic("truncated private key", || {
            unlock_key(&private[..len], Some("pw"), &Limits::default())
        });
    }
    // Binary key, flipped bytes (an unprotected key: no Argon2 run per flip).
    let plain = gen(Profile::Pqc, None);
    let (sec, _) = SignedSecretKey::from_string(&plain.private_key).unwrap();
    let bin = sec.to_bytes().unwrap();
    for i in (0..bin.len()).step_by(13) {
        let mut b = bin.clone();
        b[i] ^= 0x10;
        let _ = no_panic("flipped key", || read_key(&b));
        let _ = no_panic("flipped key unlock", || {
            unlock_key(&b, None, &Limits::default())
        });
    }

    let sk = unlock_key(private, Some("pw"), &Limits::default()).unwrap();
    let sig = sign(
        b"doc",
        &SignOptions {
            signing_keys: vec![&sk],
            detached: true,
            armor: false,
        },
    )
    .unwrap();
    for i in 0..sig.len() {
        let mut s = sig.clone();
        s[i] ^= 1 << (i % 8);
        let _ = no_panic("flipped signature", || {
            verify(&VerifyOptions {
                data: Some(b"doc"),
                signature: &s,
                verification_keys: vec![public],
                ..Default::default()
            })
        });
    }
    for len in 0..sig.len() {
        let r = no_panic("truncated signature", || {
            verify(&VerifyOptions {
                data: Some(b"doc"),
                signature: &sig[..len],
                verification_keys: vec![public],
                ..Default::default()
            })
        });
        assert!(
            !r.map(|v| v.valid).unwrap_or(false),
            "prefix {len} verified"
        );
    }
    // Inline-signed message, truncated.
    let inline = sign(
        b"doc",
        &SignOptions {
            signing_keys: vec![&sk],
            detached: false,
            armor: false,
        },
    )
    .unwrap();
    for len in 0..inline.len() {
        let r = no_panic("truncated signed message", || {
            verify(&VerifyOptions {
                data: None,
                signature: &inline[..len],
                verification_keys: vec![public],
                ..Default::default()
            })
        });
        assert!(
            !r.map(|v| v.valid).unwrap_or(false),
            "prefix {len} verified"
        );
    }
}

#[test]
fn wrong_kinds_and_bad_armor() {
    let k = gen(Profile::Rfc9580, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let opts = DecryptOptions {
        decryption_keys: vec![&sk],
        ..Default::default()
    };
    let bad = b"-----BEGIN PGP MESSAGE-----\n\n!!!! not base64 !!!!\n-----END PGP MESSAGE-----\n";
    assert_eq!(decrypt(bad, &opts).unwrap_err().code(), "MALFORMED_INPUT");
    assert!(decrypt(b"", &opts).is_err());
    assert!(decrypt(b"hello world", &opts).is_err());
    // A key where a message belongs.
    assert!(decrypt(k.public_key.as_bytes(), &opts).is_err());
    // A message where a key belongs.
    let msg = encrypt(
        b"x",
        &EncryptOptions {
            encryption_keys: vec![k.public_key.as_bytes()],
            armor: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(read_key(&msg).is_err());
    assert!(matches!(
        encrypt(
            b"x",
            &EncryptOptions {
                encryption_keys: vec![&msg],
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "MALFORMED_INPUT" | "UNSUPPORTED"
    ));
    // Armor with a broken checksum line or body.
    let mut broken = k.public_key.clone().into_bytes();
    let mid = broken.len() / 2;
    broken[mid] = b'*';
    assert!(read_key(&broken).is_err());
}

#[test]
fn sed_without_integrity_is_refused() {
    // SKESK v4 (AES-256, iterated+salted SHA-256) followed by a SED packet (tag 9).
    let mut msg = vec![0xC3, 13, 4, 9, 3, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x60];
    msg.push(0xC9);
    msg.push(48);
    msg.extend((0..48u8).map(|i| i.wrapping_mul(37)));
    let err = decrypt(
        &msg,
        &DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "UNSUPPORTED", "{err}");
}

/// Offset of the first packet's body in a binary message (new-format header, short length).
fn first_body(msg: &[u8]) -> usize {
    assert!(msg[1] < 192);
    2
}

#[test]
fn argon2_beyond_cap_in_skesk_is_refused_before_deriving() {
    let msg = encrypt(
        b"x",
        &EncryptOptions {
            passwords: vec!["pw"],
            armor: false,
            ..Default::default()
        },
    )
    .unwrap();
    let b = first_body(&msg);
    assert_eq!(&msg[b..b + 1], &[6]);
    assert_eq!(msg[b + 5], 4, "Argon2 S2K");
    let m_at = b + 24;
    assert_eq!(msg[m_at], 16, "m_enc 16 = 64 MiB");
    for (at, value) in [
        (m_at, 21u8),
        (m_at, 31),
        (m_at, 40),
        (m_at - 2, 255),
        (m_at - 1, 255),
    ] {
        let mut m = msg.clone();
        m[at] = value;
        let t = std::time::Instant::now();
        let err = decrypt(
            &m,
            &DecryptOptions {
                passwords: vec!["pw"],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), "LIMIT_EXCEEDED", "byte {at} = {value}: {err}");
        assert!(t.elapsed().as_secs() < 2, "derivation ran before the check");
    }
}

#[test]
fn argon2_beyond_cap_in_secret_key_is_refused() {
    let k = gen(Profile::Rfc9580, Some("pw"));
    let (sec, _) = SignedSecretKey::from_string(&k.private_key).unwrap();
    let mut bin = sec.to_bytes().unwrap();
    // v6 secret key S2K: usage 253, count, AES-256 (9), OCB (2), S2K length 20, Argon2 (4).
    let hits: Vec<usize> = (0..bin.len() - 30)
        .filter(|&i| {
            bin[i] == 253
                && bin[i + 2] == 9
                && bin[i + 3] == 2
                && bin[i + 4] == 20
                && bin[i + 5] == 4
        })
        .collect();
    assert_eq!(hits.len(), 2, "primary and subkey S2K");
    for i in hits {
        assert_eq!(bin[i + 24], 16);
        bin[i + 24] = 22; // 4 GiB
    }
    let err = unlock_key(&bin, Some("pw"), &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "LIMIT_EXCEEDED", "{err}");
}

#[test]
fn iterated_s2k_cap() {
    let tight = Limits {
        max_s2k_iterated_bytes: 1 << 20,
        ..Limits::default()
    };
    let k = gen(Profile::Compat, Some("pw"));
    assert_eq!(
        unlock_key(k.private_key.as_bytes(), Some("pw"), &tight)
            .unwrap_err()
            .code(),
        "LIMIT_EXCEEDED"
    );
    assert!(unlock_key(k.private_key.as_bytes(), Some("pw"), &Limits::default()).is_ok());
    let msg = encrypt(
        b"x",
        &EncryptOptions {
            passwords: vec!["pw"],
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let err = decrypt(
        &msg,
        &DecryptOptions {
            passwords: vec!["pw"],
            limits: tight,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "LIMIT_EXCEEDED");
}

#[test]
fn decompression_bomb_is_capped() {
    // rPGP's builder can compress (ours never does): 8 MiB of zeros -> a few KiB.
    let rng = rand::rngs::OsRng;
    let mut b = MessageBuilder::from_bytes("", vec![0u8; 8 << 20])
        .seipd_v1(rng, SymmetricKeyAlgorithm::AES256);
    b.encrypt_with_password(
        StringToKey::new_iterated(rng, HashAlgorithm::Sha256, 96),
        &"pw".into(),
    )
    .unwrap();
    b.compression(CompressionAlgorithm::ZLIB);
    let msg = b.to_vec(rng).unwrap();
    assert!(msg.len() < 100_000);
    let ok = decrypt(
        &msg,
        &DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ok.data.len(), 8 << 20);
    let tight = Limits {
        max_decompressed_size: 1 << 20,
        ..Limits::default()
    };
    let err = decrypt(
        &msg,
        &DecryptOptions {
            passwords: vec!["pw"],
            limits: tight,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "LIMIT_EXCEEDED", "{err}");
    let mut out = Vec::new();
    let err = decrypt_stream(
        &DecryptOptions {
            passwords: vec!["pw"],
            limits: tight,
            ..Default::default()
        },
        &msg[..],
        &mut out,
    )
    .unwrap_err();
    assert_eq!(err.code(), "LIMIT_EXCEEDED");
    assert!(out.len() <= 1 << 20);
}

#[test]
fn oversized_inputs() {
    let k = gen(Profile::Compat, None);
    let sk = unlock_key(k.private_key.as_bytes(), None, &Limits::default()).unwrap();
    let msg = binary_msg(&k.public_key, None, &[1u8; 8192]);
    let small = Limits {
        max_message_size: 1024,
        ..Limits::default()
    };
    let opts = DecryptOptions {
        decryption_keys: vec![&sk],
        limits: small,
        ..Default::default()
    };
    assert_eq!(decrypt(&msg, &opts).unwrap_err().code(), "LIMIT_EXCEEDED");
    // Streaming: the SEIPDv1 packet must be buffered whole for its MDC check.
    let mut out = Vec::new();
    assert_eq!(
        decrypt_stream(&opts, &msg[..], &mut out)
            .unwrap_err()
            .code(),
        "LIMIT_EXCEEDED"
    );
    assert!(out.is_empty());
    // Keys beyond max_key_size.
    let huge = vec![b'A'; 9 << 20];
    assert_eq!(read_key(&huge).unwrap_err().code(), "LIMIT_EXCEEDED");
    let tiny_keys = Limits {
        max_key_size: 100,
        ..Limits::default()
    };
    assert_eq!(
        unlock_key(k.private_key.as_bytes(), None, &tiny_keys)
            .unwrap_err()
            .code(),
        "LIMIT_EXCEEDED"
    );
    // One-shot encrypt refuses data over the limit.
    assert_eq!(
        encrypt(
            &[0u8; 2048],
            &EncryptOptions {
                passwords: vec!["pw"],
                limits: small,
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "LIMIT_EXCEEDED"
    );
}

#[test]
fn nested_compression_beyond_cap() {
    // Literal packet "hi", wrapped in "uncompressed" compressed-data packets.
    let literal = vec![0xCB, 8, b'b', 0, 0, 0, 0, 0, b'h', b'i'];
    let wrap = |inner: Vec<u8>| {
        let mut v = vec![0xC8, (inner.len() + 1) as u8, 0];
        v.extend(inner);
        v
    };
    let four = (0..4).fold(literal, |m, _| wrap(m));
    let five = wrap(four.clone());
    let k = gen(Profile::Rfc9580, None);
    let check = |msg: &[u8]| {
        verify(&VerifyOptions {
            data: None,
            signature: msg,
            verification_keys: vec![k.public_key.as_bytes()],
            ..Default::default()
        })
        .unwrap_err()
        .code()
    };
    // Four layers pass the cap (and then fail for being unsigned)...
    assert_eq!(check(&four), "MALFORMED_INPUT");
    // ...five exceed the default cap of four (docs/policy.md, "Nesting").
    assert_eq!(check(&five), "LIMIT_EXCEEDED");
}
