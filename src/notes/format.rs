//! Byte formats of the vault (documented in `docs/vault-format.md`). Parsing is
//! strict and never panics: every length is checked before it is used.

use zeroize::{Zeroize, Zeroizing};

use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::kdf::KdfParams;
use crate::{Error, Result};

/// Vault format version: the header inside root records (format 3 added the key
/// slots to the root; format 4 the notes' summaries to the shards, so opening a
/// vault decrypts its shards, not every note).
pub const VERSION: u8 = 4;
/// Format 3: roots with key slots, shards of note revisions only (still read,
/// upgraded on open).
pub(crate) const V3: u8 = 3;
/// Format 2: roots without key slots (still read, upgraded on open); the backup
/// container still carries this version (its layout did not change), as do the
/// shards of formats 2 and 3 (revisions only; format 4's shards are version 4).
pub(crate) const V2: u8 = 2;
/// Version 1: the legacy header, manifest and backup, and (unchanged since) note
/// records and shared notes.
pub(crate) const V1: u8 = 1;

pub(crate) const HEADER_MAGIC: &[u8; 4] = b"SGNV";
pub(crate) const NOTE_MAGIC: &[u8; 4] = b"SGNN";
pub(crate) const BACKUP_MAGIC: &[u8; 4] = b"SGNB";
pub(crate) const SHARED_MAGIC: &[u8; 4] = b"SGNS";

/// Vault and note ids are 16 random bytes.
pub const ID_LEN: usize = 16;
pub(crate) const SALT_LEN: usize = 16;
const WRAPPED_KEY_LEN: usize = 32 + TAG_LEN;
/// Header: magic, version, vault id, m, t, p, salt | nonce, wrapped vault key.
pub(crate) const HEADER_AAD_LEN: usize = 4 + 1 + ID_LEN + 12 + SALT_LEN;
pub(crate) const HEADER_LEN: usize = HEADER_AAD_LEN + NONCE_LEN + WRAPPED_KEY_LEN;
/// Note record prefix: magic, version, note id, revision.
const NOTE_PREFIX_LEN: usize = 4 + 1 + ID_LEN + 8;

/// Smallest padding bucket for note plaintext.
pub const MIN_BUCKET: usize = 256;
/// Largest title, in bytes of UTF-8.
pub const MAX_TITLE: usize = 64 * 1024;
/// Largest body, in bytes of UTF-8.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Most tags on one note.
pub const MAX_TAGS: usize = 256;
/// Longest tag, in bytes of UTF-8.
pub const MAX_TAG: usize = 1024;
/// Most notes in one vault (bounds the manifest an attacker can make us parse).
pub const MAX_NOTES: usize = 1_000_000;

/// Reads fields from a byte slice; running out is `err()`.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    err: fn() -> Error,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], err: fn() -> Error) -> Self {
        Reader { buf, err }
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err((self.err)());
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// The plaintext vault header.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// [`V1`] for a legacy standalone header, [`V2`], [`V3`] or [`VERSION`] inside a root.
    pub version: u8,
    pub vault_id: [u8; ID_LEN],
    pub kdf: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    pub wrapped_key: [u8; WRAPPED_KEY_LEN],
}

impl Header {
    /// A fresh salt and the key-encryption key `passphrase` gives with it.
    pub(crate) fn new_kek(
        passphrase: &[u8],
        kdf: &KdfParams,
    ) -> Result<([u8; SALT_LEN], Zeroizing<[u8; 32]>)> {
        let salt = aead::random_array::<SALT_LEN>();
        let kek = crate::kdf::derive_key(passphrase, &salt, kdf)?;
        crate::scrub::scrub_stack();
        Ok((salt, kek))
    }

    /// Wraps `vault_key` under `kek` (derived with `salt`), with a fresh nonce.
    pub(crate) fn wrap(
        version: u8,
        vault_id: [u8; ID_LEN],
        kdf: KdfParams,
        salt: [u8; SALT_LEN],
        kek: &[u8; 32],
        vault_key: &[u8; 32],
    ) -> Result<Header> {
        let mut h = Header {
            version,
            vault_id,
            kdf,
            salt,
            nonce: aead::random_array::<NONCE_LEN>(),
            wrapped_key: [0; WRAPPED_KEY_LEN],
        };
        let ct = aead::seal(kek, &h.nonce, &h.aad(), vault_key);
        h.wrapped_key = ct
            .as_slice()
            .try_into()
            .map_err(|_| Error::Internal("wrapped key length".into()))?;
        Ok(h)
    }

