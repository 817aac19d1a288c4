//! JS classes for push-style streaming (`StreamEncryptor`, `StreamDecryptor`)
//! and `decryptSessionKey`. The ReadableStream API in `pkg/stream.js` drives
//! these from a Worker (or in-thread in Node); most callers use that instead.

use crate::scrub::SecretBuf;
use std::collections::VecDeque;

use js_sys::{Array, Int32Array, Object, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::pgp::{field, handles, key_bytes, opt_bool, opt_string, options, plaintext_js, strings};
use crate::openpgp::stream::{
    self as core, Backend, ChunkJob, OnePassSpec, SessionKey, StreamDecryptOptions,
    StreamEncryptOptions,
};
use crate::openpgp::{EncryptOptions, SeipdChoice};
use crate::Error;

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TS_STREAM: &'static str = r#"
/** Who runs the bulk AES: "webcrypto" (AES-GCM, and AES-CBC for SEIPDv1, via
 *  crypto.subtle or node:crypto; the default where available) or "rust" (pure
 *  Rust inside Wasm). OCB and AES-192 always run in Rust. */
export type StreamBackend = "webcrypto" | "rust";

export interface StreamEncryptorOptions {
  encryptionKeys?: (string | Uint8Array)[];
  passwords?: string[];
  /** `StreamSigner.specs()`: one-pass signatures (the data is hashed here;
   *  after `finish`, `signatureDigests()` go to the signer and its packets
   *  come back through `addSignatures`). */
  onePass?: Uint8Array;
  /** Default false for streams. */
  armor?: boolean;
  seipd?: "auto" | "v1" | "v2";
  /** Default: the recipients' preference (AES-256-GCM for ours and for passwords). */
  aead?: "gcm" | "ocb";
  /** Chunks of 2^(c+6) octets, 10..=16; default 12 (256 KiB). */
  chunkSizeOctet?: number;
  /** "external" hands the bulk AES to the caller (takeJobs/completeJob): AES-GCM
   *  chunks, or AES-CBC jobs for SEIPDv1 (AES-128/256; see `StreamJob`). */
  backend?: "rust" | "external";
  /** Size and work limits (reading the recipients' keys), as for `encrypt`. */
  limits?: Limits;
  /** The whole data's length (the one-shot `encrypt`): over
   *  `limits.maxMessageSize` refused before any work; the literal data packet
   *  gets a definite length (below 4 GiB), and pushing more or less is an error. */
  dataLength?: number;
}

export interface StreamDecryptorOptions {
  backend?: "rust" | "external";
  /** The message can be pushed twice (a file): AES SEIPDv1 holding literal
   *  data is verified in a first pass releasing nothing (`needsSecondPass`),
   *  then `rewind()` and push it again to get the plaintext. */
  twoPass?: boolean;
  /** Size and work limits, as for `decrypt`. */
  limits?: Limits;
  /** Check the signatures inside (one-pass and prefixed around streamed
   *  literal data, and in a held SEIPDv1 body): `signatures()` after finish. */
  verificationKeys?: (string | Uint8Array)[];
  /** Unlocked keys on this thread (the one-shot `decrypt`); with `passwords`,
   *  what `unlock()` tries. A worker gets neither keys nor this option. */
  decryptionKeys?: PrivateKey[];
  passwords?: string[];
  /** The whole message's length (the one-shot `decrypt`): the options are
   *  checked as `decrypt` checks them (size limit, a key or password given,
   *  verification keys parse) before any message work. */
  messageLength?: number;
}

/** Output of `StreamEncryptor.takeLayout()`: `ops` assembles the ciphertext in
 *  order from `bytes` (n > 0: the next n octets of `bytes`) and from the sealed
 *  job results the caller kept with `completeJobHeld()` (n < 0: the next -n
 *  octets of those, in job order). */
export interface StreamLayout {
  bytes: Uint8Array;
  ops: Int32Array;
}

/** One operation for an external backend. The input lies in Wasm memory
 *  (`streamMemory()`) at `ptr`, `inLen` bytes; write the result (`outLen`
 *  bytes) at the same `ptr`, then call `completeJob()`. Make views right
 *  before use: Wasm memory growth detaches older ones.
 *  SEIPDv2: AES-GCM (128-bit tag) with `nonce` and `ad`, sealing plaintext or
 *  opening ciphertext+tag. SEIPDv1 (`StreamEncryptor.isCfb`): AES-CBC
 *  encryption of whole blocks with IV `nonce`, without the padding block
 *  (`outLen` = `inLen`); one job is outstanding at a time. */
export interface StreamJob {
  index: number;
  isFinal: boolean;
  nonce: Uint8Array;
  ad: Uint8Array;
  ptr: number;
  inLen: number;
  outLen: number;
}

export interface DecryptSessionKeyOptions {
  /** The message's leading bytes (at least all of its session key packets). */
  message: Uint8Array | string;
  decryptionKeys?: PrivateKey[];
  passwords?: string[];
  /** As for `decrypt`: session-key packets, S2K work. */
  limits?: Limits;
}
"#;

fn backend_of(o: &Object) -> Result<Backend, Error> {
    match opt_string(o, "backend")?.as_deref() {
        None | Some("rust") => Ok(Backend::Rust),
        Some("external") => Ok(Backend::External),
        Some(other) => Err(Error::InvalidArgument(format!(
            "backend must be \"rust\" or \"external\", not {other:?}"
        ))),
    }
}

fn backend_name(b: Backend) -> String {
    match b {
        Backend::Rust => "rust".into(),
        Backend::External => "external".into(),
    }
}

/// Moves jobs in flight (their buffers stay put in Wasm memory until
/// completed) and describes them to JS.
fn jobs_js(jobs: Vec<ChunkJob>, in_flight: &mut VecDeque<ChunkJob>) -> Array {
    let arr = Array::new_with_length(jobs.len() as u32);
    for (i, j) in jobs.into_iter().enumerate() {
        let o = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&o, &k.into(), &v);
        };
        set("index", JsValue::from_f64(j.index as f64));
        set("isFinal", j.is_final.into());
        set("nonce", Uint8Array::from(j.nonce.as_slice()).into());
        set("ad", Uint8Array::from(j.ad.as_slice()).into());
        set("ptr", JsValue::from_f64(j.data.as_ptr() as usize as f64));
        set("inLen", JsValue::from_f64(j.in_len as f64));
        set("outLen", JsValue::from_f64(j.out_len as f64));
        arr.set(i as u32, o.into());
        in_flight.push_back(j);
    }
    arr
}

