//! Keys: generation per profile, inspection, unlocking, re-protected export, and
//! the usage policy (which component may encrypt or sign, and when).
//!
//! rPGP verifies signatures but decides nothing; the policy here does: a component
//! is usable at time `t` when its binding self-signature verifies, it carries the
//! needed key flag, it was created by `t`, neither it nor the primary key has
//! expired by `t`, and neither is revoked. Any verified revocation counts, whatever
//! its reason code (conservative: we do not resurrect "superseded" keys for old
//! signatures).

use pgp::composed::{
    KeyType, SignedKeyDetails, SignedPublicKey, SignedSecretKey, SignedSecretSubKey,
};
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{
    self, Features, KeyFlags, PacketTrait, PubKeyInner, Signature, SignatureConfig, SignatureType,
    Subpacket, SubpacketData, UserId,
};
use pgp::ser::Serialize;
use pgp::types::{
    CompressionAlgorithm, Duration, KeyDetails, KeyVersion, Password, S2kParams, SigningKey,
    Timestamp, VerifyingKey,
};
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::util::{
    algorithm_name, check_secret_params, hex_upper, is_post_quantum, parse_public_key,
    parse_secret_key,
};
use super::Limits;
use crate::{Error, Result};

/// Key shapes we generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// v6, ML-DSA-65+Ed25519 primary (certify+sign), ML-KEM-768+X25519 encryption
    /// subkey (RFC 9980). Readable by rPGP, OpenPGP.js ≥ 6.2 with PQC, Sequoia ≥ 2.
    #[default]
    Pqc,
    /// v6, Ed25519 primary (certify+sign), X25519 encryption subkey (RFC 9580).
    Rfc9580,
    /// v4, EdDSA-legacy primary (certify+sign), Curve25519 ECDH subkey: what
    /// GnuPG 2.2 and sq 0.27 read. Advertises SEIPDv1 only.
    Compat,
}

impl Profile {
    /// Parses `"pqc" | "rfc9580" | "compat"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pqc" => Ok(Profile::Pqc),
            "rfc9580" => Ok(Profile::Rfc9580),
            "compat" => Ok(Profile::Compat),
            other => Err(Error::InvalidArgument(format!(
                "unknown profile {other:?}; expected \"pqc\", \"rfc9580\" or \"compat\""
            ))),
        }
    }
}

/// Options for [`generate_key`].
#[derive(Clone, Default)]
pub struct GenerateOptions {
    /// User IDs, e.g. `"Nguyễn Văn A <a@example.gov.vn>"`; the first is primary.
    /// At least one is required (v4 needs one; for v6 it is what users see).
    pub user_ids: Vec<String>,
    /// Key shape.
    pub profile: Profile,
    /// Protects the private key when given and non-empty.
    pub passphrase: Option<Zeroizing<String>>,
    /// Key expiry in days after creation; `None` or `0` means no expiry.
    pub expires_in_days: Option<u32>,
    /// Creation time override in Unix seconds (default: now). Lets callers
    /// reproduce a key's timeline, e.g. in tests of expiry handling.
    pub created: Option<u64>,
}

impl std::fmt::Debug for GenerateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerateOptions")
            .field("user_ids", &self.user_ids)
            .field("profile", &self.profile)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_in_days", &self.expires_in_days)
            .field("created", &self.created)
            .finish()
    }
}

/// Result of [`generate_key`]. The private key is protected iff a passphrase was
/// given.
#[derive(Clone)]
pub struct GeneratedKey {
    /// Armored transferable secret key.
    pub private_key: Zeroizing<String>,
    /// Armored certificate.
    pub public_key: String,
    /// Primary key fingerprint, uppercase hex.
    pub fingerprint: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("private_key", &"<redacted>")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Key flags of a component, as granted by its valid self-signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage {
    /// May certify other keys / user IDs (0x01).
    pub certify: bool,
    /// May sign data (0x02).
    pub sign: bool,
    /// May encrypt communications (0x04).
    pub encrypt_communications: bool,
    /// May encrypt storage (0x08).
    pub encrypt_storage: bool,
    /// May authenticate (0x20).
    pub authenticate: bool,
}

impl KeyUsage {
    fn from_flags(f: &KeyFlags) -> Self {
        KeyUsage {
            certify: f.certify(),
            sign: f.sign(),
            encrypt_communications: f.encrypt_comms(),
            encrypt_storage: f.encrypt_storage(),
            authenticate: f.authentication(),
        }
    }

