//! Push-style encryption into one SEIPD packet with partial body lengths:
//! SEIPDv2 (AEAD chunks) when every recipient supports it, else SEIPDv1 (CFB +
//! MDC, see [`super::cfb`]).

use std::collections::VecDeque;

use pgp::composed::RawSessionKey;
use pgp::crypto::aead::AeadAlgorithm;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{PacketTrait, PublicKeyEncryptedSessionKey, SymKeyEncryptedSessionKey};
use pgp::types::{Password, StringToKey};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use super::cfb::CfbBody;
use super::framing::{definite_framed_len, Layout, PartialWriter, SegWriter, Sink, MAX_DEFINITE};
use super::seipd2::{Backend, ChunkJob, ChunkKeys, Seipd2Params, SALT_LEN, TAG_LEN};
use super::signer::{OnePassSpec, SignHash};
use crate::kdf::KdfParams;
use crate::openpgp::armor::ArmorWriter;
use crate::openpgp::encrypt::{choose_aead, choose_sym_v1, plan, Plan};
use crate::openpgp::esk::SessionKey;
use crate::openpgp::keys::parse_certs;
use crate::openpgp::policy::Cert;
use crate::openpgp::util::parse_err;
use crate::openpgp::EncryptOptions;
use crate::{Error, Result};

/// Default chunk size octet: 2^(12+6) = 256 KiB chunks, large enough that a
/// WebCrypto call per chunk costs little, small enough to bound memory.
pub const DEFAULT_CHUNK_SIZE_OCTET: u8 = 12;

/// Options for [`StreamEncryptor::new`].
#[derive(Debug, Default)]
pub struct StreamEncryptOptions<'a> {
    /// Recipients, passwords, armor, container choice and limits, as for
    /// one-shot [`crate::openpgp::encrypt`]. `signing_keys` must be empty:
    /// streams are signed through `one_pass`.
    pub base: EncryptOptions<'a>,
    /// One-pass signatures (from a [`super::StreamSigner`]): their OPS
    /// packets go before the literal data, which is hashed as it is pushed;
    /// after `finish`, [`signature_digests`](StreamEncryptor::signature_digests)
    /// go to the signer and its packets come back through
    /// [`add_signatures`](StreamEncryptor::add_signatures).
    pub one_pass: Vec<OnePassSpec>,
    /// Force an AEAD mode (GCM or OCB) with AES-256. `None`: the recipients'
    /// preference (AES-256-GCM for passwords only and for our keys).
    pub aead: Option<AeadAlgorithm>,
    /// Chunk size octet (chunks of `2^(c+6)` octets); `None` = 12 (256 KiB).
    /// Allowed 10..=16 (64 KiB..4 MiB).
    pub chunk_size_octet: Option<u8>,
    /// Who runs the bulk AES. `External` applies to GCM chunks and to SEIPDv1
    /// with AES-128/256 (AES-CBC jobs); OCB and AES-192 always run in Rust
    /// (see [`StreamEncryptor::backend`]).
    pub backend: Backend,
    /// Keep the session key for [`session_key`](StreamEncryptor::session_key)
    /// (`encrypt --session-key-out`); otherwise only the keys derived from it
    /// are held.
    pub session_key_out: bool,
    /// The data's length, where it is known in advance (the one-shot
    /// `encrypt`): the literal data packet then has a definite length (below
    /// 4 GiB), which lets a reader size its result from the first chunk, and
    /// pushing more or less data than this is an error.
    pub data_len: Option<u64>,
    /// Test hook (cargo feature `test-hooks`, enabled only by this crate's own
    /// tests, so release builds cannot reach it): use this session key and
    /// salt instead of fresh random ones, so that two backends can be compared
    /// byte for byte. Reusing a session key and salt reuses nonces.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fixed_session_key_and_salt: Option<(Zeroizing<Vec<u8>>, [u8; SALT_LEN])>,
}

enum Mode {
    V2(Box<V2Enc>),
    /// A recipient lacks SEIPDv2 (or `seipd: v1` was asked): SEIPDv1, AES-CFB
    /// with an MDC, streamed just the same.
    V1(Box<V1Enc>),
}

struct V1Enc {
    literal: PartialWriter,
    body: CfbBody,
    closed: bool,
}

