//! OCB (RFC 7253) with 128-bit tags over the AES of this build, many blocks
//! per cipher call: the bitsliced AES is fast only in batches, and OCB's
//! offsets depend on the block index alone, so a batch of `BATCH` blocks is
//! whitened, run through the cipher in one call, and whitened again.
//!
//! Nonces of 1 to 15 octets (RFC 9580's SEIPDv2 uses 15). The tag comparison
//! is constant time, and a wrong tag wipes the decrypted buffer.

use aes_gcm::aes::cipher::consts::U16;
use aes_gcm::aes::cipher::{BlockDecrypt, BlockEncrypt, BlockSizeUser};
use aes_gcm::aes::Block;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::AnyAes;

/// Why an OCB call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcbError {
    /// A key that is not 16, 24 or 32 octets (its length).
    Key(usize),
    /// A nonce that is not 1 to 15 octets (its length).
    Nonce(usize),
    /// The tag did not match: the data was altered (`data` is wiped).
    Tag,
}

impl core::fmt::Display for OcbError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OcbError::Key(n) => write!(f, "OCB key of {n} octets"),
            OcbError::Nonce(n) => write!(f, "OCB nonce of {n} octets (1 to {MAX_NONCE_LEN})"),
            OcbError::Tag => f.write_str("OCB tag mismatch"),
        }
    }
}

type Result<T> = core::result::Result<T, OcbError>;

/// OCB over the AES of this build, key size chosen by the key's length.
pub type AesOcb = Ocb<AnyAes>;

/// Tag length: TAGLEN = 128 bits.
pub const TAG_LEN: usize = 16;
/// Longest nonce RFC 7253 allows (120 bits).
pub const MAX_NONCE_LEN: usize = 15;
/// Blocks whitened and ciphered per call (a multiple of the bitsliced eight).
const BATCH: usize = 64;
/// L_i for every block index a `u64` counter reaches (ntz <= 63).
const L_COUNT: usize = 64;

type B = [u8; 16];

/// A 128-bit block cipher OCB can run on, both directions, many blocks a call.
pub trait OcbCipher {
    /// Encrypts blocks in place.
    fn encrypt_blocks(&self, blocks: &mut [Block]);
    /// Decrypts blocks in place.
    fn decrypt_blocks(&self, blocks: &mut [Block]);
}

impl<C: BlockEncrypt + BlockDecrypt + BlockSizeUser<BlockSize = U16>> OcbCipher for C {
    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        BlockEncrypt::encrypt_blocks(self, blocks);
    }
    fn decrypt_blocks(&self, blocks: &mut [Block]) {
        BlockDecrypt::decrypt_blocks(self, blocks);
    }
}

impl OcbCipher for AnyAes {
    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        AnyAes::encrypt_blocks(self, blocks);
    }
    fn decrypt_blocks(&self, blocks: &mut [Block]) {
        AnyAes::decrypt_blocks(self, blocks);
    }
}

impl Ocb<AnyAes> {
    /// Expands a 16-, 24- or 32-octet AES key.
    pub fn new(key: &[u8]) -> Result<Self> {
        let cipher = AnyAes::new(key).ok_or(OcbError::Key(key.len()))?;
        Ok(Self::with_cipher(cipher))
    }

    /// [`Ocb::encrypt_in_place`], compiled in this crate at its opt-level
    /// (non-generic: see the crate's docs).
    #[inline(never)]
    pub fn seal(&self, nonce: &[u8], ad: &[u8], data: &mut [u8]) -> Result<B> {
        self.encrypt_in_place(nonce, ad, data)
    }

    /// [`Ocb::decrypt_in_place`], compiled in this crate at its opt-level.
    #[inline(never)]
    pub fn open(&self, nonce: &[u8], ad: &[u8], data: &mut [u8], tag: &[u8]) -> Result<()> {
        self.decrypt_in_place(nonce, ad, data, tag)
    }
}

/// An OCB key: the cipher and the key-dependent masks L_*, L_$ and L_i.
pub struct Ocb<C: OcbCipher> {
    cipher: C,
    l_star: B,
    l_dollar: B,
    l: [B; L_COUNT],
}

impl<C: OcbCipher> Drop for Ocb<C> {
    fn drop(&mut self) {
        self.l_star.zeroize();
        self.l_dollar.zeroize();
        self.l.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl<C: OcbCipher> core::fmt::Debug for Ocb<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Ocb { .. }")
    }
}

