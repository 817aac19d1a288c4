//! Linear work on hostile input, pinned by a counter instead of a clock: the
//! decryption engine counts every octet it copies into its own buffers
//! (`stream::test_hooks`, `test-hooks` builds only), and these tests hold that
//! count under a small constant times the input size, for every message of the
//! hostile corpus and for a 64 MiB padding packet (which used to cost
//! quadratic time: the packet was staged and re-copied 1 KiB at a time).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use pgp::crypto::aead::{AeadAlgorithm, ChunkSize};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::PacketTrait;
use pgp::packet::SymEncryptedProtectedData;
use signet_crypto::openpgp::stream::test_hooks::take_copied;
use signet_crypto::openpgp::stream::{Backend, SessionKey, StreamDecryptOptions, StreamDecryptor};
use signet_crypto::openpgp::{
    decrypt, decrypt_stream, unlock_key, DecryptOptions, Limits, PrivateKey,
};

/// Octets the engine may copy per input octet (a one-pass SEIPDv1 body held
/// until its MDC, body staging, chunk assembly, output), plus a fixed
/// allowance for headers.
const PER_OCTET: u64 = 6;
const SLACK: u64 = 64 * 1024;
/// The decompressed-size cap of these runs: a compression bomb's output is
/// bounded by it (decoded, then copied out), not by its input.
const INFLATE_CAP: u64 = 4 << 20;

fn hostile_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile"))
}

fn json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(hostile_dir().join(name)).expect("read json");
    serde_json::from_str(&text).expect("json")
}

/// Pushes `msg` in `step`-octet pieces; a session key comes from `keys` /
/// `passwords` or is given directly. Returns the plaintext or the error code.
fn run(
    msg: &[u8],
    step: usize,
    keys: &[&PrivateKey],
    passwords: &[&str],
    sk: Option<&SessionKey>,
) -> Result<Vec<u8>, &'static str> {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        limits: Limits {
            max_decompressed_size: INFLATE_CAP,
            ..Default::default()
        },
        ..Default::default()
    });
    let mut out = Vec::new();
    for piece in msg.chunks(step) {
        out.extend(d.push(piece).map_err(|e| e.code())?);
        if d.needs_session_key() {
            let p = match sk {
                Some(k) => d.set_session_key(k.clone()),
                None => d.unlock(keys, passwords),
            };
            out.extend(p.map_err(|e| e.code())?);
        }
    }
    out.extend(d.finish().map_err(|e| e.code())?);
    Ok(out)
}

fn assert_linear(what: &str, input: usize) {
    let copied = take_copied();
    let inflate = if what.contains("compression-bomb") {
        2 * INFLATE_CAP
    } else {
        0
    };
    let bound = PER_OCTET * input as u64 + SLACK + inflate;
    assert!(
        copied <= bound,
        "{what}: {copied} octets copied for {input} octets of input (bound {bound})"
    );
}

