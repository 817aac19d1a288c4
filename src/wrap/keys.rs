//! Wrap key pairs, their binary/text encodings and the passphrase-protected
//! secret-key export. Byte layouts are specified in `docs/wrap-format.md`.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha3::{Digest, Sha3_256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::hpke::KEM_ID;
use super::xwing::{self, XWingSecret};
use crate::kdf::{derive_key, KdfParams};
use crate::{aead, Error, Result};

/// Magic of the binary public-key form.
const PUB_MAGIC: &[u8; 4] = b"SWPK";
/// Magic of the protected secret-key form.
const SEC_MAGIC: &[u8; 4] = b"SWSK";
/// Format version of both key encodings.
const KEY_VERSION: u8 = 1;
/// Prefix of the text form of a public key.
pub const PUBLIC_KEY_TEXT_PREFIX: &str = "signet-wrap-pub1:";
/// Domain label of recipient ids.
const ID_LABEL: &[u8] = b"signet-wrap/v1/recipient-id";

/// Length of the binary public key: magic, version, KEM id, X-Wing key.
pub const PUBLIC_KEY_LEN: usize = 4 + 1 + 2 + xwing::PK_LEN;
const SALT_LEN: usize = 16;
const SEC_HEADER_LEN: usize = 4 + 1 + 2 + 16 + 12 + SALT_LEN + aead::NONCE_LEN;
/// Length of a protected secret-key export.
pub const PROTECTED_SECRET_KEY_LEN: usize = SEC_HEADER_LEN + xwing::SEED_LEN + aead::TAG_LEN;

/// Names a recipient inside an envelope without revealing its key: the first 16
/// bytes of `SHA3-256("signet-wrap/v1/recipient-id" || 0x647a || X-Wing key)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecipientId([u8; 16]);

impl RecipientId {
    /// Length in bytes.
    pub const LEN: usize = 16;

    /// Wraps raw id bytes (e.g. read from an envelope).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        RecipientId(bytes)
    }

    /// The raw id bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Lower-case hex, 32 characters.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    fn of_xwing_key(pk: &[u8]) -> Self {
        let mut h = Sha3_256::new();
        h.update(ID_LABEL);
        h.update(KEM_ID.to_be_bytes());
        h.update(pk);
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        RecipientId(id)
    }
}

impl fmt::Display for RecipientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RecipientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientId({self})")
    }
}

/// A recipient's X-Wing public key, checked on import (lengths, FIPS 203
/// modulus check, no low-order X25519 point).
#[derive(Clone, PartialEq, Eq)]
pub struct WrapPublicKey {
    pk: Box<[u8; xwing::PK_LEN]>,
    id: RecipientId,
}

