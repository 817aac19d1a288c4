//! Secure Notes: an encrypted notes vault over any async key-value [`Store`].
//!
//! Key hierarchy: passphrase → Argon2id ([`crate::kdf`]) → key-encryption key →
//! wraps a random vault key → (HKDF) manifest, note-wrapping and backup keys → each
//! note revision has its own random key. Changing the passphrase rewraps only the
//! vault key. Storage sees an opaque random note id, a revision number and a padded
//! size bucket per note; everything else is AES-256-GCM ciphertext.
//!
//! Every change writes one small root record (`root/<counter>`) that commits to 256
//! encrypted manifest shards, which list every note's current revision ([`index`]),
//! so a deleted, swapped or rolled-back record is `TAMPERED` (on unlock, or for a
//! note's changed ciphertext when the note is read) and one put writes three
//! records whatever the vault's size. The shards also hold every note's summary
//! (title, tags, times), so opening decrypts 256 shards and no note: a body is
//! decrypted when it is read ([`catalog`]). Rolling back the *whole* store cannot
//! be seen from inside it; keep [`Vault::manifest_counter`] and
//! [`Vault::vault_id`] elsewhere and pass them back as [`OpenOptions`] to detect
//! that too. Changing the passphrase rotates the vault key ([`Vault::rotate_keys`]).
//!
//! One writer at a time: two windows writing the same vault overwrite each other's
//! root (last writer wins).
//!
//! The byte formats are in `docs/vault-format.md`.

mod backup;
mod catalog;
mod format;
mod index;
mod legacy;
mod lock;
mod search;
mod slots;
mod store;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::aead;
use crate::kdf::KdfParams;
use crate::{Error, Result};

use catalog::Catalog;
pub use format::{bucket_size, ID_LEN, MAX_BODY, MAX_NOTES, MAX_TAG, MAX_TAGS, MAX_TITLE, VERSION};
use format::{Header, NoteContent, SubKeys, Summary};
use index::{Shard, SHARDS};
pub use index::{ROOT_PREFIX, SHARD_PREFIX};
pub use search::fold as fold_for_search;
use slots::Slot;
pub use slots::{
    EscrowKey, PasskeyRequest, SlotInfo, SlotKind, Unlock, MAX_CREDENTIAL_ID, MAX_LABEL, MAX_SLOTS,
    PASSPHRASE_SLOT_ID, RECOVERY_CODE_BITS,
};
pub use store::{MemoryStore, Op, Store};

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

/// One note of a list or search result, borrowed from the vault
/// ([`Vault::visit_matches`]).
pub(crate) struct SummaryView<'a> {
    pub id: NoteId,
    pub title: &'a str,
    pub tags: &'a [String],
    pub updated: u64,
}

impl<'a> SummaryView<'a> {
    fn of(id: &[u8; ID_LEN], c: &'a Summary) -> Self {
        SummaryView {
            id: NoteId(*id),
            title: &c.title,
            tags: &c.tags,
            updated: c.updated,
        }
    }

    fn to_summary(&self) -> NoteSummary {
        NoteSummary {
            id: self.id,
            title: self.title.to_owned(),
            tags: self.tags.to_vec(),
            updated: self.updated,
        }
    }
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
    /// Refuse (TAMPERED) a vault with another [`Vault::vault_id`]: replacing the
    /// whole store by another vault (of the same passphrase) is caught.
    pub expected_vault_id: Option<[u8; ID_LEN]>,
    /// Timestamps for new and changed notes.
    pub clock: Rc<dyn Clock>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            min_manifest_counter: 0,
            expected_vault_id: None,
            clock: Rc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OpenOptions {{ min_manifest_counter: {}, expected_vault_id: {:?} }}",
            self.min_manifest_counter,
            self.expected_vault_id.map(|id| format::to_hex(&id))
        )
    }
}

/// Everything that exists only while unlocked; dropping it wipes keys and notes.
struct Unlocked {
    // Boxed from the moment they exist: async fns keep values that live across an
    // `await` in their (heap) future, and moving a plain key out of it into here
    // would leave an unwiped copy in the freed future. A box moves only a pointer.
    /// Key-encryption key (from the passphrase): [`Vault::rotate_keys`] wraps a new
    /// vault key under it without asking for the passphrase again. `None` when
    /// another slot unlocked the vault ([`Vault::set_passphrase`] sets one).
    kek: Option<Box<Zeroizing<[u8; 32]>>>,
    vault_key: Box<Zeroizing<[u8; 32]>>,
    keys: Box<SubKeys>,
    header: Header,
    /// The key slots besides the passphrase, as the committed root holds them.
    slots: Vec<Slot>,
    /// Counter of the committed root record.
    counter: u64,
    shards: Vec<Shard>,
    /// Highest counter value handed out or seen in any record's key (≥ `counter`).
    last_revision: u64,
    notes: Catalog,
}