    /// Either encryption flag.
    pub fn can_encrypt(&self) -> bool {
        self.encrypt_communications || self.encrypt_storage
    }
}

/// One subkey as reported by [`read_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubkeyInfo {
    /// Uppercase hex.
    pub fingerprint: String,
    /// Uppercase hex, 16 digits.
    pub key_id: String,
    /// Readable algorithm name.
    pub algorithm: String,
    /// Unix seconds.
    pub created: u64,
    /// Unix seconds; `None` = never.
    pub expires: Option<u64>,
    /// Flags from the newest valid binding signature (all false when none verifies).
    pub usage: KeyUsage,
    /// RFC 9980 algorithm.
    pub is_post_quantum: bool,
    /// A verified revocation exists.
    pub revoked: bool,
    /// A binding signature verifies (subkeys without one are ignored by all operations).
    pub valid_binding: bool,
}

/// What [`read_key`] reports about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Primary key fingerprint, uppercase hex (40 digits for v4, 64 for v6).
    pub fingerprint: String,
    /// Uppercase hex, 16 digits.
    pub key_id: String,
    /// Key packet version (4 or 6).
    pub version: u8,
    /// Readable primary key algorithm name.
    pub algorithm: String,
    /// User IDs with a verifying self-signature, primary first.
    pub user_ids: Vec<String>,
    /// A transferable secret key (possibly passphrase-protected).
    pub is_private: bool,
    /// The primary key or any subkey uses an RFC 9980 post-quantum algorithm.
    pub is_post_quantum: bool,
    /// Unix seconds.
    pub created: u64,
    /// Unix seconds; `None` = never.
    pub expires: Option<u64>,
    /// A verified key revocation exists.
    pub revoked: bool,
    /// Primary key flags.
    pub usage: KeyUsage,
    /// Subkeys in key order.
    pub subkeys: Vec<SubkeyInfo>,
}

// ---------------------------------------------------------------------------
// Generation

fn now_secs() -> u64 {
    u64::from(Timestamp::now().as_secs())
}

fn sub(data: SubpacketData) -> Result<Subpacket> {
    Subpacket::regular(data).map_err(|e| Error::Internal(format!("subpacket: {e}")))
}

fn internal(e: pgp::errors::Error) -> Error {
    Error::Internal(super::util::short(e.to_string()))
}

struct ProfileSpec {
    version: KeyVersion,
    primary: KeyType,
    subkey: KeyType,
    seipd_v2: bool,
}

fn spec(profile: Profile) -> ProfileSpec {
    match profile {
        Profile::Pqc => ProfileSpec {
            version: KeyVersion::V6,
            primary: KeyType::MlDsa65Ed25519,
            subkey: KeyType::MlKem768X25519,
            seipd_v2: true,
        },
        Profile::Rfc9580 => ProfileSpec {
            version: KeyVersion::V6,
            primary: KeyType::Ed25519,
            subkey: KeyType::X25519,
            seipd_v2: true,
        },
        Profile::Compat => ProfileSpec {
            version: KeyVersion::V4,
            primary: KeyType::Ed25519Legacy,
            subkey: KeyType::ECDH(ECCCurve::Curve25519Legacy),
            seipd_v2: false,
        },
    }
}

/// Preference and feature subpackets for self-signatures.
fn preference_subpackets(seipd_v2: bool) -> Result<Vec<Subpacket>> {
    let mut features = Features::default();
    features.set_seipd_v1(true);
    features.set_seipd_v2(seipd_v2);
    let mut out = vec![
        sub(SubpacketData::Features(features))?,
        sub(SubpacketData::PreferredSymmetricAlgorithms(
            [SymmetricKeyAlgorithm::AES256, SymmetricKeyAlgorithm::AES128]
                .into_iter()
                .collect(),
        ))?,
        sub(SubpacketData::PreferredHashAlgorithms(
            [
                HashAlgorithm::Sha512,
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha3_512,
                HashAlgorithm::Sha3_256,
            ]
            .into_iter()
            .collect(),
        ))?,
        // We never compress (compression leaks plaintext length patterns and feeds
        // bombs); "uncompressed" tells peers to do the same.
        sub(SubpacketData::PreferredCompressionAlgorithms(
            [CompressionAlgorithm::Uncompressed].into_iter().collect(),
        ))?,
    ];
    if seipd_v2 {
        out.push(sub(SubpacketData::PreferredAeadAlgorithms(
            [
                (SymmetricKeyAlgorithm::AES256, AeadAlgorithm::Gcm),
                (SymmetricKeyAlgorithm::AES256, AeadAlgorithm::Ocb),
                (SymmetricKeyAlgorithm::AES128, AeadAlgorithm::Gcm),
                (SymmetricKeyAlgorithm::AES128, AeadAlgorithm::Ocb),
            ]
            .into_iter()
            .collect(),
        ))?);
    }
    Ok(out)
}

