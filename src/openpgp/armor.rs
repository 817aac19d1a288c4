//! ASCII armor (RFC 9580 §6), both ways and incrementally: the streams' writer
//! (64-character lines) and the one reader of every armored block we take in
//! (messages as they stream, keys, detached and cleartext signatures).
//!
//! The CRC24 footer is written only for SEIPDv1 output: RFC 9580 §6.1 says not
//! to emit it unless a reader needs it, and GnuPG 2.2 (the reader of SEIPDv1)
//! does: without it, it takes the `-----END` line for base64 whenever the last
//! line ends without `=` padding ("invalid radix64 character 2D"), and refuses
//! one message in three.

use std::hash::Hasher;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use crc24::Crc24Hasher;

/// Octets per 64-character base64 line.
const LINE: usize = 48;

pub(crate) struct ArmorWriter {
    started: bool,
    rest: Vec<u8>,
    /// The CRC24 of everything written so far, when the footer carries one.
    crc: Option<Crc24Hasher>,
}

impl ArmorWriter {
    /// Armor without a CRC24 footer (SEIPDv2 and other RFC 9580 data).
    pub fn new() -> Self {
        ArmorWriter {
            started: false,
            rest: Vec::with_capacity(LINE),
            crc: None,
        }
    }

    /// Armor with a CRC24 footer, for data that GnuPG 2.2 reads (SEIPDv1).
    pub fn with_crc() -> Self {
        ArmorWriter {
            crc: Some(Crc24Hasher::new()),
            ..Self::new()
        }
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            out.extend_from_slice(b"-----BEGIN PGP MESSAGE-----\n\n");
        }
    }

    fn line(out: &mut Vec<u8>, bytes: &[u8]) {
        let mut s = [0u8; 64];
        if let Ok(n) = STANDARD.encode_slice(bytes, &mut s) {
            out.extend_from_slice(s.get(..n).unwrap_or_default());
            out.push(b'\n');
        }
    }

    /// Armors `data`, holding back an incomplete line.
    pub fn write(&mut self, mut data: &[u8]) -> Vec<u8> {
        if let Some(crc) = self.crc.as_mut() {
            crc.write(data);
        }
        let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / LINE + 64);
        self.start(&mut out);
        if !self.rest.is_empty() {
            let take = (LINE - self.rest.len()).min(data.len());
            let (a, b) = data.split_at(take);
            self.rest.extend_from_slice(a);
            data = b;
            if self.rest.len() == LINE {
                Self::line(&mut out, &self.rest);
                self.rest.clear();
            }
        }
        let mut chunks = data.chunks_exact(LINE);
        for c in &mut chunks {
            Self::line(&mut out, c);
        }
        self.rest.extend_from_slice(chunks.remainder());
        out
    }

    /// The last line and the footer.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.start(&mut out);
        if !self.rest.is_empty() {
            Self::line(&mut out, &self.rest);
            self.rest.clear();
        }
        if let Some(crc) = self.crc {
            let c = (crc.finish() as u32).to_be_bytes();
            out.push(b'=');
            Self::line(&mut out, &c[1..]);
        }
        out.extend_from_slice(b"-----END PGP MESSAGE-----\n");
        out
    }
}

/// Incremental dearmoring of one armored block: a `PGP MESSAGE` ([`new`](Self::new))
/// or a key or signature block ([`dearmor_block`]). Header lines are skipped,
/// the CRC line (if any) is ignored (RFC 9580 §6.1: readers must not reject
/// an object for its CRC; signatures, AEAD and the MDC protect the data).
/// Linear in the input: each line is looked at once.
pub(crate) struct ArmorReader {
    state: ArmorState,
    line: Vec<u8>,
    /// Base64 characters not yet decoded (fewer than 4, or waiting for more).
    carry: Vec<u8>,
    /// The labels accepted after `-----BEGIN PGP ` (`MESSAGE`, `SIGNATURE`, ...).
    labels: &'static [&'static str],
    /// The label of the block being read.
    label: &'static str,
    /// Text after the footer: refused (a message) or ignored (the first block
    /// of a keyring or of several signature blocks, as other readers do).
    ignore_rest: bool,
}

/// The binary octets of the first armored block in `bytes` whose label is one
/// of `labels` (e.g. `["PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"]`). Text after
/// its footer is ignored with `ignore_rest`, else refused (whitespace aside).
pub(crate) fn dearmor_block(
    bytes: &[u8],
    labels: &'static [&'static str],
    ignore_rest: bool,
) -> crate::Result<Vec<u8>> {
    let mut r = ArmorReader {
        labels,
        ignore_rest,
        ..ArmorReader::new()
    };
    let mut out = r.push(bytes)?;
    out.extend(r.finish()?);
    Ok(out)
}

