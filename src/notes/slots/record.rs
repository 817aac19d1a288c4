//! The key-slot table of a format-3 root record (`docs/vault-format.md`, "Key
//! slots"). Each slot wraps the vault key to an X-Wing public key with this
//! crate's wrap envelope; the table sits in the root's authenticated data and the
//! public keys in its ciphertext, so storage can neither change a slot nor learn a
//! key it could wrap a planted vault key to.

use crate::wrap::{self, WrapPublicKey, PUBLIC_KEY_LEN};
use crate::{Error, Result};

use super::super::format::Reader;

/// Most slots besides the passphrase (bounds the root an attacker can make us parse).
pub const MAX_SLOTS: usize = 16;
/// Longest slot label, in bytes of UTF-8.
pub const MAX_LABEL: usize = 128;
/// Longest WebAuthn credential id (WebAuthn Level 3, `credentialIdLength` ≤ 1023).
pub const MAX_CREDENTIAL_ID: usize = 1023;
/// Length of a slot id and of a passkey slot's PRF input.
pub(crate) const SLOT_ID_LEN: usize = 8;
pub(crate) const PRF_SALT_LEN: usize = 32;

/// What unlocks a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// The passphrase (the root's header, not in the table).
    Passphrase,
    /// A recovery code from [`crate::notes::Vault::add_recovery_code`].
    RecoveryCode,
    /// A passkey's WebAuthn PRF output.
    Passkey,
    /// An office's wrap secret key.
    Escrow,
}

impl SlotKind {
    fn byte(self) -> u8 {
        match self {
            SlotKind::Passphrase => 0,
            SlotKind::RecoveryCode => 1,
            SlotKind::Passkey => 2,
            SlotKind::Escrow => 3,
        }
    }
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(SlotKind::RecoveryCode),
            2 => Some(SlotKind::Passkey),
            3 => Some(SlotKind::Escrow),
            _ => None,
        }
    }
    /// The name JS sees.
    pub fn name(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::RecoveryCode => "recoveryCode",
            SlotKind::Passkey => "passkey",
            SlotKind::Escrow => "escrow",
        }
    }
}

/// A slot as the root's authenticated data holds it (nothing secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SlotRecord {
    pub id: [u8; SLOT_ID_LEN],
    pub kind: SlotKind,
    pub created: u64,
    pub label: String,
    /// Passkey: the credential id; empty otherwise.
    pub credential_id: Vec<u8>,
    /// Passkey: the PRF input; zero otherwise.
    pub prf_salt: [u8; PRF_SALT_LEN],
    /// `wrap_key(vault key, [public key])`.
    pub envelope: Vec<u8>,
}

/// A slot with its public key (known once the root is authenticated).
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub rec: SlotRecord,
    pub public_key: WrapPublicKey,
}

fn tampered() -> Error {
    Error::Tampered("the key-slot table is damaged or was modified".into())
}

/// `count (u8) || { id (8) || kind (u8) || created (u64) || label length (u8) ||
/// label || credential id length (u16) || credential id || PRF input (32) ||
/// envelope length (u16) || envelope } * count`.
pub(crate) fn encode_table(slots: &[Slot]) -> Vec<u8> {
    let mut out = vec![slots.len() as u8];
    for s in slots {
        let r = &s.rec;
        out.extend_from_slice(&r.id);
        out.push(r.kind.byte());
        out.extend_from_slice(&r.created.to_be_bytes());
        out.push(r.label.len() as u8);
        out.extend_from_slice(r.label.as_bytes());
        out.extend_from_slice(&(r.credential_id.len() as u16).to_be_bytes());
        out.extend_from_slice(&r.credential_id);
        out.extend_from_slice(&r.prf_salt);
        out.extend_from_slice(&(r.envelope.len() as u16).to_be_bytes());
        out.extend_from_slice(&r.envelope);
    }
    out
}

/// Parses a table written by [`encode_table`] (unauthenticated until the root is
/// opened); any inconsistency is `TAMPERED`.
pub(crate) fn decode_table(r: &mut Reader<'_>) -> Result<Vec<SlotRecord>> {
    let n = r.u8()? as usize;
    if n > MAX_SLOTS {
        return Err(tampered());
    }
    let mut out: Vec<SlotRecord> = Vec::with_capacity(n);
    for _ in 0..n {
        let id = r.array()?;
        let kind = SlotKind::from_byte(r.u8()?).ok_or_else(tampered)?;
        let created = r.u64()?;
        let label_len = r.u8()? as usize;
        let label = std::str::from_utf8(r.take(label_len)?)
            .map_err(|_| tampered())?
            .to_owned();
        let cred_len = r.u16()? as usize;
        let credential_id = r.take(cred_len)?.to_vec();
        let prf_salt = r.array()?;
        let env_len = r.u16()? as usize;
        let envelope = r.take(env_len)?.to_vec();
        let well_formed = label.len() <= MAX_LABEL
            && (kind == SlotKind::Passkey) == (cred_len > 0)
            && cred_len <= MAX_CREDENTIAL_ID
            && env_len == wrap::envelope_len(1)
            && !out.iter().any(|s| s.id == id);
        if !well_formed {
            return Err(tampered());
        }
        out.push(SlotRecord {
            id,
            kind,
            created,
            label,
            credential_id,
            prf_salt,
            envelope,
        });
    }
    Ok(out)
}

/// The public keys, in table order, as the root's ciphertext holds them.
pub(crate) fn encode_keys(slots: &[Slot]) -> Vec<u8> {
    slots.iter().flat_map(|s| s.public_key.to_bytes()).collect()
}

/// Pairs `records` with the keys [`encode_keys`] wrote (authenticated by now):
/// exactly one per slot, each the one its envelope is addressed to.
pub(crate) fn attach_keys(records: Vec<SlotRecord>, keys: &[u8]) -> Result<Vec<Slot>> {
    if keys.len() != records.len() * PUBLIC_KEY_LEN {
        return Err(tampered());
    }
    records
        .into_iter()
        .zip(keys.chunks_exact(PUBLIC_KEY_LEN))
        .map(|(rec, k)| {
            let public_key = WrapPublicKey::from_bytes(k).map_err(|_| tampered())?;
            if wrap::envelope_recipients(&rec.envelope).ok() != Some(vec![public_key.id()]) {
                return Err(tampered());
            }
            Ok(Slot { rec, public_key })
        })
        .collect()
}

/// Checks a label given by the caller.
pub(crate) fn check_label(label: &str) -> Result<()> {
    if label.len() > MAX_LABEL {
        return Err(Error::InvalidArgument(format!(
            "a slot label is at most {MAX_LABEL} bytes"
        )));
    }
    Ok(())
}
