//! The multi-recipient envelope: one HPKE-sealed copy of a 32-byte data key per
//! recipient, and an HMAC over the whole header keyed from the data key (as in
//! age), so recipients cannot be added, removed or swapped unnoticed by anyone
//! who does not know the data key. Layout: `docs/wrap-format.md`.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::hpke::{self, AEAD_ID, KDF_ID, KEM_ID};
use super::keys::{RecipientId, WrapPublicKey, WrapSecretKey};
use super::xwing;
use crate::{aead, Error, Result};

/// Envelope magic.
const MAGIC: &[u8; 4] = b"SWEN";
/// Envelope format version.
pub const VERSION: u8 = 1;
/// HPKE `info` of every recipient entry.
pub const HPKE_INFO: &[u8] = b"signet-wrap v1";
/// HKDF `info` deriving the header MAC key from the data key.
const MAC_INFO: &[u8] = b"signet-wrap v1 header mac";
/// Most recipients one envelope may carry (bounds attacker-chosen work).
pub const MAX_RECIPIENTS: usize = 1000;
/// Length of the wrapped data key.
pub const DATA_KEY_LEN: usize = 32;

const FIXED_HEADER_LEN: usize = 4 + 1 + 2 + 2 + 2 + 2;
const SEALED_LEN: usize = DATA_KEY_LEN + aead::TAG_LEN;
/// Bytes per recipient entry: id, HPKE `enc`, sealed data key.
pub const ENTRY_LEN: usize = RecipientId::LEN + xwing::CT_LEN + SEALED_LEN;
const MAC_LEN: usize = 32;

/// Size of an envelope for `n` recipients.
pub const fn envelope_len(n: usize) -> usize {
    FIXED_HEADER_LEN + n * ENTRY_LEN + MAC_LEN
}

struct Entry<'a> {
    id: RecipientId,
    enc: &'a [u8],
    sealed: &'a [u8],
}

struct Parsed<'a> {
    entries: Vec<Entry<'a>>,
    /// Everything the MAC covers.
    header: &'a [u8],
    mac: &'a [u8],
}

fn parse(env: &[u8]) -> Result<Parsed<'_>> {
    let fixed = env
        .get(..FIXED_HEADER_LEN)
        .ok_or_else(|| Error::MalformedInput("envelope is truncated".into()))?;
    let u16_at = |i: usize| u16::from_be_bytes([fixed[i], fixed[i + 1]]);
    if &fixed[..4] != MAGIC {
        return Err(Error::MalformedInput("not a signet-wrap envelope".into()));
    }
    if fixed[4] != VERSION {
        return Err(Error::Unsupported(format!("envelope version {}", fixed[4])));
    }
    let (kem, kdf, aead_id) = (u16_at(5), u16_at(7), u16_at(9));
    if (kem, kdf, aead_id) != (KEM_ID, KDF_ID, AEAD_ID) {
        return Err(Error::Unsupported(format!(
            "envelope suite kem=0x{kem:04x} kdf=0x{kdf:04x} aead=0x{aead_id:04x}"
        )));
    }
    let count = usize::from(u16_at(11));
    if count == 0 {
        return Err(Error::MalformedInput("envelope has no recipients".into()));
    }
    if count > MAX_RECIPIENTS {
        return Err(Error::LimitExceeded(format!(
            "envelope has {count} recipients, at most {MAX_RECIPIENTS} are allowed"
        )));
    }
    let expected = envelope_len(count);
    if env.len() != expected {
        return Err(Error::MalformedInput(format!(
            "envelope length {} does not match {count} recipients ({expected} bytes)",
            env.len()
        )));
    }
    let (header, mac) = env.split_at(expected - MAC_LEN);
    let body = header.get(FIXED_HEADER_LEN..).unwrap_or_default();
    let mut entries = Vec::with_capacity(count);
    for chunk in body.chunks_exact(ENTRY_LEN) {
        let (id, rest) = chunk
            .split_first_chunk::<{ RecipientId::LEN }>()
            .ok_or_else(|| Error::Internal("entry split".into()))?;
        let (enc, sealed) = rest.split_at(xwing::CT_LEN);
        entries.push(Entry {
            id: RecipientId::from_bytes(*id),
            enc,
            sealed,
        });
    }
    let mut ids: Vec<RecipientId> = entries.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::MalformedInput(
            "envelope lists a recipient twice".into(),
        ));
    }
    Ok(Parsed {
        entries,
        header,
        mac,
    })
}

