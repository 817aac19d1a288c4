//! What every decryption and verification shares: the option and result
//! types, and how a data signature is matched to a certificate and judged
//! (policy first, the cryptography last). The packets themselves are read by
//! the engine (`stream/literal.rs`, `stream/sigcheck.rs`). Depends on nothing
//! else of the decryption paths (no cycles: they all build on this one).

use pgp::packet::SignatureType;
use zeroize::Zeroizing;

use super::keys::PrivateKey;
use super::policy::{check_signature, data_signature_expired, Cert, HashUse, VerifierRef};
use super::util::hex_upper;
use super::Limits;
use crate::Reason;

/// Options for [`decrypt`] / [`decrypt_stream`].
#[derive(Default)]
pub struct DecryptOptions<'a> {
    /// Unlocked private keys to try.
    pub decryption_keys: Vec<&'a PrivateKey>,
    /// Passwords to try on SKESKs.
    pub passwords: Vec<&'a str>,
    /// Certificates whose signatures inside the message are checked.
    pub verification_keys: Vec<&'a [u8]>,
    /// Size and work limits.
    pub limits: Limits,
}

impl std::fmt::Debug for DecryptOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptOptions")
            .field("decryption_keys", &self.decryption_keys)
            .field("passwords", &self.passwords.len())
            .field("verification_keys", &self.verification_keys.len())
            .finish()
    }
}

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// Primary fingerprint of the verifying certificate when one matched;
    /// otherwise the issuer fingerprint (or, for old signatures, key ID) the
    /// signature names. Uppercase hex.
    pub fingerprint: String,
    /// Fingerprint of the (sub)key that made the signature, when known.
    pub signing_key_fingerprint: Option<String>,
    /// The signature verifies, passes the policy (hash, critical subpackets),
    /// and the key was allowed to sign at the signature's creation time (sign
    /// flag, not expired, not revoked, not too weak); `docs/policy.md`.
    pub valid: bool,
    /// Signature creation time, Unix seconds.
    pub created: Option<u64>,
    /// Why the signature is not valid (`None` when it is).
    pub reason: Option<Reason>,
}

/// Result of [`decrypt`].
pub struct Decrypted {
    /// The plaintext (wiped on drop).
    pub data: Zeroizing<Vec<u8>>,
    /// Signatures found inside, in message order.
    pub signatures: Vec<SignatureCheck>,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .field("signatures", &self.signatures)
            .finish()
    }
}

/// Matches a data signature to a certificate component, applies the policy
/// (the signature's own rules, then the key's state at the signature's creation
/// time) and runs `verify` for the cryptography.
pub(crate) fn check_one(
    sig: &pgp::packet::Signature,
    certs: &[Cert],
    verify: impl Fn(VerifierRef<'_>) -> bool,
) -> SignatureCheck {
    let created = sig.created().map(|t| u64::from(t.as_secs()));
    let fprs: Vec<String> = sig
        .issuer_fingerprint()
        .iter()
        .map(|f| hex_upper(f.as_bytes()))
        .collect();
    let ids: Vec<String> = sig
        .issuer_key_id()
        .iter()
        .map(|k| hex_upper(k.as_ref()))
        .collect();
    let data_sig = matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text));
    for cert in certs {
        let comp = fprs
            .iter()
            .find_map(|f| cert.find(Some(f), None))
            .or_else(|| ids.iter().find_map(|k| cert.find(None, Some(k))));
        let Some(c) = comp else { continue };
        let now = u64::from(pgp::types::Timestamp::now().as_secs());
        // Cheap policy checks first, the cryptography last.
        let reason = if !data_sig {
            Some(Reason::BadSignature)
        } else if let Err(r) = check_signature(sig, HashUse::Data) {
            Some(r)
        } else if let Some((r, _)) = created.and_then(|t| cert.sign_problem_at(c, t)) {
            Some(r)
        } else if data_signature_expired(sig, now) {
            Some(Reason::Expired)
        } else if !cert.verifier(c).is_some_and(&verify) {
            Some(Reason::BadSignature)
        } else {
            None
        };
        return SignatureCheck {
            fingerprint: cert.primary.fingerprint.clone(),
            signing_key_fingerprint: Some(c.fingerprint.clone()),
            valid: reason.is_none(),
            created,
            reason,
        };
    }
    SignatureCheck {
        fingerprint: fprs.first().or(ids.first()).cloned().unwrap_or_default(),
        signing_key_fingerprint: None,
        valid: false,
        created,
        reason: Some(Reason::UnknownKey),
    }
}