/// Generates a key of the given profile. See [`Profile`].
///
/// We build the self-signatures ourselves (rPGP's builder cannot set a key
/// expiration time): a direct-key signature carrying flags, features, preferences
/// and expiry for v6; user-ID certifications carrying them for v4 (and, on v6,
/// carrying them too so older readers that look at the user ID find them).
pub fn generate_key(opts: &GenerateOptions) -> Result<GeneratedKey> {
    let user_ids: Vec<&str> = opts.user_ids.iter().map(|s| s.trim()).collect();
    if user_ids.is_empty() || user_ids.iter().any(|u| u.is_empty()) {
        return Err(Error::InvalidArgument(
            "userIds must hold at least one non-empty user ID".into(),
        ));
    }
    let spec = spec(opts.profile);
    let rng = OsRng;
    let created = match opts.created {
        None => Timestamp::now(),
        Some(t) => Timestamp::from_secs(
            u32::try_from(t)
                .map_err(|_| Error::InvalidArgument("created is out of range".into()))?,
        ),
    };
    let expiry = match opts.expires_in_days {
        None | Some(0) => None,
        Some(days) if days > 36_500 => {
            return Err(Error::InvalidArgument(
                "expiresInDays must be at most 36500".into(),
            ))
        }
        Some(days) => Some(Duration::from_secs(days * 86_400)),
    };

    // Primary key.
    let (pp, sp) = spec.primary.generate(rng).map_err(internal)?;
    let inner = PubKeyInner::new(spec.version, spec.primary.to_alg(), created, None, pp)
        .map_err(internal)?;
    let primary_pub = packet::PublicKey::from_inner(inner).map_err(internal)?;
    let mut primary = packet::SecretKey::new(primary_pub.clone(), sp).map_err(internal)?;

    // Encryption subkey.
    let (pp, sp) = spec.subkey.generate(rng).map_err(internal)?;
    let inner = PubKeyInner::new(spec.version, spec.subkey.to_alg(), created, None, pp)
        .map_err(internal)?;
    let subkey_pub = packet::PublicSubkey::from_inner(inner).map_err(internal)?;
    let mut subkey = packet::SecretSubkey::new(subkey_pub.clone(), sp).map_err(internal)?;

    let mut primary_flags = KeyFlags::default();
    primary_flags.set_certify(true);
    primary_flags.set_sign(true);
    let mut sub_flags = KeyFlags::default();
    sub_flags.set_encrypt_comms(true);
    sub_flags.set_encrypt_storage(true);

    let no_pw = Password::empty();
    let is_v6 = spec.version == KeyVersion::V6;

    let metadata = |sig_created: Timestamp| -> Result<Vec<Subpacket>> {
        let mut v = vec![
            sub(SubpacketData::SignatureCreationTime(sig_created))?,
            sub(SubpacketData::IssuerFingerprint(primary.fingerprint()))?,
            sub(SubpacketData::KeyFlags(primary_flags.clone()))?,
        ];
        if let Some(d) = expiry {
            v.push(sub(SubpacketData::KeyExpirationTime(d))?);
        }
        v.extend(preference_subpackets(spec.seipd_v2)?);
        Ok(v)
    };

    let mut direct_signatures = Vec::new();
    if is_v6 {
        let mut config =
            SignatureConfig::from_key(rng, &primary, SignatureType::Key).map_err(internal)?;
        config.hashed_subpackets = metadata(created)?;
        direct_signatures.push(
            config
                .sign_key(&primary, &no_pw, &primary_pub)
                .map_err(internal)?,
        );
    }

    let mut users = Vec::new();
    for (i, uid) in user_ids.iter().enumerate() {
        let id = UserId::from_str(Default::default(), uid)
            .map_err(|e| Error::InvalidArgument(format!("user ID: {e}")))?;
        let mut config = SignatureConfig::from_key(rng, &primary, SignatureType::CertPositive)
            .map_err(internal)?;
        config.hashed_subpackets = metadata(created)?;
        if i == 0 {
            config
                .hashed_subpackets
                .push(sub(SubpacketData::IsPrimary(true))?);
        }
        if !is_v6 {
            config.unhashed_subpackets =
                vec![sub(SubpacketData::IssuerKeyId(primary.legacy_key_id()))?];
        }
        let sig = config
            .sign_certification(&primary, &primary_pub, &no_pw, id.tag(), &id)
            .map_err(internal)?;
        users.push(id.into_signed(sig));
    }

    let mut config =
        SignatureConfig::from_key(rng, &primary, SignatureType::SubkeyBinding).map_err(internal)?;
    config.hashed_subpackets = vec![
        sub(SubpacketData::SignatureCreationTime(created))?,
        sub(SubpacketData::IssuerFingerprint(primary.fingerprint()))?,
        sub(SubpacketData::KeyFlags(sub_flags))?,
    ];
    if let Some(d) = expiry {
        config
            .hashed_subpackets
            .push(sub(SubpacketData::KeyExpirationTime(d))?);
    }
    if !is_v6 {
        config.unhashed_subpackets =
            vec![sub(SubpacketData::IssuerKeyId(primary.legacy_key_id()))?];
    }
    let binding = config
        .sign_subkey_binding(&primary, &primary_pub, &no_pw, &subkey_pub)
        .map_err(internal)?;

    if let Some(pw) = opts.passphrase.as_ref().filter(|p| !p.is_empty()) {
        let pw = Password::from(pw.as_str());
        primary
            .set_password_with_s2k(&pw, S2kParams::new_default(rng, spec.version))
            .map_err(internal)?;
        subkey
            .set_password_with_s2k(&pw, S2kParams::new_default(rng, spec.version))
            .map_err(internal)?;
    }

    let key = SignedSecretKey::new(
        primary,
        SignedKeyDetails::new(vec![], direct_signatures, users, vec![]),
        vec![],
        vec![SignedSecretSubKey::new(subkey, vec![binding])],
    );
    let fingerprint = hex_upper(key.fingerprint().as_bytes());
    let private_key = Zeroizing::new(key.to_armored_string(None.into()).map_err(internal)?);
    let public_key = key
        .to_public_key()
        .to_armored_string(None.into())
        .map_err(internal)?;
    Ok(GeneratedKey {
        private_key,
        public_key,
        fingerprint,
    })
}