    /// The same vault key and KEK in the header of another version (fresh nonce).
    pub(crate) fn rewrap(
        &self,
        version: u8,
        kek: &[u8; 32],
        vault_key: &[u8; 32],
    ) -> Result<Header> {
        Header::wrap(version, self.vault_id, self.kdf, self.salt, kek, vault_key)
    }

    /// Argon2id of `passphrase` with this header's salt and parameters (the caps
    /// are `LIMIT_EXCEEDED` before any work).
    pub(crate) fn kek(&self, passphrase: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let kek = crate::kdf::derive_key(passphrase, &self.salt, &self.kdf);
        // Argon2 left key material in deeper stack frames, on success and failure.
        crate::scrub::scrub_stack();
        kek
    }

    /// Unwraps the vault key with `kek`; a wrong passphrase (or a modified
    /// header) is `BAD_PASSPHRASE`.
    pub(crate) fn unwrap_with(&self, kek: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>> {
        let pt = aead::open(kek, &self.nonce, &self.aad(), &self.wrapped_key);
        to_key(&pt.map_err(|_| Error::BadPassphrase)?)
    }

    fn aad(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(HEADER_AAD_LEN);
        v.extend_from_slice(HEADER_MAGIC);
        v.push(self.version);
        v.extend_from_slice(&self.vault_id);
        v.extend_from_slice(&self.kdf.memory_kib.to_be_bytes());
        v.extend_from_slice(&self.kdf.iterations.to_be_bytes());
        v.extend_from_slice(&self.kdf.parallelism.to_be_bytes());
        v.extend_from_slice(&self.salt);
        v
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut v = self.aad();
        v.extend_from_slice(&self.nonce);
        v.extend_from_slice(&self.wrapped_key);
        v
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Header> {
        let mut r = Reader::new(bytes, || {
            Error::MalformedInput("vault header is truncated".into())
        });
        if r.array::<4>()? != *HEADER_MAGIC {
            return Err(Error::MalformedInput(
                "not a Signet notes vault header".into(),
            ));
        }
        let version = r.u8()?;
        if ![V1, V2, V3, VERSION].contains(&version) {
            return Err(Error::Unsupported(format!(
                "vault format version {version}"
            )));
        }
        let vault_id = r.array()?;
        let kdf = KdfParams {
            memory_kib: r.u32()?,
            iterations: r.u32()?,
            parallelism: r.u32()?,
        };
        let h = Header {
            version,
            vault_id,
            kdf,
            salt: r.array()?,
            nonce: r.array()?,
            wrapped_key: r.array()?,
        };
        if !r.is_empty() {
            return Err(Error::MalformedInput(
                "trailing bytes after vault header".into(),
            ));
        }
        Ok(h)
    }
}

pub(crate) fn to_key(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let mut k = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(Error::Internal("key length".into()));
    }
    k.copy_from_slice(bytes);
    Ok(k)
}

/// Keys derived from the vault key, one per purpose.
pub(crate) struct SubKeys {
    pub manifest: Zeroizing<[u8; 32]>,
    pub note_wrap: Zeroizing<[u8; 32]>,
    pub backup: Zeroizing<[u8; 32]>,
}

impl SubKeys {
    pub(crate) fn derive(vault_key: &[u8; 32], vault_id: &[u8; ID_LEN]) -> Result<SubKeys> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(vault_id), vault_key);
        let one = |info: &[u8]| -> Result<Zeroizing<[u8; 32]>> {
            let mut k = Zeroizing::new([0u8; 32]);
            hk.expand(info, k.as_mut())
                .map_err(|_| Error::Internal("HKDF expand".into()))?;
            Ok(k)
        };
        Ok(SubKeys {
            manifest: one(b"signet-notes/v1/manifest")?,
            note_wrap: one(b"signet-notes/v1/note-wrap")?,
            backup: one(b"signet-notes/v1/backup")?,
        })
    }
}

/// Decrypted note content.
#[derive(Clone, PartialEq, Eq, Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct NoteContent {
    pub created: u64,
    pub updated: u64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

/// What `list` and `search` show of a note: everything but the body. Format 4
/// keeps it in the note's manifest shard, bound to the note's revision, so a vault
/// opens without decrypting any note. Wiped on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct Summary {
    pub created: u64,
    pub updated: u64,
    pub title: String,
    pub tags: Vec<String>,
}

