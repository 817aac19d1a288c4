//! Certificates evaluated at a reference time (RFC 9580 key expiration,
//! primary user ID and revocation rules; Sequoia's `ValidCert`): the signature's creation time when verifying,
//! now when encrypting or signing.
//!
//! Every self-signature is verified once, when the certificate is read, and
//! kept with its time. At time `t` a component is judged by its newest
//! self-signature made by `t` (not the newest overall), so a key that was valid,
//! lapsed and was renewed is valid inside each valid stretch. The primary key's
//! expiry and flags come from the direct-key signature and the primary user
//! ID's binding, never from another user ID. Hard revocations (compromised,
//! unspecified, no reason) void the key at every time; soft ones (superseded,
//! retired, user ID no longer valid) from their creation on.

use pgp::composed::SignedPublicKey;
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{self, KeyFlags, PacketTrait, RevocationCode, Signature, SignatureType};
use pgp::types::{KeyDetails, KeyVersion, Timestamp, VerifyingKey};

use super::algorithms::{key_weakness, HashUse};
use super::signatures::check_signature;
use crate::openpgp::util::{algorithm_name, hex_upper};
use crate::{Error, Reason, Result};

/// Tolerated clock skew for "created in the future" (peers' clocks differ).
const CLOCK_SKEW: u64 = 300;

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

    /// Usage for self-signatures without a key-flags subpacket (old keys):
    /// whatever the algorithm can do.
    fn inferred(alg: PublicKeyAlgorithm, primary: bool) -> Self {
        KeyUsage {
            certify: primary && alg.can_sign(),
            sign: alg.can_sign(),
            encrypt_communications: alg.can_encrypt(),
            encrypt_storage: alg.can_encrypt(),
            authenticate: false,
        }
    }

    /// Flags the algorithm cannot honour are dropped.
    fn within(mut self, alg: PublicKeyAlgorithm) -> Self {
        if !alg.can_encrypt() {
            self.encrypt_communications = false;
            self.encrypt_storage = false;
        }
        if !alg.can_sign() {
            self.sign = false;
            self.certify = false;
        }
        self
    }

    /// Either encryption flag.
    pub fn can_encrypt(&self) -> bool {
        self.encrypt_communications || self.encrypt_storage
    }
}

fn now_secs() -> u64 {
    u64::from(Timestamp::now().as_secs())
}

fn sig_time(sig: &Signature) -> u64 {
    sig.created().map(|t| u64::from(t.as_secs())).unwrap_or(0)
}

fn secs(d: Option<pgp::types::Duration>) -> Option<u64> {
    d.map(|d| u64::from(d.as_secs()))
}

/// What one verified, policy-accepted self-signature says.
#[derive(Debug, Clone)]
struct SelfSig {
    created: u64,
    /// When the signature itself stops counting.
    sig_expires: Option<u64>,
    /// Key Expiration Time subpacket, seconds after key creation (0 = never).
    key_expiry: Option<u64>,
    flags: Option<KeyUsage>,
    primary_uid: bool,
    /// Signing subkeys: `Some(end)` when a valid back signature is embedded
    /// (`end` = its own expiry), `None` when there is none.
    backsig: Option<Option<u64>>,
    seipd_v2: bool,
    aead_prefs: Vec<(SymmetricKeyAlgorithm, AeadAlgorithm)>,
    sym_prefs: Vec<SymmetricKeyAlgorithm>,
}

impl SelfSig {
    fn new(sig: &Signature) -> Self {
        let created = sig_time(sig);
        let flags = sig.config().and_then(|c| {
            c.hashed_subpackets().find_map(|sp| match &sp.data {
                pgp::packet::SubpacketData::KeyFlags(f) => Some(KeyUsage::from_flags(f)),
                _ => None,
            })
        });
        SelfSig {
            created,
            sig_expires: secs(sig.signature_expiration_time())
                .filter(|d| *d != 0)
                .map(|d| created.saturating_add(d)),
            key_expiry: secs(sig.key_expiration_time()),
            flags,
            primary_uid: sig.is_primary(),
            backsig: None,
            seipd_v2: sig.features().is_some_and(|f| f.seipd_v2()),
            aead_prefs: sig.preferred_aead_algs().to_vec(),
            sym_prefs: sig.preferred_symmetric_algs().to_vec(),
        }
    }

