//! Public-API tests of `signet_crypto::wrap`: round trips, every tamper of the
//! envelope, argument errors, key encodings and the protected export.
//! Native only: proptest is a native-only dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::OnceLock;

use proptest::prelude::*;
use signet_crypto::wrap::{
    envelope_len, envelope_recipients, unwrap_key, wrap_key, RecipientId, WrapPublicKey,
    WrapSecretKey, ENTRY_LEN, MAX_RECIPIENTS, PUBLIC_KEY_LEN,
};

/// Envelope layout (docs/wrap-format.md): fixed header, entries, MAC.
const FIXED: usize = 13;
const ID: usize = 16;
const ENC: usize = 1120;
const SEALED: usize = 48;
const MAC: usize = 32;

fn keys() -> &'static [WrapSecretKey] {
    static KEYS: OnceLock<Vec<WrapSecretKey>> = OnceLock::new();
    KEYS.get_or_init(|| (0..101).map(|_| WrapSecretKey::generate()).collect())
}

fn pubs(sks: &[WrapSecretKey]) -> Vec<WrapPublicKey> {
    sks.iter().map(WrapSecretKey::public_key).collect()
}

fn code<T: std::fmt::Debug>(r: signet_crypto::Result<T>) -> &'static str {
    r.unwrap_err().code()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn wrap_unwrap_round_trip(n in 1usize..=100, start in 0usize..100, key in any::<[u8; 32]>()) {
        let all = keys();
        // n distinct recipients from the pool, rotated by `start`; key 100 is never one.
        let chosen: Vec<&WrapSecretKey> = (0..n).map(|i| &all[(start + i) % 100]).collect();
        let pks: Vec<WrapPublicKey> = chosen.iter().map(|k| k.public_key()).collect();
        let env = wrap_key(&key, &pks).unwrap();
        prop_assert_eq!(env.len(), envelope_len(n));
        let ids: Vec<RecipientId> = pks.iter().map(WrapPublicKey::id).collect();
        prop_assert_eq!(envelope_recipients(&env).unwrap(), ids);
        for sk in &chosen {
            prop_assert_eq!(*unwrap_key(&env, sk).unwrap(), key);
        }
        prop_assert_eq!(code(unwrap_key(&env, &all[100])), "NO_MATCHING_KEY");
    }
}

/// Expected error of a one-bit flip at `pos` of a 2-recipient envelope opened by
/// recipient 0.
fn expected_flip(pos: usize, len: usize) -> &'static [&'static str] {
    let entry = |i: usize| FIXED + i * ENTRY_LEN;
    match pos {
        0..=3 => &["MALFORMED_INPUT"],                     // magic
        4 => &["UNSUPPORTED"],                             // version
        5..=10 => &["UNSUPPORTED"],                        // suite ids
        11..=12 => &["MALFORMED_INPUT", "LIMIT_EXCEEDED"], // count no longer matches the length
        p if (entry(0)..entry(0) + ID).contains(&p) => &["NO_MATCHING_KEY"], // our id
        p if p >= len - MAC => &["DECRYPTION_FAILED"],     // header MAC
        _ => &["DECRYPTION_FAILED"], // our enc/sealed key, or anything of the other entry
    }
}

#[test]
fn every_byte_is_protected() {
    let all = keys();
    let pks = pubs(&all[..2]);
    let key = [0x42u8; 32];
    let env = wrap_key(&key, &pks).unwrap();
    assert_eq!(env.len(), FIXED + 2 * ENTRY_LEN + MAC);
    assert_eq!(ENTRY_LEN, ID + ENC + SEALED);
    for pos in 0..env.len() {
        let mut t = env.clone();
        t[pos] ^= 1 << (pos % 8);
        let got = code(unwrap_key(&t, &all[0]));
        assert!(
            expected_flip(pos, env.len()).contains(&got),
            "flip at {pos}: {got}"
        );
        // The second recipient sees its own id flip as "not a recipient", all else
        // in its entry or elsewhere as a decryption failure or structural error.
        if (FIXED + ENTRY_LEN..FIXED + ENTRY_LEN + ID).contains(&pos) {
            assert_eq!(code(unwrap_key(&t, &all[1])), "NO_MATCHING_KEY");
        }
    }
}