impl Summary {
    /// Appends `created || updated || title length (u32) || title || tag count
    /// (u16) || { length (u16) || tag } *`, the layout of a note record's fields.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.created.to_be_bytes());
        out.extend_from_slice(&self.updated.to_be_bytes());
        out.extend_from_slice(&(self.title.len() as u32).to_be_bytes());
        out.extend_from_slice(self.title.as_bytes());
        push_tags(out, &self.tags);
    }

    /// Inverse of [`Summary::encode_into`]; over-limit or malformed fields are `err()`.
    pub(crate) fn decode(r: &mut Reader<'_>, err: fn() -> Error) -> Result<Summary> {
        let created = r.u64()?;
        let updated = r.u64()?;
        let tl = r.u32()? as usize;
        if tl > MAX_TITLE {
            return Err(err());
        }
        let title = utf8(r.take(tl)?, err)?;
        Ok(Summary {
            created,
            updated,
            title,
            tags: read_tags(r, err)?,
        })
    }
}

/// `tag count (u16) || { length (u16) || tag } *`, as note records and shards hold tags.
fn push_tags(out: &mut Vec<u8>, tags: &[String]) {
    out.extend_from_slice(&(tags.len() as u16).to_be_bytes());
    for t in tags {
        out.extend_from_slice(&(t.len() as u16).to_be_bytes());
        out.extend_from_slice(t.as_bytes());
    }
}

/// Inverse of [`push_tags`]; more than [`MAX_TAGS`] tags or one over [`MAX_TAG`]
/// bytes is `err()`.
fn read_tags(r: &mut Reader<'_>, err: fn() -> Error) -> Result<Vec<String>> {
    let n = r.u16()? as usize;
    if n > MAX_TAGS {
        return Err(err());
    }
    let mut tags = Vec::with_capacity(n);
    for _ in 0..n {
        let l = r.u16()? as usize;
        if l > MAX_TAG {
            return Err(err());
        }
        tags.push(utf8(r.take(l)?, err)?);
    }
    Ok(tags)
}

/// Checks the caller-facing size limits.
pub(crate) fn check_note_limits(title: &str, body: &str, tags: &[String]) -> Result<()> {
    if title.len() > MAX_TITLE {
        return Err(Error::LimitExceeded(format!(
            "title longer than {MAX_TITLE} bytes"
        )));
    }
    if body.len() > MAX_BODY {
        return Err(Error::LimitExceeded(format!(
            "body longer than {MAX_BODY} bytes"
        )));
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::LimitExceeded(format!("more than {MAX_TAGS} tags")));
    }
    if tags.iter().any(|t| t.len() > MAX_TAG) {
        return Err(Error::LimitExceeded(format!(
            "a tag longer than {MAX_TAG} bytes"
        )));
    }
    Ok(())
}

/// The bucket a plaintext of `len` bytes (plus its 4-byte length) is padded to.
pub fn bucket_size(len: usize) -> usize {
    (len + 4).next_power_of_two().max(MIN_BUCKET)
}

/// The length a manifest shard's plaintext of `len` bytes is padded to: Padmé
/// (K. Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
/// Communication with PURBs", PoPETs 2019, §4): `len` rounded up to a multiple
/// of 2^(E - floor(log2 E) - 1) with E = floor(log2 len), so at most about 12 %
/// more and only O(log log len) bits of the length are visible. Shards grow
/// with the vault, where powers of two would double the bytes a put writes.
pub(crate) fn padme(len: usize) -> usize {
    let len = len.max(MIN_BUCKET);
    let e = usize::BITS - 1 - len.leading_zeros(); // floor(log2 len), len > 0
    let s = u32::BITS - e.leading_zeros(); // floor(log2 e) + 1, e >= 8
    let mask = (1usize << (e - s)) - 1;
    (len + mask) & !mask
}

impl NoteContent {
    /// The note without its body.
    pub(crate) fn summary(&self) -> Summary {
        Summary {
            created: self.created,
            updated: self.updated,
            title: self.title.clone(),
            tags: self.tags.clone(),
        }
    }

    /// Length-prefixed encoding padded with zeros to a power-of-two bucket, so only
    /// the bucket is visible in the ciphertext length.
    pub(crate) fn encode_padded(&self) -> Result<Zeroizing<Vec<u8>>> {
        check_note_limits(&self.title, &self.body, &self.tags)?;
        let mut inner = Zeroizing::new(Vec::with_capacity(
            24 + self.title.len()
                + self.body.len()
                + self.tags.iter().map(|t| t.len() + 2).sum::<usize>(),
        ));
        inner.extend_from_slice(&self.created.to_be_bytes());
        inner.extend_from_slice(&self.updated.to_be_bytes());
        inner.extend_from_slice(&(self.title.len() as u32).to_be_bytes());
        inner.extend_from_slice(self.title.as_bytes());
        inner.extend_from_slice(&(self.body.len() as u32).to_be_bytes());
        inner.extend_from_slice(self.body.as_bytes());
        push_tags(&mut inner, &self.tags);
        let total = bucket_size(inner.len());
        let mut out = Zeroizing::new(Vec::with_capacity(total));
        out.extend_from_slice(&(inner.len() as u32).to_be_bytes());
        out.extend_from_slice(&inner);
        out.resize(total, 0);
        Ok(out)
    }