// ---------------------------------------------------------------------------
// Policy

/// A verified view of one component key.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub fingerprint: String,
    pub key_id: String,
    pub algorithm: PublicKeyAlgorithm,
    pub algorithm_name: String,
    pub created: u64,
    pub expires: Option<u64>,
    pub usage: KeyUsage,
    pub revoked: bool,
    pub valid_binding: bool,
    /// Index into `public_subkeys` (`None` = primary).
    pub subkey_index: Option<usize>,
}

impl Component {
    /// Usable at time `t` for something needing `need` (checked by the caller).
    fn alive_at(&self, t: u64) -> bool {
        self.valid_binding
            && !self.revoked
            && self.created <= t.saturating_add(CLOCK_SKEW)
            && self.expires.is_none_or(|e| t < e)
    }
}

/// Tolerated clock skew for "created in the future" (peers' clocks differ).
const CLOCK_SKEW: u64 = 300;

/// A certificate with all self-signatures checked once.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub key: SignedPublicKey,
    pub primary: Component,
    pub subkeys: Vec<Component>,
    pub user_ids: Vec<String>,
    pub features_seipd_v2: bool,
    pub aead_prefs: Vec<(SymmetricKeyAlgorithm, AeadAlgorithm)>,
    pub sym_prefs: Vec<SymmetricKeyAlgorithm>,
}

fn has_key_flags(sig: &Signature) -> bool {
    sig.config().is_some_and(|c| {
        c.hashed_subpackets()
            .any(|sp| matches!(sp.data, SubpacketData::KeyFlags(_)))
    })
}

fn sig_time(sig: &Signature) -> u64 {
    sig.created().map(|t| u64::from(t.as_secs())).unwrap_or(0)
}

fn newest<'a>(sigs: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    sigs.max_by_key(|s| sig_time(s))
}

fn expiry_of(created: u64, sig: &Signature) -> Option<u64> {
    sig.key_expiration_time()
        .map(|d| u64::from(d.as_secs()))
        .filter(|d| *d != 0)
        .map(|d| created.saturating_add(d))
}

/// Usage for self-signatures without a key-flags subpacket (old keys): whatever
/// the algorithm can do.
fn infer_usage(alg: PublicKeyAlgorithm, primary: bool) -> KeyUsage {
    let can_sign = alg.can_sign();
    let can_encrypt = alg.can_encrypt();
    KeyUsage {
        certify: primary && can_sign,
        sign: can_sign,
        encrypt_communications: can_encrypt,
        encrypt_storage: can_encrypt,
        authenticate: false,
    }
}

