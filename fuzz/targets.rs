//! The fuzz entry points, shared by the cargo-fuzz binaries (`fuzz_targets/*.rs`)
//! and the stable-toolchain replay test (`tests/fuzz_replay.rs`), so `make test`
//! replays every corpus and regression file through exactly the code that was
//! fuzzed.
//!
//! Each function feeds untrusted bytes to one public parser of signet-crypto and
//! must return (with `Ok` or any typed error) without panicking, aborting or
//! running away with memory. Work an attacker may legitimately demand (Argon2
//! parameters up to the documented caps) is capped lower here so the fuzzer stays
//! fast: inputs asking for more are skipped, and the caps themselves are tested by
//! the hostile corpus and `tests/security.rs`.

#![allow(dead_code)]

use std::path::Path;

use signet_crypto::notes::{open_shared_note, MemoryStore, OpenOptions, Vault};
use signet_crypto::openpgp::stream::{decrypt_session_key, StreamDecryptOptions, StreamDecryptor};
use signet_crypto::openpgp::{
    decrypt, read_key, unlock_key, verify, DecryptOptions, Limits, PrivateKey, VerifyOptions,
};
use signet_crypto::wrap::{envelope_recipients, unwrap_key, WrapPublicKey, WrapSecretKey};
use signet_crypto::Error;

/// Every target, in the order `make fuzz` runs them.
pub const TARGETS: &[&str] = &[
    "pgp_read_key",
    "pgp_unlock_key",
    "pgp_decrypt",
    "pgp_verify",
    "wrap_envelope",
    "wrap_keys",
    "vault_open",
    "vault_backup",
    "shared_note",
    "stream_decrypt",
];

/// Passphrase of every protected fixture and of the seed vaults and messages.
pub const PASSPHRASE: &str = "fuzz passphrase";

/// Data that detached seed signatures in `pgp_verify` cover; the first input byte
/// chooses between detached (over this) and inline verification.
pub const SIGNED_DATA: &[u8] = b"signed data for the fuzzer";

/// Keys the targets decrypt and verify with (files under `fuzz/fixtures/`,
/// written once by the `seeds` binary).
pub struct Fixtures {
    /// Unlocked OpenPGP private keys (v6 post-quantum and v4 Curve25519).
    pub pgp_keys: Vec<PrivateKey>,
    /// Their certificates, for signature checks.
    pub pgp_certs: Vec<Vec<u8>>,
    /// The X-Wing wrap secret key of `wrap_envelope` and `shared_note`.
    pub wrap_key: WrapSecretKey,
}

/// File names under the fixture directory.
pub const PGP_KEY_FILES: &[&str] = &["pgp-pqc.key", "pgp-compat.key"];
/// The wrap key, exported protected under [`PASSPHRASE`].
pub const WRAP_KEY_FILE: &str = "wrap.key";

impl Fixtures {
    /// Reads and unlocks the fixtures (one Argon2 run for the wrap key).
    pub fn load(dir: &Path) -> Fixtures {
        let read = |name: &str| {
            std::fs::read(dir.join(name))
                .unwrap_or_else(|e| panic!("fixture {}: {e}", dir.join(name).display()))
        };
        let mut pgp_keys = Vec::new();
        let mut pgp_certs = Vec::new();
        for name in PGP_KEY_FILES {
            let key = unlock_key(&read(name), None, &Limits::default())
                .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
            pgp_certs.push(
                key.public_key_armored()
                    .expect("certificate of a fixture")
                    .into_bytes(),
            );
            pgp_keys.push(key);
        }
        let wrap_key = WrapSecretKey::import_protected(&read(WRAP_KEY_FILE), PASSPHRASE.as_bytes())
            .expect("wrap fixture");
        Fixtures {
            pgp_keys,
            pgp_certs,
            wrap_key,
        }
    }
}

