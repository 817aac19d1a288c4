//! Key slots: ways besides the passphrase to unlock the one vault key (a recovery
//! code, a passkey's WebAuthn PRF output, an office's escrow key), in the manner
//! of LUKS key slots.
//!
//! Every slot is an X-Wing key pair of this crate's wrap module: the recovery code
//! or the PRF output is the seed of the secret key (through HKDF), an escrow slot
//! uses the office's key. The slot holds `wrap_key(vault key, [its public key])`,
//! so a key rotation wraps the new vault key to every slot without any slot's
//! secret, and someone who learns an old vault key (an old passphrase with an old
//! root) learns nothing that opens a slot. The table is authenticated by the root
//! record ([`super::index::seal_root`]).

mod code;
pub(super) mod record;

use zeroize::Zeroizing;

use crate::wrap::{self, RecipientId, WrapPublicKey, WrapSecretKey};
use crate::{Error, Result};

use super::format::{self, SubKeys, ID_LEN};
use super::{check_passphrase, index, newest_root, Header, KeyChain, Store, Vault};

pub use code::ENTROPY_BITS as RECOVERY_CODE_BITS;
pub(crate) use record::Slot;
use record::{check_label, SlotRecord, PRF_SALT_LEN, SLOT_ID_LEN};
pub use record::{SlotKind, MAX_CREDENTIAL_ID, MAX_LABEL, MAX_SLOTS};

/// The id the passphrase slot is listed under.
pub const PASSPHRASE_SLOT_ID: &str = "passphrase";

/// What opens a vault ([`Vault::open_with`]).
#[derive(Clone, Copy)]
pub enum Unlock<'a> {
    /// The passphrase.
    Passphrase(&'a [u8]),
    /// A recovery code as the user typed it.
    RecoveryCode(&'a str),
    /// The PRF output (32 bytes) a passkey gave for a slot's PRF input.
    Passkey {
        /// The credential that answered.
        credential_id: &'a [u8],
        /// Its PRF output.
        prf_output: &'a [u8],
    },
    /// An office's wrap secret key (a [`WrapSecretKey`], or a handle to one).
    Escrow(&'a dyn EscrowKey),
}

/// A wrap secret key as an escrow slot uses it: its id picks the slot, `unwrap`
/// opens the slot's envelope. A JS binding implements it over a key handle.
pub trait EscrowKey {
    /// The recipient id of the public key.
    fn id(&self) -> RecipientId;
    /// [`wrap::unwrap_key`] with this key.
    fn open_envelope(&self, envelope: &[u8]) -> Result<Zeroizing<[u8; 32]>>;
}

impl EscrowKey for WrapSecretKey {
    fn id(&self) -> RecipientId {
        WrapSecretKey::id(self)
    }
    fn open_envelope(&self, envelope: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        wrap::unwrap_key(envelope, self)
    }
}

impl std::fmt::Debug for Unlock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unlock(<redacted>)")
    }
}

/// One slot as [`Vault::slots`] lists it: nothing secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    /// `"passphrase"`, or 16 hex digits.
    pub id: String,
    /// What unlocks it.
    pub kind: SlotKind,
    /// When it was added (ms since the epoch); `None` for the passphrase.
    pub created: Option<u64>,
    /// The label given when it was added.
    pub label: String,
    /// Escrow: the office key's id (as `wrapPublicKeyId` gives it).
    pub wrap_public_key_id: Option<String>,
    /// Passkey: the WebAuthn credential id.
    pub credential_id: Option<Vec<u8>>,
}

/// What a passkey is asked for when opening: a credential and its PRF input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyRequest {
    /// The credential id of a passkey slot.
    pub credential_id: Vec<u8>,
    /// The PRF input stored with it.
    pub prf_salt: [u8; PRF_SALT_LEN],
}

