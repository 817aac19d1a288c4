//! Push-style encryption into one SEIPDv2 packet with partial body lengths.

use std::collections::VecDeque;

use pgp::composed::RawSessionKey;
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{PacketTrait, PublicKeyEncryptedSessionKey, SymKeyEncryptedSessionKey};
use pgp::types::{Password, StringToKey};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use super::armor::ArmorWriter;
use super::framing::PartialWriter;
use super::seipd2::{Backend, ChunkJob, ChunkKeys, Seipd2Params, SALT_LEN, TAG_LEN};
use crate::kdf::KdfParams;
use crate::openpgp::encrypt::{choose_aead, plan};
use crate::openpgp::keys::parse_certs;
use crate::openpgp::util::parse_err;
use crate::openpgp::{EncryptOptions, Limits, SeipdChoice};
use crate::{Error, Result};

/// Default chunk size octet: 2^(12+6) = 256 KiB chunks, large enough that a
/// WebCrypto call per chunk costs little, small enough to bound memory.
pub const DEFAULT_CHUNK_SIZE_OCTET: u8 = 12;

/// Options for [`StreamEncryptor::new`].
#[derive(Debug, Default)]
pub struct StreamEncryptOptions<'a> {
    /// Recipients, passwords, armor, container choice and limits, as for
    /// one-shot [`crate::openpgp::encrypt`]. `signing_keys` must be empty (not
    /// supported while streaming: `UNSUPPORTED`).
    pub base: EncryptOptions<'a>,
    /// Force an AEAD mode (GCM or OCB) with AES-256. `None`: the recipients'
    /// preference (AES-256-GCM for passwords only and for our keys).
    pub aead: Option<AeadAlgorithm>,
    /// Chunk size octet (chunks of `2^(c+6)` octets); `None` = 12 (256 KiB).
    /// Allowed 10..=16 (64 KiB..4 MiB).
    pub chunk_size_octet: Option<u8>,
    /// Who runs the per-chunk AEAD. `External` only applies to GCM; other modes
    /// always run in Rust (see [`StreamEncryptor::backend`]).
    pub backend: Backend,
    /// Test hook: use this session key and salt instead of fresh random ones,
    /// so that two backends can be compared byte for byte. Never set it in
    /// production: reusing a session key and salt reuses nonces.
    #[doc(hidden)]
    pub fixed_session_key_and_salt: Option<(Zeroizing<Vec<u8>>, [u8; SALT_LEN])>,
}

enum Mode {
    V2(Box<V2Enc>),
    /// A recipient lacks SEIPDv2: collect up to the one-shot limit, then
    /// encrypt one-shot with the pgp module (SEIPDv1) at `finish`.
    Buffered(Box<BufferedEnc>),
}

struct BufferedEnc {
    keys: Vec<Vec<u8>>,
    passwords: Vec<Zeroizing<String>>,
    armor: bool,
    seipd: SeipdChoice,
    limits: Limits,
    data: Zeroizing<Vec<u8>>,
}

struct Pending {
    expect_len: usize,
    is_final: bool,
}

struct V2Enc {
    keys: ChunkKeys,
    backend: Backend,
    literal: PartialWriter,
    /// Literal packet octets not yet cut into chunks.
    plain: Zeroizing<Vec<u8>>,
    next_index: u64,
    total_plain: u64,
    outer: PartialWriter,
    jobs: Vec<ChunkJob>,
    pending: VecDeque<Pending>,
    closed: bool,
    done: bool,
}

/// Encrypts a stream of plaintext pushed in pieces into an OpenPGP message:
/// PKESKv6/SKESKv6 packets, then one SEIPDv2 packet (partial lengths) holding a
/// binary literal data packet (partial lengths). Output comes back from each
/// call; nothing blocks, so a Wasm worker can drive it.
pub struct StreamEncryptor {
    mode: Mode,
    armor: Option<ArmorWriter>,
    header: Vec<u8>,
    failed: bool,
}

