//! Streaming SEIPDv2 through the public Rust API: interop with the one-shot
//! (rPGP) path both ways, chunk boundaries, truncation, bit flips, fallbacks,
//! the external (job) backend, and the RFC 9580 AEAD sample messages.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::VecDeque;
use std::path::PathBuf;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit};
use pgp::crypto::aead::AeadAlgorithm;
use proptest::prelude::*;
use signet_crypto::openpgp::stream::*;
use signet_crypto::openpgp::*;
use signet_crypto::Error;
use zeroize::Zeroizing;

mod stream_common;
use stream_common::{data, key, Key};

/// Chunk size octet 10 = 64 KiB chunks: small enough for fast tests.
const C10: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
enum Who {
    Password,
    Rfc9580,
    Pqc,
}

fn enc_opts<'a>(who: Who, aead: Option<AeadAlgorithm>) -> StreamEncryptOptions<'a> {
    let mut base = EncryptOptions::default();
    match who {
        Who::Password => base.passwords = vec!["correct horse"],
        Who::Rfc9580 => base.encryption_keys = vec![key(Profile::Rfc9580).public.as_bytes()],
        Who::Pqc => base.encryption_keys = vec![key(Profile::Pqc).public.as_bytes()],
    }
    StreamEncryptOptions {
        base,
        aead,
        chunk_size_octet: Some(10),
        ..Default::default()
    }
}

fn dec_opts(who: Who) -> DecryptOptions<'static> {
    match who {
        Who::Password => DecryptOptions {
            passwords: vec!["correct horse"],
            ..Default::default()
        },
        Who::Rfc9580 => DecryptOptions {
            decryption_keys: vec![&key(Profile::Rfc9580).secret],
            ..Default::default()
        },
        Who::Pqc => DecryptOptions {
            decryption_keys: vec![&key(Profile::Pqc).secret],
            ..Default::default()
        },
    }
}

/// Stream-encrypts `plain` pushed in pieces of `step` octets.
fn stream_encrypt(opts: &StreamEncryptOptions<'_>, plain: &[u8], step: usize) -> Vec<u8> {
    let mut e = StreamEncryptor::new(opts).unwrap();
    let mut out = e.header();
    for piece in plain.chunks(step.max(1)) {
        out.extend(e.push(piece).unwrap());
    }
    out.extend(e.finish().unwrap());
    assert!(e.is_done());
    out
}

/// Stream-decrypts `msg` pushed in pieces of `step` octets. Returns what was
/// released before the error too.
fn stream_decrypt_parts(
    msg: &[u8],
    step: usize,
    opts: &DecryptOptions<'_>,
) -> (Vec<u8>, Result<(), Error>) {
    let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
    let mut out = Vec::new();
    for piece in msg.chunks(step.max(1)) {
        match d.push(piece) {
            Ok(p) => out.extend(p),
            Err(e) => return (out, Err(e)),
        }
        if d.needs_session_key() {
            match d.unlock(&opts.decryption_keys, &opts.passwords) {
                Ok(p) => out.extend(p),
                Err(e) => return (out, Err(e)),
            }
        }
    }
    match d.finish() {
        Ok(p) => {
            out.extend(p);
            (out, Ok(()))
        }
        Err(e) => (out, Err(e)),
    }
}

fn stream_decrypt(msg: &[u8], step: usize, opts: &DecryptOptions<'_>) -> Result<Vec<u8>, Error> {
    let (out, r) = stream_decrypt_parts(msg, step, opts);
    r.map(|()| out)
}

#[test]
fn stream_encrypt_then_one_shot_decrypt() {
    for who in [Who::Password, Who::Rfc9580, Who::Pqc] {
        for aead in [None, Some(AeadAlgorithm::Gcm), Some(AeadAlgorithm::Ocb)] {
            for (n, steps) in [
                (0usize, vec![1usize]),
                (1, vec![1]),
                (600, vec![1, 7]),
                (C10 - 7, vec![4093, C10]),
                (C10, vec![C10, 65_537]),
                (C10 + 1, vec![C10 - 1, 1 << 20]),
                (3 * C10 + 17, vec![12_345, C10]),
            ] {
                let plain = data(n);
                for step in steps {
                    let ct = stream_encrypt(&enc_opts(who, aead), &plain, step);
                    let d = decrypt(&ct, &dec_opts(who))
                        .unwrap_or_else(|e| panic!("{who:?} {aead:?} n={n} step={step}: {e}"));
                    assert_eq!(
                        &d.data[..],
                        &plain[..],
                        "{who:?} {aead:?} n={n} step={step}"
                    );
                }
            }
        }
    }
}

#[test]
fn stream_round_trip_with_one_byte_pushes_both_ways() {
    let plain = data(C10 + 300);
    let ct = stream_encrypt(&enc_opts(Who::Rfc9580, None), &plain, 1);
    assert_eq!(
        stream_decrypt(&ct, 1, &dec_opts(Who::Rfc9580)).unwrap(),
        plain
    );
}

