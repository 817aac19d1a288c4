//! Encryption to certificates and/or passwords, optionally signed inside.
//!
//! Container choice: SEIPDv2 (AEAD, RFC 9580) when *every* recipient certificate
//! advertises it in its Features subpacket (or there are only passwords),
//! SEIPDv1 otherwise, so GnuPG 2.2 recipients can always read what we send them.
//! The AEAD mode is the first pair of the first recipient's preferences that all
//! recipients accept (AES-128+OCB is mandatory to implement and always accepted);
//! with passwords only it is AES-256+GCM. Nothing is compressed.

use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::types::SigningKey;

use super::keys::PrivateKey;
use super::policy::{Cert, Component};
use super::Limits;
use crate::{Error, Result};

/// Which encrypted-data container to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeipdChoice {
    /// SEIPDv2 when every recipient supports it, else SEIPDv1 (see module docs).
    #[default]
    Auto,
    /// Force SEIPDv1 (e.g. a password message for GnuPG 2.2). Refused with
    /// post-quantum recipients, which RFC 9980 allows only in v6 PKESKs.
    V1,
    /// Force SEIPDv2 even if a recipient does not advertise it.
    V2,
}

impl SeipdChoice {
    /// Parses `"auto" | "v1" | "v2"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(SeipdChoice::Auto),
            "v1" => Ok(SeipdChoice::V1),
            "v2" => Ok(SeipdChoice::V2),
            other => Err(Error::InvalidArgument(format!(
                "unknown seipd {other:?}; expected \"auto\", \"v1\" or \"v2\""
            ))),
        }
    }
}

/// Options for [`encrypt`](super::encrypt) / [`encrypt_stream`](super::encrypt_stream).
#[derive(Default)]
pub struct EncryptOptions<'a> {
    /// Recipient certificates, armored or binary.
    pub encryption_keys: Vec<&'a [u8]>,
    /// Passwords that may also open the message.
    pub passwords: Vec<&'a str>,
    /// Sign inside the encryption (one-pass signatures) with these keys.
    pub signing_keys: Vec<&'a PrivateKey>,
    /// ASCII armor (default in JS; `false` here means binary).
    pub armor: bool,
    /// Container format.
    pub seipd: SeipdChoice,
    /// Size and work limits.
    pub limits: Limits,
}

impl std::fmt::Debug for EncryptOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptOptions")
            .field("encryption_keys", &self.encryption_keys.len())
            .field("passwords", &self.passwords.len())
            .field("signing_keys", &self.signing_keys)
            .field("armor", &self.armor)
            .field("seipd", &self.seipd)
            .finish()
    }
}

/// AEAD pairs we are willing to produce, our order of preference.
const OUR_AEAD: [(SymmetricKeyAlgorithm, AeadAlgorithm); 4] = [
    (SymmetricKeyAlgorithm::AES256, AeadAlgorithm::Gcm),
    (SymmetricKeyAlgorithm::AES256, AeadAlgorithm::Ocb),
    (SymmetricKeyAlgorithm::AES128, AeadAlgorithm::Gcm),
    (SymmetricKeyAlgorithm::AES128, AeadAlgorithm::Ocb),
];

/// RFC 9580 §9.3: AES-128 + OCB must be implemented by every v2 reader.
const MTI_AEAD: (SymmetricKeyAlgorithm, AeadAlgorithm) =
    (SymmetricKeyAlgorithm::AES128, AeadAlgorithm::Ocb);

fn accepts_aead(cert: &Cert, pair: (SymmetricKeyAlgorithm, AeadAlgorithm)) -> bool {
    pair == MTI_AEAD || cert.aead_prefs.contains(&pair)
}

pub(crate) fn choose_aead(certs: &[Cert]) -> (SymmetricKeyAlgorithm, AeadAlgorithm) {
    let Some(first) = certs.first() else {
        return OUR_AEAD[0];
    };
    let ours = |p: &(SymmetricKeyAlgorithm, AeadAlgorithm)| OUR_AEAD.contains(p);
    first
        .aead_prefs
        .iter()
        .copied()
        .filter(ours)
        .chain(OUR_AEAD)
        .find(|p| certs.iter().all(|c| accepts_aead(c, *p)))
        .unwrap_or(MTI_AEAD)
}