/// The oldest job in flight, with its result written in place by JS.
fn next_done(in_flight: &mut VecDeque<ChunkJob>) -> Result<ChunkJob, Error> {
    let job = in_flight
        .pop_front()
        .ok_or_else(|| Error::InvalidArgument("no job is outstanding".into()))?;
    if job.data.len() < job.out_len {
        return Err(Error::Internal("job buffer".into()));
    }
    Ok(job)
}

/// The module's memory, for views onto job buffers (see `StreamJob`).
#[wasm_bindgen(js_name = streamMemory, unchecked_return_type = "WebAssembly.Memory")]
pub fn stream_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// A reusable input buffer that JS fills in place (see `inputBuffer`). It may
/// hold plaintext between calls: wiped when the handle is dropped.
#[derive(Default)]
struct InputBuffer(SecretBuf);

impl InputBuffer {
    /// Makes room for `len` bytes; returns their address in Wasm memory.
    fn reserve(&mut self, len: usize) -> usize {
        if self.0.len() < len {
            self.0.resize(len, 0);
        }
        self.0.as_ptr() as usize
    }

    fn with(&mut self, len: usize, f: impl FnOnce(&[u8]) -> crate::Result<()>) -> JsResult<()> {
        let b = self
            .0
            .get(..len)
            .ok_or_else(|| Error::InvalidArgument("pushInput: length over inputBuffer".into()))?;
        Ok(f(b)?)
    }
}

/// A one-shot input's length option (a non-negative integer).
fn length(v: &JsValue, name: &str) -> Result<usize, Error> {
    v.as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0)
        .map(|n| n as usize)
        .ok_or_else(|| Error::InvalidArgument(format!("{name} must be a length")))
}

fn bytes(v: Vec<u8>) -> Uint8Array {
    Uint8Array::from(v.as_slice())
}

/// Push-style encryptor (low level; see `encryptStream`).
#[wasm_bindgen(js_name = StreamEncryptor)]
pub struct StreamEncryptorHandle {
    inner: core::StreamEncryptor,
    in_flight: VecDeque<ChunkJob>,
    input: InputBuffer,
}

