//! Push-style decryption. SEIPDv2 with a literal data packet inside streams
//! chunk by chunk, each chunk released only after its tag verified; everything
//! else (SEIPDv1, compressed or signed content) is collected up to the one-shot
//! limit and handed to rPGP whole, which checks the MDC/tags before anything is
//! released.

use std::collections::VecDeque;

use pgp::composed::{
    decrypt_session_key_with_password, DecryptionOptions, Message, PlainSessionKey, RawSessionKey,
    TheRing,
};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{Packet, PacketParser};
use pgp::types::{DecryptionKey, EskType, Password, PkeskVersion, Seipdv1ReadMode, SkeskVersion};
use zeroize::Zeroizing;

use super::armor::ArmorReader;
use super::framing::{parse_header, parse_new_length, BodyLen};
use super::seipd2::{Backend, ChunkJob, ChunkKeys, Seipd2Params, SALT_LEN, TAG_LEN};
use crate::openpgp::decrypt::{check_signatures, decompress_all, pump, SignatureCheck};
use crate::openpgp::keys::{parse_certs, PrivateKey};
use crate::openpgp::util::{check_s2k, parse_err};
use crate::openpgp::Limits;
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

    fn to_plain(&self, v1: bool) -> Result<PlainSessionKey> {
        let key = RawSessionKey::from(&self.key[..]);
        match (v1, self.sym) {
            (true, Some(sym_alg)) => Ok(PlainSessionKey::V3_4 { sym_alg, key }),
            (true, None) => Err(Error::DecryptionFailed),
            (false, _) => Ok(PlainSessionKey::V6 { key }),
        }
    }
}

/// Finds the session key in `esk_bytes` (the PKESK/SKESK packets that start a
/// message, as [`StreamDecryptor::esk_bytes`] returns them) with the given
/// private keys, else passwords. `NO_MATCHING_KEY` when none fits.
pub fn decrypt_session_key(
    esk_bytes: &[u8],
    keys: &[&PrivateKey],
    passwords: &[&str],
    limits: &Limits,
) -> Result<SessionKey> {
    if keys.is_empty() && passwords.is_empty() {
        return Err(Error::InvalidArgument(
            "give at least one of decryptionKeys or passwords".into(),
        ));
    }
    let mut pkesks = Vec::new();
    let mut skesks = Vec::new();
    for p in PacketParser::new(esk_bytes) {
        match p.map_err(parse_err)? {
            Packet::PublicKeyEncryptedSessionKey(k) => pkesks.push(k),
            Packet::SymKeyEncryptedSessionKey(k) => skesks.push(k),
            _ => {}
        }
    }
    let empty = Password::empty();
    for esk in &pkesks {
        let typ = match esk.version() {
            PkeskVersion::V3 => EskType::V3_4,
            PkeskVersion::V6 => EskType::V6,
            PkeskVersion::Other(_) => continue,
        };
        let Ok(values) = esk.values() else { continue };
        for k in keys {
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
            for c in comps {
                if let Ok(Ok(p)) = c.decrypt(&empty, values, typ) {
                    return SessionKey::from_plain(p);
                }
            }
        }
    }
    for esk in &skesks {
        if esk.version() == SkeskVersion::V5 || !esk.is_supported() {
            continue;
        }
        if let Some(s2k) = esk.s2k() {
            if !passwords.is_empty() {
                check_s2k(s2k, limits)?;
            }
        }
        for pw in passwords {
            if let Ok(p) = decrypt_session_key_with_password(esk, &Password::from(*pw)) {
                return SessionKey::from_plain(p);
            }
        }
    }
    Err(Error::NoMatchingKey)
}

/// Options for [`StreamDecryptor::new`].
#[derive(Debug, Clone, Default)]
pub struct StreamDecryptOptions {
    /// Size limits; `max_message_size` caps what the buffered fallback holds.
    pub limits: Limits,
    /// Who runs the per-chunk AEAD (`External` applies to GCM only).
    pub backend: Backend,
    /// Certificates checking signatures found by the buffered fallback.
    pub verification_keys: Vec<Vec<u8>>,
}