/// Where a signed stream is at its end.
enum Signing {
    /// Hashing the literal data as it is pushed.
    Hashing(SignHash),
    /// The literal data ended: the digests wait for the signer.
    Digests(Vec<Vec<u8>>),
    /// The signatures were written.
    Done,
}

struct Pending {
    expect_len: usize,
    is_final: bool,
}

/// Cuts the literal packet octets into chunks and frames sealed chunks into
/// the outer SEIPD packet.
struct Chunker {
    keys: ChunkKeys,
    backend: Backend,
    /// The chunk being filled (capacity: chunk + tag).
    cur: Vec<u8>,
    next_index: u64,
    total_plain: u64,
    outer: SegWriter,
    jobs: Vec<ChunkJob>,
    pending: VecDeque<Pending>,
    done: bool,
    /// Ciphertext ready for the caller (our octets plus, after
    /// `complete_job_held`, references to sealed chunks the caller holds).
    out: Layout,
}

struct V2Enc {
    literal: PartialWriter,
    chunker: Chunker,
    closed: bool,
}

/// Octets of a packet that [`PartialWriter`] writes for a body of `body`
/// octets: tag, the body, one length octet per full part, and the final
/// definite length (1, 2 or 5 octets).
fn partial_framed_len(body: u64, part_log2: u8) -> u64 {
    let part = 1u64 << part_log2;
    let rest = body % part;
    let last = match rest {
        0..192 => 1,
        192..8384 => 2,
        _ => 5,
    };
    1 + body + body / part + last
}

/// Literal packet body octets before the data: binary format, empty file
/// name, date 0 (nothing about the file leaks).
const LITERAL_HEAD: [u8; 6] = [b'b', 0, 0, 0, 0, 0];

/// Starts the literal data packet in `sink`: a definite length when the data's
/// length is known and fits one, else partial lengths.
fn start_literal<S: Sink>(data_len: Option<u64>, sink: &mut S) -> Result<PartialWriter> {
    let mut literal = match literal_body(data_len) {
        Some(body) => PartialWriter::definite(11, body, sink)?,
        None => PartialWriter::new(11, PART_LOG2, sink)?,
    };
    literal.write(&LITERAL_HEAD, sink)?;
    Ok(literal)
}

/// The literal packet's body length when it is written with a definite length.
fn literal_body(data_len: Option<u64>) -> Option<u64> {
    data_len
        .and_then(|n| n.checked_add(LITERAL_HEAD.len() as u64))
        .filter(|&b| b <= MAX_DEFINITE)
}

/// Octets of the literal data packet for `data_len` octets of data.
fn literal_len(data_len: u64, definite: bool) -> u64 {
    match literal_body(Some(data_len)) {
        Some(body) if definite => definite_framed_len(body),
        _ => partial_framed_len(LITERAL_HEAD.len() as u64 + data_len, PART_LOG2),
    }
}

/// Octets per partial body part (outer and literal): 1 MiB. At most one part
/// is staged before its length octet can be written, so this bounds the extra
/// memory; large parts mean few length octets inside a 256 KiB chunk, so a
/// sealed chunk leaves as at most a few views of the WebCrypto result (and a
/// decrypted chunk as few views of the plaintext) instead of many small pieces.
const PART_LOG2: u8 = 20;