/// Recovery-code and passkey slot keys: HKDF-SHA256 of the secret (salt = vault
/// id, one label per kind) is the X-Wing seed. Both secrets carry ≥ 128 bits of
/// entropy, so no password hashing is needed (see `docs/vault-format.md`).
fn derived_key(vault_id: &[u8; ID_LEN], kind: SlotKind, secret: &[u8]) -> Result<WrapSecretKey> {
    let info: &[u8] = match kind {
        SlotKind::RecoveryCode => b"signet-notes/v3/recovery-code",
        SlotKind::Passkey => b"signet-notes/v3/passkey-prf",
        _ => return Err(Error::Internal("no derived key for this slot kind".into())),
    };
    let mut seed = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(Some(vault_id), secret)
        .expand(info, seed.as_mut())
        .map_err(|_| Error::Internal("HKDF expand".into()))?;
    let key = WrapSecretKey::from_seed(&seed);
    // HKDF's state and the ML-KEM key generation left secrets in deeper frames.
    crate::scrub::scrub_stack();
    Ok(key)
}

fn prf_key(vault_id: &[u8; ID_LEN], prf_output: &[u8]) -> Result<WrapSecretKey> {
    if prf_output.len() != 32 {
        return Err(Error::InvalidArgument(
            "a WebAuthn PRF output is 32 bytes".into(),
        ));
    }
    derived_key(vault_id, SlotKind::Passkey, prf_output)
}

/// Checks what can be checked of `u` without the vault: a recovery code's
/// per-group checks, a PRF output's length.
pub(super) fn precheck(u: &Unlock<'_>) -> Result<()> {
    match u {
        Unlock::RecoveryCode(text) => code::parse(text).map(drop),
        Unlock::Passkey { prf_output, .. } if prf_output.len() != 32 => Err(
            Error::InvalidArgument("a WebAuthn PRF output is 32 bytes".into()),
        ),
        _ => Ok(()),
    }
}

/// The error for a secret that no slot takes.
pub(super) fn no_slot(u: &Unlock<'_>) -> Error {
    match u {
        Unlock::Passphrase(_) | Unlock::RecoveryCode(_) => Error::BadPassphrase,
        Unlock::Passkey { .. } | Unlock::Escrow(_) => Error::NoMatchingKey,
    }
}

/// What rotating keys needs in a vault unlocked without its passphrase.
pub(super) fn needs_passphrase() -> Error {
    Error::InvalidArgument(
        "this vault was unlocked without its passphrase: set a new passphrase first".into(),
    )
}

fn slot_tampered() -> Error {
    Error::Tampered("a key slot is damaged or was modified".into())
}

/// Opens the vault key with a non-passphrase secret through the (not yet
/// authenticated) slot `records`; the caller authenticates the root next.
pub(super) fn unlock(
    vault_id: &[u8; ID_LEN],
    records: &[SlotRecord],
    u: &Unlock<'_>,
) -> Result<KeyChain> {
    let owned: WrapSecretKey;
    let (kind, sk): (SlotKind, &dyn EscrowKey) = match u {
        Unlock::Passphrase(_) => return Err(Error::Internal("passphrase slot".into())),
        Unlock::RecoveryCode(text) => {
            let symbols = code::parse(text)?;
            owned = derived_key(vault_id, SlotKind::RecoveryCode, symbols.as_ref())?;
            (SlotKind::RecoveryCode, &owned)
        }
        Unlock::Passkey { prf_output, .. } => {
            owned = prf_key(vault_id, prf_output)?;
            (SlotKind::Passkey, &owned)
        }
        Unlock::Escrow(sk) => (SlotKind::Escrow, *sk),
    };
    let slot = records
        .iter()
        .find(|r| {
            r.kind == kind && wrap::envelope_recipients(&r.envelope).ok() == Some(vec![sk.id()])
        })
        .ok_or_else(|| no_slot(u))?;
    let vault_key = Box::new(
        sk.open_envelope(&slot.envelope)
            .map_err(|_| slot_tampered())?,
    );
    let keys = Box::new(SubKeys::derive(&vault_key, vault_id)?);
    Ok((None, vault_key, keys))
}

/// `slots` with their envelopes wrapped again to `vault_key`.
pub(super) fn rewrap(mut slots: Vec<Slot>, vault_key: &[u8; 32]) -> Result<Vec<Slot>> {
    for s in &mut slots {
        s.rec.envelope = wrap::wrap_key(vault_key, std::slice::from_ref(&s.public_key))?;
    }
    Ok(slots)
}

