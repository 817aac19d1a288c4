//! Reader for format 1 (vaults and backups written before format 2): one
//! `header` record and one `manifest` record listing every note. Opening such a
//! vault upgrades it (see `Vault::open`); nothing here writes format 1.

use std::collections::BTreeMap;

use crate::aead::{self, NONCE_LEN};
use crate::{Error, Result};

use super::format::{Header, Reader, HEADER_LEN, ID_LEN, MAX_NOTES, V1};

/// Storage key of the format-1 header.
pub(crate) const HEADER_KEY: &str = "header";
/// Storage key of the format-1 manifest.
pub(crate) const MANIFEST_KEY: &str = "manifest";

const MANIFEST_MAGIC: &[u8; 4] = b"SGNM";

/// The decrypted format-1 manifest: a monotonic counter and every live note's revision.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Manifest {
    pub counter: u64,
    pub entries: BTreeMap<[u8; ID_LEN], u64>,
}

fn tampered_manifest() -> Error {
    Error::Tampered("the manifest is damaged or was modified".into())
}

impl Manifest {
    /// `SGNM || 0x01 || nonce || GCM(manifest key, nonce, aad = "SGNM" || 0x01 ||
    /// vault id, counter || count || { id || revision } * count)`.
    pub(crate) fn open(key: &[u8; 32], vault_id: &[u8; ID_LEN], record: &[u8]) -> Result<Manifest> {
        let mut r = Reader::new(record, tampered_manifest);
        if r.array::<4>()? != *MANIFEST_MAGIC || r.u8()? != V1 {
            return Err(tampered_manifest());
        }
        let nonce = r.array::<NONCE_LEN>()?;
        let mut aad = MANIFEST_MAGIC.to_vec();
        aad.push(V1);
        aad.extend_from_slice(vault_id);
        let pt = aead::open(key, &nonce, &aad, r.rest()).map_err(|_| tampered_manifest())?;
        let mut r = Reader::new(&pt, tampered_manifest);
        let counter = r.u64()?;
        let n = r.u32()? as usize;
        if n > MAX_NOTES {
            return Err(Error::LimitExceeded(format!("more than {MAX_NOTES} notes")));
        }
        let mut entries = BTreeMap::new();
        for _ in 0..n {
            let id = r.array::<ID_LEN>()?;
            let rev = r.u64()?;
            if rev > counter || entries.insert(id, rev).is_some() {
                return Err(tampered_manifest());
            }
        }
        if !r.is_empty() {
            return Err(tampered_manifest());
        }
        Ok(Manifest { counter, entries })
    }
}

/// A format-1 backup split into its parts (nothing verified yet but the layout):
/// `SGNB || 0x01 || header (109) || nonce || GCM(backup key, nonce, aad =
/// backup[0..114], manifest length || manifest || count || { length || note } *)`.
pub(crate) struct BackupV1<'a> {
    pub header: Header,
    pub aad: &'a [u8],
    pub nonce: [u8; NONCE_LEN],
    pub ciphertext: &'a [u8],
}

impl<'a> BackupV1<'a> {
    /// Splits a whole backup file whose magic and version were already checked.
    pub(crate) fn parse(backup: &'a [u8]) -> Result<Self> {
        let truncated = || Error::MalformedInput("the backup is truncated".into());
        let mut r = Reader::new(backup.get(5..).ok_or_else(truncated)?, truncated);
        let header = Header::decode(r.take(HEADER_LEN)?)?;
        if header.version != V1 {
            return Err(Error::MalformedInput(
                "the backup's header has the wrong version".into(),
            ));
        }
        let nonce = r.array::<NONCE_LEN>()?;
        Ok(BackupV1 {
            header,
            aad: backup.get(..5 + HEADER_LEN).ok_or_else(truncated)?,
            nonce,
            ciphertext: r.rest(),
        })
    }
}
