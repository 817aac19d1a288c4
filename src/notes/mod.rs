//! Secure Notes: an encrypted notes vault over any async key-value [`Store`].
//!
//! Key hierarchy: passphrase → Argon2id ([`crate::kdf`]) → key-encryption key →
//! wraps a random vault key → (HKDF) manifest, note-wrapping and backup keys → each
//! note revision has its own random key. Changing the passphrase rewraps only the
//! vault key. Storage sees an opaque random note id, a revision number and a padded
//! size bucket per note; everything else is AES-256-GCM ciphertext.
//!
//! An encrypted manifest with a monotonic counter lists every note's current
//! revision, so a deleted, swapped or rolled-back note is `TAMPERED` on unlock.
//! Rolling back the *whole* store (manifest and notes together) cannot be seen from
//! inside it; keep [`Vault::manifest_counter`] elsewhere and pass it back as
//! [`OpenOptions::min_manifest_counter`] to detect that too.
//!
//! One writer at a time: two windows writing the same vault overwrite each other's
//! manifest (last writer wins; the other's new notes become orphans and are
//! garbage-collected on the next open).
//!
//! The byte formats are in `docs/vault-format.md`.

mod format;
mod lock;
mod search;
mod store;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::aead::{self, NONCE_LEN};
use crate::kdf::KdfParams;
use crate::{Error, Result};

pub use format::{bucket_size, ID_LEN, MAX_BODY, MAX_NOTES, MAX_TAG, MAX_TAGS, MAX_TITLE, VERSION};
use format::{Header, Manifest, NoteContent, Reader, SubKeys};
pub use search::fold as fold_for_search;
pub use store::{MemoryStore, Op, Store};

/// Storage key of the plaintext header.
pub const HEADER_KEY: &str = "header";
/// Storage key of the encrypted manifest.
pub const MANIFEST_KEY: &str = "manifest";
/// Prefix of note record keys: `note/<id hex>/<revision as 16 hex digits>`.
pub const NOTE_PREFIX: &str = "note/";

/// An opaque random note id, shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NoteId(pub [u8; ID_LEN]);

impl NoteId {
    /// A fresh random id.
    pub fn random() -> Self {
        NoteId(aead::random_array())
    }
}

impl std::fmt::Display for NoteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format::to_hex(&self.0))
    }
}

impl std::str::FromStr for NoteId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        format::from_hex(s)
            .map(NoteId)
            .ok_or_else(|| Error::InvalidArgument("a note id is 32 hexadecimal characters".into()))
    }
}

/// A decrypted note. Wiped on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Note {
    /// The note's id.
    #[zeroize(skip)]
    pub id: NoteId,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Creation time, ms since the Unix epoch.
    pub created: u64,
    /// Last change, ms since the Unix epoch.
    pub updated: u64,
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Note({}, <redacted>)", self.id)
    }
}

/// What [`Vault::list`] and [`Vault::search`] return per note. Wiped on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct NoteSummary {
    /// The note's id.
    #[zeroize(skip)]
    pub id: NoteId,
    /// Title.
    pub title: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Last change, ms since the Unix epoch.
    pub updated: u64,
}

impl std::fmt::Debug for NoteSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSummary({}, <redacted>)", self.id)
    }
}

/// Input to [`Vault::put`]: no id creates a note, an id creates or replaces that note.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct NoteInput {
    /// Existing (or chosen) id; `None` picks a random one.
    #[zeroize(skip)]
    pub id: Option<NoteId>,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Tags.
    pub tags: Vec<String>,
}

impl std::fmt::Debug for NoteInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteInput({:?}, <redacted>)", self.id)
    }
}

/// Source of timestamps, injected so tests are deterministic.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// [`std::time::SystemTime`]. On `wasm32-unknown-unknown` there is no system clock
/// (`SystemTime::now` would panic), so it reports 0 there: inject a clock reading
/// `Date.now()`, as the JS binding does.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
    #[cfg(target_arch = "wasm32")]
    fn now_ms(&self) -> u64 {
        0
    }
}