    fn live_at(&self, t: u64) -> bool {
        self.created <= t.saturating_add(CLOCK_SKEW) && self.sig_expires.is_none_or(|e| t < e)
    }
}

/// The newest of `sigs` live at `t`.
fn newest_at(sigs: &[SelfSig], t: u64) -> Option<&SelfSig> {
    sigs.iter()
        .filter(|s| s.live_at(t))
        .max_by_key(|s| s.created)
}

/// A verified revocation: when, and whether it voids the past too.
#[derive(Debug, Clone, Copy)]
struct Revocation {
    created: u64,
    hard: bool,
}

impl Revocation {
    /// RFC 9580 (Reason for Revocation): superseded, retired and "user ID no longer valid"
    /// say the key was fine until then; anything else may mean compromise.
    fn new(sig: &Signature) -> Self {
        let soft = matches!(
            sig.revocation_reason_code(),
            Some(
                RevocationCode::KeySuperseded
                    | RevocationCode::KeyRetired
                    | RevocationCode::CertUserIdInvalid
            )
        );
        Revocation {
            created: sig_time(sig),
            hard: !soft,
        }
    }
}

fn revoked_at(revs: &[Revocation], t: u64) -> bool {
    revs.iter().any(|r| r.hard || r.created <= t)
}

/// One component key: its identity, its verdict on the key material, and the
/// self-signatures that speak for it.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub fingerprint: String,
    pub key_id: String,
    pub algorithm: PublicKeyAlgorithm,
    pub algorithm_name: String,
    pub created: u64,
    /// Index into `public_subkeys` (`None` = primary).
    pub subkey_index: Option<usize>,
    /// Why the key material is refused (RSA under the floor, weak ECDH), if it is.
    weakness: Option<String>,
    /// Subkey bindings (empty for the primary, whose live in [`Cert`]).
    bindings: Vec<SelfSig>,
    revocations: Vec<Revocation>,
}

/// A component judged at one time.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub usage: KeyUsage,
    pub expires: Option<u64>,
    pub revoked: bool,
    /// A self-signature verifies, passes the policy and is live at that time.
    pub bound: bool,
    /// `None` when usable at that time (for what `usage` allows).
    pub problem: Option<(Reason, String)>,
}

impl Status {
    /// Adds the revocation state and the first problem of `c` at `t`.
    fn of(c: &Component, t: u64, usage: KeyUsage, expires: Option<u64>, bound: bool) -> Self {
        let revoked = revoked_at(&c.revocations, t);
        let problem = judge(c, t, revoked, bound, expires);
        Status {
            usage,
            expires,
            revoked,
            bound,
            problem,
        }
    }
}

#[derive(Debug, Clone)]
struct UserIdSigs {
    name: String,
    sigs: Vec<SelfSig>,
    revocations: Vec<Revocation>,
}

/// A certificate with every self-signature checked once.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub key: SignedPublicKey,
    pub primary: Component,
    pub subkeys: Vec<Component>,
    direct: Vec<SelfSig>,
    user_ids: Vec<UserIdSigs>,
    pub features_seipd_v2: bool,
    pub aead_prefs: Vec<(SymmetricKeyAlgorithm, AeadAlgorithm)>,
    pub sym_prefs: Vec<SymmetricKeyAlgorithm>,
}

/// Self-signatures of type `typ` that verify and pass the signature policy.
fn accepted<'a>(
    sigs: &'a [Signature],
    typ: SignatureType,
    verify: impl Fn(&Signature) -> bool + 'a,
) -> impl Iterator<Item = &'a Signature> + 'a {
    sigs.iter()
        .filter(move |s| s.typ() == Some(typ))
        .filter(|s| check_signature(s, HashUse::SelfSig).is_ok())
        .filter(move |s| verify(s))
}