impl Slot {
    fn info(&self) -> SlotInfo {
        let r = &self.rec;
        SlotInfo {
            id: format::to_hex(&r.id),
            kind: r.kind,
            created: Some(r.created),
            label: r.label.clone(),
            wrap_public_key_id: (r.kind == SlotKind::Escrow).then(|| self.public_key.id().to_hex()),
            credential_id: (r.kind == SlotKind::Passkey).then(|| r.credential_id.clone()),
        }
    }
}

impl<S: Store> Vault<S> {
    /// The key slots: the passphrase first, then the others in the order added.
    pub fn slots(&self) -> Result<Vec<SlotInfo>> {
        self.with(|u| {
            let pass = SlotInfo {
                id: PASSPHRASE_SLOT_ID.into(),
                kind: SlotKind::Passphrase,
                created: None,
                label: String::new(),
                wrap_public_key_id: None,
                credential_id: None,
            };
            Ok(std::iter::once(pass)
                .chain(u.slots.iter().map(Slot::info))
                .collect())
        })
    }

    /// A new slot of `kind` for `public_key`, wrapping the current vault key.
    fn new_slot(
        &self,
        kind: SlotKind,
        label: &str,
        public_key: WrapPublicKey,
        passkey: Option<(&[u8], [u8; PRF_SALT_LEN])>,
    ) -> Result<Slot> {
        check_label(label)?;
        let envelope = self.with(|u| {
            if u.slots.len() >= MAX_SLOTS {
                return Err(Error::LimitExceeded(format!(
                    "a vault has at most {MAX_SLOTS} slots besides the passphrase"
                )));
            }
            if u.slots.iter().any(|s| s.public_key.id() == public_key.id()) {
                return Err(Error::InvalidArgument(
                    "the vault already has a slot for this key".into(),
                ));
            }
            wrap::wrap_key(u.vault_key.as_slice(), std::slice::from_ref(&public_key))
        })?;
        let (credential_id, prf_salt) = passkey.map(|(c, s)| (c.to_vec(), s)).unwrap_or_default();
        Ok(Slot {
            rec: SlotRecord {
                id: crate::aead::random_array::<SLOT_ID_LEN>(),
                kind,
                created: self.clock.now_ms(),
                label: label.to_owned(),
                credential_id,
                prf_salt,
                envelope,
            },
            public_key,
        })
    }

    /// Stores the slots `list` in one change (new root; nothing else rewritten).
    /// The caller holds the write lock.
    async fn store_slots(&self, list: Vec<Slot>) -> Result<()> {
        let (ops, rev) = self.with_mut(|u| {
            let rev = u.next_revision()?;
            let ops = u.change_ops(rev, (&u.header, &list, &u.keys), vec![], &[], vec![], None)?;
            Ok((ops, rev))
        })?;
        self.store.apply(ops).await?;
        if let Some(u) = self.state.borrow_mut().as_mut() {
            u.commit(rev, Vec::new());
            u.slots = list;
        }
        Ok(())
    }

    /// The slots with `slot` added.
    fn with_slot(&self, slot: Slot) -> Result<Vec<Slot>> {
        self.with(|u| {
            let mut list = u.slots.clone();
            list.push(slot);
            Ok(list)
        })
    }

    /// Adds a recovery code slot and returns its id and the code (show it once;
    /// it is not stored). A code that already exists is replaced and revoked:
    /// the vault key is rotated, so the old code opens nothing written after
    /// (which needs the passphrase's key: `INVALID_ARGUMENT` in a vault unlocked
    /// otherwise until [`Vault::set_passphrase`]).
    pub async fn add_recovery_code(&self, label: &str) -> Result<(String, Zeroizing<String>)> {
        let _guard = self.write_lock.acquire().await;
        let (text, symbols) = code::generate();
        let sk = derived_key(&self.vault_id, SlotKind::RecoveryCode, symbols.as_ref())?;
        let old: Vec<[u8; SLOT_ID_LEN]> = self.with(|u| {
            Ok(u.slots
                .iter()
                .filter(|s| s.rec.kind == SlotKind::RecoveryCode)
                .map(|s| s.rec.id)
                .collect())
        })?;
        let slot = self.new_slot(SlotKind::RecoveryCode, label, sk.public_key(), None)?;
        let id = format::to_hex(&slot.rec.id);
        let mut list = self.with_slot(slot)?;
        if old.is_empty() {
            self.store_slots(list).await?;
        } else {
            list.retain(|s| !old.contains(&s.rec.id));
            self.rotate(None, Some(list)).await?;
        }
        Ok((id, text))
    }

