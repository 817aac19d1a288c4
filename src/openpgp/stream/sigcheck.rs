//! Signatures over streamed literal data (RFC 9580 §5.4, §10.3): one-pass
//! signed (OPS packets, the literal data, then the signatures in reverse
//! order) and prefix-signed (signatures, then the literal data). The data is
//! hashed as it is released; the signatures are judged when the content ends,
//! by the same policy and matching as `decrypt` (`content::check_one`).

use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    OnePassSignature, OpsVersionSpecific, Packet, PacketParser, Signature, SignatureType,
    SignatureVersion, SignatureVersionSpecific,
};
use pgp::types::KeyVersion;
use sha2::digest::DynDigest;

use crate::openpgp::content::{check_one, SignatureCheck};
use crate::openpgp::policy::{Cert, VerifierRef};
use crate::{Error, Result};

/// Largest signature or one-pass signature packet collected (SLH-DSA-256s
/// signatures are 29,792 octets).
pub(super) const MAX_SIG_PACKET: usize = 64 << 10;

type Hasher = Box<dyn DynDigest + Send>;

/// One signature being computed over the literal data.
struct Entry {
    /// The OPS that announced it (`None`: a prefixed signature).
    ops: Option<OnePassSignature>,
    sig: Option<Signature>,
    /// `None` when the hash algorithm is unknown (the signature then fails).
    hasher: Option<Hasher>,
    text: bool,
}

/// Signature bookkeeping of one message's content.
#[derive(Default)]
pub(super) struct SigCheck {
    entries: Vec<Entry>,
    /// Signatures after the literal data, pairing with OPS from the last.
    trailing: usize,
    /// Hash the data (verification keys were given and the data is released).
    hash: bool,
    /// Text signatures: the last octet hashed was a CR.
    last_cr: bool,
    max: usize,
}

fn hasher_for(hash: HashAlgorithm, salt: Option<&[u8]>) -> Option<Hasher> {
    let mut h = hash.new_hasher().ok()?;
    if let Some(s) = salt {
        h.update(s);
    }
    Some(h)
}

fn parse_packet(bytes: &[u8]) -> Result<Packet> {
    match PacketParser::new(bytes).next() {
        Some(Ok(p)) => Ok(p),
        _ => Err(Error::MalformedInput(
            "a signature packet inside does not parse".into(),
        )),
    }
}

impl SigCheck {
    /// `hash`: compute digests (there are keys to check them with).
    pub(super) fn new(hash: bool, max_signatures: usize) -> Self {
        SigCheck {
            hash,
            max: max_signatures,
            ..Default::default()
        }
    }

    /// No signature or one-pass signature was seen.
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the literal data must be shown to [`update`](Self::update).
    pub(super) fn hashing(&self) -> bool {
        self.hash && !self.entries.is_empty()
    }

    fn room(&self) -> Result<()> {
        if self.entries.len() >= self.max {
            return Err(Error::LimitExceeded(format!(
                "more than {} signatures",
                self.max
            )));
        }
        Ok(())
    }

    /// A whole signature or OPS packet (header included) before the literal
    /// data, or a signature after it.
    pub(super) fn packet(&mut self, bytes: &[u8], after_literal: bool) -> Result<()> {
        match (parse_packet(bytes)?, after_literal) {
            (Packet::OnePassSignature(ops), false) => {
                self.room()?;
                let salt = match ops.version_specific() {
                    OpsVersionSpecific::V6 { salt, .. } => Some(salt.as_ref()),
                    _ => None,
                };
                let hasher = hasher_for(ops.hash_algorithm(), salt).filter(|_| self.hash);
                let text = ops.typ() == SignatureType::Text;
                self.entries.push(Entry {
                    ops: Some(ops),
                    sig: None,
                    hasher,
                    text,
                });
            }
            (Packet::Signature(sig), false) => {
                self.room()?;
                let salt = match sig.config().map(|c| &c.version_specific) {
                    Some(SignatureVersionSpecific::V6 { salt }) => Some(salt.as_slice()),
                    _ => None,
                };
                let hasher = sig
                    .hash_alg()
                    .and_then(|h| hasher_for(h, salt))
                    .filter(|_| self.hash);
                let text = sig.typ() == Some(SignatureType::Text);
                self.entries.push(Entry {
                    ops: None,
                    sig: Some(sig),
                    hasher,
                    text,
                });
            }
            (Packet::Signature(sig), true) => {
                // The n-th trailing signature answers the n-th OPS from the end.
                let opened = self.entries.iter().filter(|e| e.ops.is_some()).count();
                let slot = opened
                    .checked_sub(self.trailing + 1)
                    .and_then(|k| self.entries.iter_mut().filter(|e| e.ops.is_some()).nth(k))
                    .ok_or_else(|| {
                        Error::MalformedInput("a signature without a one-pass signature".into())
                    })?;
                slot.sig = Some(sig);
                self.trailing += 1;
            }
            _ => {
                return Err(Error::MalformedInput(
                    "unexpected packet in a signed message".into(),
                ))
            }
        }
        Ok(())
    }