impl WrapPublicKey {
    /// Parses the binary form (`SWPK`, version 1, KEM 0x647a, 1216-byte key).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let body = parse_key_header(bytes, PUB_MAGIC, "public key")?;
        if body.len() != xwing::PK_LEN {
            return Err(Error::MalformedInput(format!(
                "wrap public key must be {PUBLIC_KEY_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        Self::from_xwing_bytes(body)
    }

    /// Accepts a bare 1216-byte X-Wing encapsulation key (draft encoding).
    pub fn from_xwing_bytes(pk: &[u8]) -> Result<Self> {
        xwing::check_public_key(pk)?;
        let mut arr = Box::new([0u8; xwing::PK_LEN]);
        arr.copy_from_slice(pk);
        Ok(Self::from_checked(arr))
    }

    fn from_checked(pk: Box<[u8; xwing::PK_LEN]>) -> Self {
        let id = RecipientId::of_xwing_key(pk.as_ref());
        WrapPublicKey { pk, id }
    }

    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PUBLIC_KEY_LEN);
        out.extend_from_slice(PUB_MAGIC);
        out.push(KEY_VERSION);
        out.extend_from_slice(&KEM_ID.to_be_bytes());
        out.extend_from_slice(self.pk.as_ref());
        out
    }

    /// The bare X-Wing encapsulation key.
    pub fn as_xwing_bytes(&self) -> &[u8; xwing::PK_LEN] {
        &self.pk
    }

    /// `signet-wrap-pub1:` followed by unpadded base64url of the binary form.
    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_KEY_TEXT_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(self.to_bytes())
        )
    }

    /// Parses [`WrapPublicKey::to_text`] output; surrounding whitespace is ignored.
    pub fn from_text(text: &str) -> Result<Self> {
        let text = text.trim();
        let b64 = text.strip_prefix(PUBLIC_KEY_TEXT_PREFIX).ok_or_else(|| {
            Error::MalformedInput(format!(
                "wrap public key text must start with {PUBLIC_KEY_TEXT_PREFIX}"
            ))
        })?;
        // Bound the work before decoding attacker-sized text.
        if b64.len() > PUBLIC_KEY_LEN.div_ceil(3) * 4 {
            return Err(Error::MalformedInput(
                "wrap public key text too long".into(),
            ));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| Error::MalformedInput("wrap public key text is not base64url".into()))?;
        Self::from_bytes(&bytes)
    }

    /// This key's recipient id.
    pub fn id(&self) -> RecipientId {
        self.id
    }
}

impl fmt::Debug for WrapPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrapPublicKey({})", self.id)
    }
}

/// An X-Wing secret key. Lives in (Wasm) memory only; wiped on drop; exported
/// only under a passphrase.
pub struct WrapSecretKey {
    inner: Box<XWingSecret>,
    public: WrapPublicKey,
}

// Every field wipes itself: the seed is `Zeroizing`, the ML-KEM key and the
// X25519 secret zeroize on drop (crate features), the rest is public.
impl ZeroizeOnDrop for WrapSecretKey {}

impl WrapSecretKey {
    /// A fresh key pair from the OS RNG (WebCrypto in browsers).
    pub fn generate() -> Self {
        let seed = Zeroizing::new(aead::random_array::<{ xwing::SEED_LEN }>());
        Self::from_seed(&seed)
    }

    /// The key whose X-Wing decapsulation key (seed) is `seed`.
    pub(crate) fn from_seed(seed: &[u8; xwing::SEED_LEN]) -> Self {
        let inner = Box::new(XWingSecret::from_seed(seed));
        let public = WrapPublicKey::from_checked(Box::new(*inner.public_key()));
        WrapSecretKey { inner, public }
    }

    /// The matching public key.
    pub fn public_key(&self) -> WrapPublicKey {
        self.public.clone()
    }

    /// The recipient id of the matching public key.
    pub fn id(&self) -> RecipientId {
        self.public.id
    }

    pub(crate) fn xwing(&self) -> &XWingSecret {
        &self.inner
    }

    /// Exports the key encrypted under `passphrase` (Argon2id with the default
    /// [`KdfParams`], AES-256-GCM with the header as AAD).
    pub fn export_protected(&self, passphrase: &[u8]) -> Result<Vec<u8>> {
        let params = KdfParams::default();
        params.check_creatable()?;
        self.export_protected_with(passphrase, &params)
    }