fn header_mac(data_key: &[u8; DATA_KEY_LEN]) -> Result<Hmac<Sha256>> {
    let mut mac_key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&[]), data_key)
        .expand(MAC_INFO, mac_key.as_mut())
        .map_err(|_| Error::Internal("HKDF length".into()))?;
    <Hmac<Sha256> as Mac>::new_from_slice(mac_key.as_ref())
        .map_err(|_| Error::Internal("HMAC key".into()))
}

/// [`wrap_key`] with an explicit RNG (deterministic tests).
pub(crate) fn wrap_key_with_rng<R: rand::RngCore + rand::CryptoRng>(
    key: &[u8],
    recipients: &[WrapPublicKey],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let data_key: &[u8; DATA_KEY_LEN] = key.try_into().map_err(|_| {
        Error::InvalidArgument(format!(
            "the wrapped key must be {DATA_KEY_LEN} bytes, got {}",
            key.len()
        ))
    })?;
    if recipients.is_empty() {
        return Err(Error::InvalidArgument(
            "at least one recipient is needed".into(),
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::LimitExceeded(format!(
            "{} recipients, at most {MAX_RECIPIENTS} are allowed",
            recipients.len()
        )));
    }
    let mut ids: Vec<RecipientId> = recipients.iter().map(WrapPublicKey::id).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::InvalidArgument("a recipient is listed twice".into()));
    }
    let count =
        u16::try_from(recipients.len()).map_err(|_| Error::Internal("recipient count".into()))?;
    let mut out = Vec::with_capacity(envelope_len(recipients.len()));
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&KEM_ID.to_be_bytes());
    out.extend_from_slice(&KDF_ID.to_be_bytes());
    out.extend_from_slice(&AEAD_ID.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    for pk in recipients {
        let id = pk.id();
        let mut eseed = Zeroizing::new([0u8; xwing::ESEED_LEN]);
        rng.fill_bytes(eseed.as_mut());
        let (enc, sealed) = hpke::seal_base_derand(
            pk.as_xwing_bytes(),
            &eseed,
            HPKE_INFO,
            id.as_bytes(),
            data_key,
        )?;
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&enc);
        out.extend_from_slice(&sealed);
    }
    let mut mac = header_mac(data_key)?;
    mac.update(&out);
    out.extend_from_slice(&mac.finalize().into_bytes());
    Ok(out)
}

/// Wraps a 32-byte data key to every recipient. Errors: `INVALID_ARGUMENT` for a
/// key of another length, no recipients or a duplicate; `LIMIT_EXCEEDED` above
/// [`MAX_RECIPIENTS`].
pub fn wrap_key(key: &[u8], recipients: &[WrapPublicKey]) -> Result<Vec<u8>> {
    wrap_key_with_rng(key, recipients, &mut rand::rngs::OsRng)
}

/// Recovers the data key. `NO_MATCHING_KEY` if `sk` is not listed;
/// `DECRYPTION_FAILED` if its entry or the header MAC does not authenticate;
/// structural problems are `MALFORMED_INPUT` / `UNSUPPORTED` / `LIMIT_EXCEEDED`.
pub fn unwrap_key(envelope: &[u8], sk: &WrapSecretKey) -> Result<Zeroizing<[u8; DATA_KEY_LEN]>> {
    let parsed = parse(envelope)?;
    let my_id = sk.id();
    let entry = parsed
        .entries
        .iter()
        .find(|e| e.id == my_id)
        .ok_or(Error::NoMatchingKey)?;
    let pt = hpke::open_base(
        sk.xwing(),
        entry.enc,
        HPKE_INFO,
        entry.id.as_bytes(),
        entry.sealed,
    )?;
    let data_key: Zeroizing<[u8; DATA_KEY_LEN]> = Zeroizing::new(
        pt.as_slice()
            .try_into()
            .map_err(|_| Error::DecryptionFailed)?,
    );
    let mut mac = header_mac(&data_key)?;
    mac.update(parsed.header);
    mac.verify_slice(parsed.mac)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(data_key)
}

/// Lists the recipient ids of an envelope (after the same structural checks as
/// [`unwrap_key`]); needs no secret and authenticates nothing.
pub fn envelope_recipients(envelope: &[u8]) -> Result<Vec<RecipientId>> {
    Ok(parse(envelope)?.entries.iter().map(|e| e.id).collect())
}