/// Where the outer packet parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    /// Expecting a packet header before the encrypted data.
    Header,
    /// Inside an ESK packet (collected) or a skipped one.
    Packet { remaining: usize, keep: bool },
    /// Inside the SEIPD body: `remaining` octets of this part; `last` = no more parts.
    Body { remaining: usize, last: bool },
    /// SEIPD body runs to the end of input (old-format indeterminate length).
    BodyToEnd,
    /// Expecting the next partial length of the SEIPD body.
    BodyLen,
    /// The SEIPD packet ended.
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Tag,
    LitHeader { remaining: usize, last: bool },
    Data { remaining: usize, last: bool },
    NextLen,
    After,
}

struct PendingOpen {
    expect_len: usize,
    is_final: bool,
}

enum Body {
    /// Waiting for the version octet / SEIPDv2 header / session key.
    Start,
    V2(Box<V2Dec>),
    /// Collect the whole message for rPGP (v1, or v2 with non-literal content).
    Fallback {
        v1: bool,
    },
}

struct V2Dec {
    keys: ChunkKeys,
    next_index: u64,
    total_plain: u64,
    jobs: Vec<ChunkJob>,
    pending: VecDeque<PendingOpen>,
    final_queued: bool,
    verified: bool,
    inner: Inner,
    pt: Zeroizing<Vec<u8>>,
}

/// Decrypts a message pushed in pieces. Call [`push`](Self::push); when
/// [`needs_session_key`](Self::needs_session_key) turns true, obtain the key
/// from [`esk_bytes`](Self::esk_bytes) (e.g. with [`decrypt_session_key`]) and
/// give it with [`set_session_key`](Self::set_session_key); at the end call
/// [`finish`](Self::finish). Any error means: discard everything released so
/// far (only truncation can be detected that late; every released octet has
/// passed its chunk's tag).
pub struct StreamDecryptor {
    opts: StreamDecryptOptions,
    input: Vec<u8>,
    raw: Option<Zeroizing<Vec<u8>>>,
    outer: Outer,
    esks: Vec<u8>,
    ct: Vec<u8>,
    body_ended: bool,
    body: Body,
    session: Option<SessionKey>,
    seipd_seen: bool,
    failed: bool,
    done: bool,
    /// `None` until the first octet tells binary from armored.
    armor: Option<Option<ArmorReader>>,
    signatures: Vec<SignatureCheck>,
}