/// Options for [`Vault::open`] and friends.
#[derive(Clone)]
pub struct OpenOptions {
    /// Refuse (TAMPERED) a manifest whose counter is below this: the embedder's
    /// last seen [`Vault::manifest_counter`], kept outside the store, detects a
    /// rollback of the whole store.
    pub min_manifest_counter: u64,
    /// Timestamps for new and changed notes.
    pub clock: Rc<dyn Clock>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            min_manifest_counter: 0,
            clock: Rc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OpenOptions {{ min_manifest_counter: {} }}",
            self.min_manifest_counter
        )
    }
}

struct Entry {
    content: NoteContent,
    hay: search::Haystack,
}

impl Entry {
    fn new(content: NoteContent) -> Self {
        let mut parts: Vec<&str> = vec![&content.title, &content.body];
        parts.extend(content.tags.iter().map(String::as_str));
        let hay = search::Haystack::new(&parts);
        Entry { content, hay }
    }

    fn summary(&self, id: NoteId) -> NoteSummary {
        NoteSummary {
            id,
            title: self.content.title.clone(),
            tags: self.content.tags.clone(),
            updated: self.content.updated,
        }
    }
}

/// Everything that exists only while unlocked; dropping it wipes keys and notes.
struct Unlocked {
    // Boxed from the moment they exist: async fns keep values that live across an
    // `await` in their (heap) future, and moving a plain key out of it into here
    // would leave an unwiped copy in the freed future. A box moves only a pointer.
    vault_key: Box<Zeroizing<[u8; 32]>>,
    keys: Box<SubKeys>,
    header: Header,
    manifest: Manifest,
    /// Highest counter value handed out (≥ `manifest.counter`).
    last_revision: u64,
    notes: BTreeMap<[u8; ID_LEN], Entry>,
}

impl Unlocked {
    fn vault_id(&self) -> [u8; ID_LEN] {
        self.header.vault_id
    }

    /// The counter value for the next change. Advanced even if that change then
    /// fails to be written, so a (note id, revision) pair is never reused, while
    /// `manifest.counter` stays the last committed value.
    fn next_revision(&mut self) -> Result<u64> {
        self.last_revision = self
            .last_revision
            .checked_add(1)
            .ok_or_else(|| Error::LimitExceeded("manifest counter exhausted".into()))?;
        Ok(self.last_revision)
    }
}

/// An unlocked (or locked) vault on store `S`.
///
/// Methods take `&self` and never hold a borrow across an `await`; writes queue on
/// an internal async lock in call order, so overlapping calls from JS are safe.
pub struct Vault<S: Store> {
    store: S,
    clock: Rc<dyn Clock>,
    state: RefCell<Option<Unlocked>>,
    write_lock: lock::AsyncLock,
}

impl<S: Store> std::fmt::Debug for Vault<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let locked = self.state.borrow().is_none();
        write!(f, "Vault {{ locked: {locked} }}")
    }
}

fn check_passphrase(p: &[u8]) -> Result<()> {
    if p.is_empty() {
        return Err(Error::InvalidArgument(
            "the passphrase must not be empty".into(),
        ));
    }
    Ok(())
}

async fn ensure_empty<S: Store>(store: &S) -> Result<()> {
    if !store.list("").await?.is_empty() {
        return Err(Error::InvalidArgument(
            "the storage already holds data: open that vault or choose another name".into(),
        ));
    }
    Ok(())
}

impl<S: Store> Vault<S> {
    /// Creates a vault in an empty store. `kdf` must pass
    /// [`KdfParams::check_creatable`] (use `KdfParams::default()` unless you know
    /// better).
    pub async fn create(
        store: S,
        passphrase: &[u8],
        kdf: KdfParams,
        opts: OpenOptions,
    ) -> Result<Self> {
        kdf.check_creatable()?;
        Self::create_inner(store, passphrase, kdf, opts).await
    }

