//! OpenPGP CFB decryption with AES (RFC 9580 §5.13.1, SEIPDv1: zero IV, no
//! resynchronisation), many blocks per cipher call. Each plaintext block needs
//! only the ciphertext block before it (P_i = C_i xor E(C_{i-1})), so the key
//! stream of a whole segment is one batched encryption. Here rather than in
//! signet-crypto because, built for size there, filling the key-stream buffer
//! went through `GenericArray::from_exact_iter` per block (13 % of a SEIPDv1
//! decryption's main thread in Chromium).

use aes_gcm::aes::Block;
use zeroize::Zeroizing;

use crate::AnyAes;

/// Ciphertext per cipher call (keeps the key-stream buffer small).
pub const SEGMENT: usize = 64 * 1024;

/// CFB-decrypts `data`, the ciphertext that follows block `iv`, into `out`
/// (same length) with the AES of `key`'s length (16, 24 or 32 octets). False,
/// with `out` untouched, for another key length or a length mismatch.
#[inline(never)]
pub fn cfb_decrypt(key: &[u8], iv: &[u8; 16], data: &[u8], out: &mut [u8]) -> bool {
    let Some(aes) = AnyAes::new(key) else {
        return false;
    };
    if out.len() != data.len() {
        return false;
    }
    let mut ks: Zeroizing<Vec<Block>> = Zeroizing::new(Vec::with_capacity(SEGMENT / 16));
    // The ciphertext block before the current segment.
    let mut prev = Block::clone_from_slice(iv);
    for (seg, o) in data.chunks(SEGMENT).zip(out.chunks_mut(SEGMENT)) {
        ks.clear();
        ks.push(prev);
        ks.extend(seg.chunks(16).map(|c| {
            let mut b = Block::default();
            b.iter_mut().zip(c).for_each(|(b, c)| *b = *c);
            b
        }));
        // The segment's last block is only an E input for the next segment.
        if let Some(last) = ks.pop() {
            prev = last;
        }
        aes.encrypt_blocks(&mut ks);
        for ((o, c), k) in o.chunks_mut(16).zip(seg.chunks(16)).zip(ks.iter()) {
            for ((o, c), k) in o.iter_mut().zip(c).zip(k.iter()) {
                *o = c ^ k;
            }
        }
    }
    true
}