    /// [`WrapSecretKey::export_protected`] with explicit parameters; only tests pass
    /// anything but the default.
    pub(crate) fn export_protected_with(
        &self,
        passphrase: &[u8],
        params: &KdfParams,
    ) -> Result<Vec<u8>> {
        if passphrase.is_empty() {
            return Err(Error::InvalidArgument(
                "the passphrase protecting a secret key must not be empty".into(),
            ));
        }
        let salt = aead::random_array::<SALT_LEN>();
        let nonce = aead::random_array::<{ aead::NONCE_LEN }>();
        let mut out = Vec::with_capacity(PROTECTED_SECRET_KEY_LEN);
        out.extend_from_slice(SEC_MAGIC);
        out.push(KEY_VERSION);
        out.extend_from_slice(&KEM_ID.to_be_bytes());
        out.extend_from_slice(self.id().as_bytes());
        out.extend_from_slice(&params.memory_kib.to_be_bytes());
        out.extend_from_slice(&params.iterations.to_be_bytes());
        out.extend_from_slice(&params.parallelism.to_be_bytes());
        out.extend_from_slice(&salt);
        out.extend_from_slice(&nonce);
        let kek = derive_key(passphrase, &salt, params)?;
        let ct = aead::seal(&kek, &nonce, &out, self.inner.seed());
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens an [`WrapSecretKey::export_protected`] blob. A wrong passphrase (or a
    /// modified blob) is `BAD_PASSPHRASE`; stored Argon2 parameters above the caps
    /// are `LIMIT_EXCEEDED` before any work is done.
    pub fn import_protected(bytes: &[u8], passphrase: &[u8]) -> Result<Self> {
        let body = parse_key_header(bytes, SEC_MAGIC, "protected secret key")?;
        if bytes.len() != PROTECTED_SECRET_KEY_LEN {
            return Err(Error::MalformedInput(format!(
                "protected wrap secret key must be {PROTECTED_SECRET_KEY_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        let (id, rest) = split::<16>(body)?;
        let (m, rest) = split::<4>(rest)?;
        let (t, rest) = split::<4>(rest)?;
        let (p, rest) = split::<4>(rest)?;
        let (salt, rest) = split::<SALT_LEN>(rest)?;
        let (nonce, ct) = split::<{ aead::NONCE_LEN }>(rest)?;
        let params = KdfParams {
            memory_kib: u32::from_be_bytes(m),
            iterations: u32::from_be_bytes(t),
            parallelism: u32::from_be_bytes(p),
        };
        params.check_readable()?;
        let header = bytes.get(..SEC_HEADER_LEN).unwrap_or_default();
        let kek = derive_key(passphrase, &salt, &params)?;
        let seed = aead::open(&kek, &nonce, header, ct).map_err(|_| Error::BadPassphrase)?;
        let seed: Zeroizing<[u8; xwing::SEED_LEN]> = Zeroizing::new(
            seed.as_slice()
                .try_into()
                .map_err(|_| Error::MalformedInput("protected secret key length".into()))?,
        );
        let key = Self::from_seed(&seed);
        if key.id().as_bytes() != &id {
            return Err(Error::MalformedInput(
                "protected secret key does not match its recorded key id".into(),
            ));
        }
        Ok(key)
    }
}

impl fmt::Debug for WrapSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrapSecretKey({}, <redacted>)", self.public.id)
    }
}

/// Checks magic, version and KEM id; returns what follows them.
fn parse_key_header<'a>(bytes: &'a [u8], magic: &[u8; 4], what: &str) -> Result<&'a [u8]> {
    let (got_magic, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| Error::MalformedInput(format!("{what} is truncated")))?;
    if got_magic != magic {
        return Err(Error::MalformedInput(format!("not a signet-wrap {what}")));
    }
    let (&version, rest) = rest
        .split_first()
        .ok_or_else(|| Error::MalformedInput(format!("{what} is truncated")))?;
    if version != KEY_VERSION {
        return Err(Error::Unsupported(format!("{what} version {version}")));
    }
    let (kem, rest) = rest
        .split_first_chunk::<2>()
        .ok_or_else(|| Error::MalformedInput(format!("{what} is truncated")))?;
    if u16::from_be_bytes(*kem) != KEM_ID {
        return Err(Error::Unsupported(format!(
            "{what} KEM 0x{:04x}",
            u16::from_be_bytes(*kem)
        )));
    }
    Ok(rest)
}

fn split<const N: usize>(b: &[u8]) -> Result<([u8; N], &[u8])> {
    let (head, rest) = b
        .split_first_chunk::<N>()
        .ok_or_else(|| Error::MalformedInput("truncated".into()))?;
    Ok((*head, rest))
}
