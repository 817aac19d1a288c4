//! One-shot SEIPDv1 (CFB + MDC) decryption with block-parallel AES.
//!
//! rPGP decrypts CFB one block at a time. Each plaintext block needs only the
//! ciphertext block before it (P_i = C_i xor E(C_{i-1}), C_0 = the zero IV), so
//! the cipher can run on many blocks per call: the bitsliced software AES that
//! Wasm uses computes two blocks per call anyway, and AES-NI pipelines eight
//! natively. The packet framing, session keys, inner packets, decompression and
//! signatures stay with rPGP; this only replaces the bulk decryption of AES
//! SEIPDv1 packets in binary one-shot messages, and returns `None` for
//! anything else so the caller takes the general path.
//!
//! Release rule unchanged: the whole packet is decrypted and its MDC checked
//! (in constant time) before any byte is parsed or released.

use std::io::Read;

use crate::simd_aes::{Aes128, Aes192, Aes256};
use aes_gcm::aes::cipher::consts::U16;
use aes_gcm::aes::cipher::{BlockEncrypt, BlockSizeUser, KeyInit};
use aes_gcm::aes::Block;
use pgp::packet::{Packet, PacketParser, SymEncryptedProtectedData};
use pgp::ser::Serialize;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::content::{read_inner, DecryptOptions};
use super::esk::{Candidates, SessionKey};
use super::keys::PrivateKey;
use crate::{Error, Result};

/// Length of the random prefix (one block plus two repeated octets).
pub(crate) const PREFIX: usize = 18;
/// MDC packet: tag octet 0xD3, length 0x14, 20-octet SHA-1.
pub(crate) const MDC: usize = 22;
/// Ciphertext processed per cipher call (keeps the key-stream buffer small).
const SEGMENT: usize = 64 * 1024;

/// The decrypted content of a SEIPDv1 packet (the inner packets), wiped on drop.
pub(crate) struct InnerPlaintext {
    buf: Zeroizing<Vec<u8>>,
    /// The inner packets are `buf[start..end]` (prefix and MDC around them).
    start: usize,
    end: usize,
}

impl InnerPlaintext {
    /// The inner packet octets (between the prefix and the MDC).
    pub(crate) fn packets(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }
}

/// Decrypts `message` when it is binary or armored and its encrypted data is
/// one SEIPDv1 packet. `None`: not such a message, use rPGP. Session-key
/// candidates come one at a time from the one search (each S2K derived once,
/// within the message's budget): a v4 SKESK cannot tell a wrong password, so
/// a candidate whose MDC fails makes way for the next.
pub(crate) fn try_decrypt(
    message: &[u8],
    opts: &DecryptOptions<'_>,
) -> Option<Result<InnerPlaintext>> {
    let dearmored = dearmor(message)?;
    let found = find_v1(dearmored.as_deref().unwrap_or(message))?;
    let keys: Vec<&PrivateKey> = opts.decryption_keys.clone();
    Some(decrypt_with_candidates(&found, &keys, opts))
}

fn decrypt_with_candidates(
    found: &FoundV1,
    keys: &[&PrivateKey],
    opts: &DecryptOptions<'_>,
) -> Result<InnerPlaintext> {
    let mut candidates = Candidates::from_bytes(&found.esk, keys, &opts.passwords, &opts.limits)?;
    let mut last = None;
    while let Some(sk) = candidates.next_key()? {
        match decrypt_any(&sk, found.body.data()) {
            Ok(inner) => return Ok(inner),
            Err(Error::DecryptionFailed) => last = Some(Error::DecryptionFailed),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| candidates.none_found()))
}

/// [`try_decrypt`] with the session key already known (the streaming
/// decryptor's buffered fallback).
pub(crate) fn try_decrypt_with_key(
    message: &[u8],
    sk: &SessionKey,
) -> Option<Result<InnerPlaintext>> {
    let dearmored = dearmor(message)?;
    let found = find_v1(dearmored.as_deref().unwrap_or(message))?;
    Some(decrypt_any(sk, found.body.data()))
}