#[test]
fn truncation_and_extension_are_rejected() {
    let all = keys();
    let env = wrap_key(&[1u8; 32], &pubs(&all[..2])).unwrap();
    for n in 0..env.len() {
        assert_eq!(
            code(unwrap_key(&env[..n], &all[0])),
            "MALFORMED_INPUT",
            "cut at {n}"
        );
        assert_eq!(
            code(envelope_recipients(&env[..n])),
            "MALFORMED_INPUT",
            "cut at {n}"
        );
    }
    let mut long = env.clone();
    long.push(0);
    assert_eq!(code(unwrap_key(&long, &all[0])), "MALFORMED_INPUT");
    assert_eq!(code(envelope_recipients(&long)), "MALFORMED_INPUT");
}

fn set_count(env: &mut [u8], n: u16) {
    env[11..13].copy_from_slice(&n.to_be_bytes());
}

fn entry(env: &[u8], i: usize) -> Vec<u8> {
    env[FIXED + i * ENTRY_LEN..FIXED + (i + 1) * ENTRY_LEN].to_vec()
}

#[test]
fn recipients_cannot_be_added_removed_or_swapped() {
    let all = keys();
    let key = [7u8; 32];
    let env = wrap_key(&key, &pubs(&all[..3])).unwrap();
    let (e0, e1, e2) = (entry(&env, 0), entry(&env, 1), entry(&env, 2));
    let mac = env[env.len() - MAC..].to_vec();
    let build = |entries: &[&Vec<u8>]| {
        let mut out = env[..FIXED].to_vec();
        set_count(&mut out, entries.len() as u16);
        for e in entries {
            out.extend_from_slice(e);
        }
        out.extend_from_slice(&mac);
        out
    };
    // Unchanged rebuild opens: the helper itself is faithful.
    assert_eq!(*unwrap_key(&build(&[&e0, &e1, &e2]), &all[0]).unwrap(), key);
    // Removing a recipient.
    let removed = build(&[&e0, &e2]);
    assert_eq!(code(unwrap_key(&removed, &all[0])), "DECRYPTION_FAILED");
    assert_eq!(code(unwrap_key(&removed, &all[1])), "NO_MATCHING_KEY");
    // Swapping two entries.
    let swapped = build(&[&e1, &e0, &e2]);
    assert_eq!(code(unwrap_key(&swapped, &all[0])), "DECRYPTION_FAILED");
    assert_eq!(code(unwrap_key(&swapped, &all[1])), "DECRYPTION_FAILED");
    // Duplicating an entry.
    let dup = build(&[&e0, &e1, &e2, &e0]);
    assert_eq!(code(unwrap_key(&dup, &all[0])), "MALFORMED_INPUT");
    assert_eq!(code(envelope_recipients(&dup)), "MALFORMED_INPUT");
    // Adding an entry for another key taken from a different envelope.
    let other = wrap_key(&key, &pubs(&all[3..4])).unwrap();
    let added = build(&[&e0, &e1, &e2, &entry(&other, 0)]);
    assert_eq!(code(unwrap_key(&added, &all[0])), "DECRYPTION_FAILED");
    assert_eq!(code(unwrap_key(&added, &all[3])), "DECRYPTION_FAILED");
    // Replacing our entry with one from an envelope of another data key.
    let other = wrap_key(&[8u8; 32], &pubs(&all[..1])).unwrap();
    let replaced = build(&[&entry(&other, 0), &e1, &e2]);
    assert_eq!(code(unwrap_key(&replaced, &all[0])), "DECRYPTION_FAILED");
    // Moving one recipient's sealed key under another id breaks the HPKE AAD.
    let mut moved = e1.clone();
    moved[..ID].copy_from_slice(&e0[..ID]);
    let mut e0_as_1 = e0.clone();
    e0_as_1[..ID].copy_from_slice(&e1[..ID]);
    let crossed = build(&[&moved, &e0_as_1, &e2]);
    assert_eq!(code(unwrap_key(&crossed, &all[0])), "DECRYPTION_FAILED");
}