    /// Like [`Vault::create`] without the Argon2 security floor. Only for tests,
    /// which cannot afford 64 MiB per vault; nothing in the crate calls it.
    #[doc(hidden)]
    pub async fn create_with_weak_kdf_for_tests(
        store: S,
        passphrase: &[u8],
        kdf: KdfParams,
        opts: OpenOptions,
    ) -> Result<Self> {
        Self::create_inner(store, passphrase, kdf, opts).await
    }

    async fn create_inner(
        store: S,
        passphrase: &[u8],
        kdf: KdfParams,
        opts: OpenOptions,
    ) -> Result<Self> {
        check_passphrase(passphrase)?;
        kdf.check_readable()?;
        ensure_empty(&store).await?;
        let vault_id = aead::random_array::<ID_LEN>();
        let vault_key = Box::new(Zeroizing::new(aead::random_array::<32>()));
        let header = Header::seal(vault_id, kdf, passphrase, &vault_key)?;
        let keys = Box::new(SubKeys::derive(&vault_key, &vault_id)?);
        let manifest = Manifest {
            counter: 1,
            entries: BTreeMap::new(),
        };
        // Manifest first: the header is the commit point of creation.
        store
            .apply(vec![
                Op::Put(
                    MANIFEST_KEY.into(),
                    manifest.seal(&keys.manifest, &vault_id),
                ),
                Op::Put(HEADER_KEY.into(), header.encode()),
            ])
            .await?;
        Ok(Self::from_parts(
            store,
            opts.clock,
            Unlocked {
                vault_key,
                keys,
                header,
                last_revision: manifest.counter,
                manifest,
                notes: BTreeMap::new(),
            },
        ))
    }

    fn from_parts(store: S, clock: Rc<dyn Clock>, u: Unlocked) -> Self {
        Vault {
            store,
            clock,
            state: RefCell::new(Some(u)),
            write_lock: lock::AsyncLock::default(),
        }
    }

    /// Unlocks the vault in `store`: `NOT_FOUND` without a header, `BAD_PASSPHRASE`
    /// for a wrong passphrase, `LIMIT_EXCEEDED` for KDF parameters over the caps,
    /// `TAMPERED` when records are missing, modified, swapped or rolled back.
    /// Records no longer referenced (left by a crash) are deleted.
    pub async fn open(store: S, passphrase: &[u8], opts: OpenOptions) -> Result<Self> {
        let header_bytes = store
            .get(HEADER_KEY)
            .await?
            .ok_or_else(|| Error::NotFound("no vault in this storage".into()))?;
        let header = Header::decode(&header_bytes)?;
        let vault_key = Box::new(header.unwrap(passphrase)?);
        let vault_id = header.vault_id;
        let keys = Box::new(SubKeys::derive(&vault_key, &vault_id)?);
        let manifest_bytes = store
            .get(MANIFEST_KEY)
            .await?
            .ok_or_else(|| Error::Tampered("the manifest is missing".into()))?;
        let manifest = Manifest::open(&keys.manifest, &vault_id, &manifest_bytes)?;
        check_counter(&manifest, opts.min_manifest_counter)?;
        let records = fetch_notes(&store, &manifest).await?;
        let mut notes = BTreeMap::new();
        for ((id, rev), rec) in manifest.entries.iter().zip(&records) {
            let content = format::open_note(&keys.note_wrap, &vault_id, id, *rev, rec)?;
            notes.insert(*id, Entry::new(content));
        }
        // Garbage: records a crash left behind, or old revisions. Best effort.
        let garbage: Vec<Op> = store
            .list(NOTE_PREFIX)
            .await?
            .into_iter()
            .filter(|k| match format::parse_note_key(k) {
                Some((id, rev)) => manifest.entries.get(&id) != Some(&rev),
                None => true,
            })
            .map(Op::Delete)
            .collect();
        if !garbage.is_empty() {
            let _ = store.apply(garbage).await;
        }
        Ok(Self::from_parts(
            store,
            opts.clock,
            Unlocked {
                vault_key,
                keys,
                header,
                last_revision: manifest.counter,
                manifest,
                notes,
            },
        ))
    }

