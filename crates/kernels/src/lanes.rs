//! The lane the bitsliced AES computes on: 128 bits seen as 16 bytes. Every
//! operation is data-independent (no branch, no index taken from the data):
//! bitwise logic, shifts by constants, and byte shuffles by constant tables.
//! [`Simd`] is one Wasm `v128` register; [`Portable`] is a `u128` so that the
//! same cipher compiles and is tested natively.

use core::ops::{BitAnd, BitXor, Not};

/// One bit-plane of eight AES states (see `round.rs` for the layout).
pub trait Lane: Copy + BitXor<Output = Self> + BitAnd<Output = Self> + Not<Output = Self> {
    /// The lane whose byte j is `b[j]`.
    fn from_bytes(b: &[u8; 16]) -> Self;
    /// The lane's 16 bytes.
    fn to_bytes(self) -> [u8; 16];
    /// Shifts each 64-bit half right by `n` bits.
    fn shr(self, n: u32) -> Self;
    /// Shifts each 64-bit half left by `n` bits.
    fn shl(self, n: u32) -> Self;
    /// AES ShiftRows on the 16 byte positions.
    fn shift_rows(self) -> Self;
    /// AES InvShiftRows (FIPS-197 §5.3.1), the inverse permutation.
    fn inv_shift_rows(self) -> Self;
    /// Each byte takes the value of the next row's byte in its column.
    fn rot_rows1(self) -> Self;
    /// Each byte takes the value of the byte two rows down in its column.
    fn rot_rows2(self) -> Self;
    /// Overwrites the lane with zeros in a way the optimiser keeps.
    fn wipe(&mut self);
    /// Encrypts up to eight blocks in place with bitsliced round keys
    /// ([`crate::expand`]; `keys.len()` = rounds + 1). Missing blocks are zero padding.
    fn encrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]);
    /// Decrypts up to eight blocks in place with the round keys of [`Lane::encrypt8`].
    fn decrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]);
}

/// Byte sources of ShiftRows (state byte j is row j % 4, column j / 4; FIPS-197 §5.1.2).
pub(crate) const SHIFT_ROWS: [usize; 16] = [0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11];
/// Byte sources of InvShiftRows: row r moves right by r columns.
pub(crate) const INV_SHIFT_ROWS: [usize; 16] =
    [0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3];
/// Byte sources of a one-row rotation within each column.
pub(crate) const ROT_ROWS1: [usize; 16] = [1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12];
/// Byte sources of a two-row rotation within each column.
pub(crate) const ROT_ROWS2: [usize; 16] = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];

/// The reference lane: a `u128` whose byte j is bits 8j..8j+8.
#[derive(Clone, Copy)]
pub struct Portable(u128);

impl Portable {
    /// Permutes bytes by a constant table (the table, not the data, picks the byte).
    fn permute(self, table: &[usize; 16]) -> Self {
        let src = self.0.to_le_bytes();
        let mut out = [0u8; 16];
        for (o, &i) in out.iter_mut().zip(table) {
            *o = src[i]; // public index: a constant table entry
        }
        Portable(u128::from_le_bytes(out))
    }
}

impl BitXor for Portable {
    type Output = Self;
    fn bitxor(self, o: Self) -> Self {
        Portable(self.0 ^ o.0)
    }
}

impl BitAnd for Portable {
    type Output = Self;
    fn bitand(self, o: Self) -> Self {
        Portable(self.0 & o.0)
    }
}

impl Not for Portable {
    type Output = Self;
    fn not(self) -> Self {
        Portable(!self.0)
    }
}