    /// Adds a passkey slot: `prf_output` is what the credential's PRF gave for
    /// `prf_salt` (which the slot stores to ask for it again). Returns its id.
    pub async fn add_passkey(
        &self,
        credential_id: &[u8],
        prf_salt: [u8; PRF_SALT_LEN],
        prf_output: &[u8],
        label: &str,
    ) -> Result<String> {
        if credential_id.is_empty() || credential_id.len() > MAX_CREDENTIAL_ID {
            return Err(Error::InvalidArgument(format!(
                "a credential id is 1 to {MAX_CREDENTIAL_ID} bytes"
            )));
        }
        let _guard = self.write_lock.acquire().await;
        let sk = prf_key(&self.vault_id, prf_output)?;
        let slot = self.new_slot(
            SlotKind::Passkey,
            label,
            sk.public_key(),
            Some((credential_id, prf_salt)),
        )?;
        let id = format::to_hex(&slot.rec.id);
        self.store_slots(self.with_slot(slot)?).await?;
        Ok(id)
    }

    /// Adds an escrow slot: the vault key wrapped to an office's recovery key, whose
    /// holder can open the vault with [`Unlock::Escrow`]. Returns its id.
    pub async fn add_escrow(&self, public_key: &WrapPublicKey, label: &str) -> Result<String> {
        let _guard = self.write_lock.acquire().await;
        let slot = self.new_slot(SlotKind::Escrow, label, public_key.clone(), None)?;
        let id = format::to_hex(&slot.rec.id);
        self.store_slots(self.with_slot(slot)?).await?;
        Ok(id)
    }

    /// Removes a slot and rotates the vault key, so its secret opens nothing
    /// written after. The passphrase slot is the one that always remains
    /// (`INVALID_ARGUMENT`); an unknown id is `NOT_FOUND`.
    pub async fn remove_slot(&self, id: &str) -> Result<()> {
        if id == PASSPHRASE_SLOT_ID {
            return Err(Error::InvalidArgument(
                "the passphrase slot cannot be removed: it is the last slot".into(),
            ));
        }
        let _guard = self.write_lock.acquire().await;
        let list = self.with(|u| {
            let mut list = u.slots.clone();
            list.retain(|s| format::to_hex(&s.rec.id) != id);
            if list.len() == u.slots.len() {
                return Err(Error::NotFound(format!("key slot {id}")));
            }
            Ok(list)
        })?;
        self.rotate(None, Some(list)).await
    }

    /// Sets a new passphrase in a vault unlocked with another slot (a recovery
    /// code, a passkey, an escrow key) and rotates the vault key. With the
    /// passphrase known, use [`Vault::change_passphrase`] (`INVALID_ARGUMENT`).
    pub async fn set_passphrase(&self, new: &[u8]) -> Result<()> {
        check_passphrase(new)?;
        let _guard = self.write_lock.acquire().await;
        let header: Header = self.with(|u| {
            if u.kek.is_some() {
                return Err(Error::InvalidArgument(
                    "the vault was unlocked with its passphrase: use changePassphrase".into(),
                ));
            }
            Ok(u.header.clone())
        })?;
        let (salt, kek) = Header::new_kek(new, &header.kdf)?;
        self.rotate(Some((salt, Box::new(kek))), None).await
    }

    /// The passkeys that can open the vault in `store`, read from its newest root
    /// before anything is authenticated (opening authenticates the slot used).
    pub async fn passkey_requests(store: &S) -> Result<Vec<PasskeyRequest>> {
        let Some((_, name)) = newest_root(store).await? else {
            return Ok(Vec::new());
        };
        let Some(root) = store.get(&name).await? else {
            return Ok(Vec::new());
        };
        Ok(index::parse_root(&root)?
            .slots
            .into_iter()
            .filter(|s| s.kind == SlotKind::Passkey)
            .map(|s| PasskeyRequest {
                credential_id: s.credential_id,
                prf_salt: s.prf_salt,
            })
            .collect())
    }
}
