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

/// Writes one packet body with partial lengths of `2^part_log2` octets, so the
/// body length need not be known in advance. `part_log2` is at least 9 (the
/// first part must be ≥ 512 octets) and at most 30.
pub(crate) struct PartialWriter {
    part: usize,
    part_log2: u8,
    buf: Vec<u8>,
}

impl PartialWriter {
    /// Starts a packet: writes its new-format tag octet to `out`.
    pub fn new(tag: u8, part_log2: u8, out: &mut Vec<u8>) -> Self {
        out.push(0xC0 | tag);
        let part = 1usize << part_log2;
        PartialWriter {
            part,
            part_log2,
            buf: Vec::with_capacity(part),
        }
    }

    /// Adds body octets; emits every full part to `out`.
    pub fn write(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        while !data.is_empty() {
            if self.buf.is_empty() && data.len() >= self.part {
                // Whole parts straight from the input, no staging copy.
                let (p, rest) = data.split_at(self.part);
                out.push(224 + self.part_log2);
                out.extend_from_slice(p);
                data = rest;
                continue;
            }
            let take = (self.part - self.buf.len()).min(data.len());
            let (p, rest) = data.split_at(take);
            self.buf.extend_from_slice(p);
            data = rest;
            if self.buf.len() == self.part {
                out.push(224 + self.part_log2);
                out.append(&mut self.buf);
            }
        }
    }

    /// Ends the body with a definite length (possibly zero).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        write_length(out, self.buf.len());
        out.append(&mut self.buf);
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
        let mut w = PartialWriter::new(11, 9, &mut out);
        w.write(&[7u8; 700], &mut out);
        w.write(&[8u8; 400], &mut out);
        w.finish(&mut out);
        // tag, 2 partial parts of 512, final 76 (1100 - 1024)
        assert_eq!(out[0], 0xC0 | 11);
        assert_eq!(out[1], 224 + 9);
        assert_eq!(out[2 + 512], 224 + 9);
        assert_eq!(out[3 + 1024], 76);
        assert_eq!(out.len(), 4 + 1100);
    }
}
