//! Session keys (RFC 9580 §5.1 PKESK, §5.3 SKESK): the one search every
//! decryption path uses, with one S2K budget per message.
//!
//! Candidates come lazily, cheapest first: PKESKs with the given private keys
//! (no S2K), then each SKESK with each password, every derivation charged to
//! the message's [`S2kBudget`] *before* it runs. A v4 SKESK has no integrity
//! check, so a wrong password can still yield "a" key: callers that can test
//! a candidate against the body (the one-shot paths) ask for the next one,
//! instead of starting the whole search again.

use pgp::composed::{decrypt_session_key_with_password, Esk, PlainSessionKey, RawSessionKey};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{PacketParser, PublicKeyEncryptedSessionKey, SymKeyEncryptedSessionKey};
use pgp::types::{DecryptionKey, EskType, Password, PkeskVersion, SkeskVersion};
use zeroize::Zeroizing;

use super::keys::PrivateKey;
use super::util::{check_s2k, parse_err};
use super::Limits;
use crate::kdf::S2kBudget;
use crate::{Error, Result};

/// A per-message session key. Only this (never a private key) crosses from the
/// thread holding the keys to a streaming worker. Wiped on drop.
#[derive(Clone)]
pub struct SessionKey {
    sym: Option<SymmetricKeyAlgorithm>,
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey")
            .field("sym", &self.sym)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SessionKey {
    /// Serialized form: one octet cipher id (0 when the ESK named none, as v6
    /// ESKs do) followed by the key.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(Vec::with_capacity(1 + self.key.len()));
        v.push(self.sym.map(u8::from).unwrap_or(0));
        v.extend_from_slice(&self.key);
        v
    }

    /// A session key we generated for `sym` (encryption).
    pub(crate) fn generated(sym: SymmetricKeyAlgorithm, key: &RawSessionKey) -> Self {
        SessionKey {
            sym: Some(sym),
            key: Zeroizing::new(key.as_ref().to_vec()),
        }
    }

    /// Parses [`to_bytes`](Self::to_bytes) output.
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let (&alg, key) = b
            .split_first()
            .ok_or_else(|| Error::InvalidArgument("empty session key".into()))?;
        if !matches!(key.len(), 16 | 24 | 32) {
            return Err(Error::InvalidArgument(format!(
                "session key of {} octets",
                key.len()
            )));
        }
        Ok(SessionKey {
            sym: (alg != 0).then(|| SymmetricKeyAlgorithm::from(alg)),
            key: Zeroizing::new(key.to_vec()),
        })
    }

    /// The raw key octets.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    /// The cipher named by the ESK (v3/v4 ESKs only).
    pub(crate) fn sym(&self) -> Option<SymmetricKeyAlgorithm> {
        self.sym
    }

    fn from_plain(p: PlainSessionKey) -> Result<Self> {
        match &p {
            PlainSessionKey::V3_4 { sym_alg, key } => Ok(SessionKey {
                sym: Some(*sym_alg),
                key: Zeroizing::new(key.as_ref().to_vec()),
            }),
            PlainSessionKey::V6 { key } => Ok(SessionKey {
                sym: None,
                key: Zeroizing::new(key.as_ref().to_vec()),
            }),
            PlainSessionKey::V5 { .. } => Err(Error::Unsupported("v5 session keys".into())),
        }
    }
}

/// Refuses messages with more session-key packets than [`Limits::max_session_key_packets`].
pub(crate) fn check_session_key_count(n: usize, limits: &Limits) -> Result<()> {
    if n > limits.max_session_key_packets {
        return Err(Error::LimitExceeded(format!(
            "the message has {n} session-key packets; at most {} are examined",
            limits.max_session_key_packets
        )));
    }
    Ok(())
}

/// The lazy search over a message's ESKs (see the module docs).
pub(crate) struct Candidates<'a> {
    pkesks: Vec<PublicKeyEncryptedSessionKey>,
    skesks: Vec<SymKeyEncryptedSessionKey>,
    keys: &'a [&'a PrivateKey],
    passwords: &'a [&'a str],
    limits: &'a Limits,
    cur: Cursor,
}

/// Where a search over one message's ESKs stands, owned, so the engine can
/// keep it between attempts at a held body ([`Candidates::resume`]): every
/// S2K is derived once, and the budget is the message's, not the attempt's.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    budget: S2kBudget,
    /// Next PKESK to try (`pkesks.len()` once done).
    pk: usize,
    /// Next SKESK and password.
    sk: usize,
    pw: usize,
    /// A PKESK named one of our keys (not anonymously) but did not decrypt:
    /// then "none found" is a failed authentication, not "not for us".
    named_us_failed: bool,
}