impl Unlocked {
    /// The state at committed `counter`.
    fn new(
        (kek, vault_key, keys): KeyChain,
        header: Header,
        counter: u64,
        shards: Vec<Shard>,
        notes: Catalog,
    ) -> Self {
        Unlocked {
            kek,
            vault_key,
            keys,
            header,
            slots: Vec::new(),
            counter,
            shards,
            last_revision: counter,
            notes,
        }
    }

    fn vault_id(&self) -> [u8; ID_LEN] {
        self.header.vault_id
    }

    /// Decrypts note `id`'s stored record: `NOT_FOUND` if there is no such note,
    /// `TAMPERED` if the record fails to open as the revision the shard lists or
    /// does not hold the summary the shard gave (title, tags and times are bound
    /// to the note revision they describe).
    fn content(&self, id: &NoteId) -> Result<NoteContent> {
        let (summary, record) = self
            .notes
            .get(&id.0)
            .ok_or_else(|| Error::NotFound(format!("note {id}")))?;
        let rev = self.shards[index::shard_of(&id.0)]
            .entries
            .get(&id.0)
            .copied()
            .ok_or_else(|| Error::Internal("a note outside the manifest".into()))?;
        let c = format::open_note(&self.keys.note_wrap, &self.vault_id(), &id.0, rev, record)?;
        if c.summary() != *summary {
            return Err(Error::Tampered(format!(
                "note {id} differs from its manifest entry"
            )));
        }
        Ok(c)
    }

    /// The counter value for the next change. Advanced even if that change then
    /// fails to be written, so a (note id, revision) pair is never reused, while
    /// `counter` stays the last committed value.
    fn next_revision(&mut self) -> Result<u64> {
        self.last_revision = self
            .last_revision
            .checked_add(1)
            .ok_or_else(|| Error::LimitExceeded("manifest counter exhausted".into()))?;
        Ok(self.last_revision)
    }

    /// The batch of a change at `rev`, in crash-safe order: `records` (new note
    /// records), the `changed` shards, the root `root/<rev>` under `header`, `slots`
    /// and `keys` (the commit point), then deletion of the old root, the replaced shards
    /// and `garbage`. A store that applies it op by op and stops anywhere leaves the
    /// old root (and all it references) or the new one. Shards take their notes'
    /// summaries from the catalog, or `pending` for the note being written.
    fn change_ops(
        &self,
        rev: u64,
        (header, slots, keys): (&Header, &[Slot], &SubKeys),
        mut records: Vec<Op>,
        changed: &[(usize, Shard)],
        garbage: Vec<String>,
        pending: Option<(&[u8; ID_LEN], &Summary)>,
    ) -> Result<Vec<Op>> {
        let summary_of = |id: &[u8; ID_LEN]| match pending {
            Some((p, s)) if p == id => Some(s),
            _ => self.notes.summary(id),
        };
        let vault_id = self.vault_id();
        let mut revs = [0u64; SHARDS];
        for (r, s) in revs.iter_mut().zip(&self.shards) {
            *r = s.rev;
        }
        let mut deletes = Vec::with_capacity(changed.len() + garbage.len() + 1);
        if self.counter > 0 {
            deletes.push(Op::Delete(index::root_key(self.counter)));
        }
        for (i, s) in changed {
            let old = self.shards[*i].rev;
            if old != 0 && old != s.rev {
                deletes.push(Op::Delete(index::shard_key(*i, old)));
            }
            revs[*i] = s.rev;
            if s.rev != 0 {
                records.push(Op::Put(
                    index::shard_key(*i, s.rev),
                    index::seal_shard(&keys.manifest, &vault_id, *i, s, summary_of)?,
                ));
            }
        }
        records.push(Op::Put(
            index::root_key(rev),
            index::seal_root(header, rev, &revs, slots, &keys.manifest),
        ));
        records.extend(deletes);
        records.extend(garbage.into_iter().map(Op::Delete));
        Ok(records)
    }

    /// [`Unlocked::change_ops`] under the vault's current header, slots and keys.
    fn change(
        &self,
        rev: u64,
        records: Vec<Op>,
        changed: &[(usize, Shard)],
        garbage: Vec<String>,
        pending: Option<(&[u8; ID_LEN], &Summary)>,
    ) -> Result<Vec<Op>> {
        let current = (&self.header, self.slots.as_slice(), &*self.keys);
        self.change_ops(rev, current, records, changed, garbage, pending)
    }