#[test]
fn stream_armor_round_trip() {
    let plain = data(2 * C10 + 5);
    let mut o = enc_opts(Who::Password, None);
    o.base.armor = true;
    let ct = stream_encrypt(&o, &plain, 1000);
    assert!(ct.starts_with(b"-----BEGIN PGP MESSAGE-----\n"));
    assert!(ct.ends_with(b"-----END PGP MESSAGE-----\n"));
    assert_eq!(
        &decrypt(&ct, &dec_opts(Who::Password)).unwrap().data[..],
        &plain[..]
    );
    assert_eq!(
        stream_decrypt(&ct, 333, &dec_opts(Who::Password)).unwrap(),
        plain
    );
}

/// rPGP writes SEIPDv2 with the given mode; chunks of 256 KiB.
fn rpgp_v2(plain: &[u8], aead: AeadAlgorithm, pw: &str) -> Vec<u8> {
    use pgp::composed::MessageBuilder;
    use pgp::crypto::aead::ChunkSize;
    use pgp::crypto::sym::SymmetricKeyAlgorithm;
    use pgp::types::StringToKey;
    let mut rng = rand::thread_rng();
    let mut b = MessageBuilder::from_bytes("", plain.to_vec()).seipd_v2(
        &mut rng,
        SymmetricKeyAlgorithm::AES256,
        aead,
        ChunkSize::C64KiB,
    );
    let s2k = StringToKey::new_default(&mut rng);
    b.encrypt_with_password(&mut rng, s2k, &pw.into()).unwrap();
    b.to_vec(&mut rng).unwrap()
}

#[test]
fn one_shot_encrypt_then_stream_decrypt() {
    for who in [Who::Password, Who::Rfc9580, Who::Pqc] {
        for n in [0usize, 1, 256 * 1024, 256 * 1024 + 1, 600_001] {
            let plain = data(n);
            let ct = encrypt(
                &plain,
                &EncryptOptions {
                    encryption_keys: match who {
                        Who::Password => vec![],
                        Who::Rfc9580 => vec![key(Profile::Rfc9580).public.as_bytes()],
                        Who::Pqc => vec![key(Profile::Pqc).public.as_bytes()],
                    },
                    passwords: match who {
                        Who::Password => vec!["correct horse"],
                        _ => vec![],
                    },
                    ..Default::default()
                },
            )
            .unwrap();
            for step in [4096usize, 100_003] {
                let got = stream_decrypt(&ct, step, &dec_opts(who)).unwrap();
                assert_eq!(got, plain, "{who:?} n={n} step={step}");
            }
        }
    }
    for aead in [AeadAlgorithm::Gcm, AeadAlgorithm::Ocb, AeadAlgorithm::Eax] {
        for n in [0usize, 5, C10, 3 * C10 + 1] {
            let plain = data(n);
            let ct = rpgp_v2(&plain, aead, "correct horse");
            let got = stream_decrypt(&ct, 7777, &dec_opts(Who::Password)).unwrap();
            assert_eq!(got, plain, "{aead:?} n={n}");
        }
    }
}

#[test]
fn seipdv1_compressed_and_signed_fall_back_to_buffered() {
    let plain = data(100_000);
    // SEIPDv1 (forced) with a password.
    let ct = encrypt(
        &plain,
        &EncryptOptions {
            passwords: vec!["correct horse"],
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
    let mut out = d.push(&ct).unwrap();
    assert!(d.needs_session_key());
    out.extend(d.unlock(&[], &["correct horse"]).unwrap());
    assert!(
        out.is_empty(),
        "SEIPDv1 plaintext released before its MDC was checked"
    );
    assert_eq!(d.is_streaming(), Some(false));
    out.extend(d.finish().unwrap());
    assert_eq!(out, plain);

    // Compressed inside SEIPDv2 (written by rPGP).
    {
        use pgp::composed::MessageBuilder;
        use pgp::crypto::aead::ChunkSize;
        use pgp::crypto::sym::SymmetricKeyAlgorithm;
        use pgp::types::{CompressionAlgorithm, StringToKey};
        let mut rng = rand::thread_rng();
        let mut b = MessageBuilder::from_bytes("", plain.clone());
        b.compression(CompressionAlgorithm::ZLIB);
        let mut b = b.seipd_v2(
            &mut rng,
            SymmetricKeyAlgorithm::AES256,
            AeadAlgorithm::Gcm,
            ChunkSize::C64KiB,
        );
        let s2k = StringToKey::new_default(&mut rng);
        b.encrypt_with_password(&mut rng, s2k, &"pw".into())
            .unwrap();
        let ct = b.to_vec(&mut rng).unwrap();
        let (released, r) = stream_decrypt_parts(
            &ct,
            1000,
            &DecryptOptions {
                passwords: vec!["pw"],
                ..Default::default()
            },
        );
        r.unwrap();
        assert_eq!(released, plain);
    }

    // Signed inside (one-pass signature), with signature checking: streamed
    // since one-pass signatures are verified as the data goes (stream_sign.rs).
    let k = key(Profile::Rfc9580);
    let ct = encrypt(
        &plain,
        &EncryptOptions {
            encryption_keys: vec![k.public.as_bytes()],
            signing_keys: vec![&k.secret],
            ..Default::default()
        },
    )
    .unwrap();
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        verification_keys: vec![k.public.as_bytes().to_vec()],
        ..Default::default()
    });
    let mut out = Vec::new();
    for piece in ct.chunks(50_000) {
        out.extend(d.push(piece).unwrap());
        if d.needs_session_key() {
            out.extend(d.unlock(&[&k.secret], &[]).unwrap());
        }
    }
    assert_eq!(d.is_streaming(), Some(true));
    out.extend(d.finish().unwrap());
    assert_eq!(out, plain);
    assert_eq!(d.signatures().len(), 1);
    assert!(d.signatures()[0].valid);
}