#[test]
fn hostile_corpus_decrypts_in_linear_copies() {
    let fx = json("fixtures.json");
    let pass = fx["passphrase"].as_str().unwrap();
    let pqc = unlock_key(
        fx["pqcPrivate"].as_str().unwrap().as_bytes(),
        None,
        &Limits::default(),
    )
    .unwrap();
    let compat = unlock_key(
        fx["compatPrivate"].as_str().unwrap().as_bytes(),
        None,
        &Limits::default(),
    )
    .unwrap();
    let mut n = 0;
    for c in json("cases.json").as_array().unwrap() {
        let op = c["op"].as_str().unwrap();
        if !op.starts_with("decrypt") {
            continue;
        }
        let msg = std::fs::read(
            hostile_dir()
                .join("corpus")
                .join(c["file"].as_str().unwrap()),
        )
        .unwrap();
        for step in [1usize, 4096, 1 << 20] {
            take_copied();
            let _ = run(&msg, step, &[&pqc, &compat], &[pass], None);
            assert_linear(c["name"].as_str().unwrap(), msg.len());
            n += 1;
        }
        // The one-shot `decrypt` is the same engine: the same bound.
        take_copied();
        let _ = decrypt(
            &msg,
            &DecryptOptions {
                decryption_keys: vec![&pqc, &compat],
                passwords: vec![pass],
                limits: Limits {
                    max_decompressed_size: INFLATE_CAP,
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        assert_linear(c["name"].as_str().unwrap(), msg.len());
    }
    assert!(n >= 40, "only {n} corpus runs");
}

/// Packet header with a new-format definite length.
fn packet(tag: u8, body_len: usize) -> Vec<u8> {
    let mut v = vec![0xC0 | tag, 0xFF];
    v.extend_from_slice(&u32::try_from(body_len).unwrap().to_be_bytes());
    v
}

/// A SEIPDv2 message (no ESK: the session key is given) whose content is a
/// 13-octet literal data packet followed by `padding` octets of padding, or
/// (`before`) the padding first.
fn padded_message(padding: usize, before: bool, sk: &[u8]) -> Vec<u8> {
    let literal = [0xCB, 11, b'b', 0, 0, 0, 0, 0, b'h', b'e', b'l', b'l', b'o'];
    let mut pad = packet(21, padding);
    pad.resize(pad.len() + padding, 0x5A);
    let mut inner = Vec::with_capacity(literal.len() + pad.len());
    if before {
        inner.extend_from_slice(&pad);
        inner.extend_from_slice(&literal);
    } else {
        inner.extend_from_slice(&literal);
        inner.extend_from_slice(&pad);
    }
    seal(&inner, ChunkSize::C256KiB, sk)
}

/// A SEIPDv2-GCM packet (AES-256, session key `sk`) around `inner`.
fn seal(inner: &[u8], chunk: ChunkSize, sk: &[u8]) -> Vec<u8> {
    let p = SymEncryptedProtectedData::encrypt_seipdv2(
        rand::thread_rng(),
        SymmetricKeyAlgorithm::AES256,
        AeadAlgorithm::Gcm,
        chunk,
        sk,
        inner,
    )
    .unwrap();
    let mut out = Vec::new();
    p.to_writer_with_header(&mut out).unwrap();
    out
}

/// A SEIPDv2-GCM packet framing `inner` in chunks of 2^(6 + `chunk_octet`)
/// octets, with filler where ciphertext and tags go: run with the external
/// backend, the test hands the engine `inner` as each chunk's "decryption", so
/// 64 MiB cost only the engine's own work (no debug-build AES).
fn framed_without_crypto(inner: &[u8], chunk_octet: u8) -> Vec<u8> {
    let chunk = 1usize << (6 + chunk_octet);
    let n_chunks = inner.len().div_ceil(chunk);
    let body_len = 4 + 32 + inner.len() + 16 * n_chunks + 16;
    let mut m = packet(18, body_len);
    m.extend_from_slice(&[2, 9, 3, chunk_octet]);
    m.resize(m.len() + 32 + inner.len() + 16 * n_chunks + 16, 0xA5);
    m
}

/// Answers the engine's chunk jobs with the octets of `inner` from `*at` on
/// (the "decryption" of [`framed_without_crypto`]'s filler).
fn answer_jobs(
    d: &mut StreamDecryptor,
    inner: &[u8],
    at: &mut usize,
    out: &mut Vec<u8>,
) -> signet_crypto::Result<()> {
    for j in d.take_jobs() {
        let plain = if j.is_final {
            &[][..]
        } else {
            &inner[*at..*at + j.out_len]
        };
        *at += plain.len();
        d.complete_job_into(plain)?;
        out.extend(d.push(&[])?);
    }
    Ok(())
}

/// Decrypts `msg` (from [`framed_without_crypto`]) with the external backend,
/// answering each chunk job with the matching octets of `inner`.
fn run_external(msg: &[u8], inner: &[u8], step: usize) -> Vec<u8> {
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        ..Default::default()
    });
    let sk = SessionKey::from_bytes(&[0u8; 33]).unwrap();
    let mut out = Vec::new();
    let mut at = 0usize;
    for piece in msg.chunks(step) {
        out.extend(d.push(piece).unwrap());
        if d.needs_session_key() {
            out.extend(d.set_session_key(sk.clone()).unwrap());
        }
        answer_jobs(&mut d, inner, &mut at, &mut out).unwrap();
    }
    d.finish_into().unwrap();
    answer_jobs(&mut d, inner, &mut at, &mut out).unwrap();
    out.extend(d.finish().unwrap());
    assert!(d.is_done());
    out
}

#[test]
fn padding_of_64_mib_is_skipped_in_one_pass() {
    let literal = [0xCB, 11, b'b', 0, 0, 0, 0, 0, b'h', b'e', b'l', b'l', b'o'];
    let pad_len = 64 << 20;
    let mut inner = literal.to_vec();
    inner.extend_from_slice(&packet(21, pad_len));
    inner.resize(inner.len() + pad_len, 0x5A);
    let msg = framed_without_crypto(&inner, 12);
    for step in [64 * 1024, 1 << 20] {
        take_copied();
        assert_eq!(run_external(&msg, &inner, step), b"hello");
        assert_linear("64 MiB padding after the literal", msg.len());
    }
}

#[test]
fn padding_with_real_chunks_before_and_after_the_literal() {
    let raw = [7u8; 32];
    let mut b = vec![0u8];
    b.extend_from_slice(&raw);
    let sk = SessionKey::from_bytes(&b).unwrap();
    for before in [false, true] {
        let msg = padded_message(2 << 20, before, &raw);
        take_copied();
        assert_eq!(run(&msg, 1 << 16, &[], &[], Some(&sk)).unwrap(), b"hello");
        assert_linear("2 MiB padding", msg.len());
    }
}

#[test]
fn marker_and_unknown_packets_in_the_content_are_skipped() {
    let raw = [9u8; 32];
    let mut b = vec![0u8];
    b.extend_from_slice(&raw);
    let sk = SessionKey::from_bytes(&b).unwrap();
    let literal = [0xCB, 8, b'b', 0, 0, 0, 0, 0, b'h', b'i'];
    // marker (10), unknown non-critical (60), literal, padding (21), unknown (40)
    let mut inner = vec![0xCA, 3, b'P', b'G', b'P', 0xFC, 2, 1, 2];
    inner.extend_from_slice(&literal);
    inner.extend_from_slice(&[0xD5, 4, 0, 0, 0, 0, 0xE8, 1, 0]);
    let msg = seal(&inner, ChunkSize::C64KiB, &raw);
    for step in [1, 3, 1000] {
        assert_eq!(run(&msg, step, &[], &[], Some(&sk)).unwrap(), b"hi");
    }
    // A critical packet (a public key, tag 6) after the literal data is damage.
    let mut bad = literal.to_vec();
    bad.extend_from_slice(&[0xC6, 1, 0]);
    let msg = seal(&bad, ChunkSize::C64KiB, &raw);
    assert_eq!(
        run(&msg, 7, &[], &[], Some(&sk)).unwrap_err(),
        "MALFORMED_INPUT"
    );
}

#[test]
fn decompression_bomb_costs_copies_linear_in_the_cap() {
    use std::io::Write;
    // 64 MiB of zeros in a ZLIB compressed data packet (~64 KiB), under a
    // 4 MiB decompressed-size cap: the engine stops at the cap, having
    // produced at most one step beyond it.
    let cap = 4u64 << 20;
    let zeros = vec![0u8; 64 << 20];
    let mut lit = packet(11, 6 + zeros.len());
    lit.extend_from_slice(&[b'b', 0, 0, 0, 0, 0]);
    lit.extend_from_slice(&zeros);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&lit).unwrap();
    let body = z.finish().unwrap();
    let mut inner = packet(8, 1 + body.len());
    inner.push(2);
    inner.extend_from_slice(&body);
    let msg = framed_without_crypto(&inner, 12);
    let mut d = StreamDecryptor::new(StreamDecryptOptions {
        backend: Backend::External,
        limits: Limits {
            max_decompressed_size: cap,
            ..Default::default()
        },
        ..Default::default()
    });
    take_copied();
    let (mut at, mut out) = (0usize, Vec::new());
    let r = (|| {
        d.push(&msg)?;
        d.set_session_key(SessionKey::from_bytes(&[0u8; 33])?)?;
        d.finish_into()?;
        answer_jobs(&mut d, &inner, &mut at, &mut out)?;
        d.finish()
    })();
    assert_eq!(r.unwrap_err().code(), "LIMIT_EXCEEDED");
    let copied = take_copied();
    let bound = PER_OCTET * msg.len() as u64 + SLACK + 2 * cap;
    assert!(copied <= bound, "{copied} octets copied (bound {bound})");
}

