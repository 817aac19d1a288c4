//! SEIPDv1 through the one engine with every cipher rPGP reads (old GnuPG and
//! PGP messages: IDEA, 3DES, CAST5, Blowfish, Twofish, Camellia, AES), in one
//! pass (plaintext held until the MDC verified) and in two, and the inner
//! packets the content may start with (RFC 9580 §10.3). Messages are written
//! by rPGP (an independent writer) or, for hand-made content, here with the
//! `cfb-mode` crate.
#![cfg(not(target_arch = "wasm32"))]

use pgp::crypto::sym::SymmetricKeyAlgorithm as Sym;
use signet_crypto::openpgp::stream::*;
use signet_crypto::openpgp::*;
use signet_crypto::Error;

mod stream_common;
use stream_common::data;

const CIPHERS: [Sym; 11] = [
    Sym::IDEA,
    Sym::TripleDES,
    Sym::CAST5,
    Sym::Blowfish,
    Sym::AES128,
    Sym::AES192,
    Sym::AES256,
    Sym::Twofish,
    Sym::Camellia128,
    Sym::Camellia192,
    Sym::Camellia256,
];

/// A password-encrypted SEIPDv1 message written by rPGP with `sym`.
fn rpgp_v1(plain: &[u8], sym: Sym) -> Vec<u8> {
    use pgp::composed::MessageBuilder;
    use pgp::types::StringToKey;
    let mut rng = rand::thread_rng();
    let mut b = MessageBuilder::from_bytes("", plain.to_vec()).seipd_v1(&mut rng, sym);
    let s2k = StringToKey::new_default(&mut rng);
    b.encrypt_with_password(s2k, &"pw".into()).unwrap();
    b.to_vec(&mut rng).unwrap()
}

/// Pushes `msg` in `step`-octet pieces (both passes when `two_pass`); returns
/// what was released before `finish` and the outcome.
fn engine(msg: &[u8], step: usize, two_pass: bool) -> (usize, Result<Vec<u8>, Error>) {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        two_pass,
        ..Default::default()
    });
    let mut out = Vec::new();
    let mut early = 0;
    let mut run = || -> Result<(), Error> {
        for pass in 0..2 {
            for piece in msg.chunks(step) {
                out.extend(d.push(piece)?);
                if d.needs_session_key() {
                    assert_eq!(d.is_streaming(), Some(two_pass), "known before key work");
                    out.extend(d.unlock(&[], &["pw"])?);
                }
            }
            early = out.len();
            out.extend(d.finish()?);
            if pass == 0 && d.needs_second_pass() {
                assert!(out.is_empty(), "the verifying pass released plaintext");
                d.rewind()?;
                continue;
            }
            return Ok(());
        }
        Ok(())
    };
    let r = run();
    (early, r.map(|()| out))
}

#[test]
fn every_v1_cipher_decrypts_in_one_pass_and_in_two() {
    let plain = data(70_001);
    for sym in CIPHERS {
        let msg = rpgp_v1(&plain, sym);
        for step in [13, 4096, msg.len()] {
            let (early, got) = engine(&msg, step, false);
            assert_eq!(got.unwrap(), plain, "{sym:?} step {step}");
            assert_eq!(early, 0, "{sym:?}: plaintext released before the MDC");
            let (_, got) = engine(&msg, step, true);
            assert_eq!(got.unwrap(), plain, "{sym:?} step {step}, two passes");
        }
        let opts = DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        };
        let one_shot = decrypt(&msg, &opts).unwrap();
        assert_eq!(&one_shot.data[..], &plain[..], "{sym:?} one-shot");
        // The held body in ranges (browsers' two lanes): AES only.
        let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
        d.push_into(&msg).unwrap();
        d.unlock(&[], &["pw"]).unwrap();
        d.end_input().unwrap();
        let n = d.held_len();
        assert_eq!(
            n > 0,
            matches!(sym, Sym::AES128 | Sym::AES192 | Sym::AES256),
            "{sym:?}"
        );
        if n > 0 {
            d.put_held_range(0, n / 32 * 16, None).unwrap();
        }
        assert_eq!(&d.finish().unwrap()[..], &plain[..], "{sym:?} in ranges");
        // The MDC's SHA-1 taken by the host (browsers: WebCrypto) over the
        // octets the engine hands out; a wrong digest fails like a wrong MDC.
        if n > 0 {
            for right in [true, false] {
                let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
                d.push_into(&msg).unwrap();
                d.unlock(&[], &["pw"]).unwrap();
                d.end_input().unwrap();
                d.put_held_range(0, n / 32 * 16, None).unwrap();
                // A digest before the body was joined for it is refused.
                let early = d.set_held_digest([0u8; 20]);
                assert_eq!(early.unwrap_err().code(), "INVALID_ARGUMENT");
                let mut digest: [u8; 20] = {
                    use sha1::{Digest, Sha1};
                    Sha1::digest(d.held_digest_input().unwrap().unwrap()).into()
                };
                let late = d.put_held_range(n / 32 * 16, n / 16 * 16, None);
                assert_eq!(late.unwrap_err().code(), "INVALID_ARGUMENT");
                digest[19] ^= u8::from(!right);
                d.set_held_digest(digest).unwrap();
                match d.finish() {
                    Ok(got) if right => assert_eq!(&got[..], &plain[..], "{sym:?} host digest"),
                    Err(e) if !right => assert_eq!(e.code(), "DECRYPTION_FAILED", "{sym:?}"),
                    other => panic!("{sym:?} right digest {right}: {:?}", other.map(|v| v.len())),
                }
            }
        }
        // Any flipped octet of the body fails the MDC; nothing was released.
        for at in [msg.len() - 1, msg.len() - 30, msg.len() / 2] {
            let mut bad = msg.clone();
            bad[at] ^= 0x20;
            for two_pass in [false, true] {
                let (early, r) = engine(&bad, 1000, two_pass);
                assert_eq!(
                    r.unwrap_err().code(),
                    "DECRYPTION_FAILED",
                    "{sym:?} at {at}"
                );
                assert_eq!(early, 0);
            }
        }
    }
}