impl std::fmt::Debug for StreamDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecryptor")
            .field("outer", &self.outer)
            .field("has_session_key", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

/// Largest total size of ESK packets accepted before the encrypted data.
const MAX_ESK_BYTES: usize = 1 << 20;

impl StreamDecryptor {
    /// A decryptor that has no session key yet.
    pub fn new(opts: StreamDecryptOptions) -> Self {
        StreamDecryptor {
            opts,
            input: Vec::new(),
            raw: Some(Zeroizing::new(Vec::new())),
            outer: Outer::Header,
            esks: Vec::new(),
            ct: Vec::new(),
            body_ended: false,
            body: Body::Start,
            session: None,
            seipd_seen: false,
            failed: false,
            done: false,
            armor: None,
            signatures: Vec::new(),
        }
    }

    /// True when the header was read and a session key is needed to go on.
    pub fn needs_session_key(&self) -> bool {
        self.seipd_seen && self.session.is_none()
    }

    /// The ESK packets read so far (complete once `needs_session_key`).
    pub fn esk_bytes(&self) -> &[u8] {
        &self.esks
    }

    /// Signature checks from the buffered fallback (empty when streamed).
    pub fn signatures(&self) -> &[SignatureCheck] {
        &self.signatures
    }

    /// Whether the content is streamed (`Some(true)`), buffered for rPGP
    /// (`Some(false)`), or not known yet (`None`).
    pub fn is_streaming(&self) -> Option<bool> {
        match (&self.body, &self.raw) {
            (Body::Fallback { .. }, _) => Some(false),
            (Body::V2(_), None) => Some(true),
            _ => None,
        }
    }

    /// The backend in use once known (`External` only for GCM).
    pub fn backend(&self) -> Backend {
        match &self.body {
            Body::V2(v)
                if self.opts.backend == Backend::External
                    && v.keys.params.aead == pgp::crypto::aead::AeadAlgorithm::Gcm =>
            {
                Backend::External
            }
            _ => Backend::Rust,
        }
    }

    /// The SEIPDv2 parameters once known.
    pub fn params(&self) -> Option<Seipd2Params> {
        match &self.body {
            Body::V2(v) => Some(v.keys.params),
            _ => None,
        }
    }

    /// The per-message AEAD key for an external backend (GCM only).
    pub fn message_key(&self) -> Option<Zeroizing<Vec<u8>>> {
        match &self.body {
            Body::V2(v) if self.backend() == Backend::External => Some(v.keys.key.clone()),
            _ => None,
        }
    }

    fn guard(&self) -> Result<()> {
        if self.failed {
            return Err(Error::InvalidArgument(
                "the decryptor failed earlier and cannot continue".into(),
            ));
        }
        Ok(())
    }

    fn wrap(&mut self, r: Result<Vec<u8>>) -> Result<Vec<u8>> {
        if r.is_err() {
            self.failed = true;
            self.input.clear();
            self.ct.clear();
            self.raw = None;
        }
        r
    }

    /// Adds message octets (binary, or ASCII-armored from the first octet on);
    /// returns authenticated plaintext ready so far.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.guard()?;
        if self.armor.is_none() {
            match data.iter().find(|b| !b.is_ascii_whitespace()) {
                None => return Ok(Vec::new()),
                Some(b'-') => self.armor = Some(Some(ArmorReader::new())),
                Some(_) => self.armor = Some(None),
            }
        }
        if let Some(Some(a)) = self.armor.as_mut() {
            let bin = match a.push(data) {
                Ok(b) => b,
                Err(e) => return self.wrap(Err(e)),
            };
            return self.push_binary(&bin);
        }
        self.push_binary(data)
    }

    fn push_binary(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        if let Some(raw) = self.raw.as_mut() {
            if (raw.len() + data.len()) as u64 > self.opts.limits.max_message_size {
                let e = Err(Error::LimitExceeded(format!(
                    "this message cannot be streamed and exceeds the limit of {} bytes \
                     for buffered decryption",
                    self.opts.limits.max_message_size
                )));
                return self.wrap(e);
            }
            raw.extend_from_slice(data);
        }
        if matches!(self.body, Body::Fallback { .. }) {
            return Ok(Vec::new());
        }
        self.input.extend_from_slice(data);
        let r = self.run(false);
        self.wrap(r)
    }

    /// Supplies the session key; returns plaintext from input already pushed.
    pub fn set_session_key(&mut self, key: SessionKey) -> Result<Vec<u8>> {
        self.guard()?;
        if self.session.is_some() {
            return Err(Error::InvalidArgument("session key already set".into()));
        }
        self.session = Some(key);
        let r = self.run(false);
        self.wrap(r)
    }

    /// Convenience: finds the session key with keys/passwords (see
    /// [`decrypt_session_key`]) and sets it.
    pub fn unlock(&mut self, keys: &[&PrivateKey], passwords: &[&str]) -> Result<Vec<u8>> {
        let sk = decrypt_session_key(&self.esks, keys, passwords, &self.opts.limits)?;
        self.set_session_key(sk)
    }

    /// Ends the input: checks that the message was complete and its final tag
    /// verifies; for buffered messages decrypts now and returns all plaintext.
    /// With the external backend, outstanding jobs must be completed first, and
    /// the final job may only be handed out here: then call `take_jobs`,
    /// complete them, and call `finish` again.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        self.guard()?;
        let mut out = Vec::new();
        if let Some(Some(a)) = self.armor.as_mut() {
            let bin = match a.finish() {
                Ok(b) => b,
                Err(e) => return self.wrap(Err(e)),
            };
            self.armor = Some(None);
            out = self.push_binary(&bin)?;
        }
        let r = self.finish_inner().map(|mut rest| {
            out.append(&mut rest);
            out
        });
        self.wrap(r)
    }

    fn finish_inner(&mut self) -> Result<Vec<u8>> {
        if self.needs_session_key() {
            return Err(Error::InvalidArgument(
                "no session key was set for this message".into(),
            ));
        }
        if matches!(self.body, Body::Fallback { .. }) {
            return self.fallback_decrypt();
        }
        let out = self.run(true)?;
        if matches!(self.body, Body::Fallback { .. }) {
            return self.fallback_decrypt();
        }
        if !self.seipd_seen {
            return Err(
                if self.esks.is_empty() && self.raw.as_ref().is_some_and(|r| r.is_empty()) {
                    Error::MalformedInput("empty message".into())
                } else {
                    Error::DecryptionFailed
                },
            );
        }
        let Body::V2(v) = &self.body else {
            return Err(Error::DecryptionFailed);
        };
        if !v.jobs.is_empty() || !v.pending.is_empty() {
            // External backend: the caller still has jobs to run.
            return Ok(out);
        }
        if !v.verified || !self.body_ended {
            return Err(Error::DecryptionFailed);
        }
        match v.inner {
            Inner::After => Ok(out),
            Inner::Data {
                remaining: usize::MAX,
                ..
            } => Ok(out),
            _ => Err(Error::MalformedInput(
                "the literal data packet inside is incomplete".into(),
            )),
        }
    }

    /// True once the final tag verified (or a buffered message was decrypted).
    pub fn is_done(&self) -> bool {
        if self.done {
            return true;
        }
        match &self.body {
            Body::V2(v) => v.verified && v.pending.is_empty() && v.jobs.is_empty(),
            _ => false,
        }
    }

    /// Jobs waiting for the external backend, in order.
    pub fn take_jobs(&mut self) -> Vec<ChunkJob> {
        match &mut self.body {
            Body::V2(v) => std::mem::take(&mut v.jobs),
            _ => Vec::new(),
        }
    }

    /// Returns the plaintext of the oldest outstanding job (empty for the
    /// final tag). A failed authentication must be reported with
    /// [`fail_job`](Self::fail_job) instead.
    pub fn complete_job(&mut self, plain: &[u8]) -> Result<Vec<u8>> {
        self.guard()?;
        let r = self.complete_inner(plain);
        self.wrap(r)
    }

    /// The backend reports an authentication failure: the decryptor fails
    /// with `DECRYPTION_FAILED`.
    pub fn fail_job(&mut self) -> Error {
        let _ = self.wrap(Err(Error::DecryptionFailed));
        Error::DecryptionFailed
    }

    fn complete_inner(&mut self, plain: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let fallback = match &mut self.body {
            Body::V2(v) => {
                let Some(p) = v.pending.pop_front() else {
                    return Err(Error::InvalidArgument("no job is outstanding".into()));
                };
                if plain.len() != p.expect_len {
                    return Err(Error::InvalidArgument(format!(
                        "job result of {} octets, expected {}",
                        plain.len(),
                        p.expect_len
                    )));
                }
                if p.is_final {
                    v.verified = true;
                    false
                } else {
                    v.feed_plain(plain, &mut out)?
                }
            }
            // Results of jobs handed out before we switched to buffering.
            Body::Fallback { .. } => return Ok(Vec::new()),
            Body::Start => return Err(Error::InvalidArgument("no job is outstanding".into())),
        };
        if fallback {
            self.body = Body::Fallback { v1: false };
            self.input.clear();
            self.ct.clear();
            return Ok(Vec::new());
        }
        if let Body::V2(v) = &self.body {
            if v.inner != Inner::Tag {
                self.raw = None;
            }
        }
        Ok(out)
    }

    /// Parses as far as the input allows.
    fn run(&mut self, at_end: bool) -> Result<Vec<u8>> {
        self.parse_outer(at_end)?;
        let mut out = Vec::new();
        self.process_body(at_end, &mut out)?;
        Ok(out)
    }

    fn parse_outer(&mut self, at_end: bool) -> Result<()> {
        let mut pos = 0;
        loop {
            let avail = self.input.len() - pos;
            match self.outer {
                Outer::Header => {
                    let Some(h) = parse_header(self.input.get(pos..).unwrap_or_default())? else {
                        break;
                    };
                    pos += h.header_len;
                    match h.tag {
                        1 | 3 | 10 | 21 => {
                            let BodyLen::Fixed(n) = h.len else {
                                return Err(Error::MalformedInput(
                                    "session key packet without a definite length".into(),
                                ));
                            };
                            let keep = matches!(h.tag, 1 | 3);
                            if keep {
                                if self.esks.len() + n + h.header_len > MAX_ESK_BYTES {
                                    return Err(Error::LimitExceeded(
                                        "session key packets exceed 1 MiB".into(),
                                    ));
                                }
                                let start = pos - h.header_len;
                                self.esks.extend_from_slice(
                                    self.input.get(start..pos).unwrap_or_default(),
                                );
                            }
                            self.outer = Outer::Packet { remaining: n, keep };
                        }
                        18 => {
                            self.seipd_seen = true;
                            self.outer = match h.len {
                                BodyLen::Fixed(n) => Outer::Body {
                                    remaining: n,
                                    last: true,
                                },
                                BodyLen::Partial(n) => Outer::Body {
                                    remaining: n,
                                    last: false,
                                },
                                BodyLen::Indeterminate => Outer::BodyToEnd,
                            };
                        }
                        9 => {
                            return Err(Error::Unsupported(
                                "symmetrically encrypted data without integrity protection \
                                 (SED) is refused"
                                    .into(),
                            ))
                        }
                        20 => {
                            return Err(Error::Unsupported(
                                "GnuPG's non-standard OCB packet (type 20) is not supported".into(),
                            ))
                        }
                        t => {
                            return Err(Error::MalformedInput(format!(
                                "expected an encrypted message, found packet type {t}"
                            )))
                        }
                    }
                }
                Outer::Packet { remaining, keep } => {
                    let n = remaining.min(avail);
                    if keep {
                        self.esks
                            .extend_from_slice(self.input.get(pos..pos + n).unwrap_or_default());
                    }
                    pos += n;
                    if n == remaining {
                        self.outer = Outer::Header;
                    } else {
                        self.outer = Outer::Packet {
                            remaining: remaining - n,
                            keep,
                        };
                        break;
                    }
                }
                Outer::Body { remaining, last } => {
                    let n = remaining.min(avail);
                    self.ct
                        .extend_from_slice(self.input.get(pos..pos + n).unwrap_or_default());
                    pos += n;
                    if n < remaining {
                        self.outer = Outer::Body {
                            remaining: remaining - n,
                            last,
                        };
                        break;
                    }
                    if last {
                        self.outer = Outer::After;
                        self.body_ended = true;
                    } else {
                        self.outer = Outer::BodyLen;
                    }
                }
                Outer::BodyLen => {
                    let Some((len, used)) =
                        parse_new_length(self.input.get(pos..).unwrap_or_default())?
                    else {
                        break;
                    };
                    pos += used;
                    self.outer = match len {
                        BodyLen::Fixed(n) => Outer::Body {
                            remaining: n,
                            last: true,
                        },
                        BodyLen::Partial(n) => Outer::Body {
                            remaining: n,
                            last: false,
                        },
                        BodyLen::Indeterminate => Outer::BodyToEnd,
                    };
                }
                Outer::BodyToEnd => {
                    self.ct
                        .extend_from_slice(self.input.get(pos..).unwrap_or_default());
                    pos = self.input.len();
                    if at_end {
                        self.outer = Outer::After;
                        self.body_ended = true;
                    }
                    break;
                }
                Outer::After => {
                    if avail > 0 {
                        return Err(Error::MalformedInput(
                            "data after the encrypted data packet".into(),
                        ));
                    }
                    break;
                }
            }
        }
        self.input.drain(..pos);
        Ok(())
    }

    fn process_body(&mut self, at_end: bool, out: &mut Vec<u8>) -> Result<()> {
        if let Body::Start = self.body {
            let Some(&version) = self.ct.first() else {
                return Ok(());
            };
            match version {
                1 => {
                    self.body = Body::Fallback { v1: true };
                    self.input.clear();
                    self.ct.clear();
                    return Ok(());
                }
                2 => {}
                v => {
                    return Err(Error::Unsupported(format!(
                        "encrypted data packet version {v}"
                    )))
                }
            }
            if self.ct.len() < 4 + SALT_LEN {
                if self.body_ended {
                    return Err(Error::DecryptionFailed);
                }
                return Ok(());
            }
            let Some(sk) = self.session.as_ref() else {
                return Ok(());
            };
            let (h, rest) = self.ct.split_at(4);
            let params = Seipd2Params {
                sym: SymmetricKeyAlgorithm::from(h[1]),
                aead: pgp::crypto::aead::AeadAlgorithm::from(h[2]),
                chunk_size_octet: h[3],
            };
            params.check()?;
            if sk.sym.is_some_and(|s| s != params.sym) {
                return Err(Error::DecryptionFailed);
            }
            let keys =
                ChunkKeys::derive(params, &sk.key, rest.get(..SALT_LEN).unwrap_or_default())?;
            self.ct.drain(..4 + SALT_LEN);
            self.body = Body::V2(Box::new(V2Dec {
                keys,
                next_index: 0,
                total_plain: 0,
                jobs: Vec::new(),
                pending: VecDeque::new(),
                final_queued: false,
                verified: false,
                inner: Inner::Tag,
                pt: Zeroizing::new(Vec::new()),
            }));
        }
        let external = self.backend() == Backend::External;
        let Body::V2(v) = &mut self.body else {
            return Ok(());
        };
        let c = v.keys.params.chunk_size();
        let full = c + TAG_LEN;
        let mut pos = 0;
        let mut fallback = false;
        // A full chunk is certain once a final tag's worth of octets follows it.
        while self.ct.len() - pos >= full + TAG_LEN && !fallback {
            let data = self.ct.get(pos..pos + full).unwrap_or_default().to_vec();
            pos += full;
            fallback = v.queue(data, false, external, out)?;
        }
        if self.body_ended && !v.final_queued && !fallback {
            let rest = self.ct.len() - pos;
            if rest < TAG_LEN || (rest > TAG_LEN && rest < 2 * TAG_LEN + 1) {
                return Err(Error::DecryptionFailed);
            }
            if rest > TAG_LEN {
                let data = self
                    .ct
                    .get(pos..self.ct.len() - TAG_LEN)
                    .unwrap_or_default()
                    .to_vec();
                fallback = v.queue(data, false, external, out)?;
            }
            if !fallback {
                let tag = self
                    .ct
                    .get(self.ct.len() - TAG_LEN..)
                    .unwrap_or_default()
                    .to_vec();
                pos = self.ct.len();
                v.final_queued = true;
                v.queue(tag, true, external, out)?;
            }
        }
        let _ = at_end;
        if fallback {
            self.body = Body::Fallback { v1: false };
            self.input.clear();
            self.ct.clear();
            return Ok(());
        }
        if v.inner != Inner::Tag {
            self.raw = None;
        }
        self.ct.drain(..pos);
        Ok(())
    }

    fn fallback_decrypt(&mut self) -> Result<Vec<u8>> {
        let Body::Fallback { v1 } = self.body else {
            return Err(Error::Internal("not buffering".into()));
        };
        let Some(sk) = self.session.as_ref() else {
            return Err(Error::InvalidArgument(
                "no session key was set for this message".into(),
            ));
        };
        let Some(raw) = self.raw.take() else {
            return Err(Error::Internal("buffer released".into()));
        };
        let limits = &self.opts.limits;
        let keys: Vec<&[u8]> = self
            .opts
            .verification_keys
            .iter()
            .map(|k| k.as_slice())
            .collect();
        let certs = parse_certs(&keys, limits)?;
        let (msg, _) = {
            let m = Message::from_bytes(&raw[..]).map_err(parse_err)?;
            let ring = TheRing {
                session_keys: vec![sk.to_plain(v1)?],
                decrypt_options: DecryptionOptions::new().set_seipdv1_read_mode(
                    Seipdv1ReadMode::CheckFirst {
                        max_message_size: usize::try_from(limits.max_message_size)
                            .unwrap_or(usize::MAX),
                    },
                ),
                ..Default::default()
            };
            m.decrypt_the_ring(ring, true).map_err(|e| match e {
                pgp::errors::Error::Unsupported { message, .. } => Error::Unsupported(message),
                _ => Error::DecryptionFailed,
            })?
        };
        let (mut msg, compressed) = decompress_all(msg, limits)?;
        let cap = if compressed {
            limits.max_decompressed_size
        } else {
            limits.max_message_size
        };
        let mut data = Zeroizing::new(Vec::new());
        pump(&mut msg, &mut *data, cap)?;
        self.signatures = check_signatures(&msg, &certs, limits)?;
        self.body = Body::Start;
        self.seipd_seen = true;
        // Done: hand the buffer over (the caller now owns the plaintext).
        let out = std::mem::take(&mut *data);
        self.done = true;
        self.failed = true; // nothing more may be pushed
        Ok(out)
    }
}