#[test]
fn buffered_fallback_respects_the_limit() {
    let plain = data(300_000);
    let ct = encrypt(
        &plain,
        &EncryptOptions {
            passwords: vec!["pw"],
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        limits: Limits {
            max_message_size: 200_000,
            ..Default::default()
        },
        ..Default::default()
    });
    let mut err = None;
    for piece in ct.chunks(10_000) {
        if let Err(e) = d.push(piece) {
            err = Some(e);
            break;
        }
        if d.needs_session_key() {
            d.unlock(&[], &["pw"]).unwrap();
        }
    }
    assert_eq!(err.map(|e| e.code()), Some("LIMIT_EXCEEDED"));
}

/// Runs an SEIPDv1 job like an external engine would (WebCrypto AES-CBC,
/// padding block dropped): CBC-encrypts `data[..in_len]` with IV `nonce`.
fn run_cbc(key: &[u8], job: &ChunkJob) -> Vec<u8> {
    use aes_gcm::aes::cipher::{BlockEncrypt, KeyInit as _};
    use aes_gcm::aes::{Aes128, Aes192, Aes256, Block};
    let enc = |b: &mut Block| match key.len() {
        16 => Aes128::new_from_slice(key).unwrap().encrypt_block(b),
        24 => Aes192::new_from_slice(key).unwrap().encrypt_block(b),
        _ => Aes256::new_from_slice(key).unwrap().encrypt_block(b),
    };
    assert_eq!(job.in_len % 16, 0);
    assert_eq!(job.out_len, job.in_len);
    let mut prev = Block::clone_from_slice(&job.nonce);
    let mut out = Vec::with_capacity(job.in_len);
    for p in job.data[..job.in_len].chunks(16) {
        let mut x = Block::clone_from_slice(p);
        x.iter_mut().zip(prev.iter()).for_each(|(a, b)| *a ^= b);
        enc(&mut x);
        out.extend_from_slice(&x);
        prev = x;
    }
    out
}

/// Stream-encrypts with the external backend, running jobs as they come.
fn stream_encrypt_external(
    opts: &StreamEncryptOptions<'_>,
    plain: &[u8],
    step: usize,
) -> (Vec<u8>, Vec<u8>) {
    let mut e = StreamEncryptor::new(opts).unwrap();
    assert_eq!(e.backend(), Backend::External);
    let key = e.message_key().unwrap();
    let hdr = e.header();
    let mut out = Vec::new();
    let run = |e: &mut StreamEncryptor, out: &mut Vec<u8>| loop {
        let jobs = e.take_jobs();
        if jobs.is_empty() {
            break;
        }
        // One job at a time: the next is cut only after this one completes.
        assert_eq!(jobs.len(), 1);
        out.extend(e.complete_job(&run_cbc(&key, &jobs[0])).unwrap());
    };
    for piece in plain.chunks(step.max(1)) {
        out.extend(e.push(piece).unwrap());
        run(&mut e, &mut out);
    }
    out.extend(e.finish().unwrap());
    run(&mut e, &mut out);
    assert!(e.is_done());
    (hdr, out)
}

/// `exact_length` (which lets the one-shot `encrypt` write into one buffer of
/// the final size) equals the output's length for SEIPDv1 and SEIPDv2 (64 KiB
/// chunks), with the literal data's length announced (`data_len`: a definite
/// length) or not (partial lengths), around every length-octet edge of either
/// framing (192, 8384, the 1 MiB parts) and the chunk edges; the messages
/// decrypt; and it is `None` where the length cannot be known in advance
/// (armor, signatures).
#[test]
fn exact_length_of_unsigned_binary_messages() {
    let compat = key(Profile::Compat);
    let v6 = key(Profile::Rfc9580);
    let opts = |k: &'static Key, data_len: Option<u64>| StreamEncryptOptions {
        base: EncryptOptions {
            encryption_keys: vec![k.public.as_bytes()],
            ..Default::default()
        },
        chunk_size_octet: Some(10),
        data_len,
        ..Default::default()
    };
    const P: usize = 1 << 20;
    // Data lengths that put the literal body (6 + n), the SEIPD body or a
    // chunk on each edge.
    let mut sizes = vec![0, 1, 185, 186, 187, 8377, 8378, 8379, 10_000];
    for base in [C10, 2 * C10, P, 2 * P, 3 * P] {
        for d in [
            0usize, 1, 2, 5, 6, 7, 8, 12, 13, 40, 48, 50, 54, 60, 250, 8440,
        ] {
            sizes.extend([base.saturating_sub(d), base + d]);
        }
    }
    for (k, v1) in [(compat, true), (v6, false)] {
        let o = DecryptOptions {
            decryption_keys: vec![&k.secret],
            ..Default::default()
        };
        for &n in &sizes {
            let plain = data(n);
            for definite in [false, true] {
                let mut e = StreamEncryptor::new(&opts(k, definite.then_some(n as u64))).unwrap();
                assert_eq!(e.is_cfb(), v1);
                let want = e.exact_length(n as u64).expect("unsigned, binary");
                let mut ct = e.header();
                for piece in plain.chunks(P / 3 + 1) {
                    ct.extend(e.push(piece).unwrap());
                }
                ct.extend(e.finish().unwrap());
                assert_eq!(
                    ct.len() as u64,
                    want,
                    "v1 {v1}, definite {definite}, {n} octets"
                );
                if n % 997 == 0 || n > P {
                    assert_eq!(stream_decrypt(&ct, 9999, &o).unwrap(), plain, "{n}");
                }
            }
        }
    }
    // More or less data than announced is refused.
    let mut e = StreamEncryptor::new(&opts(v6, Some(10))).unwrap();
    assert!(matches!(e.push(&[0; 11]), Err(Error::InvalidArgument(_))));
    let mut e = StreamEncryptor::new(&opts(v6, Some(10))).unwrap();
    e.push(&[0; 9]).unwrap();
    assert!(matches!(e.finish(), Err(Error::InvalidArgument(_))));
    let mut armored = opts(compat, None);
    armored.base.armor = true;
    let e = StreamEncryptor::new(&armored).unwrap();
    assert_eq!(e.exact_length(5), None, "armored");
}