impl<'a> Candidates<'a> {
    /// Parses ESK packets (as `StreamDecryptor::esk_bytes`
    /// gives them; other packets are ignored).
    pub(crate) fn from_bytes(
        esk_bytes: &[u8],
        keys: &'a [&'a PrivateKey],
        passwords: &'a [&'a str],
        limits: &'a Limits,
    ) -> Result<Self> {
        let mut esks = Vec::new();
        for p in PacketParser::new(esk_bytes) {
            // Other packets (markers, padding) are not session keys.
            if let Ok(e) = Esk::try_from(p.map_err(parse_err)?) {
                esks.push(e);
            }
        }
        Self::from_esks(&esks, keys, passwords, limits)
    }

    /// From ESKs rPGP parsed.
    pub(crate) fn from_esks(
        esks: &[Esk],
        keys: &'a [&'a PrivateKey],
        passwords: &'a [&'a str],
        limits: &'a Limits,
    ) -> Result<Self> {
        let mut pkesks = Vec::new();
        let mut skesks = Vec::new();
        for e in esks {
            match e {
                Esk::PublicKeyEncryptedSessionKey(k) => pkesks.push(k.clone()),
                Esk::SymKeyEncryptedSessionKey(k) => skesks.push(k.clone()),
            }
        }
        Self::new(pkesks, skesks, keys, passwords, limits)
    }

    fn new(
        pkesks: Vec<PublicKeyEncryptedSessionKey>,
        skesks: Vec<SymKeyEncryptedSessionKey>,
        keys: &'a [&'a PrivateKey],
        passwords: &'a [&'a str],
        limits: &'a Limits,
    ) -> Result<Self> {
        if keys.is_empty() && passwords.is_empty() {
            return Err(Error::InvalidArgument(
                "give at least one of decryptionKeys or passwords".into(),
            ));
        }
        check_session_key_count(pkesks.len() + skesks.len(), limits)?;
        Ok(Candidates {
            pkesks,
            skesks,
            keys,
            passwords,
            limits,
            cur: Cursor {
                budget: limits.s2k_budget(),
                pk: 0,
                sk: 0,
                pw: 0,
                named_us_failed: false,
            },
        })
    }

    /// Goes on from where an earlier search over the same ESKs stopped.
    pub(crate) fn resume(&mut self, cur: Cursor) {
        self.cur = cur;
    }

    /// Where this search stands now (see [`Cursor`]).
    pub(crate) fn cursor(&self) -> Cursor {
        self.cur.clone()
    }

    /// The next candidate; `Ok(None)` when none is left. `LIMIT_EXCEEDED`
    /// when the next derivation is over a cap or the message's S2K budget.
    pub(crate) fn next_key(&mut self) -> Result<Option<SessionKey>> {
        while self.cur.pk < self.pkesks.len() {
            let esk = &self.pkesks[self.cur.pk];
            self.cur.pk += 1;
            match self.try_pkesk(esk) {
                Ok(k) => return SessionKey::from_plain(k).map(Some),
                Err(named_us) => self.cur.named_us_failed |= named_us,
            }
        }
        if self.passwords.is_empty() {
            return Ok(None);
        }
        while self.cur.sk < self.skesks.len() {
            let esk = &self.skesks[self.cur.sk];
            let usable = esk.version() != SkeskVersion::V5 && esk.is_supported();
            let Some(s2k) = esk.s2k().filter(|_| usable) else {
                self.cur.sk += 1;
                continue;
            };
            // Caps first (an over-cap S2K is refused even with one password),
            // then the budget, both before any work.
            let work = check_s2k(s2k, self.limits)?;
            let Some(pw) = self.passwords.get(self.cur.pw) else {
                self.cur.sk += 1;
                self.cur.pw = 0;
                continue;
            };
            self.cur.pw += 1;
            self.cur.budget.spend(work)?;
            if let Ok(p) = decrypt_session_key_with_password(esk, &Password::from(*pw)) {
                return SessionKey::from_plain(p).map(Some);
            }
        }
        Ok(None)
    }

    /// The first candidate, or `NO_MATCHING_KEY` (`DECRYPTION_FAILED` when a
    /// PKESK addressed to one of our keys did not decrypt).
    pub(crate) fn first(mut self) -> Result<SessionKey> {
        match self.next_key()? {
            Some(k) => Ok(k),
            None => Err(self.none_found()),
        }
    }

    /// The error when no candidate (or none that worked) was found.
    pub(crate) fn none_found(&self) -> Error {
        if self.cur.named_us_failed {
            Error::DecryptionFailed
        } else {
            Error::NoMatchingKey
        }
    }

    /// The session key of `esk` with one of our keys; else whether the ESK
    /// named one of our keys explicitly.
    fn try_pkesk(
        &self,
        esk: &PublicKeyEncryptedSessionKey,
    ) -> std::result::Result<PlainSessionKey, bool> {
        let typ = match esk.version() {
            PkeskVersion::V3 => EskType::V3_4,
            PkeskVersion::V6 => EskType::V6,
            PkeskVersion::Other(_) => return Err(false),
        };
        let anonymous = match esk.version() {
            PkeskVersion::V3 => esk.id().is_ok_and(|id| id.is_wildcard()),
            _ => esk.fingerprint().is_ok_and(|f| f.is_none()),
        };
        let values = esk.values().map_err(|_| false)?;
        let mut named_us = false;
        let empty = Password::empty();
        for k in self.keys {
            let sk = k.secret();
            let mut comps: Vec<&dyn DecryptionKey> = Vec::new();
            if esk.match_identity(sk.primary_key.public_key()) {
                comps.push(&sk.primary_key);
            }
            for s in &sk.secret_subkeys {
                if esk.match_identity(s.key.public_key()) {
                    comps.push(&s.key);
                }
            }
            named_us |= !comps.is_empty() && !anonymous;
            for c in comps {
                if let Ok(Ok(p)) = c.decrypt(&empty, values, typ) {
                    return Ok(p);
                }
            }
        }
        Err(named_us)
    }
}

/// Finds the session key in `esk_bytes` (the PKESK/SKESK packets that start a
/// message, as `StreamDecryptor::esk_bytes` returns them)
/// with the given private keys, else passwords: the first candidate.
/// `NO_MATCHING_KEY` when none fits.
pub fn decrypt_session_key(
    esk_bytes: &[u8],
    keys: &[&PrivateKey],
    passwords: &[&str],
    limits: &Limits,
) -> Result<SessionKey> {
    Candidates::from_bytes(esk_bytes, keys, passwords, limits)?.first()
}