/// OpenPGP limits for fuzzing: the defaults' structure with small work caps.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_message_size: 4 << 20,
        max_decompressed_size: 4 << 20,
        max_key_size: 1 << 20,
        max_argon2_memory_kib: 1024,
        max_argon2_passes: 3,
        max_argon2_lanes: 4,
        max_s2k_iterated_bytes: 1 << 20,
        ..Limits::default()
    }
}

/// Runs `target` on `data`. Returns the error (if any) for statistics; panics only
/// on a broken invariant, which is a finding.
pub fn run(target: &str, fx: &Fixtures, data: &[u8]) -> Option<Error> {
    let r = match target {
        "pgp_read_key" => read_key(data).map(|_| ()),
        "pgp_unlock_key" => pgp_unlock_key(data),
        "pgp_decrypt" => pgp_decrypt(fx, data),
        "pgp_verify" => pgp_verify(fx, data),
        "wrap_envelope" => wrap_envelope(fx, data),
        "wrap_keys" => wrap_keys(data),
        "vault_open" => vault_open(data),
        "vault_backup" => vault_backup(data),
        "shared_note" => shared_note(fx, data),
        "stream_decrypt" => stream_decrypt(fx, data),
        other => panic!("unknown fuzz target {other}"),
    };
    let e = r.err()?;
    assert!(
        Error::ALL_CODES.contains(&e.code()),
        "error code {} not listed",
        e.code()
    );
    Some(e)
}

fn pgp_unlock_key(data: &[u8]) -> signet_crypto::Result<()> {
    // The first byte picks: no passphrase, the right one, or a wrong one.
    let (sel, rest) = data.split_first().unwrap_or((&0, data));
    let pass = match sel % 3 {
        0 => None,
        1 => Some(PASSPHRASE),
        _ => Some("wrong"),
    };
    let key = unlock_key(rest, pass, &fuzz_limits())?;
    // A key that unlocked must be usable by the rest of the API.
    let _ = key.info();
    key.public_key_armored()?;
    Ok(())
}

fn pgp_decrypt(fx: &Fixtures, data: &[u8]) -> signet_crypto::Result<()> {
    let opts = DecryptOptions {
        decryption_keys: fx.pgp_keys.iter().collect(),
        passwords: vec![PASSPHRASE],
        verification_keys: fx.pgp_certs.iter().map(Vec::as_slice).collect(),
        limits: fuzz_limits(),
    };
    // A held SEIPDv1 body in ranges (the browsers' two-lane path: half here,
    // half "elsewhere"), differential: when both succeed, it agrees with `decrypt`.
    let lanes = (|| -> signet_crypto::Result<Vec<u8>> {
        let mut d = StreamDecryptor::new(StreamDecryptOptions {
            limits: opts.limits,
            verification_keys: fx.pgp_certs.clone(),
            ..Default::default()
        });
        d.push_into(data)?;
        if !d.needs_session_key() {
            return Err(signet_crypto::Error::InvalidArgument("no body".into()));
        }
        // SEIPDv2 releases plaintext as it goes; a held body only at `finish`.
        let mut got = d.unlock(&opts.decryption_keys, &opts.passwords)?;
        d.end_input()?;
        d.with_output(|b| got.extend_from_slice(b));
        let n = d.held_len();
        let mid = n / 32 * 16;
        if n > 0 {
            d.put_held_range(0, mid, None)?;
            let theirs = {
                let key = d.held_key().unwrap_or_default();
                let (iv, ct) = d.held_range(mid, n)?;
                signet_crypto::openpgp::cfb_decrypt_range(&key, &iv, ct)?
            };
            d.put_held_range(mid, n, Some(&theirs))?;
        }
        got.extend_from_slice(&d.finish()?);
        Ok(got)
    })();
    let out = decrypt(data, &opts)?;
    assert!(
        out.data.len() as u64
            <= opts
                .limits
                .max_decompressed_size
                .max(opts.limits.max_message_size)
    );
    if let Ok(plain) = lanes {
        assert_eq!(
            plain.as_slice(),
            out.data.as_slice(),
            "two-lane SEIPDv1 differs"
        );
    }
    Ok(())
}