/// Encrypts a stream of plaintext pushed in pieces into an OpenPGP message:
/// PKESKv6/SKESKv6 packets, then one SEIPDv2 packet (partial lengths) holding a
/// binary literal data packet (partial lengths). Output comes back from each
/// call; nothing blocks, so a Wasm worker can drive it.
pub struct StreamEncryptor {
    mode: Mode,
    /// `None` for an unsigned stream.
    signing: Option<Signing>,
    armor: Option<ArmorWriter>,
    header: Vec<u8>,
    /// Octets of the header, for [`exact_length`](Self::exact_length).
    header_len: usize,
    /// [`StreamEncryptOptions::data_len`], for [`exact_length`](Self::exact_length).
    data_len: Option<u64>,
    failed: bool,
    footer_written: bool,
    /// Only with [`StreamEncryptOptions::session_key_out`].
    session_key: Option<SessionKey>,
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
            return Err(Error::InvalidArgument(
                "streams are signed through one_pass (a StreamSigner), not signing_keys".into(),
            ));
        }
        let signing = if opts.one_pass.is_empty() {
            None
        } else {
            Some(Signing::Hashing(SignHash::new(&opts.one_pass)?))
        };
        let c = opts.chunk_size_octet.unwrap_or(DEFAULT_CHUNK_SIZE_OCTET);
        if !(10..=16).contains(&c) {
            return Err(Error::InvalidArgument(format!(
                "chunk size octet {c} outside 10..=16"
            )));
        }
        let certs = parse_certs(&base.encryption_keys, &base.limits)?;
        let plan = plan(&certs, base.seipd)?;
        let mut armor = base.armor.then(|| match plan.v2 {
            true => ArmorWriter::new(),
            false => ArmorWriter::with_crc(),
        });
        if !plan.v2 {
            if opts.aead.is_some() {
                return Err(Error::InvalidArgument(
                    "aead was given, but the message is SEIPDv1 (a recipient lacks SEIPDv2, \
                     or seipd: \"v1\")"
                        .into(),
                ));
            }
            let (v1, esk, session_key) = V1Enc::new(opts, &certs, &plan)?;
            let header = match armor.as_mut() {
                Some(a) => a.write(&esk),
                None => esk,
            };
            return Ok(StreamEncryptor {
                mode: Mode::V1(Box::new(v1)),
                signing,
                armor,
                header_len: header.len(),
                data_len: opts.data_len,
                header,
                failed: false,
                footer_written: false,
                session_key,
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
        OsRng.fill_bytes(&mut sk);
        OsRng.fill_bytes(&mut salt);
        #[cfg(feature = "test-hooks")]
        match &opts.fixed_session_key_and_salt {
            Some((k, s)) if k.len() == sk.len() => {
                sk.copy_from_slice(k);
                salt = *s;
            }
            Some(_) => {
                return Err(Error::InvalidArgument("fixed session key length".into()));
            }
            None => {}
        }
        let raw = RawSessionKey::from(&sk[..]);
        let session_key = opts
            .session_key_out
            .then(|| SessionKey::generated(sym, &raw));

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
        let mut first = Layout::default();
        let mut outer = SegWriter::new(18, PART_LOG2, &mut first);
        out.extend_from_slice(&first.bytes);
        first.clear();
        let h = params.header_octets();
        outer.write_own(h.get(1..).unwrap_or_default(), &mut first);
        outer.write_own(&salt, &mut first);

        let backend = if aead == AeadAlgorithm::Gcm {
            opts.backend
        } else {
            Backend::Rust
        };
        let c = params.chunk_size();
        let mut chunker = Chunker {
            keys,
            backend,
            cur: Vec::with_capacity(c + TAG_LEN),
            next_index: 0,
            total_plain: 0,
            outer,
            jobs: Vec::new(),
            pending: VecDeque::new(),
            done: false,
            out: first,
        };
        for s in &opts.one_pass {
            chunker.put(&s.ops)?;
        }
        let literal = start_literal(opts.data_len, &mut chunker)?;
        let header = match armor.as_mut() {
            Some(a) => a.write(&out),
            None => out,
        };
        Ok(StreamEncryptor {
            mode: Mode::V2(Box::new(V2Enc {
                literal,
                chunker,
                closed: false,
            })),
            signing,
            armor,
            header_len: header.len(),
            data_len: opts.data_len,
            header,
            failed: false,
            footer_written: false,
            session_key,
        })
    }

    /// The session key (cipher and key), when the options asked to keep it.
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session_key.as_ref()
    }

    /// The message's leading octets (ESK packets and the start of the SEIPD
    /// packet). Call once, before the output of `push`.
    pub fn header(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.header)
    }

    /// Always true: SEIPDv1 is streamed too (it used to be buffered). Kept
    /// for callers written against that.
    pub fn is_streaming(&self) -> bool {
        true
    }

    /// Whether the message is SEIPDv1 (CFB + MDC). Its external jobs are
    /// AES-CBC encryptions and must run one at a time (see [`take_jobs`](Self::take_jobs)).
    pub fn is_cfb(&self) -> bool {
        matches!(self.mode, Mode::V1(_))
    }

    /// The backend actually in use (`External` only for GCM and for SEIPDv1
    /// with AES-128/256).
    pub fn backend(&self) -> Backend {
        match &self.mode {
            Mode::V2(v) => v.chunker.backend,
            Mode::V1(v) => v.body.backend,
        }
    }

    /// The SEIPDv2 parameters, when streaming.
    pub fn params(&self) -> Option<Seipd2Params> {
        match &self.mode {
            Mode::V2(v) => Some(v.chunker.keys.params),
            Mode::V1(_) => None,
        }
    }

    /// The per-message AEAD key (SEIPDv1: the AES session key), for an
    /// external backend to import once (e.g. as a non-extractable WebCrypto
    /// key). `None` unless the backend is external.
    pub fn message_key(&self) -> Option<Zeroizing<Vec<u8>>> {
        match &self.mode {
            Mode::V2(v) if v.chunker.backend == Backend::External => {
                Some(v.chunker.keys.key.clone())
            }
            Mode::V1(v) if v.body.backend == Backend::External => Some(v.body.key()),
            _ => None,
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

    fn after(&mut self, r: Result<()>) -> Result<()> {
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// Adds plaintext; the ciphertext ready so far waits in the output buffer
    /// (see [`with_output`](Self::with_output)).
    pub fn push_into(&mut self, data: &[u8]) -> Result<()> {
        self.guard()?;
        if let Some(Signing::Hashing(h)) = self.signing.as_mut() {
            h.update(data);
        }
        let r = match &mut self.mode {
            Mode::V2(v) => v.push(data),
            Mode::V1(v) => v.push(data),
        };
        self.after(r)
    }

    /// Adds plaintext; returns the ciphertext octets ready so far.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.push_into(data)?;
        Ok(self.take_output())
    }

    /// Ends the input (output into the buffer; see [`finish`](Self::finish)).
    /// A signed stream then waits for [`add_signatures`](Self::add_signatures).
    pub fn finish_into(&mut self) -> Result<()> {
        self.guard()?;
        let r = match &mut self.mode {
            Mode::V2(v) => v.close_literal(),
            Mode::V1(v) => v.close_literal(),
        };
        let r = r.and_then(|()| match self.signing.take() {
            Some(Signing::Hashing(h)) => {
                self.signing = Some(Signing::Digests(h.finish()));
                Ok(())
            }
            Some(_) => Err(Error::InvalidArgument("finish called twice".into())),
            None => self.close_body(),
        });
        self.after(r)
    }

    fn close_body(&mut self) -> Result<()> {
        match &mut self.mode {
            Mode::V2(v) => v.close_body(),
            Mode::V1(v) => v.body.close(),
        }
    }

    /// True after `finish` of a signed stream, until `add_signatures`.
    pub fn needs_signatures(&self) -> bool {
        matches!(self.signing, Some(Signing::Digests(_)))
    }

    /// The digests for the signer (`StreamSigner::sign`), in `one_pass` order.
    pub fn signature_digests(&self) -> Vec<Vec<u8>> {
        match &self.signing {
            Some(Signing::Digests(d)) => d.clone(),
            _ => Vec::new(),
        }
    }

    /// The signer's signature packets: written after the literal data, then
    /// the message ends (output as after `finish` of an unsigned stream).
    pub fn add_signatures(&mut self, packets: &[u8]) -> Result<()> {
        self.guard()?;
        if !self.needs_signatures() {
            return Err(Error::InvalidArgument(
                "no signatures are awaited (call finish first)".into(),
            ));
        }
        self.signing = Some(Signing::Done);
        let r = match &mut self.mode {
            Mode::V2(v) => v.chunker.put(packets),
            Mode::V1(v) => v.body.put(packets),
        };
        let r = r.and_then(|()| self.close_body());
        self.after(r)
    }

    /// Ends the input. With the Rust backend returns all remaining octets. With
    /// the external backend it queues the last jobs; the remaining octets come
    /// from [`complete_job`](Self::complete_job) of the final one.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        self.finish_into()?;
        Ok(self.take_output())
    }

    /// Passes the output ready so far (armored if asked) to `f`, then empties
    /// the buffer (keeping its allocation for the next batch).
    ///
    /// After [`complete_job_held_into`](Self::complete_job_held_into) use
    /// [`with_layout`](Self::with_layout) instead: the output then refers to
    /// sealed chunks the caller holds.
    pub fn with_output<T>(&mut self, f: impl FnOnce(&[u8]) -> T) -> T {
        let done = self.is_done();
        let raw = match &mut self.mode {
            Mode::V2(v) => {
                v.chunker.out.ops.clear();
                &mut v.chunker.out.bytes
            }
            Mode::V1(v) => &mut v.body.out,
        };
        let r = match self.armor.as_mut() {
            Some(a) => {
                let mut armored = a.write(raw);
                if done && !self.footer_written {
                    self.footer_written = true;
                    armored.extend(a.finish());
                }
                f(&armored)
            }
            None => f(raw),
        };
        raw.clear();
        r
    }

    /// Passes the output ready so far as a layout to `f` (our octets and the
    /// ops assembling them with the caller's held sealed chunks; see
    /// `complete_job_held_into`), then empties it. Not for armored output.
    pub fn with_layout<T>(&mut self, f: impl FnOnce(&[u8], &[i32]) -> T) -> Result<T> {
        if self.armor.is_some() {
            return Err(Error::InvalidArgument(
                "held job results cannot be armored; use complete_job".into(),
            ));
        }
        match &mut self.mode {
            Mode::V2(v) => {
                let r = f(&v.chunker.out.bytes, &v.chunker.out.ops);
                v.chunker.out.clear();
                Ok(r)
            }
            Mode::V1(v) => {
                let out = &mut v.body.out;
                let n = i32::try_from(out.len())
                    .map_err(|_| Error::Internal("output over 2 GiB".into()))?;
                let ops = if n > 0 { vec![n] } else { Vec::new() };
                let r = f(out, &ops);
                out.clear();
                Ok(r)
            }
        }
    }

    /// Passes the output ready so far to `f` and empties it if it is at most
    /// `room` octets (returning how many); else takes nothing (`None`). Lets a
    /// caller write the output straight into memory of its own. Not for
    /// armored output, nor after `complete_job_held_into` (`None`).
    pub fn take_output_within(&mut self, room: usize, f: impl FnOnce(&[u8])) -> Option<usize> {
        if self.armor.is_some() {
            return None;
        }
        let raw = match &mut self.mode {
            Mode::V2(v) if v.chunker.out.ops.iter().any(|&n| n < 0) => return None,
            Mode::V2(v) => &mut v.chunker.out,
            Mode::V1(v) => {
                let n = v.body.out.len();
                if n > room {
                    return None;
                }
                f(&v.body.out);
                v.body.out.clear();
                return Some(n);
            }
        };
        let n = raw.bytes.len();
        if n > room {
            return None;
        }
        f(&raw.bytes);
        raw.clear();
        Some(n)
    }

    /// The exact length of the whole message (header included) for
    /// `data_len` octets of data, where it is known in advance: unsigned and
    /// unarmored, its framing depends on the length alone. Lets the one-shot
    /// `encrypt` write into one buffer of the final size as the output comes.
    pub fn exact_length(&self, data_len: u64) -> Option<u64> {
        if self.armor.is_some() || self.signing.is_some() {
            return None;
        }
        let literal = literal_len(data_len, self.data_len == Some(data_len));
        let packet = match &self.mode {
            // Version, CFB prefix, the literal packet, the MDC packet (2 + 20).
            Mode::V1(_) => partial_framed_len(1 + 18 + literal + 22, PART_LOG2),
            // Version, cipher, AEAD and chunk size octets, salt, then each
            // chunk with its tag and the final tag; the header already holds
            // the packet's tag octet.
            Mode::V2(v) => {
                let c = v.chunker.keys.params.chunk_size() as u64;
                let tags = literal.div_ceil(c) + 1;
                partial_framed_len(
                    4 + SALT_LEN as u64 + literal + tags * TAG_LEN as u64,
                    PART_LOG2,
                ) - 1
            }
        };
        Some(self.header_len as u64 + packet)
    }

    /// Takes the output ready so far.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.with_output(|b| b.to_vec())
    }

    /// True once the whole message has been produced.
    pub fn is_done(&self) -> bool {
        match &self.mode {
            Mode::V2(v) => v.chunker.done,
            Mode::V1(v) => v.body.done,
        }
    }

    /// Jobs waiting for the external backend, in order.
    ///
    /// SEIPDv2: AES-GCM seal jobs, any number in flight. SEIPDv1
    /// ([`is_cfb`](Self::is_cfb)): AES-CBC encryption without padding of
    /// `data[..in_len]` with IV `nonce`, the result (`out_len` = `in_len`
    /// octets) written in place; at most one is outstanding, and the next is
    /// cut only once it completed.
    pub fn take_jobs(&mut self) -> Vec<ChunkJob> {
        match &mut self.mode {
            Mode::V2(v) => std::mem::take(&mut v.chunker.jobs),
            Mode::V1(v) => std::mem::take(&mut v.body.jobs),
        }
    }

    /// Takes the sealed result (ciphertext + tag) of the oldest outstanding
    /// job (output into the buffer).
    pub fn complete_job_into(&mut self, sealed: &[u8]) -> Result<()> {
        self.guard()?;
        let r = match &mut self.mode {
            Mode::V2(v) => v.complete(sealed),
            Mode::V1(v) => v.body.complete(sealed),
        };
        self.after(r)
    }

    /// The caller keeps the sealed result (ciphertext + tag, exactly the job's
    /// `out_len` octets) of the oldest outstanding job instead of handing it
    /// back: only its place in the framing is recorded, and
    /// [`with_layout`](Self::with_layout) tells where it goes. This spares
    /// copying every sealed chunk into and out of Wasm memory. Not with armor.
    pub fn complete_job_held_into(&mut self) -> Result<()> {
        self.guard()?;
        let r = if self.armor.is_some() {
            Err(Error::InvalidArgument(
                "held job results cannot be armored; use complete_job".into(),
            ))
        } else {
            match &mut self.mode {
                Mode::V2(v) => v.complete_held(),
                Mode::V1(_) => Err(Error::InvalidArgument(
                    "SEIPDv1 job results cannot be held; use complete_job".into(),
                )),
            }
        };
        self.after(r)
    }

    /// Takes the sealed result (ciphertext + tag) of the oldest outstanding
    /// job; returns the output octets now ready (all remaining octets after the
    /// final job).
    pub fn complete_job(&mut self, sealed: &[u8]) -> Result<Vec<u8>> {
        self.complete_job_into(sealed)?;
        Ok(self.take_output())
    }
}

