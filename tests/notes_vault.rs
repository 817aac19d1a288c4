//! Native tests of the notes vault through its public API, on the memory store.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::rc::Rc;

use pollster::block_on;
use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{
    MemoryStore, NoteId, NoteInput, Op, OpenOptions, Store, Unlock, Vault, NOTE_PREFIX,
    ROOT_PREFIX, SHARD_PREFIX,
};

mod notes_common;
use notes_common::{opts, FAST};

/// The key of the (single) root record in `snap`.
fn root_of(snap: &BTreeMap<String, Vec<u8>>) -> String {
    let roots: Vec<_> = snap.keys().filter(|k| k.starts_with(ROOT_PREFIX)).collect();
    assert_eq!(roots.len(), 1, "one root: {roots:?}");
    roots[0].clone()
}

fn note(title: &str, body: &str, tags: &[&str]) -> NoteInput {
    NoteInput {
        id: None,
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

fn new_vault(store: &MemoryStore, pass: &str) -> Vault<MemoryStore> {
    block_on(Vault::create_with_weak_kdf_for_tests(
        store.clone(),
        pass.as_bytes(),
        FAST,
        opts(),
    ))
    .unwrap()
}

fn open(store: &MemoryStore, pass: &str) -> signet_crypto::Result<Vault<MemoryStore>> {
    block_on(Vault::open(store.clone(), pass.as_bytes(), opts()))
}

fn code<T>(r: signet_crypto::Result<T>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn note_keys(store: &MemoryStore) -> Vec<String> {
    store
        .snapshot()
        .keys()
        .filter(|k| k.starts_with(NOTE_PREFIX))
        .cloned()
        .collect()
}

fn key_of(store: &MemoryStore, id: &NoteId) -> String {
    let prefix = format!("{NOTE_PREFIX}{id}/");
    let keys: Vec<_> = note_keys(store)
        .into_iter()
        .filter(|k| k.starts_with(&prefix))
        .collect();
    assert_eq!(keys.len(), 1, "one record per note: {keys:?}");
    keys[0].clone()
}

/// A vault with three notes; returns the store and the ids.
fn populated() -> (MemoryStore, Vec<NoteId>) {
    let store = MemoryStore::new();
    let v = new_vault(&store, "correct horse");
    let ids = vec![
        block_on(v.put(note("Họp ở Hà Nội", "Mang hồ sơ", &["công việc"]))).unwrap(),
        block_on(v.put(note("Shopping", "milk, eggs", &["home"]))).unwrap(),
        block_on(v.put(note("Ideas", "a vault for notes", &[]))).unwrap(),
    ];
    (store, ids)
}

#[test]
fn create_put_get_list_search_delete_reopen() {
    let store = MemoryStore::new();
    let v = new_vault(&store, "pw one");
    assert_eq!(v.len().unwrap(), 0);
    let a = block_on(v.put(note("Họp ở Hà Nội", "Mang theo hồ sơ", &["Công việc"]))).unwrap();
    let b = block_on(v.put(note("Groceries", "milk", &["home"]))).unwrap();
    assert_ne!(a, b);
    let na = v.get(&a).unwrap();
    assert_eq!(na.title, "Họp ở Hà Nội");
    assert_eq!(na.body, "Mang theo hồ sơ");
    assert_eq!(na.tags, vec!["Công việc".to_string()]);
    assert!(na.created > 0 && na.updated == na.created);

    // Newest first.
    let list = v.list().unwrap();
    assert_eq!(list.iter().map(|s| s.id).collect::<Vec<_>>(), vec![b, a]);

    // Case and diacritic insensitive; tags are searched too, bodies on request.
    let ids = |found: Vec<signet_crypto::notes::NoteSummary>| {
        found.iter().map(|s| s.id).collect::<Vec<_>>()
    };
    let hits = |q: &str| ids(v.search(q).unwrap());
    assert_eq!(hits("ha noi"), vec![a]);
    assert_eq!(hits("HÀ NỘI"), vec![a]);
    assert_eq!(hits("cong viec"), vec![a]);
    assert!(hits("MILK").is_empty(), "bodies are not searched");
    assert!(hits("hồ sơ").is_empty());
    let in_bodies = |q: &str| ids(v.search_bodies(q).unwrap());
    assert_eq!(in_bodies("MILK"), vec![b]);
    assert_eq!(in_bodies("hồ sơ"), vec![a]);
    assert_eq!(
        in_bodies("ho so ha noi"),
        vec![a],
        "terms across title and body"
    );
    assert!(in_bodies("hô sơ").is_empty());
    assert_eq!(in_bodies("").len(), 2);
    assert!(hits("hả").is_empty());
    assert!(hits("milk hanoi").is_empty());
    assert_eq!(hits("").len(), 2);

    // Update keeps the id and creation time.
    let mut upd = note("Groceries", "milk, bread", &["home"]);
    upd.id = Some(b);
    assert_eq!(block_on(v.put(upd)).unwrap(), b);
    let nb = v.get(&b).unwrap();
    assert_eq!(nb.body, "milk, bread");
    assert!(nb.updated > nb.created);
    assert_eq!(note_keys(&store).len(), 2, "old revision deleted");

    block_on(v.delete(&a)).unwrap();
    assert_eq!(code(v.get(&a)), "NOT_FOUND");
    assert_eq!(code(block_on(v.delete(&a))), "NOT_FOUND");
    let counter = v.manifest_counter().unwrap();

    let v2 = open(&store, "pw one").unwrap();
    assert_eq!(v2.len().unwrap(), 1);
    assert_eq!(v2.get(&b).unwrap().body, "milk, bread");
    assert_eq!(v2.manifest_counter().unwrap(), counter);
    assert_eq!(code(v2.get(&a)), "NOT_FOUND");
}

#[test]
fn storage_holds_no_plaintext_and_only_size_buckets() {
    let store = MemoryStore::new();
    let v = new_vault(&store, "pw");
    let short = block_on(v.put(note("t", "x", &[]))).unwrap();
    let longer = block_on(v.put(note("Mật khẩu wifi", &"y".repeat(150), &["secret-tag"]))).unwrap();
    let big = block_on(v.put(note("big", &"z".repeat(300), &[]))).unwrap();
    let snap = store.snapshot();
    for (k, val) in &snap {
        for needle in [&b"wifi"[..], b"secret-tag", b"yyyyyyyy", b"zzzzzzzz"] {
            assert!(
                !val.windows(needle.len()).any(|w| w == needle),
                "plaintext in {k}"
            );
            assert!(!k.as_bytes().windows(needle.len()).any(|w| w == needle));
        }
    }
    let len = |id: &NoteId| snap[&key_of(&store, id)].len();
    assert_eq!(len(&short), len(&longer), "same 256-byte bucket");
    assert!(len(&big) > len(&short), "next bucket");
}

#[test]
fn shards_show_a_size_bucket_not_title_lengths() {
    let store = MemoryStore::new();
    let v = new_vault(&store, "pw");
    let id = block_on(v.put(note("t", "x", &[]))).unwrap();
    // The one live shard record holding `id`, and its length.
    let shard_len = || {
        let prefix = format!("{SHARD_PREFIX}{:02x}/", id.0[0]);
        let snap = store.snapshot();
        let live: Vec<_> = snap
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .collect();
        assert_eq!(live.len(), 1, "{live:?}");
        live[0].1.len()
    };
    let edit = |title: &str, tags: &[&str]| {
        let mut n = note(title, "x", tags);
        n.id = Some(id);
        block_on(v.put(n)).unwrap();
        shard_len()
    };
    let first = shard_len();
    assert_eq!(
        edit("Một tiêu đề dài hơn nhiều", &["thẻ"]),
        first,
        "same size"
    );
    assert_eq!(
        edit(&"t".repeat(150), &[]),
        first,
        "still the 256-byte minimum"
    );
    // Sixteen title lengths in a row above it: at most two shard sizes (Padmé
    // rounds to 16 bytes here), where unpadded shards would show sixteen.
    let sizes: std::collections::BTreeSet<usize> =
        (300..316).map(|n| edit(&"t".repeat(n), &[])).collect();
    assert!(sizes.len() <= 2, "{sizes:?}");
    assert!(sizes.iter().all(|&s| s > first), "{sizes:?}");
    drop(v);
    open(&store, "pw").unwrap();
}

#[test]
fn wrong_passphrase_and_locked_and_argument_errors() {
    let (store, ids) = populated();
    assert_eq!(code(open(&store, "Correct horse")), "BAD_PASSPHRASE");
    assert_eq!(code(open(&store, "")), "BAD_PASSPHRASE");
    assert_eq!(code(open(&MemoryStore::new(), "x")), "NOT_FOUND");

    let v = open(&store, "correct horse").unwrap();
    v.lock();
    assert!(v.is_locked());
    assert_eq!(code(v.get(&ids[0])), "LOCKED");
    assert_eq!(code(v.list()), "LOCKED");
    assert_eq!(code(v.search("a")), "LOCKED");
    assert_eq!(code(block_on(v.put(note("a", "b", &[])))), "LOCKED");
    assert_eq!(code(block_on(v.delete(&ids[0]))), "LOCKED");
    assert_eq!(code(block_on(v.export_backup())), "LOCKED");
    assert_eq!(
        code(block_on(v.change_passphrase(b"correct horse", b"x"))),
        "LOCKED"
    );

    // Creating over an existing vault, weak KDF, empty passphrase.
    assert_eq!(
        code(block_on(Vault::create(
            store.clone(),
            b"pw",
            KdfParams::default(),
            opts()
        ))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(block_on(Vault::create(
            MemoryStore::new(),
            b"pw",
            FAST,
            opts()
        ))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(block_on(Vault::create_with_weak_kdf_for_tests(
            MemoryStore::new(),
            b"",
            FAST,
            opts()
        ))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(code("nothex".parse::<NoteId>()), "INVALID_ARGUMENT");
    let v = open(&store, "correct horse").unwrap();
    assert_eq!(
        code(block_on(v.put(note(
            "t",
            &"b".repeat(signet_crypto::notes::MAX_BODY + 1),
            &[]
        )))),
        "LIMIT_EXCEEDED"
    );
}

#[test]
fn every_byte_flip_in_a_note_record_is_tampered() {
    let (store, ids) = populated();
    let key = key_of(&store, &ids[1]);
    let orig = store.snapshot();
    let rec = orig[&key].clone();
    // Open checks the record's id and revision (bytes 0..29); the rest is
    // authenticated when the note is read (format 4 opens without decrypting).
    let read = |store: &MemoryStore| -> &'static str {
        let v = match open(store, "correct horse") {
            Ok(v) => v,
            Err(e) => return e.code(),
        };
        for id in &ids {
            if let Err(e) = v.get(id) {
                return e.code();
            }
        }
        code(v.search_bodies("x"))
    };
    for i in 0..rec.len() {
        let mut snap = orig.clone();
        snap.get_mut(&key).unwrap()[i] ^= 0x01;
        store.restore(snap);
        assert_eq!(read(&store), "TAMPERED", "byte {i}");
        if i >= 29 {
            let v = open(&store, "correct horse").unwrap();
            assert_eq!(v.list().unwrap().len(), ids.len(), "listed from the shard");
            assert_eq!(code(v.get(&ids[1])), "TAMPERED");
            assert_eq!(code(v.search_bodies("")), "OK", "nothing to decrypt");
            assert_eq!(code(v.search_bodies("x")), "TAMPERED");
            let office = signet_crypto::wrap::WrapSecretKey::generate();
            assert_eq!(
                code(v.share_note(&ids[1], &[office.public_key()])),
                "TAMPERED"
            );
            assert_eq!(code(block_on(v.rotate_keys())), "TAMPERED");
            assert_eq!(code(block_on(v.export_backup())), "TAMPERED");
        }
    }
    // Truncated and extended records too.
    for cut in [0, 1, 5, 29, rec.len() - 1] {
        let mut snap = orig.clone();
        snap.insert(key.clone(), rec[..cut].to_vec());
        store.restore(snap);
        assert_eq!(read(&store), "TAMPERED", "cut {cut}");
    }
    store.restore(orig);
    assert_eq!(read(&store), "OK");
}

#[test]
fn swapped_deleted_and_rolled_back_notes_are_tampered() {
    let (store, ids) = populated();
    let orig = store.snapshot();
    let (ka, kb) = (key_of(&store, &ids[0]), key_of(&store, &ids[1]));

    // Swap two notes' records.
    let mut snap = orig.clone();
    let (ra, rb) = (snap[&ka].clone(), snap[&kb].clone());
    snap.insert(ka.clone(), rb);
    snap.insert(kb.clone(), ra.clone());
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");

    // Copy one note's record over another's (duplicate).
    let mut snap = orig.clone();
    snap.insert(kb.clone(), ra);
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");

    // Delete a note's record while the manifest lists it.
    let mut snap = orig.clone();
    snap.remove(&ka);
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");

    // Roll one note back to an older revision (old bytes under the current key).
    store.restore(orig.clone());
    let v = open(&store, "correct horse").unwrap();
    let mut upd = note("Shopping", "milk, eggs, rice", &["home"]);
    upd.id = Some(ids[1]);
    block_on(v.put(upd)).unwrap();
    let kb2 = key_of(&store, &ids[1]);
    assert_ne!(kb, kb2);
    let mut snap = store.snapshot();
    snap.insert(kb2.clone(), orig[&kb].clone());
    store.restore(snap.clone());
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");
    // ... or old bytes under the old key, current record gone.
    snap.remove(&kb2);
    snap.insert(kb.clone(), orig[&kb].clone());
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");
}

#[test]
fn root_tampering_and_rollback() {
    let (store, ids) = populated();
    let orig = store.snapshot();
    let root = root_of(&orig);

    // Header part of the root: any change is refused; which error depends on the
    // field (the wrapped key cannot tell a changed header from a wrong passphrase).
    let hlen = 109;
    for i in 0..orig[&root].len() {
        let mut snap = orig.clone();
        snap.get_mut(&root).unwrap()[i] ^= 0x01;
        store.restore(snap);
        let c = code(open(&store, "correct horse"));
        let allowed: &[&str] = if i < hlen {
            &[
                "BAD_PASSPHRASE",
                "TAMPERED",
                "UNSUPPORTED",
                "LIMIT_EXCEEDED",
                "MALFORMED_INPUT",
            ]
        } else {
            &["TAMPERED"]
        };
        assert!(allowed.contains(&c), "root byte {i}: {c}");
    }
    for cut in [0, 50, 108, 109, 116, 200, orig[&root].len() - 1] {
        let mut snap = orig.clone();
        snap.get_mut(&root).unwrap().truncate(cut);
        store.restore(snap);
        assert_eq!(code(open(&store, "correct horse")), "TAMPERED", "cut {cut}");
    }
    let mut snap = orig.clone();
    snap.remove(&root);
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");

    // An older root in place of the newest: its shard revision is gone.
    store.restore(orig.clone());
    let v = open(&store, "correct horse").unwrap();
    let mut upd = note("Ideas", "changed", &[]);
    upd.id = Some(ids[2]);
    block_on(v.put(upd)).unwrap();
    let seen = v.manifest_counter().unwrap();
    assert!(seen > 4);
    let newest = store.snapshot();
    let new_root = root_of(&newest);
    let mut snap = newest.clone();
    snap.remove(&new_root);
    snap.insert(root.clone(), orig[&root].clone());
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");
    // The old root put back beside the newest one: the newest wins (and the old
    // one is collected).
    let mut snap = newest.clone();
    snap.insert(root.clone(), orig[&root].clone());
    store.restore(snap);
    let w = open(&store, "correct horse").unwrap();
    assert_eq!(w.get(&ids[2]).unwrap().body, "changed");
    assert_eq!(store.snapshot(), newest);
    drop((v, w));

    // Whole-store rollback is invisible from inside the store...
    store.restore(orig.clone());
    let old = open(&store, "correct horse").unwrap();
    assert_eq!(old.get(&ids[2]).unwrap().body, "a vault for notes");
    // ...but caught with the counter the embedder kept elsewhere.
    let with_min = OpenOptions {
        min_manifest_counter: seen,
        ..opts()
    };
    assert_eq!(
        code(block_on(Vault::open(
            store.clone(),
            b"correct horse",
            with_min
        ))),
        "TAMPERED"
    );
}

#[test]
fn kdf_params_over_the_caps_are_limit_exceeded() {
    let (store, _) = populated();
    let orig = store.snapshot();
    // Root layout starts with the header: magic(4) version(1) vault id(16) m(4) t(4) p(4) ...
    for (offset, value) in [
        (21, KdfParams::MAX_MEMORY_KIB + 1),
        (25, KdfParams::MAX_ITERATIONS + 1),
        (29, KdfParams::MAX_PARALLELISM + 1),
    ] {
        let mut snap = orig.clone();
        let root = root_of(&snap);
        snap.get_mut(&root).unwrap()[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
        store.restore(snap);
        assert_eq!(code(open(&store, "correct horse")), "LIMIT_EXCEEDED");
    }
}

#[test]
fn change_passphrase_rotates_the_vault_key() {
    let (store, ids) = populated();
    let v = open(&store, "correct horse").unwrap();
    let before: BTreeMap<_, _> = store.snapshot();
    let old_backup = block_on(v.export_backup()).unwrap();
    assert_eq!(
        code(block_on(v.change_passphrase(b"wrong", b"new pass"))),
        "BAD_PASSPHRASE"
    );
    assert_eq!(store.snapshot(), before, "nothing written on failure");
    block_on(v.change_passphrase(b"correct horse", b"new pass")).unwrap();
    let after = store.snapshot();
    // Every record is new: notes sealed again, shards and root under the new key.
    for k in before.keys() {
        assert!(!after.contains_key(k), "{k} survived the rotation");
    }
    assert_eq!(after.len(), before.len());
    assert_eq!(code(open(&store, "correct horse")), "BAD_PASSPHRASE");
    let v2 = open(&store, "new pass").unwrap();
    assert_eq!(v2.get(&ids[1]).unwrap().body, "milk, eggs");
    // Written after the change:
    let secret = block_on(v2.put(note("after", "written after the change", &[]))).unwrap();
    let now = store.snapshot();

    // The old root (header) with the old passphrase opens nothing written after.
    let mut snap = now.clone();
    snap.remove(&root_of(&now));
    let old_root = root_of(&before);
    snap.insert(old_root.clone(), before[&old_root].clone());
    store.restore(snap);
    assert_eq!(code(open(&store, "correct horse")), "TAMPERED");
    // The old backup with the old passphrase restores what it held, nothing newer.
    let restored = MemoryStore::new();
    let r = block_on(Vault::import_backup(
        restored.clone(),
        &old_backup,
        b"correct horse",
        opts(),
    ))
    .unwrap();
    assert_eq!(r.len().unwrap(), 3);
    assert_eq!(code(r.get(&secret)), "NOT_FOUND");
    // The new note's record does not open under the old keys: put it into the
    // restored (old-key) vault's store in place of a note it lists.
    let (new_key, new_rec) = now
        .iter()
        .find(|(k, _)| k.contains(&secret.to_string()))
        .unwrap();
    let mut snap = restored.snapshot();
    let victim = key_of(&restored, &ids[0]);
    snap.insert(victim.clone(), new_rec.clone());
    snap.insert(new_key.clone(), new_rec.clone());
    restored.restore(snap);
    assert_eq!(code(open(&restored, "correct horse")), "TAMPERED");

    // The still-open vault keeps working, and rotates again on its own.
    store.restore(now);
    block_on(v2.change_passphrase(b"new pass", b"third")).unwrap();
    let before_rotate = store.snapshot();
    block_on(v2.rotate_keys()).unwrap();
    let after_rotate = store.snapshot();
    assert!(before_rotate.keys().all(|k| !after_rotate.contains_key(k)));
    let again = open(&store, "third").unwrap();
    assert_eq!(again.len().unwrap(), 4);
    assert_eq!(again.get(&secret).unwrap().body, "written after the change");
}

#[test]
fn backup_round_trip() {
    let (store, ids) = populated();
    let v = open(&store, "correct horse").unwrap();
    let backup = block_on(v.export_backup()).unwrap();
    assert!(!backup.windows(8).any(|w| w == b"Shopping"));
    let target = MemoryStore::new();
    let restored = block_on(Vault::import_backup(
        target.clone(),
        &backup,
        b"correct horse",
        opts(),
    ))
    .unwrap();
    assert_eq!(restored.len().unwrap(), 3);
    assert_eq!(restored.get(&ids[0]).unwrap().title, "Họp ở Hà Nội");
    assert_eq!(target.snapshot(), store.snapshot());
    // The restored store opens on its own and accepts changes.
    let again = open(&target, "correct horse").unwrap();
    block_on(again.put(note("after restore", "", &[]))).unwrap();
    assert_eq!(open(&target, "correct horse").unwrap().len().unwrap(), 4);
    // A non-empty target is refused.
    assert_eq!(
        code(block_on(Vault::import_backup(
            target.clone(),
            &backup,
            b"correct horse",
            opts()
        ))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(block_on(Vault::import_backup(
            MemoryStore::new(),
            &backup,
            b"nope",
            opts()
        ))),
        "BAD_PASSPHRASE"
    );
}

#[test]
fn corrupted_backups_are_refused_and_nothing_is_written() {
    let (store, _) = populated();
    let v = open(&store, "correct horse").unwrap();
    let backup = block_on(v.export_backup()).unwrap();
    let allowed = [
        "MALFORMED_INPUT",
        "UNSUPPORTED",
        "BAD_PASSPHRASE",
        "TAMPERED",
        "LIMIT_EXCEEDED",
    ];
    let target = MemoryStore::new();
    for i in 0..backup.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = backup.clone();
            b[i] ^= bit;
            let c = code(block_on(Vault::import_backup(
                target.clone(),
                &b,
                b"correct horse",
                opts(),
            )));
            assert!(allowed.contains(&c), "flip {bit:#x} at {i}: {c}");
            assert!(target.is_empty(), "flip at {i} wrote something");
        }
    }
    for cut in 0..backup.len() {
        let c = code(block_on(Vault::import_backup(
            target.clone(),
            &backup[..cut],
            b"correct horse",
            opts(),
        )));
        assert!(allowed.contains(&c), "cut at {cut}: {c}");
        assert!(target.is_empty());
    }
    let mut longer = backup.clone();
    longer.push(0);
    assert_eq!(
        code(block_on(Vault::import_backup(
            target.clone(),
            &longer,
            b"correct horse",
            opts()
        ))),
        "TAMPERED"
    );
    assert!(target.is_empty());
}

/// Non-atomic store that fails every write after the first `budget` single writes.
struct CrashingStore {
    inner: MemoryStore,
    budget: Cell<usize>,
}

impl Store for CrashingStore {
    async fn get(&self, key: &str) -> signet_crypto::Result<Option<Vec<u8>>> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8]) -> signet_crypto::Result<()> {
        self.spend()?;
        self.inner.put(key, value).await
    }
    async fn delete(&self, key: &str) -> signet_crypto::Result<()> {
        self.spend()?;
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str) -> signet_crypto::Result<Vec<String>> {
        self.inner.list(prefix).await
    }
    // `apply` uses the trait's sequential default: not atomic.
}

impl CrashingStore {
    fn spend(&self) -> signet_crypto::Result<()> {
        let b = self.budget.get();
        if b == 0 {
            return Err(signet_crypto::Error::Storage("simulated crash".into()));
        }
        self.budget.set(b - 1);
        Ok(())
    }
}

type Content = Vec<(NoteId, String, String)>;

fn content(v: &Vault<impl Store>) -> Content {
    let mut out: Content = v
        .list()
        .unwrap()
        .iter()
        .map(|s| {
            let n = v.get(&s.id).unwrap();
            (s.id, n.title.clone(), n.body.clone())
        })
        .collect();
    out.sort();
    out
}

/// The key slots' kinds and labels (ids are random, so runs differ in them).
fn slot_ids(v: &Vault<impl Store>) -> Vec<String> {
    v.slots()
        .unwrap()
        .into_iter()
        .map(|s| format!("{} {}", s.kind.name(), s.label))
        .collect()
}

#[test]
fn a_crash_at_any_write_leaves_old_or_new_state() {
    let (store, ids) = populated();
    {
        // Key slots to replace and remove.
        let v = open(&store, "correct horse").unwrap();
        let office = signet_crypto::wrap::WrapSecretKey::generate();
        block_on(v.add_escrow(&office.public_key(), "office")).unwrap();
        block_on(v.add_recovery_code("code")).unwrap();
    }
    let base = store.snapshot();
    type Action = Box<dyn Fn(&Vault<CrashingStore>) -> signet_crypto::Result<()>>;
    let ids2 = ids.clone();
    let actions: Vec<(&str, Action)> = vec![
        (
            "new note",
            Box::new(|v| {
                let mut n = note("new", "n", &[]);
                n.id = Some(NoteId([7; 16]));
                block_on(v.put(n)).map(|_| ())
            }),
        ),
        (
            "update",
            Box::new(move |v| {
                let mut n = note("Shopping", "changed", &[]);
                n.id = Some(ids2[1]);
                block_on(v.put(n)).map(|_| ())
            }),
        ),
        ("delete", Box::new(move |v| block_on(v.delete(&ids[0])))),
        (
            "passphrase",
            Box::new(|v| block_on(v.change_passphrase(b"correct horse", b"correct horse"))),
        ),
        (
            "new passphrase",
            Box::new(|v| block_on(v.change_passphrase(b"correct horse", b"new pass"))),
        ),
        ("rotate keys", Box::new(|v| block_on(v.rotate_keys()))),
        (
            "add passkey",
            Box::new(|v| block_on(v.add_passkey(b"cred", [1; 32], &[2; 32], "")).map(drop)),
        ),
        (
            "add escrow",
            Box::new(|v| {
                let k = signet_crypto::wrap::WrapSecretKey::generate();
                block_on(v.add_escrow(&k.public_key(), "")).map(drop)
            }),
        ),
        (
            "replace recovery code",
            Box::new(|v| block_on(v.add_recovery_code("new")).map(drop)),
        ),
        (
            "remove slot",
            Box::new(|v| {
                let id = v.slots().unwrap()[1].id.clone();
                block_on(v.remove_slot(&id))
            }),
        ),
    ];
    for (name, action) in &actions {
        // The expected new state, with unlimited writes.
        store.restore(base.clone());
        let full = CrashingStore {
            inner: store.clone(),
            budget: Cell::new(usize::MAX),
        };
        let v = block_on(Vault::open(full, b"correct horse", opts())).unwrap();
        let old = (content(&v), slot_ids(&v));
        action(&v).unwrap();
        let new = (content(&v), slot_ids(&v));
        let mut committed = false;
        for k in 0..20 {
            store.restore(base.clone());
            let crashing = CrashingStore {
                inner: store.clone(),
                budget: Cell::new(usize::MAX),
            };
            let v = block_on(Vault::open(crashing, b"correct horse", opts())).unwrap();
            v.store().budget.set(k);
            let res = action(&v);
            drop(v);
            // Before the commit point the old passphrase opens the old state; after
            // it, only the new one opens (the new state).
            let reopened = match open(&store, "correct horse") {
                Err(e) if e.code() == "BAD_PASSPHRASE" => {
                    committed = true;
                    open(&store, "new pass")
                }
                r => r,
            }
            .unwrap_or_else(|e| panic!("{name}: crash after {k} writes: {e}"));
            let got = (content(&reopened), slot_ids(&reopened));
            assert!(got == old || got == new, "{name}, crash after {k} writes");
            if res.is_ok() {
                assert_eq!(got, new);
            }
            // Orphans are collected: one record per live note at or below the
            // counter (newer ones, from a change that never committed, are kept).
            let counter = reopened.manifest_counter().unwrap();
            let below = note_keys(&store)
                .iter()
                .filter(|k| {
                    u64::from_str_radix(k.rsplit('/').next().unwrap(), 16).unwrap() <= counter
                })
                .count();
            assert_eq!(below, got.0.len(), "{name} k={k}");
        }
        assert_eq!(committed, *name == "new passphrase", "{name}");
    }
}

/// A store whose batch writes take one extra turn of the executor, so overlapping
/// writes really overlap.
struct SlowStore(MemoryStore);

impl Store for SlowStore {
    async fn get(&self, key: &str) -> signet_crypto::Result<Option<Vec<u8>>> {
        self.0.get(key).await
    }
    async fn put(&self, key: &str, value: &[u8]) -> signet_crypto::Result<()> {
        self.0.put(key, value).await
    }
    async fn delete(&self, key: &str) -> signet_crypto::Result<()> {
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str) -> signet_crypto::Result<Vec<String>> {
        self.0.list(prefix).await
    }
    async fn apply(&self, ops: Vec<signet_crypto::notes::Op>) -> signet_crypto::Result<()> {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                std::task::Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
        self.0.apply(ops).await
    }
}

#[test]
fn overlapping_writes_are_serialized_in_call_order() {
    let mem = MemoryStore::new();
    drop(new_vault(&mem, "pw"));
    let v = block_on(Vault::open(SlowStore(mem.clone()), b"pw", opts())).unwrap();
    let mut futs: Vec<_> = (0..5)
        .map(|i| Box::pin(v.put(note(&format!("n{i}"), "b", &[]))))
        .collect();
    let mut done: Vec<Option<NoteId>> = vec![None; futs.len()];
    block_on(std::future::poll_fn(|cx| {
        for (i, f) in futs.iter_mut().enumerate() {
            if done[i].is_none() {
                if let std::task::Poll::Ready(r) = f.as_mut().poll(cx) {
                    done[i] = Some(r.unwrap());
                }
            }
        }
        if done.iter().all(Option::is_some) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }));
    drop(futs);
    let reopened = open(&mem, "pw").unwrap();
    assert_eq!(reopened.len().unwrap(), 5);
    // Call order = commit order = update order.
    let titles: Vec<_> = reopened
        .list()
        .unwrap()
        .iter()
        .rev()
        .map(|s| s.title.clone())
        .collect();
    assert_eq!(titles, ["n0", "n1", "n2", "n3", "n4"]);
}

#[test]
fn named_memory_stores_are_shared_by_name() {
    let a = MemoryStore::named("notes-test-shared");
    drop(new_vault(&a, "pw"));
    let b = MemoryStore::named("notes-test-shared");
    assert!(open(&b, "pw").is_ok());
    assert!(MemoryStore::named("notes-test-other").is_empty());
}

#[test]
fn a_failed_write_changes_nothing_and_never_reuses_a_revision() {
    let (store, ids) = populated();
    let crashing = CrashingStore {
        inner: store.clone(),
        budget: Cell::new(usize::MAX),
    };
    let v = block_on(Vault::open(crashing, b"correct horse", opts())).unwrap();
    let before = v.manifest_counter().unwrap();
    let snap = store.snapshot();
    v.store().budget.set(0);
    assert_eq!(code(block_on(v.put(note("x", "y", &[])))), "STORAGE");
    assert_eq!(code(block_on(v.delete(&ids[0]))), "STORAGE");
    assert_eq!(
        v.manifest_counter().unwrap(),
        before,
        "counter is the committed one"
    );
    assert_eq!(v.len().unwrap(), 3);
    assert_eq!(store.snapshot(), snap);
    v.store().budget.set(usize::MAX);
    block_on(v.delete(&ids[0])).unwrap();
    assert_eq!(
        v.manifest_counter().unwrap(),
        before + 3,
        "failed changes used up their numbers"
    );
    let reopened = open(&store, "correct horse").unwrap();
    assert_eq!(reopened.manifest_counter().unwrap(), before + 3);
    assert_eq!(reopened.len().unwrap(), 2);
}

type Snap = BTreeMap<String, Vec<u8>>;

/// `key` with its trailing hex revision one higher (same width): a fresh key of
/// the same kind for the "duplicated" changes.
fn bumped(key: &str) -> String {
    let (head, rev) = key.rsplit_once('/').unwrap();
    let r = u64::from_str_radix(rev, 16).unwrap() + 1;
    format!("{head}/{r:0width$x}", width = rev.len())
}

/// Every single-record change of the state `after`, reached from `before` by one
/// operation: each changed record reverted (put back, or removed if new), each
/// record deleted, each pair swapped, and each record duplicated over every other
/// record and under a fresh key of its kind.
fn single_record_changes(before: &Snap, after: &Snap) -> Vec<(String, Snap)> {
    let mut out = Vec::new();
    let all: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for k in all {
        if before.get(k) != after.get(k) {
            let mut s = after.clone();
            match before.get(k) {
                Some(v) => s.insert(k.clone(), v.clone()),
                None => s.remove(k),
            };
            out.push((format!("revert {k}"), s));
        }
    }
    let keys: Vec<&String> = after.keys().collect();
    for (i, a) in keys.iter().enumerate() {
        let mut s = after.clone();
        s.remove(*a);
        out.push((format!("delete {a}"), s));
        for b in &keys[i + 1..] {
            let mut s = after.clone();
            s.insert((*a).clone(), after[*b].clone());
            s.insert((*b).clone(), after[*a].clone());
            out.push((format!("swap {a} {b}"), s));
        }
        for b in &keys {
            if a != b {
                let mut s = after.clone();
                s.insert((*b).clone(), after[*a].clone());
                out.push((format!("copy {a} over {b}"), s));
            }
        }
        let mut s = after.clone();
        s.insert(bumped(a), after[*a].clone());
        out.push((format!("copy {a} to {}", bumped(a)), s));
    }
    out
}

/// After each kind of operation, every single-record change of the store is
/// TAMPERED or leaves the newest state intact.
#[test]
fn every_single_record_change_after_every_operation_is_caught() {
    type Operation = Box<dyn Fn(&MemoryStore, &[NoteId]) -> (MemoryStore, &'static str)>;
    let sk = signet_crypto::wrap::WrapSecretKey::generate();
    // Key slots: an office key, and the last recovery code an operation made.
    let office = Rc::new(signet_crypto::wrap::WrapSecretKey::generate());
    let recovery: Rc<std::cell::RefCell<String>> = Rc::default();
    let (office2, office3, rc1, rc2, rc3) = (
        office.clone(),
        office.clone(),
        recovery.clone(),
        recovery.clone(),
        recovery.clone(),
    );
    let blob = {
        let (s, ids) = populated();
        let v = open(&s, "correct horse").unwrap();
        v.share_note(&ids[0], &[sk.public_key()]).unwrap()
    };
    let backup = {
        let (s, _) = populated();
        block_on(open(&s, "correct horse").unwrap().export_backup()).unwrap()
    };
    let ops: Vec<(&str, Operation)> = vec![
        (
            "create",
            Box::new(|s, _| {
                block_on(open(s, "correct horse").unwrap().put(note("new", "n", &[]))).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "update",
            Box::new(|s, ids| {
                let mut n = note("Shopping", "changed", &[]);
                n.id = Some(ids[1]);
                block_on(open(s, "correct horse").unwrap().put(n)).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "delete",
            Box::new(|s, ids| {
                block_on(open(s, "correct horse").unwrap().delete(&ids[0])).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "share-accept",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                block_on(v.accept_shared_note(&blob, &sk)).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "passphrase change",
            Box::new(|s, _| {
                let v = open(s, "correct horse").unwrap();
                block_on(v.change_passphrase(b"correct horse", b"new pass")).unwrap();
                (s.clone(), "new pass")
            }),
        ),
        (
            "key rotation",
            Box::new(|s, _| {
                block_on(open(s, "correct horse").unwrap().rotate_keys()).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "add recovery code",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                *rc1.borrow_mut() = block_on(v.add_recovery_code("code")).unwrap().1.to_string();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "replace recovery code",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                block_on(v.add_recovery_code("old")).unwrap();
                *rc2.borrow_mut() = block_on(v.add_recovery_code("new")).unwrap().1.to_string();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "add escrow and passkey",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                block_on(v.add_escrow(&office2.public_key(), "office")).unwrap();
                block_on(v.add_passkey(b"cred", [1; 32], &[2; 32], "phone")).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "remove slot",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                let id = block_on(v.add_escrow(&office3.public_key(), "office")).unwrap();
                block_on(v.add_passkey(b"cred", [1; 32], &[2; 32], "phone")).unwrap();
                block_on(v.remove_slot(&id)).unwrap();
                (s.clone(), "correct horse")
            }),
        ),
        (
            "recovery and new passphrase",
            Box::new(move |s, _| {
                let v = open(s, "correct horse").unwrap();
                let code = block_on(v.add_recovery_code("")).unwrap().1.to_string();
                let r = block_on(Vault::open_with(
                    s.clone(),
                    Unlock::RecoveryCode(&code),
                    opts(),
                ))
                .unwrap();
                block_on(r.set_passphrase(b"new pass")).unwrap();
                *rc3.borrow_mut() = code;
                (s.clone(), "new pass")
            }),
        ),
        (
            "restore",
            Box::new(move |_, _| {
                let t = MemoryStore::new();
                block_on(Vault::import_backup(
                    t.clone(),
                    &backup,
                    b"correct horse",
                    opts(),
                ))
                .unwrap();
                (t, "correct horse")
            }),
        ),
    ];
    let mut checked = 0;
    for (name, op) in &ops {
        let (store, ids) = populated();
        let before = if *name == "restore" {
            Snap::new()
        } else {
            store.snapshot()
        };
        recovery.borrow_mut().clear();
        let (target, pass) = op(&store, &ids);
        let after = target.snapshot();
        let expected = content(&open(&target, pass).unwrap());
        assert_eq!(
            target.snapshot(),
            after,
            "{name}: a clean open changes nothing"
        );
        // Every slot secret: what it opens in the clean state (content or code),
        // and a changed state must give that or TAMPERED.
        let rc = recovery.borrow().clone();
        let mut secrets = vec![Unlock::Passphrase(pass.as_bytes())];
        if !rc.is_empty() {
            secrets.push(Unlock::RecoveryCode(&rc));
        }
        if name.contains("escrow") || name.contains("remove") {
            secrets.push(Unlock::Escrow(&*office));
            secrets.push(Unlock::Passkey {
                credential_id: b"cred",
                prf_output: &[2; 32],
            });
        }
        let open_u = |u: &Unlock<'_>| {
            block_on(Vault::open_with(target.clone(), *u, opts()))
                .map(|v| content(&v))
                .map_err(|e| e.code())
        };
        let clean: Vec<_> = secrets.iter().map(open_u).collect();
        assert_eq!(clean[0], Ok(expected.clone()), "{name}");
        for (change, snap) in single_record_changes(&before, &after) {
            target.restore(snap);
            for (u, clean) in secrets.iter().zip(&clean) {
                let got = open_u(u);
                assert!(
                    got == *clean || got == Err("TAMPERED"),
                    "{name}, {change}: {got:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} cases");
}

/// Note and shard records newer than the root (a change that never committed, or
/// a rolled-back root) are evidence: never collected, and numbering goes above them.
#[test]
fn records_newer_than_the_root_are_kept_and_never_reused() {
    let (store, ids) = populated();
    let crashing = CrashingStore {
        inner: store.clone(),
        budget: Cell::new(1),
    };
    let v = block_on(Vault::open(crashing, b"correct horse", opts())).unwrap();
    let counter = v.manifest_counter().unwrap();
    let mut n = note("Shopping", "never committed", &[]);
    n.id = Some(ids[1]);
    assert_eq!(code(block_on(v.put(n))), "STORAGE");
    drop(v);
    let orphan = format!("{NOTE_PREFIX}{}/{:016x}", ids[1], counter + 1);
    assert!(store.snapshot().contains_key(&orphan));
    let w = open(&store, "correct horse").unwrap();
    assert_eq!(w.manifest_counter().unwrap(), counter);
    assert_eq!(w.get(&ids[1]).unwrap().body, "milk, eggs");
    assert!(store.snapshot().contains_key(&orphan), "evidence kept");
    block_on(w.put(note("next", "", &[]))).unwrap();
    assert_eq!(
        w.manifest_counter().unwrap(),
        counter + 2,
        "above the highest seen"
    );
}

#[test]
fn vault_id_pins_the_vault_on_open_and_restore() {
    let (store, _) = populated();
    let v = open(&store, "correct horse").unwrap();
    let id = v.vault_id();
    let counter = v.manifest_counter().unwrap();
    let backup = block_on(v.export_backup()).unwrap();
    v.lock();
    assert_eq!(v.vault_id(), id, "readable while locked");
    let pinned = |min: u64, vid: [u8; 16]| OpenOptions {
        min_manifest_counter: min,
        expected_vault_id: Some(vid),
        ..opts()
    };
    assert!(block_on(Vault::open(
        store.clone(),
        b"correct horse",
        pinned(counter, id)
    ))
    .is_ok());
    // Another vault of the same user, with a higher counter, in its place.
    let other = MemoryStore::new();
    let o = new_vault(&other, "correct horse");
    for i in 0..10 {
        block_on(o.put(note(&format!("o{i}"), "", &[]))).unwrap();
    }
    assert!(o.manifest_counter().unwrap() > counter);
    assert_ne!(o.vault_id(), id);
    assert_eq!(
        code(block_on(Vault::open(
            other.clone(),
            b"correct horse",
            pinned(counter, id)
        ))),
        "TAMPERED"
    );
    // importBackup checks both pins.
    let restore = |o: OpenOptions| {
        code(block_on(Vault::import_backup(
            MemoryStore::new(),
            &backup,
            b"correct horse",
            o,
        )))
    };
    assert_eq!(restore(pinned(counter, id)), "OK");
    assert_eq!(restore(pinned(counter + 1, id)), "TAMPERED");
    assert_eq!(restore(pinned(0, o.vault_id())), "TAMPERED");
}

/// A vault and a backup written by format 1 (the code before format 2, see
/// tests/fixtures/notes-v1/README.md) open, and the vault is upgraded in place.
#[test]
fn format_1_vaults_and_backups_open_and_are_upgraded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notes-v1");
    let v1 = read_fixture(&format!("{dir}/vault.txt"));
    assert!(v1.contains_key("header") && v1.contains_key("manifest"));
    let expect = |v: &Vault<MemoryStore>| {
        let a = v.get(&NoteId([0x11; 16])).unwrap();
        assert_eq!(
            (a.title.as_str(), a.body.as_str()),
            ("Họp ở Hà Nội", "Mang hồ sơ")
        );
        assert_eq!(a.tags, ["công việc"]);
        let b = v.get(&NoteId([0x22; 16])).unwrap();
        assert_eq!(b.body, "milk, eggs, rice");
        assert_eq!(b.tags, ["home", "weekly"]);
        assert_eq!(v.len().unwrap(), 2);
        assert_eq!(v.search("ha noi").unwrap().len(), 1);
    };
    let store = MemoryStore::new();
    store.restore(v1.clone());
    assert_eq!(code(open(&store, "wrong")), "BAD_PASSPHRASE");
    assert_eq!(store.snapshot(), v1, "nothing written before unlocking");
    let v = open(&store, "fixture passphrase").unwrap();
    expect(&v);
    let upgraded = store.snapshot();
    assert!(!upgraded.contains_key("header") && !upgraded.contains_key("manifest"));
    assert_eq!(
        upgraded
            .keys()
            .filter(|k| k.starts_with(ROOT_PREFIX))
            .count(),
        1
    );
    assert_eq!(
        upgraded
            .keys()
            .filter(|k| k.starts_with(SHARD_PREFIX))
            .count(),
        2
    );
    for k in v1.keys().filter(|k| k.starts_with(NOTE_PREFIX)) {
        assert_eq!(
            upgraded.get(k),
            v1.get(k),
            "note records are kept as they are"
        );
    }
    let counter = v.manifest_counter().unwrap();
    assert!(counter > 6, "above the format-1 counter: {counter}");
    block_on(v.put(note("after upgrade", "", &[]))).unwrap();
    let again = open(&store, "fixture passphrase").unwrap();
    assert_eq!(again.len().unwrap(), 3);
    // A format-1 counter kept by the embedder still pins the upgraded vault.
    let min = OpenOptions {
        min_manifest_counter: 6,
        expected_vault_id: Some(v.vault_id()),
        ..opts()
    };
    assert!(block_on(Vault::open(store.clone(), b"fixture passphrase", min)).is_ok());

    // A format-1 backup restores as format 2.
    let (backup, target) = restore_fixture(dir, &expect);
    assert!(target.snapshot().keys().any(|k| k.starts_with(ROOT_PREFIX)));
    expect(&open(&target, "fixture passphrase").unwrap());
    let mut bad = backup.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        code(block_on(Vault::import_backup(
            MemoryStore::new(),
            &bad,
            b"fixture passphrase",
            opts()
        ))),
        "TAMPERED"
    );
}

/// Restores the fixture backup in `dir` into a new store and checks it with
/// `expect`; returns the backup and the store.
fn restore_fixture(dir: &str, expect: &dyn Fn(&Vault<MemoryStore>)) -> (Vec<u8>, MemoryStore) {
    let backup = std::fs::read(format!("{dir}/backup.bin")).unwrap();
    let target = MemoryStore::new();
    let r = block_on(Vault::import_backup(
        target.clone(),
        &backup,
        b"fixture passphrase",
        opts(),
    ))
    .unwrap();
    expect(&r);
    (backup, target)
}

/// A fixture vault: one record per line, `<key> <value as hex>`.
fn read_fixture(path: &str) -> Snap {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let (k, hex) = l.split_once(' ').unwrap();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (k.to_owned(), bytes)
        })
        .collect()
}

/// Vaults and backups written by format 2 (the fixture in tests/fixtures/notes-v2,
/// see its README) open with the passphrase; the vault is upgraded to format 4 in
/// one change (a new root and shards with the notes' summaries; notes stay) and
/// then takes key slots.
#[test]
fn format_2_vaults_and_backups_open_and_are_upgraded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notes-v2");
    let v2 = read_fixture(&format!("{dir}/vault.txt"));
    let expect = |v: &Vault<MemoryStore>| {
        assert_eq!(v.len().unwrap(), 3);
        assert_eq!(
            v.get(&NoteId([0x44; 16])).unwrap().body,
            "written by format 2"
        );
        assert_eq!(v.get(&NoteId([0x22; 16])).unwrap().body, "milk, eggs, rice");
    };
    let store = MemoryStore::new();
    store.restore(v2.clone());
    assert_eq!(
        code(block_on(Vault::open_with(
            store.clone(),
            Unlock::RecoveryCode("00000-00000-00000-00000-00000-00000-00000"),
            opts()
        ))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(code(open(&store, "wrong")), "BAD_PASSPHRASE");
    assert_eq!(store.snapshot(), v2, "nothing written before unlocking");
    let v = open(&store, "fixture passphrase").unwrap();
    expect(&v);
    assert_eq!(v.manifest_counter().unwrap(), 9);
    let up = store.snapshot();
    assert_eq!(root_of(&up), format!("{ROOT_PREFIX}{:016x}", 9));
    assert_upgraded(&v2, &up);
    let office = signet_crypto::wrap::WrapSecretKey::generate();
    block_on(v.add_escrow(&office.public_key(), "office")).unwrap();
    let e = block_on(Vault::open_with(
        store.clone(),
        Unlock::Escrow(&office),
        opts(),
    ))
    .unwrap();
    expect(&e);
    // A crash before the upgrade's root is stored leaves the format-2 vault.
    expect(&upgrade_survives_a_crash(&store, &v2));

    // A format-2 backup restores, as format 4.
    let (_, target) = restore_fixture(dir, &expect);
    let snap = target.snapshot();
    assert_eq!(snap.get(&root_of(&snap)).unwrap()[4], 4);
    expect(&open(&target, "fixture passphrase").unwrap());
}

/// Opening the fixture vault `old` through a store whose first write fails is
/// `STORAGE` and leaves `old` as it was, which then opens (and upgrades).
fn upgrade_survives_a_crash(store: &MemoryStore, old: &Snap) -> Vault<MemoryStore> {
    store.restore(old.clone());
    let crashing = CrashingStore {
        inner: store.clone(),
        budget: Cell::new(0),
    };
    let crashed = block_on(Vault::open(crashing, b"fixture passphrase", opts()));
    assert_eq!(code(crashed), "STORAGE");
    assert_eq!(&store.snapshot(), old);
    open(store, "fixture passphrase").unwrap()
}

/// `up` is `old` upgraded to format 4 in one change: a version-4 root, every shard
/// rewritten as version 4 (with the summaries), every note record kept as it was.
fn assert_upgraded(old: &Snap, up: &Snap) {
    assert_eq!(up.get(&root_of(up)).unwrap()[4], 4, "format 4 root");
    let shards = |s: &Snap| s.keys().filter(|k| k.starts_with(SHARD_PREFIX)).count();
    assert_eq!(shards(up), shards(old));
    for (k, val) in up.iter().filter(|(k, _)| k.starts_with(SHARD_PREFIX)) {
        assert!(!old.contains_key(k), "{k} is rewritten");
        assert_eq!(val[4], 4, "{k} is a version-4 shard");
    }
    for (k, val) in old.iter().filter(|(k, _)| k.starts_with(NOTE_PREFIX)) {
        assert_eq!(up.get(k), Some(val), "{k} is kept as it was");
    }
}

/// Vaults and backups written by format 3 (`tests/fixtures/notes-v3`, made by
/// main's code at 4fd0b66, see its README) open with the passphrase and with the
/// recovery code; either upgrades the shards to format 4 in one change (the
/// recovery code, which cannot rewrap the header, keeps its version 3 until the
/// passphrase opens it), after which opening decrypts no note.
#[test]
fn format_3_vaults_and_backups_open_and_are_upgraded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/notes-v3");
    let v3 = read_fixture(&format!("{dir}/vault.txt"));
    let rc = std::fs::read_to_string(format!("{dir}/recovery-code.txt")).unwrap();
    let expect = |v: &Vault<MemoryStore>| {
        assert_eq!(v.len().unwrap(), 4);
        let n = v.get(&NoteId([0x55; 16])).unwrap();
        assert_eq!(
            (n.title.as_str(), n.body.as_str()),
            ("Định dạng 3", "written by format 3")
        );
        assert_eq!(
            v.get(&NoteId([0x44; 16])).unwrap().body,
            "written by format 2"
        );
        assert_eq!(v.get(&NoteId([0x22; 16])).unwrap().body, "milk, eggs, rice");
        assert_eq!(v.search("dinh dang").unwrap()[0].id, NoteId([0x55; 16]));
        assert_eq!(
            v.search_bodies("format 2").unwrap()[0].id,
            NoteId([0x44; 16])
        );
    };
    let root_version = |s: &Snap| s.get(&root_of(s)).unwrap()[4];
    assert_eq!(root_version(&v3), 3);
    let store = MemoryStore::new();
    store.restore(v3.clone());
    let by_code = block_on(Vault::open_with(
        store.clone(),
        Unlock::RecoveryCode(rc.trim()),
        opts(),
    ))
    .unwrap();
    expect(&by_code);
    let up = store.snapshot();
    assert_eq!(
        root_version(&up),
        3,
        "the recovery code cannot rewrap the header"
    );
    assert!(up
        .iter()
        .filter(|(k, _)| k.starts_with(SHARD_PREFIX))
        .all(|(_, v)| v[4] == 4));
    drop(by_code);
    let v = open(&store, "fixture passphrase").unwrap();
    expect(&v);
    assert_upgraded(&v3, &store.snapshot());
    // Now a note record's body is not decrypted by open: a flipped byte in it
    // opens, and reading that note is TAMPERED.
    let mut snap = store.snapshot();
    let key = snap
        .keys()
        .find(|k| k.starts_with(&format!("{NOTE_PREFIX}{}", NoteId([0x55; 16]))))
        .unwrap()
        .clone();
    let last = snap[&key].len() - 1;
    snap.get_mut(&key).unwrap()[last] ^= 1;
    store.restore(snap);
    let v = open(&store, "fixture passphrase").unwrap();
    assert_eq!(v.list().unwrap().len(), 4);
    assert_eq!(code(v.get(&NoteId([0x55; 16]))), "TAMPERED");

    // Straight from format 3 with the passphrase; a crash before the new root
    // leaves the format-3 vault.
    expect(&upgrade_survives_a_crash(&store, &v3));
    assert_upgraded(&v3, &store.snapshot());

    // A format-3 backup restores, as format 4.
    let (_, target) = restore_fixture(dir, &expect);
    assert_eq!(root_version(&target.snapshot()), 4);
    expect(&open(&target, "fixture passphrase").unwrap());
}

/// A store that counts what each batch writes, and what is read.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    records: Cell<usize>,
    bytes: Cell<usize>,
    reads: Reads,
}

/// Read counters: calls (`get`, `get_many`, `list`), records and bytes returned,
/// and the largest `get_many`.
#[derive(Default)]
struct Reads {
    calls: Cell<usize>,
    records: Cell<usize>,
    bytes: Cell<usize>,
    largest_batch: Cell<usize>,
}

/// What [`Reads::take`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct ReadCount {
    calls: usize,
    records: usize,
    bytes: usize,
    largest_batch: usize,
}

impl Reads {
    fn add(&self, values: &[Option<Vec<u8>>]) {
        self.calls.set(self.calls.get() + 1);
        self.records.set(self.records.get() + values.len());
        let bytes: usize = values.iter().flatten().map(Vec::len).sum();
        self.bytes.set(self.bytes.get() + bytes);
        self.largest_batch
            .set(self.largest_batch.get().max(values.len()));
    }
    /// The counts so far, and starts again from zero.
    fn take(&self) -> ReadCount {
        ReadCount {
            calls: self.calls.take(),
            records: self.records.take(),
            bytes: self.bytes.take(),
            largest_batch: self.largest_batch.take(),
        }
    }
}

impl Store for CountingStore {
    async fn get(&self, key: &str) -> signet_crypto::Result<Option<Vec<u8>>> {
        let v = self.inner.get(key).await?;
        self.reads.add(std::slice::from_ref(&v));
        Ok(v)
    }
    async fn get_many(&self, keys: &[String]) -> signet_crypto::Result<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.inner.get(k).await?);
        }
        self.reads.add(&out);
        Ok(out)
    }
    async fn put(&self, key: &str, value: &[u8]) -> signet_crypto::Result<()> {
        self.inner.put(key, value).await
    }
    async fn delete(&self, key: &str) -> signet_crypto::Result<()> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str) -> signet_crypto::Result<Vec<String>> {
        self.reads.calls.set(self.reads.calls.get() + 1);
        self.inner.list(prefix).await
    }
    async fn apply(&self, ops: Vec<Op>) -> signet_crypto::Result<()> {
        for op in &ops {
            if let Op::Put(_, v) = op {
                self.records.set(self.records.get() + 1);
                self.bytes.set(self.bytes.get() + v.len());
            }
        }
        self.inner.apply(ops).await
    }
}

/// One put writes the same number of records, and about the same bytes, at 100
/// and at 10,000 notes (the shard it rewrites holds ~1/256 of the notes).
#[test]
fn a_put_writes_o1_records_whatever_the_vault_size() {
    let v = block_on(Vault::create_with_weak_kdf_for_tests(
        CountingStore::default(),
        b"pw",
        FAST,
        opts(),
    ))
    .unwrap();
    let mut per_put = Vec::new();
    let mut n = 0;
    for target in [100usize, 10_000] {
        while n < target {
            block_on(v.put(note(&format!("note {n}"), "body", &[]))).unwrap();
            n += 1;
        }
        let s = v.store();
        let (r0, b0) = (s.records.get(), s.bytes.get());
        let puts = 20;
        for i in 0..puts {
            block_on(v.put(note(&format!("measured {i}"), "body", &[]))).unwrap();
        }
        n += puts;
        let (r, b) = ((s.records.get() - r0) / puts, (s.bytes.get() - b0) / puts);
        println!("per put at {target} notes: {r} records, {b} bytes");
        per_put.push((r, b));
    }
    assert_eq!(per_put[0].0, 3, "note, shard, root");
    assert_eq!(per_put[1].0, 3);
    assert!(
        per_put[1].1 < per_put[0].1 * 2,
        "bytes per put: {per_put:?}"
    );
}

/// Opening, listing and searching, by counters (the timings are `make bench`
/// rows): open reads every record once, in round trips that do not grow with the
/// notes' bodies and with at most one batch of 2,048 encrypted records in hand;
/// list and search (even of bodies) read nothing: they run on what open read.
#[test]
fn open_reads_each_record_once_in_batches_and_list_and_search_read_nothing() {
    const N: usize = 2500;
    const BATCH: usize = 2048;
    let mut per_body = Vec::new();
    for words in [1usize, 300] {
        let store = MemoryStore::new();
        let v = new_vault(&store, "pw");
        for i in 0..N {
            let body = "nội dung ".repeat(words);
            block_on(v.put(note(&format!("Họp {i}"), &body, &["việc"]))).unwrap();
        }
        drop(v);
        let shards = count_keys(&store, SHARD_PREFIX);
        let counting = CountingStore {
            inner: store.clone(),
            ..CountingStore::default()
        };
        let v = block_on(Vault::open(counting, b"pw", opts())).unwrap();
        let open = v.store().reads.take();
        assert_eq!(
            open.records,
            1 + shards + N,
            "the root, every shard, every note"
        );
        assert!(open.largest_batch <= BATCH, "{open:?}");
        // Root (list, get), shards (one batch), notes, and garbage collection's
        // five lists.
        assert_eq!(open.calls, 2 + 1 + N.div_ceil(BATCH) + 5, "{open:?}");
        assert_eq!(v.list().unwrap().len(), N);
        let hit = v.search("hop 2499").unwrap();
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].title, "Họp 2499");
        assert_eq!(v.search("viec").unwrap().len(), N, "tags");
        assert_eq!(
            v.search("NỘI viec").unwrap().len(),
            0,
            "bodies are not searched"
        );
        assert_eq!(v.search_bodies("NỘI viec").unwrap().len(), N);
        assert_eq!(
            v.search("nói").unwrap().len(),
            0,
            "accents typed are matched"
        );
        assert_eq!(v.store().reads.take(), ReadCount::default());
        per_body.push(open);
    }
    assert_eq!(per_body[0].calls, per_body[1].calls);
    assert!(per_body[1].bytes > 8 * per_body[0].bytes, "{per_body:?}");
}

fn count_keys(store: &MemoryStore, prefix: &str) -> usize {
    store
        .snapshot()
        .keys()
        .filter(|k| k.starts_with(prefix))
        .count()
}
