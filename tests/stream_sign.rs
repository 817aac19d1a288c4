//! Streams that sign and verify: `StreamSigner` + `StreamEncryptor` write
//! one-pass signatures (v4 keys: OPS v3 + v4 signature; v6 keys: OPS v6 +
//! salted v6 signature), checked by the one-shot (rPGP) path; the push
//! decryptor verifies one-pass and prefixed signatures as the content streams
//! (SEIPDv2 and two-pass SEIPDv1), in linear copies. Bad signatures are never
//! valid; unknown keys are reported, not errors.
#![cfg(not(target_arch = "wasm32"))]

use signet_crypto::openpgp::stream::test_hooks::take_copied;
use signet_crypto::openpgp::stream::*;
use signet_crypto::openpgp::*;
use signet_crypto::{Error, Reason};

mod stream_common;
use stream_common::{data, key, Key};

/// Stream-encrypts `plain` to `to`, signed by `by`; `tamper` may change the
/// signature packets before they are written.
fn signed_stream(
    plain: &[u8],
    to: &Key,
    by: &[&Key],
    backend: Backend,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let keys: Vec<&PrivateKey> = by.iter().map(|k| &k.secret).collect();
    let signer = StreamSigner::new(&keys).unwrap();
    // The specs cross to the encryptor as bytes (as to the worker).
    let specs = OnePassSpec::decode_all(&OnePassSpec::encode_all(signer.specs()).unwrap()).unwrap();
    assert_eq!(specs, signer.specs());
    let opts = StreamEncryptOptions {
        base: EncryptOptions {
            encryption_keys: vec![to.public.as_bytes()],
            ..Default::default()
        },
        one_pass: specs,
        chunk_size_octet: Some(10),
        backend,
        ..Default::default()
    };
    let mut e = StreamEncryptor::new(&opts).unwrap();
    assert_eq!(e.backend(), Backend::Rust);
    let mut out = e.header();
    for p in plain.chunks(100_000) {
        out.extend(e.push(p).unwrap());
    }
    out.extend(e.finish().unwrap());
    assert!(e.needs_signatures() && !e.is_done());
    let mut packets = signer.sign(&keys, &e.signature_digests()).unwrap();
    tamper(&mut packets);
    e.add_signatures(&packets).unwrap();
    out.extend(e.take_output());
    assert!(e.is_done());
    out
}

struct Outcome {
    released: Vec<u8>,
    result: Result<Vec<SignatureCheck>, Error>,
    streamed: Option<bool>,
}

/// Push-decrypts `msg` with `key` (two passes when asked), verifying with `verify`.
fn stream_decrypt(msg: &[u8], key: &Key, verify: &[&Key], two_pass: bool) -> Outcome {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        two_pass,
        verification_keys: verify
            .iter()
            .map(|k| k.public.as_bytes().to_vec())
            .collect(),
        ..Default::default()
    });
    let mut released = Vec::new();
    let mut streamed = None;
    let mut run = || -> Result<Vec<SignatureCheck>, Error> {
        for pass in 0..2 {
            for piece in msg.chunks(70_001) {
                released.extend(d.push(piece)?);
                if d.needs_session_key() {
                    released.extend(d.unlock(&[&key.secret], &[])?);
                }
                streamed = streamed.or(d.is_streaming());
            }
            released.extend(d.finish()?);
            if pass == 0 && d.needs_second_pass() {
                assert!(released.is_empty(), "the verifying pass released plaintext");
                d.rewind()?;
                continue;
            }
            break;
        }
        assert!(d.is_done());
        Ok(d.signatures().to_vec())
    };
    let result = run();
    Outcome {
        released,
        result,
        streamed,
    }
}

