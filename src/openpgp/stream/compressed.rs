//! Push-style decompression of a compressed data packet's body (RFC 9580
//! §5.6): octets go in as they are decrypted, plaintext comes out in bounded
//! steps, so a GnuPG message (compressed by default) streams like any other.
//! ZIP is raw deflate (RFC 1951), ZLIB is RFC 1950, both through flate2's
//! zlib-rs backend; BZip2 through libbz2-rs-sys (pure Rust, builds for
//! wasm32): the same codecs rPGP links, one version of each.
//!
//! Output is counted against the decompressed-size cap *before* it is handed
//! on, and produced at most [`OUT_STEP`] octets at a time, so a bomb costs
//! time linear in the cap, never in its ratio. Damage inside the compressed
//! stream is `MALFORMED_INPUT`: the packet around it authenticated, so the
//! data is what the sender wrote, only not decodable.

use crate::scrub::SecretBuf;

use super::meter::count;
use crate::{Error, Result};

/// Largest piece of output produced per decoder call.
const OUT_STEP: usize = 64 * 1024;

enum Codec {
    /// Algorithm 0: the body is the content as it is.
    Stored,
    Flate(Box<flate2::Decompress>),
    Bzip2(Box<bzip2::Decompress>),
}

/// One compressed data packet's decoder.
pub(super) struct Decompressor {
    codec: Codec,
    /// Octets produced so far, and their cap.
    produced: u64,
    cap: u64,
    /// The self-terminating stream (deflate, zlib, bzip2) reached its end;
    /// octets after it are ignored (Sequoia pads there).
    ended: bool,
    buf: SecretBuf,
}

fn damaged() -> Error {
    Error::MalformedInput("the compressed data inside is damaged".into())
}

impl Decompressor {
    /// A decoder for compression algorithm `algo` whose output may not
    /// exceed `cap` octets.
    pub(super) fn new(algo: u8, cap: u64) -> Result<Self> {
        let codec = match algo {
            0 => Codec::Stored,
            1 => Codec::Flate(Box::new(flate2::Decompress::new(false))),
            2 => Codec::Flate(Box::new(flate2::Decompress::new(true))),
            3 => Codec::Bzip2(Box::new(bzip2::Decompress::new(false))),
            a => return Err(Error::Unsupported(format!("compression algorithm {a}"))),
        };
        let buf = match codec {
            Codec::Stored => Vec::new(),
            _ => vec![0; OUT_STEP],
        };
        Ok(Decompressor {
            codec,
            produced: 0,
            cap,
            ended: false,
            buf: SecretBuf::new(buf),
        })
    }

    /// No output is pending and no more is owed: a self-terminating stream
    /// ended (stored data ends with its packet).
    pub(super) fn ended(&self) -> bool {
        self.ended || matches!(self.codec, Codec::Stored)
    }

    fn account(&mut self, n: usize) -> Result<()> {
        self.produced = self.produced.saturating_add(n as u64);
        if self.produced > self.cap {
            return Err(Error::LimitExceeded(format!(
                "decompressed data exceeds the limit of {} bytes",
                self.cap
            )));
        }
        count(n);
        Ok(())
    }

    /// Decodes `input` (the next octets of the packet body), handing the
    /// output to `sink` in order, [`OUT_STEP`] octets at most at a time.
    pub(super) fn put(
        &mut self,
        mut input: &[u8],
        mut sink: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        if let Codec::Stored = self.codec {
            while !input.is_empty() {
                let (piece, rest) = input.split_at(input.len().min(OUT_STEP));
                self.account(piece.len())?;
                sink(piece)?;
                input = rest;
            }
            return Ok(());
        }
        while !self.ended {
            // One octet beyond the cap is enough to know it was exceeded.
            let room = self.cap.saturating_sub(self.produced).saturating_add(1);
            let want = usize::try_from(room).unwrap_or(OUT_STEP).min(OUT_STEP);
            let out = self.buf.get_mut(..want).unwrap_or_default();
            let (used, made, end) = match &mut self.codec {
                Codec::Flate(d) => {
                    let (i, o) = (d.total_in(), d.total_out());
                    let s = d
                        .decompress(input, out, flate2::FlushDecompress::None)
                        .map_err(|_| damaged())?;
                    (
                        d.total_in() - i,
                        d.total_out() - o,
                        s == flate2::Status::StreamEnd,
                    )
                }
                Codec::Bzip2(d) => {
                    let (i, o) = (d.total_in(), d.total_out());
                    let s = d.decompress(input, out).map_err(|_| damaged())?;
                    (
                        d.total_in() - i,
                        d.total_out() - o,
                        s == bzip2::Status::StreamEnd,
                    )
                }
                Codec::Stored => (0, 0, true),
            };
            // Both counts are bounded by the slices just passed in.
            let used = usize::try_from(used).map_err(|_| damaged())?;
            let made = usize::try_from(made).map_err(|_| damaged())?;
            input = input.get(used..).unwrap_or_default();
            self.ended = end;
            if made > 0 {
                self.account(made)?;
                sink(self.buf.get(..made).unwrap_or_default())?;
            }
            if used == 0 && made == 0 {
                if !input.is_empty() {
                    // A decoder with room and input that moves neither.
                    return Err(damaged());
                }
                break;
            }
        }
        Ok(())
    }
}