/// The decryption engine (session keys, outer packets, SEIPDv1 and SEIPDv2
/// bodies, inner packets, armor), fed in pieces whose size depends on the
/// input so that every split point gets exercised, against rPGP's own
/// message reader given the session key the engine found: two independent
/// implementations of everything after the session key.
fn stream_decrypt(fx: &Fixtures, data: &[u8]) -> signet_crypto::Result<()> {
    let step = 1 + data.len() % 61 + (data.len() / 61 % 3) * 997;
    let keys: Vec<&PrivateKey> = fx.pgp_keys.iter().collect();
    let limits = fuzz_limits();
    let mut session = None;
    let streamed = (|| -> signet_crypto::Result<Vec<u8>> {
        let mut dec = StreamDecryptor::new(StreamDecryptOptions {
            limits,
            verification_keys: fx.pgp_certs.clone(),
            ..Default::default()
        });
        let mut out = Vec::new();
        for piece in data.chunks(step) {
            out.extend(dec.push(piece)?);
            if dec.needs_session_key() {
                let sk = decrypt_session_key(dec.esk_bytes(), &keys, &[PASSPHRASE], &limits)?;
                session = Some(sk.to_bytes());
                out.extend(dec.set_session_key(sk)?);
            }
        }
        out.extend(dec.finish()?);
        assert!(
            dec.is_done(),
            "finish returned Ok but the stream is not done"
        );
        Ok(out)
    })();
    // Differential: equal plaintext when both succeed, and the same verdict on
    // authenticity: what one reader calls tampered the other must not
    // release. Other disagreements (a limit, a feature one reader lacks, how
    // damage is named) are allowed.
    if let Some(sk) = session {
        let reference = rpgp_read(data, &sk, limits.max_decompressed_size);
        match (&streamed, &reference) {
            (Ok(out), Ok(r)) => assert!(r == out, "the engine and rPGP disagree on the plaintext"),
            (Err(e), Ok(_)) => assert!(
                e.code() != "DECRYPTION_FAILED",
                "the engine calls tampered what rPGP reads"
            ),
            (Ok(_), Err(RpgpError::Tampered)) => {
                panic!("the engine releases what rPGP calls tampered")
            }
            _ => {}
        }
    }
    let out = streamed?;
    assert!(out.len() as u64 <= limits.max_decompressed_size.max(limits.max_message_size));
    Ok(())
}

/// Why rPGP's reader gave up: a failed MDC or AEAD tag, or anything else.
#[derive(Debug)]
enum RpgpError {
    Tampered,
    Other,
}