fn xor(a: &mut B, b: &B) {
    for (a, b) in a.iter_mut().zip(b) {
        *a ^= b;
    }
}

/// Multiplication by x in GF(2^128) (RFC 7253 §2, `double`), without branches.
fn double(s: &B) -> B {
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let next = s.get(i + 1).map_or(0, |n| n >> 7); // public index: byte number
        *o = (s[i] << 1) | next; // public index: byte number
    }
    out[15] ^= 0u8.wrapping_sub(s[0] >> 7) & 0x87;
    out
}

/// XORs `part || 1 || 0^*` (RFC 7253 §4.1, a final partial block) into `acc`.
fn xor_padded(acc: &mut B, part: &[u8]) {
    for (a, p) in acc.iter_mut().zip(part) {
        *a ^= p;
    }
    acc[part.len()] ^= 0x80; // public index: a length
}

/// Which way the bulk blocks go through the cipher.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Encrypt,
    Decrypt,
}

impl<C: OcbCipher> Ocb<C> {
    /// Derives the masks of `cipher`'s key.
    pub fn with_cipher(cipher: C) -> Self {
        let mut l_star = [0u8; 16];
        cipher.encrypt_blocks(core::slice::from_mut(Block::from_mut_slice(&mut l_star)));
        let l_dollar = double(&l_star);
        let mut l = [[0u8; 16]; L_COUNT];
        let mut prev = double(&l_dollar);
        for li in &mut l {
            *li = prev;
            prev = double(li);
        }
        prev.zeroize();
        Ocb {
            cipher,
            l_star,
            l_dollar,
            l,
        }
    }

    /// E(block) of one block.
    fn encrypt_one(&self, b: &mut B) {
        self.cipher
            .encrypt_blocks(core::slice::from_mut(Block::from_mut_slice(b)));
    }

    /// Encrypts `data` in place; returns the tag.
    pub fn encrypt_in_place(&self, nonce: &[u8], ad: &[u8], data: &mut [u8]) -> Result<B> {
        self.run(nonce, ad, data, Dir::Encrypt)
    }

    /// Decrypts `data` in place if `tag` authenticates it and `ad`; otherwise
    /// wipes `data` and fails with [`OcbError::Tag`].
    pub fn decrypt_in_place(
        &self,
        nonce: &[u8],
        ad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        let mut want = self.run(nonce, ad, data, Dir::Decrypt)?;
        let ok = bool::from(want.as_slice().ct_eq(tag));
        want.zeroize();
        if ok {
            Ok(())
        } else {
            data.zeroize();
            Err(OcbError::Tag)
        }
    }

    /// Offset_0 from the nonce (RFC 7253 §4.2: Ktop, Stretch, bottom).
    fn initial_offset(&self, nonce: &[u8]) -> Result<B> {
        let n = nonce.len();
        if n == 0 || n > MAX_NONCE_LEN {
            return Err(OcbError::Nonce(n));
        }
        // num2str(TAGLEN mod 128, 7) = 0, zeros, a 1 bit, then N.
        let mut top = [0u8; 16];
        top[16 - n..].copy_from_slice(nonce); // public index: the nonce length
        top[15 - n] |= 1; // public index: the nonce length
        let bottom = usize::from(top[15] & 0x3f);
        top[15] &= 0xc0;
        self.encrypt_one(&mut top);
        // Stretch = Ktop || (Ktop[1..64] xor Ktop[9..72]).
        let mut stretch = [0u8; 24];
        stretch[..16].copy_from_slice(&top);
        for i in 0..8 {
            stretch[16 + i] = top[i] ^ top[i + 1]; // public index: byte number
        }
        let (bytes, bits) = (bottom / 8, bottom % 8);
        let mut offset = [0u8; 16];
        for (i, o) in offset.iter_mut().enumerate() {
            let hi = stretch[bytes + i] << bits; // public index: the nonce's bottom bits
            let lo = (u16::from(stretch[bytes + i + 1]) << bits >> 8) as u8; // public index: the nonce's bottom bits
            *o = hi | lo;
        }
        top.zeroize();
        stretch.zeroize();
        Ok(offset)
    }