/// A SEIPDv1 packet (no ESK) around `content`, AES-128 with `key`.
fn v1_packet(key: &[u8; 16], content: &[u8], break_mdc: bool) -> Vec<u8> {
    use aes_gcm::aes::cipher::{AsyncStreamCipher, KeyIvInit};
    use sha1::{Digest, Sha1};
    let mut p = vec![0x5a; 16];
    p.extend_from_slice(&[0x5a, 0x5a]);
    p.extend_from_slice(content);
    p.extend_from_slice(&[0xD3, 0x14]);
    let mut h: [u8; 20] = Sha1::digest(&p).into();
    if break_mdc {
        h[0] ^= 1;
    }
    p.extend_from_slice(&h);
    cfb_mode::Encryptor::<aes_gcm::aes::Aes128>::new_from_slices(key, &[0u8; 16])
        .unwrap()
        .encrypt(&mut p);
    let mut msg = vec![0xD2, 0xFF];
    msg.extend_from_slice(&(p.len() as u32 + 1).to_be_bytes());
    msg.push(1);
    msg.extend_from_slice(&p);
    msg
}

/// A new-format packet with a five-octet length.
fn packet(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0xC0 | tag, 0xFF];
    v.extend_from_slice(&(body.len() as u32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn literal(data: &[u8]) -> Vec<u8> {
    let mut b = vec![b'b', 0, 0, 0, 0, 0];
    b.extend_from_slice(data);
    packet(11, &b)
}

/// Decrypts a hand-made message with the session key (one pass).
fn with_key(msg: &[u8], key: &[u8; 16]) -> Result<Vec<u8>, Error> {
    let mut d = StreamDecryptor::new(StreamDecryptOptions::default());
    let mut out = d.push(msg)?;
    let mut sk = vec![7u8];
    sk.extend_from_slice(key);
    out.extend(d.set_session_key(SessionKey::from_bytes(&sk)?)?);
    out.extend(d.finish()?);
    Ok(out)
}

#[test]
fn any_first_inner_packet_has_one_answer() {
    let key = [9u8; 16];
    // Padding, marker and unknown non-critical packets before the literal.
    let mut content = packet(21, &[0u8; 100_000]);
    content.extend(packet(10, b"PGP"));
    content.extend(packet(60, b"later"));
    content.extend(literal(b"after the padding"));
    content.extend(packet(21, &[1u8; 33]));
    assert_eq!(
        with_key(&v1_packet(&key, &content, false), &key).unwrap(),
        b"after the padding"
    );
    // An encrypted message inside: authentic, not supported.
    let mut nested = packet(3, &[4, 9, 3, 2]);
    nested.extend(packet(18, &[1; 40]));
    for (content, code) in [
        (nested, "UNSUPPORTED"),
        (packet(6, &[4; 30]), "MALFORMED_INPUT"),
        // Compressed data: damage in the authenticated stream is structure,
        // an unknown algorithm is unsupported (one code on every path).
        (packet(8, &[1, 0xFF, 0xFF, 0xFF, 0xFF]), "MALFORMED_INPUT"),
        (packet(8, &[99, 0, 0]), "UNSUPPORTED"),
        (packet(30, &[4; 30]), "MALFORMED_INPUT"),
        (Vec::new(), "MALFORMED_INPUT"),
    ] {
        let msg = v1_packet(&key, &content, false);
        assert_eq!(with_key(&msg, &key).unwrap_err().code(), code);
        // The MDC is checked first: damage is never reported as structure.
        let msg = v1_packet(&key, &content, true);
        assert_eq!(
            with_key(&msg, &key).unwrap_err().code(),
            "DECRYPTION_FAILED"
        );
    }
}