/// The literal data of `data` read by rPGP (the reference; not the engine
/// in any part) with session key `sk` (cipher octet, 0 for v6, then the key),
/// at most `cap` octets of it.
fn rpgp_read(data: &[u8], sk: &[u8], cap: u64) -> Result<Vec<u8>, RpgpError> {
    use pgp::composed::{
        DecryptionOptions, Edata, Message, PlainSessionKey, RawSessionKey, TheRing,
    };
    use pgp::crypto::aead::AeadAlgorithm;
    use pgp::crypto::sym::SymmetricKeyAlgorithm as Sym;
    use pgp::packet::{ProtectedDataConfig, SymEncryptedProtectedDataConfig as Config};
    use pgp::types::Seipdv1ReadMode;
    use std::io::Read;
    let judge = |e: String| {
        if e.contains("MdcError") || e.contains("Aead") {
            RpgpError::Tampered
        } else {
            RpgpError::Other
        }
    };
    let (&alg, key) = sk.split_first().ok_or(RpgpError::Other)?;
    let armored = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'-');
    let msg = if armored {
        Message::from_armor(data).map(|(m, _)| m)
    } else {
        Message::from_bytes(data)
    }
    .map_err(|_| RpgpError::Other)?;
    // rPGP 0.21 panics deriving the nonce of an unknown AEAD mode: only what
    // it implements goes in.
    if let Message::Encrypted {
        edata: Edata::SymEncryptedProtectedData { reader },
        ..
    } = &msg
    {
        if let ProtectedDataConfig::Seipd(Config::V2 { sym_alg, aead, .. }) = reader.config() {
            let aes = matches!(sym_alg, Sym::AES128 | Sym::AES192 | Sym::AES256);
            let mode = matches!(
                aead,
                AeadAlgorithm::Eax | AeadAlgorithm::Ocb | AeadAlgorithm::Gcm
            );
            if !aes || !mode {
                return Err(RpgpError::Other);
            }
        }
    }
    let key = RawSessionKey::from(key);
    let session = if alg == 0 {
        PlainSessionKey::V6 { key }
    } else {
        PlainSessionKey::V3_4 {
            sym_alg: Sym::from(alg),
            key,
        }
    };
    let ring = TheRing {
        session_keys: vec![session],
        decrypt_options: DecryptionOptions::new().set_seipdv1_read_mode(
            Seipdv1ReadMode::CheckFirst {
                max_message_size: data.len(),
            },
        ),
        ..Default::default()
    };
    let (mut msg, _) = msg
        .decrypt_the_ring(ring, true)
        .map_err(|e| judge(format!("{e:?}")))?;
    for _ in 0..8 {
        if !msg.is_compressed() {
            break;
        }
        msg = msg.decompress().map_err(|e| judge(format!("{e:?}")))?;
    }
    let mut out = Vec::new();
    msg.take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| judge(format!("{e:?}")))?;
    if out.len() as u64 > cap {
        return Err(RpgpError::Other);
    }
    Ok(out)
}

fn pgp_verify(fx: &Fixtures, data: &[u8]) -> signet_crypto::Result<()> {
    let (sel, rest) = data.split_first().unwrap_or((&0, data));
    let opts = VerifyOptions {
        data: (sel % 2 == 0).then_some(SIGNED_DATA),
        signature: rest,
        verification_keys: fx.pgp_certs.iter().map(Vec::as_slice).collect(),
        limits: fuzz_limits(),
    };
    let v = verify(&opts)?;
    // "valid" must mean at least one signature checked out.
    assert_eq!(v.valid, v.signatures.iter().any(|s| s.valid));
    Ok(())
}

fn wrap_envelope(fx: &Fixtures, data: &[u8]) -> signet_crypto::Result<()> {
    let listed = envelope_recipients(data);
    let unwrapped = unwrap_key(data, &fx.wrap_key);
    // Unwrapping implies a parsable envelope that lists us.
    if unwrapped.is_ok() {
        let ids = listed.expect("unwrapped an envelope that does not parse");
        assert!(ids.contains(&fx.wrap_key.id()));
    }
    unwrapped.map(|_| ())
}

/// Offset of the Argon2 parameters (m, t, p as big-endian u32) in a protected
/// wrap secret key: magic 4, version 1, KEM id 2, key id 16.
const WRAP_KDF_AT: usize = 23;
/// In a vault header: magic 4, version 1, vault id 16.
const HEADER_KDF_AT: usize = 21;
/// In a backup: magic 4, version 1, then the header (format 1) or a root-record length
/// (u32) and the root record, which starts with the header (format 2).
const BACKUP_KDF_AT: usize = 5 + HEADER_KDF_AT;
const BACKUP_V2_KDF_AT: usize = 9 + HEADER_KDF_AT;

