//! Plaintext collected in fixed-size blocks.
//!
//! A growing `Vec` doubles its capacity and keeps the old block alive during the
//! move, so a result near the 256 MiB cap briefly needs about 384 MiB, and Wasm
//! memory never shrinks again. A compression bomb stopped at the cap therefore
//! left the module at twice the cap. Blocks never move: peak memory is the
//! plaintext size plus one block, and the JS binding copies them out one by one.

use crate::scrub::SecretBuf;
use std::io::Write;

/// Size of one block (1 MiB).
pub const BLOCK: usize = 1 << 20;

/// Plaintext as a list of blocks, each wiped on drop.
#[derive(Default)]
pub struct Plaintext {
    blocks: Vec<SecretBuf>,
    len: usize,
}

impl Plaintext {
    /// An empty plaintext.
    pub fn new() -> Self {
        Self::default()
    }

    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no byte was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The blocks, in order; their lengths add up to [`Plaintext::len`].
    pub fn blocks(&self) -> impl Iterator<Item = &[u8]> {
        self.blocks.iter().map(|b| b.as_slice())
    }

    /// One contiguous copy (allocated once, at its exact size).
    pub fn to_vec(&self) -> SecretBuf {
        let mut v = SecretBuf::new(Vec::with_capacity(self.len));
        for b in self.blocks() {
            v.extend_from_slice(b);
        }
        v
    }
}

impl Write for Plaintext {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len();
        while !buf.is_empty() {
            let room = match self.blocks.last() {
                Some(b) => b.capacity() - b.len(),
                None => 0,
            };
            if room == 0 {
                self.blocks.push(SecretBuf::new(Vec::with_capacity(BLOCK)));
                continue;
            }
            let (head, rest) = buf.split_at(room.min(buf.len()));
            if let Some(b) = self.blocks.last_mut() {
                b.extend_from_slice(head);
            }
            buf = rest;
        }
        self.len += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Plaintext(<{} bytes in {} blocks>)",
            self.len,
            self.blocks.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_never_exceed_their_size_and_keep_order() {
        let mut p = Plaintext::new();
        let data: Vec<u8> = (0..(BLOCK * 2 + 12345)).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(70_001) {
            p.write_all(piece).unwrap();
        }
        assert_eq!(p.len(), data.len());
        assert!(p.blocks().all(|b| b.len() <= BLOCK));
        assert_eq!(p.blocks().count(), 3);
        assert_eq!(p.to_vec().as_slice(), data.as_slice());
    }

    #[test]
    fn empty_writes_make_no_block() {
        let mut p = Plaintext::new();
        p.write_all(&[]).unwrap();
        assert!(p.is_empty());
        assert_eq!(p.blocks().count(), 0);
    }
}