#[wasm_bindgen(js_class = StreamEncryptor)]
impl StreamEncryptorHandle {
    /// Chooses algorithms and creates the session key and ESK packets.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = options, unchecked_param_type = "StreamEncryptorOptions")]
        options_: JsValue,
    ) -> JsResult<StreamEncryptorHandle> {
        let o = options(&options_, "StreamEncryptor")?;
        let keys = key_bytes(&o, "encryptionKeys")?;
        let passwords = strings(&o, "passwords")?;
        if !handles(field(&o, "signingKeys"), "signingKeys")?.is_empty() {
            return Err(Error::InvalidArgument(
                "a StreamEncryptor signs through onePass (StreamSigner.specs())".into(),
            )
            .into());
        }
        let one_pass = match field(&o, "onePass") {
            None => Vec::new(),
            Some(v) => OnePassSpec::decode_all(
                &v.dyn_into::<Uint8Array>()
                    .map_err(|_| Error::InvalidArgument("onePass must be a Uint8Array".into()))?
                    .to_vec(),
            )?,
        };
        let seipd = match opt_string(&o, "seipd")? {
            None => SeipdChoice::Auto,
            Some(s) => SeipdChoice::parse(&s)?,
        };
        let aead = match opt_string(&o, "aead")?.as_deref() {
            None => None,
            Some("gcm") => Some(pgp::crypto::aead::AeadAlgorithm::Gcm),
            Some("ocb") => Some(pgp::crypto::aead::AeadAlgorithm::Ocb),
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "aead must be \"gcm\" or \"ocb\", not {other:?}"
                ))
                .into())
            }
        };
        let chunk_size_octet = match field(&o, "chunkSizeOctet") {
            None => None,
            Some(v) => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (0.0..=255.0).contains(&n) => Some(n as u8),
                _ => {
                    return Err(
                        Error::InvalidArgument("chunkSizeOctet must be an integer".into()).into(),
                    )
                }
            },
        };
        let limits = super::pgp::limits_opt(&o)?;
        let data_len = match field(&o, "dataLength") {
            Some(n) => {
                let n = length(&n, "dataLength")?;
                crate::openpgp::encrypt::check_data_len(n, &limits)?;
                Some(n as u64)
            }
            None => None,
        };
        let opts = StreamEncryptOptions {
            base: EncryptOptions {
                encryption_keys: keys.iter().map(|k| k.as_slice()).collect(),
                passwords: passwords.iter().map(|p| p.as_str()).collect(),
                signing_keys: Vec::new(),
                armor: opt_bool(&o, "armor", false)?,
                seipd,
                limits,
            },
            one_pass,
            aead,
            chunk_size_octet,
            backend: backend_of(&o)?,
            data_len,
            ..Default::default()
        };
        Ok(StreamEncryptorHandle {
            inner: core::StreamEncryptor::new(&opts)?,
            in_flight: VecDeque::new(),
            input: InputBuffer::default(),
        })
    }

    /// The leading bytes (session key packets); call once, first.
    pub fn header(&mut self) -> Uint8Array {
        bytes(self.inner.header())
    }

    /// Adds plaintext; returns ciphertext ready so far.
    pub fn push(&mut self, data: &[u8]) -> JsResult<Uint8Array> {
        self.inner.push_into(data)?;
        Ok(self.take_output())
    }

    /// A buffer of `len` bytes in Wasm memory, reused between calls: write
    /// the next input at the returned offset of `streamMemory()`, then call
    /// `pushInput(len)`. Spares the allocation, copy and wipe of `push`.
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&mut self, len: usize) -> usize {
        self.input.reserve(len)
    }

    /// `push` of the bytes written into `inputBuffer(len)`.
    #[wasm_bindgen(js_name = pushInput)]
    pub fn push_input(&mut self, len: usize) -> JsResult<Uint8Array> {
        let inner = &mut self.inner;
        self.input.with(len, |b| inner.push_into(b))?;
        Ok(self.take_output())
    }

    /// `pushInput` that leaves the ciphertext here, for `takeOutputInto`.
    #[wasm_bindgen(js_name = pushInputHeld)]
    pub fn push_input_held(&mut self, len: usize) -> JsResult<()> {
        let inner = &mut self.inner;
        self.input.with(len, |b| inner.push_into(b))
    }

    /// Moves the ciphertext ready so far into `buffer` and returns how many
    /// octets, if it fits; else takes nothing and returns `undefined` (then
    /// `takeOutput`; also for armored output). With `exactLength`, the
    /// one-shot `encrypt` writes the message straight into its result.
    #[wasm_bindgen(js_name = takeOutputInto)]
    pub fn take_output_into(&mut self, buffer: &Uint8Array) -> Option<usize> {
        self.inner
            .take_output_within(buffer.length() as usize, |b| {
                buffer.subarray(0, b.len() as u32).copy_from(b)
            })
    }

    /// The whole message's length for `dataLength` octets of data, where it
    /// is known in advance (unsigned, unarmored); else `undefined`.
    #[wasm_bindgen(js_name = exactLength)]
    pub fn exact_length(&self, data_length: f64) -> Option<f64> {
        // A whole number of octets below 2^53 (what JS counts exactly).
        if !(0.0..9_007_199_254_740_992.0).contains(&data_length) || data_length.fract() != 0.0 {
            return None;
        }
        self.inner
            .exact_length(data_length as u64)
            .map(|n| n as f64)
    }

    /// Ends the input; returns the remaining bytes (with the external backend,
    /// these come from completing the final job instead).
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        self.inner.finish_into()?;
        Ok(self.take_output())
    }

    /// True after `finish` of a signed stream, until `addSignatures`.
    #[wasm_bindgen(getter, js_name = needsSignatures)]
    pub fn needs_signatures(&self) -> bool {
        self.inner.needs_signatures()
    }

    /// The digests for `StreamSigner.sign`, in `onePass` order.
    #[wasm_bindgen(js_name = signatureDigests, unchecked_return_type = "Uint8Array[]")]
    pub fn signature_digests(&self) -> Array {
        self.inner
            .signature_digests()
            .iter()
            .map(|d| JsValue::from(Uint8Array::from(d.as_slice())))
            .collect()
    }

    /// The signer's packets: written after the literal data; the message
    /// then ends as after `finish` of an unsigned stream (output or jobs).
    #[wasm_bindgen(js_name = addSignatures)]
    pub fn add_signatures(&mut self, packets: &[u8]) -> JsResult<Uint8Array> {
        self.inner.add_signatures(packets)?;
        Ok(self.take_output())
    }

    /// Jobs for the external backend, in order.
    #[wasm_bindgen(js_name = takeJobs, unchecked_return_type = "StreamJob[]")]
    pub fn take_jobs(&mut self) -> Array {
        jobs_js(self.inner.take_jobs(), &mut self.in_flight)
    }

    /// The oldest job's result (ciphertext + tag) was written at its `ptr`.
    /// Output accumulates for `takeOutput`.
    #[wasm_bindgen(js_name = completeJob)]
    pub fn complete_job(&mut self) -> JsResult<()> {
        let job = next_done(&mut self.in_flight)?;
        self.inner
            .complete_job_into(job.data.get(..job.out_len).unwrap_or_default())?;
        Ok(())
    }

    /// The ciphertext ready so far.
    #[wasm_bindgen(js_name = takeOutput)]
    pub fn take_output(&mut self) -> Uint8Array {
        self.inner.with_output(|b| Uint8Array::from(b))
    }

    /// Like `completeJob`, but the caller keeps the oldest job's sealed result
    /// (exactly `outLen` octets) instead of writing it into Wasm memory; read
    /// the output with `takeLayout`. Spares two copies per chunk. Not with armor.
    #[wasm_bindgen(js_name = completeJobHeld)]
    pub fn complete_job_held(&mut self) -> JsResult<()> {
        next_done(&mut self.in_flight)?;
        self.inner.complete_job_held_into()?;
        Ok(())
    }

    /// The output ready so far as our octets plus ops that interleave them
    /// with the held sealed results (see `StreamLayout`).
    #[wasm_bindgen(js_name = takeLayout, unchecked_return_type = "StreamLayout")]
    pub fn take_layout(&mut self) -> JsResult<Object> {
        let o = Object::new();
        self.inner.with_layout(|bytes, ops| {
            let _ = js_sys::Reflect::set(&o, &"bytes".into(), &Uint8Array::from(bytes));
            let _ = js_sys::Reflect::set(&o, &"ops".into(), &Int32Array::from(ops));
        })?;
        Ok(o)
    }

    /// The AES-GCM message key for the external backend (import it as a
    /// non-extractable key and wipe this array); undefined otherwise.
    #[wasm_bindgen(js_name = messageKey)]
    pub fn message_key(&self) -> Option<Uint8Array> {
        self.inner
            .message_key()
            .map(|k| Uint8Array::from(k.as_slice()))
    }

    /// "rust" or "external" (external only for GCM).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        backend_name(self.inner.backend())
    }

    /// Always true now: SEIPDv1 (a recipient lacks SEIPDv2) streams too.
    #[wasm_bindgen(getter, js_name = isStreaming)]
    pub fn is_streaming(&self) -> bool {
        self.inner.is_streaming()
    }

    /// True for SEIPDv1 (AES-CFB + MDC): external jobs are then AES-CBC
    /// encryptions (see `StreamJob`), one at a time.
    #[wasm_bindgen(getter, js_name = isCfb)]
    pub fn is_cfb(&self) -> bool {
        self.inner.is_cfb()
    }

    /// True once all output was produced.
    #[wasm_bindgen(getter, js_name = isDone)]
    pub fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// "gcm", "ocb" or "" (SEIPDv1).
    #[wasm_bindgen(getter)]
    pub fn aead(&self) -> String {
        match self.inner.params().map(|p| p.aead) {
            Some(pgp::crypto::aead::AeadAlgorithm::Gcm) => "gcm".into(),
            Some(pgp::crypto::aead::AeadAlgorithm::Ocb) => "ocb".into(),
            Some(pgp::crypto::aead::AeadAlgorithm::Eax) => "eax".into(),
            _ => String::new(),
        }
    }
}