/// Whether Argon2 parameters stored at `at` are cheap enough to run while fuzzing.
fn cheap_kdf(data: &[u8], at: usize) -> bool {
    let word = |i: usize| {
        data.get(at + 4 * i..at + 4 * i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match (word(0), word(1), word(2)) {
        (Some(m), Some(t), Some(p)) => m <= 1024 && t <= 3 && p <= 4,
        _ => true,
    }
}

fn wrap_keys(data: &[u8]) -> signet_crypto::Result<()> {
    let (sel, rest) = data.split_first().unwrap_or((&0, data));
    match sel % 3 {
        0 => {
            let pk = WrapPublicKey::from_bytes(rest)?;
            // Round trips must be exact.
            assert_eq!(WrapPublicKey::from_bytes(&pk.to_bytes())?.id(), pk.id());
            assert_eq!(WrapPublicKey::from_text(&pk.to_text())?.id(), pk.id());
            Ok(())
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            let pk = WrapPublicKey::from_text(&text)?;
            assert_eq!(WrapPublicKey::from_bytes(&pk.to_bytes())?.id(), pk.id());
            Ok(())
        }
        _ => {
            if !cheap_kdf(rest, WRAP_KDF_AT) {
                return Ok(());
            }
            WrapSecretKey::import_protected(rest, PASSPHRASE.as_bytes()).map(|_| ())
        }
    }
}

/// Splits fuzz input into store records: `[key len u8][key][value len u16 BE][value]`…
pub fn decode_records(mut data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((&klen, rest)) = data.split_first() {
        let Some((key, rest)) = rest.split_at_checked(klen as usize) else {
            break;
        };
        let Some((len, rest)) = rest.split_at_checked(2) else {
            break;
        };
        let vlen = u16::from_be_bytes([len[0], len[1]]) as usize;
        let Some((value, rest)) = rest.split_at_checked(vlen.min(rest.len())) else {
            break;
        };
        out.push((String::from_utf8_lossy(key).into_owned(), value.to_vec()));
        data = rest;
    }
    out
}

/// The inverse of [`decode_records`] (for seeds); values over 64 KiB are truncated.
pub fn encode_records(records: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in records {
        let k = &k.as_bytes()[..k.len().min(255)];
        let v = &v[..v.len().min(u16::MAX as usize)];
        out.push(k.len() as u8);
        out.extend_from_slice(k);
        out.extend_from_slice(&(v.len() as u16).to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

fn vault_open(data: &[u8]) -> signet_crypto::Result<()> {
    let store = MemoryStore::new();
    let records = decode_records(data);
    for (k, v) in &records {
        // The format-1 header, or a format-2 root record (which starts with the header).
        let header = k == "header" || k.starts_with(signet_crypto::notes::ROOT_PREFIX);
        if header && !cheap_kdf(v, HEADER_KDF_AT) {
            return Ok(());
        }
    }
    store.restore(records.into_iter().collect());
    let vault = pollster::block_on(Vault::open(
        store,
        PASSPHRASE.as_bytes(),
        OpenOptions::default(),
    ))?;
    // An opened vault must answer every read.
    for s in vault.list()? {
        vault.get(&s.id)?;
    }
    vault.search("a")?;
    vault.lock();
    assert!(vault.list().is_err());
    Ok(())
}

fn vault_backup(data: &[u8]) -> signet_crypto::Result<()> {
    let at = if data.get(4) == Some(&1) {
        BACKUP_KDF_AT
    } else {
        BACKUP_V2_KDF_AT
    };
    if !cheap_kdf(data, at) {
        return Ok(());
    }
    let store = MemoryStore::new();
    let r = pollster::block_on(Vault::import_backup(
        store.clone(),
        data,
        PASSPHRASE.as_bytes(),
        OpenOptions::default(),
    ));
    match r {
        Ok(vault) => {
            for s in vault.list()? {
                vault.get(&s.id)?;
            }
            Ok(())
        }
        Err(e) => {
            // A refused backup writes nothing.
            assert!(store.is_empty(), "a refused backup left records behind");
            Err(e)
        }
    }
}

fn shared_note(fx: &Fixtures, data: &[u8]) -> signet_crypto::Result<()> {
    let note = open_shared_note(data, |env| unwrap_key(env, &fx.wrap_key))?;
    let _ = (note.title(), note.body(), note.tags(), note.created());
    Ok(())
}