/// Decrypts a SEIPDv1 body with `sk` and checks its MDC: AES block-parallel
/// here, other ciphers (CAST5, 3DES, Twofish, Camellia...) through rPGP.
fn decrypt_any(sk: &SessionKey, data: &[u8]) -> Result<InnerPlaintext> {
    if let Some(r) = decrypt_body(sk, data) {
        return r;
    }
    let Some(sym) = sk.sym() else {
        // A v6 session key names no cipher: it cannot be for SEIPDv1.
        return Err(Error::DecryptionFailed);
    };
    let bs = sym.block_size();
    if bs == 0 || sym.key_size() != sk.key().len() {
        return Err(Error::Unsupported(format!(
            "SEIPDv1 with cipher {}",
            u8::from(sym)
        )));
    }
    if data.len() < bs + 2 + MDC {
        return Err(Error::MalformedInput("SEIPDv1 packet too short".into()));
    }
    // rPGP's CheckFirst mode decrypts the whole body and checks the MDC
    // before the first octet comes out.
    let mode = pgp::types::Seipdv1ReadMode::CheckFirst {
        max_message_size: data.len(),
    };
    let mut body = Zeroizing::new(Vec::with_capacity(data.len()));
    let read = sym
        .stream_decryptor_protected(mode, sk.key(), data)
        .and_then(|mut r| r.read_to_end(&mut body).map_err(Into::into));
    match read {
        Ok(_) => {
            let end = body.len();
            Ok(InnerPlaintext {
                buf: body,
                start: 0,
                end,
            })
        }
        Err(pgp::errors::Error::Unsupported { message, .. }) => Err(Error::Unsupported(message)),
        Err(_) => Err(Error::DecryptionFailed),
    }
}

/// `Some(Some(binary))` for an armored message, `Some(None)` for binary input,
/// `None` when the armor does not decode.
fn dearmor(message: &[u8]) -> Option<Option<Vec<u8>>> {
    if !super::util::starts_after_whitespace(message, b"-----BEGIN PGP MESSAGE-----") {
        return Some(None);
    }
    let mut bin = Vec::with_capacity(message.len() / 4 * 3);
    pgp::armor::Dearmor::new(message)
        .read_to_end(&mut bin)
        .ok()?;
    Some(Some(bin))
}

struct FoundV1 {
    /// The session-key packets, re-serialized.
    esk: Vec<u8>,
    skesks: usize,
    body: SymEncryptedProtectedData,
}

/// The ESK packets and the SEIPDv1 packet of a binary message, when that is
/// all it holds (markers and padding aside).
fn find_v1(message: &[u8]) -> Option<FoundV1> {
    if message.first().is_none_or(|b| b & 0x80 == 0) {
        return None; // not OpenPGP packets
    }
    let mut esk = Vec::new();
    let mut skesks = 0usize;
    let mut body = None;
    for p in PacketParser::new(message) {
        match p.ok()? {
            Packet::SymEncryptedProtectedData(d) if body.is_none() && d.version() == 1 => {
                body = Some(d);
            }
            p
            @ (Packet::PublicKeyEncryptedSessionKey(_) | Packet::SymKeyEncryptedSessionKey(_))
                if body.is_none() =>
            {
                skesks += usize::from(matches!(p, Packet::SymKeyEncryptedSessionKey(_)));
                p.to_writer(&mut esk).ok()?;
            }
            Packet::Marker(_) | Packet::Padding(_) => {}
            _ => return None,
        }
    }
    Some(FoundV1 {
        esk,
        skesks,
        body: body?,
    })
}

/// Decrypts a SEIPDv1 body (after its version octet) and checks its MDC.
/// `None` for a non-AES session key or a body too short to hold prefix and MDC.
fn decrypt_body(sk: &SessionKey, data: &[u8]) -> Option<Result<InnerPlaintext>> {
    let sk = sk.to_bytes();
    let (&alg, key) = sk.split_first()?;
    if data.len() < PREFIX + MDC {
        return Some(Err(Error::MalformedInput(
            "SEIPDv1 packet too short".into(),
        )));
    }
    let plain = cfb_range(alg, key, &[0u8; 16], data)?;
    Some(check_mdc(plain))
}

