//! Format 2's integrity structure (`docs/vault-format.md`): every change writes a
//! small root record `root/<counter>` that holds the header and commits to 256
//! manifest shards; shard `i` lists the current revision of every note whose id
//! starts with byte `i`, and (format 4) its summary: title, tags and times, so
//! opening a vault decrypts 256 shards and no note. A put rewrites one note, one
//! shard and the root, so its cost depends on the shard (≈ 1/256 of the vault),
//! not on the whole vault.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::aead::{self, NONCE_LEN};
use crate::{Error, Result};

use super::format::{
    from_hex, padme, Header, Reader, Summary, HEADER_LEN, ID_LEN, MAX_NOTES, V2, V3, VERSION,
};
use super::slots::record::{self, Slot, SlotRecord};

/// Number of manifest shards (one per first byte of the note id).
pub(crate) const SHARDS: usize = 256;
/// Prefix of root record keys: `root/<counter as 16 hex digits>`.
pub const ROOT_PREFIX: &str = "root/";
/// Prefix of shard record keys: `shard/<index as 2 hex>/<revision as 16 hex>`.
pub const SHARD_PREFIX: &str = "shard/";

const SHARD_MAGIC: &[u8; 4] = b"SGNX";
const SHARD_PREFIX_LEN: usize = 4 + 1 + 1 + 8;

/// One shard: its revision (the counter of the change that last wrote it; 0 while
/// empty and unwritten) and its notes' revisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shard {
    pub rev: u64,
    pub entries: BTreeMap<[u8; ID_LEN], u64>,
}

/// The shard holding note `id`.
pub(crate) fn shard_of(id: &[u8; ID_LEN]) -> usize {
    id[0] as usize
}

pub(crate) fn root_key(counter: u64) -> String {
    format!("{ROOT_PREFIX}{counter:016x}")
}

pub(crate) fn shard_key(index: usize, rev: u64) -> String {
    format!("{SHARD_PREFIX}{index:02x}/{rev:016x}")
}

fn parse_rev(s: &str) -> Option<u64> {
    from_hex::<8>(s).map(u64::from_be_bytes)
}

/// Inverse of [`root_key`]; `None` for keys the vault did not write.
pub(crate) fn parse_root_key(key: &str) -> Option<u64> {
    parse_rev(key.strip_prefix(ROOT_PREFIX)?)
}

/// Inverse of [`shard_key`].
pub(crate) fn parse_shard_key(key: &str) -> Option<(usize, u64)> {
    let (i, rev) = key.strip_prefix(SHARD_PREFIX)?.split_once('/')?;
    Some((from_hex::<1>(i)?[0] as usize, parse_rev(rev)?))
}

fn tampered_root() -> Error {
    Error::Tampered("the root record is damaged or was modified".into())
}

fn tampered_shard() -> Error {
    Error::Tampered("a manifest shard is damaged or was modified".into())
}

