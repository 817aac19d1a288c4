//! OpenPGP packet framing (RFC 9580 §4.2): writing partial body lengths and
//! parsing packet headers incrementally from a byte buffer.

use crate::{Error, Result};

/// Appends a new-format definite body length.
pub(crate) fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 192 {
        out.push(len as u8);
    } else if len < 8384 {
        let l = len - 192;
        out.push(((l >> 8) as u8) + 192);
        out.push((l & 0xff) as u8);
    } else {
        out.push(0xff);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Where framed octets go.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]) -> Result<()>;
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Writes one packet body with partial lengths of `2^part_log2` octets, so the
/// body length need not be known in advance. `part_log2` is at least 9 (the
/// first part must be ≥ 512 octets) and at most 30. Full parts go straight from
/// the input to the sink; only a tail shorter than one part is staged.
pub(crate) struct PartialWriter {
    part: usize,
    part_log2: u8,
    buf: Vec<u8>,
    /// A body of a length known in advance ([`definite`](Self::definite)):
    /// the octets still to come, written straight through.
    left: Option<usize>,
}

/// The longest body a definite length can announce (5-octet form).
pub(crate) const MAX_DEFINITE: u64 = u32::MAX as u64;

/// Octets of a packet with a definite length: tag, length, body.
pub(crate) fn definite_framed_len(body: u64) -> u64 {
    let len = match body {
        0..192 => 1,
        192..8384 => 2,
        _ => 5,
    };
    1 + len + body
}

impl PartialWriter {
    /// Starts a packet: writes its new-format tag octet to `sink`.
    pub fn new<S: Sink>(tag: u8, part_log2: u8, sink: &mut S) -> Result<Self> {
        sink.put(&[0xC0 | tag])?;
        let part = 1usize << part_log2;
        Ok(PartialWriter {
            part,
            part_log2,
            buf: Vec::with_capacity(part),
            left: None,
        })
    }

    /// Starts a packet whose body is `body` octets, at most [`MAX_DEFINITE`]:
    /// tag and definite length, then the body as it is written. A reader then
    /// knows the body's length from its first octets (the one-shot `decrypt`
    /// sizes its result from it), and no octet is staged.
    pub fn definite<S: Sink>(tag: u8, body: u64, sink: &mut S) -> Result<Self> {
        let len = usize::try_from(body)
            .ok()
            .filter(|_| body <= MAX_DEFINITE)
            .ok_or_else(|| Error::InvalidArgument("body too long for a definite length".into()))?;
        let mut h = vec![0xC0 | tag];
        write_length(&mut h, len);
        sink.put(&h)?;
        Ok(PartialWriter {
            part: 0,
            part_log2: 0,
            buf: Vec::new(),
            left: Some(len),
        })
    }