impl Cert {
    /// Checks every self-signature against the primary key.
    pub(crate) fn new(key: SignedPublicKey) -> Self {
        let now = now_secs();
        let pk = &key.primary_key;
        let created = u64::from(pk.created_at().as_secs());
        let is_v6 = pk.version() == KeyVersion::V6;

        let direct: Vec<&Signature> = key
            .details
            .direct_signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::Key) && sig_time(s) <= now + CLOCK_SKEW)
            .filter(|s| s.verify_key(pk).is_ok())
            .collect();

        // Users with a valid certification, primary-flagged first.
        let mut users: Vec<(bool, String, &Signature)> = Vec::new();
        for u in &key.details.users {
            let valid = newest(
                u.signatures
                    .iter()
                    .filter(|s| s.is_certification() && sig_time(s) <= now + CLOCK_SKEW)
                    .filter(|s| s.verify_certification(pk, u.id.tag(), &u.id).is_ok()),
            );
            if let Some(sig) = valid {
                let name = String::from_utf8_lossy(u.id.id()).into_owned();
                users.push((sig.is_primary(), name, sig));
            }
        }
        users.sort_by_key(|(primary, _, _)| !*primary);

        // Where flags, features, expiry and preferences come from.
        let meta: Option<&Signature> = if is_v6 {
            newest(direct.iter().copied()).or(users.first().map(|u| u.2))
        } else {
            users
                .first()
                .map(|u| u.2)
                .or(newest(direct.iter().copied()))
        };

        let revoked = key
            .details
            .revocation_signatures
            .iter()
            .any(|s| s.typ() == Some(SignatureType::KeyRevocation) && s.verify_key(pk).is_ok());

        let (usage, expires) = match meta {
            Some(sig) if has_key_flags(sig) => (
                KeyUsage::from_flags(&sig.key_flags()),
                expiry_of(created, sig),
            ),
            Some(sig) => (infer_usage(pk.algorithm(), true), expiry_of(created, sig)),
            None => (KeyUsage::default(), None),
        };
        // On v6, an expiry stated on the direct-key signature binds the whole key
        // even when the UID signature is newer.
        let expires = match (
            expires,
            is_v6.then(|| newest(direct.iter().copied())).flatten(),
        ) {
            (None, Some(d)) => expiry_of(created, d),
            (e, _) => e,
        };

        let primary = Component {
            fingerprint: hex_upper(pk.fingerprint().as_bytes()),
            key_id: hex_upper(pk.legacy_key_id().as_ref()),
            algorithm: pk.algorithm(),
            algorithm_name: algorithm_name(pk.algorithm(), pk.public_params()),
            created,
            expires,
            usage,
            revoked,
            valid_binding: meta.is_some(),
            subkey_index: None,
        };

        let mut subkeys = Vec::new();
        for (i, sk) in key.public_subkeys.iter().enumerate() {
            let sub_created = u64::from(sk.key.created_at().as_secs());
            let binding = newest(sk.signatures.iter().filter(|s| {
                s.typ() == Some(SignatureType::SubkeyBinding)
                    && sig_time(s) <= now + CLOCK_SKEW
                    && s.verify_subkey_binding(pk, &sk.key).is_ok()
            }));
            let revoked = sk.signatures.iter().any(|s| {
                s.typ() == Some(SignatureType::SubkeyRevocation)
                    && s.verify_subkey_binding(pk, &sk.key).is_ok()
            });
            let (mut usage, expires) = match binding {
                Some(sig) if has_key_flags(sig) => (
                    KeyUsage::from_flags(&sig.key_flags()),
                    expiry_of(sub_created, sig),
                ),
                Some(sig) => (
                    infer_usage(sk.key.algorithm(), false),
                    expiry_of(sub_created, sig),
                ),
                None => (KeyUsage::default(), None),
            };
            // A signing subkey needs the subkey's own consent (back-signature),
            // otherwise anyone could bind our subkey to their certificate.
            if usage.sign {
                let backsig_ok = binding
                    .and_then(|b| b.embedded_signature())
                    .is_some_and(|e| e.verify_primary_key_binding(&sk.key, pk).is_ok());
                if !backsig_ok {
                    usage.sign = false;
                }
            }
            // Flags the algorithm cannot honour are ignored.
            if !sk.key.algorithm().can_encrypt() {
                usage.encrypt_communications = false;
                usage.encrypt_storage = false;
            }
            if !sk.key.algorithm().can_sign() {
                usage.sign = false;
                usage.certify = false;
            }
            subkeys.push(Component {
                fingerprint: hex_upper(sk.key.fingerprint().as_bytes()),
                key_id: hex_upper(sk.key.legacy_key_id().as_ref()),
                algorithm: sk.key.algorithm(),
                algorithm_name: algorithm_name(sk.key.algorithm(), sk.key.public_params()),
                created: sub_created,
                expires,
                usage,
                revoked,
                valid_binding: binding.is_some(),
                subkey_index: Some(i),
            });
        }

        let features_seipd_v2 = meta
            .and_then(|s| s.features())
            .is_some_and(|f| f.seipd_v2());
        let aead_prefs = meta
            .map(|s| s.preferred_aead_algs().to_vec())
            .unwrap_or_default();
        let sym_prefs = meta
            .map(|s| s.preferred_symmetric_algs().to_vec())
            .unwrap_or_default();
        let user_ids = users.into_iter().map(|(_, n, _)| n).collect();

        Cert {
            key,
            primary,
            subkeys,
            user_ids,
            features_seipd_v2,
            aead_prefs,
            sym_prefs,
        }
    }

    /// Why the whole certificate is unusable at `t`, if it is.
    fn primary_problem(&self, t: u64) -> Option<String> {
        let p = &self.primary;
        if !p.valid_binding {
            Some(format!("key {} has no valid self-signature", p.fingerprint))
        } else if p.revoked {
            Some(format!("key {} is revoked", p.fingerprint))
        } else if p.expires.is_some_and(|e| t >= e) {
            Some(format!("key {} has expired", p.fingerprint))
        } else if p.created > t.saturating_add(CLOCK_SKEW) {
            Some(format!("key {} was created in the future", p.fingerprint))
        } else {
            None
        }
    }

    fn component_ok(&self, c: &Component, t: u64) -> bool {
        self.primary_problem(t).is_none() && c.alive_at(t)
    }

    /// Components allowed to receive encrypted messages now.
    pub(crate) fn encryption_components(&self) -> Result<Vec<&Component>> {
        let t = now_secs();
        if let Some(problem) = self.primary_problem(t) {
            return Err(Error::KeyUnusable(problem));
        }
        let mut out: Vec<&Component> = self
            .subkeys
            .iter()
            .filter(|c| c.usage.can_encrypt() && self.component_ok(c, t))
            .collect();
        if self.primary.usage.can_encrypt() && self.primary.algorithm.can_encrypt() {
            out.push(&self.primary);
        }
        if out.is_empty() {
            return Err(Error::KeyUnusable(format!(
                "key {} has no valid encryption-capable (sub)key",
                self.primary.fingerprint
            )));
        }
        Ok(out)
    }

    /// Components allowed to sign now, best first (primary, then newest subkey).
    pub(crate) fn signing_components(&self) -> Result<Vec<&Component>> {
        let t = now_secs();
        if let Some(problem) = self.primary_problem(t) {
            return Err(Error::KeyUnusable(problem));
        }
        let mut out = Vec::new();
        if self.primary.usage.sign && self.primary.algorithm.can_sign() {
            out.push(&self.primary);
        }
        let mut subs: Vec<&Component> = self
            .subkeys
            .iter()
            .filter(|c| c.usage.sign && self.component_ok(c, t))
            .collect();
        subs.sort_by_key(|c| std::cmp::Reverse(c.created));
        out.extend(subs);
        if out.is_empty() {
            return Err(Error::KeyUnusable(format!(
                "key {} has no valid signing-capable (sub)key",
                self.primary.fingerprint
            )));
        }
        Ok(out)
    }

    /// The component matching a signature issuer (fingerprint or key ID).
    pub(crate) fn find(&self, fpr: Option<&str>, key_id: Option<&str>) -> Option<&Component> {
        std::iter::once(&self.primary)
            .chain(self.subkeys.iter())
            .find(|c| fpr == Some(c.fingerprint.as_str()) || key_id == Some(c.key_id.as_str()))
    }

    /// May `c` have made a data signature at time `t`?
    pub(crate) fn may_sign_at(&self, c: &Component, t: u64) -> bool {
        c.usage.sign && c.algorithm.can_sign() && self.component_ok(c, t)
    }

    /// The public key packet of a component, as a verifier.
    pub(crate) fn verifier(&self, c: &Component) -> Option<VerifierRef<'_>> {
        match c.subkey_index {
            None => Some(VerifierRef::Primary(&self.key.primary_key)),
            Some(i) => self
                .key
                .public_subkeys
                .get(i)
                .map(|s| VerifierRef::Sub(&s.key)),
        }
    }

    fn info(&self, is_private: bool) -> KeyInfo {
        let subkeys: Vec<SubkeyInfo> = self
            .subkeys
            .iter()
            .map(|c| SubkeyInfo {
                fingerprint: c.fingerprint.clone(),
                key_id: c.key_id.clone(),
                algorithm: c.algorithm_name.clone(),
                created: c.created,
                expires: c.expires,
                usage: c.usage,
                is_post_quantum: is_post_quantum(c.algorithm),
                revoked: c.revoked,
                valid_binding: c.valid_binding,
            })
            .collect();
        KeyInfo {
            fingerprint: self.primary.fingerprint.clone(),
            key_id: self.primary.key_id.clone(),
            version: match self.key.primary_key.version() {
                KeyVersion::V2 => 2,
                KeyVersion::V3 => 3,
                KeyVersion::V4 => 4,
                KeyVersion::V5 => 5,
                KeyVersion::V6 => 6,
                KeyVersion::Other(v) => v,
            },
            algorithm: self.primary.algorithm_name.clone(),
            user_ids: self.user_ids.clone(),
            is_private,
            is_post_quantum: is_post_quantum(self.primary.algorithm)
                || subkeys.iter().any(|s| s.is_post_quantum),
            created: self.primary.created,
            expires: self.primary.expires,
            revoked: self.primary.revoked,
            usage: self.primary.usage,
            subkeys,
        }
    }
}