/// `header (version 3) || counter || slot table || nonce || GCM(manifest key, nonce,
/// aad = everything before the nonce, 256 × shard revision || slot public keys)`.
/// The slot table is authenticated data: storage cannot add, drop, reorder or
/// change a slot without failing the root's tag.
pub(crate) fn seal_root(
    header: &Header,
    counter: u64,
    revs: &[u64; SHARDS],
    slots: &[Slot],
    manifest_key: &[u8; 32],
) -> Vec<u8> {
    let mut out = header.encode();
    out.extend_from_slice(&counter.to_be_bytes());
    out.extend_from_slice(&record::encode_table(slots));
    let mut body: Vec<u8> = revs.iter().flat_map(|r| r.to_be_bytes()).collect();
    body.extend_from_slice(&record::encode_keys(slots));
    let nonce = aead::random_array::<NONCE_LEN>();
    let ct = aead::seal(manifest_key, &nonce, &out, &body);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

/// The plaintext part of a root record (nothing authenticated yet).
pub(crate) struct RootParts {
    pub header: Header,
    pub counter: u64,
    /// Empty in a format-2 root.
    pub slots: Vec<SlotRecord>,
    /// Length of the authenticated data (everything before the nonce).
    aad_len: usize,
}

/// Parses the plaintext part of a root record: format 3, or format 2 (no slot
/// table). A record that is not a root is `TAMPERED`; a header of another version
/// is `UNSUPPORTED`.
pub(crate) fn parse_root(record: &[u8]) -> Result<RootParts> {
    let mut r = Reader::new(record, tampered_root);
    let header = Header::decode(r.take(HEADER_LEN)?).map_err(|e| match e {
        Error::MalformedInput(_) => tampered_root(),
        e => e,
    })?;
    let counter = r.u64()?;
    let slots = match header.version {
        V2 => Vec::new(),
        V3 | VERSION => record::decode_table(&mut r)?,
        _ => return Err(tampered_root()),
    };
    let aad_len = record.len() - r.rest().len();
    Ok(RootParts {
        header,
        counter,
        slots,
        aad_len,
    })
}

/// Authenticates a root record parsed by [`parse_root`] and returns the shard
/// revisions (each ≤ the counter) and its slots with their public keys.
pub(crate) fn open_root(
    manifest_key: &[u8; 32],
    record: &[u8],
    parts: RootParts,
) -> Result<(Box<[u64; SHARDS]>, Vec<Slot>)> {
    let aad = record.get(..parts.aad_len).ok_or_else(tampered_root)?;
    let mut r = Reader::new(&record[parts.aad_len..], tampered_root);
    let nonce = r.array::<NONCE_LEN>()?;
    let body = aead::open(manifest_key, &nonce, aad, r.rest()).map_err(|_| tampered_root())?;
    let mut r = Reader::new(&body, tampered_root);
    let mut revs = Box::new([0u64; SHARDS]);
    for rev in revs.iter_mut() {
        *rev = r.u64()?;
        if *rev > parts.counter {
            return Err(tampered_root());
        }
    }
    let slots = record::attach_keys(parts.slots, r.rest())?;
    Ok((revs, slots))
}

fn shard_aad(prefix: &[u8], vault_id: &[u8; ID_LEN]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(vault_id);
    v
}

/// `SGNX || version || index (u8) || revision (u64) || nonce || GCM(manifest key,
/// nonce, aad = the first 14 bytes || vault id, count (u32) || entry *)`, an entry
/// being `id || revision` (version 2, formats 2 and 3) or `id || revision ||
/// summary` (version 4, [`Summary::encode_into`], then zeros up to
/// [`padme`]). Written as version 4 with each
/// note's summary from `summary_of`. The version byte is authenticated and a
/// (shard, revision) pair is written once, so a reader can trust either layout.
pub(crate) fn seal_shard<'a>(
    manifest_key: &[u8; 32],
    vault_id: &[u8; ID_LEN],
    index: usize,
    shard: &Shard,
    summary_of: impl Fn(&[u8; ID_LEN]) -> Option<&'a Summary>,
) -> Result<Vec<u8>> {
    let mut body = Zeroizing::new(Vec::with_capacity(4 + shard.entries.len() * 96));
    body.extend_from_slice(&(shard.entries.len() as u32).to_be_bytes());
    for (id, rev) in &shard.entries {
        body.extend_from_slice(id);
        body.extend_from_slice(&rev.to_be_bytes());
        summary_of(id)
            .ok_or_else(|| Error::Internal("a listed note has no summary".into()))?
            .encode_into(&mut body);
    }
    // Zeros up to the Padmé length: storage sees that, not every title or
    // tag length change a put makes.
    let padded = padme(body.len());
    body.resize(padded, 0);
    let mut out = Vec::with_capacity(SHARD_PREFIX_LEN + NONCE_LEN + body.len() + 16);
    out.extend_from_slice(SHARD_MAGIC);
    out.push(VERSION);
    out.push(index as u8);
    out.extend_from_slice(&shard.rev.to_be_bytes());
    let nonce = aead::random_array::<NONCE_LEN>();
    let ct = aead::seal(manifest_key, &nonce, &shard_aad(&out, vault_id), &body);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Index and revision a shard record claims (unauthenticated until opened).
pub(crate) fn shard_record_ids(record: &[u8]) -> Result<(usize, u64)> {
    let mut r = Reader::new(record, tampered_shard);
    if r.array::<4>()? != *SHARD_MAGIC || ![V2, VERSION].contains(&r.u8()?) {
        return Err(tampered_shard());
    }
    Ok((r.u8()? as usize, r.u64()?))
}

/// The notes' summaries a shard of version 4 holds (none from version 2).
pub(crate) type Summaries = Vec<([u8; ID_LEN], Summary)>;

/// Opens the record the root says is shard `index` at `rev`: it must claim exactly
/// that, authenticate, list ids of this shard in strictly increasing order, and no
/// revision above `rev`. Anything else is `TAMPERED`. Returns the shard and, for
/// version 4, its notes' summaries (`None` for version 2: decrypt the notes).
pub(crate) fn open_shard(
    manifest_key: &[u8; 32],
    vault_id: &[u8; ID_LEN],
    index: usize,
    rev: u64,
    record: &[u8],
) -> Result<(Shard, Option<Summaries>)> {
    if shard_record_ids(record)? != (index, rev) {
        return Err(tampered_shard());
    }
    let with_summaries = record[4] == VERSION;
    let prefix = &record[..SHARD_PREFIX_LEN];
    let mut r = Reader::new(&record[SHARD_PREFIX_LEN..], tampered_shard);
    let nonce = r.array::<NONCE_LEN>()?;
    let body = aead::open(manifest_key, &nonce, &shard_aad(prefix, vault_id), r.rest())
        .map_err(|_| tampered_shard())?;
    let body = Zeroizing::new(body);
    let mut r = Reader::new(&body, tampered_shard);
    let n = r.u32()? as usize;
    if n > MAX_NOTES {
        return Err(Error::LimitExceeded(format!("more than {MAX_NOTES} notes")));
    }
    let mut entries = BTreeMap::new();
    let mut summaries = Vec::new();
    let mut last: Option<[u8; ID_LEN]> = None;
    for _ in 0..n {
        let id = r.array::<ID_LEN>()?;
        let note_rev = r.u64()?;
        if shard_of(&id) != index
            || note_rev > rev
            || note_rev == 0
            || last.is_some_and(|l| l >= id)
        {
            return Err(tampered_shard());
        }
        if with_summaries {
            summaries.push((id, Summary::decode(&mut r, tampered_shard)?));
        }
        last = Some(id);
        entries.insert(id, note_rev);
    }
    // Version 4 ends in zero padding (to `padme`); version 2 in nothing.
    let padding = r.rest();
    let canonical = if with_summaries {
        body.len() == padme(body.len() - padding.len()) && padding.iter().all(|&b| b == 0)
    } else {
        padding.is_empty()
    };
    if !canonical || entries.is_empty() {
        return Err(tampered_shard());
    }
    Ok((Shard { rev, entries }, with_summaries.then_some(summaries)))
}

/// Shards holding `entries`, each written at `rev`.
pub(crate) fn build_shards(
    entries: impl IntoIterator<Item = ([u8; ID_LEN], u64)>,
    rev: u64,
) -> Vec<Shard> {
    let mut shards = vec![Shard::default(); SHARDS];
    for (id, r) in entries {
        let s = &mut shards[shard_of(&id)];
        s.entries.insert(id, r);
        s.rev = rev;
    }
    shards
}
