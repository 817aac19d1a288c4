//! Key slots of the notes vault (recovery code, passkey PRF, office escrow)
//! through the public API, on the memory store. The tamper and crash loops that
//! cover slot operations are in `tests/notes_vault.rs`.

use std::collections::BTreeMap;

use pollster::block_on;
use signet_crypto::notes::{
    MemoryStore, NoteInput, SlotKind, Unlock, Vault, RECOVERY_CODE_BITS, ROOT_PREFIX,
};
use signet_crypto::wrap::WrapSecretKey;

mod notes_common;
use notes_common::{opts, FAST};

fn open(store: &MemoryStore, u: Unlock<'_>) -> signet_crypto::Result<Vault<MemoryStore>> {
    block_on(Vault::open_with(store.clone(), u, opts()))
}

fn code<T>(r: signet_crypto::Result<T>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn titles(v: &Vault<MemoryStore>) -> Vec<String> {
    let mut t: Vec<String> = v.list().unwrap().iter().map(|s| s.title.clone()).collect();
    t.sort();
    t
}

fn put(v: &Vault<MemoryStore>, title: &str) {
    let mut n = NoteInput::default();
    n.title = title.into();
    block_on(v.put(n)).unwrap();
}

const PASS: Unlock<'static> = Unlock::Passphrase(b"correct horse");

fn vault_with_note() -> (MemoryStore, Vault<MemoryStore>) {
    let store = MemoryStore::new();
    let v = block_on(Vault::create_with_weak_kdf_for_tests(
        store.clone(),
        b"correct horse",
        FAST,
        opts(),
    ))
    .unwrap();
    put(&v, "first");
    (store, v)
}

/// The record keys whose revision is above `counter` (written by later changes).
fn newer_than(snap: &BTreeMap<String, Vec<u8>>, counter: u64) -> BTreeMap<String, Vec<u8>> {
    snap.iter()
        .filter(|(k, _)| {
            u64::from_str_radix(k.rsplit('/').next().unwrap(), 16).is_ok_and(|r| r > counter)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn a_recovery_code_opens_the_vault_and_sets_a_new_passphrase() {
    let (store, v) = vault_with_note();
    let (id, rc) = block_on(v.add_recovery_code("paper in the drawer")).unwrap();
    const { assert!(RECOVERY_CODE_BITS >= 128) };
    assert_eq!(rc.split('-').count(), 7);
    let slots = v.slots().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0].kind, SlotKind::Passphrase);
    assert_eq!(
        (slots[1].id.as_str(), slots[1].kind, slots[1].label.as_str()),
        (id.as_str(), SlotKind::RecoveryCode, "paper in the drawer")
    );
    assert!(slots[1].created.is_some());
    // The code opens; typed in lower case with spaces it still does.
    let typed = rc.to_lowercase().replace('-', " ");
    let r = open(&store, Unlock::RecoveryCode(&typed)).unwrap();
    assert_eq!(titles(&r), ["first"]);
    // Without the passphrase's key the vault cannot rotate, until a new one is set.
    assert_eq!(code(block_on(r.rotate_keys())), "INVALID_ARGUMENT");
    assert_eq!(code(block_on(r.remove_slot(&id))), "INVALID_ARGUMENT");
    put(&r, "written after recovery");
    block_on(r.set_passphrase(b"new passphrase")).unwrap();
    assert_eq!(code(open(&store, PASS)), "BAD_PASSPHRASE");
    let n = open(&store, Unlock::Passphrase(b"new passphrase")).unwrap();
    assert_eq!(titles(&n), ["first", "written after recovery"]);
    assert_eq!(code(block_on(n.set_passphrase(b"x"))), "INVALID_ARGUMENT");
    // The code survived the rotation.
    assert_eq!(
        titles(&open(&store, Unlock::RecoveryCode(&rc)).unwrap()).len(),
        2
    );
}

#[test]
fn a_mistyped_group_is_invalid_argument_before_storage_is_read() {
    let (store, v) = vault_with_note();
    let (_, rc) = block_on(v.add_recovery_code("")).unwrap();
    let mut chars: Vec<char> = rc.chars().collect();
    chars[7] = if chars[7] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.into_iter().collect();
    // Even with no vault at all: the code is checked first.
    let empty = MemoryStore::new();
    let e = open(&empty, Unlock::RecoveryCode(&typo)).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert!(e.to_string().contains("group 2"), "{e}");
    assert_eq!(
        code(open(&store, Unlock::RecoveryCode("1234"))),
        "INVALID_ARGUMENT"
    );
    // A well-formed code of another vault is a wrong secret.
    let (_, other) = block_on(vault_with_note().1.add_recovery_code("")).unwrap();
    assert_eq!(
        code(open(&store, Unlock::RecoveryCode(&other))),
        "BAD_PASSPHRASE"
    );
}

#[test]
fn replacing_the_recovery_code_revokes_the_old_one() {
    let (store, v) = vault_with_note();
    let (old_id, old) = block_on(v.add_recovery_code("first code")).unwrap();
    let before = store.snapshot();
    let counter = v.manifest_counter().unwrap();
    let (new_id, new) = block_on(v.add_recovery_code("second code")).unwrap();
    assert_ne!(old_id, new_id);
    let kinds: Vec<SlotKind> = v.slots().unwrap().iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SlotKind::Passphrase, SlotKind::RecoveryCode]);
    assert_eq!(
        code(open(&store, Unlock::RecoveryCode(&old))),
        "BAD_PASSPHRASE"
    );
    assert!(open(&store, Unlock::RecoveryCode(&new)).is_ok());
    // The vault key rotated: the old root (which the old code opens) beside what
    // was written after opens nothing new.
    put(&v, "secret after");
    let mut mixed = before.clone();
    mixed.extend(newer_than(&store.snapshot(), counter));
    mixed.retain(|k, _| !k.starts_with(ROOT_PREFIX) || before.contains_key(k));
    let m = MemoryStore::new();
    m.restore(mixed);
    match open(&m, Unlock::RecoveryCode(&old)) {
        Ok(o) => assert_eq!(titles(&o), ["first"]),
        Err(e) => assert_eq!(e.code(), "TAMPERED"),
    }
}