/// Push-style decryptor (low level; see `decryptStream`).
#[wasm_bindgen(js_name = StreamDecryptor)]
pub struct StreamDecryptorHandle {
    inner: core::StreamDecryptor,
    in_flight: VecDeque<ChunkJob>,
    input: InputBuffer,
    /// What `unlock()` tries (see `decryptionKeys`, `passwords`).
    keys: Vec<std::rc::Rc<crate::openpgp::PrivateKey>>,
    passwords: Vec<Zeroizing<String>>,
}

#[wasm_bindgen(js_class = StreamDecryptor)]
impl StreamDecryptorHandle {
    /// A decryptor without a session key yet.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = options, unchecked_param_type = "StreamDecryptorOptions | undefined")]
        options_: JsValue,
    ) -> JsResult<StreamDecryptorHandle> {
        let mut opts = StreamDecryptOptions::default();
        let (mut keys, mut passwords) = (Vec::new(), Vec::new());
        if !options_.is_undefined() && !options_.is_null() {
            let o = options(&options_, "StreamDecryptor")?;
            opts.backend = backend_of(&o)?;
            opts.two_pass = opt_bool(&o, "twoPass", false)?;
            opts.limits = super::pgp::limits_opt(&o)?;
            opts.verification_keys = key_bytes(&o, "verificationKeys")?
                .iter()
                .map(|k| k.to_vec())
                .collect();
            keys = handles(field(&o, "decryptionKeys"), "decryptionKeys")?;
            passwords = strings(&o, "passwords")?;
            if let Some(n) = field(&o, "messageLength") {
                let n = length(&n, "messageLength")?;
                crate::openpgp::decrypt::check_one_shot(
                    &crate::openpgp::DecryptOptions {
                        decryption_keys: keys.iter().map(|k| k.as_ref()).collect(),
                        passwords: passwords.iter().map(|p| p.as_str()).collect(),
                        verification_keys: opts
                            .verification_keys
                            .iter()
                            .map(|k| k.as_slice())
                            .collect(),
                        limits: opts.limits,
                    },
                    n,
                )?;
            }
        }
        Ok(StreamDecryptorHandle {
            inner: core::StreamDecryptor::new(opts),
            in_flight: VecDeque::new(),
            input: InputBuffer::default(),
            keys,
            passwords,
        })
    }

    /// Adds message bytes; returns authenticated plaintext ready so far.
    pub fn push(&mut self, data: &[u8]) -> JsResult<Uint8Array> {
        self.inner.push_into(data)?;
        Ok(self.take_output())
    }

    /// See `StreamEncryptor.inputBuffer`.
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&mut self, len: usize) -> usize {
        self.input.reserve(len)
    }

    /// `push` of the bytes written into `inputBuffer(len)`.
    #[wasm_bindgen(js_name = pushInput)]
    pub fn push_input(&mut self, len: usize) -> JsResult<Uint8Array> {
        let inner = &mut self.inner;
        self.input.with(len, |b| inner.push_into(b))?;
        Ok(self.take_output())
    }

    /// The authenticated plaintext ready so far.
    #[wasm_bindgen(js_name = takeOutput)]
    pub fn take_output(&mut self) -> Uint8Array {
        self.inner.with_output(|b| Uint8Array::from(b))
    }

    /// `pushInput` that leaves the plaintext here, for `takeOutputInto`.
    #[wasm_bindgen(js_name = pushInputHeld)]
    pub fn push_input_held(&mut self, len: usize) -> JsResult<()> {
        let inner = &mut self.inner;
        self.input.with(len, |b| inner.push_into(b))
    }

    /// Octets of plaintext ready (what `takeOutput` would return).
    #[wasm_bindgen(getter, js_name = outputLength)]
    pub fn output_length(&self) -> usize {
        self.inner.output_len()
    }

    /// Moves the ready plaintext into `buffer` and returns how many octets,
    /// if it fits (`outputLength` at most the buffer's length); else takes
    /// nothing and returns `undefined` (then `takeOutput`). One copy into
    /// memory the caller reuses (the buffers a BYOB consumer emptied) instead
    /// of a fresh array per batch.
    #[wasm_bindgen(js_name = takeOutputInto)]
    pub fn take_output_into(&mut self, buffer: &Uint8Array) -> Option<usize> {
        self.inner
            .take_output_within(buffer.length() as usize, |b| {
                buffer.subarray(0, b.len() as u32).copy_from(b)
            })
    }

    /// True when the session key packets were read and a key is needed.
    #[wasm_bindgen(getter, js_name = needsSessionKey)]
    pub fn needs_session_key(&self) -> bool {
        self.inner.needs_session_key()
    }

    /// The session key packets (for `decryptSessionKey` on the thread holding
    /// the private keys).
    #[wasm_bindgen(js_name = eskBytes)]
    pub fn esk_bytes(&self) -> Uint8Array {
        Uint8Array::from(self.inner.esk_bytes())
    }

    /// Sets the session key from `decryptSessionKey`'s bytes (wipe them after);
    /// returns plaintext from input already pushed.
    #[wasm_bindgen(js_name = setSessionKey)]
    pub fn set_session_key(&mut self, key: &[u8]) -> JsResult<Uint8Array> {
        let sk = SessionKey::from_bytes(key)?;
        Ok(bytes(self.inner.set_session_key(sk)?))
    }

    /// Finds the next session key with the `decryptionKeys` and `passwords`
    /// given at construction and sets it. Again after `finish` failed with
    /// DECRYPTION_FAILED while `needsSessionKey` (a held SEIPDv1 body whose
    /// MDC failed: perhaps a wrong password), then `finish` again: the search
    /// goes on (each S2K once, a bounded number of attempts).
    pub fn unlock(&mut self) -> JsResult<Uint8Array> {
        let keys: Vec<&crate::openpgp::PrivateKey> = self.keys.iter().map(|k| k.as_ref()).collect();
        let pws: Vec<&str> = self.passwords.iter().map(|p| p.as_str()).collect();
        Ok(bytes(self.inner.unlock(&keys, &pws)?))
    }

    /// Ends the input without finishing (see the core's `end_input`): a
    /// one-pass SEIPDv1 body is then complete for `heldLength`.
    #[wasm_bindgen(js_name = endInput)]
    pub fn end_input(&mut self) -> JsResult<()> {
        Ok(self.inner.end_input()?)
    }

    /// The ciphertext length of a held, keyed one-pass AES SEIPDv1 body
    /// (after `endInput`), which the driver may decrypt in block ranges, some
    /// in another thread, before `finish`; 0 otherwise.
    #[wasm_bindgen(getter, js_name = heldLength)]
    pub fn held_length(&self) -> usize {
        self.inner.held_len()
    }

    /// Algorithm octet and key of the held body, for `cfbDecryptRange` in
    /// another thread; wipe the array after posting it.
    #[wasm_bindgen(js_name = heldKey)]
    pub fn held_key(&self) -> JsResult<Uint8Array> {
        let k = self
            .inner
            .held_key()
            .ok_or_else(|| Error::InvalidArgument("no held body".into()))?;
        Ok(Uint8Array::from(k.as_slice()))
    }

    /// The IV (previous ciphertext block) followed by held ciphertext
    /// `start..end`: the input of `cfbDecryptRange`.
    #[wasm_bindgen(js_name = heldRange)]
    pub fn held_range(&self, start: usize, end: usize) -> JsResult<Uint8Array> {
        let (iv, ct) = self.inner.held_range(start, end)?;
        let out = Uint8Array::new_with_length((16 + ct.len()) as u32);
        out.subarray(0, 16).copy_from(&iv);
        out.subarray(16, out.length()).copy_from(ct);
        Ok(out)
    }

    /// Decrypts held range `start..end` here (`start` a multiple of 16).
    #[wasm_bindgen(js_name = decryptHeldRange)]
    pub fn decrypt_held_range(&mut self, start: usize, end: usize) -> JsResult<()> {
        Ok(self.inner.put_held_range(start, end, None)?)
    }

    /// The plaintext of the held range from `start` (from `cfbDecryptRange`);
    /// checked with the rest by the MDC at `finish`.
    #[wasm_bindgen(js_name = putHeldRange)]
    pub fn put_held_range(&mut self, start: usize, plain: &[u8]) -> JsResult<()> {
        let end = start.saturating_add(plain.len());
        Ok(self.inner.put_held_range(start, end, Some(plain))?)
    }

    /// Where the octets a held SEIPDv1 body's MDC hashes are in
    /// `streamMemory()`, as `[offset, length]` (its plaintext joined now), for
    /// WebCrypto's SHA-1; give the digest to `setHeldDigest` before `finish`.
    /// `undefined` without a held body.
    #[wasm_bindgen(js_name = heldDigestInput)]
    pub fn held_digest_input(&mut self) -> JsResult<Option<Vec<u32>>> {
        let at = self.inner.held_digest_input()?;
        Ok(at.map(|b| vec![b.as_ptr() as u32, b.len() as u32]))
    }

    /// The SHA-1 (20 octets) of `heldDigestInput`'s octets.
    #[wasm_bindgen(js_name = setHeldDigest)]
    pub fn set_held_digest(&mut self, digest: &[u8]) -> JsResult<()> {
        let d: [u8; 20] = digest
            .try_into()
            .map_err(|_| Error::InvalidArgument("a SHA-1 digest is 20 octets".into()))?;
        Ok(self.inner.set_held_digest(d)?)
    }

    /// From now on the plaintext collects in blocks in Wasm memory (the
    /// one-shot `decrypt` of a held SEIPDv1 body: no doubling buffer), taken
    /// with `takeBlocks` after `finish`. Not with streamed output.
    #[wasm_bindgen(js_name = collectBlocks)]
    pub fn collect_blocks(&mut self) {
        self.inner.collect_blocks();
    }

    /// The plaintext collected since `collectBlocks`, as one array.
    #[wasm_bindgen(js_name = takeBlocks)]
    pub fn take_blocks(&mut self) -> JsResult<Uint8Array> {
        Ok(plaintext_js(&self.inner.take_blocks())?)
    }

    /// Ends the input: checks completeness and the final tag (or decrypts a
    /// held SEIPDv1 body, checks its MDC and returns its plaintext; see
    /// `unlock` when that fails).
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        self.inner.finish_into()?;
        Ok(self.take_output())
    }

    /// Signature checks once finished (streamed or held content), in the
    /// same form as `decrypt`'s `signatures`.
    #[wasm_bindgen(unchecked_return_type = "SignatureResult[]")]
    pub fn signatures(&self) -> Array {
        super::pgp::signatures_js(self.inner.signatures())
    }

    /// Jobs for the external backend, in order.
    #[wasm_bindgen(js_name = takeJobs, unchecked_return_type = "StreamJob[]")]
    pub fn take_jobs(&mut self) -> Array {
        jobs_js(self.inner.take_jobs(), &mut self.in_flight)
    }

    /// The oldest job's plaintext was written at its `ptr` (nothing for the
    /// final tag). Plaintext accumulates for `takeOutput`.
    #[wasm_bindgen(js_name = completeJob)]
    pub fn complete_job(&mut self) -> JsResult<()> {
        // Not wiped: the same plaintext is handed to JS, where it cannot be.
        let job = next_done(&mut self.in_flight)?;
        self.inner
            .complete_job_into(job.data.get(..job.out_len).unwrap_or_default())?;
        Ok(())
    }

    /// Like `completeJob`, but the literal data is not copied out: returns
    /// (offset, length) pairs into the job's plaintext (as written at its
    /// `ptr`), in order; hand on those ranges of your own copy of it. Any
    /// other plaintext (decompressed content, say) still comes from `takeOutput`.
    #[wasm_bindgen(js_name = completeJobSegments)]
    pub fn complete_job_segments(&mut self) -> JsResult<Uint32Array> {
        let job = next_done(&mut self.in_flight)?;
        let mut segs = Vec::new();
        self.inner.complete_job_segments_into(
            job.data.get(..job.out_len).unwrap_or_default(),
            &mut segs,
        )?;
        Ok(Uint32Array::from(segs.as_slice()))
    }

    /// Octets at the start of the oldest job's plaintext that are literal data
    /// whatever their value; when it covers the whole job, `completeJobLiteral`
    /// completes it without the plaintext being written into Wasm memory.
    #[wasm_bindgen(js_name = literalRun)]
    pub fn literal_run(&self) -> f64 {
        self.inner.literal_run() as f64
    }

    /// Literal data octets not yet released, where the message announced
    /// them (a literal data packet of definite length, not compressed;
    /// SEIPDv2); else `undefined`. The one-shot `decrypt` sizes its result by
    /// it and checks it at the end.
    #[wasm_bindgen(getter, js_name = literalLeft)]
    pub fn literal_left(&self) -> Option<f64> {
        self.inner.literal_left().map(|n| n as f64)
    }

    /// Completes the oldest job whose plaintext is all literal data (see
    /// `literalRun`): hand the whole plaintext on as it is.
    #[wasm_bindgen(js_name = completeJobLiteral)]
    pub fn complete_job_literal(&mut self) -> JsResult<()> {
        let job = next_done(&mut self.in_flight)?;
        self.inner.complete_job_literal(job.out_len)?;
        Ok(())
    }

    /// Reports that a job failed to authenticate; returns the error to throw
    /// (code DECRYPTION_FAILED). The decryptor is unusable afterwards.
    #[wasm_bindgen(js_name = failJob)]
    pub fn fail_job(&mut self) -> JsValue {
        self.in_flight.clear();
        self.inner.fail_job().into()
    }

    /// The AES-GCM message key for the external backend once known.
    #[wasm_bindgen(js_name = messageKey)]
    pub fn message_key(&self) -> Option<Uint8Array> {
        self.inner
            .message_key()
            .map(|k| Uint8Array::from(k.as_slice()))
    }

    /// "rust" or "external".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        backend_name(self.inner.backend())
    }

    /// True once the message fully authenticated.
    #[wasm_bindgen(getter, js_name = isDone)]
    pub fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// True when a two-pass first pass verified the message: call `rewind()`
    /// and push the message again from its first byte.
    #[wasm_bindgen(getter, js_name = needsSecondPass)]
    pub fn needs_second_pass(&self) -> bool {
        self.inner.needs_second_pass()
    }

    /// True while a two-pass first pass runs: nothing is released yet.
    #[wasm_bindgen(getter, js_name = isVerifying)]
    pub fn is_verifying(&self) -> bool {
        self.inner.is_verifying()
    }

    /// Starts the second pass (the session key stays here); a message that
    /// differs from the first pass fails with TAMPERED.
    pub fn rewind(&mut self) -> JsResult<()> {
        Ok(self.inner.rewind()?)
    }

    /// true = streamed (SEIPDv2, and SEIPDv1 in two passes), false = held
    /// until its MDC (one-pass SEIPDv1, known from its version octet, before
    /// any key work), undefined = not known yet.
    #[wasm_bindgen(getter, js_name = isStreaming)]
    pub fn is_streaming(&self) -> Option<bool> {
        self.inner.is_streaming()
    }
}

