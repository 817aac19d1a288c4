//! SEIPDv1 (AES-CFB + MDC, RFC 9580 §5.13.1) decrypted as it streams in, for
//! the two-pass strategy: the verifying pass parses the content and drops it,
//! the releasing pass hands it out. Only the last 22 plaintext octets (the
//! MDC packet candidate) and one partial cipher block are held; the SHA-1 of
//! the MDC runs over everything before them. The bulk AES is the block-parallel
//! CFB of `crate::openpgp::cfb_mdc` (host AES-ECB in Node, software in Wasm);
//! the older ciphers rPGP reads (IDEA, 3DES, CAST5, Blowfish, Twofish,
//! Camellia: old GnuPG and PGP messages) run through rPGP's plain CFB over the
//! same block ranges, since CFB decryption of a range needs only the
//! ciphertext block before it. The one-pass strategy (a source read once,
//! and the one-shot functions) holds the body instead and decrypts it at its
//! end in one call, checks the MDC over it in one SHA-1 call (the host's AES
//! and SHA-1 in Node) and only then parses it.

use crate::scrub::SecretBuf;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::literal::{Content, PlainOut};
use super::meter::stage;
use crate::openpgp::cfb_mdc::{cfb_range, mdc_ok, mdc_verified, MDC};
use crate::openpgp::esk::SessionKey;
use crate::openpgp::Limits;
use crate::{Error, Result};

/// Incremental CFB decryption of one SEIPDv1 body (after its version octet).
pub(super) struct V1Dec {
    sym: SymmetricKeyAlgorithm,
    key: Zeroizing<Vec<u8>>,
    /// The cipher's block size (16, or 8 for IDEA, 3DES, CAST5, Blowfish).
    bs: usize,
    /// The last whole ciphertext block (the IV, zero, at first).
    prev: Vec<u8>,
    /// Ciphertext octets of a block not yet complete.
    partial: SecretBuf,
    sha: Sha1,
    /// Plaintext octets passed on so far (the first `bs + 2` are the prefix).
    seen: u64,
    /// The last plaintext octets, held back: they may be the MDC packet.
    tail: SecretBuf,
    pub(super) content: Content,
    /// One pass: the whole body (ciphertext), decrypted and its MDC checked
    /// at its end, before it is parsed.
    hold: Option<SecretBuf>,
    /// The first error of the content parser: reported only after the MDC
    /// verified, so damaged ciphertext is always `DECRYPTION_FAILED` (no
    /// oracle on the plaintext's structure before integrity is known).
    content_err: Option<Error>,
    /// One pass: the MDC failed; the body is kept for another key.
    mdc_failed: bool,
    /// One pass, AES: the held body's plaintext, decrypted in ranges by the
    /// driver before the end (some in another thread), and the ranges filled.
    lanes: Option<Lanes>,
    /// One pass: the held body's plaintext, joined early for a SHA-1 of the
    /// host's (`digest_input`), and the digest it gave (`set_digest`).
    joined: Option<SecretBuf>,
    digest: Option<[u8; 20]>,
}

/// A held body's plaintext put in ranges, and the ranges put.
type Lanes = (SecretBuf, Vec<(usize, usize)>);

impl V1Dec {
    /// `UNSUPPORTED` for a cipher rPGP does not implement either.
    /// `verify`, `limits`: as for [`Content::new`]; `hold`: one pass.
    pub(super) fn new(sk: &SessionKey, verify: bool, limits: &Limits, hold: bool) -> Result<Self> {
        let Some(sym) = sk.sym() else {
            // A v6 session key names no cipher: it cannot be for SEIPDv1.
            return Err(Error::DecryptionFailed);
        };
        let bs = sym.block_size();
        if !matches!(bs, 8 | 16) || sym.key_size() != sk.key().len() {
            return Err(Error::Unsupported(format!(
                "SEIPDv1 with cipher {}",
                u8::from(sym)
            )));
        }
        Ok(V1Dec {
            sym,
            key: Zeroizing::new(sk.key().to_vec()),
            bs,
            prev: vec![0u8; bs],
            partial: SecretBuf::new(Vec::with_capacity(bs)),
            sha: Sha1::new(),
            seen: 0,
            tail: SecretBuf::new(Vec::with_capacity(2 * MDC)),
            content: Content::new(verify, limits),
            hold: hold.then(|| SecretBuf::new(Vec::new())),
            content_err: None,
            mdc_failed: false,
            lanes: None,
            joined: None,
            digest: None,
        })
    }