#[test]
fn header_fields_are_checked() {
    let all = keys();
    let env = wrap_key(&[3u8; 32], &pubs(&all[..1])).unwrap();
    for v in [0u8, 2, 255] {
        let mut t = env.clone();
        t[4] = v;
        assert_eq!(code(unwrap_key(&t, &all[0])), "UNSUPPORTED");
        assert_eq!(code(envelope_recipients(&t)), "UNSUPPORTED");
    }
    for (at, val) in [(5, 0x0041u16), (7, 0x0011), (9, 0x0003)] {
        let mut t = env.clone();
        t[at..at + 2].copy_from_slice(&val.to_be_bytes());
        assert_eq!(code(unwrap_key(&t, &all[0])), "UNSUPPORTED");
    }
    let mut zero = env.clone();
    set_count(&mut zero, 0);
    assert_eq!(code(envelope_recipients(&zero)), "MALFORMED_INPUT");
    let mut many = env.clone();
    set_count(&mut many, MAX_RECIPIENTS as u16 + 1);
    assert_eq!(code(envelope_recipients(&many)), "LIMIT_EXCEEDED");
    set_count(&mut many, u16::MAX);
    assert_eq!(code(unwrap_key(&many, &all[0])), "LIMIT_EXCEEDED");
    assert_eq!(code(envelope_recipients(b"SWEN")), "MALFORMED_INPUT");
    assert_eq!(code(envelope_recipients(b"")), "MALFORMED_INPUT");
    let mut magic = env.clone();
    magic[..4].copy_from_slice(b"age-");
    assert_eq!(code(envelope_recipients(&magic)), "MALFORMED_INPUT");
}

#[test]
fn wrap_argument_errors() {
    let all = keys();
    let pks = pubs(&all[..2]);
    for len in [0usize, 16, 31, 33, 64] {
        assert_eq!(
            code(wrap_key(&vec![1u8; len], &pks)),
            "INVALID_ARGUMENT",
            "len {len}"
        );
    }
    assert_eq!(code(wrap_key(&[1u8; 32], &[])), "INVALID_ARGUMENT");
    let dup = vec![pks[0].clone(), pks[1].clone(), pks[0].clone()];
    assert_eq!(code(wrap_key(&[1u8; 32], &dup)), "INVALID_ARGUMENT");
    let too_many = vec![pks[0].clone(); MAX_RECIPIENTS + 1];
    assert_eq!(code(wrap_key(&[1u8; 32], &too_many)), "LIMIT_EXCEEDED");
}

#[test]
fn envelopes_are_randomized_and_leak_only_ids() {
    let all = keys();
    let pks = pubs(&all[..1]);
    let a = wrap_key(&[5u8; 32], &pks).unwrap();
    let b = wrap_key(&[5u8; 32], &pks).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        envelope_recipients(&a).unwrap(),
        envelope_recipients(&b).unwrap()
    );
    assert!(!a.windows(32).any(|w| w == [5u8; 32]));
}

