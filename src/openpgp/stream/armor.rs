//! Incremental ASCII armor (RFC 9580 §6) for streamed output: 64-character
//! lines, no CRC (RFC 9580 says not to emit it when streaming v6 data is fine
//! without; every reader we test with accepts its absence).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Octets per 64-character base64 line.
const LINE: usize = 48;

pub(crate) struct ArmorWriter {
    started: bool,
    rest: Vec<u8>,
}

impl ArmorWriter {
    pub fn new() -> Self {
        ArmorWriter {
            started: false,
            rest: Vec::with_capacity(LINE),
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
        out.extend_from_slice(b"-----END PGP MESSAGE-----\n");
        out
    }
}

/// Incremental dearmoring of one `PGP MESSAGE` block. Header lines are
/// skipped, the CRC line (if any) is ignored (RFC 9580 §6.1: the AEAD/MDC
/// protects the data; a CRC adds nothing), text after the footer is refused.
pub(crate) struct ArmorReader {
    state: ArmorState,
    line: Vec<u8>,
    /// Base64 characters not yet decoded (fewer than 4, or waiting for more).
    carry: Vec<u8>,
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
    pub fn new() -> Self {
        ArmorReader {
            state: ArmorState::Begin,
            line: Vec::new(),
            carry: Vec::new(),
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
                if t != b"-----BEGIN PGP MESSAGE-----" {
                    return Err(crate::Error::MalformedInput(
                        "expected -----BEGIN PGP MESSAGE-----".into(),
                    ));
                }
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
                if t.starts_with(b"-----END PGP MESSAGE-----") {
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
                if !t.is_empty() {
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
