//! The content inside an encrypted data packet, parsed as it is decrypted:
//! a literal data packet streams (its data octets go to a [`PlainOut`]);
//! one-pass and prefixed signature packets around it are collected and the
//! data hashed for them ([`SigCheck`]); padding, marker and unknown
//! non-critical packets are skipped; a compressed data packet is decompressed
//! as it arrives (`compressed.rs`) and its output parsed by a nested
//! [`Content`], at most `Limits::max_compression_layers` deep. Any other
//! packet is refused: an encrypted message inside is `UNSUPPORTED`, anything
//! else `MALFORMED_INPUT` (RFC 9580 §10.3 allows nothing more).
//! Shared by the SEIPDv2 chunks and the SEIPDv1 CFB stream, so both apply the
//! same rules.

use crate::scrub::SecretBuf;
use std::io::Write;

use super::compressed::Decompressor;
use super::framing::{parse_header, parse_new_length, BodyLen};
use super::meter::{count, stage};
use super::sigcheck::{SigCheck, MAX_SIG_PACKET};
use crate::openpgp::{Limits, Plaintext};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Inner {
    Tag,
    LitHeader {
        remaining: usize,
        last: bool,
    },
    Data {
        remaining: usize,
        last: bool,
    },
    NextLen,
    /// The compressed data packet's algorithm octet is next.
    CompAlgo {
        remaining: usize,
        last: bool,
    },
    /// Inside the compressed data packet's body (see `Content::layer`).
    Comp {
        remaining: usize,
        last: bool,
    },
    /// Expecting the next partial length of the compressed data packet.
    CompLen,
    After,
    /// Inside a padding, marker or unknown non-critical packet, skipped as it
    /// arrives (never staged whole: a 64 MiB padding packet costs one pass).
    Skip {
        remaining: usize,
        after_literal: bool,
    },
    /// Inside a signature or one-pass signature packet, collected whole
    /// (at most `MAX_SIG_PACKET` octets) into `Content::pkt`.
    Collect {
        remaining: usize,
        after_literal: bool,
    },
}

/// Another packet where the content's literal, compressed or signature
/// packets belong.
fn unexpected(tag: u8) -> Error {
    if matches!(tag, 1 | 3 | 9 | 18 | 20) {
        return Error::Unsupported("an encrypted message inside an encrypted message".into());
    }
    Error::MalformedInput(format!(
        "unexpected packet type {tag} in the message content"
    ))
}

/// Packets skipped wherever they appear in the content: padding (21), marker
/// (10) and unknown non-critical packets (40-63, RFC 9580 §4.3).
fn skippable(tag: u8) -> bool {
    matches!(tag, 10 | 21 | 40..=63)
}

/// The body length of a skipped packet: these never use partial lengths.
fn skip_len(len: BodyLen) -> Result<usize> {
    match len {
        BodyLen::Fixed(n) => Ok(n),
        _ => Err(Error::MalformedInput(
            "padding, marker or unknown packet without a definite length".into(),
        )),
    }
}

/// A body length as (octets in this part, whether it is the last part);
/// an indeterminate length runs to the end of the data (`usize::MAX`).
fn part(len: BodyLen) -> (usize, bool) {
    match len {
        BodyLen::Fixed(n) => (n, true),
        BodyLen::Partial(n) => (n, false),
        BodyLen::Indeterminate => (usize::MAX, true),
    }
}

/// Longest run of octets staged at a time while a packet header is split
/// across chunks (the longest header, a literal data header, is 261 octets).
pub(super) const STAGE_STEP: usize = 512;

/// The body length of a collected signature packet: definite and bounded.
fn collect_len(len: BodyLen) -> Result<usize> {
    match len {
        BodyLen::Fixed(n) if n <= MAX_SIG_PACKET => Ok(n),
        BodyLen::Fixed(n) => Err(Error::MalformedInput(format!(
            "a signature packet of {n} octets"
        ))),
        _ => Err(Error::MalformedInput(
            "signature packet without a definite length".into(),
        )),
    }
}

