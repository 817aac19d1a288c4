//! Push-style decryption, the one engine every decryption goes through.
//! SEIPDv2 with a (signed, possibly compressed) literal data packet inside
//! streams chunk by chunk, each chunk released only after its tag verified;
//! SEIPDv1 (any cipher rPGP reads) streams in two passes when the caller can
//! push it twice (verify the MDC, then release: `seipd1.rs`, `replay.rs`),
//! and otherwise is decrypted and parsed as it arrives with its plaintext
//! held, up to `max_message_size`, until the MDC verified. Nothing is handed
//! to another decryptor.

use crate::scrub::SecretBuf;
use std::collections::VecDeque;

use pgp::crypto::sym::SymmetricKeyAlgorithm;
use zeroize::Zeroizing;

use super::framing::{parse_header, parse_new_length, BodyLen};
use super::literal::{Content, Inner, PlainOut, STAGE_STEP};
use super::meter::stage;
use super::replay::{changed, Fingerprints, Replay};
use super::seipd1::V1Dec;
use super::seipd2::{Backend, ChunkJob, ChunkKeys, Seipd2Params, SALT_LEN, TAG_LEN};
use super::sigcheck::SigCheck;
use crate::openpgp::armor::ArmorReader;
use crate::openpgp::content::SignatureCheck;
use crate::openpgp::esk::{Candidates, Cursor, SessionKey};
use crate::openpgp::keys::{parse_certs, PrivateKey};
use crate::openpgp::policy::Cert;
use crate::openpgp::{Limits, Plaintext};
use crate::{Error, Result};

/// Options for [`StreamDecryptor::new`].
#[derive(Debug, Clone, Default)]
pub struct StreamDecryptOptions {
    /// Size limits; `max_message_size` caps a one-pass SEIPDv1 message,
    /// whose plaintext is held until its MDC verified.
    pub limits: Limits,
    /// Who runs the per-chunk AEAD (`External` applies to GCM only).
    pub backend: Backend,
    /// The caller can push the message a second time (a file, not a
    /// one-shot stream): AES SEIPDv1 holding a literal data packet is then
    /// verified in a first pass that releases nothing, and decrypted again
    /// in a second ([`rewind`](StreamDecryptor::rewind)) that releases it.
    /// Otherwise SEIPDv1 plaintext is held until the MDC verified, for
    /// messages up to `max_message_size`.
    pub two_pass: bool,
    /// Certificates checking the signatures inside: one-pass and prefixed
    /// signatures around the literal data (the data is hashed as it is
    /// decrypted). Without them
    /// signatures are still reported, as by unknown keys.
    pub verification_keys: Vec<Vec<u8>>,
}

/// Where the outer packet parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    /// Expecting a packet header before the encrypted data.
    Header,
    /// Inside an ESK packet (collected) or a skipped one.
    Packet { remaining: usize, keep: bool },
    /// Inside the SEIPD body: `remaining` octets of this part; `last` = no more parts.
    Body { remaining: usize, last: bool },
    /// SEIPD body runs to the end of input (old-format indeterminate length).
    BodyToEnd,
    /// Expecting the next partial length of the SEIPD body.
    BodyLen,
    /// The SEIPD packet ended.
    After,
}

struct PendingOpen {
    expect_len: usize,
    is_final: bool,
}

enum Body {
    /// SEIPDv1: in two passes (see `StreamDecryptOptions::two_pass`), or in
    /// one with the decrypted body held until its MDC verified.
    V1(Box<V1Dec>),
    /// Waiting for the version octet / SEIPDv2 header / session key.
    Start,
    V2(Box<V2Dec>),
}

struct V2Dec {
    keys: ChunkKeys,
    external: bool,
    next_index: u64,
    total_plain: u64,
    jobs: Vec<ChunkJob>,
    pending: VecDeque<PendingOpen>,
    /// The chunk being filled (chunk + tag octets when full).
    cur: Vec<u8>,
    /// A full chunk, released once a final tag's worth of octets follows it
    /// (until then it might be the last chunk plus part of the final tag).
    held: Option<Vec<u8>>,
    final_queued: bool,
    verified: bool,
    content: Content,
}

/// Decrypts a message pushed in pieces. Call [`push`](Self::push); when
/// [`needs_session_key`](Self::needs_session_key) turns true, obtain the key
/// from [`esk_bytes`](Self::esk_bytes) (e.g. with [`decrypt_session_key`]) and
/// give it with [`set_session_key`](Self::set_session_key); at the end call
/// [`finish`](Self::finish). Any error means: discard everything released so
/// far (only truncation can be detected that late; every released octet has
/// passed its chunk's tag).
pub struct StreamDecryptor {
    opts: StreamDecryptOptions,
    input: Vec<u8>,
    /// Message octets pushed (after the armor): a one-pass SEIPDv1 message
    /// is held whole, so it is capped at `max_message_size`.
    pushed: u64,
    outer: Outer,
    esks: Vec<u8>,
    /// SEIPD body octets received before the session key.
    ct: Vec<u8>,
    body_ended: bool,
    body: Body,
    session: Option<SessionKey>,
    seipd_seen: bool,
    failed: bool,
    done: bool,
    /// `None` until the first octet tells binary from armored.
    armor: Option<Option<ArmorReader>>,
    signatures: Vec<SignatureCheck>,
    /// Authenticated plaintext ready for the caller.
    out: SecretBuf,
    /// Or, once [`collect_blocks`](Self::collect_blocks) was called, all of
    /// it in blocks (the one-shot functions).
    blocks: Option<Plaintext>,
    /// First pass of a two-pass decryption: segment digests of the message.
    record: Option<Fingerprints>,
    /// The first pass verified the MDC: the gate for the second, until `rewind`.
    waiting: Option<Replay>,
    /// Second pass: the gate every octet goes through.
    replay: Option<Replay>,
    /// The MDC's SHA-1 from the first pass (names the whole plaintext).
    mdc: Option<[u8; 20]>,
    /// Second pass: SEIPDv1 plaintext is released.
    releasing: bool,
    /// The search for session keys, kept between attempts (see `unlock`).
    cursor: Option<Cursor>,
    /// Session keys whose held SEIPDv1 body failed its MDC.
    attempts: usize,
    /// The held body's MDC failed under the last key: it waits for another.
    retry: bool,
}