    /// CFB-decrypts `ct` following the ciphertext block `iv`: AES through
    /// the one AES path (`cfb_range`), other ciphers through rPGP.
    fn decrypt(&self, iv: &[u8], ct: &[u8]) -> Result<SecretBuf> {
        if let Ok(iv16) = <&[u8; 16]>::try_from(iv) {
            if let Some(p) = cfb_range(u8::from(self.sym), &self.key, iv16, ct) {
                return Ok(p);
            }
        }
        let mut p = SecretBuf::new(ct.to_vec());
        self.sym
            .decrypt_with_iv_regular(&self.key, iv, &mut p)
            .map_err(|_| {
                Error::Unsupported(format!("SEIPDv1 with cipher {}", u8::from(self.sym)))
            })?;
        Ok(p)
    }

    /// Takes ciphertext octets; parsed plaintext goes to `out`.
    pub(super) fn put(&mut self, mut ct: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        if let Some(h) = self.hold.as_mut() {
            stage(h, ct);
            return Ok(());
        }
        let bs = self.bs;
        if !self.partial.is_empty() {
            let take = (bs - self.partial.len()).min(ct.len());
            stage(&mut self.partial, ct.get(..take).unwrap_or_default());
            ct = ct.get(take..).unwrap_or_default();
            if self.partial.len() < bs {
                return Ok(());
            }
            let plain = self.decrypt(&self.prev, &self.partial)?;
            self.prev.copy_from_slice(&self.partial);
            self.partial.clear();
            self.plain(&plain, out)?;
        }
        let whole = ct.len() / bs * bs;
        if whole > 0 {
            let plain = self.decrypt(&self.prev, ct.get(..whole).unwrap_or_default())?;
            self.prev.clear();
            self.prev
                .extend_from_slice(ct.get(whole - bs..whole).unwrap_or_default());
            self.plain(&plain, out)?;
        }
        stage(&mut self.partial, ct.get(whole..).unwrap_or_default());
        Ok(())
    }

    /// True when the body is held whole until the MDC verified (one pass).
    pub(super) fn holds(&self) -> bool {
        self.hold.is_some()
    }

    /// One pass: the held body's MDC failed (the body is still held).
    pub(super) fn mdc_failed(&self) -> bool {
        self.mdc_failed
    }

    /// One pass: takes over the body `old` holds, to try another key on it.
    pub(super) fn take_held(&mut self, old: &mut V1Dec) {
        self.hold = old.hold.take();
    }

    /// One pass, AES: the held ciphertext, for decryption in ranges (CFB
    /// decryption of a range needs only the ciphertext block before it).
    pub(super) fn held_aes(&self) -> Option<&[u8]> {
        let aes = matches!(u8::from(self.sym), 7..=9);
        self.hold.as_deref().map(|h| h.as_slice()).filter(|_| aes)
    }