/// CFB-decrypts `data` (the ciphertext following block `iv`) with an AES
/// session key: the host's AES when one is registered, else software. `None`
/// for a non-AES algorithm or a wrong key length.
pub(crate) fn cfb_range(
    alg: u8,
    key: &[u8],
    iv: &[u8; 16],
    data: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if !matches!((alg, key.len()), (7, 16) | (8, 24) | (9, 32)) {
        return None;
    }
    let native = super::native::native_bulk();
    let host = native
        .as_deref()
        .and_then(|n| cfb_decrypt_with(|ks| n.aes_ecb_encrypt(key, ks), iv, data));
    Some(match (host, key.len()) {
        (Some(p), _) => p,
        (None, 16) => cfb_decrypt(&Aes128::new_from_slice(key).ok()?, iv, data),
        (None, 24) => cfb_decrypt(&Aes192::new_from_slice(key).ok()?, iv, data),
        (None, _) => cfb_decrypt(&Aes256::new_from_slice(key).ok()?, iv, data),
    })
}

/// Checks the MDC of a whole decrypted body (host SHA-1 when registered).
fn check_mdc(plain: Zeroizing<Vec<u8>>) -> Result<InnerPlaintext> {
    let native = super::native::native_bulk();
    let sha1 = |d: &[u8]| -> [u8; 20] {
        native
            .as_deref()
            .and_then(|n| n.sha1(d))
            .unwrap_or_else(|| Sha1::digest(d).into())
    };
    if mdc_ok(&plain, sha1) {
        let end = plain.len().saturating_sub(MDC);
        Ok(InnerPlaintext {
            buf: plain,
            start: PREFIX,
            end,
        })
    } else {
        Err(Error::DecryptionFailed)
    }
}

/// A SEIPDv1 message opened for decryption in block ranges, so that several
/// threads (Wasm instances in Web Workers) can share the software AES: CFB
/// decryption of a range needs only the ciphertext block before it. The
/// session key is found here; [`finish`](Self::finish) checks the MDC over the
/// whole plaintext before anything is parsed or released, so a range left
/// out or decrypted wrongly is a `DECRYPTION_FAILED`, never output.
pub struct Seipd1Parts {
    /// Algorithm octet and AES key.
    key: Zeroizing<Vec<u8>>,
    ct: Vec<u8>,
    plain: Zeroizing<Vec<u8>>,
    /// Already decrypted (a non-AES cipher): the ciphertext is empty and
    /// [`finish`](Self::finish) only reads the content.
    ready: Option<InnerPlaintext>,
}

impl std::fmt::Debug for Seipd1Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seipd1Parts")
            .field("len", &self.ct.len())
            .finish_non_exhaustive()
    }
}

impl Seipd1Parts {
    /// Finds the session key of an AES SEIPDv1 message (binary or armored,
    /// its encrypted data one SEIPDv1 packet). `None`: not such a message (or
    /// a non-AES key); use the one-shot `decrypt`.
    pub fn open(message: &[u8], opts: &DecryptOptions<'_>) -> Option<Result<Self>> {
        let dearmored = dearmor(message)?;
        let found = find_v1(dearmored.as_deref().unwrap_or(message))?;
        // Several v4 password candidates: only the whole-message path can try
        // them in turn. Decided before any S2K runs, so nothing is repeated.
        if found.skesks > 0 && opts.passwords.len() + found.skesks > 2 {
            return None;
        }
        let keys: Vec<&PrivateKey> = opts.decryption_keys.clone();
        let sk = match Candidates::from_bytes(&found.esk, &keys, &opts.passwords, &opts.limits)
            .and_then(Candidates::first)
        {
            Ok(sk) => sk,
            Err(e) => return Some(Err(e)),
        };
        let key = Zeroizing::new(sk.to_bytes().to_vec());
        let ct = found.body.data().to_vec();
        let aes = matches!(
            (key.first(), key.len()),
            (Some(7), 17) | (Some(8), 25) | (Some(9), 33)
        );
        if ct.len() < PREFIX + MDC || !aes {
            // Not for ranges: decrypted here, now (the S2K is not repeated).
            return Some(decrypt_any(&sk, &ct).map(|inner| Seipd1Parts {
                key: Zeroizing::new(Vec::new()),
                ct: Vec::new(),
                plain: Zeroizing::new(Vec::new()),
                ready: Some(inner),
            }));
        }
        Some(Ok(Seipd1Parts {
            key,
            plain: Zeroizing::new(vec![0u8; ct.len()]),
            ct,
            ready: None,
        }))
    }