fn one_shot(msg: &[u8], key: &Key, verify: &[&Key]) -> Decrypted {
    decrypt(
        msg,
        &DecryptOptions {
            decryption_keys: vec![&key.secret],
            verification_keys: verify.iter().map(|k| k.public.as_bytes()).collect(),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn signed_streams_verify_in_rpgp_and_in_the_stream_decryptor() {
    let plain = data(300_000);
    for (profile, two_pass) in [
        (Profile::Compat, true),
        (Profile::Rfc9580, false),
        (Profile::Pqc, false),
    ] {
        let k = key(profile);
        let msg = signed_stream(&plain, k, &[k], Backend::Rust, |_| {});
        let d = one_shot(&msg, k, &[k]);
        assert_eq!(&d.data[..], &plain[..], "{profile:?}");
        assert_eq!(d.signatures.len(), 1, "{profile:?}");
        assert!(d.signatures[0].valid, "{profile:?}: {:?}", d.signatures);

        let o = stream_decrypt(&msg, k, &[k], two_pass);
        assert_eq!(
            o.streamed,
            Some(true),
            "{profile:?}: signed content streams"
        );
        assert_eq!(o.released, plain);
        let sigs = o.result.unwrap();
        assert_eq!(sigs, d.signatures, "{profile:?}: same report as decrypt");
    }
}

#[test]
fn two_signers_v4_and_v6_in_one_stream() {
    let plain = data(50_000);
    let (a, b) = (key(Profile::Compat), key(Profile::Rfc9580));
    let msg = signed_stream(&plain, b, &[a, b], Backend::Rust, |_| {});
    let o = stream_decrypt(&msg, b, &[a, b], false);
    let sigs = o.result.unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.valid), "{sigs:?}");
    assert_eq!(sigs, one_shot(&msg, b, &[a, b]).signatures);
    // Only one of the keys given: the other is reported, unverified.
    let sigs = stream_decrypt(&msg, b, &[b], false).result.unwrap();
    assert_eq!(
        sigs.iter().map(|s| s.valid).collect::<Vec<_>>(),
        [false, true]
    );
    assert_eq!(sigs[0].reason, Some(Reason::UnknownKey));
}

#[test]
fn a_flipped_bit_in_the_signature_is_never_valid() {
    let plain = data(100_000);
    for profile in [Profile::Compat, Profile::Rfc9580] {
        let k = key(profile);
        // The last octet of the packet is inside the signature value.
        let msg = signed_stream(&plain, k, &[k], Backend::Rust, |p| {
            *p.last_mut().unwrap() ^= 1
        });
        let o = stream_decrypt(&msg, k, &[k], profile == Profile::Compat);
        assert_eq!(o.released, plain, "the data itself is authentic");
        let sigs = o.result.unwrap();
        assert_eq!(sigs.len(), 1);
        assert!(!sigs[0].valid);
        assert_eq!(sigs[0].reason, Some(Reason::BadSignature));
        assert!(!one_shot(&msg, k, &[k]).signatures[0].valid);
    }
}

#[test]
fn wrong_or_no_verification_key_reports_unknown_key() {
    let plain = data(10_000);
    let (k, other) = (key(Profile::Rfc9580), key(Profile::Compat));
    let msg = signed_stream(&plain, k, &[k], Backend::Rust, |_| {});
    for verify in [&[other][..], &[]] {
        let o = stream_decrypt(&msg, k, verify, false);
        assert_eq!(o.released, plain);
        let sigs = o.result.unwrap();
        assert_eq!(sigs.len(), 1);
        assert!(!sigs[0].valid);
        assert_eq!(sigs[0].reason, Some(Reason::UnknownKey));
        assert_eq!(sigs[0].signing_key_fingerprint, None);
    }
}

#[test]
fn rpgp_one_pass_signed_messages_stream_and_verify() {
    let plain = data(200_000);
    for profile in [Profile::Compat, Profile::Rfc9580] {
        let k = key(profile);
        let msg = encrypt(
            &plain,
            &EncryptOptions {
                encryption_keys: vec![k.public.as_bytes()],
                signing_keys: vec![&k.secret],
                ..Default::default()
            },
        )
        .unwrap();
        let o = stream_decrypt(&msg, k, &[k], profile == Profile::Compat);
        assert_eq!(o.streamed, Some(true), "{profile:?}");
        assert_eq!(o.released, plain);
        let sigs = o.result.unwrap();
        assert_eq!(sigs.len(), 1);
        assert!(sigs[0].valid, "{profile:?}: {sigs:?}");
    }
}

#[test]
fn a_signature_without_its_one_pass_packet_is_malformed() {
    // A stream whose signer's packets are written twice: the second has no OPS.
    let plain = data(1000);
    let k = key(Profile::Rfc9580);
    let msg = signed_stream(&plain, k, &[k], Backend::Rust, |p| {
        let copy = p.clone();
        p.extend(copy)
    });
    let o = stream_decrypt(&msg, k, &[k], false);
    assert_eq!(o.result.unwrap_err().code(), "MALFORMED_INPUT");
}

#[test]
fn signed_stream_decryption_copies_linearly() {
    let plain = data(4 << 20);
    for (profile, two_pass) in [(Profile::Compat, true), (Profile::Rfc9580, false)] {
        let k = key(profile);
        let msg = signed_stream(&plain, k, &[k], Backend::Rust, |_| {});
        take_copied();
        let o = stream_decrypt(&msg, k, &[k], two_pass);
        let copied = take_copied();
        assert!(o.result.unwrap()[0].valid);
        // Two passes read the message twice; each pass stays within the
        // engine's bound of 6 copies per input octet (tests/pgp_linear.rs).
        let passes = if two_pass { 2 } else { 1 };
        let bound = 6 * passes * msg.len() as u64 + (1 << 16);
        assert!(
            copied <= bound,
            "{profile:?}: {copied} octets copied for {} of input",
            msg.len()
        );
    }
}

#[test]
fn prefix_signed_content_streams_and_verifies() {
    // A signature packet before the literal data (RFC 9580 §10.3's older
    // form): a detached signature written where an OPS would go, and nothing
    // after the data.
    let plain = data(150_000);
    for profile in [Profile::Compat, Profile::Rfc9580] {
        let k = key(profile);
        let detached = sign(
            &plain,
            &SignOptions {
                signing_keys: vec![&k.secret],
                detached: true,
                armor: false,
            },
        )
        .unwrap();
        let opts = StreamEncryptOptions {
            base: EncryptOptions {
                encryption_keys: vec![k.public.as_bytes()],
                ..Default::default()
            },
            one_pass: vec![OnePassSpec {
                ops: detached,
                hash: 8, // SHA-256: the hash computed here is not used
                salt: Vec::new(),
                suffix: Vec::new(),
            }],
            ..Default::default()
        };
        let mut e = StreamEncryptor::new(&opts).unwrap();
        let mut msg = e.header();
        msg.extend(e.push(&plain).unwrap());
        msg.extend(e.finish().unwrap());
        e.add_signatures(&[]).unwrap();
        msg.extend(e.take_output());
        let o = stream_decrypt(&msg, k, &[k], profile == Profile::Compat);
        assert_eq!(o.streamed, Some(true), "{profile:?}");
        assert_eq!(o.released, plain);
        let sigs = o.result.unwrap();
        assert_eq!(sigs.len(), 1);
        assert!(sigs[0].valid, "{profile:?}: {sigs:?}");
        assert_eq!(sigs, one_shot(&msg, k, &[k]).signatures);
    }
}