/// `-----<word> PGP <label>-----` with `word` BEGIN or END: the label, if it
/// is one of `labels`.
fn armor_line(t: &[u8], word: &[u8], labels: &[&'static str]) -> Option<&'static str> {
    let rest = t.strip_prefix(b"-----")?.strip_prefix(word)?;
    let label = rest.strip_prefix(b" PGP ")?.strip_suffix(b"-----")?;
    labels.iter().copied().find(|l| l.as_bytes() == label)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArmorState {
    Begin,
    Headers,
    Body,
    End,
}

/// Longest armor line we hold while looking for its end.
const MAX_LINE: usize = 64 * 1024;

impl ArmorReader {
    /// A reader of one `PGP MESSAGE` block; text after it is refused.
    pub fn new() -> Self {
        ArmorReader {
            state: ArmorState::Begin,
            line: Vec::new(),
            carry: Vec::new(),
            labels: &["MESSAGE"],
            label: "MESSAGE",
            ignore_rest: false,
        }
    }

    /// Feeds armored text; returns the binary octets decoded so far.
    pub fn push(&mut self, data: &[u8]) -> crate::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(data.len() * 3 / 4 + 3);
        for part in data.split_inclusive(|&b| b == b'\n') {
            self.line.extend_from_slice(part);
            if part.last() == Some(&b'\n') {
                let line = std::mem::take(&mut self.line);
                self.on_line(&line, &mut out)?;
            } else if self.line.len() > MAX_LINE {
                return Err(crate::Error::MalformedInput("armor line too long".into()));
            }
        }
        Ok(out)
    }

    /// Ends the input; fails unless the footer was seen.
    pub fn finish(&mut self) -> crate::Result<Vec<u8>> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.on_line(&line, &mut out)?;
        }
        if self.state != ArmorState::End {
            // A missing footer is a truncated message.
            return Err(crate::Error::MalformedInput(
                "truncated input: no armor footer".into(),
            ));
        }
        Ok(out)
    }

    fn on_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> crate::Result<()> {
        let t = line.trim_ascii();
        match self.state {
            ArmorState::Begin => {
                if t.is_empty() {
                    return Ok(());
                }
                let Some(label) = armor_line(t, b"BEGIN", self.labels) else {
                    return Err(crate::Error::MalformedInput(format!(
                        "expected -----BEGIN PGP {}-----",
                        self.labels.join("----- or -----BEGIN PGP ")
                    )));
                };
                self.label = label;
                self.state = ArmorState::Headers;
            }
            ArmorState::Headers => {
                if t.is_empty() {
                    self.state = ArmorState::Body;
                } else if !t.contains(&b':') {
                    // No blank line after the armor line: tolerate, as others do.
                    self.state = ArmorState::Body;
                    return self.on_line(line, out);
                }
            }
            ArmorState::Body => {
                let end = t
                    .strip_prefix(b"-----END PGP ")
                    .and_then(|r| r.strip_prefix(self.label.as_bytes()));
                if end.is_some_and(|r| r.starts_with(b"-----")) {
                    self.decode(true, out)?;
                    self.state = ArmorState::End;
                } else if t.first() == Some(&b'=') && t.len() == 5 {
                    // CRC24 line.
                } else {
                    self.carry
                        .extend(t.iter().filter(|b| !b.is_ascii_whitespace()));
                    self.decode(false, out)?;
                }
            }
            ArmorState::End => {
                if !t.is_empty() && !self.ignore_rest {
                    return Err(crate::Error::MalformedInput(
                        "text after the armor footer".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn decode(&mut self, last: bool, out: &mut Vec<u8>) -> crate::Result<()> {
        let n = if last {
            self.carry.len()
        } else {
            self.carry.len() / 4 * 4
        };
        if n == 0 {
            return Ok(());
        }
        let chars: Vec<u8> = self.carry.drain(..n).collect();
        STANDARD
            .decode_vec(&chars, out)
            .map_err(|_| crate::Error::MalformedInput("bad base64 in armor".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9580 §6.1.1's bitwise CRC24, independent of the `crc24` crate's table.
    fn crc24_reference(data: &[u8]) -> u32 {
        let mut crc: u32 = 0xB704CE;
        for &b in data {
            crc ^= u32::from(b) << 16;
            for _ in 0..8 {
                crc <<= 1;
                if crc & 0x1000000 != 0 {
                    crc ^= 0x1864CFB;
                }
            }
        }
        crc & 0xFFFFFF
    }

    fn armor(mut w: ArmorWriter, data: &[u8]) -> String {
        // Pushed in uneven pieces: the footer must cover every byte once.
        let mut out = Vec::new();
        for piece in data.chunks(7) {
            out.extend(w.write(piece));
        }
        out.extend(w.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn crc24_footer_only_when_asked_and_correct() {
        for n in [0usize, 1, 2, 3, 47, 48, 49, 1000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 31 + 7) as u8).collect();
            let with = armor(ArmorWriter::with_crc(), &data);
            let without = armor(ArmorWriter::new(), &data);
            let crc = crc24_reference(&data).to_be_bytes();
            let footer = format!(
                "={}\n-----END PGP MESSAGE-----\n",
                STANDARD.encode(&crc[1..])
            );
            assert!(with.ends_with(&footer), "{n}: {with}");
            assert!(!without.contains("\n="), "{n}: {without}");
            assert_eq!(
                with.replace(&footer, "-----END PGP MESSAGE-----\n"),
                without
            );
            // Our reader ignores the footer and returns the data.
            let mut r = ArmorReader::new();
            let mut got = r.push(with.as_bytes()).unwrap();
            got.extend(r.finish().unwrap());
            assert_eq!(got, data, "{n}");
        }
    }
}