    /// Adopts a change once it is stored.
    fn commit(&mut self, rev: u64, changed: Vec<(usize, Shard)>) {
        self.counter = rev;
        for (i, s) in changed {
            self.shards[i] = s;
        }
    }
}

/// An unlocked (or locked) vault on store `S`.
///
/// Methods take `&self` and never hold a borrow across an `await`; writes queue on
/// an internal async lock in call order, so overlapping calls from JS are safe.
pub struct Vault<S: Store> {
    store: S,
    clock: Rc<dyn Clock>,
    vault_id: [u8; ID_LEN],
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

/// The embedder's pins: the vault id and (once known) the lowest acceptable counter.
fn check_pins(vault_id: &[u8; ID_LEN], counter: Option<u64>, opts: &OpenOptions) -> Result<()> {
    if opts.expected_vault_id.is_some_and(|e| e != *vault_id) {
        return Err(Error::Tampered(format!(
            "this storage holds another vault ({}) than the one expected",
            format::to_hex(vault_id)
        )));
    }
    match counter {
        Some(c) if c < opts.min_manifest_counter => Err(Error::Tampered(format!(
            "the vault was rolled back: manifest counter {c} is below the last seen {}",
            opts.min_manifest_counter
        ))),
        _ => Ok(()),
    }
}

/// A new passphrase's salt and KEK.
type SaltedKek = ([u8; format::SALT_LEN], Box<Zeroizing<[u8; 32]>>);

/// The keys below the passphrase: KEK, vault key, sub-keys. Boxed (see [`Unlocked`]).
type KeyChain = (
    Option<Box<Zeroizing<[u8; 32]>>>,
    Box<Zeroizing<[u8; 32]>>,
    Box<SubKeys>,
);

fn unlock(header: &Header, passphrase: &[u8]) -> Result<KeyChain> {
    let kek = Box::new(header.kek(passphrase)?);
    let vault_key = Box::new(header.unwrap_with(&kek)?);
    let keys = Box::new(SubKeys::derive(&vault_key, &header.vault_id)?);
    Ok((Some(kek), vault_key, keys))
}

/// Note records fetched per `get_many` when a vault opens: few round trips, and
/// only this many records in flight at once.
const LOAD_BATCH: usize = 2048;

/// Reads the note records `entries` lists, [`LOAD_BATCH`] at a time, into a
/// catalog. A note whose summary `summaries` holds (format 4) is kept encrypted:
/// its record must be there and claim its id and revision, and it is
/// authenticated when it is read. Any other note (formats 1–3) is decrypted to
/// make its summary. A missing or failing record is `TAMPERED`.
async fn load_notes<S: Store>(
    store: &S,
    keys: &SubKeys,
    vault_id: &[u8; ID_LEN],
    entries: &[([u8; ID_LEN], u64)],
    mut summaries: HashMap<[u8; ID_LEN], Summary>,
) -> Result<Catalog> {
    let mut notes = Catalog::default();
    for batch in entries.chunks(LOAD_BATCH) {
        let names: Vec<String> = batch
            .iter()
            .map(|(id, rev)| format::note_key(id, *rev))
            .collect();
        for ((id, rev), rec) in batch.iter().zip(get_all(store, &names).await?) {
            let rec = rec.ok_or_else(|| {
                Error::Tampered(format!("note {} is missing from storage", NoteId(*id)))
            })?;
            let summary = match summaries.remove(id) {
                Some(s) if format::note_record_ids(&rec)? == (*id, *rev) => s,
                Some(_) => return Err(format::tampered_record()),
                None => format::open_note(&keys.note_wrap, vault_id, id, *rev, &rec)?.summary(),
            };
            notes.insert(*id, summary, rec);
        }
    }
    Ok(notes)
}

/// `get_many` that checks the store answered every key.
async fn get_all<S: Store>(store: &S, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
    let values = store.get_many(keys).await?;
    if values.len() != keys.len() {
        return Err(Error::Storage(
            "the store returned a different number of records than asked for".into(),
        ));
    }
    Ok(values)
}

/// The newest root record's counter and key, if any.
async fn newest_root<S: Store>(store: &S) -> Result<Option<(u64, String)>> {
    Ok(store
        .list(ROOT_PREFIX)
        .await?
        .into_iter()
        .filter_map(|k| index::parse_root_key(&k).map(|c| (c, k)))
        .max())
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
        let (salt, kek) = Header::new_kek(passphrase, &kdf)?;
        let kek = Box::new(kek);
        let vault_key = Box::new(Zeroizing::new(aead::random_array::<32>()));
        let header = Header::wrap(VERSION, vault_id, kdf, salt, &kek, &vault_key)?;
        let keys = Box::new(SubKeys::derive(&vault_key, &vault_id)?);
        let shards = vec![Shard::default(); SHARDS];
        let mut u = Unlocked::new(
            (Some(kek), vault_key, keys),
            header,
            0,
            shards,
            Catalog::default(),
        );
        let rev = u.next_revision()?;
        store
            .apply(u.change(rev, Vec::new(), &[], Vec::new(), None)?)
            .await?;
        u.commit(rev, Vec::new());
        Ok(Self::from_parts(store, opts.clock, u))
    }