    /// Parses authenticated plaintext; inconsistencies are `err()`.
    pub(crate) fn decode_padded(bytes: &[u8], err: fn() -> Error) -> Result<NoteContent> {
        let mut r = Reader::new(bytes, err);
        let len = r.u32()? as usize;
        let inner = r.take(len)?;
        if r.rest().iter().any(|&b| b != 0) || bytes.len() != bucket_size(len) {
            return Err(err());
        }
        let mut r = Reader::new(inner, err);
        let created = r.u64()?;
        let updated = r.u64()?;
        let tl = r.u32()? as usize;
        let title = utf8(r.take(tl)?, err)?;
        let bl = r.u32()? as usize;
        let body = utf8(r.take(bl)?, err)?;
        let tags = read_tags(&mut r, err)?;
        if !r.is_empty() {
            return Err(err());
        }
        Ok(NoteContent {
            created,
            updated,
            title,
            body,
            tags,
        })
    }
}

fn utf8(b: &[u8], err: fn() -> Error) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| err())
}

fn note_aad(label: &[u8], vault_id: &[u8; ID_LEN], note_id: &[u8; ID_LEN], rev: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(label.len() + 1 + 2 * ID_LEN + 8);
    v.extend_from_slice(label);
    v.push(V1);
    v.extend_from_slice(vault_id);
    v.extend_from_slice(note_id);
    v.extend_from_slice(&rev.to_be_bytes());
    v
}

/// Seals one note revision: a fresh note key wrapped under the vault's note-wrap
/// key, then the padded content under the note key, both bound to vault id, note
/// id, version and revision.
pub(crate) fn seal_note(
    note_wrap: &[u8; 32],
    vault_id: &[u8; ID_LEN],
    note_id: &[u8; ID_LEN],
    rev: u64,
    content: &NoteContent,
) -> Result<Vec<u8>> {
    let padded = content.encode_padded()?;
    let note_key = Zeroizing::new(aead::random_array::<32>());
    let key_nonce = aead::random_array::<NONCE_LEN>();
    let body_nonce = aead::random_array::<NONCE_LEN>();
    let wrapped = aead::seal(
        note_wrap,
        &key_nonce,
        &note_aad(b"signet-notes/note-key", vault_id, note_id, rev),
        note_key.as_ref(),
    );
    let ct = aead::seal(
        &note_key,
        &body_nonce,
        &note_aad(b"signet-notes/note", vault_id, note_id, rev),
        &padded,
    );
    let mut out = Vec::with_capacity(NOTE_PREFIX_LEN + 2 * NONCE_LEN + wrapped.len() + ct.len());
    out.extend_from_slice(NOTE_MAGIC);
    out.push(V1);
    out.extend_from_slice(note_id);
    out.extend_from_slice(&rev.to_be_bytes());
    out.extend_from_slice(&key_nonce);
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(&body_nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Id and revision a note record claims (unauthenticated until opened).
pub(crate) fn note_record_ids(record: &[u8]) -> Result<([u8; ID_LEN], u64)> {
    let mut r = Reader::new(record, tampered_record);
    if r.array::<4>()? != *NOTE_MAGIC || r.u8()? != V1 {
        return Err(tampered_record());
    }
    Ok((r.array()?, r.u64()?))
}

pub(crate) fn tampered_record() -> Error {
    Error::Tampered("a note record is damaged or was modified".into())
}

/// Opens a note record that the manifest says is `note_id` at `rev`. Any mismatch or
/// authentication failure is `TAMPERED`: the vault key is already known good.
pub(crate) fn open_note(
    note_wrap: &[u8; 32],
    vault_id: &[u8; ID_LEN],
    note_id: &[u8; ID_LEN],
    rev: u64,
    record: &[u8],
) -> Result<NoteContent> {
    let mut r = Reader::new(record, tampered_record);
    if r.array::<4>()? != *NOTE_MAGIC || r.u8()? != V1 {
        return Err(tampered_record());
    }
    let (id, rv) = (r.array::<ID_LEN>()?, r.u64()?);
    if id != *note_id || rv != rev {
        return Err(tampered_record());
    }
    let key_nonce = r.array::<NONCE_LEN>()?;
    let wrapped = r.take(WRAPPED_KEY_LEN)?;
    let body_nonce = r.array::<NONCE_LEN>()?;
    let ct = r.rest();
    let note_key = aead::open(
        note_wrap,
        &key_nonce,
        &note_aad(b"signet-notes/note-key", vault_id, note_id, rev),
        wrapped,
    )
    .map_err(|_| tampered_record())?;
    let note_key = to_key(&note_key)?;
    let pt = aead::open(
        &note_key,
        &body_nonce,
        &note_aad(b"signet-notes/note", vault_id, note_id, rev),
        ct,
    )
    .map_err(|_| tampered_record())?;
    NoteContent::decode_padded(&pt, tampered_record)
}

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Parses exactly `N` bytes of hex (either case).
pub(crate) fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let nib = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(*b.get(2 * i)?)? << 4) | nib(*b.get(2 * i + 1)?)?;
    }
    Some(out)
}

