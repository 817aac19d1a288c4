//! SEIPDv1 (AES-CFB + MDC, RFC 9580 §5.13.1) decrypted as it streams in, for
//! the two-pass strategy: the verifying pass parses the content and drops it,
//! the releasing pass hands it out. Only the last 22 plaintext octets (the
//! MDC packet candidate) and one partial cipher block are held; the SHA-1 of
//! the MDC runs over everything before them. The bulk AES is the block-parallel
//! CFB of `crate::openpgp::seipd1` (host AES-ECB in Node, software in Wasm).

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::literal::{Content, PlainOut};
use super::meter::stage;
use crate::openpgp::esk::SessionKey;
use crate::openpgp::seipd1::{cfb_range, MDC, PREFIX};
use crate::openpgp::Limits;
use crate::{Error, Result};

/// Incremental CFB decryption of one SEIPDv1 body (after its version octet).
pub(super) struct V1Dec {
    alg: u8,
    key: Zeroizing<Vec<u8>>,
    /// The last whole ciphertext block (the IV, zero, at first).
    prev: [u8; 16],
    /// Ciphertext octets of a block not yet complete.
    partial: Zeroizing<Vec<u8>>,
    sha: Sha1,
    /// Plaintext octets passed on so far (the first `PREFIX` are the prefix).
    seen: u64,
    /// The last plaintext octets, held back: they may be the MDC packet.
    tail: Zeroizing<Vec<u8>>,
    pub(super) content: Content,
    /// The first error of the content parser: reported only after the MDC
    /// verified, so damaged ciphertext is always `DECRYPTION_FAILED` (no
    /// oracle on the plaintext's structure before integrity is known).
    content_err: Option<Error>,
}

impl V1Dec {
    /// `None` for a session key that is not AES (CAST5, 3DES, ...): such
    /// messages keep the buffered path.
    /// `verify`, `limits`: as for [`Content::new`].
    pub(super) fn new(sk: &SessionKey, verify: bool, limits: &Limits) -> Result<Option<Self>> {
        let Some(sym) = sk.sym() else {
            // A v6 session key names no cipher: it cannot be for SEIPDv1.
            return Err(Error::DecryptionFailed);
        };
        let alg = u8::from(sym);
        if !matches!((alg, sk.key().len()), (7, 16) | (8, 24) | (9, 32)) {
            return Ok(None);
        }
        Ok(Some(V1Dec {
            alg,
            key: Zeroizing::new(sk.key().to_vec()),
            prev: [0u8; 16],
            partial: Zeroizing::new(Vec::with_capacity(16)),
            sha: Sha1::new(),
            seen: 0,
            tail: Zeroizing::new(Vec::with_capacity(2 * MDC)),
            content: Content::new(verify, limits),
            content_err: None,
        }))
    }

    fn decrypt(&self, iv: &[u8; 16], ct: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        cfb_range(self.alg, &self.key, iv, ct)
            .ok_or_else(|| Error::Internal("SEIPDv1 session key".into()))
    }

    /// Takes ciphertext octets; parsed plaintext goes to `out`.
    pub(super) fn put(&mut self, mut ct: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        if !self.partial.is_empty() {
            let take = (16 - self.partial.len()).min(ct.len());
            stage(&mut self.partial, ct.get(..take).unwrap_or_default());
            ct = ct.get(take..).unwrap_or_default();
            if self.partial.len() < 16 {
                return Ok(());
            }
            let plain = self.decrypt(&self.prev, &self.partial)?;
            self.prev.copy_from_slice(&self.partial);
            self.partial.clear();
            self.plain(&plain, out)?;
        }
        let whole = ct.len() / 16 * 16;
        if whole > 0 {
            let plain = self.decrypt(&self.prev, ct.get(..whole).unwrap_or_default())?;
            self.prev
                .copy_from_slice(ct.get(whole - 16..whole).unwrap_or(&[0u8; 16]));
            self.plain(&plain, out)?;
        }
        stage(&mut self.partial, ct.get(whole..).unwrap_or_default());
        Ok(())
    }

    /// Decrypted octets: all but the last `MDC` of everything so far are
    /// hashed and parsed now.
    fn plain(&mut self, p: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        let total = self.tail.len() + p.len();
        if total <= MDC {
            stage(&mut self.tail, p);
            return Ok(());
        }
        let release = total - MDC;
        let from_tail = release.min(self.tail.len());
        let tail = std::mem::take(&mut self.tail);
        self.pass_on(tail.get(..from_tail).unwrap_or_default(), out)?;
        let (now, keep) = p.split_at(release - from_tail);
        self.pass_on(now, out)?;
        let mut t = tail;
        t.drain(..from_tail);
        stage(&mut t, keep);
        self.tail = t;
        Ok(())
    }

    fn pass_on(&mut self, b: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        if b.is_empty() {
            return Ok(());
        }
        self.sha.update(b);
        let skip = (PREFIX as u64)
            .saturating_sub(self.seen)
            .min(b.len() as u64) as usize;
        self.seen += b.len() as u64;
        if self.content_err.is_none() {
            if let Err(e) = self.content.feed(b.get(skip..).unwrap_or_default(), out) {
                self.content_err = Some(e);
            }
        }
        Ok(())
    }

    /// The body ended: decrypts the last partial block and checks the MDC (in
    /// constant time). Returns its SHA-1, which names the whole plaintext.
    pub(super) fn end(&mut self, out: &mut PlainOut<'_>) -> Result<[u8; 20]> {
        if !self.partial.is_empty() {
            let ct = std::mem::take(&mut self.partial);
            let plain = self.decrypt(&self.prev, &ct)?;
            self.plain(&plain, out)?;
        }
        if self.seen < PREFIX as u64 || self.tail.len() != MDC {
            // As the one-shot path says it (structure, no cryptography).
            return Err(Error::MalformedInput("SEIPDv1 packet too short".into()));
        }
        let (head, hash) = self.tail.split_at(2);
        let mut sha = self.sha.clone();
        sha.update(head);
        let digest: [u8; 20] = sha.finalize().into();
        let ok = head.ct_eq(&[0xD3, 0x14]) & hash.ct_eq(&digest[..]);
        if !bool::from(ok) {
            return Err(Error::DecryptionFailed);
        }
        match self.content_err.take() {
            Some(e) => Err(e),
            None => Ok(digest),
        }
    }
}