impl std::fmt::Debug for StreamDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecryptor")
            .field("outer", &self.outer)
            .field("has_session_key", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

/// Largest total size of ESK packets accepted before the encrypted data.
const MAX_ESK_BYTES: usize = 1 << 20;

/// Session keys that may each decrypt a held SEIPDv1 body before the message
/// is refused: a v4 SKESK cannot tell a wrong password before the MDC, and one
/// with a cheap S2K (simple, salted) costs the S2K budget nothing, so without
/// this cap a message of many such SKESKs would cost (SKESKs x body) work.
pub const MAX_BODY_ATTEMPTS: usize = 4;

impl StreamDecryptor {
    /// A decryptor that has no session key yet.
    pub fn new(opts: StreamDecryptOptions) -> Self {
        let opts_two_pass = opts.two_pass;
        StreamDecryptor {
            opts,
            input: Vec::new(),
            pushed: 0,
            outer: Outer::Header,
            esks: Vec::new(),
            ct: Vec::new(),
            body_ended: false,
            body: Body::Start,
            session: None,
            seipd_seen: false,
            failed: false,
            done: false,
            armor: None,
            signatures: Vec::new(),
            out: SecretBuf::new(Vec::new()),
            blocks: None,
            record: opts_two_pass.then(Fingerprints::default),
            waiting: None,
            replay: None,
            mdc: None,
            releasing: false,
            cursor: None,
            attempts: 0,
            retry: false,
        }
    }

    /// True when the encrypted data packet's version octet was read (so a
    /// SEIPDv1 body is known to be held before any key work is spent) and
    /// a session key is needed to go on.
    pub fn needs_session_key(&self) -> bool {
        self.seipd_seen
            && self.session.is_none()
            && (self.body_ended || !matches!(self.body, Body::Start) || !self.ct.is_empty())
    }

    /// The ESK packets read so far (complete once `needs_session_key`).
    pub fn esk_bytes(&self) -> &[u8] {
        &self.esks
    }

    /// Signature checks once [`is_done`](Self::is_done), in the form
    /// `decrypt` reports.
    pub fn signatures(&self) -> &[SignatureCheck] {
        &self.signatures
    }

    /// Whether the plaintext is released as it is authenticated
    /// (`Some(true)`), held until the end (`Some(false)`: one-pass SEIPDv1,
    /// known from the version octet, before any key work), or not known yet.
    pub fn is_streaming(&self) -> Option<bool> {
        match &self.body {
            Body::V2(_) => Some(true),
            Body::V1(v) => Some(!v.holds()),
            Body::Start => match self.ct.first() {
                Some(1) => Some(self.two_pass_v1()),
                Some(_) => Some(true),
                None => None,
            },
        }
    }

    /// SEIPDv1 runs in two passes (recording the first, or in the second).
    fn two_pass_v1(&self) -> bool {
        self.record.is_some() || self.releasing
    }

    /// The backend in use once known (`External` only for GCM).
    pub fn backend(&self) -> Backend {
        match &self.body {
            Body::V2(v) if v.external => Backend::External,
            _ => Backend::Rust,
        }
    }

    /// The SEIPDv2 parameters once known.
    pub fn params(&self) -> Option<Seipd2Params> {
        match &self.body {
            Body::V2(v) => Some(v.keys.params),
            _ => None,
        }
    }

    /// The per-message AEAD key for an external backend (GCM only).
    pub fn message_key(&self) -> Option<Zeroizing<Vec<u8>>> {
        match &self.body {
            Body::V2(v) if v.external => Some(v.keys.key.clone()),
            _ => None,
        }
    }

    fn guard(&self) -> Result<()> {
        if self.waiting.is_some() {
            return Err(Error::InvalidArgument(
                "the verifying pass ended: call rewind and push the message again".into(),
            ));
        }
        if self.failed {
            return Err(Error::InvalidArgument(
                "the decryptor failed earlier and cannot continue".into(),
            ));
        }
        Ok(())
    }

    fn wrap(&mut self, r: Result<()>) -> Result<()> {
        // A held body waiting for the next session key stays.
        if r.is_err() && !self.retry {
            self.failed = true;
            self.input.clear();
            self.ct.clear();
            if matches!(self.body, Body::V1(_)) {
                // Drops (and wipes) a held SEIPDv1 body.
                self.body = Body::Start;
            }
            self.out.clear();
            if self.blocks.is_some() {
                self.blocks = Some(Plaintext::new());
            }
        }
        r
    }

    /// Passes the plaintext ready so far to `f`, then empties the buffer
    /// (keeping its allocation).
    /// The buffer is wiped when the decryptor is dropped, not per batch: the
    /// plaintext goes to the caller anyway, and a wipe per batch costs a pass.
    pub fn with_output<T>(&mut self, f: impl FnOnce(&[u8]) -> T) -> T {
        let r = f(&self.out);
        self.out.clear();
        r
    }

    /// Octets of plaintext ready (see [`with_output`](Self::with_output)).
    pub fn output_len(&self) -> usize {
        self.out.len()
    }

    /// Passes the plaintext ready so far to `f` (which copies it into memory
    /// of its own) and empties it, if it is at most `room` octets; otherwise
    /// takes nothing and returns `None` (take it with
    /// [`with_output`](Self::with_output)). Whole or nothing: taking a prefix
    /// would shift the rest on every call, quadratic in output that is many
    /// times one buffer (a decompressed batch).
    pub fn take_output_within(&mut self, room: usize, f: impl FnOnce(&[u8])) -> Option<usize> {
        let n = self.out.len();
        if n > room {
            return None;
        }
        f(&self.out);
        self.out.clear();
        Some(n)
    }

    /// From now on plaintext is collected in blocks that never move, taken at
    /// the end with [`take_blocks`](Self::take_blocks), instead of waiting in
    /// one growing buffer: memory stays at the plaintext size (a compression
    /// bomb stops near `max_decompressed_size`, not twice it).
    pub fn collect_blocks(&mut self) {
        self.blocks.get_or_insert_with(Plaintext::new);
    }

    /// The plaintext collected in blocks (see [`collect_blocks`](Self::collect_blocks)).
    pub fn take_blocks(&mut self) -> Plaintext {
        self.blocks.take().unwrap_or_default()
    }

    /// Where released plaintext goes: the output buffer, or the blocks.
    fn sink<'a>(out: &'a mut Vec<u8>, blocks: &'a mut Option<Plaintext>) -> PlainOut<'a> {
        match blocks {
            Some(p) => PlainOut::Blocks(p),
            None => PlainOut::Copy(out),
        }
    }

    fn take_output(&mut self) -> Vec<u8> {
        self.with_output(|b| b.to_vec())
    }

    /// Adds message octets (binary, or ASCII-armored from the first octet on);
    /// the plaintext ready so far waits in the output buffer.
    pub fn push_into(&mut self, data: &[u8]) -> Result<()> {
        self.guard()?;
        if self.armor.is_none() {
            match data.iter().find(|b| !b.is_ascii_whitespace()) {
                None => return Ok(()),
                Some(b'-') => self.armor = Some(Some(ArmorReader::new())),
                Some(_) => self.armor = Some(None),
            }
        }
        let r = match self.armor.as_mut() {
            Some(Some(a)) => a.push(data).and_then(|bin| self.push_binary(&bin)),
            _ => self.push_binary(data),
        };
        self.wrap(r)
    }

    /// Adds message octets; returns authenticated plaintext ready so far.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.push_into(data)?;
        Ok(self.take_output())
    }

    /// Message octets after the armor: through the second pass's gate, or
    /// recorded by the first pass.
    fn push_binary(&mut self, data: &[u8]) -> Result<()> {
        if let Some(mut r) = self.replay.take() {
            let res = r.push(data, |seg| self.push_checked(seg));
            self.replay = Some(r);
            return res;
        }
        if let Some(fp) = self.record.as_mut() {
            fp.record(data);
        }
        self.push_checked(data)
    }

    fn push_checked(&mut self, data: &[u8]) -> Result<()> {
        self.pushed = self.pushed.saturating_add(data.len() as u64);
        self.check_held()?;
        let mut data = data;
        // A header fragment is left over from the last push: complete it with
        // a few octets of `data` (a cursor, not a copy of the whole push).
        while !self.input.is_empty() && !data.is_empty() {
            let take = data.len().min(STAGE_STEP);
            let old = self.input.len();
            stage(&mut self.input, data.get(..take).unwrap_or_default());
            let input = std::mem::take(&mut self.input);
            let used = self.parse_outer_from(&input, false)?;
            if used >= old {
                data = data.get(take - (input.len() - used)..).unwrap_or_default();
                break;
            }
            data = data.get(take..).unwrap_or_default();
            stage(&mut self.input, input.get(used..).unwrap_or_default());
        }
        if self.input.is_empty() {
            // Parse straight from `data`; keep only the unparsed tail.
            let pos = self.parse_outer_from(data, false)?;
            stage(&mut self.input, data.get(pos..).unwrap_or_default());
        }
        self.process_body()?;
        // Again now that the body's version octet may be known.
        self.check_held()
    }

    /// Supplies the session key; returns plaintext from input already pushed.
    pub fn set_session_key(&mut self, key: SessionKey) -> Result<Vec<u8>> {
        self.guard()?;
        if self.session.is_some() {
            return Err(Error::InvalidArgument("session key already set".into()));
        }
        let r = if std::mem::take(&mut self.retry) {
            self.rekey_held(key)
        } else {
            self.session = Some(key);
            self.run(false)
        };
        self.wrap(r)?;
        Ok(self.take_output())
    }

    /// The held SEIPDv1 body failed its MDC under the last key: `key` gets
    /// it next (it is not copied again), unless [`MAX_BODY_ATTEMPTS`] keys
    /// failed already.
    fn rekey_held(&mut self, key: SessionKey) -> Result<()> {
        if self.attempts >= MAX_BODY_ATTEMPTS {
            return Err(Error::LimitExceeded(format!(
                "{MAX_BODY_ATTEMPTS} session keys from this message's password packets failed \
                 its integrity check and more remain: refused, each would decrypt it whole"
            )));
        }
        let Body::V1(old) = &mut self.body else {
            return Err(Error::Internal("no held body to retry".into()));
        };
        let verify = !self.opts.verification_keys.is_empty();
        let mut v = V1Dec::new(&key, verify, &self.opts.limits, true)?;
        v.take_held(old);
        self.body = Body::V1(Box::new(v));
        self.session = Some(key);
        Ok(())
    }

    /// A one-pass SEIPDv1 message is held whole: at most `max_message_size`.
    fn check_held(&self) -> Result<()> {
        if self.is_streaming() == Some(false) && self.pushed > self.opts.limits.max_message_size {
            return Err(Error::LimitExceeded(format!(
                "this SEIPDv1 message exceeds the limit of {} bytes for decryption \
                 in one pass (pass a File, a Blob, a path or a stream factory instead \
                 of a one-shot stream, so it can be verified and then decrypted in \
                 two passes)",
                self.opts.limits.max_message_size
            )));
        }
        Ok(())
    }

    /// Ends the input without finishing: the armor's last octets and an
    /// indeterminate length are read, so a one-pass SEIPDv1 body is complete
    /// for [`held_len`](Self::held_len). Then [`finish_into`](Self::finish_into).
    pub fn end_input(&mut self) -> Result<()> {
        self.guard()?;
        let mut r = self.end_armor();
        if self.replay.is_none() && !self.needs_session_key() {
            r = r.and_then(|()| self.run(true));
        }
        self.wrap(r)
    }

    /// The held body of a one-pass AES SEIPDv1 message, complete and keyed:
    /// its ciphertext length, so the driver can decrypt it in block ranges
    /// (some in another thread: [`held_range`](Self::held_range),
    /// [`put_held_range`](Self::put_held_range)) before `finish`, which
    /// decrypts what is left and checks the MDC over it all before anything
    /// is parsed. 0 otherwise.
    pub fn held_len(&self) -> usize {
        match &self.body {
            Body::V1(v) if self.body_ended && self.session.is_some() => {
                v.held_aes().map_or(0, <[u8]>::len)
            }
            _ => 0,
        }
    }

    /// The algorithm octet and key of the held body (for a range decrypted
    /// in another thread: `cfb_decrypt_range`).
    pub fn held_key(&self) -> Option<Zeroizing<Vec<u8>>> {
        match &self.body {
            Body::V1(v) if self.held_len() > 0 => Some(v.key_bytes()),
            _ => None,
        }
    }

    /// The IV and ciphertext of held range `start..end` (`start` a multiple of 16).
    pub fn held_range(&self, start: usize, end: usize) -> Result<([u8; 16], &[u8])> {
        match &self.body {
            Body::V1(v) if self.held_len() > 0 => v.held_range(start, end),
            _ => Err(Error::InvalidArgument("no held body".into())),
        }
    }

    /// Puts the plaintext of held range `start..end`: `plain` decrypted
    /// elsewhere, or `None` to decrypt it here. Unauthenticated until the MDC.
    pub fn put_held_range(&mut self, start: usize, end: usize, plain: Option<&[u8]>) -> Result<()> {
        if self.held_len() == 0 {
            return Err(Error::InvalidArgument("no held body".into()));
        }
        match &mut self.body {
            Body::V1(v) => v.put_range(start, end, plain),
            _ => Err(Error::InvalidArgument("no held body".into())),
        }
    }

    /// The octets a held SEIPDv1 body's MDC hashes, its plaintext joined now,
    /// for a SHA-1 of the host's; give its digest to
    /// [`set_held_digest`](Self::set_held_digest) before `finish`. `None`
    /// without a held body. No ranges can be put afterwards.
    pub fn held_digest_input(&mut self) -> Result<Option<&[u8]>> {
        if self.held_len() == 0 {
            return Ok(None);
        }
        match &mut self.body {
            Body::V1(v) => v.digest_input(),
            _ => Ok(None),
        }
    }

    /// The SHA-1 of [`held_digest_input`](Self::held_digest_input)'s octets:
    /// the MDC is then compared with it instead of hashing them again.
    pub fn set_held_digest(&mut self, digest: [u8; 20]) -> Result<()> {
        match &mut self.body {
            Body::V1(v) => v.set_digest(digest),
            _ => Err(Error::InvalidArgument("no held body".into())),
        }
    }

    /// Finds the next session key with keys/passwords (the search of
    /// [`decrypt_session_key`](crate::openpgp::stream::decrypt_session_key),
    /// under this decryptor's limits) and sets it. When
    /// [`finish_into`](Self::finish_into) fails with `DECRYPTION_FAILED` and
    /// [`needs_session_key`](Self::needs_session_key) is true again (a held
    /// SEIPDv1 body whose MDC failed: a v4 SKESK cannot tell a wrong
    /// password), call it again with the same keys and passwords, then
    /// `finish_into`: the search goes on where it stopped (each S2K derived
    /// once, one S2K budget for the message), at most [`MAX_BODY_ATTEMPTS`]
    /// keys decrypt the body. No key left: `NO_MATCHING_KEY`, or
    /// `DECRYPTION_FAILED` once one was tried.
    pub fn unlock(&mut self, keys: &[&PrivateKey], passwords: &[&str]) -> Result<Vec<u8>> {
        self.guard()?;
        let found = Candidates::from_bytes(&self.esks, keys, passwords, &self.opts.limits)
            .and_then(|mut c| {
                if let Some(cur) = self.cursor.take() {
                    c.resume(cur);
                }
                let next = c.next_key();
                self.cursor = Some(c.cursor());
                match next? {
                    Some(k) => Ok(k),
                    None if self.attempts > 0 => Err(Error::DecryptionFailed),
                    None => Err(c.none_found()),
                }
            });
        match found {
            Ok(k) => self.set_session_key(k),
            Err(e) => {
                self.retry = false;
                self.wrap(Err(e)).map(|()| Vec::new())
            }
        }
    }

    /// Ends the input: checks that the message was complete and its final tag
    /// verifies (or the MDC, releasing the held plaintext). With the external backend
    /// the last jobs may only be handed out here: then run them and call
    /// `finish` again.
    pub fn finish_into(&mut self) -> Result<()> {
        self.guard()?;
        let r = self.end_armor().and_then(|()| self.finish_inner());
        self.wrap(r)
    }

    /// The armor's last octets (its final line, the checksum) pushed on.
    fn end_armor(&mut self) -> Result<()> {
        match self.armor.as_mut() {
            Some(Some(a)) => a.finish().and_then(|bin| {
                self.armor = Some(None);
                self.push_binary(&bin)
            }),
            _ => Ok(()),
        }
    }

    /// [`finish_into`](Self::finish_into), returning the remaining plaintext.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        self.finish_into()?;
        Ok(self.take_output())
    }

    fn finish_inner(&mut self) -> Result<()> {
        if let Some(mut r) = self.replay.take() {
            r.finish(|seg| self.push_checked(seg))?;
        }
        if self.needs_session_key() {
            return Err(Error::InvalidArgument(
                "no session key was set for this message".into(),
            ));
        }
        self.run(true)?;
        if !self.seipd_seen {
            let empty = self.pushed == 0;
            return Err(Error::MalformedInput(
                if empty {
                    "empty message"
                } else {
                    "truncated input: no encrypted data packet"
                }
                .into(),
            ));
        }
        // The outer framing stopped inside a packet: the input was cut short
        // (structure, found without any cryptography).
        if !self.input.is_empty()
            || matches!(
                self.outer,
                Outer::Packet { .. } | Outer::Body { .. } | Outer::BodyLen
            )
        {
            return Err(Error::MalformedInput("truncated input".into()));
        }
        if let Body::V1(_) = self.body {
            return self.end_v1();
        }
        let Body::V2(v) = &self.body else {
            return Err(Error::DecryptionFailed);
        };
        if !v.jobs.is_empty() || !v.pending.is_empty() {
            // External backend: the caller still has jobs to run.
            return Ok(());
        }
        if !v.verified || !self.body_ended {
            return Err(Error::DecryptionFailed);
        }
        if !v.content.complete() {
            return Err(Error::MalformedInput(
                "the literal data packet inside is incomplete".into(),
            ));
        }
        let sigs = match &mut self.body {
            Body::V2(v) => v.content.take_sigs(),
            _ => return Err(Error::Internal("not SEIPDv2".into())),
        };
        self.signatures = self.judge(sigs)?;
        self.done = true;
        Ok(())
    }

    /// True while the first pass of a two-pass decryption runs (or waits for
    /// `rewind`): it releases nothing.
    pub fn is_verifying(&self) -> bool {
        !self.releasing && (matches!(self.body, Body::V1(_)) || self.waiting.is_some())
    }

    /// True when the first pass of a two-pass decryption verified the
    /// message: call [`rewind`](Self::rewind) and push it again.
    pub fn needs_second_pass(&self) -> bool {
        self.waiting.is_some()
    }

    /// Starts the second pass: the session key is kept (no S2K or private-key
    /// work again); the message must be pushed again from its first octet,
    /// and each 1 MiB of it must match the first pass (else `TAMPERED`).
    pub fn rewind(&mut self) -> Result<()> {
        let Some(replay) = self.waiting.take() else {
            return Err(Error::InvalidArgument(
                "rewind: no verified first pass to repeat".into(),
            ));
        };
        self.replay = Some(replay);
        self.releasing = true;
        self.input.clear();
        self.pushed = 0;
        self.outer = Outer::Header;
        self.esks.clear();
        self.ct.clear();
        self.body_ended = false;
        self.body = Body::Start;
        self.seipd_seen = false;
        self.armor = None;
        self.out.clear();
        Ok(())
    }

    /// The SEIPDv1 version octet is in: starts CFB once the session key is
    /// known (one pass with the plaintext held, or the pass under way).
    fn start_v1(&mut self) -> Result<()> {
        let Some(sk) = self.session.as_ref() else {
            return Ok(());
        };
        let verify = !self.opts.verification_keys.is_empty();
        let v = V1Dec::new(sk, verify, &self.opts.limits, !self.two_pass_v1())?;
        let ct = std::mem::take(&mut self.ct);
        self.body = Body::V1(Box::new(v));
        self.body_bytes(ct.get(1..).unwrap_or_default())
    }

    /// Where SEIPDv1 plaintext goes: out (second pass; one pass, once its
    /// MDC verified), or nowhere (the verifying pass).
    fn v1_out<'a>(
        releasing: bool,
        one_pass: bool,
        out: &'a mut Vec<u8>,
        blocks: &'a mut Option<Plaintext>,
    ) -> PlainOut<'a> {
        if releasing || one_pass {
            Self::sink(out, blocks)
        } else {
            PlainOut::Discard
        }
    }

    /// The SEIPDv1 body ended: MDC and content checked. First pass: the
    /// second may start. Second pass: the MDC must name the same plaintext.
    fn end_v1(&mut self) -> Result<()> {
        let Body::V1(v) = &mut self.body else {
            return Err(Error::Internal("not SEIPDv1".into()));
        };
        let one_pass = v.holds();
        let mut to = Self::v1_out(self.releasing, one_pass, &mut self.out, &mut self.blocks);
        let r = v.end(&mut to).and_then(|d| {
            if !v.content.complete() {
                return Err(Error::MalformedInput(
                    "the literal data packet inside is incomplete".into(),
                ));
            }
            Ok(d)
        });
        if self.releasing {
            // The first pass verified this message: any failure now is a
            // different source.
            if r.ok() != self.mdc {
                self.out.clear();
                return Err(changed());
            }
            let sigs = v.content.take_sigs();
            self.signatures = self.judge(sigs)?;
            self.done = true;
            return Ok(());
        }
        if one_pass && v.mdc_failed() {
            // Perhaps a wrong candidate: the body waits for the next key.
            self.attempts += 1;
            self.retry = true;
            self.session = None;
            return Err(Error::DecryptionFailed);
        }
        let digest = r?;
        if one_pass {
            // The MDC verified before the held body was parsed into `out`.
            let sigs = v.content.take_sigs();
            self.signatures = self.judge(sigs)?;
            self.done = true;
            return Ok(());
        }
        let fp = self
            .record
            .take()
            .ok_or_else(|| Error::Internal("no fingerprints".into()))?;
        self.waiting = Some(fp.seal());
        self.mdc = Some(digest);
        Ok(())
    }

    /// The verification keys, parsed.
    fn certs(&self) -> Result<Vec<Cert>> {
        let keys: Vec<&[u8]> = self
            .opts
            .verification_keys
            .iter()
            .map(|k| k.as_slice())
            .collect();
        parse_certs(&keys, &self.opts.limits)
    }

    /// The streamed content's signatures judged against the verification
    /// keys, once all of it was released.
    fn judge(&self, sigs: SigCheck) -> Result<Vec<SignatureCheck>> {
        sigs.finish(&self.certs()?)
    }

    /// True once the final tag (or the MDC) verified and the content ended.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Jobs waiting for the external backend, in order.
    pub fn take_jobs(&mut self) -> Vec<ChunkJob> {
        match &mut self.body {
            Body::V2(v) => std::mem::take(&mut v.jobs),
            _ => Vec::new(),
        }
    }

    /// Takes the plaintext of the oldest outstanding job (empty for the final
    /// tag); it waits in the output buffer. A failed authentication must be
    /// reported with [`fail_job`](Self::fail_job) instead.
    pub fn complete_job_into(&mut self, plain: &[u8]) -> Result<()> {
        self.guard()?;
        let r = self.complete_inner(plain, None);
        self.wrap(r)
    }

    /// Like [`complete_job_into`](Self::complete_job_into), but the literal
    /// data is not copied: `segments` receives (offset, length) pairs into
    /// `plain`, in order, and the caller hands those ranges of its own copy of
    /// the plaintext on (the octets between them are packet framing).
    pub fn complete_job_segments_into(
        &mut self,
        plain: &[u8],
        segments: &mut Vec<u32>,
    ) -> Result<()> {
        self.guard()?;
        let r = self.complete_inner(plain, Some(segments));
        self.wrap(r)
    }

    /// How many octets at the start of the oldest outstanding job's plaintext
    /// are literal data whatever their value (the parser is inside a literal
    /// data part that long): a caller holding that plaintext may then use
    /// [`complete_job_literal`](Self::complete_job_literal) and hand it on
    /// whole, without showing it to us. 0 when the octets must be parsed.
    pub fn literal_run(&self) -> usize {
        match &self.body {
            Body::V2(v) if !self.failed => v.literal_run(),
            _ => 0,
        }
    }

    /// SEIPDv2: the literal data octets not yet released, once the parser is
    /// inside a literal data packet of definite length outside any
    /// compressed layer (so the released data's total is known from the
    /// first chunk: the one-shot `decrypt` sizes its result by it); else
    /// `None`. Announced by the sender: a hint, checked by the caller.
    pub fn literal_left(&self) -> Option<usize> {
        match &self.body {
            Body::V2(v) if !self.failed => v.content.data_left(),
            _ => None,
        }
    }

    /// Completes the oldest outstanding job when all of its plaintext is
    /// literal data (`len` octets, at most [`literal_run`](Self::literal_run)):
    /// the caller hands its plaintext on as it is. Otherwise `INVALID_ARGUMENT`
    /// and the decryptor fails.
    pub fn complete_job_literal(&mut self, len: usize) -> Result<()> {
        self.guard()?;
        let r = match &mut self.body {
            Body::V2(v) => v.complete_literal(len),
            _ => Err(Error::InvalidArgument("no job is outstanding".into())),
        };
        self.wrap(r)
    }

    /// [`complete_job_into`](Self::complete_job_into), returning the plaintext.
    pub fn complete_job(&mut self, plain: &[u8]) -> Result<Vec<u8>> {
        self.complete_job_into(plain)?;
        Ok(self.take_output())
    }

    /// The backend reports an authentication failure: the decryptor fails
    /// with `DECRYPTION_FAILED`.
    pub fn fail_job(&mut self) -> Error {
        let _ = self.wrap(Err(Error::DecryptionFailed));
        Error::DecryptionFailed
    }

    fn complete_inner(&mut self, plain: &[u8], segments: Option<&mut Vec<u32>>) -> Result<()> {
        match &mut self.body {
            Body::V2(v) => {
                let mut to = match segments {
                    Some(s) => PlainOut::Segments(s, &mut self.out),
                    None => Self::sink(&mut self.out, &mut self.blocks),
                };
                v.complete(plain, &mut to)?
            }
            Body::Start | Body::V1(_) => {
                return Err(Error::InvalidArgument("no job is outstanding".into()))
            }
        }
        Ok(())
    }

    /// Parses as far as the input allows.
    fn run(&mut self, at_end: bool) -> Result<()> {
        self.parse_outer(at_end)?;
        self.process_body()
    }

    /// SEIPD body octets from the outer parser.
    fn body_bytes(&mut self, b: &[u8]) -> Result<()> {
        match &mut self.body {
            Body::V2(v) => v.put(b, &mut Self::sink(&mut self.out, &mut self.blocks))?,
            Body::Start => stage(&mut self.ct, b),
            Body::V1(v) => {
                let mut to =
                    Self::v1_out(self.releasing, v.holds(), &mut self.out, &mut self.blocks);
                v.put(b, &mut to)?;
            }
        }
        Ok(())
    }

    fn parse_outer(&mut self, at_end: bool) -> Result<()> {
        let mut input = std::mem::take(&mut self.input);
        let pos = self.parse_outer_from(&input, at_end)?;
        super::meter::count(input.len() - pos);
        input.drain(..pos);
        self.input = input;
        Ok(())
    }

    /// Parses `input` as far as it goes; returns the octets consumed.
    fn parse_outer_from(&mut self, input: &[u8], at_end: bool) -> Result<usize> {
        let mut pos = 0;
        loop {
            let avail = input.len() - pos;
            match self.outer {
                Outer::Header => {
                    let Some(h) = parse_header(input.get(pos..).unwrap_or_default())? else {
                        break;
                    };
                    pos += h.header_len;
                    match h.tag {
                        1 | 3 | 10 | 21 => {
                            let BodyLen::Fixed(n) = h.len else {
                                return Err(Error::MalformedInput(
                                    "session key packet without a definite length".into(),
                                ));
                            };
                            let keep = matches!(h.tag, 1 | 3);
                            if keep && n > MAX_ESK_BYTES {
                                return Err(Error::MalformedInput(format!(
                                    "a session key packet of {n} octets"
                                )));
                            }
                            if keep {
                                let total = self
                                    .esks
                                    .len()
                                    .checked_add(n)
                                    .and_then(|t| t.checked_add(h.header_len));
                                if total.is_none_or(|t| t > MAX_ESK_BYTES) {
                                    return Err(Error::LimitExceeded(
                                        "session key packets exceed 1 MiB".into(),
                                    ));
                                }
                                let start = pos - h.header_len;
                                stage(&mut self.esks, input.get(start..pos).unwrap_or_default());
                            }
                            self.outer = Outer::Packet { remaining: n, keep };
                        }
                        18 => {
                            self.seipd_seen = true;
                            self.outer = match h.len {
                                BodyLen::Fixed(n) => Outer::Body {
                                    remaining: n,
                                    last: true,
                                },
                                BodyLen::Partial(n) => Outer::Body {
                                    remaining: n,
                                    last: false,
                                },
                                BodyLen::Indeterminate => Outer::BodyToEnd,
                            };
                        }
                        9 => {
                            return Err(Error::Unsupported(
                                "symmetrically encrypted data without integrity protection \
                                 (SED) is refused"
                                    .into(),
                            ))
                        }
                        20 => {
                            return Err(Error::Unsupported(
                                "GnuPG's non-standard OCB packet (type 20) is not supported".into(),
                            ))
                        }
                        t => {
                            return Err(Error::MalformedInput(format!(
                                "expected an encrypted message, found packet type {t}"
                            )))
                        }
                    }
                }
                Outer::Packet { remaining, keep } => {
                    let n = remaining.min(avail);
                    if keep {
                        stage(&mut self.esks, input.get(pos..pos + n).unwrap_or_default());
                    }
                    pos += n;
                    if n == remaining {
                        self.outer = Outer::Header;
                    } else {
                        self.outer = Outer::Packet {
                            remaining: remaining - n,
                            keep,
                        };
                        break;
                    }
                }
                Outer::Body { remaining, last } => {
                    let n = remaining.min(avail);
                    self.body_bytes(input.get(pos..pos + n).unwrap_or_default())?;
                    pos += n;
                    if n < remaining {
                        self.outer = Outer::Body {
                            remaining: remaining - n,
                            last,
                        };
                        break;
                    }
                    if last {
                        self.outer = Outer::After;
                        self.body_ended = true;
                    } else {
                        self.outer = Outer::BodyLen;
                    }
                }
                Outer::BodyLen => {
                    let Some((len, used)) = parse_new_length(input.get(pos..).unwrap_or_default())?
                    else {
                        break;
                    };
                    pos += used;
                    self.outer = match len {
                        BodyLen::Fixed(n) => Outer::Body {
                            remaining: n,
                            last: true,
                        },
                        BodyLen::Partial(n) => Outer::Body {
                            remaining: n,
                            last: false,
                        },
                        BodyLen::Indeterminate => Outer::BodyToEnd,
                    };
                }
                Outer::BodyToEnd => {
                    self.body_bytes(input.get(pos..).unwrap_or_default())?;
                    pos = input.len();
                    if at_end {
                        self.outer = Outer::After;
                        self.body_ended = true;
                    }
                    break;
                }
                Outer::After => {
                    if avail > 0 {
                        return Err(Error::MalformedInput(
                            "data after the encrypted data packet".into(),
                        ));
                    }
                    break;
                }
            }
        }
        Ok(pos)
    }

    fn process_body(&mut self) -> Result<()> {
        if let Body::Start = self.body {
            let Some(&version) = self.ct.first() else {
                return Ok(());
            };
            match version {
                1 => return self.start_v1(),
                2 => {}
                v => {
                    return Err(Error::Unsupported(format!(
                        "encrypted data packet version {v}"
                    )))
                }
            }
            if self.ct.len() < 4 + SALT_LEN {
                if self.body_ended {
                    return Err(Error::MalformedInput(
                        "SEIPDv2 packet shorter than its header".into(),
                    ));
                }
                return Ok(());
            }
            let Some(sk) = self.session.as_ref() else {
                return Ok(());
            };
            let (h, rest) = self.ct.split_at(4);
            let params = Seipd2Params {
                sym: SymmetricKeyAlgorithm::from(h[1]),
                aead: pgp::crypto::aead::AeadAlgorithm::from(h[2]),
                chunk_size_octet: h[3],
            };
            params.check()?;
            if sk.sym().is_some_and(|s| s != params.sym) {
                return Err(Error::DecryptionFailed);
            }
            let (salt, body) = rest.split_at(SALT_LEN);
            let keys = ChunkKeys::derive(params, sk.key(), salt)?;
            let full = params.chunk_size() + TAG_LEN;
            let mut v = Box::new(V2Dec {
                keys,
                // WebCrypto has no 192-bit AES-GCM: AES-192 runs in Rust.
                external: self.opts.backend == Backend::External
                    && params.aead == pgp::crypto::aead::AeadAlgorithm::Gcm
                    && params.sym != SymmetricKeyAlgorithm::AES192,
                next_index: 0,
                total_plain: 0,
                jobs: Vec::new(),
                pending: VecDeque::new(),
                cur: Vec::with_capacity(full),
                held: None,
                final_queued: false,
                verified: false,
                content: Content::new(!self.opts.verification_keys.is_empty(), &self.opts.limits),
            });
            v.put(body, &mut Self::sink(&mut self.out, &mut self.blocks))?;
            self.ct = Vec::new();
            // Only SEIPDv1 has a second pass.
            self.record = None;
            self.body = Body::V2(v);
        }
        if self.body_ended {
            if let Body::V2(v) = &mut self.body {
                v.end(&mut Self::sink(&mut self.out, &mut self.blocks))?;
            }
        }
        Ok(())
    }
}