/// A SKESKv4 with a salted S2K and no encrypted session key: its key is the
/// S2K output, so a wrong password cannot be told before the MDC, and the S2K
/// costs the budget nothing.
fn cheap_skesk(salt: u8) -> Vec<u8> {
    let mut p = packet(3, 12);
    p.extend_from_slice(&[4, 9, 1, 8]);
    p.extend_from_slice(&[salt; 8]);
    p
}

#[test]
fn many_cheap_password_packets_cost_a_bounded_number_of_body_decryptions() {
    use signet_crypto::openpgp::decrypt::MAX_BODY_ATTEMPTS;
    use signet_crypto::openpgp::{encrypt, EncryptOptions, SeipdChoice};
    let data = vec![7u8; 1 << 20];
    let real = encrypt(
        &data,
        &EncryptOptions {
            passwords: vec!["right"],
            seipd: SeipdChoice::V1,
            ..Default::default()
        },
    )
    .unwrap();
    let with = |bogus: usize| {
        let mut m: Vec<u8> = (0..bogus).flat_map(|i| cheap_skesk(i as u8)).collect();
        m.extend_from_slice(&real);
        m
    };
    let open = |msg: &[u8], pw: &str| {
        decrypt(
            msg,
            &DecryptOptions {
                passwords: vec![pw],
                ..Default::default()
            },
        )
        .map(|d| d.data)
        .map_err(|e| e.code())
    };
    // The `Read` path, which reads once: the engine holds the SEIPDv1 body
    // anyway, so it tries the same candidates under the same cap.
    let open_stream = |msg: &[u8], pw: &str| {
        let mut out = Vec::new();
        decrypt_stream(
            &DecryptOptions {
                passwords: vec![pw],
                ..Default::default()
            },
            msg,
            &mut out,
        )
        .map(|_| out)
        .map_err(|e| e.code())
    };
    // Fewer bogus candidates than the cap: the right one is still reached.
    let few = with(MAX_BODY_ATTEMPTS - 1);
    assert_eq!(open(&few, "right").unwrap().as_slice(), data.as_slice());
    assert_eq!(open_stream(&few, "right").unwrap(), data);
    // No candidate verifies: a failed authentication, on both paths.
    assert_eq!(open(&few, "wrong").unwrap_err(), "DECRYPTION_FAILED");
    assert_eq!(open_stream(&few, "wrong").unwrap_err(), "DECRYPTION_FAILED");
    // 40 of them (under the 64 session-key packets allowed): refused after
    // the cap, each attempt one body's worth of copies.
    let many = with(40);
    for pw in ["right", "wrong"] {
        take_copied();
        let err = decrypt(
            &many,
            &DecryptOptions {
                passwords: vec![pw],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), "LIMIT_EXCEEDED", "{pw}");
        assert!(err.to_string().contains("integrity check"), "{pw}: {err}");
        let copied = take_copied();
        let bound = (MAX_BODY_ATTEMPTS as u64 + 1) * PER_OCTET * real.len() as u64 + SLACK;
        assert!(
            copied <= bound,
            "{pw}: {copied} octets copied (bound {bound})"
        );
        assert_eq!(
            open_stream(&many, pw).unwrap_err(),
            "LIMIT_EXCEEDED",
            "{pw}"
        );
    }
}