    /// Fills `offsets` with the next offsets, Offset_i = Offset_{i-1} xor L_ntz(i).
    fn next_offsets(&self, offset: &mut B, index: &mut u64, offsets: &mut [B]) {
        for o in offsets {
            *index += 1;
            xor(offset, &self.l[index.trailing_zeros() as usize]); // public index: ntz of the block number
            *o = *offset;
        }
    }

    /// HASH(K, A) of RFC 7253 §4.1.
    fn hash(&self, ad: &[u8]) -> B {
        let mut sum = [0u8; 16];
        let mut offset = [0u8; 16];
        let mut index = 0u64;
        let mut offs = [[0u8; 16]; BATCH];
        let mut buf = [Block::default(); BATCH];
        let (blocks, rest) = ad.split_at(ad.len() / 16 * 16);
        for chunk in blocks.chunks(16 * BATCH) {
            let n = chunk.len() / 16;
            self.next_offsets(&mut offset, &mut index, &mut offs[..n]); // public index: a count
            for ((b, a), o) in buf.iter_mut().zip(chunk.chunks_exact(16)).zip(&offs) {
                b.copy_from_slice(a);
                xor(b.as_mut(), o);
            }
            self.cipher.encrypt_blocks(&mut buf[..n]); // public index: a count
            for b in buf.iter().take(n) {
                xor(&mut sum, b.as_ref());
            }
        }
        if !rest.is_empty() {
            xor(&mut offset, &self.l_star);
            let mut b = offset;
            xor_padded(&mut b, rest);
            self.encrypt_one(&mut b);
            xor(&mut sum, &b);
            b.zeroize();
        }
        offs.iter_mut().for_each(Zeroize::zeroize);
        buf.iter_mut().for_each(|b| b.as_mut_slice().zeroize());
        offset.zeroize();
        sum
    }

    /// The mode (RFC 7253 §4.2, §4.3): whitens and ciphers the full blocks in
    /// batches, masks the partial one with E(Offset_*), and returns the tag
    /// computed over the plaintext checksum.
    fn run(&self, nonce: &[u8], ad: &[u8], data: &mut [u8], dir: Dir) -> Result<B> {
        let mut offset = self.initial_offset(nonce)?;
        let mut checksum = [0u8; 16];
        let mut index = 0u64;
        let mut offs = [[0u8; 16]; BATCH];
        let mut buf = [Block::default(); BATCH];
        let full = data.len() / 16 * 16;
        let (blocks, rest) = data.split_at_mut(full);
        for chunk in blocks.chunks_mut(16 * BATCH) {
            let n = chunk.len() / 16;
            self.next_offsets(&mut offset, &mut index, &mut offs[..n]); // public index: a count
            for ((b, d), o) in buf.iter_mut().zip(chunk.chunks_exact(16)).zip(&offs) {
                b.copy_from_slice(d);
                if dir == Dir::Encrypt {
                    xor(&mut checksum, b.as_ref());
                }
                xor(b.as_mut(), o);
            }
            match dir {
                Dir::Encrypt => self.cipher.encrypt_blocks(&mut buf[..n]), // public index: a count
                Dir::Decrypt => self.cipher.decrypt_blocks(&mut buf[..n]), // public index: a count
            }
            for ((b, d), o) in buf.iter_mut().zip(chunk.chunks_exact_mut(16)).zip(&offs) {
                xor(b.as_mut(), o);
                if dir == Dir::Decrypt {
                    xor(&mut checksum, b.as_ref());
                }
                d.copy_from_slice(b);
            }
        }
        if !rest.is_empty() {
            xor(&mut offset, &self.l_star);
            let mut mask = offset;
            self.encrypt_one(&mut mask);
            if dir == Dir::Encrypt {
                xor_padded(&mut checksum, rest);
            }
            for (d, m) in rest.iter_mut().zip(&mask) {
                *d ^= m;
            }
            if dir == Dir::Decrypt {
                xor_padded(&mut checksum, rest);
            }
            mask.zeroize();
        }
        // Tag = E(Checksum xor Offset xor L_$) xor HASH(K, A).
        xor(&mut checksum, &offset);
        xor(&mut checksum, &self.l_dollar);
        self.encrypt_one(&mut checksum);
        let mut h = self.hash(ad);
        xor(&mut checksum, &h);
        h.zeroize();
        offs.iter_mut().for_each(Zeroize::zeroize);
        buf.iter_mut().for_each(|b| b.as_mut_slice().zeroize());
        offset.zeroize();
        Ok(checksum)
    }
}