/// The signing half of a signed `encryptStream`, on the thread that holds the
/// private keys: the encryptor (perhaps in a worker) gets only `specs()` and
/// returns digests, which `sign` turns into signature packets.
#[wasm_bindgen(js_name = StreamSigner)]
pub struct StreamSignerHandle {
    keys: Vec<std::rc::Rc<crate::openpgp::PrivateKey>>,
    inner: core::StreamSigner,
}

#[wasm_bindgen(js_class = StreamSigner)]
impl StreamSignerHandle {
    /// One signature per key (its best signing component), made now.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = signingKeys, unchecked_param_type = "PrivateKey[]")]
        signing_keys: JsValue,
    ) -> JsResult<StreamSignerHandle> {
        let keys = handles(Some(signing_keys), "signingKeys")?;
        let refs: Vec<&crate::openpgp::PrivateKey> = keys.iter().map(|k| k.as_ref()).collect();
        let inner = core::StreamSigner::new(&refs)?;
        Ok(StreamSignerHandle { keys, inner })
    }

    /// The encryptor's `onePass` option (no secrets).
    pub fn specs(&self) -> JsResult<Uint8Array> {
        Ok(bytes(OnePassSpec::encode_all(self.inner.specs())?))
    }

    /// Signs the encryptor's `signatureDigests()`; returns the packets for
    /// its `addSignatures`.
    pub fn sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] digests: Array,
    ) -> JsResult<Uint8Array> {
        let digests: Vec<Vec<u8>> = digests
            .iter()
            .map(|d| {
                d.dyn_into::<Uint8Array>()
                    .map(|a| a.to_vec())
                    .map_err(|_| Error::InvalidArgument("digests must be Uint8Array".into()))
            })
            .collect::<Result<_, Error>>()?;
        let refs: Vec<&crate::openpgp::PrivateKey> = self.keys.iter().map(|k| k.as_ref()).collect();
        Ok(bytes(self.inner.sign(&refs, &digests)?))
    }
}

