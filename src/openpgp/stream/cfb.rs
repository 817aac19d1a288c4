//! The body of a streamed SEIPDv1 packet (CFB + MDC, RFC 9580 §5.13.1), with
//! the AES work done by a backend.
//!
//! CFB encryption is sequential: each block's key stream is E of the previous
//! ciphertext block. It is the same computation as CBC encryption shifted by
//! one block: with Y_0 = E(IV) and Y_i = E(P_i xor Y_{i-1}) (CBC encryption of
//! the plaintext with IV Y_0), the ciphertext is C_i = P_i xor Y_{i-1}, and
//! Y_i = E(C_i). WebCrypto offers AES-CBC running on AES instructions, so an
//! external backend computes Y for a whole batch in one call; here we keep
//! the plaintext, hash it for the MDC, xor and frame. Batches chain (the next
//! batch's IV is the last Y), so one job is outstanding at a time. SEIPDv1
//! uses an all-zero IV and no resynchronisation; Y_0 = E(0) is computed here.

use crate::scrub::SecretBuf;
use crate::simd_aes::AnyAes;
use aes_gcm::aes::Block;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use sha1::{Digest, Sha1};
use zeroize::{Zeroize, Zeroizing};

use super::framing::{PartialWriter, Sink};
use super::seipd2::{Backend, ChunkJob};
use crate::openpgp::util::xor_into;
use crate::{Error, Result};

/// A job is cut once this much plaintext waits (and nothing is outstanding).
const MIN_JOB: usize = 256 * 1024;
/// Upper bound of one job, to bound the memory a job holds.
const MAX_JOB: usize = 4 << 20;
/// Octets per partial body part of the outer packet (1 MiB, as for SEIPDv2).
const PART_LOG2: u8 = 20;
/// AES block size.
const BS: usize = 16;

/// The AES of a SEIPDv1 session key: `alg` must be AES and fit the key.
fn any_aes(alg: SymmetricKeyAlgorithm, key: &[u8]) -> Result<AnyAes> {
    use SymmetricKeyAlgorithm as S;
    if !matches!(alg, S::AES128 | S::AES192 | S::AES256) {
        return Err(Error::Unsupported(format!(
            "streamed SEIPDv1 is written with AES only, not {alg:?}"
        )));
    }
    if key.len() != alg.key_size() {
        return Err(Error::Internal("session key length".into()));
    }
    AnyAes::new(key).ok_or_else(|| Error::Internal("session key length".into()))
}

/// CBC encryption without padding of whole blocks, in place: the software
/// counterpart of what an external backend returns for a job.
fn cbc_in_place(aes: &AnyAes, iv: &[u8; BS], data: &mut [u8]) {
    let mut prev = Block::from(*iv);
    for block in data.chunks_exact_mut(BS) {
        for (p, y) in block.iter_mut().zip(prev.iter()) {
            *p ^= y;
        }
        let b = Block::from_mut_slice(block);
        aes.encrypt_block(b);
        prev.copy_from_slice(b);
    }
    prev.zeroize();
}

/// Encrypts the SEIPDv1 body: the caller puts the prefix and the inner packets
/// (as a [`Sink`]); [`close`](Self::close) adds the MDC. Ciphertext, framed as
/// one SEIPD packet with partial lengths, accumulates in `out`.
pub(crate) struct CfbBody {
    aes: AnyAes,
    key: Zeroizing<Vec<u8>>,
    pub backend: Backend,
    sha: Sha1,
    /// Plaintext not yet in a job.
    pend: SecretBuf,
    /// Plaintext of the outstanding job (needed to xor its result).
    inflight: Option<SecretBuf>,
    pub jobs: Vec<ChunkJob>,
    next_index: u64,
    /// E(last ciphertext block), E(IV) at first: the next job's CBC IV.
    y_prev: Zeroizing<[u8; BS]>,
    outer: PartialWriter,
    pub out: Vec<u8>,
    closed: bool,
    pub done: bool,
}