impl V2Dec {
    /// Queues (external) or runs (Rust) one open job. Returns true when the
    /// content turned out not to be a plain literal packet (buffer instead).
    fn queue(
        &mut self,
        data: Vec<u8>,
        is_final: bool,
        external: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool> {
        let index = self.next_index;
        let (nonce, ad) = if is_final {
            (self.keys.nonce(index), self.keys.final_ad(self.total_plain))
        } else {
            self.total_plain += (data.len() - TAG_LEN) as u64;
            self.next_index += 1;
            (self.keys.nonce(index), self.keys.chunk_ad())
        };
        let mut job = ChunkJob {
            index,
            is_final,
            nonce,
            ad,
            data,
        };
        if external {
            self.pending.push_back(PendingOpen {
                expect_len: job.data.len() - TAG_LEN,
                is_final,
            });
            self.jobs.push(job);
            return Ok(false);
        }
        self.keys.open(&job.nonce, &job.ad, &mut job.data)?;
        let plain = Zeroizing::new(job.data);
        if is_final {
            self.verified = true;
            return Ok(false);
        }
        self.feed_plain(&plain, out)
    }

    /// Parses authenticated plaintext (the inner packet stream): literal data
    /// octets go to `out`. Returns true if the first packet is not literal data.
    fn feed_plain(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Result<bool> {
        self.pt.extend_from_slice(plain);
        let mut pos = 0;
        let res = loop {
            let buf = self.pt.get(pos..).unwrap_or_default();
            match self.inner {
                Inner::Tag => {
                    let Some(h) = parse_header(buf)? else {
                        break Ok(false);
                    };
                    if h.tag != 11 {
                        break Ok(true);
                    }
                    pos += h.header_len;
                    self.inner = match h.len {
                        BodyLen::Fixed(n) => Inner::LitHeader {
                            remaining: n,
                            last: true,
                        },
                        BodyLen::Partial(n) => Inner::LitHeader {
                            remaining: n,
                            last: false,
                        },
                        BodyLen::Indeterminate => Inner::LitHeader {
                            remaining: usize::MAX,
                            last: true,
                        },
                    };
                }
                Inner::LitHeader { remaining, last } => {
                    let Some(&name_len) = buf.get(1) else {
                        break Ok(false);
                    };
                    let need = 2 + usize::from(name_len) + 4;
                    if need > remaining {
                        break Err(Error::MalformedInput(
                            "literal data header crosses a partial length boundary".into(),
                        ));
                    }
                    if buf.len() < need {
                        break Ok(false);
                    }
                    pos += need;
                    self.inner = Inner::Data {
                        remaining: if remaining == usize::MAX {
                            usize::MAX
                        } else {
                            remaining - need
                        },
                        last,
                    };
                }
                Inner::Data { remaining, last } => {
                    let n = remaining.min(buf.len());
                    out.extend_from_slice(buf.get(..n).unwrap_or_default());
                    pos += n;
                    if n < remaining {
                        if remaining != usize::MAX {
                            self.inner = Inner::Data {
                                remaining: remaining - n,
                                last,
                            };
                        }
                        break Ok(false);
                    }
                    self.inner = if last { Inner::After } else { Inner::NextLen };
                }
                Inner::NextLen => {
                    let Some((len, used)) = parse_new_length(buf)? else {
                        break Ok(false);
                    };
                    pos += used;
                    self.inner = match len {
                        BodyLen::Fixed(n) => Inner::Data {
                            remaining: n,
                            last: true,
                        },
                        BodyLen::Partial(n) => Inner::Data {
                            remaining: n,
                            last: false,
                        },
                        BodyLen::Indeterminate => Inner::Data {
                            remaining: usize::MAX,
                            last: true,
                        },
                    };
                }
                Inner::After => {
                    // Only padding packets may follow the literal data.
                    let Some(h) = parse_header(buf)? else {
                        break Ok(false);
                    };
                    match (h.tag, h.len) {
                        (21, BodyLen::Fixed(n)) if buf.len() >= h.header_len + n => {
                            pos += h.header_len + n;
                        }
                        (21, BodyLen::Fixed(_)) => break Ok(false),
                        _ => {
                            break Err(Error::MalformedInput(
                                "unexpected packet after the literal data".into(),
                            ))
                        }
                    }
                }
            }
        };
        self.pt.drain(..pos);
        res
    }
}