/// Where authenticated literal data goes.
pub(super) enum PlainOut<'a> {
    /// Copied into the output buffer.
    Copy(&'a mut Vec<u8>),
    /// Copied into 1 MiB blocks that never move (the one-shot functions: a
    /// compression bomb's output costs its cap once, not a doubling buffer).
    Blocks(&'a mut Plaintext),
    /// Recorded as (offset, length) pairs into the job's plaintext, which the
    /// caller holds and hands on without copying it out of Wasm memory; data
    /// from a compressed layer is copied to the second buffer instead.
    Segments(&'a mut Vec<u32>, &'a mut Vec<u8>),
    /// Parsed and dropped: the verifying pass of a two-pass SEIPDv1
    /// decryption (its plaintext is not authenticated yet).
    Discard,
}

impl PlainOut<'_> {
    /// Where the output of a compressed layer goes: decompressed octets are
    /// not in the job's plaintext, so segments become copies.
    fn nested(&mut self) -> PlainOut<'_> {
        match self {
            PlainOut::Copy(v) | PlainOut::Segments(_, v) => PlainOut::Copy(v),
            PlainOut::Blocks(p) => PlainOut::Blocks(p),
            PlainOut::Discard => PlainOut::Discard,
        }
    }

    /// `data` starts at `offset` in the current job's plaintext (negative:
    /// staged from an earlier chunk, which never holds literal data).
    fn put(&mut self, data: &[u8], offset: isize) -> Result<()> {
        match self {
            PlainOut::Copy(v) => stage(v, data),
            PlainOut::Blocks(p) => {
                count(data.len());
                p.write_all(data)
                    .map_err(|e| Error::Internal(format!("plaintext: {e}")))?;
            }
            PlainOut::Discard => {}
            PlainOut::Segments(segs, _) => {
                if data.is_empty() {
                    return Ok(());
                }
                let off = u32::try_from(offset)
                    .map_err(|_| Error::Internal("literal data outside the chunk".into()))?;
                let len = u32::try_from(data.len())
                    .map_err(|_| Error::Internal("segment length".into()))?;
                // Merge with the previous segment when adjacent.
                if let [.., o, l] = segs.as_mut_slice() {
                    if o.checked_add(*l) == Some(off) {
                        *l += len;
                        return Ok(());
                    }
                }
                segs.push(off);
                segs.push(len);
            }
        }
        Ok(())
    }
}

/// The inner packet parser of one message.
pub(super) struct Content {
    pub(super) inner: Inner,
    /// Unparsed tail of an inner packet header split across chunks.
    pub(super) pt: SecretBuf,
    /// Signatures around the literal data.
    pub(super) sigs: SigCheck,
    /// The signature packet being collected (`Inner::Collect`).
    pkt: Vec<u8>,
    /// A compressed data packet's decoder and the parser of its output.
    layer: Option<Box<(Decompressor, Content)>>,
    /// Hash literal data for signatures (see [`Content::new`]).
    verify: bool,
    limits: Limits,
    /// Compression layers this content may still open.
    layers_left: u32,
}

impl Content {
    /// `verify`: hash the released literal data for the signatures found
    /// (verification keys were given). `limits`: signatures, compression
    /// layers and decompressed size.
    pub(super) fn new(verify: bool, limits: &Limits) -> Self {
        Content {
            inner: Inner::Tag,
            pt: SecretBuf::new(Vec::new()),
            sigs: SigCheck::new(verify, limits.max_signatures),
            pkt: Vec::new(),
            layer: None,
            verify,
            limits: *limits,
            layers_left: limits.max_compression_layers,
        }
    }

    /// The literal data packet ended (only skippable packets may follow), or
    /// runs to the end of the data; inside a compressed layer, the same of
    /// the layer's content, and its compressed stream ended.
    pub(super) fn complete(&self) -> bool {
        let own = match self.inner {
            Inner::After
            | Inner::Data {
                remaining: usize::MAX,
                ..
            } => true,
            Inner::Comp {
                remaining: usize::MAX,
                ..
            } => self.layer.is_some(),
            _ => false,
        };
        own && self.sigs.complete()
            && self
                .layer
                .as_ref()
                .is_none_or(|l| l.0.ended() && l.1.complete())
    }

    /// Literal data octets still to come, when the literal data packet has
    /// a definite length and is not inside a compressed layer (then it is
    /// all the data this content releases); else `None`.
    pub(super) fn data_left(&self) -> Option<usize> {
        match self.inner {
            Inner::Data {
                remaining,
                last: true,
            } if self.layer.is_none() && remaining != usize::MAX => Some(remaining),
            _ => None,
        }
    }

    /// The signatures of the content, from inside the compressed layer if
    /// there is one (only it may hold signatures then).
    pub(super) fn take_sigs(&mut self) -> SigCheck {
        match self.layer.as_mut() {
            Some(l) => l.1.take_sigs(),
            None => std::mem::take(&mut self.sigs),
        }
    }