/// Parses certificates given by the caller (armored or binary).
pub(crate) fn parse_certs(keys: &[&[u8]], limits: &Limits) -> Result<Vec<Cert>> {
    keys.iter()
        .map(|k| parse_public_key(k, limits).map(Cert::new))
        .collect()
}

/// Describes a public or private key (armored or binary).
pub fn read_key(bytes: &[u8]) -> Result<KeyInfo> {
    let limits = Limits::default();
    match parse_secret_key(bytes, &limits) {
        Ok(sk) => Ok(Cert::new(sk.to_public_key()).info(true)),
        Err(Error::KeyUnusable(_)) => Ok(Cert::new(parse_public_key(bytes, &limits)?).info(false)),
        Err(e) => Err(e),
    }
}

/// A component's public key packet, usable both where rPGP wants `&dyn` and
/// where it wants `&impl VerifyingKey`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VerifierRef<'a> {
    Primary(&'a packet::PublicKey),
    Sub(&'a packet::PublicSubkey),
}

impl<'a> VerifierRef<'a> {
    pub(crate) fn as_dyn(self) -> &'a dyn VerifyingKey {
        match self {
            VerifierRef::Primary(k) => k,
            VerifierRef::Sub(k) => k,
        }
    }

    /// Verifies a detached-style signature over `data`.
    pub(crate) fn verify_data(self, sig: &Signature, data: &[u8]) -> bool {
        match self {
            VerifierRef::Primary(k) => sig.verify(k, data).is_ok(),
            VerifierRef::Sub(k) => sig.verify(k, data).is_ok(),
        }
    }
}