pub(crate) fn choose_sym_v1(certs: &[Cert]) -> SymmetricKeyAlgorithm {
    use SymmetricKeyAlgorithm as S;
    [S::AES256, S::AES192, S::AES128]
        .into_iter()
        .find(|s| {
            certs
                .iter()
                .all(|c| c.sym_prefs.is_empty() || c.sym_prefs.contains(s))
        })
        .unwrap_or(S::AES128)
}

pub(crate) struct Plan<'c> {
    pub(crate) v2: bool,
    pub(crate) recipients: Vec<(&'c Cert, &'c Component)>,
}

pub(crate) fn plan<'c>(certs: &'c [Cert], choice: SeipdChoice) -> Result<Plan<'c>> {
    let mut recipients = Vec::new();
    for cert in certs {
        for c in cert.encryption_components()? {
            recipients.push((cert, c));
        }
    }
    let all_v2 = certs.iter().all(|c| c.features_seipd_v2);
    let v2 = match choice {
        SeipdChoice::Auto => all_v2,
        SeipdChoice::V1 => false,
        SeipdChoice::V2 => true,
    };
    if !v2 {
        let pq = recipients.iter().any(|(_, c)| {
            matches!(
                c.algorithm,
                PublicKeyAlgorithm::MlKem768X25519 | PublicKeyAlgorithm::MlKem1024X448
            )
        });
        if pq && choice == SeipdChoice::V1 {
            return Err(Error::InvalidArgument(
                "post-quantum recipients need SEIPDv2; do not force seipd v1".into(),
            ));
        }
        if pq {
            // Auto: a post-quantum recipient (SEIPDv2 only) next to one that did
            // not advertise SEIPDv2. Nothing was forced; say what conflicts.
            let old: Vec<String> = certs
                .iter()
                .filter(|c| !c.features_seipd_v2)
                .map(|c| c.primary.fingerprint.clone())
                .collect();
            return Err(Error::InvalidArgument(format!(
                "no message format suits all recipients: post-quantum keys need SEIPDv2, \
                 which {} does not advertise; encrypt to them separately, or pass \
                 seipd: \"v2\" if those recipients can read it",
                old.join(", ")
            )));
        }
    }
    Ok(Plan { v2, recipients })
}

/// Signers chosen from each private key (the best signing-capable component).
pub(crate) fn signers<'k>(keys: &[&'k PrivateKey]) -> Result<Vec<&'k dyn SigningKey>> {
    let mut out = Vec::new();
    for k in keys {
        let comps = k.cert().signing_components()?;
        let signer = comps.first().and_then(|c| k.signer(c)).ok_or_else(|| {
            Error::KeyUnusable(
                crate::Reason::NoUsableSubkey,
                "no signing-capable secret key".into(),
            )
        })?;
        out.push(signer);
    }
    Ok(out)
}

/// Hash for data signatures: the key's own recommendation, never weaker than SHA-256.
pub(crate) fn signing_hash(k: &dyn SigningKey) -> HashAlgorithm {
    match k.hash_alg() {
        HashAlgorithm::Md5 | HashAlgorithm::Sha1 | HashAlgorithm::Ripemd160 => {
            HashAlgorithm::Sha256
        }
        h => h,
    }
}

/// The one-shot size limit on the data (`max_message_size`); also checked by
/// the package's one-shot `encrypt`, which drives the stream engine from JS.
pub fn check_data_len(len: usize, limits: &Limits) -> Result<()> {
    if len as u64 > limits.max_message_size {
        return Err(Error::LimitExceeded(format!(
            "data of {len} bytes exceeds the one-shot limit of {} bytes",
            limits.max_message_size
        )));
    }
    Ok(())
}