    /// Algorithm octet and key, for a range decrypted in another thread.
    pub(super) fn key_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut k = Zeroizing::new(Vec::with_capacity(1 + self.key.len()));
        k.push(u8::from(self.sym));
        k.extend_from_slice(&self.key);
        k
    }

    /// The IV (the ciphertext block before `start`, zero at 0) and the held
    /// ciphertext `start..end`; `start` a multiple of 16.
    pub(super) fn held_range(&self, start: usize, end: usize) -> Result<([u8; 16], &[u8])> {
        range_of(self.held_aes().unwrap_or_default(), start, end)
    }

    /// Puts the plaintext of held range `start..end` (decrypted here when
    /// `plain` is `None`). Unauthenticated: the MDC is checked over the whole
    /// body at the end, before anything is parsed, so a wrong range fails it.
    pub(super) fn put_range(
        &mut self,
        start: usize,
        end: usize,
        plain: Option<&[u8]>,
    ) -> Result<()> {
        if self.joined.is_some() {
            return Err(Error::InvalidArgument(
                "the held body was joined for its digest already".into(),
            ));
        }
        let (iv, ct) = self.held_range(start, end)?;
        let here;
        let plain = match plain {
            Some(p) if p.len() == end - start => p,
            Some(_) => {
                return Err(Error::InvalidArgument(
                    "the plaintext of a range has the range's length".into(),
                ))
            }
            None => {
                here = self.decrypt(&iv, ct)?;
                here.as_slice()
            }
        };
        let len = self.held_aes().map_or(0, <[u8]>::len);
        let (buf, filled) = self
            .lanes
            .get_or_insert_with(|| (SecretBuf::new(vec![0u8; len]), Vec::new()));
        if filled.iter().any(|&(s, e)| start < e && s < end) {
            return Err(Error::InvalidArgument("ranges overlap".into()));
        }
        buf.get_mut(start..end)
            .ok_or_else(|| Error::Internal("range outside the held body".into()))?
            .copy_from_slice(plain);
        filled.push((start, end));
        Ok(())
    }

    /// One pass: joins the held body's plaintext now (the ranges put, the
    /// rest decrypted here) and returns the octets its MDC hashes, for a
    /// SHA-1 of the host's (WebCrypto's is native) whose digest comes back
    /// through [`set_digest`](Self::set_digest); the end then compares that
    /// digest (constant time) instead of hashing. `None` without a held body
    /// long enough for an MDC (the end reports it).
    pub(super) fn digest_input(&mut self) -> Result<Option<&[u8]>> {
        if self.joined.is_none() {
            let long = self.hold.as_ref().map_or(0, |h| h.len()) >= self.bs + 2 + MDC;
            if !long {
                return Ok(None);
            }
            let lanes = self.lanes.take();
            let ct = self
                .hold
                .as_deref()
                .map(|h| h.as_slice())
                .unwrap_or_default();
            let h = match lanes {
                Some(l) => self.join_lanes(ct, l)?,
                None => self.decrypt(&self.prev, ct)?,
            };
            self.joined = Some(h);
        }
        let h = self
            .joined
            .as_deref()
            .map(|h| h.as_slice())
            .unwrap_or_default();
        Ok(h.get(..h.len().saturating_sub(20)))
    }

    /// The SHA-1 of what [`digest_input`](Self::digest_input) returned.
    pub(super) fn set_digest(&mut self, digest: [u8; 20]) -> Result<()> {
        if self.joined.is_none() {
            return Err(Error::InvalidArgument(
                "no held body joined for a digest".into(),
            ));
        }
        self.digest = Some(digest);
        Ok(())
    }

    /// The held body's plaintext: the ranges put, and the rest decrypted now.
    fn join_lanes(&self, ct: &[u8], lanes: (SecretBuf, Vec<(usize, usize)>)) -> Result<SecretBuf> {
        let (mut buf, mut filled) = lanes;
        filled.sort_unstable();
        let mut gaps = Vec::new();
        let mut at = 0;
        for (s, e) in filled {
            if s > at {
                gaps.push((at, s));
            }
            at = e;
        }
        if at < ct.len() {
            gaps.push((at, ct.len()));
        }
        for (s, e) in gaps {
            let (iv, part) = range_of(ct, s, e)?;
            let p = self.decrypt(&iv, part)?;
            buf.get_mut(s..e)
                .ok_or_else(|| Error::Internal("range outside the held body".into()))?
                .copy_from_slice(&p);
        }
        Ok(buf)
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
        let skip = (self.bs as u64 + 2)
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
        if let Some(ct) = self.hold.take() {
            let r = self.end_held(&ct, out);
            // Kept for another key; else an empty hold still says "one pass".
            self.hold = Some(if self.mdc_failed {
                ct
            } else {
                SecretBuf::new(Vec::new())
            });
            return r;
        }
        if !self.partial.is_empty() {
            let ct = std::mem::take(&mut self.partial);
            let plain = self.decrypt(&self.prev, &ct)?;
            self.plain(&plain, out)?;
        }
        if self.seen < self.bs as u64 + 2 || self.tail.len() != MDC {
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

    /// One pass: the held body decrypted, its MDC checked, then its content
    /// parsed into `out`.
    fn end_held(&mut self, ct: &[u8], out: &mut PlainOut<'_>) -> Result<[u8; 20]> {
        let prefix = self.bs + 2;
        if ct.len() < prefix + MDC {
            return Err(Error::MalformedInput("SEIPDv1 packet too short".into()));
        }
        let h = match (self.joined.take(), self.lanes.take()) {
            (Some(h), _) => h,
            (None, Some(l)) => self.join_lanes(ct, l)?,
            (None, None) => self.decrypt(&self.prev, ct)?,
        };
        let verified = match self.digest.take() {
            Some(d) => mdc_ok(&h, |_| d),
            None => mdc_verified(&h),
        };
        if !verified {
            self.mdc_failed = true;
            return Err(Error::DecryptionFailed);
        }
        let end = h.len() - MDC;
        self.content
            .feed(h.get(prefix..end).unwrap_or_default(), out)?;
        let mut digest = [0u8; 20];
        digest.copy_from_slice(h.get(end + 2..).unwrap_or(&[0u8; 20]));
        Ok(digest)
    }
}

/// The IV (the ciphertext block before `start`, zero at 0) and `ct[start..end]`.
fn range_of(ct: &[u8], start: usize, end: usize) -> Result<([u8; 16], &[u8])> {
    if start % 16 != 0 || start > end || end > ct.len() {
        return Err(Error::InvalidArgument(format!(
            "range {start}..{end} is not block-aligned inside {} octets",
            ct.len()
        )));
    }
    let mut iv = [0u8; 16];
    if let Some(p) = start.checked_sub(16) {
        iv.copy_from_slice(ct.get(p..start).unwrap_or(&[0u8; 16]));
    }
    Ok((iv, ct.get(start..end).unwrap_or_default()))
}