    /// The ciphertext (the packet body after its version octet).
    pub fn ciphertext(&self) -> &[u8] {
        &self.ct
    }

    /// The session key: algorithm octet (7, 8, 9 = AES-128/192/256) and key.
    pub fn session_key(&self) -> &[u8] {
        &self.key
    }

    /// The IV (previous ciphertext block, zero at 0) and ciphertext of a range.
    pub fn range(&self, start: usize, end: usize) -> Result<([u8; 16], &[u8])> {
        if start % 16 != 0 || start > end || end > self.ct.len() {
            return Err(Error::InvalidArgument(format!(
                "range {start}..{end} is not block-aligned inside {} octets",
                self.ct.len()
            )));
        }
        let mut iv = [0u8; 16];
        if let Some(p) = start.checked_sub(16) {
            iv.copy_from_slice(self.ct.get(p..start).unwrap_or(&[0u8; 16]));
        }
        Ok((iv, self.ct.get(start..end).unwrap_or_default()))
    }

    /// Decrypts ciphertext octets `start..end` here; `start` is a multiple of 16.
    pub fn decrypt_range(&mut self, start: usize, end: usize) -> Result<()> {
        let (iv, data) = self.range(start, end)?;
        let plain = cfb_decrypt_range(&self.key, &iv, data)?;
        if let Some(dst) = self.plain.get_mut(start..end) {
            dst.copy_from_slice(&plain);
        }
        Ok(())
    }

    /// Where the plaintext of every range goes (decrypted elsewhere with
    /// [`cfb_decrypt_range`] and copied in).
    pub fn plaintext_mut(&mut self) -> &mut [u8] {
        &mut self.plain
    }

    /// Checks the MDC over the whole plaintext, then reads the inner packets
    /// (decompressing, checking signatures) as the one-shot `decrypt`.
    pub fn finish(
        self,
        opts: &DecryptOptions<'_>,
    ) -> Result<(super::Plaintext, Vec<super::SignatureCheck>)> {
        let inner = match self.ready {
            Some(inner) => inner,
            None => check_mdc(self.plain)?,
        };
        read_inner(inner.packets(), opts)
    }
}

/// CFB decryption of a range for [`Seipd1Parts`] in another thread:
/// `session_key` as from [`Seipd1Parts::session_key`], `iv` the ciphertext
/// block before the range. Unauthenticated output: it must go back into
/// [`Seipd1Parts::plaintext_mut`], whose `finish` checks the MDC.
pub fn cfb_decrypt_range(
    session_key: &[u8],
    iv: &[u8; 16],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let (&alg, key) = session_key
        .split_first()
        .ok_or_else(|| Error::InvalidArgument("empty session key".into()))?;
    cfb_range(alg, key, iv, data)
        .ok_or_else(|| Error::InvalidArgument("not an AES session key".into()))
}