impl Sink for Chunker {
    fn put(&mut self, mut bytes: &[u8]) -> Result<()> {
        let c = self.keys.params.chunk_size();
        while !bytes.is_empty() {
            let take = (c - self.cur.len()).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            self.cur.extend_from_slice(head);
            bytes = rest;
            if self.cur.len() == c {
                self.cut(false)?;
            }
        }
        Ok(())
    }
}

impl Chunker {
    /// Turns the current chunk (or, with `is_final`, the final tag) into a
    /// job; runs it now with the Rust backend.
    fn cut(&mut self, is_final: bool) -> Result<()> {
        let c = self.keys.params.chunk_size();
        let data = if is_final {
            Vec::with_capacity(TAG_LEN)
        } else {
            std::mem::replace(&mut self.cur, Vec::with_capacity(c + TAG_LEN))
        };
        let in_len = data.len();
        let index = self.next_index;
        let ad = if is_final {
            self.keys.final_ad(self.total_plain)
        } else {
            self.total_plain += in_len as u64;
            self.next_index += 1;
            self.keys.chunk_ad()
        };
        let mut job = ChunkJob {
            index,
            is_final,
            nonce: self.keys.nonce(index),
            ad,
            data,
            in_len,
            out_len: in_len + TAG_LEN,
        };
        match self.backend {
            Backend::Rust => {
                self.keys.seal_job(&mut job)?;
                self.emit(job.data.get(..job.out_len).unwrap_or_default(), is_final)?;
            }
            Backend::External => {
                // Room for the tag, so the result can be written in place.
                job.data.resize(job.out_len, 0);
                self.pending.push_back(Pending {
                    expect_len: job.out_len,
                    is_final,
                });
                self.jobs.push(job);
            }
        }
        Ok(())
    }