    /// A compressed data packet starts (`algo`): its decoder and the nested
    /// parser of its output.
    fn open_layer(&mut self, algo: u8) -> Result<()> {
        if self.layers_left == 0 {
            return Err(Error::LimitExceeded(format!(
                "more than {} nested compression layers",
                self.limits.max_compression_layers
            )));
        }
        let dec = Decompressor::new(algo, self.limits.max_decompressed_size)?;
        let mut inner = Content::new(self.verify, &self.limits);
        inner.layers_left = self.layers_left - 1;
        self.layer = Some(Box::new((dec, inner)));
        Ok(())
    }

    /// Compressed body octets: decoded, and the output parsed.
    fn put_compressed(&mut self, data: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        let Some(l) = self.layer.as_mut() else {
            return Err(Error::Internal("no compressed layer".into()));
        };
        let (dec, inner) = &mut **l;
        let mut to = out.nested();
        dec.put(data, |b| inner.feed(b, &mut to))
    }

    /// Parses authenticated plaintext (the inner packet stream): literal data
    /// octets go to `out`. Only header fragments split across chunks are staged in `pt`.
    pub(super) fn feed(&mut self, plain: &[u8], out: &mut PlainOut<'_>) -> Result<()> {
        // Octets of `plain` consumed so far (offsets for `PlainOut::Segments`).
        let mut done = 0usize;
        // A staged header fragment: complete it from `plain` a bounded step at
        // a time (every parser state needs at most STAGE_STEP octets in view),
        // then parse the rest of `plain` in place.
        while !self.pt.is_empty() && done < plain.len() {
            let take = (plain.len() - done).min(STAGE_STEP);
            let old = self.pt.len();
            stage(
                &mut self.pt,
                plain.get(done..done + take).unwrap_or_default(),
            );
            let base = done as isize - old as isize;
            done += take;
            let staged = std::mem::take(&mut self.pt);
            let used = self.parse_plain(&staged, base, out)?;
            if used >= old {
                // The staged octets are consumed: go on from `plain` itself.
                done = done - take + (used - old);
                break;
            }
            let mut keep = SecretBuf::new(Vec::new());
            stage(&mut keep, staged.get(used..).unwrap_or_default());
            self.pt = keep;
        }
        if self.pt.is_empty() {
            let rest = plain.get(done..).unwrap_or_default();
            let used = self.parse_plain(rest, done as isize, out)?;
            stage(&mut self.pt, rest.get(used..).unwrap_or_default());
        }
        Ok(())
    }