    fn from_parts(store: S, clock: Rc<dyn Clock>, u: Unlocked) -> Self {
        Vault {
            store,
            clock,
            vault_id: u.vault_id(),
            state: RefCell::new(Some(u)),
            write_lock: lock::AsyncLock::default(),
        }
    }

    /// Unlocks the vault in `store`: `NOT_FOUND` without one, `BAD_PASSPHRASE` for a
    /// wrong passphrase, `LIMIT_EXCEEDED` for KDF parameters over the caps,
    /// `TAMPERED` when records are missing, modified, swapped or rolled back, or the
    /// vault is not the one `opts` pins. Records no longer referenced (left by a
    /// crash) are deleted; records newer than the root are kept. A format-1 vault is
    /// upgraded to format 3, as is a format-2 vault.
    pub async fn open(store: S, passphrase: &[u8], opts: OpenOptions) -> Result<Self> {
        Self::open_with(store, Unlock::Passphrase(passphrase), opts).await
    }

    /// [`Vault::open`] with any key slot: the passphrase, a recovery code, a
    /// passkey's PRF output or an escrow secret key ([`Unlock`]). A vault unlocked
    /// without its passphrase cannot rotate keys until [`Vault::set_passphrase`].
    /// Errors as [`Vault::open`]; a secret no slot takes is `BAD_PASSPHRASE`
    /// (recovery code) or `NO_MATCHING_KEY` (passkey, escrow key).
    pub async fn open_with(store: S, unlock_with: Unlock<'_>, opts: OpenOptions) -> Result<Self> {
        // A mistyped recovery code fails here, before any storage access.
        slots::precheck(&unlock_with)?;
        let Some((counter, root_name)) = newest_root(&store).await? else {
            if let Some(h) = store.get(legacy::HEADER_KEY).await? {
                let Unlock::Passphrase(passphrase) = unlock_with else {
                    return Err(slots::no_slot(&unlock_with));
                };
                return Self::open_legacy(store, &h, passphrase, opts).await;
            }
            if !store.list("").await?.is_empty() {
                return Err(Error::Tampered(
                    "the storage holds vault records but no root record".into(),
                ));
            }
            return Err(Error::NotFound("no vault in this storage".into()));
        };
        let root = store
            .get(&root_name)
            .await?
            .ok_or_else(|| Error::Tampered("the root record vanished".into()))?;
        let parts = index::parse_root(&root)?;
        if parts.counter != counter {
            return Err(Error::Tampered(
                "the root record is stored under another counter".into(),
            ));
        }
        let header = parts.header.clone();
        check_pins(&header.vault_id, Some(counter), &opts)?;
        let (kek, vault_key, keys) = match unlock_with {
            Unlock::Passphrase(p) => unlock(&header, p)?,
            _ => slots::unlock(&header.vault_id, &parts.slots, &unlock_with)?,
        };
        let (revs, slot_list) = index::open_root(&keys.manifest, &root, parts)?;
        let vault_id = header.vault_id;
        let shard_names: Vec<(usize, String)> = revs
            .iter()
            .enumerate()
            .filter(|(_, r)| **r != 0)
            .map(|(i, r)| (i, index::shard_key(i, *r)))
            .collect();
        let names: Vec<String> = shard_names.iter().map(|(_, k)| k.clone()).collect();
        let mut shards = vec![Shard::default(); SHARDS];
        let mut summaries = HashMap::new();
        let mut old_shards = false;
        let mut total = 0usize;
        for ((i, _), rec) in shard_names.iter().zip(get_all(&store, &names).await?) {
            let rec = rec.ok_or_else(|| Error::Tampered("a manifest shard is missing".into()))?;
            let (s, listed) = index::open_shard(&keys.manifest, &vault_id, *i, revs[*i], &rec)?;
            total += s.entries.len();
            if total > MAX_NOTES {
                return Err(Error::LimitExceeded(format!("more than {MAX_NOTES} notes")));
            }
            match listed {
                Some(l) => summaries.extend(l),
                None => old_shards = true,
            }
            shards[*i] = s;
        }
        let entries: Vec<([u8; ID_LEN], u64)> = shards
            .iter()
            .flat_map(|s| s.entries.iter().map(|(id, r)| (*id, *r)))
            .collect();
        let notes = load_notes(&store, &keys, &vault_id, &entries, summaries).await?;
        let mut u = Unlocked::new((kek, vault_key, keys), header, counter, shards, notes);
        u.slots = slot_list;
        u.last_revision = collect_garbage(&store, &u).await?;
        upgrade_root(&store, &mut u, old_shards).await?;
        Ok(Self::from_parts(store, opts.clock, u))
    }