fn component(
    key: &impl KeyDetails,
    params: &pgp::types::PublicParams,
    subkey_index: Option<usize>,
    min_rsa_bits: u32,
) -> Component {
    Component {
        fingerprint: hex_upper(key.fingerprint().as_bytes()),
        key_id: hex_upper(key.legacy_key_id().as_ref()),
        algorithm: key.algorithm(),
        algorithm_name: algorithm_name(key.algorithm(), params),
        created: u64::from(key.created_at().as_secs()),
        subkey_index,
        weakness: key_weakness(key.algorithm(), params, min_rsa_bits),
        bindings: Vec::new(),
        revocations: Vec::new(),
    }
}

impl Cert {
    /// Verifies every self-signature against the primary key and keeps what
    /// the policy accepts. `min_rsa_bits` is the RSA floor (`Limits::min_rsa_bits`).
    pub(crate) fn new(key: SignedPublicKey, min_rsa_bits: u32) -> Self {
        let pk = &key.primary_key;
        let is_v6 = pk.version() == KeyVersion::V6;
        let mut primary = component(pk, pk.public_params(), None, min_rsa_bits);
        primary.revocations = key
            .details
            .revocation_signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::KeyRevocation))
            .filter(|s| s.verify_key(pk).is_ok())
            .map(Revocation::new)
            .collect();
        let direct = accepted(&key.details.direct_signatures, SignatureType::Key, |s| {
            s.verify_key(pk).is_ok()
        })
        .map(SelfSig::new)
        .collect();

        let mut user_ids = Vec::new();
        for u in &key.details.users {
            let sigs: Vec<SelfSig> = u
                .signatures
                .iter()
                .filter(|s| s.is_certification())
                .filter(|s| check_signature(s, HashUse::SelfSig).is_ok())
                .filter(|s| s.verify_certification(pk, u.id.tag(), &u.id).is_ok())
                .map(SelfSig::new)
                .collect();
            let revocations = accepted(&u.signatures, SignatureType::CertRevocation, |s| {
                s.verify_certification(pk, u.id.tag(), &u.id).is_ok()
            })
            .map(|s| Revocation {
                // A user ID revocation withdraws the name from then on; it never
                // voids the key's past.
                hard: false,
                ..Revocation::new(s)
            })
            .collect();
            if !sigs.is_empty() {
                user_ids.push(UserIdSigs {
                    name: String::from_utf8_lossy(u.id.id()).into_owned(),
                    sigs,
                    revocations,
                });
            }
        }

        let mut subkeys = Vec::new();
        for (i, sk) in key.public_subkeys.iter().enumerate() {
            let mut c = component(&sk.key, sk.key.public_params(), Some(i), min_rsa_bits);
            let binds = |s: &Signature| s.verify_subkey_binding(pk, &sk.key).is_ok();
            c.bindings = accepted(&sk.signatures, SignatureType::SubkeyBinding, binds)
                .map(|s| {
                    let mut facts = SelfSig::new(s);
                    // A signing subkey needs its own consent (RFC 9580: primary
                    // key binding signature), checked like any self-signature.
                    facts.backsig = s
                        .embedded_signature()
                        .filter(|e| check_signature(e, HashUse::SelfSig).is_ok())
                        .filter(|e| e.verify_primary_key_binding(&sk.key, pk).is_ok())
                        .map(|e| SelfSig::new(e).sig_expires);
                    facts
                })
                .collect();
            c.revocations = sk
                .signatures
                .iter()
                .filter(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
                .filter(|s| s.verify_subkey_binding(pk, &sk.key).is_ok())
                .map(Revocation::new)
                .collect();
            subkeys.push(c);
        }

        let mut cert = Cert {
            key,
            primary,
            subkeys,
            direct,
            user_ids,
            features_seipd_v2: false,
            aead_prefs: Vec::new(),
            sym_prefs: Vec::new(),
        };
        let now = now_secs();
        if let Some(meta) = cert.metadata_at(now, is_v6).0.cloned() {
            cert.features_seipd_v2 = meta.seipd_v2;
            cert.aead_prefs = meta.aead_prefs;
            cert.sym_prefs = meta.sym_prefs;
        }
        cert
    }

    /// The primary user ID at `t` and its binding: among names bound and not
    /// revoked at `t`, the one flagged primary, else the most recently bound.
    fn primary_user_id_at(&self, t: u64) -> Option<(&str, &SelfSig)> {
        self.user_ids
            .iter()
            .filter(|u| !revoked_at(&u.revocations, t))
            .filter_map(|u| newest_at(&u.sigs, t).map(|s| (u.name.as_str(), s)))
            .max_by_key(|(_, s)| (s.primary_uid, s.created))
    }

    /// The signature that speaks for the primary key at `t` and its fallback:
    /// v6 puts the direct-key signature first (RFC 9580), v4 the
    /// primary user ID's binding.
    fn metadata_at(&self, t: u64, is_v6: bool) -> (Option<&SelfSig>, Option<&SelfSig>) {
        let direct = newest_at(&self.direct, t);
        let uid = self.primary_user_id_at(t).map(|(_, s)| s);
        if is_v6 {
            (direct.or(uid), uid.filter(|_| direct.is_some()))
        } else {
            (uid.or(direct), direct.filter(|_| uid.is_some()))
        }
    }

    fn is_v6(&self) -> bool {
        self.key.primary_key.version() == KeyVersion::V6
    }

    /// The primary key judged at `t`.
    pub(crate) fn primary_status(&self, t: u64) -> Status {
        let p = &self.primary;
        let (meta, fallback) = self.metadata_at(t, self.is_v6());
        let pick = |f: fn(&SelfSig) -> Option<u64>| meta.and_then(f).or(fallback.and_then(f));
        let expires = pick(|s| s.key_expiry)
            .filter(|d| *d != 0)
            .map(|d| p.created.saturating_add(d));
        let usage = meta
            .and_then(|s| s.flags)
            .or(fallback.and_then(|s| s.flags))
            .unwrap_or_else(|| {
                if meta.is_some() {
                    KeyUsage::inferred(p.algorithm, true)
                } else {
                    KeyUsage::default()
                }
            })
            .within(p.algorithm);
        Status::of(p, t, usage, expires, meta.is_some())
    }

    /// A subkey judged at `t` on its own (the caller also judges the primary).
    fn subkey_status(&self, c: &Component, t: u64) -> Status {
        let binding = newest_at(&c.bindings, t);
        let expires = binding
            .and_then(|b| b.key_expiry)
            .filter(|d| *d != 0)
            .map(|d| c.created.saturating_add(d));
        let mut usage = match binding {
            Some(b) => b
                .flags
                .unwrap_or_else(|| KeyUsage::inferred(c.algorithm, false)),
            None => KeyUsage::default(),
        };
        if usage.sign {
            let backsig_live = binding
                .and_then(|b| b.backsig)
                .is_some_and(|end| end.is_none_or(|e| t < e));
            usage.sign = backsig_live;
        }
        Status::of(c, t, usage.within(c.algorithm), expires, binding.is_some())
    }

    /// `c` judged at `t`, the primary key's problem first.
    pub(crate) fn status(&self, c: &Component, t: u64) -> Status {
        let primary = self.primary_status(t);
        if c.subkey_index.is_none() {
            return primary;
        }
        let mut s = self.subkey_status(c, t);
        if s.problem.is_none() {
            s.problem = primary.problem;
        }
        s
    }

    /// The user IDs bound and not revoked now, the primary first.
    pub(crate) fn user_ids_now(&self) -> Vec<String> {
        let t = now_secs();
        let primary = self.primary_user_id_at(t).map(|(n, _)| n.to_string());
        let mut out: Vec<String> = primary.iter().cloned().collect();
        for u in &self.user_ids {
            let live = !revoked_at(&u.revocations, t) && newest_at(&u.sigs, t).is_some();
            if live && Some(&u.name) != primary.as_ref() {
                out.push(u.name.clone());
            }
        }
        out
    }

    /// Components allowed to do `want` now; when none is, the reason shared by
    /// every candidate refused (else "no usable subkey").
    fn usable_now(
        &self,
        want: fn(&KeyUsage) -> bool,
        what: &str,
    ) -> Result<Vec<(&Component, Status)>> {
        let t = now_secs();
        let primary = self.primary_status(t);
        if let Some((reason, why)) = primary.problem.clone() {
            return Err(Error::KeyUnusable(
                reason,
                format!("key {}: {why}", self.primary.fingerprint),
            ));
        }
        let mut out = Vec::new();
        let mut refused: Vec<(Reason, String)> = Vec::new();
        if want(&primary.usage) {
            out.push((&self.primary, primary));
        }
        for c in &self.subkeys {
            let s = self.subkey_status(c, t);
            match (&s.problem, want(&s.usage)) {
                (None, true) => out.push((c, s)),
                (Some(p), _) if c.bindings.iter().any(|b| b.flags.is_none_or(|f| want(&f))) => {
                    refused.push(p.clone())
                }
                _ => {}
            }
        }
        if !out.is_empty() {
            return Ok(out);
        }
        let fpr = &self.primary.fingerprint;
        Err(match refused.first() {
            Some((r, why)) if refused.iter().all(|(x, _)| x == r) => {
                Error::KeyUnusable(*r, format!("key {fpr}: its {what} subkey: {why}"))
            }
            _ => Error::KeyUnusable(
                Reason::NoUsableSubkey,
                format!("key {fpr} has no valid {what}-capable (sub)key"),
            ),
        })
    }

    /// Components allowed to receive encrypted messages now.
    pub(crate) fn encryption_components(&self) -> Result<Vec<&Component>> {
        let ok = self.usable_now(KeyUsage::can_encrypt, "encryption")?;
        Ok(ok.into_iter().map(|(c, _)| c).collect())
    }

    /// Components allowed to sign now, best first (primary, then newest subkey).
    pub(crate) fn signing_components(&self) -> Result<Vec<&Component>> {
        let mut ok = self.usable_now(|u| u.sign, "signing")?;
        ok.sort_by_key(|(c, _)| (c.subkey_index.is_some(), std::cmp::Reverse(c.created)));
        Ok(ok.into_iter().map(|(c, _)| c).collect())
    }

    /// The component matching a signature issuer (fingerprint or key ID).
    pub(crate) fn find(&self, fpr: Option<&str>, key_id: Option<&str>) -> Option<&Component> {
        std::iter::once(&self.primary)
            .chain(self.subkeys.iter())
            .find(|c| fpr == Some(c.fingerprint.as_str()) || key_id == Some(c.key_id.as_str()))
    }

    /// Why `c` may not have made a data signature at `t`, if it may not.
    pub(crate) fn sign_problem_at(&self, c: &Component, t: u64) -> Option<(Reason, String)> {
        let s = self.status(c, t);
        match s.problem {
            Some(p) => Some(p),
            None if !s.usage.sign => Some((
                Reason::NoUsableSubkey,
                format!("{} was not a signing key then", c.fingerprint),
            )),
            None => None,
        }
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
}

/// The first problem of a component at `t`, in the order a user can act on.
fn judge(
    c: &Component,
    t: u64,
    revoked: bool,
    bound: bool,
    expires: Option<u64>,
) -> Option<(Reason, String)> {
    if let Some(w) = &c.weakness {
        Some((Reason::TooWeak, w.clone()))
    } else if c.created > t.saturating_add(CLOCK_SKEW) {
        Some((Reason::NotYetValid, "created after that time".into()))
    } else if revoked {
        Some((Reason::Revoked, "revoked".into()))
    } else if !bound {
        Some((
            Reason::NoSelfSignature,
            "no valid self-signature at that time".into(),
        ))
    } else if expires.is_some_and(|e| t >= e) {
        Some((Reason::Expired, "expired".into()))
    } else {
        None
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
