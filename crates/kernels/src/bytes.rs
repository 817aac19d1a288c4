//! The byte loops of the bulk paths: CFB's key-stream XOR, the wipe of
//! message-sized buffers and of the stack. Here rather than in signet-crypto for the same reason
//! as the AES: built for size there, `xor_into` called `copy_from_slice` for
//! every eight octets and the wipes ran zeroize's loops unrolled by nothing
//! (SEIPDv1 decryption 1.6–2 times slower in Node). `#[inline(never)]` keeps
//! them compiled here.

use zeroize::Zeroize;

/// `dst ^= src` over their common length, eight octets at a time (Wasm has
/// 64-bit integer ops; a byte loop is several times slower there).
#[inline(never)]
pub fn xor_into(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    let (dst, src) = (dst.split_at_mut(n).0, src.split_at(n).0);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (a, b) in (&mut d).zip(&mut s) {
        let x = u64::from_ne_bytes(a.try_into().unwrap_or_default())
            ^ u64::from_ne_bytes(b.try_into().unwrap_or_default());
        a.copy_from_slice(&x.to_ne_bytes());
    }
    for (a, b) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *a ^= b;
    }
}

/// Overwrites a vector's contents and its spare capacity with zeros (volatile
/// stores, zeroize's slice paths), then empties it; the allocation stays.
#[inline(never)]
pub fn wipe_vec(v: &mut Vec<u8>) {
    v.as_mut_slice().zeroize();
    v.spare_capacity_mut().zeroize();
    v.clear();
}

/// Bytes of stack [`scrub_stack`] overwrites below its caller's frame. The
/// deepest secret-handling call chains measured (Argon2, HPKE, vault open) stay
/// well within this.
pub const SCRUB_BYTES: usize = 128 * 1024;

/// Overwrites [`SCRUB_BYTES`] of stack below the caller with zeros, through
/// zeroize's slice path (bulk volatile stores; its array path stores one octet
/// at a time).
#[inline(never)]
pub fn scrub_stack() {
    let mut area = [0u8; SCRUB_BYTES];
    // Volatile writes: not optimised away even though `area` is dead afterwards.
    area.as_mut_slice().zeroize();
    std::hint::black_box(&area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_into_covers_the_common_length_and_every_tail() {
        for n in 0..40 {
            let src: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
            let mut dst: Vec<u8> = (0..n as u8 + 3).collect();
            let want: Vec<u8> = dst
                .iter()
                .enumerate()
                .map(|(i, d)| d ^ src.get(i).copied().unwrap_or(0)) // public index: a test
                .collect();
            xor_into(&mut dst, &src);
            assert_eq!(dst, want, "n = {n}");
        }
    }

    #[test]
    fn wipe_vec_zeroes_contents_and_spare_and_keeps_the_allocation() {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&[0xAB; 40]);
        let (ptr, cap) = (v.as_ptr(), v.capacity());
        wipe_vec(&mut v);
        assert!(v.is_empty());
        assert_eq!((v.as_ptr(), v.capacity()), (ptr, cap));
    }
}
