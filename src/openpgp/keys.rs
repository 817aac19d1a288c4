//! Keys: generation per profile, inspection, unlocking, re-protected export and
//! revocation. Which component may encrypt or sign, and when, is decided by
//! [`super::policy`] (`docs/policy.md`).

use pgp::composed::{KeyType, SignedKeyDetails, SignedSecretKey, SignedSecretSubKey};
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{
    self, Features, KeyFlags, PacketTrait, PubKeyInner, SignatureConfig, SignatureType, Subpacket,
    SubpacketData, UserId,
};
use pgp::ser::Serialize;
use pgp::types::{
    CompressionAlgorithm, Duration, KeyDetails, KeyVersion, Password, PlainSecretParams,
    PublicParams, S2kParams, SecretParams, SigningKey, Timestamp,
};
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::policy::{Cert, Component};
use super::util::{
    check_secret_params, hex_upper, is_post_quantum, parse_public_key, parse_secret_key,
};
use super::Limits;
use crate::{Error, Reason, Result};

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

pub use super::policy::KeyUsage;

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
    /// Why the subkey (or its primary key) cannot be used now, if it cannot.
    pub reason: Option<Reason>,
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
    /// Why the certificate cannot be used now (too weak, expired, revoked,
    /// ...), if it cannot; `docs/policy.md`.
    pub reason: Option<Reason>,
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

/// Fresh key material for one of the profiles' key types. rPGP's
/// `KeyType::generate` covers every type it knows (RSA and DSA included), and
/// linking it brought all their generators into the Wasm; the profiles need these.
fn key_material(t: &KeyType, rng: OsRng) -> Result<(PublicParams, SecretParams)> {
    use pgp::crypto::{ecdh, ed25519, eddsa_legacy, ml_dsa65_ed25519, ml_kem768_x25519, x25519};
    let (public, secret) = match t {
        KeyType::Ed25519 => {
            let k = ed25519::SecretKey::generate(rng, ed25519::Mode::Ed25519);
            (
                PublicParams::Ed25519((&k).into()),
                PlainSecretParams::Ed25519(k),
            )
        }
        KeyType::X25519 => {
            let k = x25519::SecretKey::generate(rng);
            (
                PublicParams::X25519((&k).into()),
                PlainSecretParams::X25519(k),
            )
        }
        KeyType::Ed25519Legacy => {
            let k = ed25519::SecretKey::generate(rng, ed25519::Mode::EdDSALegacy);
            let public = PublicParams::EdDSALegacy((&k).into());
            (
                public,
                PlainSecretParams::EdDSALegacy(eddsa_legacy::SecretKey::Ed25519(k)),
            )
        }
        KeyType::ECDH(curve @ ECCCurve::Curve25519Legacy) => {
            let k = ecdh::SecretKey::generate(rng, curve).map_err(internal)?;
            let public = PublicParams::ECDH((&k).try_into().map_err(internal)?);
            (public, PlainSecretParams::ECDH(k))
        }
        KeyType::MlDsa65Ed25519 => {
            let k = ml_dsa65_ed25519::SecretKey::generate(rng);
            (
                PublicParams::MlDsa65Ed25519((&k).into()),
                PlainSecretParams::MlDsa65Ed25519(k),
            )
        }
        KeyType::MlKem768X25519 => {
            let k = ml_kem768_x25519::SecretKey::generate(rng);
            (
                PublicParams::MlKem768X25519((&k).into()),
                PlainSecretParams::MlKem768X25519(k),
            )
        }
        other => {
            return Err(Error::Unsupported(format!("generating {other:?} keys")));
        }
    };
    Ok((public, SecretParams::Plain(secret)))
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
    let (pp, sp) = key_material(&spec.primary, rng)?;
    let inner = PubKeyInner::new(spec.version, spec.primary.to_alg(), created, None, pp)
        .map_err(internal)?;
    let primary_pub = packet::PublicKey::from_inner(inner).map_err(internal)?;
    let mut primary = packet::SecretKey::new(primary_pub.clone(), sp).map_err(internal)?;

    // Encryption subkey.
    let (pp, sp) = key_material(&spec.subkey, rng)?;
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

/// What `read_key` reports, judged now.
fn info(cert: &Cert, is_private: bool) -> KeyInfo {
    let now = now_secs();
    let primary = cert.primary_status(now);
    let subkeys: Vec<SubkeyInfo> = cert
        .subkeys
        .iter()
        .map(|c| {
            let s = cert.status(c, now);
            SubkeyInfo {
                fingerprint: c.fingerprint.clone(),
                key_id: c.key_id.clone(),
                algorithm: c.algorithm_name.clone(),
                created: c.created,
                expires: s.expires,
                usage: s.usage,
                is_post_quantum: is_post_quantum(c.algorithm),
                revoked: s.revoked,
                valid_binding: s.bound,
                reason: s.problem.map(|(r, _)| r),
            }
        })
        .collect();
    KeyInfo {
        fingerprint: cert.primary.fingerprint.clone(),
        key_id: cert.primary.key_id.clone(),
        version: match cert.key.primary_key.version() {
            KeyVersion::V2 => 2,
            KeyVersion::V3 => 3,
            KeyVersion::V4 => 4,
            KeyVersion::V5 => 5,
            KeyVersion::V6 => 6,
            KeyVersion::Other(v) => v,
        },
        algorithm: cert.primary.algorithm_name.clone(),
        user_ids: cert.user_ids_now(),
        is_private,
        is_post_quantum: is_post_quantum(cert.primary.algorithm)
            || subkeys.iter().any(|s| s.is_post_quantum),
        created: cert.primary.created,
        expires: primary.expires,
        revoked: primary.revoked,
        usage: primary.usage,
        reason: primary.problem.map(|(r, _)| r),
        subkeys,
    }
}

/// Parses certificates given by the caller (armored or binary).
pub(crate) fn parse_certs(keys: &[&[u8]], limits: &Limits) -> Result<Vec<Cert>> {
    keys.iter()
        .map(|k| parse_public_key(k, limits).map(|k| Cert::new(k, limits.min_rsa_bits)))
        .collect()
}

/// Describes a public or private key (armored or binary).
pub fn read_key(bytes: &[u8]) -> Result<KeyInfo> {
    read_key_with(bytes, &Limits::default())
}

/// [`read_key`] under the caller's limits: the key-size cap, and the policy's
/// RSA floor (`minRsaBits`), so `reason` agrees with what an operation under the
/// same limits would accept.
pub fn read_key_with(bytes: &[u8], limits: &Limits) -> Result<KeyInfo> {
    let limits = *limits;
    match parse_secret_key(bytes, &limits) {
        Ok(sk) => Ok(info(
            &Cert::new(sk.to_public_key(), limits.min_rsa_bits),
            true,
        )),
        Err(Error::KeyUnusable(Reason::NotPrivate, _)) => {
            let key = parse_public_key(bytes, &limits)?;
            Ok(info(&Cert::new(key, limits.min_rsa_bits), false))
        }
        Err(e) => Err(e),
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
        info(&self.cert, true)
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
    let cert = Cert::new(key.to_public_key(), limits.min_rsa_bits);
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
