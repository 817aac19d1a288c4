//! SEIPDv1 decrypted in block ranges by several threads (the browsers'
//! one-shot `decrypt` shares the software AES between the page and the stream
//! worker): CFB decryption of a range needs only the ciphertext block before
//! it (`cfb_mdc.rs`). The session key comes from the one search (`esk.rs`);
//! `finish` checks the MDC over the whole plaintext (in constant time) before
//! any byte is parsed, and the content is parsed by the engine's inner parser
//! (`stream::read_packets`), as for every other message. Not done yet: the
//! outer packets are still found here with rPGP's packet parser, not by the
//! engine's.

use std::io::Read;

use pgp::packet::{Packet, PacketParser, SymEncryptedProtectedData};
use pgp::ser::Serialize;
use zeroize::Zeroizing;

use super::cfb_mdc::{cfb_decrypt_range, cfb_range, mdc_verified, MDC};
use super::content::DecryptOptions;
use super::esk::{Candidates, SessionKey};
use super::keys::parse_certs;
use super::keys::PrivateKey;
use crate::{Error, Result};

/// Length of the random prefix (one block plus two repeated octets).
pub(crate) const PREFIX: usize = 18;

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

/// Decrypts a SEIPDv1 body with `sk` and checks its MDC: AES block-parallel
/// (`cfb_mdc.rs`), other ciphers (CAST5, 3DES, Twofish, Camellia...) through
/// rPGP's CFB.
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
    // The whole body decrypted (plain CFB: the IV is zero and SEIPDv1 does not
    // resynchronise), its MDC checked before anything is parsed.
    let mut body = Zeroizing::new(data.to_vec());
    sym.decrypt_with_iv_regular(sk.key(), &vec![0u8; bs], &mut body)
        .map_err(|_| Error::Unsupported(format!("SEIPDv1 with cipher {}", u8::from(sym))))?;
    if !mdc_verified(&body) {
        return Err(Error::DecryptionFailed);
    }
    let end = body.len() - MDC;
    Ok(InnerPlaintext {
        buf: body,
        start: bs + 2,
        end,
    })
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

/// Checks the MDC of a whole decrypted body (host SHA-1 when registered).
fn check_mdc(plain: Zeroizing<Vec<u8>>) -> Result<InnerPlaintext> {
    if mdc_verified(&plain) {
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
        // The engine's inner parser, as for every other message.
        let certs = parse_certs(&opts.verification_keys, &opts.limits)?;
        super::stream::read_packets(inner.packets(), &certs, &opts.limits)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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
}