    fn emit(&mut self, sealed: &[u8], is_final: bool) -> Result<()> {
        self.outer.write_own(sealed, &mut self.out);
        self.end_if(is_final);
        Ok(())
    }

    fn end_if(&mut self, is_final: bool) {
        if is_final {
            self.outer.finish(&mut self.out);
            self.done = true;
        }
    }
}

impl V2Enc {
    fn push(&mut self, data: &[u8]) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("push after finish".into()));
        }
        self.literal.write(data, &mut self.chunker)
    }

    fn close_literal(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("finish called twice".into()));
        }
        self.closed = true;
        self.literal.finish(&mut self.chunker)
    }

    fn close_body(&mut self) -> Result<()> {
        if !self.chunker.cur.is_empty() {
            self.chunker.cut(false)?;
        }
        self.chunker.cut(true)
    }

    fn complete(&mut self, sealed: &[u8]) -> Result<()> {
        let Some(p) = self.chunker.pending.pop_front() else {
            return Err(Error::InvalidArgument("no job is outstanding".into()));
        };
        if sealed.len() != p.expect_len {
            return Err(Error::InvalidArgument(format!(
                "job result of {} octets, expected {}",
                sealed.len(),
                p.expect_len
            )));
        }
        self.chunker.emit(sealed, p.is_final)
    }

    fn complete_held(&mut self) -> Result<()> {
        let Some(p) = self.chunker.pending.pop_front() else {
            return Err(Error::InvalidArgument("no job is outstanding".into()));
        };
        self.chunker
            .outer
            .write_held(p.expect_len, &mut self.chunker.out);
        self.chunker.end_if(p.is_final);
        Ok(())
    }
}