impl Lane for Portable {
    fn from_bytes(b: &[u8; 16]) -> Self {
        Portable(u128::from_le_bytes(*b))
    }
    fn to_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }
    fn shr(self, n: u32) -> Self {
        let (lo, hi) = (self.0 as u64, (self.0 >> 64) as u64);
        Portable(u128::from(lo >> n) | (u128::from(hi >> n) << 64))
    }
    fn shl(self, n: u32) -> Self {
        let (lo, hi) = (self.0 as u64, (self.0 >> 64) as u64);
        Portable(u128::from(lo << n) | (u128::from(hi << n) << 64))
    }
    fn shift_rows(self) -> Self {
        self.permute(&SHIFT_ROWS)
    }
    fn inv_shift_rows(self) -> Self {
        self.permute(&INV_SHIFT_ROWS)
    }
    fn rot_rows1(self) -> Self {
        self.permute(&ROT_ROWS1)
    }
    fn rot_rows2(self) -> Self {
        self.permute(&ROT_ROWS2)
    }
    fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
    // Non-generic, so compiled in this crate (see the crate's docs).
    #[inline(never)]
    fn encrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]) {
        crate::blocks8(keys, blocks, false);
    }
    #[inline(never)]
    fn decrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]) {
        crate::blocks8(keys, blocks, true);
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::Simd;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        i8x16_shuffle, u64x2, u64x2_extract_lane, u64x2_shl, u64x2_shr, v128, v128_and, v128_not,
        v128_xor,
    };
    use core::ops::{BitAnd, BitXor, Not};

    /// One Wasm `simd128` register; shuffles use `i8x16.shuffle` with immediate
    /// indices (the same tables as `SHIFT_ROWS`, `INV_SHIFT_ROWS`, `ROT_ROWS1`,
    /// `ROT_ROWS2`).
    #[derive(Clone, Copy)]
    pub struct Simd(v128);

    impl BitXor for Simd {
        type Output = Self;
        fn bitxor(self, o: Self) -> Self {
            Simd(v128_xor(self.0, o.0))
        }
    }

    impl BitAnd for Simd {
        type Output = Self;
        fn bitand(self, o: Self) -> Self {
            Simd(v128_and(self.0, o.0))
        }
    }

    impl Not for Simd {
        type Output = Self;
        fn not(self) -> Self {
            Simd(v128_not(self.0))
        }
    }

    impl super::Lane for Simd {
        fn from_bytes(b: &[u8; 16]) -> Self {
            let (lo, hi) = b.split_at(8);
            let word = |h: &[u8]| u64::from_le_bytes(h.try_into().unwrap_or_default());
            Simd(u64x2(word(lo), word(hi)))
        }
        fn to_bytes(self) -> [u8; 16] {
            let mut out = [0u8; 16];
            let (lo, hi) = out.split_at_mut(8);
            lo.copy_from_slice(&u64x2_extract_lane::<0>(self.0).to_le_bytes());
            hi.copy_from_slice(&u64x2_extract_lane::<1>(self.0).to_le_bytes());
            out
        }
        fn shr(self, n: u32) -> Self {
            Simd(u64x2_shr(self.0, n))
        }
        fn shl(self, n: u32) -> Self {
            Simd(u64x2_shl(self.0, n))
        }
        fn shift_rows(self) -> Self {
            Simd(i8x16_shuffle::<
                0,
                5,
                10,
                15,
                4,
                9,
                14,
                3,
                8,
                13,
                2,
                7,
                12,
                1,
                6,
                11,
            >(self.0, self.0))
        }
        fn inv_shift_rows(self) -> Self {
            Simd(i8x16_shuffle::<
                0,
                13,
                10,
                7,
                4,
                1,
                14,
                11,
                8,
                5,
                2,
                15,
                12,
                9,
                6,
                3,
            >(self.0, self.0))
        }
        fn rot_rows1(self) -> Self {
            Simd(i8x16_shuffle::<
                1,
                2,
                3,
                0,
                5,
                6,
                7,
                4,
                9,
                10,
                11,
                8,
                13,
                14,
                15,
                12,
            >(self.0, self.0))
        }
        fn rot_rows2(self) -> Self {
            Simd(i8x16_shuffle::<
                2,
                3,
                0,
                1,
                6,
                7,
                4,
                5,
                10,
                11,
                8,
                9,
                14,
                15,
                12,
                13,
            >(self.0, self.0))
        }
        fn wipe(&mut self) {
            // `zeroize` has no `v128` impl; `black_box` makes the store observable.
            self.0 = u64x2(0, 0);
            core::hint::black_box(&mut self.0);
        }
        // Non-generic, so compiled in this crate (see the crate's docs).
        #[inline(never)]
        fn encrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]) {
            crate::blocks8(keys, blocks, false);
        }
        #[inline(never)]
        fn decrypt8(keys: &[[Self; 8]], blocks: &mut [[u8; 16]]) {
            crate::blocks8(keys, blocks, true);
        }
    }
}