    /// Adds body octets; emits every full part to `sink`.
    pub fn write<S: Sink>(&mut self, mut data: &[u8], sink: &mut S) -> Result<()> {
        if let Some(left) = self.left.as_mut() {
            *left = left
                .checked_sub(data.len())
                .ok_or_else(|| Error::InvalidArgument("more data than announced".into()))?;
            return sink.put(data);
        }
        // No sum of lengths: on wasm32 `usize` is 32 bits.
        if data.len() < self.part - self.buf.len() {
            self.buf.extend_from_slice(data);
            return Ok(());
        }
        let hdr = [224 + self.part_log2];
        let (head, rest) = data.split_at(self.part - self.buf.len());
        sink.put(&hdr)?;
        sink.put(&self.buf)?;
        sink.put(head)?;
        self.buf.clear();
        data = rest;
        while data.len() >= self.part {
            let (p, rest) = data.split_at(self.part);
            sink.put(&hdr)?;
            sink.put(p)?;
            data = rest;
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Ends the body with a definite length (possibly zero).
    pub fn finish<S: Sink>(&mut self, sink: &mut S) -> Result<()> {
        if let Some(left) = self.left {
            if left != 0 {
                return Err(Error::InvalidArgument(format!(
                    "{left} octets fewer than announced"
                )));
            }
            return Ok(());
        }
        let mut l = Vec::with_capacity(5);
        write_length(&mut l, self.buf.len());
        sink.put(&l)?;
        sink.put(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Output of a [`SegWriter`]: octets we hold (`bytes`) interleaved with octets
/// the caller holds (e.g. WebCrypto results that never enter Wasm memory).
/// `ops` says how to assemble them, in order: `n > 0` = the next `n` octets of
/// `bytes`; `n < 0` = the next `-n` octets of the caller's held data.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub bytes: Vec<u8>,
    pub ops: Vec<i32>,
}

impl Layout {
    fn own(&mut self, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        self.bytes.extend_from_slice(b);
        let mut n = b.len();
        // Merge with a preceding own run; split runs over i32::MAX.
        while n > 0 {
            match self.ops.last_mut() {
                Some(last) if *last > 0 && (*last as usize) < i32::MAX as usize => {
                    let room = i32::MAX as usize - *last as usize;
                    let t = room.min(n);
                    *last += t as i32;
                    n -= t;
                }
                _ => {
                    let t = n.min(i32::MAX as usize);
                    self.ops.push(t as i32);
                    n -= t;
                }
            }
        }
    }

    fn held(&mut self, mut n: usize) {
        while n > 0 {
            let t = n.min(i32::MAX as usize);
            match self.ops.last_mut() {
                Some(last) if *last < 0 && (-(*last as i64) as usize) + t <= i32::MAX as usize => {
                    *last -= t as i32;
                }
                _ => self.ops.push(-(t as i32)),
            }
            n -= t;
        }
    }

    /// Empties both buffers (keeping their allocations).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ops.clear();
    }

    /// True when every octet is in `bytes` (nothing refers to held data).
    #[cfg(test)]
    pub fn all_own(&self) -> bool {
        self.ops.iter().all(|&n| n > 0)
    }
}

enum Seg {
    Own(Vec<u8>),
    Held(usize),
}

/// A partial-length writer like [`PartialWriter`] whose body octets are either
/// ours or held by the caller: it only decides where the length octets go, so
/// sealed chunks can be handed on without being copied into Wasm memory. At
/// most one part (`2^part_log2` octets) is staged before its length is known.
pub(crate) struct SegWriter {
    part: usize,
    part_log2: u8,
    staged: Vec<Seg>,
    staged_len: usize,
}

impl SegWriter {
    /// Starts a packet: writes its new-format tag octet.
    pub fn new(tag: u8, part_log2: u8, out: &mut Layout) -> Self {
        out.own(&[0xC0 | tag]);
        SegWriter {
            part: 1usize << part_log2,
            part_log2,
            staged: Vec::new(),
            staged_len: 0,
        }
    }

    fn flush_part(&mut self, out: &mut Layout) {
        out.own(&[224 + self.part_log2]);
        self.flush(out);
    }

    fn flush(&mut self, out: &mut Layout) {
        for s in self.staged.drain(..) {
            match s {
                Seg::Own(b) => out.own(&b),
                Seg::Held(n) => out.held(n),
            }
        }
        self.staged_len = 0;
    }

    /// Adds body octets we hold.
    pub fn write_own(&mut self, mut data: &[u8], out: &mut Layout) {
        while !data.is_empty() {
            let room = self.part - self.staged_len;
            if data.len() < room {
                self.staged_len += data.len();
                match self.staged.last_mut() {
                    Some(Seg::Own(v)) => v.extend_from_slice(data),
                    _ => self.staged.push(Seg::Own(data.to_vec())),
                }
                return;
            }
            let (head, rest) = data.split_at(room);
            self.flush_part(out);
            out.own(head);
            data = rest;
        }
    }

    /// Adds `n` body octets held by the caller.
    pub fn write_held(&mut self, mut n: usize, out: &mut Layout) {
        while n > 0 {
            let room = self.part - self.staged_len;
            if n < room {
                self.staged_len += n;
                match self.staged.last_mut() {
                    Some(Seg::Held(m)) => *m += n,
                    _ => self.staged.push(Seg::Held(n)),
                }
                return;
            }
            self.flush_part(out);
            out.held(room);
            n -= room;
        }
    }

    /// Ends the body with a definite length (possibly zero).
    pub fn finish(&mut self, out: &mut Layout) {
        let mut l = Vec::with_capacity(5);
        write_length(&mut l, self.staged_len);
        out.own(&l);
        self.flush(out);
    }
}

/// Body length of a packet or of one part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLen {
    /// The last (or only) part, of this length.
    Fixed(usize),
    /// A partial part of this length; more length headers follow.
    Partial(usize),
    /// Old-format "indeterminate": the body runs to the end of the input.
    Indeterminate,
}

/// A parsed packet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub tag: u8,
    pub len: BodyLen,
    /// Octets the header occupied.
    pub header_len: usize,
}

/// Parses a new-format length at `buf`; `Ok(None)` = need more input.
/// Returns the length and the octets it used. `allow_partial` is false for
/// packets that may not use partial lengths.
pub(crate) fn parse_new_length(buf: &[u8]) -> Result<Option<(BodyLen, usize)>> {
    let Some(&b0) = buf.first() else {
        return Ok(None);
    };
    Ok(match b0 {
        0..=191 => Some((BodyLen::Fixed(usize::from(b0)), 1)),
        192..=223 => buf.get(1).map(|&b1| {
            let l = ((usize::from(b0) - 192) << 8) + usize::from(b1) + 192;
            (BodyLen::Fixed(l), 2)
        }),
        224..=254 => Some((BodyLen::Partial(1usize << (b0 & 0x1f)), 1)),
        255 => match buf.get(1..5) {
            Some(b) => {
                let l = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                let l =
                    usize::try_from(l).map_err(|_| Error::LimitExceeded("packet length".into()))?;
                Some((BodyLen::Fixed(l), 5))
            }
            None => None,
        },
    })
}

/// Parses a packet header (old or new format) at the start of `buf`.
/// `Ok(None)` = need more input.
pub(crate) fn parse_header(buf: &[u8]) -> Result<Option<Header>> {
    let Some(&b0) = buf.first() else {
        return Ok(None);
    };
    if b0 & 0x80 == 0 {
        return Err(Error::MalformedInput(
            "not an OpenPGP packet (bit 7 of the tag octet is clear)".into(),
        ));
    }
    let rest = buf.get(1..).unwrap_or_default();
    if b0 & 0x40 != 0 {
        let tag = b0 & 0x3f;
        Ok(parse_new_length(rest)?.map(|(len, n)| Header {
            tag,
            len,
            header_len: 1 + n,
        }))
    } else {
        let tag = (b0 >> 2) & 0x0f;
        let n = match b0 & 3 {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => {
                return Ok(Some(Header {
                    tag,
                    len: BodyLen::Indeterminate,
                    header_len: 1,
                }))
            }
        };
        let Some(bytes) = rest.get(..n) else {
            return Ok(None);
        };
        let len = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let len = usize::try_from(len).map_err(|_| Error::LimitExceeded("packet length".into()))?;
        Ok(Some(Header {
            tag,
            len: BodyLen::Fixed(len),
            header_len: 1 + n,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0usize, 1, 191, 192, 193, 8383, 8384, 70_000, 1 << 24] {
            let mut v = Vec::new();
            write_length(&mut v, len);
            let (got, n) = parse_new_length(&v).unwrap().unwrap();
            assert_eq!(got, BodyLen::Fixed(len));
            assert_eq!(n, v.len());
        }
    }

    #[test]
    fn partial_writer_frames_parts() {
        let mut out = Vec::new();
        let mut w = PartialWriter::new(11, 9, &mut out).unwrap();
        w.write(&[7u8; 700], &mut out).unwrap();
        w.write(&[8u8; 400], &mut out).unwrap();
        w.finish(&mut out).unwrap();
        // tag, 2 partial parts of 512, final 76 (1100 - 1024)
        assert_eq!(out[0], 0xC0 | 11);
        assert_eq!(out[1], 224 + 9);
        assert_eq!(out[2 + 512], 224 + 9);
        assert_eq!(out[3 + 1024], 76);
        assert_eq!(out.len(), 4 + 1100);
    }

    /// Resolves a layout against the held octets, for comparison.
    fn assemble(l: &Layout, held: &[u8]) -> Vec<u8> {
        let (mut o, mut h, mut v) = (0usize, 0usize, Vec::new());
        for &n in &l.ops {
            if n > 0 {
                v.extend_from_slice(&l.bytes[o..o + n as usize]);
                o += n as usize;
            } else {
                v.extend_from_slice(&held[h..h + (-n) as usize]);
                h += (-n) as usize;
            }
        }
        assert_eq!(o, l.bytes.len());
        assert_eq!(h, held.len());
        v
    }

    #[test]
    fn seg_writer_matches_partial_writer() {
        // Mixed own and held writes of odd sizes frame exactly like PartialWriter.
        let sizes = [3usize, 700, 512, 1, 1023, 5000, 0, 511, 2048, 77];
        let data: Vec<u8> = (0..sizes.iter().sum::<usize>()).map(|i| i as u8).collect();
        let mut expect = Vec::new();
        let mut pw = PartialWriter::new(18, 9, &mut expect).unwrap();
        let mut layout = Layout::default();
        let mut sw = SegWriter::new(18, 9, &mut layout);
        let mut held = Vec::new();
        let mut off = 0;
        for (i, n) in sizes.iter().enumerate() {
            let d = &data[off..off + n];
            off += n;
            pw.write(d, &mut expect).unwrap();
            if i % 2 == 0 {
                sw.write_own(d, &mut layout);
            } else {
                sw.write_held(d.len(), &mut layout);
                held.extend_from_slice(d);
            }
        }
        pw.finish(&mut expect).unwrap();
        sw.finish(&mut layout);
        assert!(!layout.all_own());
        assert_eq!(assemble(&layout, &held), expect);
    }
}