impl std::fmt::Debug for StreamEncryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamEncryptor")
            .field("streaming", &self.is_streaming())
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl StreamEncryptor {
    /// Builds the encryptor: chooses algorithms, creates the session key and the
    /// ESK packets (returned by [`header`](Self::header)).
    pub fn new(opts: &StreamEncryptOptions<'_>) -> Result<Self> {
        let base = &opts.base;
        if base.encryption_keys.is_empty() && base.passwords.is_empty() {
            return Err(Error::InvalidArgument(
                "give at least one of encryptionKeys or passwords".into(),
            ));
        }
        if base.passwords.iter().any(|p| p.is_empty()) {
            return Err(Error::InvalidArgument("passwords must not be empty".into()));
        }
        if !base.signing_keys.is_empty() {
            return Err(Error::Unsupported(
                "signing while streaming is not supported; sign with sign() or use encrypt()"
                    .into(),
            ));
        }
        let c = opts.chunk_size_octet.unwrap_or(DEFAULT_CHUNK_SIZE_OCTET);
        if !(10..=16).contains(&c) {
            return Err(Error::InvalidArgument(format!(
                "chunk size octet {c} outside 10..=16"
            )));
        }
        let certs = parse_certs(&base.encryption_keys, &base.limits)?;
        let plan = plan(&certs, base.seipd)?;
        let mut armor = base.armor.then(ArmorWriter::new);
        if !plan.v2 {
            let mode = Mode::Buffered(Box::new(BufferedEnc {
                keys: base.encryption_keys.iter().map(|k| k.to_vec()).collect(),
                passwords: base
                    .passwords
                    .iter()
                    .map(|p| Zeroizing::new((*p).to_string()))
                    .collect(),
                armor: base.armor,
                seipd: base.seipd,
                limits: base.limits,
                data: Zeroizing::new(Vec::new()),
            }));
            // The one-shot path armors by itself.
            armor = None;
            return Ok(StreamEncryptor {
                mode,
                armor,
                header: Vec::new(),
                failed: false,
            });
        }
        let (sym, aead) = match opts.aead {
            None => choose_aead(&certs),
            Some(a @ (AeadAlgorithm::Gcm | AeadAlgorithm::Ocb)) => {
                let pair = (SymmetricKeyAlgorithm::AES256, a);
                if !certs.iter().all(|c| c.aead_prefs.contains(&pair)) {
                    return Err(Error::InvalidArgument(format!(
                        "a recipient does not accept AES-256 with {a:?}"
                    )));
                }
                pair
            }
            Some(a) => {
                return Err(Error::InvalidArgument(format!(
                    "AEAD mode {a:?} is not offered for writing; use GCM or OCB"
                )))
            }
        };
        let params = Seipd2Params {
            sym,
            aead,
            chunk_size_octet: c,
        };
        params.check()?;

        let mut sk = Zeroizing::new(vec![0u8; sym.key_size()]);
        let mut salt = [0u8; SALT_LEN];
        match &opts.fixed_session_key_and_salt {
            Some((k, s)) if k.len() == sk.len() => {
                sk.copy_from_slice(k);
                salt = *s;
            }
            Some(_) => {
                return Err(Error::InvalidArgument("fixed session key length".into()));
            }
            None => {
                OsRng.fill_bytes(&mut sk);
                OsRng.fill_bytes(&mut salt);
            }
        }
        let raw = RawSessionKey::from(&sk[..]);

        let mut out = Vec::new();
        for (cert, comp) in &plan.recipients {
            let pkesk = match comp.subkey_index {
                None => PublicKeyEncryptedSessionKey::from_session_key_v6(
                    OsRng,
                    &raw,
                    &cert.key.primary_key,
                ),
                Some(i) => match cert.key.public_subkeys.get(i) {
                    Some(s) => {
                        PublicKeyEncryptedSessionKey::from_session_key_v6(OsRng, &raw, &s.key)
                    }
                    None => return Err(Error::Internal("subkey index out of range".into())),
                },
            }
            .map_err(parse_err)?;
            pkesk.to_writer_with_header(&mut out).map_err(parse_err)?;
        }
        let kdf = KdfParams::default();
        for pw in &base.passwords {
            let s2k = StringToKey::new_argon2(
                OsRng,
                kdf.iterations as u8,
                kdf.parallelism as u8,
                kdf.memory_kib.ilog2() as u8,
            );
            let skesk = SymKeyEncryptedSessionKey::encrypt_v6(
                OsRng,
                &Password::from(*pw),
                &raw,
                s2k,
                sym,
                aead,
            )
            .map_err(parse_err)?;
            skesk.to_writer_with_header(&mut out).map_err(parse_err)?;
        }

        let keys = ChunkKeys::derive(params, &sk, &salt)?;
        let part_log2 = c + 6;
        let mut outer = PartialWriter::new(18, part_log2, &mut out);
        let h = params.header_octets();
        outer.write(h.get(1..).unwrap_or_default(), &mut out);
        outer.write(&salt, &mut out);

        let mut plain = Zeroizing::new(Vec::with_capacity(params.chunk_size() * 2));
        let mut literal = PartialWriter::new(11, part_log2, &mut plain);
        // Binary format, empty file name, date 0: nothing about the file leaks.
        literal.write(&[b'b', 0, 0, 0, 0, 0], &mut plain);

        let backend = if aead == AeadAlgorithm::Gcm {
            opts.backend
        } else {
            Backend::Rust
        };
        let header = match armor.as_mut() {
            Some(a) => a.write(&out),
            None => out,
        };
        Ok(StreamEncryptor {
            mode: Mode::V2(Box::new(V2Enc {
                keys,
                backend,
                literal,
                plain,
                next_index: 0,
                total_plain: 0,
                outer,
                jobs: Vec::new(),
                pending: VecDeque::new(),
                closed: false,
                done: false,
            })),
            armor,
            header,
            failed: false,
        })
    }

    /// The message's leading octets (ESK packets and the start of the SEIPD
    /// packet). Call once, before the output of `push`.
    pub fn header(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.header)
    }

    /// Whether the message is streamed (SEIPDv2) rather than buffered for a
    /// one-shot SEIPDv1 encryption (a recipient lacks SEIPDv2).
    pub fn is_streaming(&self) -> bool {
        matches!(self.mode, Mode::V2(_))
    }

    /// The backend actually in use (`External` only for GCM).
    pub fn backend(&self) -> Backend {
        match &self.mode {
            Mode::V2(v) => v.backend,
            Mode::Buffered(_) => Backend::Rust,
        }
    }

    /// The SEIPDv2 parameters, when streaming.
    pub fn params(&self) -> Option<Seipd2Params> {
        match &self.mode {
            Mode::V2(v) => Some(v.keys.params),
            Mode::Buffered(_) => None,
        }
    }

    /// The per-message AEAD key, for an external backend to import once (e.g.
    /// as a non-extractable WebCrypto key). `None` unless the backend is external.
    pub fn message_key(&self) -> Option<Zeroizing<Vec<u8>>> {
        match &self.mode {
            Mode::V2(v) if v.backend == Backend::External => Some(v.keys.key.clone()),
            _ => None,
        }
    }

    fn armored(&mut self, out: Vec<u8>) -> Vec<u8> {
        match self.armor.as_mut() {
            Some(a) => a.write(&out),
            None => out,
        }
    }

    fn guard(&self) -> Result<()> {
        if self.failed {
            return Err(Error::InvalidArgument(
                "the encryptor failed earlier and cannot continue".into(),
            ));
        }
        Ok(())
    }

    /// Adds plaintext; returns the ciphertext octets ready so far.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.guard()?;
        let r = match &mut self.mode {
            Mode::V2(v) => v.push(data),
            Mode::Buffered(b) => {
                if (b.data.len() + data.len()) as u64 > b.limits.max_message_size {
                    Err(Error::LimitExceeded(format!(
                        "a recipient does not support SEIPDv2, so the data must be buffered; \
                         it exceeds the one-shot limit of {} bytes",
                        b.limits.max_message_size
                    )))
                } else {
                    b.data.extend_from_slice(data);
                    Ok(Vec::new())
                }
            }
        };
        self.after(r)
    }

    fn after(&mut self, r: Result<Vec<u8>>) -> Result<Vec<u8>> {
        match r {
            Ok(out) => Ok(self.armored(out)),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    /// Ends the input. With the Rust backend returns all remaining octets. With
    /// the external backend it queues the last jobs; the remaining octets come
    /// from [`complete_job`](Self::complete_job) of the final one.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        self.guard()?;
        let r = match &mut self.mode {
            Mode::V2(v) => v.close(),
            Mode::Buffered(b) => {
                let keys: Vec<&[u8]> = b.keys.iter().map(|k| k.as_slice()).collect();
                let pws: Vec<&str> = b.passwords.iter().map(|p| p.as_str()).collect();
                let opts = EncryptOptions {
                    encryption_keys: keys,
                    passwords: pws,
                    signing_keys: Vec::new(),
                    armor: b.armor,
                    seipd: b.seipd,
                    limits: b.limits,
                };
                crate::openpgp::encrypt(&b.data, &opts)
            }
        };
        let mut out = self.after(r)?;
        if self.is_done() {
            if let Some(a) = self.armor.as_mut() {
                out.extend(a.finish());
            }
        }
        Ok(out)
    }

    /// True once the whole message has been produced.
    pub fn is_done(&self) -> bool {
        match &self.mode {
            Mode::V2(v) => v.done,
            Mode::Buffered(_) => true,
        }
    }

    /// Jobs waiting for the external backend, in order.
    pub fn take_jobs(&mut self) -> Vec<ChunkJob> {
        match &mut self.mode {
            Mode::V2(v) => std::mem::take(&mut v.jobs),
            Mode::Buffered(_) => Vec::new(),
        }
    }

    /// Returns the sealed result (ciphertext + tag) of the oldest outstanding
    /// job; returns the output octets now ready (all remaining octets after the
    /// final job).
    pub fn complete_job(&mut self, sealed: &[u8]) -> Result<Vec<u8>> {
        self.guard()?;
        let r = match &mut self.mode {
            Mode::V2(v) => v.complete(sealed),
            Mode::Buffered(_) => Err(Error::InvalidArgument("no job is outstanding".into())),
        };
        let mut out = self.after(r)?;
        if self.is_done() {
            if let Some(a) = self.armor.as_mut() {
                out.extend(a.finish());
            }
        }
        Ok(out)
    }
}