// ---------------------------------------------------------------------------
// Private keys

/// An unlocked private key. Its secret material lives only here, in memory, and
/// is zeroized on drop by rPGP (`PlainSecretParams: ZeroizeOnDrop`).
pub struct PrivateKey {
    key: SignedSecretKey,
    cert: Cert,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("fingerprint", &self.cert.primary.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Primary key fingerprint, uppercase hex.
    pub fn fingerprint(&self) -> &str {
        &self.cert.primary.fingerprint
    }

    /// Describes the key (as [`read_key`] would).
    pub fn info(&self) -> KeyInfo {
        self.cert.info(true)
    }

    /// Armored certificate (public part).
    pub fn public_key_armored(&self) -> Result<String> {
        self.cert
            .key
            .to_armored_string(None.into())
            .map_err(internal)
    }

    pub(crate) fn secret(&self) -> &SignedSecretKey {
        &self.key
    }

    pub(crate) fn cert(&self) -> &Cert {
        &self.cert
    }

    /// The secret component behind `c`, as a signer (subkeys are matched by
    /// fingerprint, not position).
    pub(crate) fn signer(&self, c: &Component) -> Option<&dyn SigningKey> {
        match c.subkey_index {
            None => Some(&self.key.primary_key),
            Some(_) => self
                .key
                .secret_subkeys
                .iter()
                .find(|s| hex_upper(s.key.fingerprint().as_bytes()) == c.fingerprint)
                .map(|s| &s.key as &dyn SigningKey),
        }
    }
}

/// Parses a private key and removes its passphrase protection in memory.
///
/// S2K parameters of every component are checked against `limits` before any
/// derivation. A wrong or missing passphrase is [`Error::BadPassphrase`]; a public
/// key is [`Error::KeyUnusable`].
pub fn unlock_key(bytes: &[u8], passphrase: Option<&str>, limits: &Limits) -> Result<PrivateKey> {
    let mut key = parse_secret_key(bytes, limits)?;
    let mut budget = limits.s2k_budget();
    check_secret_params(key.primary_key.secret_params(), limits, &mut budget)?;
    for s in &key.secret_subkeys {
        check_secret_params(s.key.secret_params(), limits, &mut budget)?;
    }
    let pw = Password::from(passphrase.unwrap_or(""));
    key.primary_key
        .remove_password(&pw)
        .map_err(|_| Error::BadPassphrase)?;
    for s in key.secret_subkeys.iter_mut() {
        s.key
            .remove_password(&pw)
            .map_err(|_| Error::BadPassphrase)?;
    }
    let cert = Cert::new(key.to_public_key());
    Ok(PrivateKey { key, cert })
}

/// Exports `key` armored and protected with `new_passphrase` (v6: Argon2 S2K +
/// AES-256-OCB; v4: iterated+salted SHA-256 S2K + AES-256-CFB, readable by
/// GnuPG 2.2). An empty passphrase is refused: secret keys leave only protected.
pub fn export_private_key(key: &PrivateKey, new_passphrase: &str) -> Result<Zeroizing<String>> {
    if new_passphrase.is_empty() {
        return Err(Error::InvalidArgument(
            "a non-empty passphrase is required to export a private key".into(),
        ));
    }
    let rng = OsRng;
    let pw = Password::from(new_passphrase);
    let mut out = key.key.clone();
    let version = out.primary_key.version();
    out.primary_key
        .set_password_with_s2k(&pw, S2kParams::new_default(rng, version))
        .map_err(internal)?;
    for s in out.secret_subkeys.iter_mut() {
        let v = s.key.version();
        s.key
            .set_password_with_s2k(&pw, S2kParams::new_default(rng, v))
            .map_err(internal)?;
    }
    out.to_armored_string(None.into())
        .map(Zeroizing::new)
        .map_err(internal)
}

/// Why a key is revoked (RFC 9580 §5.2.3.31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// No reason given.
    Unspecified,
    /// Replaced by a new key.
    Superseded,
    /// The secret key may be known to others.
    Compromised,
    /// No longer used.
    Retired,
}

