//! Rules for one signature packet, whatever it signs: its hash (by use and
//! date, [`super::algorithms`]) and its critical subpackets.
//!
//! RFC 9580 (signature subpacket specification): a critical subpacket the
//! implementation does not recognise makes the signature invalid; so does a
//! critical notation it does not understand (Notation Data). We understand no notation, and these
//! subpacket types (the ones our decisions read); a critical one of any other
//! type voids the signature.

use pgp::packet::{Signature, SubpacketData};

use super::algorithms::{hash_allowed, HashUse};
use crate::Reason;

/// Whether a hashed subpacket is one our decisions read (so its criticality is honoured).
fn understood(data: &SubpacketData) -> bool {
    use SubpacketData as D;
    matches!(
        data,
        D::SignatureCreationTime(_)
            | D::SignatureExpirationTime(_)
            | D::KeyExpirationTime(_)
            | D::IssuerKeyId(_)
            | D::IssuerFingerprint(_)
            | D::KeyFlags(_)
            | D::Features(_)
            | D::IsPrimary(_)
            | D::RevocationReason(..)
            | D::EmbeddedSignature(_)
            | D::PreferredSymmetricAlgorithms(_)
            | D::PreferredHashAlgorithms(_)
            | D::PreferredCompressionAlgorithms(_)
            | D::PreferredAeadAlgorithms(_)
            | D::Revocable(_)
            | D::ExportableCertification(true)
    )
}

fn created(sig: &Signature) -> u64 {
    sig.created().map(|t| u64::from(t.as_secs())).unwrap_or(0)
}

/// Checks `sig`'s hash for `usage` and its critical subpackets. The
/// cryptographic check is the caller's (rPGP).
pub(crate) fn check_signature(sig: &Signature, usage: HashUse) -> Result<(), Reason> {
    let Some(config) = sig.config() else {
        return Err(Reason::BadSignature);
    };
    if sig.created().is_none() {
        return Err(Reason::BadSignature);
    }
    if config
        .hashed_subpackets()
        .any(|sp| sp.is_critical && !understood(&sp.data))
    {
        return Err(Reason::CriticalUnknown);
    }
    if !hash_allowed(config.hash_alg, usage, created(sig)) {
        return Err(Reason::TooWeak);
    }
    Ok(())
}

/// A data signature whose own expiration time has passed by `now`.
pub(crate) fn data_signature_expired(sig: &Signature, now: u64) -> bool {
    sig.signature_expiration_time()
        .map(|d| u64::from(d.as_secs()))
        .filter(|d| *d != 0)
        .is_some_and(|d| now >= created(sig).saturating_add(d))
}
