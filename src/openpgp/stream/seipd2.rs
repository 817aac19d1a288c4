//! SEIPDv2 chunk bookkeeping (RFC 9580 §5.13.2): key schedule, nonces,
//! associated data, final tag, and the pure-Rust per-chunk AEAD.
//!
//! Key schedule: HKDF-SHA256(ikm = session key, salt = 32-byte packet salt,
//! info = the five header octets) yields the message key followed by an IV of
//! `nonce_len - 8` octets. Chunk `i`'s nonce is IV followed by `i` as an 8-octet
//! big-endian number (for every mode: EAX, OCB and GCM alike in SEIPDv2; only the
//! older draft's packet 20 XORed). Each chunk's associated data is the five header
//! octets; the final tag authenticates the empty string under nonce index = chunk
//! count with the header octets followed by the total plaintext length (8 octets).

use bytes::BytesMut;
use hkdf::Hkdf;
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::simd_aes::ocb::AesOcb;
use crate::simd_aes::{gcm_open, gcm_seal};
use crate::{Error, Result};

/// Authentication tag length of every SEIPDv2 mode.
pub const TAG_LEN: usize = 16;
/// Salt length in the SEIPDv2 header.
pub const SALT_LEN: usize = 32;
/// New-format tag octet of packet type 18 (SEIPD).
pub(crate) const SEIPD_TAG_OCTET: u8 = 0xC0 | 18;

/// The algorithms and chunk size of one SEIPDv2 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seipd2Params {
    /// Cipher (AES-128/192/256).
    pub sym: SymmetricKeyAlgorithm,
    /// AEAD mode (GCM, OCB or EAX).
    pub aead: AeadAlgorithm,
    /// Chunk size octet `c`: chunks hold `2^(c+6)` plaintext octets.
    pub chunk_size_octet: u8,
}

impl Seipd2Params {
    /// Checks that we can process these algorithms and chunk size, before any
    /// key derivation (rPGP panics on unknown AEAD modes; we refuse them here).
    pub fn check(&self) -> Result<()> {
        use SymmetricKeyAlgorithm as S;
        if !matches!(self.sym, S::AES128 | S::AES192 | S::AES256) {
            return Err(Error::Unsupported(format!(
                "SEIPDv2 with cipher {}",
                u8::from(self.sym)
            )));
        }
        if !matches!(
            self.aead,
            AeadAlgorithm::Gcm | AeadAlgorithm::Ocb | AeadAlgorithm::Eax
        ) {
            return Err(Error::Unsupported(format!(
                "SEIPDv2 with AEAD mode {}",
                u8::from(self.aead)
            )));
        }
        // RFC 9580 §5.13.2: c ranges over 0..=16 (64 B .. 4 MiB).
        if self.chunk_size_octet > 16 {
            return Err(Error::MalformedInput(format!(
                "SEIPDv2 chunk size octet {} is over 16",
                self.chunk_size_octet
            )));
        }
        Ok(())
    }

    /// Plaintext octets per chunk.
    pub fn chunk_size(&self) -> usize {
        1usize << (u32::from(self.chunk_size_octet) + 6)
    }

    /// The five octets used as HKDF info and as chunk associated data.
    pub fn header_octets(&self) -> [u8; 5] {
        [
            SEIPD_TAG_OCTET,
            2,
            self.sym.into(),
            self.aead.into(),
            self.chunk_size_octet,
        ]
    }

    fn nonce_len(&self) -> usize {
        match self.aead {
            AeadAlgorithm::Eax => 16,
            AeadAlgorithm::Ocb => 15,
            _ => 12,
        }
    }
}

/// Per-message key material; wiped on drop.
pub(crate) struct ChunkKeys {
    pub params: Seipd2Params,
    pub key: Zeroizing<Vec<u8>>,
    iv: Zeroizing<Vec<u8>>,
    /// The OCB key when the mode is OCB, expanded once per message (our
    /// batched OCB over the AES of the build: bitsliced `simd128` in Wasm).
    ocb: Option<Box<AesOcb>>,
}

