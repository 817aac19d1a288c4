//! The second pass of a two-pass decryption must read exactly what the first
//! pass authenticated. The first pass records a SHA-256 per 1 MiB segment of
//! the (binary) message; the second pass holds each segment until its digest
//! matches, so a source that changed in between is caught before any octet
//! of the changed segment is decrypted or released (`TAMPERED`), not only at
//! the MDC at the end. 32 octets of state per MiB of message.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::meter::stage;
use crate::{Error, Result};

/// Segment size of the fingerprints.
const SEGMENT: usize = 1 << 20;

/// The error of a second pass that read something else than the first.
pub(super) fn changed() -> Error {
    Error::Tampered(
        "the message changed between the verifying and the decrypting pass; \
         discard everything received from this stream"
            .into(),
    )
}

/// Digests of the message's segments, recorded by the first pass.
#[derive(Default)]
pub(super) struct Fingerprints {
    digests: Vec<[u8; 32]>,
    cur: Sha256,
    cur_len: usize,
}

impl Fingerprints {
    /// Records message octets, in order.
    pub(super) fn record(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (SEGMENT - self.cur_len).min(data.len());
            let (a, b) = data.split_at(take);
            self.cur.update(a);
            self.cur_len += take;
            data = b;
            if self.cur_len == SEGMENT {
                self.digests
                    .push(std::mem::take(&mut self.cur).finalize().into());
                self.cur_len = 0;
            }
        }
    }

    /// The message ended: the second pass checks against these.
    pub(super) fn seal(mut self) -> Replay {
        if self.cur_len > 0 {
            self.digests
                .push(std::mem::take(&mut self.cur).finalize().into());
        }
        Replay {
            digests: self.digests,
            next: 0,
            seg: Zeroizing::new(Vec::new()),
        }
    }
}

/// The second pass's gate: octets come out only in segments whose digest
/// matches the first pass's.
pub(super) struct Replay {
    digests: Vec<[u8; 32]>,
    next: usize,
    /// The segment being collected (ciphertext; wiped anyway).
    seg: Zeroizing<Vec<u8>>,
}

impl Replay {
    fn check(&mut self, seg: &[u8]) -> Result<()> {
        let d: [u8; 32] = Sha256::digest(seg).into();
        if self.digests.get(self.next) != Some(&d) {
            return Err(changed());
        }
        self.next += 1;
        Ok(())
    }

    /// Takes message octets; `f` receives each verified segment in order.
    pub(super) fn push(
        &mut self,
        mut data: &[u8],
        mut f: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        while !data.is_empty() {
            if self.seg.is_empty() && data.len() >= SEGMENT {
                // A whole segment in view: checked in place, not staged.
                let (a, b) = data.split_at(SEGMENT);
                self.check(a)?;
                f(a)?;
                data = b;
                continue;
            }
            let take = (SEGMENT - self.seg.len()).min(data.len());
            let (a, b) = data.split_at(take);
            stage(&mut self.seg, a);
            data = b;
            if self.seg.len() == SEGMENT {
                let seg = std::mem::take(&mut self.seg);
                self.check(&seg)?;
                f(&seg)?;
                self.seg = seg;
                self.seg.clear();
            }
        }
        Ok(())
    }

    /// The input ended: the last segment, and nothing may be missing.
    pub(super) fn finish(&mut self, f: impl FnOnce(&[u8]) -> Result<()>) -> Result<()> {
        if !self.seg.is_empty() {
            let seg = std::mem::take(&mut self.seg);
            self.check(&seg)?;
            f(&seg)?;
        }
        if self.next != self.digests.len() {
            return Err(changed());
        }
        Ok(())
    }
}