impl RevocationReason {
    /// Parses `"compromised" | "superseded" | "retired" | "unspecified"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "compromised" => Ok(Self::Compromised),
            "superseded" => Ok(Self::Superseded),
            "retired" => Ok(Self::Retired),
            "unspecified" => Ok(Self::Unspecified),
            other => Err(Error::InvalidArgument(format!(
                "unknown revocation reason {other:?}; expected \"compromised\", \"superseded\", \"retired\" or \"unspecified\""
            ))),
        }
    }
}

/// Revokes `key` and returns its armored certificate carrying the revocation,
/// to be published in place of the old one. Everyone applying our policy then
/// refuses to encrypt to it and treats all its signatures as invalid.
pub fn revoke_key(key: &PrivateKey, reason: RevocationReason, text: &str) -> Result<String> {
    use pgp::packet::RevocationCode;
    let code = match reason {
        RevocationReason::Unspecified => RevocationCode::NoReason,
        RevocationReason::Superseded => RevocationCode::KeySuperseded,
        RevocationReason::Compromised => RevocationCode::KeyCompromised,
        RevocationReason::Retired => RevocationCode::KeyRetired,
    };
    let primary = &key.key.primary_key;
    let mut config = SignatureConfig::from_key(OsRng, primary, SignatureType::KeyRevocation)
        .map_err(internal)?;
    config.hashed_subpackets = vec![
        sub(SubpacketData::SignatureCreationTime(Timestamp::now()))?,
        sub(SubpacketData::IssuerFingerprint(primary.fingerprint()))?,
        sub(SubpacketData::RevocationReason(
            code,
            text.as_bytes().to_vec().into(),
        ))?,
    ];
    if primary.version() <= KeyVersion::V4 {
        config.unhashed_subpackets =
            vec![sub(SubpacketData::IssuerKeyId(primary.legacy_key_id()))?];
    }
    let sig = config
        .sign_key(primary, &Password::empty(), primary.public_key())
        .map_err(internal)?;
    let mut cert = key.cert.key.clone();
    cert.details.revocation_signatures.push(sig);
    cert.to_armored_string(None.into()).map_err(internal)
}

/// Serializes anything rPGP can serialize (used by tests and the binding layer).
pub(crate) fn to_bytes(x: &impl Serialize) -> Result<Vec<u8>> {
    x.to_bytes().map_err(internal)
}