/// With the data's length announced (a definite-length literal packet), the
/// decryptor knows from the first chunk how much data is left
/// (`literal_left`): released so far plus left is the whole data at every
/// step. With partial lengths it is known only in the last part.
#[test]
fn literal_left_follows_a_definite_literal() {
    // Past the 1 MiB partial parts (a shorter body is one definite part anyway).
    let n = (2 << 20) + 5 * C10 + 123;
    let plain = data(n);
    let o = dec_opts(Who::Rfc9580);
    let run = |data_len: Option<u64>| {
        let mut opts = enc_opts(Who::Rfc9580, None);
        opts.data_len = data_len;
        let ct = stream_encrypt(&opts, &plain, 10_000);
        let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
        let (mut released, mut seen) = (0usize, Vec::new());
        for piece in ct.chunks(100_000) {
            released += d.push(piece).unwrap().len();
            if d.needs_session_key() {
                released += d.unlock(&o.decryption_keys, &o.passwords).unwrap().len();
            }
            seen.push(d.literal_left().map(|l| l + released));
        }
        released += d.finish().unwrap().len();
        assert_eq!(released, n);
        seen
    };
    let seen = run(Some(n as u64));
    // Unknown until the first chunk is decrypted, then the whole data until
    // the literal packet ended.
    assert!(seen.iter().flatten().all(|&t| t == n), "{seen:?}");
    assert!(seen.iter().flatten().count() > 3, "{seen:?}");
    // Partial lengths: known only within the last part, and right there too.
    let partial = run(None);
    assert!(partial.iter().flatten().all(|&t| t == n), "{partial:?}");
    assert!(
        partial[..partial.len() / 2].iter().all(|s| s.is_none()),
        "{partial:?}"
    );
}

#[test]
fn recipient_without_seipdv2_gets_streamed_v1() {
    let k = key(Profile::Compat);
    let o = DecryptOptions {
        decryption_keys: vec![&k.secret],
        ..Default::default()
    };
    for (n, step) in [
        (0, 1),
        (17, 5),
        (70_000, 9_999),
        (600_000, 100_000),
        (5_000_000, 1 << 20),
    ] {
        let plain = data(n);
        let opts = StreamEncryptOptions {
            base: EncryptOptions {
                encryption_keys: vec![k.public.as_bytes()],
                ..Default::default()
            },
            ..Default::default()
        };
        let mut e = StreamEncryptor::new(&opts).unwrap();
        assert!(e.is_cfb());
        assert!(e.params().is_none());
        let mut ct = e.header();
        for piece in plain.chunks(step) {
            ct.extend(e.push(piece).unwrap());
        }
        ct.extend(e.finish().unwrap());
        // rPGP one-shot, our parallel SEIPDv1 path and the stream decryptor read it.
        assert_eq!(&decrypt(&ct, &o).unwrap().data[..], &plain[..], "{n}");
        assert_eq!(stream_decrypt(&ct, 9999, &o).unwrap(), plain, "{n}");
        let mut reference = Vec::new();
        decrypt_stream(&o, ct.as_slice(), &mut reference).unwrap();
        assert_eq!(reference, plain);
        // Any flipped ciphertext octet fails the MDC.
        if n > 0 {
            let mut bad = ct.clone();
            let at = bad.len() - 1 - n / 2;
            bad[at] ^= 4;
            assert!(decrypt(&bad, &o).is_err());
        }
    }
}