    /// Opens a format-1 vault (`header` + `manifest`), verifies it exactly as
    /// format 1 did, and rewrites its index as format 2 in one batch (the note
    /// records stay as they are).
    async fn open_legacy(
        store: S,
        header_bytes: &[u8],
        passphrase: &[u8],
        opts: OpenOptions,
    ) -> Result<Self> {
        let header = Header::decode(header_bytes)?;
        check_pins(&header.vault_id, None, &opts)?;
        if header.version != format::V1 {
            return Err(Error::Tampered(
                "the legacy header record holds a newer header".into(),
            ));
        }
        let (kek, vault_key, keys) = unlock(&header, passphrase)?;
        let vault_id = header.vault_id;
        let manifest_bytes = store
            .get(legacy::MANIFEST_KEY)
            .await?
            .ok_or_else(|| Error::Tampered("the manifest is missing".into()))?;
        let m = legacy::Manifest::open(&keys.manifest, &vault_id, &manifest_bytes)?;
        check_pins(&vault_id, Some(m.counter), &opts)?;
        let entries: Vec<([u8; ID_LEN], u64)> = m.entries.iter().map(|(i, r)| (*i, *r)).collect();
        let notes = load_notes(&store, &keys, &vault_id, &entries, HashMap::new()).await?;
        let chain = (kek, vault_key, keys);
        let u = upgrade(
            &store,
            &header,
            chain,
            m.counter,
            notes,
            entries,
            Vec::new(),
        )
        .await?;
        Ok(Self::from_parts(store, opts.clock, u))
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

    /// The vault's id: random, fixed at creation, kept by backups, public (it is
    /// stored in plaintext). Keep it with the counter and pass it back as
    /// [`OpenOptions::expected_vault_id`]. Available after [`Vault::lock`] too.
    pub fn vault_id(&self) -> [u8; ID_LEN] {
        self.vault_id
    }

    /// The manifest counter: grows with every change. Keep it outside the store to
    /// detect a whole-store rollback later ([`OpenOptions::min_manifest_counter`]).
    pub fn manifest_counter(&self) -> Result<u64> {
        self.with(|u| Ok(u.counter))
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
        let (ops, rev, changed, content, rec) = self.with_mut(|u| {
            let created = u
                .notes
                .summary(&id.0)
                .map(|c| c.created)
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
            let i = index::shard_of(&id.0);
            let mut shard = u.shards[i].clone();
            let old = shard.entries.insert(id.0, rev);
            shard.rev = rev;
            let rec = format::seal_note(&u.keys.note_wrap, &u.vault_id(), &id.0, rev, &content)?;
            let garbage = old
                .map(|o| format::note_key(&id.0, o))
                .into_iter()
                .collect();
            let changed = vec![(i, shard)];
            let summary = content.summary();
            let records = vec![Op::Put(format::note_key(&id.0, rev), rec.clone())];
            let ops = u.change(rev, records, &changed, garbage, Some((&id.0, &summary)))?;
            Ok((ops, rev, changed, summary, rec))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.commit(rev, changed);
            u.notes.insert(id.0, content, rec);
        }
        Ok(())
    }

    /// One note (`NOT_FOUND` if absent), decrypted from the record read when the
    /// vault opened; `TAMPERED` if that record was modified, swapped or replaced
    /// by another revision.
    pub fn get(&self, id: &NoteId) -> Result<Note> {
        self.with(|u| {
            let c = u.content(id)?;
            Ok(Note {
                id: *id,
                title: c.title.clone(),
                body: c.body.clone(),
                tags: c.tags.clone(),
                created: c.created,
                updated: c.updated,
            })
        })
    }

    /// Every note's id, title, tags and update time, newest first.
    pub fn list(&self) -> Result<Vec<NoteSummary>> {
        self.search("")
    }

    /// Notes whose title or tags contain every whitespace-separated term of
    /// `query`, ignoring case; a term typed without diacritics also ignores them
    /// ("ha noi" finds "Hà Nội"). Newest first; an empty query lists everything.
    /// Bodies stay encrypted until read (format 4), so they are not searched:
    /// [`Vault::search_bodies`] does.
    pub fn search(&self, query: &str) -> Result<Vec<NoteSummary>> {
        let mut out = Vec::new();
        self.visit_matches(query, false, (0, usize::MAX), |s| out.push(s.to_summary()))?;
        Ok(out)
    }

    /// [`Vault::search`] over titles, tags *and bodies*, the search of formats 1–3:
    /// decrypts every note (until `limit` matches), so it costs what opening a
    /// vault used to. `TAMPERED` if a note record was modified.
    pub fn search_bodies(&self, query: &str) -> Result<Vec<NoteSummary>> {
        let mut out = Vec::new();
        self.visit_matches(query, true, (0, usize::MAX), |s| out.push(s.to_summary()))?;
        Ok(out)
    }

    /// [`Vault::search`] (with `bodies`, [`Vault::search_bodies`]) without
    /// copying: calls `f` with up to `limit` matches after the first `offset` of
    /// the newest-first result, borrowed from the vault (the JS binding writes them
    /// straight into its result). `f` must not call the vault.
    pub(crate) fn visit_matches(
        &self,
        query: &str,
        bodies: bool,
        (offset, limit): (usize, usize),
        mut f: impl FnMut(SummaryView<'_>),
    ) -> Result<()> {
        let q = search::Query::parse(query);
        self.with(|u| {
            if !bodies || q.is_empty() {
                for (id, c) in u.notes.matching(&q).skip(offset).take(limit) {
                    f(SummaryView::of(id, c));
                }
                return Ok(());
            }
            let mut text = Zeroizing::new(String::new());
            let mut skip = offset;
            let mut left = limit;
            for (id, c) in u.notes.iter() {
                if left == 0 {
                    break;
                }
                let note = u.content(&NoteId(*id))?;
                let mut parts = vec![note.title.as_str(), note.body.as_str()];
                parts.extend(note.tags.iter().map(String::as_str));
                text.clear();
                search::fold_into(&parts, &mut text);
                if !q.matches(text.as_bytes(), || parts.clone()) {
                    continue;
                }
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                left -= 1;
                f(SummaryView::of(id, c));
            }
            Ok(())
        })
    }

    /// Deletes a note (`NOT_FOUND` if absent).
    pub async fn delete(&self, id: &NoteId) -> Result<()> {
        let _guard = self.write_lock.acquire().await;
        let (ops, rev, changed) = self.with_mut(|u| {
            let i = index::shard_of(&id.0);
            if !u.shards[i].entries.contains_key(&id.0) {
                return Err(Error::NotFound(format!("note {id}")));
            }
            let rev = u.next_revision()?;
            let mut shard = u.shards[i].clone();
            let old = shard.entries.remove(&id.0);
            shard.rev = if shard.entries.is_empty() { 0 } else { rev };
            let garbage = old
                .map(|o| format::note_key(&id.0, o))
                .into_iter()
                .collect();
            let changed = vec![(i, shard)];
            let ops = u.change(rev, Vec::new(), &changed, garbage, None)?;
            Ok((ops, rev, changed))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.commit(rev, changed);
            u.notes.remove(&id.0);
        }
        Ok(())
    }

    /// Changes the passphrase and rotates the vault key ([`Vault::rotate_keys`]):
    /// a header or backup from before, with the old passphrase, opens nothing
    /// written after. A wrong `old` is `BAD_PASSPHRASE`.
    pub async fn change_passphrase(&self, old: &[u8], new: &[u8]) -> Result<()> {
        check_passphrase(new)?;
        let _guard = self.write_lock.acquire().await;
        let header = self.with(|u| Ok(u.header.clone()))?;
        let check = Box::new(header.kek(old)?);
        // Compared through the vault key, so it works when another slot unlocked
        // the vault and the KEK is unknown.
        let opened = Box::new(header.unwrap_with(&check)?);
        let same =
            self.with(|u| Ok(bool::from(opened.as_slice().ct_eq(u.vault_key.as_slice()))))?;
        if !same {
            return Err(Error::BadPassphrase);
        }
        let (salt, kek) = Header::new_kek(new, &header.kdf)?;
        self.rotate(Some((salt, Box::new(kek))), None).await
    }

    /// Replaces the vault key by a fresh random one: every note is sealed again under
    /// new per-note keys wrapped by the new note-wrap key, every shard and the root
    /// under the new manifest key, all in one batch whose commit point is the new
    /// root. Costs one write per note. Old headers and backups keep opening only
    /// what they held.
    pub async fn rotate_keys(&self) -> Result<()> {
        let _guard = self.write_lock.acquire().await;
        self.rotate(None, None).await
    }

    /// The rotation; `new_kek` (with its salt) also changes the passphrase,
    /// `new_slots` the key slots (else they stay). Every slot is wrapped again to
    /// the new vault key. The caller holds the write lock.
    async fn rotate(&self, new_kek: Option<SaltedKek>, new_slots: Option<Vec<Slot>>) -> Result<()> {
        let vault_key = Box::new(Zeroizing::new(aead::random_array::<32>()));
        let keys = Box::new(SubKeys::derive(&vault_key, &self.vault_id)?);
        let (ops, rev, changed, header, kek, slot_list, resealed) = self.with_mut(|u| {
            let (header, kek) = match (new_kek, &u.kek) {
                (Some((salt, kek)), _) => {
                    let h =
                        Header::wrap(VERSION, u.vault_id(), u.header.kdf, salt, &kek, &vault_key)?;
                    (h, kek)
                }
                (None, Some(old)) => {
                    let kek = Box::new(Zeroizing::new(***old));
                    (u.header.rewrap(VERSION, &kek, &vault_key)?, kek)
                }
                (None, None) => return Err(slots::needs_passphrase()),
            };
            let slot_list =
                slots::rewrap(new_slots.unwrap_or_else(|| u.slots.clone()), &vault_key)?;
            let rev = u.next_revision()?;
            let vault_id = u.vault_id();
            let mut records = Vec::with_capacity(u.notes.len());
            let mut resealed = Vec::with_capacity(u.notes.len());
            let mut garbage = Vec::with_capacity(u.notes.len());
            for (id, _) in u.notes.iter() {
                let content = u.content(&NoteId(*id))?;
                let rec = format::seal_note(&keys.note_wrap, &vault_id, id, rev, &content)?;
                records.push(Op::Put(format::note_key(id, rev), rec.clone()));
                resealed.push((*id, rec));
            }
            for s in &u.shards {
                garbage.extend(s.entries.iter().map(|(id, r)| format::note_key(id, *r)));
            }
            let shards = index::build_shards(u.notes.iter().map(|(id, _)| (*id, rev)), rev);
            let changed: Vec<(usize, Shard)> = shards.into_iter().enumerate().collect();
            let ops = u.change_ops(
                rev,
                (&header, &slot_list, &keys),
                records,
                &changed,
                garbage,
                None,
            )?;
            Ok((ops, rev, changed, header, kek, slot_list, resealed))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.commit(rev, changed);
            for (id, rec) in resealed {
                u.notes.set_record(&id, rec);
            }
            u.slots = slot_list;
            // Assigning drops the old boxes, which wipes the old keys in place.
            u.kek = Some(kek);
            u.vault_key = vault_key;
            u.keys = keys;
            u.header = header;
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
}

/// Turns a verified format-1 vault (`header`, its keys, its manifest's `counter`,
/// `notes` and `entries`) into format 2: after `records` (note records not yet
/// stored, for a restore), the shards and a root under a version-2 header, as one
/// change at a fresh counter that also deletes the format-1 records.
async fn upgrade<S: Store>(
    store: &S,
    header: &Header,
    (kek, vault_key, keys): KeyChain,
    counter: u64,
    notes: Catalog,
    entries: Vec<([u8; ID_LEN], u64)>,
    mut records: Vec<Op>,
) -> Result<Unlocked> {
    let old_kek = kek.as_ref().ok_or_else(slots::needs_passphrase)?;
    let header = header.rewrap(VERSION, old_kek, &vault_key)?;
    let shards = vec![Shard::default(); SHARDS];
    let mut u = Unlocked::new((kek, vault_key, keys), header, counter, shards, notes);
    // Above every revision any record in the store claims (an earlier upgrade
    // may have crashed after writing shards).
    for prefix in [NOTE_PREFIX, SHARD_PREFIX, ROOT_PREFIX] {
        for k in store.list(prefix).await? {
            if let Some(r) = record_revision(&k) {
                u.last_revision = u.last_revision.max(r);
            }
        }
    }
    let rev = u.next_revision()?;
    let referenced: std::collections::BTreeSet<String> = entries
        .iter()
        .map(|(id, r)| format::note_key(id, *r))
        .collect();
    let mut garbage = vec![
        legacy::HEADER_KEY.to_owned(),
        legacy::MANIFEST_KEY.to_owned(),
    ];
    garbage.extend(
        store.list(NOTE_PREFIX).await?.into_iter().filter(|k| {
            !referenced.contains(k) && record_revision(k).is_none_or(|r| r <= u.counter)
        }),
    );
    let changed: Vec<(usize, Shard)> = index::build_shards(entries, rev)
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.rev != 0)
        .collect();
    // No root of the old counter exists; `change_ops` must not delete one.
    u.counter = 0;
    records.extend(u.change(rev, Vec::new(), &changed, garbage, None)?);
    store.apply(records).await?;
    u.commit(rev, changed);
    Ok(u)
}

/// Brings an opened vault to format 4 in one change, if it is older: every shard
/// is rewritten with its notes' summaries when `old_shards` (some were format
/// 2/3's), and the root's header becomes version 4 when the KEK is known (a
/// format-3 vault opened by another slot keeps its version-3 header, which
/// format 4 reads alike, until the passphrase opens it). The notes stay. A crash
/// leaves the old root, which opens and upgrades again.
async fn upgrade_root<S: Store>(store: &S, u: &mut Unlocked, old_shards: bool) -> Result<()> {
    let header = match &u.kek {
        Some(kek) if u.header.version != VERSION => u.header.rewrap(VERSION, kek, &u.vault_key)?,
        None if u.header.version == format::V2 => return Err(slots::needs_passphrase()),
        _ if !old_shards => return Ok(()),
        _ => u.header.clone(),
    };
    let rev = u.next_revision()?;
    let changed: Vec<(usize, Shard)> = if old_shards {
        index::build_shards(u.shards.iter().flat_map(|s| s.entries.clone()), rev)
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.rev != 0)
            .collect()
    } else {
        Vec::new()
    };
    let ops = u.change_ops(
        rev,
        (&header, &u.slots, &u.keys),
        Vec::new(),
        &changed,
        Vec::new(),
        None,
    )?;
    store.apply(ops).await?;
    u.header = header;
    u.commit(rev, changed);
    Ok(())
}

/// The revision a record key names (note, shard or root), if it is one of ours.
fn record_revision(key: &str) -> Option<u64> {
    format::parse_note_key(key)
        .map(|(_, r)| r)
        .or_else(|| index::parse_shard_key(key).map(|(_, r)| r))
        .or_else(|| index::parse_root_key(key))
}

/// Deletes what the committed root no longer references: older roots, replaced
/// shards and note revisions, format-1 leftovers, unparseable keys under our
/// prefixes. Records *newer* than the root are evidence (a crash mid-change, or
/// a root rolled back) and stay. Best effort. Returns the highest revision seen,
/// so the next change goes above it.
async fn collect_garbage<S: Store>(store: &S, u: &Unlocked) -> Result<u64> {
    let mut highest = u.counter;
    let mut garbage = Vec::new();
    for k in store.list(NOTE_PREFIX).await? {
        match format::parse_note_key(&k) {
            Some((id, r)) => {
                highest = highest.max(r);
                let live = u.shards[index::shard_of(&id)].entries.get(&id) == Some(&r);
                if r <= u.counter && !live {
                    garbage.push(Op::Delete(k));
                }
            }
            None => garbage.push(Op::Delete(k)),
        }
    }
    for k in store.list(SHARD_PREFIX).await? {
        match index::parse_shard_key(&k) {
            Some((i, r)) => {
                highest = highest.max(r);
                if r <= u.counter && u.shards[i].rev != r {
                    garbage.push(Op::Delete(k));
                }
            }
            None => garbage.push(Op::Delete(k)),
        }
    }
    for k in store.list(ROOT_PREFIX).await? {
        if index::parse_root_key(&k).is_none_or(|r| r < u.counter) {
            garbage.push(Op::Delete(k));
        }
    }
    for k in [legacy::HEADER_KEY, legacy::MANIFEST_KEY] {
        if store.list(k).await?.iter().any(|x| x == k) {
            garbage.push(Op::Delete(k.to_owned()));
        }
    }
    if !garbage.is_empty() {
        let _ = store.apply(garbage).await;
    }
    Ok(highest)
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
        let content = self.with(|u| u.content(id))?;
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