impl V2Enc {
    fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        if self.closed {
            return Err(Error::InvalidArgument("push after finish".into()));
        }
        self.literal.write(data, &mut self.plain);
        self.cut(false)
    }

    /// Cuts full chunks (all remaining octets when `last`) into jobs; runs them
    /// now with the Rust backend.
    fn cut(&mut self, last: bool) -> Result<Vec<u8>> {
        let c = self.keys.params.chunk_size();
        let mut out = Vec::new();
        let mut pos = 0;
        while self.plain.len() - pos >= c || (last && self.plain.len() > pos) {
            let end = (pos + c).min(self.plain.len());
            let chunk = self.plain.get(pos..end).unwrap_or_default().to_vec();
            pos = end;
            self.total_plain += chunk.len() as u64;
            let job = ChunkJob {
                index: self.next_index,
                is_final: false,
                nonce: self.keys.nonce(self.next_index),
                ad: self.keys.chunk_ad(),
                data: chunk,
            };
            self.next_index += 1;
            self.run(job, &mut out)?;
        }
        self.plain.drain(..pos);
        if last {
            let job = ChunkJob {
                index: self.next_index,
                is_final: true,
                nonce: self.keys.nonce(self.next_index),
                ad: self.keys.final_ad(self.total_plain),
                data: Vec::new(),
            };
            self.run(job, &mut out)?;
        }
        Ok(out)
    }

    fn run(&mut self, mut job: ChunkJob, out: &mut Vec<u8>) -> Result<()> {
        match self.backend {
            Backend::Rust => {
                self.keys.seal(&job.nonce, &job.ad, &mut job.data)?;
                self.emit(&job.data, job.is_final, out);
            }
            Backend::External => {
                self.pending.push_back(Pending {
                    expect_len: job.data.len() + TAG_LEN,
                    is_final: job.is_final,
                });
                self.jobs.push(job);
            }
        }
        Ok(())
    }

    fn emit(&mut self, sealed: &[u8], is_final: bool, out: &mut Vec<u8>) {
        self.outer.write(sealed, out);
        if is_final {
            self.outer.finish(out);
            self.done = true;
        }
    }

    fn close(&mut self) -> Result<Vec<u8>> {
        if self.closed {
            return Err(Error::InvalidArgument("finish called twice".into()));
        }
        self.closed = true;
        self.literal.finish(&mut self.plain);
        self.cut(true)
    }

    fn complete(&mut self, sealed: &[u8]) -> Result<Vec<u8>> {
        let Some(p) = self.pending.pop_front() else {
            return Err(Error::InvalidArgument("no job is outstanding".into()));
        };
        if sealed.len() != p.expect_len {
            return Err(Error::InvalidArgument(format!(
                "job result of {} octets, expected {}",
                sealed.len(),
                p.expect_len
            )));
        }
        let mut out = Vec::new();
        self.emit(sealed, p.is_final, &mut out);
        Ok(out)
    }
}