#[test]
fn v1_external_backend_matches_rust_byte_for_byte() {
    let fixed = (Zeroizing::new(vec![5u8; 32]), [6u8; 32]);
    for (who, n) in [(0, 3_000_123), (1, 300_001), (0, 15), (1, 0)] {
        let plain = data(n);
        let mk = |backend| {
            let mut base = EncryptOptions {
                seipd: SeipdChoice::V1,
                ..Default::default()
            };
            if who == 0 {
                base.passwords = vec!["correct horse"];
            } else {
                base.encryption_keys = vec![key(Profile::Rfc9580).public.as_bytes()];
            }
            StreamEncryptOptions {
                base,
                backend,
                fixed_session_key_and_salt: Some(fixed.clone()),
                ..Default::default()
            }
        };
        let mut e = StreamEncryptor::new(&mk(Backend::Rust)).unwrap();
        let hdr_len = e.header().len();
        let mut rust = Vec::new();
        for p in plain.chunks(77_777) {
            rust.extend(e.push(p).unwrap());
        }
        rust.extend(e.finish().unwrap());
        let (hdr, ext) = stream_encrypt_external(&mk(Backend::External), &plain, 123_456);
        // The ESK packets differ (fresh randomness); the SEIPD packet must not.
        assert_eq!(hdr.len(), hdr_len);
        assert_eq!(rust, ext, "{n}");
        let mut full = hdr;
        full.extend(&ext);
        let o = if who == 0 {
            dec_opts(Who::Password)
        } else {
            dec_opts(Who::Rfc9580)
        };
        assert_eq!(&decrypt(&full, &o).unwrap().data[..], &plain[..]);
    }
    // Armored SEIPDv1 from the stream decrypts too.
    let mut opts = enc_opts(Who::Password, None);
    opts.base.seipd = SeipdChoice::V1;
    opts.base.armor = true;
    let ct = stream_encrypt(&opts, &data(1000), 7);
    assert!(ct.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    assert_eq!(
        &decrypt(&ct, &dec_opts(Who::Password)).unwrap().data[..],
        &data(1000)[..]
    );
    // GCM/OCB cannot be asked of a SEIPDv1 message; holding results is refused.
    opts.aead = Some(AeadAlgorithm::Gcm);
    assert_eq!(
        StreamEncryptor::new(&opts).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let mut opts = enc_opts(Who::Password, None);
    opts.base.seipd = SeipdChoice::V1;
    opts.backend = Backend::External;
    let mut e = StreamEncryptor::new(&opts).unwrap();
    e.push(&data(1_100_000)).unwrap();
    assert_eq!(e.take_jobs().len(), 1);
    assert_eq!(
        e.complete_job_held_into().unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn truncation_fails_and_releases_only_authenticated_prefix() {
    let plain = data(3 * C10 + 100);
    let opts = enc_opts(Who::Rfc9580, None);
    let ct = stream_encrypt(&opts, &plain, 50_000);
    let esk_len = StreamEncryptor::new(&opts).unwrap().header().len();
    let o = dec_opts(Who::Rfc9580);
    let mut cuts: Vec<usize> = (0..ct.len()).step_by(997).collect();
    cuts.extend([
        ct.len() - 1,
        ct.len() - 16,
        ct.len() - 17,
        ct.len() - 100,
        1,
        2,
        3,
    ]);
    for cut in cuts {
        let (released, r) = stream_decrypt_parts(&ct[..cut], 4096, &o);
        let e = r.expect_err("truncated message accepted");
        assert!(
            matches!(e.code(), "DECRYPTION_FAILED" | "MALFORMED_INPUT"),
            "cut {cut}: {e}"
        );
        assert!(
            plain.starts_with(&released),
            "cut {cut}: released bytes differ"
        );
        // Only whole chunks whose tag was received can have come out: at most
        // one chunk of plaintext per (chunk + tag) octets after the SEIPD header.
        let whole_chunks = cut.saturating_sub(esk_len + 1 + 36) / (C10 + 16);
        assert!(
            released.len() <= whole_chunks * C10,
            "cut {cut}: {} octets released from {whole_chunks} whole chunks",
            released.len()
        );
    }
}

#[test]
fn bit_flips_are_decryption_failures() {
    let plain = data(2 * C10 + 10);
    let ct = stream_encrypt(&enc_opts(Who::Rfc9580, None), &plain, C10);
    let o = dec_opts(Who::Rfc9580);
    // Find where the SEIPD body starts: the encryptor's header is the ESKs.
    let mut e = StreamEncryptor::new(&enc_opts(Who::Rfc9580, None)).unwrap();
    let esk_len = e.header().len() - 1; // last octet is the SEIPD tag
                                        // Tag, then the body length: one partial-length octet, or (a body shorter
                                        // than one 1 MiB part, as here) a definite length of 1, 2 or 5 octets.
    let len_octets = match ct[esk_len + 1] {
        0..=191 | 224..=254 => 1,
        192..=223 => 2,
        255 => 5,
    };
    let body = esk_len + 1 + len_octets;
    for pos in [
        body + 4,             // salt
        body + 40,            // first chunk
        body + 36 + C10,      // first chunk's tag
        body + 36 + C10 + 40, // second chunk
        ct.len() - 1,         // final tag
        ct.len() - 20,        // last chunk
    ] {
        for bit in [0u8, 7] {
            let mut bad = ct.clone();
            bad[pos] ^= 1 << bit;
            let (released, r) = stream_decrypt_parts(&bad, 8192, &o);
            let err = r.expect_err("flipped message accepted");
            assert_eq!(err.code(), "DECRYPTION_FAILED", "pos {pos}: {err}");
            assert!(plain.starts_with(&released));
        }
    }
    // Flips in the version/algorithm octets: refused, never a panic.
    for pos in body..body + 4 {
        let mut bad = ct.clone();
        bad[pos] ^= 0x40;
        let (_, r) = stream_decrypt_parts(&bad, 8192, &o);
        assert!(r.is_err(), "pos {pos}");
    }
}

fn vectors() -> Option<PathBuf> {
    let dir = std::env::var_os("SIGNET_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors"))
        });
    if dir.join("rfc9580-aead").is_dir() {
        Some(dir.join("rfc9580-aead"))
    } else {
        println!("skipped: vectors not found at {}", dir.display());
        None
    }
}

#[test]
fn rfc9580_aead_samples_through_the_stream_decryptor() {
    let Some(dir) = vectors() else { return };
    for mode in ["eax", "gcm", "ocb"] {
        let msg = std::fs::read(dir.join(format!("{mode}.msg"))).unwrap();
        let o = DecryptOptions {
            passwords: vec!["password"],
            ..Default::default()
        };
        for step in [1usize, 5, 64, msg.len()] {
            let got = stream_decrypt(&msg, step, &o).unwrap();
            assert_eq!(got, b"Hello, world!", "{mode} step {step}");
        }
        let wrong = DecryptOptions {
            passwords: vec!["passw0rd"],
            ..Default::default()
        };
        let e = stream_decrypt(&msg, 64, &wrong).unwrap_err();
        assert_eq!(e.code(), "NO_MATCHING_KEY", "{mode}");
    }
}

/// Runs jobs like an external engine would (here: aes-gcm, as WebCrypto would).
fn run_seal(key: &[u8], job: &ChunkJob) -> Vec<u8> {
    let mut buf = job.data[..job.in_len].to_vec();
    Aes256Gcm::new_from_slice(key)
        .unwrap()
        .encrypt_in_place(job.nonce.as_slice().into(), &job.ad, &mut buf)
        .unwrap();
    buf
}

fn run_open(key: &[u8], job: &ChunkJob) -> Option<Vec<u8>> {
    let mut buf = job.data[..job.in_len].to_vec();
    Aes256Gcm::new_from_slice(key)
        .unwrap()
        .decrypt_in_place(job.nonce.as_slice().into(), &job.ad, &mut buf)
        .ok()?;
    Some(buf)
}

#[test]
fn external_backend_matches_rust_byte_for_byte() {
    let plain = data(3 * C10 + 1234);
    let fixed = (Zeroizing::new(vec![7u8; 32]), [9u8; 32]);
    let mk = |backend| {
        let mut o = enc_opts(Who::Password, None);
        o.backend = backend;
        o.fixed_session_key_and_salt = Some(fixed.clone());
        o
    };
    // Rust backend.
    let mut e = StreamEncryptor::new(&mk(Backend::Rust)).unwrap();
    let esk_len = e.header().len();
    let mut rust = Vec::new();
    for p in plain.chunks(10_000) {
        rust.extend(e.push(p).unwrap());
    }
    rust.extend(e.finish().unwrap());

    // External backend, jobs run here in batches.
    let mut e = StreamEncryptor::new(&mk(Backend::External)).unwrap();
    assert_eq!(e.backend(), Backend::External);
    let key = e.message_key().unwrap();
    let hdr = e.header();
    let mut ext = Vec::new();
    for p in plain.chunks(70_000) {
        ext.extend(e.push(p).unwrap());
        for j in e.take_jobs() {
            ext.extend(e.complete_job(&run_seal(&key, &j)).unwrap());
        }
    }
    ext.extend(e.finish().unwrap());
    assert!(!e.is_done());
    for j in e.take_jobs() {
        ext.extend(e.complete_job(&run_seal(&key, &j)).unwrap());
    }
    assert!(e.is_done());
    // The ESK packets differ (fresh Argon2 salt); the SEIPD packet must not.
    assert_eq!(hdr.len(), esk_len);
    assert_eq!(rust, ext);
    let mut full = hdr;
    full.extend(&ext);
    assert_eq!(
        &decrypt(&full, &dec_opts(Who::Password)).unwrap().data[..],
        &plain[..]
    );

    // External decryption of the same message.
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    let mut out = Vec::new();
    for p in full.chunks(50_000) {
        out.extend(d.push(p).unwrap());
        if d.needs_session_key() {
            out.extend(d.unlock(&[], &["correct horse"]).unwrap());
        }
        if let Some(k) = d.message_key() {
            for j in d.take_jobs() {
                out.extend(d.complete_job(&run_open(&k, &j).unwrap()).unwrap());
            }
        }
    }
    assert_eq!(d.backend(), Backend::External);
    out.extend(d.finish().unwrap());
    let k = d.message_key().unwrap();
    for j in d.take_jobs() {
        out.extend(d.complete_job(&run_open(&k, &j).unwrap()).unwrap());
    }
    out.extend(d.finish().unwrap());
    assert!(d.is_done());
    assert_eq!(out, plain);

    // A failed job poisons the decryptor.
    let mut bad = full.clone();
    let n = bad.len();
    bad[n - 100] ^= 1;
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    d.push(&bad).unwrap();
    d.unlock(&[], &["correct horse"]).unwrap();
    d.finish().unwrap();
    let k = d.message_key().unwrap();
    let mut failed = false;
    for j in d.take_jobs() {
        match run_open(&k, &j) {
            Some(p) => {
                d.complete_job(&p).unwrap();
            }
            None => {
                assert_eq!(d.fail_job().code(), "DECRYPTION_FAILED");
                failed = true;
                break;
            }
        }
    }
    assert!(failed);
    assert!(d.finish().is_err());
}

#[test]
fn session_key_split_with_serialized_key() {
    let k = key(Profile::Pqc);
    let plain = data(C10 * 2);
    let ct = stream_encrypt(&enc_opts(Who::Pqc, None), &plain, 30_000);
    // "Main thread": read the header only, find the session key.
    let mut scan = StreamDecryptor::new(StreamDecryptOptions::default());
    let mut fed = 0;
    while !scan.needs_session_key() {
        scan.push(&ct[fed..fed + 100]).unwrap();
        fed += 100;
    }
    let sk = decrypt_session_key(scan.esk_bytes(), &[&k.secret], &[], &Limits::default()).unwrap();
    assert!(!format!("{sk:?}").contains(&format!("{:?}", &sk.to_bytes()[1..4])));
    let bytes = sk.to_bytes();
    // "Worker": only the session key bytes.
    let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
    let mut out = d.push(&ct).unwrap();
    out.extend(
        d.set_session_key(SessionKey::from_bytes(&bytes).unwrap())
            .unwrap(),
    );
    out.extend(d.finish().unwrap());
    assert_eq!(out, plain);
    // A wrong key does not decrypt.
    let other = key(Profile::Rfc9580);
    assert_eq!(
        decrypt_session_key(scan.esk_bytes(), &[&other.secret], &[], &Limits::default())
            .unwrap_err()
            .code(),
        "NO_MATCHING_KEY"
    );
    assert!(SessionKey::from_bytes(&[9, 1, 2]).is_err());
}

#[test]
fn bad_inputs_are_typed_errors() {
    let o = dec_opts(Who::Password);
    for msg in [
        &b""[..],
        b"\x00\x01\x02",
        b"\xff\xff\xff\xff\xff\xff",
        b"-----BEGIN PGP MESSAGE-----\n\nAAAA\n",
        b"-----BEGIN PGP SIGNATURE-----\n",
        b"\xc9\x05hello",             // SED
        b"\xcb\x05b\x00\x00\x00\x00", // literal, not encrypted
    ] {
        assert!(stream_decrypt(msg, 3, &o).is_err(), "{msg:?}");
    }
    assert_eq!(
        stream_decrypt(b"\xc9\x05hello", 3, &o).unwrap_err().code(),
        "UNSUPPORTED"
    );
    // Options.
    let mut so = enc_opts(Who::Password, None);
    so.chunk_size_octet = Some(30);
    assert_eq!(
        StreamEncryptor::new(&so).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let k = key(Profile::Rfc9580);
    let mut so = enc_opts(Who::Password, None);
    so.base.signing_keys = vec![&k.secret];
    // Streams sign through `one_pass` (a StreamSigner; tests/stream_sign.rs).
    assert_eq!(
        StreamEncryptor::new(&so).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let so = StreamEncryptOptions::default();
    assert_eq!(
        StreamEncryptor::new(&so).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn prop_round_trip(len in 0usize..200_000, split in 1usize..70_000, dsplit in 1usize..70_000, ocb in any::<bool>()) {
        let plain = data(len);
        let aead = if ocb { Some(AeadAlgorithm::Ocb) } else { None };
        let ct = stream_encrypt(&enc_opts(Who::Rfc9580, aead), &plain, split);
        let got = stream_decrypt(&ct, dsplit, &dec_opts(Who::Rfc9580)).unwrap();
        prop_assert_eq!(got, plain);
    }
}

/// Drives the external encryptor the way the JS engine does with binary
/// output: sealed results stay with the caller (`complete_job_held_into`) and
/// the layout interleaves them with the framing octets. Returns the message.
fn encrypt_held(opts: &StreamEncryptOptions<'_>, plain: &[u8], step: usize) -> Vec<u8> {
    let mut e = StreamEncryptor::new(opts).unwrap();
    assert_eq!(e.backend(), Backend::External);
    let key = e.message_key().unwrap();
    let mut msg = e.header();
    let mut held: VecDeque<u8> = VecDeque::new();
    let drain = |e: &mut StreamEncryptor, held: &mut VecDeque<u8>, msg: &mut Vec<u8>| {
        e.with_layout(|bytes, ops| {
            let mut o = 0;
            for &n in ops {
                if n > 0 {
                    msg.extend_from_slice(&bytes[o..o + n as usize]);
                    o += n as usize;
                } else {
                    msg.extend(held.drain(..(-n) as usize));
                }
            }
            assert_eq!(o, bytes.len());
        })
        .unwrap();
    };
    let run = |e: &mut StreamEncryptor, held: &mut VecDeque<u8>, msg: &mut Vec<u8>| {
        for j in e.take_jobs() {
            let sealed = run_seal(&key, &j);
            assert_eq!(sealed.len(), j.out_len);
            held.extend(sealed);
            e.complete_job_held_into().unwrap();
        }
        drain(e, held, msg);
    };
    for p in plain.chunks(step) {
        e.push_into(p).unwrap();
        run(&mut e, &mut held, &mut msg);
    }
    e.finish_into().unwrap();
    run(&mut e, &mut held, &mut msg);
    assert!(e.is_done());
    assert!(held.is_empty());
    msg
}

/// Decrypts with the external backend the way the JS engine does: whole
/// chunks inside a literal part are handed on unseen (`complete_job_literal`),
/// others are parsed into segments of the caller's plaintext.
fn decrypt_segments(msg: &[u8], step: usize, opts: &DecryptOptions<'_>) -> (Vec<u8>, usize) {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    let mut out = Vec::new();
    let mut unseen = 0;
    let mut run = |d: &mut StreamDecryptor, out: &mut Vec<u8>| {
        let Some(k) = d.message_key() else { return };
        for j in d.take_jobs() {
            let plain = run_open(&k, &j).unwrap();
            d.with_output(|b| out.extend_from_slice(b));
            if !plain.is_empty() && d.literal_run() >= plain.len() {
                d.complete_job_literal(plain.len()).unwrap();
                out.extend_from_slice(&plain);
                unseen += 1;
                continue;
            }
            let mut segs = Vec::new();
            d.complete_job_segments_into(&plain, &mut segs).unwrap();
            for s in segs.chunks(2) {
                out.extend_from_slice(&plain[s[0] as usize..(s[0] + s[1]) as usize]);
            }
        }
        d.with_output(|b| out.extend_from_slice(b));
    };
    for p in msg.chunks(step) {
        d.push_into(p).unwrap();
        if d.needs_session_key() {
            d.unlock(&opts.decryption_keys, &opts.passwords).unwrap();
        }
        run(&mut d, &mut out);
    }
    d.finish_into().unwrap();
    run(&mut d, &mut out);
    if !d.is_done() {
        d.finish_into().unwrap();
        d.with_output(|b| out.extend_from_slice(b));
    }
    assert!(d.is_done());
    (out, unseen)
}

#[test]
fn held_results_and_segments_match_the_rust_backend() {
    // 2.5 MiB in 64 KiB chunks: the 1 MiB partial-length octets fall inside
    // sealed chunks, and chunks straddle the literal packet's parts.
    let plain = data(5 * (1 << 19) + 777);
    let fixed = (Zeroizing::new(vec![3u8; 32]), [5u8; 32]);
    let mk = |backend| {
        let mut o = enc_opts(Who::Password, None);
        o.backend = backend;
        o.fixed_session_key_and_salt = Some(fixed.clone());
        o
    };
    let rust = stream_encrypt(&mk(Backend::Rust), &plain, 100_000);
    // The ESK packets differ (fresh Argon2 salt) but have the same length.
    let hdr = StreamEncryptor::new(&mk(Backend::Rust))
        .unwrap()
        .header()
        .len();
    for step in [1 << 20, 70_001, 4096] {
        let held = encrypt_held(&mk(Backend::External), &plain, step);
        assert_eq!(held.len(), rust.len(), "step {step}");
        assert_eq!(held[hdr..], rust[hdr..], "step {step}");
        let (out, unseen) = decrypt_segments(&held, 300_001, &dec_opts(Who::Password));
        assert_eq!(out, plain, "step {step}");
        // Most chunks lie inside a 1 MiB literal part and are never shown to Rust.
        assert!(
            unseen * 2 > plain.len() / C10,
            "only {unseen} chunks unseen"
        );
    }
    // The first chunk starts with the literal packet header: it must be parsed,
    // and claiming it is all literal data fails the decryptor.
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    d.push_into(&rust).unwrap();
    d.unlock(&[], &["correct horse"]).unwrap();
    let first = d.take_jobs().remove(0);
    assert_eq!(d.literal_run(), 0);
    let e = d.complete_job_literal(first.out_len).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert!(d.finish().is_err());

    // A message from the one-shot path (rPGP's own framing) through segments.
    let one_shot = encrypt(
        &plain,
        &EncryptOptions {
            passwords: vec!["correct horse"],
            armor: false,
            ..Default::default()
        },
    )
    .unwrap();
    let (out, _) = decrypt_segments(&one_shot, 50_000, &dec_opts(Who::Password));
    assert_eq!(out, plain);
}

#[test]
fn aes192_gcm_runs_in_rust_even_with_the_external_backend() {
    // WebCrypto has no 192-bit AES-GCM: the decryptor keeps such a message on
    // the Rust backend (no jobs handed out) and still streams it.
    use pgp::composed::MessageBuilder;
    use pgp::crypto::aead::ChunkSize;
    use pgp::crypto::sym::SymmetricKeyAlgorithm;
    use pgp::types::StringToKey;
    let mut rng = rand::thread_rng();
    let plain = data(200_000);
    let mut b = MessageBuilder::from_bytes("", plain.clone()).seipd_v2(
        &mut rng,
        SymmetricKeyAlgorithm::AES192,
        AeadAlgorithm::Gcm,
        ChunkSize::C64KiB,
    );
    let s2k = StringToKey::new_default(&mut rng);
    b.encrypt_with_password(&mut rng, s2k, &"pw".into())
        .unwrap();
    let msg = b.to_vec(&mut rng).unwrap();
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    let mut out = d.push(&msg).unwrap();
    out.extend(d.unlock(&[], &["pw"]).unwrap());
    assert_eq!(d.backend(), Backend::Rust);
    assert!(d.take_jobs().is_empty());
    out.extend(d.finish().unwrap());
    assert_eq!(out, plain);
}