#[test]
fn escrow_opens_with_the_office_key_and_shows_its_id() {
    let (store, v) = vault_with_note();
    let office = WrapSecretKey::generate();
    let id = block_on(v.add_escrow(&office.public_key(), "Sở Nội vụ")).unwrap();
    let s = v.slots().unwrap();
    assert_eq!(s[1].id, id);
    assert_eq!(s[1].kind, SlotKind::Escrow);
    assert_eq!(
        s[1].wrap_public_key_id.as_deref(),
        Some(office.id().to_hex().as_str())
    );
    assert_eq!(
        code(block_on(v.add_escrow(&office.public_key(), "again"))),
        "INVALID_ARGUMENT"
    );
    let e = open(&store, Unlock::Escrow(&office)).unwrap();
    assert_eq!(titles(&e), ["first"]);
    block_on(e.set_passphrase(b"set by the office")).unwrap();
    assert!(open(&store, Unlock::Passphrase(b"set by the office")).is_ok());
    let stranger = WrapSecretKey::generate();
    assert_eq!(
        code(open(&store, Unlock::Escrow(&stranger))),
        "NO_MATCHING_KEY"
    );
    // Storage learns nothing it could wrap to: public keys sit in the root's
    // ciphertext, only the envelope (with the key id) is in the clear.
    let root = store
        .snapshot()
        .into_iter()
        .find(|(k, _)| k.starts_with(ROOT_PREFIX))
        .unwrap()
        .1;
    let pk = office.public_key().to_bytes();
    assert!(!root.windows(64).any(|w| w == &pk[8..72]));
}

#[test]
fn passkey_slots_open_with_their_prf_output_only() {
    let (store, v) = vault_with_note();
    let prf = [7u8; 32];
    let salt = [9u8; 32];
    let id = block_on(v.add_passkey(b"cred-1", salt, &prf, "phone")).unwrap();
    block_on(v.add_passkey(b"cred-2", [1; 32], &[8u8; 32], "laptop")).unwrap();
    let req = block_on(Vault::passkey_requests(&store)).unwrap();
    assert_eq!(req.len(), 2);
    assert_eq!(
        (req[0].credential_id.as_slice(), req[0].prf_salt),
        (&b"cred-1"[..], salt)
    );
    let pk = |out: &[u8]| {
        code(open(
            &store,
            Unlock::Passkey {
                credential_id: b"cred-1",
                prf_output: out,
            },
        ))
    };
    assert_eq!(pk(&prf), "OK");
    assert_eq!(pk(&[8u8; 32]), "OK", "the other passkey's output");
    assert_eq!(pk(&[6u8; 32]), "NO_MATCHING_KEY", "a wrong credential");
    assert_eq!(pk(&[6u8; 31]), "INVALID_ARGUMENT");
    assert_eq!(
        code(block_on(v.add_passkey(b"", salt, &prf, ""))),
        "INVALID_ARGUMENT"
    );
    block_on(v.remove_slot(&id)).unwrap();
    assert_eq!(pk(&prf), "NO_MATCHING_KEY", "a removed slot");
    assert_eq!(block_on(Vault::passkey_requests(&store)).unwrap().len(), 1);
}