impl V2Dec {
    /// Takes ciphertext octets; cuts chunks (see `held`).
    fn put(&mut self, mut b: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        let full = self.keys.params.chunk_size() + TAG_LEN;
        while !b.is_empty() {
            let take = (full - self.cur.len()).min(b.len());
            let (head, rest) = b.split_at(take);
            stage(&mut self.cur, head);
            b = rest;
            if self.cur.len() >= TAG_LEN {
                if let Some(h) = self.held.take() {
                    self.queue(h, false, out)?;
                }
            }
            if self.cur.len() == full {
                self.held = Some(std::mem::replace(&mut self.cur, Vec::with_capacity(full)));
            }
        }
        Ok(())
    }

    /// The body ended: the last chunk (if any) and the final tag.
    fn end(&mut self, out: &mut PlainOut<'_>) -> Result<()> {
        if self.final_queued {
            return Ok(());
        }
        let mut cur = std::mem::take(&mut self.cur);
        let (last, tag) = match self.held.take() {
            Some(mut h) => {
                // `cur` is shorter than a tag here; the tag straddles both.
                let split = h.len() + cur.len() - TAG_LEN;
                let mut tag = Vec::with_capacity(TAG_LEN);
                stage(&mut tag, h.get(split..).unwrap_or_default());
                h.truncate(split);
                stage(&mut tag, &cur);
                (Some(h), tag)
            }
            None => {
                if cur.len() < TAG_LEN {
                    return Err(Error::MalformedInput(
                        "SEIPDv2 packet too short for its final tag".into(),
                    ));
                }
                let mut tag = Vec::with_capacity(TAG_LEN);
                stage(&mut tag, cur.get(cur.len() - TAG_LEN..).unwrap_or_default());
                cur.truncate(cur.len() - TAG_LEN);
                ((!cur.is_empty()).then_some(cur), tag)
            }
        };
        if let Some(l) = last {
            if l.len() <= TAG_LEN {
                return Err(Error::MalformedInput("an empty SEIPDv2 chunk".into()));
            }
            self.queue(l, false, out)?;
        }
        self.final_queued = true;
        self.queue(tag, true, out)
    }