impl CfbBody {
    /// Starts the SEIPD packet (tag and version octet into `out`).
    pub fn new(alg: SymmetricKeyAlgorithm, key: &[u8], backend: Backend) -> Result<Self> {
        let aes = any_aes(alg, key)?;
        let mut y0 = Block::default();
        aes.encrypt_block(&mut y0);
        let mut out = Vec::new();
        let mut outer = PartialWriter::new(18, PART_LOG2, &mut out)?;
        outer.write(&[1], &mut out)?;
        let mut y_prev = Zeroizing::new([0u8; BS]);
        y_prev.copy_from_slice(&y0);
        y0.zeroize();
        Ok(CfbBody {
            aes,
            key: Zeroizing::new(key.to_vec()),
            backend,
            sha: Sha1::new(),
            pend: SecretBuf::new(Vec::new()),
            inflight: None,
            jobs: Vec::new(),
            next_index: 0,
            y_prev,
            outer,
            out,
            closed: false,
            done: false,
        })
    }

    /// The AES key, for an external backend.
    pub fn key(&self) -> Zeroizing<Vec<u8>> {
        self.key.clone()
    }

    /// Ends the plaintext: appends the MDC packet (0xD3 0x14 and the SHA-1 of
    /// everything before the hash) and queues the rest.
    pub fn close(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("finish called twice".into()));
        }
        self.put(&[0xD3, 0x14])?;
        self.closed = true;
        let digest = std::mem::take(&mut self.sha).finalize();
        self.pend.extend_from_slice(&digest);
        self.pump()
    }

    /// Takes the outstanding job's result: the CBC encryption (`Y`) of its
    /// plaintext, exactly `in_len` octets (any padding block dropped).
    pub fn complete(&mut self, y: &[u8]) -> Result<()> {
        let Some(mut plain) = self.inflight.take() else {
            return Err(Error::InvalidArgument("no job is outstanding".into()));
        };
        let n = plain.len();
        if y.len() != n || n == 0 {
            return Err(Error::InvalidArgument(format!(
                "job result of {} octets, expected {n}",
                y.len()
            )));
        }
        // C_i = P_i xor Y_{i-1}; the first block uses the job's IV.
        let (first, rest) = plain.split_at_mut(BS);
        xor_into(first, &self.y_prev[..]);
        xor_into(rest, y.get(..n - BS).unwrap_or_default());
        self.y_prev
            .copy_from_slice(y.get(n - BS..).unwrap_or(&[0u8; BS]));
        self.outer.write(&plain, &mut self.out)?;
        self.pump()
    }

    /// Cuts jobs while possible (and runs them with the Rust backend); at the
    /// end, encrypts the last partial block and closes the packet.
    fn pump(&mut self) -> Result<()> {
        while self.inflight.is_none() && !self.done {
            let whole = self.pend.len() / BS * BS;
            if whole > 0 && (self.closed || self.pend.len() >= MIN_JOB) {
                let n = whole.min(MAX_JOB);
                // Split off the job's plaintext (moving the short rest, not the job).
                let rest = SecretBuf::new(self.pend.get(n..).unwrap_or_default().to_vec());
                let plain = std::mem::replace(&mut self.pend, rest);
                let mut plain = plain;
                plain.truncate(n);
                let index = self.next_index;
                self.next_index += 1;
                match self.backend {
                    Backend::Rust => {
                        let mut y = SecretBuf::new(plain.to_vec());
                        cbc_in_place(&self.aes, &self.y_prev, &mut y);
                        self.inflight = Some(plain);
                        self.complete(&y)?;
                        // `complete` pumped already.
                        return Ok(());
                    }
                    Backend::External => {
                        self.jobs.push(ChunkJob {
                            index,
                            is_final: false,
                            nonce: self.y_prev.to_vec(),
                            ad: Vec::new(),
                            data: plain.to_vec(),
                            in_len: n,
                            out_len: n,
                        });
                        self.inflight = Some(plain);
                    }
                }
            } else if self.closed {
                // Fewer than 16 octets left: xor with E(last ciphertext block).
                let mut tail = std::mem::take(&mut *self.pend);
                xor_into(&mut tail, &self.y_prev[..]);
                self.outer.write(&tail, &mut self.out)?;
                tail.zeroize();
                self.outer.finish(&mut self.out)?;
                self.done = true;
            } else {
                break;
            }
        }
        Ok(())
    }
}