    /// Parses from `input` as far as possible; returns the octets consumed.
    /// `input[0]` is at offset `base` of the current job's plaintext.
    fn parse_plain(&mut self, input: &[u8], base: isize, out: &mut PlainOut<'_>) -> Result<usize> {
        let mut pos = 0;
        loop {
            let buf = input.get(pos..).unwrap_or_default();
            match self.inner {
                Inner::Tag => {
                    let Some(h) = parse_header(buf)? else {
                        return Ok(pos);
                    };
                    if skippable(h.tag) {
                        pos += h.header_len;
                        self.inner = Inner::Skip {
                            remaining: skip_len(h.len)?,
                            after_literal: false,
                        };
                        continue;
                    }
                    if matches!(h.tag, 2 | 4) {
                        self.start_collect(buf, h.header_len, h.len, false)?;
                        pos += h.header_len;
                        continue;
                    }
                    if h.tag == 8 {
                        if !self.sigs.is_empty() {
                            return Err(Error::Unsupported(
                                "signatures around a compressed data packet".into(),
                            ));
                        }
                        pos += h.header_len;
                        let (remaining, last) = part(h.len);
                        self.inner = Inner::CompAlgo { remaining, last };
                        continue;
                    }
                    if h.tag != 11 {
                        return Err(unexpected(h.tag));
                    }
                    pos += h.header_len;
                    let (remaining, last) = part(h.len);
                    self.inner = Inner::LitHeader { remaining, last };
                }
                Inner::LitHeader { remaining, last } => {
                    let Some(&name_len) = buf.get(1) else {
                        return Ok(pos);
                    };
                    let need = 2 + usize::from(name_len) + 4;
                    if need > remaining {
                        return Err(Error::MalformedInput(
                            "literal data header crosses a partial length boundary".into(),
                        ));
                    }
                    if buf.len() < need {
                        return Ok(pos);
                    }
                    pos += need;
                    self.inner = Inner::Data {
                        remaining: if remaining == usize::MAX {
                            usize::MAX
                        } else {
                            remaining - need
                        },
                        last,
                    };
                }
                Inner::Data { remaining, last } => {
                    let n = remaining.min(buf.len());
                    let data = buf.get(..n).unwrap_or_default();
                    if !matches!(out, PlainOut::Discard) {
                        self.sigs.update(data);
                    }
                    out.put(data, base + pos as isize)?;
                    pos += n;
                    if n < remaining {
                        if remaining != usize::MAX {
                            self.inner = Inner::Data {
                                remaining: remaining - n,
                                last,
                            };
                        }
                        return Ok(pos);
                    }
                    self.inner = if last { Inner::After } else { Inner::NextLen };
                }
                Inner::NextLen => {
                    let Some((len, used)) = parse_new_length(buf)? else {
                        return Ok(pos);
                    };
                    pos += used;
                    let (remaining, last) = part(len);
                    self.inner = Inner::Data { remaining, last };
                }
                Inner::CompAlgo { remaining, last } => {
                    let Some(&algo) = buf.first() else {
                        return Ok(pos);
                    };
                    if remaining == 0 {
                        return Err(Error::MalformedInput(
                            "a compressed data packet without its algorithm".into(),
                        ));
                    }
                    self.open_layer(algo)?;
                    pos += 1;
                    self.inner = Inner::Comp {
                        remaining: if remaining == usize::MAX {
                            usize::MAX
                        } else {
                            remaining - 1
                        },
                        last,
                    };
                }
                Inner::Comp { remaining, last } => {
                    let n = remaining.min(buf.len());
                    self.put_compressed(buf.get(..n).unwrap_or_default(), out)?;
                    pos += n;
                    if n < remaining {
                        if remaining != usize::MAX {
                            self.inner = Inner::Comp {
                                remaining: remaining - n,
                                last,
                            };
                        }
                        return Ok(pos);
                    }
                    if !last {
                        self.inner = Inner::CompLen;
                        continue;
                    }
                    if !self.layer.as_ref().is_some_and(|l| l.0.ended()) {
                        return Err(Error::MalformedInput(
                            "the compressed data inside ends early".into(),
                        ));
                    }
                    self.inner = Inner::After;
                }
                Inner::CompLen => {
                    let Some((len, used)) = parse_new_length(buf)? else {
                        return Ok(pos);
                    };
                    pos += used;
                    let (remaining, last) = part(len);
                    self.inner = Inner::Comp { remaining, last };
                }
                Inner::After => {
                    // Only signatures (for the one-pass signatures before),
                    // padding, marker and unknown non-critical packets may
                    // follow the literal data.
                    let Some(h) = parse_header(buf)? else {
                        return Ok(pos);
                    };
                    if h.tag == 2 {
                        self.start_collect(buf, h.header_len, h.len, true)?;
                        pos += h.header_len;
                        continue;
                    }
                    if !skippable(h.tag) {
                        return Err(Error::MalformedInput(
                            "unexpected packet after the literal data".into(),
                        ));
                    }
                    pos += h.header_len;
                    self.inner = Inner::Skip {
                        remaining: skip_len(h.len)?,
                        after_literal: true,
                    };
                }
                Inner::Skip {
                    remaining,
                    after_literal,
                } => {
                    let n = remaining.min(buf.len());
                    pos += n;
                    if n < remaining {
                        self.inner = Inner::Skip {
                            remaining: remaining - n,
                            after_literal,
                        };
                        return Ok(pos);
                    }
                    self.inner = if after_literal {
                        Inner::After
                    } else {
                        Inner::Tag
                    };
                }
                Inner::Collect {
                    remaining,
                    after_literal,
                } => {
                    let n = remaining.min(buf.len());
                    stage(&mut self.pkt, buf.get(..n).unwrap_or_default());
                    pos += n;
                    if n < remaining {
                        self.inner = Inner::Collect {
                            remaining: remaining - n,
                            after_literal,
                        };
                        return Ok(pos);
                    }
                    let pkt = std::mem::take(&mut self.pkt);
                    self.sigs.packet(&pkt, after_literal)?;
                    self.inner = if after_literal {
                        Inner::After
                    } else {
                        Inner::Tag
                    };
                }
            }
        }
    }

    /// A signature or one-pass signature packet starts: its header (the
    /// first `header_len` octets of `buf`) begins the collected packet.
    fn start_collect(
        &mut self,
        buf: &[u8],
        header_len: usize,
        len: BodyLen,
        after_literal: bool,
    ) -> Result<()> {
        let remaining = collect_len(len)?;
        self.pkt.clear();
        stage(&mut self.pkt, buf.get(..header_len).unwrap_or_default());
        self.inner = Inner::Collect {
            remaining,
            after_literal,
        };
        Ok(())
    }
}
