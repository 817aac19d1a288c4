//! The AES key expansion (FIPS-197 §5.2), constant time: SubWord runs through
//! the same S-box circuit as the rounds, on one lane set per word.

use zeroize::Zeroize;

use crate::lanes::Lane;
use crate::round::{transpose, State};
use crate::sbox::sub_bytes;

/// Round constants (FIPS-197 §5.2), indexed by the public round number.
const RCON: [u8; 10] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];

/// Lane set whose byte `j` of lane `b` is 0xff when bit `b` of `bytes[j]` is
/// set: the byte value for all eight blocks at once. Transposing `bytes` as
/// block 0 puts each bit at bit 0 of its plane's byte; three shift-XOR steps
/// copy it to the other seven bits.
pub(crate) fn broadcast<L: Lane>(bytes: &[u8; 16]) -> State<L> {
    let zero = L::from_bytes(&[0; 16]);
    let mut s = [zero; 8];
    s[0] = L::from_bytes(bytes);
    transpose(&mut s);
    for p in &mut s {
        *p = *p ^ p.shl(1);
        *p = *p ^ p.shl(2);
        *p = *p ^ p.shl(4);
    }
    s
}

/// SubWord through the circuit.
fn sub_word<L: Lane>(w: [u8; 4]) -> [u8; 4] {
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&w);
    let mut planes = broadcast::<L>(&bytes);
    sub_bytes(&mut planes);
    // Every block holds the result: block 0 after transposing back.
    transpose(&mut planes);
    let [mut block, ..] = planes.map(L::to_bytes);
    let out = [block[0], block[1], block[2], block[3]];
    block.zeroize();
    planes.iter_mut().for_each(L::wipe);
    bytes.zeroize();
    out
}

/// Expands a 16-, 24- or 32-byte key into `rounds + 1` bitsliced round keys.
pub fn expand<L: Lane>(key: &[u8], out: &mut [State<L>]) {
    let nk = key.len() / 4;
    let total = out.len() * 4;
    let mut w: Vec<[u8; 4]> = Vec::with_capacity(total);
    w.extend(key.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]));
    for i in nk..total {
        let mut t = w[i - 1]; // public index: word number
        if i % nk == 0 {
            t.rotate_left(1);
            t = sub_word::<L>(t);
            t[0] ^= RCON[i / nk - 1]; // public index: round number
        } else if nk > 6 && i % nk == 4 {
            t = sub_word::<L>(t);
        }
        let mut next = w[i - nk]; // public index: word number
        for (n, t) in next.iter_mut().zip(&t) {
            *n ^= t;
        }
        w.push(next);
        t.zeroize();
    }
    for (rk, words) in out.iter_mut().zip(w.chunks_exact(4)) {
        let mut bytes = [0u8; 16];
        for (dst, word) in bytes.chunks_exact_mut(4).zip(words) {
            dst.copy_from_slice(word);
        }
        *rk = broadcast(&bytes);
        bytes.zeroize();
    }
    w.zeroize();
}