/// CFB decryption with a zero IV and no resynchronisation, many blocks per call.
fn cfb_decrypt<C: BlockEncrypt + BlockSizeUser<BlockSize = U16>>(
    cipher: &C,
    iv: &[u8; 16],
    data: &[u8],
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(data.to_vec());
    let mut ks: Zeroizing<Vec<Block>> = Zeroizing::new(Vec::with_capacity(SEGMENT / 16));
    let mut start = 0;
    while start < data.len() {
        let end = start.saturating_add(SEGMENT).min(data.len());
        ks.clear();
        // E input: the ciphertext block before each block (the IV, zero, first).
        let prev = match start.checked_sub(16) {
            Some(p) => data.get(p..end.saturating_sub(16)).unwrap_or_default(),
            None => {
                ks.push(Block::clone_from_slice(iv));
                data.get(..end.saturating_sub(16)).unwrap_or_default()
            }
        };
        ks.extend(prev.chunks_exact(16).map(Block::clone_from_slice));
        // A final partial block still needs its key stream.
        if ks.len() * 16 < end - start {
            let at = start + ks.len() * 16;
            ks.push(Block::clone_from_slice(data.get(at - 16..at).unwrap_or(iv)));
        }
        cipher.encrypt_blocks(ks.as_mut_slice());
        if let Some(o) = out.get_mut(start..end) {
            for (c, k) in o.chunks_mut(16).zip(ks.iter()) {
                crate::openpgp::util::xor_into(c, k);
            }
        }
        start = end;
    }
    out
}

/// CFB decryption (zero IV) with a host's AES-ECB: per segment, the key
/// stream is ECB of the ciphertext shifted by one block. `None` if the host
/// declines.
fn cfb_decrypt_with(
    ecb: impl Fn(&mut [u8]) -> bool,
    iv: &[u8; 16],
    data: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    const HOST_SEGMENT: usize = 1 << 20;
    let mut out = Zeroizing::new(vec![0u8; data.len()]);
    let mut ks: Vec<u8> = Vec::with_capacity(HOST_SEGMENT.min(data.len().saturating_add(16)));
    let mut start = 0;
    while start < data.len() {
        let end = start.saturating_add(HOST_SEGMENT).min(data.len());
        let blocks = (end - start).div_ceil(16);
        ks.clear();
        // E input: the ciphertext block before each block (the IV for the first).
        match start.checked_sub(16) {
            Some(p) => ks.extend_from_slice(data.get(p..start)?),
            None => ks.extend_from_slice(iv),
        }
        ks.extend_from_slice(data.get(start..start + (blocks - 1) * 16)?);
        if !ecb(&mut ks) || ks.len() != blocks * 16 {
            return None;
        }
        let o = out.get_mut(start..end)?;
        o.copy_from_slice(data.get(start..end)?);
        crate::openpgp::util::xor_into(o, &ks);
        start = end;
    }
    Some(out)
}

