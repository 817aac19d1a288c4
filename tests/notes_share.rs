//! Sharing a note to a colleague's X-Wing wrap key and importing it.

use pollster::block_on;
use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{MemoryStore, NoteId, NoteInput, OpenOptions, Vault};
use signet_crypto::wrap::WrapSecretKey;

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn vault() -> Vault<MemoryStore> {
    block_on(Vault::create_with_weak_kdf_for_tests(
        MemoryStore::new(),
        b"pw",
        FAST,
        OpenOptions::default(),
    ))
    .unwrap()
}

fn code<T>(r: signet_crypto::Result<T>) -> &'static str {
    r.err().map_or("OK", |e| e.code())
}

fn sample(v: &Vault<MemoryStore>) -> NoteId {
    block_on(v.put(NoteInput {
        id: None,
        title: "Biên bản họp".into(),
        body: "Nội dung mật: 42".into(),
        tags: vec!["họp".into(), "2026".into()],
    }))
    .unwrap()
}

#[test]
fn share_and_accept_round_trip() {
    let alice = vault();
    let bob = vault();
    let carol = vault();
    let bob_key = WrapSecretKey::generate();
    let carol_key = WrapSecretKey::generate();
    let id = sample(&alice);
    let blob = alice
        .share_note(&id, &[bob_key.public_key(), carol_key.public_key()])
        .unwrap();
    assert!(!blob.windows(6).any(|w| w == "mật".as_bytes()));

    let bid = block_on(bob.accept_shared_note(&blob, &bob_key)).unwrap();
    let cid = block_on(carol.accept_shared_note(&blob, &carol_key)).unwrap();
    let (orig, got) = (alice.get(&id).unwrap(), bob.get(&bid).unwrap());
    assert_eq!(
        (&got.title, &got.body, &got.tags),
        (&orig.title, &orig.body, &orig.tags)
    );
    assert_eq!(got.created, orig.created);
    assert_eq!(carol.get(&cid).unwrap().body, orig.body);
    assert_ne!(bid, id, "imported notes get a fresh id");
    assert_eq!(bob.search("bien ban").unwrap().len(), 1);
    // Persisted like any note.
    let reopened = block_on(Vault::open(
        bob.store().clone(),
        b"pw",
        OpenOptions::default(),
    ))
    .unwrap();
    assert_eq!(reopened.get(&bid).unwrap().body, orig.body);
}

#[test]
fn shared_note_errors() {
    let alice = vault();
    let bob = vault();
    let bob_key = WrapSecretKey::generate();
    let eve_key = WrapSecretKey::generate();
    let id = sample(&alice);
    let blob = alice.share_note(&id, &[bob_key.public_key()]).unwrap();

    assert_eq!(
        code(block_on(bob.accept_shared_note(&blob, &eve_key))),
        "NO_MATCHING_KEY"
    );
    assert_eq!(
        code(alice.share_note(&NoteId([1; 16]), &[bob_key.public_key()])),
        "NOT_FOUND"
    );
    assert_eq!(code(alice.share_note(&id, &[])), "INVALID_ARGUMENT");

    // Every single-bit flip is refused and nothing is imported.
    let allowed = [
        "MALFORMED_INPUT",
        "UNSUPPORTED",
        "DECRYPTION_FAILED",
        "NO_MATCHING_KEY",
        "LIMIT_EXCEEDED",
    ];
    for i in (0..blob.len())
        .step_by(7)
        .chain([0, 4, 5, 8, blob.len() - 1])
    {
        let mut b = blob.clone();
        b[i] ^= 0x04;
        let c = code(block_on(bob.accept_shared_note(&b, &bob_key)));
        assert!(allowed.contains(&c), "flip at {i}: {c}");
    }
    for cut in [0, 3, 5, 9, 100, blob.len() - 17, blob.len() - 1] {
        let c = code(block_on(bob.accept_shared_note(&blob[..cut], &bob_key)));
        assert!(allowed.contains(&c), "cut at {cut}: {c}");
    }
    assert_eq!(bob.len().unwrap(), 0);

    bob.lock();
    assert_eq!(
        code(block_on(bob.accept_shared_note(&blob, &bob_key))),
        "LOCKED"
    );
    alice.lock();
    assert_eq!(
        code(alice.share_note(&id, &[bob_key.public_key()])),
        "LOCKED"
    );
}