impl V1Enc {
    /// Session key, ESK packets (returned) and the start of the SEIPDv1 packet
    /// with its random prefix.
    fn new(
        opts: &StreamEncryptOptions<'_>,
        certs: &[Cert],
        plan: &Plan<'_>,
    ) -> Result<(Self, Vec<u8>, Option<SessionKey>)> {
        let sym = choose_sym_v1(certs);
        let mut sk = Zeroizing::new(vec![0u8; sym.key_size()]);
        let mut prefix = Zeroizing::new([0u8; 18]);
        OsRng.fill_bytes(&mut sk);
        OsRng.fill_bytes(&mut prefix[..16]);
        #[cfg(feature = "test-hooks")]
        match &opts.fixed_session_key_and_salt {
            Some((k, s)) if k.len() == sk.len() => {
                sk.copy_from_slice(k);
                prefix[..16].copy_from_slice(&s[..16]);
            }
            Some(_) => {
                return Err(Error::InvalidArgument("fixed session key length".into()));
            }
            None => {}
        }
        // The quick check: the last two random octets repeated.
        let (a, b) = (prefix[14], prefix[15]);
        prefix[16] = a;
        prefix[17] = b;
        let raw = RawSessionKey::from(&sk[..]);
        let session_key = opts
            .session_key_out
            .then(|| SessionKey::generated(sym, &raw));

        let mut esk = Vec::new();
        for (cert, comp) in &plan.recipients {
            let pkesk = match comp.subkey_index {
                None => PublicKeyEncryptedSessionKey::from_session_key_v3(
                    OsRng,
                    &raw,
                    sym,
                    &cert.key.primary_key,
                ),
                Some(i) => match cert.key.public_subkeys.get(i) {
                    Some(s) => {
                        PublicKeyEncryptedSessionKey::from_session_key_v3(OsRng, &raw, sym, &s.key)
                    }
                    None => return Err(Error::Internal("subkey index out of range".into())),
                },
            }
            .map_err(parse_err)?;
            pkesk.to_writer_with_header(&mut esk).map_err(parse_err)?;
        }
        for pw in &opts.base.passwords {
            // As the one-shot SEIPDv1 path: iterated SHA-256, 0xE0 = 16 MiB hashed.
            let s2k = StringToKey::new_iterated(OsRng, HashAlgorithm::Sha256, 0xE0);
            let skesk = SymKeyEncryptedSessionKey::encrypt_v4(&Password::from(*pw), &raw, s2k, sym)
                .map_err(parse_err)?;
            skesk.to_writer_with_header(&mut esk).map_err(parse_err)?;
        }

        // WebCrypto has no AES-192 (Chromium refuses 192-bit keys): a recipient
        // set that rules out AES-256 but allows AES-192 (rare) stays in Rust.
        let backend = if sym == SymmetricKeyAlgorithm::AES192 {
            Backend::Rust
        } else {
            opts.backend
        };
        let mut body = CfbBody::new(sym, &sk, backend)?;
        body.put(&prefix[..])?;
        for s in &opts.one_pass {
            body.put(&s.ops)?;
        }
        let literal = start_literal(opts.data_len, &mut body)?;
        Ok((
            V1Enc {
                literal,
                body,
                closed: false,
            },
            esk,
            session_key,
        ))
    }

    fn push(&mut self, data: &[u8]) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("push after finish".into()));
        }
        self.literal.write(data, &mut self.body)
    }

    fn close_literal(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::InvalidArgument("finish called twice".into()));
        }
        self.closed = true;
        self.literal.finish(&mut self.body)
    }
}