    /// Literal data octets, in order.
    pub(super) fn update(&mut self, data: &[u8]) {
        if !self.hashing() || data.is_empty() {
            return;
        }
        let (bin, text): (Vec<_>, Vec<_>) = self.entries.iter_mut().partition(|e| !e.text);
        for e in bin {
            if let Some(h) = e.hasher.as_mut() {
                h.update(data);
            }
        }
        if text.is_empty() {
            return;
        }
        // Text signatures hash line ends as CR LF (RFC 9580 §5.2.1.2).
        let mut hs: Vec<&mut Hasher> = text.into_iter().filter_map(|e| e.hasher.as_mut()).collect();
        let mut put = |b: &[u8]| hs.iter_mut().for_each(|h| h.update(b));
        let mut start = 0;
        for (i, &b) in data.iter().enumerate() {
            match b {
                b'\r' => {
                    put(data.get(start..i).unwrap_or_default());
                    put(b"\r\n");
                    start = i + 1;
                    self.last_cr = true;
                    continue;
                }
                b'\n' => {
                    put(data.get(start..i).unwrap_or_default());
                    if !self.last_cr {
                        put(b"\r\n");
                    }
                    start = i + 1;
                }
                _ => {}
            }
            self.last_cr = false;
        }
        put(data.get(start..).unwrap_or_default());
    }

    /// Every OPS got its signature (checked when the content ends).
    pub(super) fn complete(&self) -> bool {
        self.trailing == self.entries.iter().filter(|e| e.ops.is_some()).count()
    }

    /// Judges every signature against `certs` (OPS order, then prefixed).
    pub(super) fn finish(self, certs: &[Cert]) -> Result<Vec<SignatureCheck>> {
        if !self.complete() {
            return Err(Error::MalformedInput(
                "a one-pass signature without its signature".into(),
            ));
        }
        let mut out = Vec::with_capacity(self.entries.len());
        for e in self.entries {
            let Some(sig) = e.sig else {
                return Err(Error::Internal("signature missing".into()));
            };
            let paired = e.ops.as_ref().is_none_or(|o| o.matches(&sig));
            let digest = e.hasher.filter(|_| paired).and_then(|h| digest(h, &sig));
            out.push(check_one(&sig, certs, |v| {
                digest.as_deref().is_some_and(|d| verify_digest(v, &sig, d))
            }));
        }
        Ok(out)
    }
}

/// Ends the hash: the signature's hashed area and trailer (RFC 9580 §5.2.4).
fn digest(mut h: Hasher, sig: &Signature) -> Option<Vec<u8>> {
    let config = sig.config()?;
    let len = config.hash_signature_data(&mut h).ok()?;
    h.update(&config.trailer(len).ok()?);
    Some(h.finalize().to_vec())
}

/// The signature mathematics on a finished digest, with rPGP's own checks of
/// `Signature::verify`: key and signature versions agree, PQC keys sign with
/// a digest of at least 256 bits, the quick-check octets match.
fn verify_digest(v: VerifierRef<'_>, sig: &Signature, digest: &[u8]) -> bool {
    let (Some(config), Some(quick), Some(bytes)) =
        (sig.config(), sig.signed_hash_value(), sig.signature())
    else {
        return false;
    };
    let key = v.as_dyn();
    let v6_sig = config.version() == SignatureVersion::V6;
    if v6_sig != (key.version() == KeyVersion::V6) {
        return false;
    }
    if config.pub_alg.is_pqc() && digest.len() < 32 {
        return false;
    }
    if digest.get(..2) != Some(&quick[..]) {
        return false;
    }
    key.verify(config.hash_alg, digest, bytes).is_ok()
}