impl Sink for CfbBody {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("push after finish".into()));
        }
        self.sha.update(bytes);
        self.pend.extend_from_slice(bytes);
        self.pump()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd_aes::Aes256;
    use aes_gcm::aes::cipher::{AsyncStreamCipher, KeyIvInit};

    /// Our CBC-shifted CFB equals sequential CFB (the `cfb-mode` crate, as rPGP).
    #[test]
    fn cbc_shift_equals_cfb() {
        let key = [3u8; 32];
        for len in [
            0usize,
            1,
            15,
            16,
            17,
            40,
            MIN_JOB - 1,
            MIN_JOB + 21,
            MAX_JOB + 33,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 255) as u8).collect();
            for backend in [Backend::Rust, Backend::External] {
                let mut body = CfbBody::new(SymmetricKeyAlgorithm::AES256, &key, backend).unwrap();
                body.out.clear(); // header octets are checked elsewhere
                                  // Push in uneven pieces, running external jobs in software.
                let aes = any_aes(SymmetricKeyAlgorithm::AES256, &key).unwrap();
                let run = |body: &mut CfbBody| {
                    while let Some(j) = body.jobs.pop() {
                        let mut y = j.data.clone();
                        let iv: [u8; BS] = j.nonce.as_slice().try_into().unwrap();
                        cbc_in_place(&aes, &iv, &mut y);
                        body.complete(&y).unwrap();
                    }
                };
                for piece in data.chunks(100_003) {
                    body.put(piece).unwrap();
                    run(&mut body);
                }
                body.close().unwrap();
                run(&mut body);
                assert!(body.done);

                let mut plain = data.clone();
                plain.extend_from_slice(&[0xD3, 0x14]);
                let h = Sha1::digest(&plain);
                plain.extend_from_slice(&h);
                cfb_mode::Encryptor::<Aes256>::new_from_slices(&key, &[0u8; 16])
                    .unwrap()
                    .encrypt(&mut plain);
                // Strip the partial-length framing of `out`.
                let body_bytes = unframe(&body.out);
                assert_eq!(body_bytes[0], 1, "version octet");
                assert_eq!(&body_bytes[1..], &plain[..], "len {len} {backend:?}");
            }
        }
    }

    fn unframe(mut b: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        loop {
            let l0 = b[0];
            if (224..255).contains(&l0) {
                let n = 1usize << (l0 & 0x1f);
                v.extend_from_slice(&b[1..1 + n]);
                b = &b[1 + n..];
                continue;
            }
            let (n, h) = match l0 {
                0..=191 => (l0 as usize, 1),
                192..=223 => (((l0 as usize - 192) << 8) + b[1] as usize + 192, 2),
                _ => (u32::from_be_bytes(b[1..5].try_into().unwrap()) as usize, 5),
            };
            v.extend_from_slice(&b[h..h + n]);
            assert_eq!(b.len(), h + n);
            return v;
        }
    }

    #[test]
    fn job_misuse_is_an_error() {
        let mut body =
            CfbBody::new(SymmetricKeyAlgorithm::AES128, &[1u8; 16], Backend::External).unwrap();
        assert_eq!(
            body.complete(&[0u8; 16]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        body.put(&vec![5u8; MIN_JOB]).unwrap();
        let j = body.jobs.pop().unwrap();
        assert_eq!(
            body.complete(&j.data[..16]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert!(any_aes(SymmetricKeyAlgorithm::TripleDES, &[0u8; 24]).is_err());
    }
}