    fn with<T>(&self, f: impl FnOnce(&Unlocked) -> Result<T>) -> Result<T> {
        let st = self.state.borrow();
        f(st.as_ref().ok_or(Error::Locked)?)
    }

    fn with_mut<T>(&self, f: impl FnOnce(&mut Unlocked) -> Result<T>) -> Result<T> {
        let mut st = self.state.borrow_mut();
        f(st.as_mut().ok_or(Error::Locked)?)
    }

    /// True after [`Vault::lock`].
    pub fn is_locked(&self) -> bool {
        self.state.borrow().is_none()
    }

    /// The manifest counter: grows with every change. Keep it outside the store to
    /// detect a whole-store rollback later ([`OpenOptions::min_manifest_counter`]).
    pub fn manifest_counter(&self) -> Result<u64> {
        self.with(|u| Ok(u.manifest.counter))
    }

    /// The Argon2id parameters in the header.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        self.with(|u| Ok(u.header.kdf))
    }

    /// The store (for inspection; writing to it behind the vault's back is what
    /// tamper detection is for).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Number of notes.
    pub fn len(&self) -> Result<usize> {
        self.with(|u| Ok(u.notes.len()))
    }

    /// True when there are no notes.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// Creates or replaces a note; returns its id.
    pub async fn put(&self, input: NoteInput) -> Result<NoteId> {
        let id = input.id.unwrap_or_else(NoteId::random);
        self.put_content(id, None, &input.title, &input.body, &input.tags)
            .await?;
        Ok(id)
    }

    async fn put_content(
        &self,
        id: NoteId,
        created: Option<u64>,
        title: &str,
        body: &str,
        tags: &[String],
    ) -> Result<()> {
        format::check_note_limits(title, body, tags)?;
        let _guard = self.write_lock.acquire().await;
        let now = self.clock.now_ms();
        let (ops, manifest, content) = self.with_mut(|u| {
            let created = u
                .notes
                .get(&id.0)
                .map(|e| e.content.created)
                .or(created)
                .unwrap_or(now);
            let content = NoteContent {
                created,
                updated: now,
                title: title.to_owned(),
                body: body.to_owned(),
                tags: tags.to_vec(),
            };
            let rev = u.next_revision()?;
            let mut m = u.manifest.clone();
            m.counter = rev;
            let old = m.entries.insert(id.0, rev);
            let rec = format::seal_note(&u.keys.note_wrap, &u.vault_id(), &id.0, rev, &content)?;
            let mut ops = vec![
                Op::Put(format::note_key(&id.0, rev), rec),
                Op::Put(MANIFEST_KEY.into(), m.seal(&u.keys.manifest, &u.vault_id())),
            ];
            if let Some(old) = old {
                ops.push(Op::Delete(format::note_key(&id.0, old)));
            }
            Ok((ops, m, content))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.manifest = manifest;
            u.notes.insert(id.0, Entry::new(content));
        }
        Ok(())
    }

    /// One note (`NOT_FOUND` if absent).
    pub fn get(&self, id: &NoteId) -> Result<Note> {
        self.with(|u| {
            let e = u
                .notes
                .get(&id.0)
                .ok_or_else(|| Error::NotFound(format!("note {id}")))?;
            Ok(Note {
                id: *id,
                title: e.content.title.clone(),
                body: e.content.body.clone(),
                tags: e.content.tags.clone(),
                created: e.content.created,
                updated: e.content.updated,
            })
        })
    }

    /// Every note's id, title, tags and update time, newest first.
    pub fn list(&self) -> Result<Vec<NoteSummary>> {
        self.with(|u| {
            Ok(sorted(
                u.notes
                    .iter()
                    .map(|(id, e)| e.summary(NoteId(*id)))
                    .collect(),
            ))
        })
    }

    /// Notes whose title, body or tags contain every whitespace-separated term of
    /// `query`, ignoring case; a term typed without diacritics also ignores them
    /// ("ha noi" finds "Hà Nội"). Newest first; an empty query lists everything.
    pub fn search(&self, query: &str) -> Result<Vec<NoteSummary>> {
        let q = search::Query::parse(query);
        self.with(|u| {
            Ok(sorted(
                u.notes
                    .iter()
                    .filter(|(_, e)| q.is_empty() || q.matches(&e.hay))
                    .map(|(id, e)| e.summary(NoteId(*id)))
                    .collect(),
            ))
        })
    }

    /// Deletes a note (`NOT_FOUND` if absent).
    pub async fn delete(&self, id: &NoteId) -> Result<()> {
        let _guard = self.write_lock.acquire().await;
        let (ops, manifest) = self.with_mut(|u| {
            if !u.manifest.entries.contains_key(&id.0) {
                return Err(Error::NotFound(format!("note {id}")));
            }
            let rev = u.next_revision()?;
            let mut m = u.manifest.clone();
            m.counter = rev;
            let old = m.entries.remove(&id.0);
            let mut ops = vec![Op::Put(
                MANIFEST_KEY.into(),
                m.seal(&u.keys.manifest, &u.vault_id()),
            )];
            if let Some(old) = old {
                ops.push(Op::Delete(format::note_key(&id.0, old)));
            }
            Ok((ops, m))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.manifest = manifest;
            u.notes.remove(&id.0);
        }
        Ok(())
    }

    /// Rewraps the vault key under `new` (fresh salt, same KDF parameters). Notes
    /// are not re-encrypted. A wrong `old` is `BAD_PASSPHRASE`.
    pub async fn change_passphrase(&self, old: &[u8], new: &[u8]) -> Result<()> {
        check_passphrase(new)?;
        let _guard = self.write_lock.acquire().await;
        let (header, vault_key) = self.with(|u| Ok((u.header.clone(), u.vault_key.clone())))?;
        let check = header.unwrap(old)?;
        if !bool::from(check.as_slice().ct_eq(vault_key.as_slice())) {
            return Err(Error::BadPassphrase);
        }
        let new_header = Header::seal(header.vault_id, header.kdf, new, &vault_key)?;
        self.store
            .apply(vec![Op::Put(HEADER_KEY.into(), new_header.encode())])
            .await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.header = new_header;
        }
        Ok(())
    }

    /// Wipes keys and decrypted notes from memory; later calls fail with `LOCKED`.
    pub fn lock(&self) {
        // Dropping `Unlocked` in place zeroizes every key and note where they live
        // (`take()` would move them out first and leave the old bytes behind);
        // copies that moves left on the (Wasm linear-memory) stack are wiped too.
        *self.state.borrow_mut() = None;
        crate::scrub::scrub_stack();
    }

    /// One encrypted, passphrase-protected file holding the whole vault, for
    /// [`Vault::import_backup`]. Records are read back from storage and verified.
    pub async fn export_backup(&self) -> Result<Vec<u8>> {
        let _guard = self.write_lock.acquire().await;
        let (header, manifest, vault_id, backup_key, note_wrap, manifest_key) = self.with(|u| {
            Ok((
                u.header.encode(),
                u.manifest.clone(),
                u.vault_id(),
                u.keys.backup.clone(),
                u.keys.note_wrap.clone(),
                u.keys.manifest.clone(),
            ))
        })?;
        let manifest_rec = self
            .store
            .get(MANIFEST_KEY)
            .await?
            .ok_or_else(|| Error::Tampered("the manifest is missing".into()))?;
        if Manifest::open(&manifest_key, &vault_id, &manifest_rec)? != manifest {
            return Err(Error::Tampered(
                "the stored manifest differs from the open vault".into(),
            ));
        }
        let mut payload = Zeroizing::new(Vec::new());
        push_blob(&mut payload, &manifest_rec);
        payload.extend_from_slice(&(manifest.entries.len() as u32).to_be_bytes());
        let records = fetch_notes(&self.store, &manifest).await?;
        for ((id, rev), rec) in manifest.entries.iter().zip(&records) {
            format::open_note(&note_wrap, &vault_id, id, *rev, rec)?;
            push_blob(&mut payload, rec);
        }
        let mut out = Vec::with_capacity(5 + header.len() + NONCE_LEN + payload.len() + 16);
        out.extend_from_slice(format::BACKUP_MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&header);
        let nonce = aead::random_array::<NONCE_LEN>();
        let ct = aead::seal(&backup_key, &nonce, &out, &payload);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Restores a backup into an empty `store` and returns the unlocked vault.
    /// Everything is verified before anything is written, then written in one
    /// batch: a corrupted backup leaves the store untouched. Errors:
    /// `MALFORMED_INPUT`/`UNSUPPORTED` (not a backup), `BAD_PASSPHRASE`,
    /// `LIMIT_EXCEEDED` (KDF caps), `TAMPERED` (content fails authentication),
    /// `INVALID_ARGUMENT` (store not empty).
    pub async fn import_backup(
        store: S,
        backup: &[u8],
        passphrase: &[u8],
        opts: OpenOptions,
    ) -> Result<Self> {
        let truncated = || Error::MalformedInput("the backup is truncated".into());
        let mut r = Reader::new(backup, truncated);
        if r.array::<4>()? != *format::BACKUP_MAGIC {
            return Err(Error::MalformedInput("not a Signet notes backup".into()));
        }
        let version = r.u8()?;
        if version != VERSION {
            return Err(Error::Unsupported(format!(
                "backup format version {version}"
            )));
        }
        let header = Header::decode(r.take(format::HEADER_LEN)?)?;
        let nonce = r.array::<NONCE_LEN>()?;
        let aad_len = 5 + format::HEADER_LEN;
        let aad = backup.get(..aad_len).ok_or_else(truncated)?;
        let ct = r.rest();
        let vault_key = Box::new(header.unwrap(passphrase)?);
        let vault_id = header.vault_id;
        let keys = Box::new(SubKeys::derive(&vault_key, &vault_id)?);
        let payload = aead::open(&keys.backup, &nonce, aad, ct)
            .map_err(|_| Error::Tampered("the backup is damaged or was modified".into()))?;
        let bad = || Error::Tampered("the backup's content is inconsistent".into());
        let mut r = Reader::new(&payload, bad);
        let manifest_rec = take_blob(&mut r)?;
        let manifest = Manifest::open(&keys.manifest, &vault_id, manifest_rec)?;
        let n = r.u32()? as usize;
        if n != manifest.entries.len() {
            return Err(bad());
        }
        let mut ops = Vec::with_capacity(n + 2);
        let mut notes = BTreeMap::new();
        for _ in 0..n {
            let rec = take_blob(&mut r)?;
            let (id, rev) = format::note_record_ids(rec)?;
            if manifest.entries.get(&id) != Some(&rev) || notes.contains_key(&id) {
                return Err(bad());
            }
            let content = format::open_note(&keys.note_wrap, &vault_id, &id, rev, rec)?;
            notes.insert(id, Entry::new(content));
            ops.push(Op::Put(format::note_key(&id, rev), rec.to_vec()));
        }
        if !r.is_empty() {
            return Err(bad());
        }
        ensure_empty(&store).await?;
        ops.push(Op::Put(MANIFEST_KEY.into(), manifest_rec.to_vec()));
        ops.push(Op::Put(HEADER_KEY.into(), header.encode()));
        store.apply(ops).await?;
        Ok(Self::from_parts(
            store,
            opts.clock,
            Unlocked {
                vault_key,
                keys,
                header,
                last_revision: manifest.counter,
                manifest,
                notes,
            },
        ))
    }
}

impl<S: Store> Vault<S> {
    /// Encrypts note `id` to the recipients' X-Wing wrap public keys, as a blob any
    /// of them can import with [`Vault::accept_shared_note`]. The blob is
    /// independent of this vault: a fresh note key, wrapped to the recipients.
    pub fn share_note(
        &self,
        id: &NoteId,
        recipients: &[crate::wrap::WrapPublicKey],
    ) -> Result<Vec<u8>> {
        let content = self.with(|u| {
            u.notes
                .get(&id.0)
                .map(|e| e.content.clone())
                .ok_or_else(|| Error::NotFound(format!("note {id}")))
        })?;
        format::seal_shared(&content, |k| crate::wrap::wrap_key(k, recipients))
    }

    /// Imports a shared note as a new note (fresh id, original creation time) and
    /// returns its id. `NO_MATCHING_KEY` if `sk` is not a recipient,
    /// `DECRYPTION_FAILED` if the blob was modified, `MALFORMED_INPUT` if it is not one.
    pub async fn accept_shared_note(
        &self,
        blob: &[u8],
        sk: &crate::wrap::WrapSecretKey,
    ) -> Result<NoteId> {
        let note = open_shared_note(blob, |env| crate::wrap::unwrap_key(env, sk))?;
        self.import_shared_note(note).await
    }

    /// Stores a note opened with [`open_shared_note`] as a new note (fresh id,
    /// original creation time) and returns its id.
    pub async fn import_shared_note(&self, note: SharedNote) -> Result<NoteId> {
        if self.is_locked() {
            return Err(Error::Locked);
        }
        let id = NoteId::random();
        let c = &note.0;
        self.put_content(id, Some(c.created), &c.title, &c.body, &c.tags)
            .await?;
        Ok(id)
    }
}

/// A shared note, decrypted but not yet stored. Wiped on drop.
pub struct SharedNote(NoteContent);

impl std::fmt::Debug for SharedNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedNote(<redacted>)")
    }
}