/// Finds a message's session key with private keys and/or passwords, so that
/// only this per-message key (never a private key) goes to a streaming worker.
/// Returns its serialized form; wipe it (`fill(0)`) once handed over.
#[wasm_bindgen(js_name = decryptSessionKey)]
pub fn decrypt_session_key(
    #[wasm_bindgen(js_name = options, unchecked_param_type = "DecryptSessionKeyOptions")]
    options_: JsValue,
) -> JsResult<Uint8Array> {
    let o = options(&options_, "decryptSessionKey")?;
    let message =
        field(&o, "message").ok_or_else(|| Error::InvalidArgument("message is required".into()))?;
    let message: SecretBuf = if let Some(s) = message.as_string() {
        SecretBuf::new(s.into_bytes())
    } else if let Some(a) = message.dyn_ref::<Uint8Array>() {
        SecretBuf::new(a.to_vec())
    } else {
        return Err(
            Error::InvalidArgument("message must be a Uint8Array or a string".into()).into(),
        );
    };
    let keys = handles(field(&o, "decryptionKeys"), "decryptionKeys")?;
    let passwords = strings(&o, "passwords")?;
    let limits = super::pgp::limits_opt(&o)?;
    // Either the message's beginning (parsed up to the encrypted data) or
    // just its session key packets (as `StreamDecryptor.eskBytes()` gives).
    let mut scan = core::StreamDecryptor::new(StreamDecryptOptions::default());
    let esk: SecretBuf = match scan.push(&message) {
        Ok(_) if scan.needs_session_key() => SecretBuf::new(scan.esk_bytes().to_vec()),
        _ => message,
    };
    let key_refs: Vec<&crate::openpgp::PrivateKey> = keys.iter().map(|k| k.as_ref()).collect();
    let pw_refs: Vec<&str> = passwords.iter().map(|p| p.as_str()).collect();
    let sk = core::decrypt_session_key(&esk, &key_refs, &pw_refs, &limits)?;
    Ok(Uint8Array::from(sk.to_bytes().as_slice()))
}