    /// Queues (external) or runs (Rust) one open job.
    fn queue(&mut self, data: Vec<u8>, is_final: bool, out: &mut PlainOut<'_>) -> Result<()> {
        let index = self.next_index;
        let in_len = data.len();
        let out_len = in_len.saturating_sub(TAG_LEN);
        let ad = if is_final {
            self.keys.final_ad(self.total_plain)
        } else {
            self.total_plain += out_len as u64;
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
            out_len,
        };
        if self.external {
            self.pending.push_back(PendingOpen {
                expect_len: out_len,
                is_final,
            });
            self.jobs.push(job);
            return Ok(());
        }
        self.keys.open_job(&mut job)?;
        if is_final {
            self.verified = true;
            return Ok(());
        }
        let r = self
            .content
            .feed(job.data.get(..out_len).unwrap_or_default(), out);
        zeroize::Zeroize::zeroize(&mut job.data[..]);
        r
    }

    fn literal_run(&self) -> usize {
        // Signed data must be hashed here: it cannot bypass the parser.
        if !self.content.pt.is_empty() || self.content.sigs.hashing() {
            return 0;
        }
        match (self.pending.front(), self.content.inner) {
            (Some(p), Inner::Data { remaining, .. }) if !p.is_final => remaining,
            _ => 0,
        }
    }

    fn complete_literal(&mut self, len: usize) -> Result<()> {
        match self.pending.front() {
            Some(p) if p.expect_len == len && len > 0 && self.literal_run() >= len => {}
            _ => {
                return Err(Error::InvalidArgument(
                    "the job's plaintext is not all literal data".into(),
                ))
            }
        }
        self.pending.pop_front();
        if let Inner::Data { remaining, last } = self.content.inner {
            if remaining != usize::MAX {
                let left = remaining - len;
                self.content.inner = match (left, last) {
                    (0, true) => Inner::After,
                    (0, false) => Inner::NextLen,
                    _ => Inner::Data {
                        remaining: left,
                        last,
                    },
                };
            }
        }
        Ok(())
    }

    fn complete(&mut self, plain: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        let Some(p) = self.pending.pop_front() else {
            return Err(Error::InvalidArgument("no job is outstanding".into()));
        };
        if plain.len() != p.expect_len {
            return Err(Error::InvalidArgument(format!(
                "job result of {} octets, expected {}",
                plain.len(),
                p.expect_len
            )));
        }
        if p.is_final {
            self.verified = true;
            return Ok(());
        }
        self.content.feed(plain, out)
    }
}