impl SharedNote {
    /// Title.
    pub fn title(&self) -> &str {
        &self.0.title
    }
    /// Body.
    pub fn body(&self) -> &str {
        &self.0.body
    }
    /// Tags.
    pub fn tags(&self) -> &[String] {
        &self.0.tags
    }
    /// Creation time at the sender, ms since the Unix epoch.
    pub fn created(&self) -> u64 {
        self.0.created
    }
}

/// Decrypts a blob from [`Vault::share_note`]; `unwrap` recovers the note key from
/// the wrap envelope (normally [`crate::wrap::unwrap_key`] with your secret key).
/// `MALFORMED_INPUT` / `UNSUPPORTED` if it is not a shared note, `DECRYPTION_FAILED`
/// if it was modified; `unwrap`'s errors pass through.
pub fn open_shared_note(
    blob: &[u8],
    unwrap: impl FnOnce(&[u8]) -> Result<Zeroizing<[u8; 32]>>,
) -> Result<SharedNote> {
    format::open_shared(blob, unwrap).map(SharedNote)
}

/// Every record the manifest lists, in manifest order; a missing one is `TAMPERED`.
async fn fetch_notes<S: Store>(store: &S, manifest: &Manifest) -> Result<Vec<Vec<u8>>> {
    let keys: Vec<String> = manifest
        .entries
        .iter()
        .map(|(id, rev)| format::note_key(id, *rev))
        .collect();
    let values = store.get_many(&keys).await?;
    if values.len() != keys.len() {
        return Err(Error::Storage(
            "the store returned a different number of records than asked for".into(),
        ));
    }
    manifest
        .entries
        .keys()
        .zip(values)
        .map(|(id, v)| {
            v.ok_or_else(|| {
                Error::Tampered(format!("note {} is missing from storage", NoteId(*id)))
            })
        })
        .collect()
}

fn check_counter(m: &Manifest, min: u64) -> Result<()> {
    if m.counter < min {
        return Err(Error::Tampered(format!(
            "the vault was rolled back: manifest counter {} is below the last seen {}",
            m.counter, min
        )));
    }
    Ok(())
}

fn sorted(mut v: Vec<NoteSummary>) -> Vec<NoteSummary> {
    v.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.id.cmp(&b.id)));
    v
}

fn push_blob(out: &mut Vec<u8>, blob: &[u8]) {
    out.extend_from_slice(&(blob.len() as u32).to_be_bytes());
    out.extend_from_slice(blob);
}

fn take_blob<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let n = r.u32()? as usize;
    r.take(n)
}