#[test]
fn slots_survive_rotation_and_removal_rules_hold() {
    let (store, v) = vault_with_note();
    let (_, rc) = block_on(v.add_recovery_code("")).unwrap();
    let office = WrapSecretKey::generate();
    let eid = block_on(v.add_escrow(&office.public_key(), "office")).unwrap();
    block_on(v.change_passphrase(b"correct horse", b"second")).unwrap();
    block_on(v.rotate_keys()).unwrap();
    put(&v, "after rotation");
    for u in [
        Unlock::Passphrase(b"second"),
        Unlock::RecoveryCode(&rc),
        Unlock::Escrow(&office),
    ] {
        assert_eq!(
            titles(&open(&store, u).unwrap()),
            ["after rotation", "first"]
        );
    }
    assert_eq!(
        code(block_on(v.remove_slot("passphrase"))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(block_on(v.remove_slot("0011223344556677"))),
        "NOT_FOUND"
    );
    block_on(v.remove_slot(&eid)).unwrap();
    assert_eq!(
        code(open(&store, Unlock::Escrow(&office))),
        "NO_MATCHING_KEY"
    );
    assert_eq!(v.slots().unwrap().len(), 2);
    // A label too long and too many slots are refused.
    assert_eq!(
        code(block_on(
            v.add_escrow(&office.public_key(), &"x".repeat(129))
        )),
        "INVALID_ARGUMENT"
    );
    // Backups carry the slots.
    let backup = block_on(v.export_backup()).unwrap();
    let t = MemoryStore::new();
    block_on(Vault::import_backup(t.clone(), &backup, b"second", opts())).unwrap();
    assert!(open(&t, Unlock::RecoveryCode(&rc)).is_ok());
    v.lock();
    assert_eq!(code(v.slots()), "LOCKED");
}

#[test]
fn at_most_max_slots() {
    let (_, v) = vault_with_note();
    for i in 0..signet_crypto::notes::MAX_SLOTS {
        block_on(v.add_passkey(&[i as u8 + 1], [0; 32], &[i as u8; 32], "")).unwrap();
    }
    assert_eq!(
        code(block_on(v.add_passkey(b"one more", [0; 32], &[99; 32], ""))),
        "LIMIT_EXCEEDED"
    );
}

/// The slot table inside the root record, as `docs/vault-format.md` lays it out:
/// (start, end) of each slot, after the count byte at offset 117.
fn slot_spans(root: &[u8]) -> Vec<(usize, usize)> {
    let n = root[117] as usize;
    let mut at = 118;
    let mut out = Vec::new();
    for _ in 0..n {
        let start = at;
        at += 8 + 1 + 8;
        at += 1 + root[at] as usize;
        at += 2 + u16::from_be_bytes([root[at], root[at + 1]]) as usize;
        at += 32;
        at += 2 + u16::from_be_bytes([root[at], root[at + 1]]) as usize;
        out.push((start, at));
    }
    out
}

/// Dropping, swapping, duplicating or changing slots inside the root is TAMPERED
/// whichever secret opens it.
#[test]
fn slot_table_edits_inside_the_root_are_tampered() {
    let (store, v) = vault_with_note();
    let (_, rc) = block_on(v.add_recovery_code("code")).unwrap();
    let office = WrapSecretKey::generate();
    block_on(v.add_escrow(&office.public_key(), "office")).unwrap();
    let snap = store.snapshot();
    let (rk, root) = snap
        .iter()
        .find(|(k, _)| k.starts_with(ROOT_PREFIX))
        .unwrap();
    let spans = slot_spans(root);
    assert_eq!(spans.len(), 2);
    let (a, b) = (spans[0], spans[1]);
    let body = &root[b.1..];
    let with_table = |slots: &[&[u8]]| {
        let mut r = root[..117].to_vec();
        r.push(slots.len() as u8);
        for s in slots {
            r.extend_from_slice(s);
        }
        r.extend_from_slice(body);
        r
    };
    let (sa, sb) = (&root[a.0..a.1], &root[b.0..b.1]);
    let mut cases = vec![
        ("drop first", with_table(&[sb])),
        ("drop second", with_table(&[sa])),
        ("swap", with_table(&[sb, sa])),
        ("duplicate", with_table(&[sa, sb, sb])),
    ];
    for i in (a.0..b.1).step_by(7) {
        let mut r = root.clone();
        r[i] ^= 0x40;
        cases.push(("flip", r));
    }
    for (name, bad) in cases {
        let mut s = snap.clone();
        s.insert(rk.clone(), bad);
        store.restore(s);
        for u in [PASS, Unlock::RecoveryCode(&rc), Unlock::Escrow(&office)] {
            // The passphrase opens the header, then the root fails; a slot
            // secret may also find its own slot changed out of recognition.
            let allowed: &[&str] = match u {
                Unlock::Passphrase(_) => &["TAMPERED"],
                _ => &["TAMPERED", "BAD_PASSPHRASE", "NO_MATCHING_KEY"],
            };
            let got = code(open(&store, u));
            assert!(allowed.contains(&got), "{name}: {got}");
        }
    }
}
