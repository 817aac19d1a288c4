//! Backup files: the whole vault in one passphrase-protected file, and the
//! restore that verifies everything before it writes anything. Format 2 is
//! written; format-1 backups are still read (and restored as format 2).

use zeroize::Zeroizing;

use crate::aead::{self, NONCE_LEN};
use crate::{Error, Result};

use super::format::{self, Reader, SubKeys, BACKUP_MAGIC, ID_LEN, V1, V2};
use super::index::{self, Shard, SHARDS};
use super::{
    check_pins, ensure_empty, get_all, legacy, unlock, upgrade, upgrade_root, Catalog, Op,
    OpenOptions, Store, Unlocked, Vault,
};

fn push_blob(out: &mut Vec<u8>, blob: &[u8]) {
    out.extend_from_slice(&(blob.len() as u32).to_be_bytes());
    out.extend_from_slice(blob);
}

fn take_blob<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let n = r.u32()? as usize;
    r.take(n)
}

fn differs() -> Error {
    Error::Tampered("the stored vault differs from the open vault".into())
}

impl<S: Store> Vault<S> {
    /// One encrypted, passphrase-protected file holding the whole vault, for
    /// [`Vault::import_backup`]. Records are read back from storage and verified
    /// against the open vault.
    pub async fn export_backup(&self) -> Result<Vec<u8>> {
        let _guard = self.write_lock.acquire().await;
        let (counter, shards, manifest_key, note_wrap, backup_key) = self.with(|u| {
            Ok((
                u.counter,
                u.shards.clone(),
                u.keys.manifest.clone(),
                u.keys.note_wrap.clone(),
                u.keys.backup.clone(),
            ))
        })?;
        let vault_id = self.vault_id;
        let root = self
            .store
            .get(&index::root_key(counter))
            .await?
            .ok_or_else(|| Error::Tampered("the root record is missing".into()))?;
        let parts = index::parse_root(&root)?;
        let root_counter = parts.counter;
        let (revs, _) = index::open_root(&manifest_key, &root, parts)?;
        if root_counter != counter || revs.iter().zip(&shards).any(|(r, s)| *r != s.rev) {
            return Err(differs());
        }
        let live: Vec<(usize, u64)> = (0..SHARDS)
            .filter(|i| revs[*i] != 0)
            .map(|i| (i, revs[i]))
            .collect();
        let names: Vec<String> = live.iter().map(|(i, r)| index::shard_key(*i, *r)).collect();
        let mut payload = Zeroizing::new(Vec::new());
        payload.extend_from_slice(&(live.len() as u32).to_be_bytes());
        for ((i, r), rec) in live.iter().zip(get_all(&self.store, &names).await?) {
            let rec = rec.ok_or_else(differs)?;
            if index::open_shard(&manifest_key, &vault_id, *i, *r, &rec)?.0 != shards[*i] {
                return Err(differs());
            }
            push_blob(&mut payload, &rec);
        }
        let entries: Vec<([u8; ID_LEN], u64)> = shards
            .iter()
            .flat_map(|s| s.entries.iter().map(|(id, r)| (*id, *r)))
            .collect();
        let names: Vec<String> = entries
            .iter()
            .map(|(id, r)| format::note_key(id, *r))
            .collect();
        payload.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for ((id, r), rec) in entries.iter().zip(get_all(&self.store, &names).await?) {
            let rec = rec.ok_or_else(differs)?;
            format::open_note(&note_wrap, &vault_id, id, *r, &rec)?;
            push_blob(&mut payload, &rec);
        }
        let mut out = Vec::with_capacity(9 + root.len() + NONCE_LEN + payload.len() + 16);
        out.extend_from_slice(BACKUP_MAGIC);
        out.push(V2);
        push_blob(&mut out, &root);
        let nonce = aead::random_array::<NONCE_LEN>();
        let ct = aead::seal(&backup_key, &nonce, &out, &payload);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Restores a backup (format 2, or format 1 from older versions) into an empty
    /// `store` and returns the unlocked vault. Everything is verified before
    /// anything is written, then written in one batch: a corrupted backup leaves
    /// the store untouched. Errors: `MALFORMED_INPUT`/`UNSUPPORTED` (not a backup),
    /// `BAD_PASSPHRASE`, `LIMIT_EXCEEDED` (KDF caps), `TAMPERED` (content fails
    /// authentication, or another vault or an older counter than `opts` pins),
    /// `INVALID_ARGUMENT` (store not empty).
    pub async fn import_backup(
        store: S,
        backup: &[u8],
        passphrase: &[u8],
        opts: OpenOptions,
    ) -> Result<Self> {
        let truncated = || Error::MalformedInput("the backup is truncated".into());
        let mut r = Reader::new(backup, truncated);
        if r.array::<4>()? != *BACKUP_MAGIC {
            return Err(Error::MalformedInput("not a Signet notes backup".into()));
        }
        let u = match r.u8()? {
            V1 => import_v1(&store, backup, passphrase, &opts).await?,
            V2 => import_v2(&store, backup, passphrase, &opts).await?,
            v => return Err(Error::Unsupported(format!("backup format version {v}"))),
        };
        Ok(Self::from_parts(store, opts.clock, u))
    }
}

fn inconsistent() -> Error {
    Error::Tampered("the backup's content is inconsistent".into())
}

/// `SGNB || 0x02 || root length || root || nonce || GCM(backup key, nonce, aad =
/// everything before the nonce, shard count || { length || shard } * || note count
/// || { length || note } *)`.
async fn import_v2<S: Store>(
    store: &S,
    backup: &[u8],
    passphrase: &[u8],
    opts: &OpenOptions,
) -> Result<Unlocked> {
    let truncated = || Error::MalformedInput("the backup is truncated".into());
    let mut r = Reader::new(&backup[5..], truncated);
    let root = take_blob(&mut r)?;
    let parts = index::parse_root(root)?;
    let (header, counter) = (parts.header.clone(), parts.counter);
    let vault_id = header.vault_id;
    check_pins(&vault_id, Some(counter), opts)?;
    let nonce = r.array::<NONCE_LEN>()?;
    let aad = &backup[..9 + root.len()];
    let ct = r.rest();
    let (kek, vault_key, keys) = unlock(&header, passphrase)?;
    let payload = aead::open(&keys.backup, &nonce, aad, ct)
        .map_err(|_| Error::Tampered("the backup is damaged or was modified".into()))?;
    let (revs, slot_list) = index::open_root(&keys.manifest, root, parts)?;
    let mut r = Reader::new(&payload, inconsistent);
    let mut shard_ops = Vec::new();
    let mut shards = vec![Shard::default(); SHARDS];
    let mut summaries = Vec::new();
    let mut old_shards = false;
    let n = r.u32()? as usize;
    if n != revs.iter().filter(|r| **r != 0).count() {
        return Err(inconsistent());
    }
    for _ in 0..n {
        let rec = take_blob(&mut r)?;
        let (i, rev) = index::shard_record_ids(rec)?;
        if i >= SHARDS || revs[i] != rev || shards[i].rev != 0 {
            return Err(inconsistent());
        }
        let (shard, listed) = index::open_shard(&keys.manifest, &vault_id, i, rev, rec)?;
        match listed {
            Some(l) => summaries.extend(l),
            None => old_shards = true,
        }
        shards[i] = shard;
        shard_ops.push(Op::Put(index::shard_key(i, rev), rec.to_vec()));
    }
    let total: usize = shards.iter().map(|s| s.entries.len()).sum();
    let n = r.u32()? as usize;
    if n != total {
        return Err(inconsistent());
    }
    // Note records first: the shards and the root commit to them.
    let (notes, mut ops) = read_notes(&mut r, n, &keys, &vault_id, |id| {
        shards[index::shard_of(id)].entries.get(id).copied()
    })?;
    if summaries.iter().any(|(id, s)| notes.summary(id) != Some(s)) {
        return Err(inconsistent());
    }
    ensure_empty(store).await?;
    ops.extend(shard_ops);
    ops.push(Op::Put(index::root_key(counter), root.to_vec()));
    store.apply(ops).await?;
    let mut u = Unlocked::new((kek, vault_key, keys), header, counter, shards, notes);
    u.slots = slot_list;
    upgrade_root(store, &mut u, old_shards).await?;
    Ok(u)
}

/// A format-1 backup: verified as format 1 did, restored as format 2.
async fn import_v1<S: Store>(
    store: &S,
    backup: &[u8],
    passphrase: &[u8],
    opts: &OpenOptions,
) -> Result<Unlocked> {
    let b = legacy::BackupV1::parse(backup)?;
    let vault_id = b.header.vault_id;
    check_pins(&vault_id, None, opts)?;
    let (kek, vault_key, keys) = unlock(&b.header, passphrase)?;
    let payload = aead::open(&keys.backup, &b.nonce, b.aad, b.ciphertext)
        .map_err(|_| Error::Tampered("the backup is damaged or was modified".into()))?;
    let mut r = Reader::new(&payload, inconsistent);
    let m = legacy::Manifest::open(&keys.manifest, &vault_id, take_blob(&mut r)?)?;
    check_pins(&vault_id, Some(m.counter), opts)?;
    let n = r.u32()? as usize;
    if n != m.entries.len() {
        return Err(inconsistent());
    }
    let (notes, records) =
        read_notes(&mut r, n, &keys, &vault_id, |id| m.entries.get(id).copied())?;
    ensure_empty(store).await?;
    let entries = m.entries.into_iter().collect();
    upgrade(
        store,
        &b.header,
        (kek, vault_key, keys),
        m.counter,
        notes,
        entries,
        records,
    )
    .await
}

/// Reads the backup's last part: `n` note records, each of a distinct note that
/// `listed` gives exactly its revision, each authentic, and nothing after them.
/// Returns the notes and the writes that store their records.
fn read_notes(
    r: &mut Reader<'_>,
    n: usize,
    keys: &SubKeys,
    vault_id: &[u8; ID_LEN],
    listed: impl Fn(&[u8; ID_LEN]) -> Option<u64>,
) -> Result<(Catalog, Vec<Op>)> {
    let mut notes = Catalog::default();
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        let rec = take_blob(r)?;
        let (id, rev) = format::note_record_ids(rec)?;
        if listed(&id) != Some(rev) || notes.contains(&id) {
            return Err(inconsistent());
        }
        let content = format::open_note(&keys.note_wrap, vault_id, &id, rev, rec)?;
        notes.insert(id, content.summary(), rec.to_vec());
        ops.push(Op::Put(format::note_key(&id, rev), rec.to_vec()));
    }
    if !r.is_empty() {
        return Err(inconsistent());
    }
    Ok((notes, ops))
}