#[test]
fn public_key_encodings() {
    let sk = &keys()[0];
    let pk = sk.public_key();
    let bytes = pk.to_bytes();
    assert_eq!(bytes.len(), PUBLIC_KEY_LEN);
    assert_eq!(WrapPublicKey::from_bytes(&bytes).unwrap(), pk);
    assert_eq!(
        WrapPublicKey::from_xwing_bytes(pk.as_xwing_bytes()).unwrap(),
        pk
    );
    let text = pk.to_text();
    assert!(text.starts_with("signet-wrap-pub1:"));
    assert_eq!(WrapPublicKey::from_text(&text).unwrap(), pk);
    assert_eq!(WrapPublicKey::from_text(&format!(" {text}\n")).unwrap(), pk);
    assert_eq!(pk.id(), sk.id());
    assert_eq!(pk.id().to_hex().len(), 32);
    assert_eq!(format!("{}", pk.id()), pk.id().to_hex());
    assert_ne!(pk.id(), keys()[1].id());

    for n in 0..bytes.len() {
        assert_eq!(
            code(WrapPublicKey::from_bytes(&bytes[..n])),
            "MALFORMED_INPUT",
            "cut {n}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(code(WrapPublicKey::from_bytes(&long)), "MALFORMED_INPUT");
    let mut t = bytes.clone();
    t[0] ^= 1;
    assert_eq!(code(WrapPublicKey::from_bytes(&t)), "MALFORMED_INPUT");
    let mut t = bytes.clone();
    t[4] = 2;
    assert_eq!(code(WrapPublicKey::from_bytes(&t)), "UNSUPPORTED");
    let mut t = bytes.clone();
    t[6] ^= 1;
    assert_eq!(code(WrapPublicKey::from_bytes(&t)), "UNSUPPORTED");
    // An unreduced ML-KEM coefficient (0xfff) fails the FIPS 203 modulus check.
    let mut t = bytes.clone();
    t[7] = 0xff;
    t[8] |= 0x0f;
    assert_eq!(code(WrapPublicKey::from_bytes(&t)), "MALFORMED_INPUT");

    assert_eq!(
        code(WrapPublicKey::from_text("signet-wrap-pub2:AAAA")),
        "MALFORMED_INPUT"
    );
    assert_eq!(
        code(WrapPublicKey::from_text("signet-wrap-pub1:@@@@")),
        "MALFORMED_INPUT"
    );
    assert_eq!(
        code(WrapPublicKey::from_text(&text[..text.len() - 4])),
        "MALFORMED_INPUT"
    );
    assert_eq!(
        code(WrapPublicKey::from_text(&format!("{text}AAAA"))),
        "MALFORMED_INPUT"
    );
    let huge = format!("signet-wrap-pub1:{}", "A".repeat(10_000_000));
    assert_eq!(code(WrapPublicKey::from_text(&huge)), "MALFORMED_INPUT");
}

/// One run with the production Argon2 parameters (m = 64 MiB, t = 3).
#[test]
fn protected_export_with_default_params() {
    let sk = &keys()[0];
    let blob = sk.export_protected(b"passphrase 1").unwrap();
    let back = WrapSecretKey::import_protected(&blob, b"passphrase 1").unwrap();
    assert_eq!(back.public_key(), sk.public_key());
    let env = wrap_key(&[6u8; 32], &[sk.public_key()]).unwrap();
    assert_eq!(*unwrap_key(&env, &back).unwrap(), [6u8; 32]);
    assert_eq!(
        code(WrapSecretKey::import_protected(&blob, b"passphrase 2")),
        "BAD_PASSPHRASE"
    );
    // Default parameters are recorded in the blob (m = 65536 KiB, t = 3, p = 1).
    assert_eq!(&blob[23..35], &[0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes, and arbitrary bodies behind a valid header of the right
    /// length, give typed errors and never panic.
    #[test]
    fn arbitrary_input_is_an_error_not_a_panic(
        noise in proptest::collection::vec(any::<u8>(), 0..3000),
        n in 1u16..=2,
        body_seed in any::<u64>(),
    ) {
        let sk = &keys()[0];
        prop_assert!(unwrap_key(&noise, sk).is_err());
        prop_assert!(envelope_recipients(&noise).is_err());
        prop_assert!(WrapPublicKey::from_bytes(&noise).is_err());
        prop_assert!(WrapSecretKey::import_protected(&noise[..noise.len().min(50)], b"pw").is_err());
        let mut env = b"SWEN\x01\x64\x7a\x00\x01\x00\x02".to_vec();
        env.extend_from_slice(&n.to_be_bytes());
        let mut x = body_seed;
        while env.len() < envelope_len(n as usize) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            env.push((x >> 56) as u8);
        }
        let err = unwrap_key(&env, sk).unwrap_err().code();
        prop_assert_eq!(err, "NO_MATCHING_KEY");
        // Our own id in front of garbage: the entry fails to authenticate.
        env[FIXED..FIXED + ID].copy_from_slice(sk.id().as_bytes());
        prop_assert_eq!(unwrap_key(&env, sk).unwrap_err().code(), "DECRYPTION_FAILED");
    }
}