/// The last 22 octets are an MDC packet whose SHA-1 covers everything before
/// its hash (prefix, inner packets, 0xD3 0x14).
fn mdc_ok(plain: &[u8], sha1: impl Fn(&[u8]) -> [u8; 20]) -> bool {
    let n = plain.len();
    if n < MDC {
        return false;
    }
    let Some(hashed) = plain.get(..n.saturating_sub(20)) else {
        return false;
    };
    let Some(tail) = plain.get(n.saturating_sub(MDC)..) else {
        return false;
    };
    let digest = sha1(hashed);
    let header_ok = tail[..2].ct_eq(&[0xD3, 0x14]);
    let hash_ok = tail[2..].ct_eq(&digest[..]);
    bool::from(header_ok & hash_ok)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aes_gcm::aes::cipher::KeyIvInit;

    #[test]
    fn parallel_cfb_matches_sequential_cfb() {
        // Sequential reference: the `cfb-mode` crate rPGP uses.
        type Ref = cfb_mode::BufDecryptor<Aes256>;
        let key = [7u8; 32];
        for len in [
            0,
            1,
            15,
            16,
            17,
            18 + 22,
            SEGMENT - 1,
            SEGMENT,
            SEGMENT + 1,
            3 * SEGMENT + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
            let mut want = data.clone();
            Ref::new_from_slices(&key, &[0u8; 16])
                .unwrap()
                .decrypt(&mut want);
            let got = cfb_decrypt(&Aes256::new_from_slice(&key).unwrap(), &[0u8; 16], &data);
            assert_eq!(got.as_slice(), want.as_slice(), "length {len}");
        }
    }

    #[test]
    fn parts_decrypted_in_ranges_elsewhere_agree() {
        use crate::openpgp::{encrypt, EncryptOptions, SeipdChoice};
        for (n, armor) in [(0usize, false), (1000, true), (3_000_017, false)] {
            let data: Vec<u8> = (0..n).map(|i| (i % 241) as u8).collect();
            let (msg, opts) = v1_to_pw(&data, armor);
            let mut parts = Seipd1Parts::open(&msg, &opts).unwrap().unwrap();
            let len = parts.ciphertext().len();
            let a = len / 3 / 16 * 16;
            let b = 2 * len / 3 / 16 * 16;
            // Lane 1 here; lanes 2 and 3 "elsewhere", copied in.
            parts.decrypt_range(0, a).unwrap();
            for (s, e) in [(a, b), (b, len)] {
                let (iv, ct) = parts.range(s, e).unwrap();
                let p = cfb_decrypt_range(parts.session_key(), &iv, ct).unwrap();
                parts.plaintext_mut()[s..e].copy_from_slice(&p);
            }
            let (plain, sigs) = parts.finish(&opts).unwrap();
            assert_eq!(plain.to_vec().as_slice(), &data[..]);
            assert!(sigs.is_empty());

            // A range left out: the MDC fails, nothing is released.
            let mut parts = Seipd1Parts::open(&msg, &opts).unwrap().unwrap();
            parts.decrypt_range(0, a).unwrap();
            parts.decrypt_range(b, len).unwrap();
            if a < b {
                assert_eq!(parts.finish(&opts).unwrap_err().code(), "DECRYPTION_FAILED");
            }
        }
        let (msg, opts) = v1_to_pw(b"x", true);
        let mut parts = Seipd1Parts::open(&msg, &opts).unwrap().unwrap();
        assert_eq!(
            parts.decrypt_range(1, 16).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            parts.decrypt_range(0, 1 << 20).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert!(cfb_decrypt_range(&[2, 1, 2, 3], &[0; 16], b"abc").is_err());
        assert!(cfb_decrypt_range(&[], &[0; 16], b"abc").is_err());
        // Wrong password: the session key error, as decrypt gives it.
        let wrong = DecryptOptions {
            passwords: vec!["nope"],
            ..Default::default()
        };
        assert!(
            Seipd1Parts::open(&msg, &wrong).is_some_and(|r| r.is_err()) || {
                // A v4 SKESK cannot tell a wrong password; then the MDC does.
                let p = Seipd1Parts::open(&msg, &wrong).unwrap().unwrap();
                p.finish(&wrong).is_err()
            }
        );
        // SEIPDv2 is not for this path.
        let v2 = encrypt(
            b"x",
            &EncryptOptions {
                passwords: vec!["pw"],
                seipd: SeipdChoice::V2,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(Seipd1Parts::open(&v2, &opts).is_none());
    }

    /// A SEIPDv1 message to the password "pw", and options that open it.
    pub(crate) fn v1_to_pw(data: &[u8], armor: bool) -> (Vec<u8>, DecryptOptions<'static>) {
        use crate::openpgp::{encrypt, EncryptOptions, SeipdChoice};
        let opts = EncryptOptions {
            passwords: vec!["pw"],
            seipd: SeipdChoice::V1,
            armor,
            ..Default::default()
        };
        let dec = DecryptOptions {
            passwords: vec!["pw"],
            ..Default::default()
        };
        (encrypt(data, &opts).unwrap(), dec)
    }

    fn soft(d: &[u8]) -> [u8; 20] {
        Sha1::digest(d).into()
    }

    #[test]
    fn mdc_check_needs_header_and_hash() {
        let mut p = vec![1u8; 40];
        p.extend_from_slice(&[0xD3, 0x14]);
        let h = Sha1::digest(&p);
        p.extend_from_slice(&h);
        assert!(mdc_ok(&p, soft));
        let mut bad = p.clone();
        bad[5] ^= 1;
        assert!(!mdc_ok(&bad, soft));
        let mut bad = p.clone();
        bad[40] = 0xD2;
        assert!(!mdc_ok(&bad, soft));
        assert!(!mdc_ok(&p[..10], soft));
        assert!(!mdc_ok(&p[..1], soft));
        assert!(!mdc_ok(&[], soft));
    }
}