/// Storage key of a note revision. The revision is fixed-width hex so keys sort.
pub(crate) fn note_key(id: &[u8; ID_LEN], rev: u64) -> String {
    format!("note/{}/{:016x}", to_hex(id), rev)
}

/// Inverse of [`note_key`]; `None` for keys the vault did not write.
pub(crate) fn parse_note_key(key: &str) -> Option<([u8; ID_LEN], u64)> {
    let rest = key.strip_prefix("note/")?;
    let (id, rev) = rest.split_once('/')?;
    let id = from_hex::<ID_LEN>(id)?;
    let rev = u64::from_be_bytes(from_hex::<8>(rev)?);
    Some((id, rev))
}

/// Seals a note for sharing: `SGNS || version || envelope length (u32) || envelope
/// || nonce || GCM(note key, nonce, aad = everything before the nonce, content)`.
/// `wrap` turns the fresh note key into a wrap envelope for the recipients.
pub(crate) fn seal_shared(
    content: &NoteContent,
    wrap: impl FnOnce(&[u8; 32]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let padded = content.encode_padded()?;
    let note_key = Zeroizing::new(aead::random_array::<32>());
    let envelope = wrap(&note_key)?;
    let env_len = u32::try_from(envelope.len())
        .map_err(|_| Error::LimitExceeded("wrap envelope too large".into()))?;
    let mut out = Vec::with_capacity(9 + envelope.len() + NONCE_LEN + padded.len() + TAG_LEN);
    out.extend_from_slice(SHARED_MAGIC);
    out.push(V1);
    out.extend_from_slice(&env_len.to_be_bytes());
    out.extend_from_slice(&envelope);
    let nonce = aead::random_array::<NONCE_LEN>();
    let ct = aead::seal(&note_key, &nonce, &out, &padded);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a shared note; `unwrap` recovers the note key from the envelope.
pub(crate) fn open_shared(
    blob: &[u8],
    unwrap: impl FnOnce(&[u8]) -> Result<Zeroizing<[u8; 32]>>,
) -> Result<NoteContent> {
    let truncated = || Error::MalformedInput("the shared note is truncated".into());
    let mut r = Reader::new(blob, truncated);
    if r.array::<4>()? != *SHARED_MAGIC {
        return Err(Error::MalformedInput("not a Signet shared note".into()));
    }
    let version = r.u8()?;
    if version != V1 {
        return Err(Error::Unsupported(format!("shared note version {version}")));
    }
    let env_len = r.u32()? as usize;
    let envelope = r.take(env_len)?;
    let aad = blob.get(..9 + env_len).ok_or_else(truncated)?;
    let nonce = r.array::<NONCE_LEN>()?;
    let ct = r.rest();
    if ct.len() < TAG_LEN {
        return Err(truncated());
    }
    let note_key = unwrap(envelope)?;
    let pt = aead::open(&note_key, &nonce, aad, ct)?;
    NoteContent::decode_padded(&pt, || {
        Error::MalformedInput("the shared note's content is malformed".into())
    })
}

#[cfg(test)]
mod tests {
    use super::padme;

    /// Padmé's lengths (PoPETs 2019, §4): the 256-byte floor, 16-byte steps
    /// from 256, 128-byte steps from 2,048; never below the input, at most
    /// 1/8 above it, and a fixed point.
    #[test]
    fn padme_lengths() {
        assert_eq!(padme(0), 256);
        assert_eq!(padme(256), 256);
        assert_eq!(padme(257), 272);
        assert_eq!(padme(2_700), 2_816);
        assert_eq!(padme(40_000), 40_960);
        for len in (1..200_000).step_by(97) {
            let p = padme(len);
            assert!(
                p >= len && p <= (len.max(256) * 9).div_ceil(8),
                "{len} -> {p}"
            );
            assert_eq!(padme(p), p);
        }
    }
}