impl std::fmt::Debug for ChunkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkKeys")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl ChunkKeys {
    /// Derives the message key and IV from the session key and salt.
    pub fn derive(params: Seipd2Params, session_key: &[u8], salt: &[u8]) -> Result<Self> {
        params.check()?;
        let key_len = params.sym.key_size();
        if session_key.len() != key_len {
            // A v6 ESK carries no cipher octet: a key of the wrong length means the
            // ESK did not belong to this packet (or was forged).
            return Err(Error::DecryptionFailed);
        }
        let iv_len = params.nonce_len() - 8;
        let mut okm = Zeroizing::new(vec![0u8; key_len + iv_len]);
        Hkdf::<Sha256>::new(Some(salt), session_key)
            .expand(&params.header_octets(), &mut okm)
            .map_err(|_| Error::Internal("HKDF output length".into()))?;
        let (k, iv) = okm.split_at(key_len);
        let ocb = match params.aead {
            AeadAlgorithm::Ocb => Some(Box::new(AesOcb::new(k)?)),
            _ => None,
        };
        Ok(ChunkKeys {
            params,
            key: Zeroizing::new(k.to_vec()),
            iv: Zeroizing::new(iv.to_vec()),
            ocb,
        })
    }

    /// Nonce of chunk `index` (the final tag uses index = chunk count).
    pub fn nonce(&self, index: u64) -> Vec<u8> {
        let mut n = Vec::with_capacity(self.params.nonce_len());
        n.extend_from_slice(&self.iv);
        n.extend_from_slice(&index.to_be_bytes());
        n
    }

    /// Associated data of a regular chunk.
    pub fn chunk_ad(&self) -> Vec<u8> {
        self.params.header_octets().to_vec()
    }

    /// Associated data of the final tag.
    pub fn final_ad(&self, total_plaintext: u64) -> Vec<u8> {
        let mut ad = self.chunk_ad();
        ad.extend_from_slice(&total_plaintext.to_be_bytes());
        ad
    }

    /// Seals a job in place (pure Rust): `data[..in_len]` plaintext becomes
    /// ciphertext and the tag fills `data[in_len..in_len + TAG_LEN]`.
    pub fn seal_job(&self, job: &mut ChunkJob) -> Result<()> {
        use SymmetricKeyAlgorithm as S;
        let n = job.in_len;
        job.data.resize(n + TAG_LEN, 0);
        let (buf, tag_out) = job.data.split_at_mut(n);
        let tag = match (self.params.aead, self.params.sym) {
            (AeadAlgorithm::Gcm, S::AES256 | S::AES128) => {
                gcm_seal(&self.key, &gcm_nonce(&job.nonce)?, &job.ad, buf)
                    .ok_or_else(|| Error::Internal("AEAD encryption failed".into()))?
                    .to_vec()
            }
            (AeadAlgorithm::Ocb, _) => self
                .ocb
                .as_ref()
                .ok_or_else(|| Error::Internal("OCB key not expanded".into()))?
                .seal(&job.nonce, &job.ad, buf)?
                .to_vec(),
            _ => {
                let mut b = BytesMut::from(&buf[..]);
                self.params
                    .aead
                    .encrypt_in_place(&self.params.sym, &self.key, &job.nonce, &job.ad, &mut b)
                    .map_err(|_| Error::Internal("AEAD encryption failed".into()))?;
                let (ct, tag) = b.split_at(n.min(b.len()));
                buf.copy_from_slice(ct);
                tag.to_vec()
            }
        };
        if tag.len() != TAG_LEN {
            return Err(Error::Internal("AEAD tag length".into()));
        }
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    /// Opens a job in place (pure Rust): `data[..out_len]` becomes plaintext.
    /// Any failure is [`Error::DecryptionFailed`].
    pub fn open_job(&self, job: &mut ChunkJob) -> Result<()> {
        use SymmetricKeyAlgorithm as S;
        let n = job.out_len;
        if job.data.len() != n + TAG_LEN {
            return Err(Error::DecryptionFailed);
        }
        let (buf, tag) = job.data.split_at_mut(n);
        match (self.params.aead, self.params.sym) {
            (AeadAlgorithm::Gcm, S::AES256 | S::AES128) => {
                let tag: &[u8; TAG_LEN] =
                    (&*tag).try_into().map_err(|_| Error::DecryptionFailed)?;
                let nonce = gcm_nonce(&job.nonce).map_err(|_| Error::DecryptionFailed)?;
                gcm_open(&self.key, &nonce, &job.ad, buf, tag)
                    .then_some(())
                    .ok_or(Error::DecryptionFailed)
            }
            (AeadAlgorithm::Ocb, _) => self
                .ocb
                .as_ref()
                .ok_or(Error::DecryptionFailed)?
                .open(&job.nonce, &job.ad, buf, tag)
                .map_err(|_| Error::DecryptionFailed),
            _ => {
                let mut b = BytesMut::from(&job.data[..]);
                self.params
                    .aead
                    .decrypt_in_place(&self.params.sym, &self.key, &job.nonce, &job.ad, &mut b)
                    .map_err(|_| Error::DecryptionFailed)?;
                let pt = job.data.get_mut(..n).ok_or(Error::DecryptionFailed)?;
                pt.copy_from_slice(b.get(..n).ok_or(Error::DecryptionFailed)?);
                zeroize::Zeroize::zeroize(&mut b[..]);
                Ok(())
            }
        }
    }
}

/// A GCM nonce (12 octets, RFC 9580 §5.13.2's nonce length for GCM).
fn gcm_nonce(nonce: &[u8]) -> Result<[u8; 12]> {
    nonce
        .try_into()
        .map_err(|_| Error::Internal("GCM nonce length".into()))
}

/// One unit of AEAD work handed to a backend: seal or open `data` with `nonce`
/// and `ad`. For sealing `data` is plaintext and the result is ciphertext plus
/// tag; for opening the reverse. The final tag is a job with empty plaintext.
pub struct ChunkJob {
    /// Chunk index (the final tag's index is the chunk count).
    pub index: u64,
    /// Whether this is the final-tag job.
    pub is_final: bool,
    /// AEAD nonce.
    pub nonce: Vec<u8>,
    /// AEAD associated data.
    pub ad: Vec<u8>,
    /// The job's buffer: input in `data[..in_len]`; the result is written in
    /// place into `data[..out_len]` (sealing: `data` has room for the tag).
    pub data: Vec<u8>,
    /// Input length (plaintext to seal, or ciphertext with tag to open).
    pub in_len: usize,
    /// Result length (ciphertext with tag, or plaintext).
    pub out_len: usize,
}

impl std::fmt::Debug for ChunkJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkJob")
            .field("index", &self.index)
            .field("is_final", &self.is_final)
            .field("len", &self.data.len())
            .finish()
    }
}

/// Who runs the per-chunk AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// Pure Rust, inside `push`/`finish` (native code and the fallback everywhere).
    #[default]
    Rust,
    /// The caller: jobs are handed out with `take_jobs` and their results
    /// returned in order with `complete_job` (WebCrypto in the browser).
    External,
}
