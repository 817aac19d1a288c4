//! Constant-time bitsliced AES for Wasm `simd128`, eight blocks per call, both
//! directions, and OCB over it (`ocb.rs`).
//!
//! Wasm has no AES instructions, and table-based AES leaks its key through
//! cache timing. This cipher computes on bit-planes instead (E. Käsper and
//! P. Schwabe, "Faster and timing-attack resistant AES-GCM", CHES 2009): the
//! S-box is Boyar and Peralta's Boolean circuit and the inverse S-box that
//! circuit between two inverse affine maps (`sbox.rs`), ShiftRows, MixColumns
//! and their inverses are constant byte shuffles and XORs (`round.rs`), and the
//! key expansion runs SubWord through the same circuit (`key.rs`); decryption
//! uses the same round keys in reverse. Nothing indexes memory by a secret
//! and nothing branches on one (`tests/simd_aes.rs` scans these files for
//! index expressions).
//!
//! The code is generic over a 128-bit [`lanes::Lane`]: one `v128` register in
//! Wasm built with `simd128`, a `u128` elsewhere so that native tests compare
//! it with the `aes` crate. [`Aes128`], [`Aes192`] and [`Aes256`] are the one
//! place that chooses the AES of the software paths: this cipher in Wasm with
//! `simd128`, the `aes` crate (AES-NI where present) in native builds.

mod any;
mod key;
mod lanes;
pub mod ocb;
mod round;
mod sbox;

use aes_gcm::aes::cipher::consts::{U12, U16, U24, U32, U8};
use aes_gcm::aes::cipher::inout::{InOut, InOutBuf};
use aes_gcm::aes::cipher::{
    AlgorithmName, Block, BlockBackend, BlockCipher, BlockClosure, BlockDecrypt, BlockEncrypt,
    BlockSizeUser, Key, KeyInit, KeySizeUser, ParBlocks, ParBlocksSizeUser,
};
use zeroize::ZeroizeOnDrop;

pub use any::AnyAes;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use lanes::Simd;
pub use lanes::{Lane, Portable};
use round::State;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use self::{Bitsliced128 as Aes128, Bitsliced192 as Aes192, Bitsliced256 as Aes256};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use aes_gcm::aes::{Aes128, Aes192, Aes256};

/// AES-128-GCM (96-bit nonce) over the AES of this build.
pub type Aes128Gcm = aes_gcm::AesGcm<Aes128, U12>;
/// AES-256-GCM (96-bit nonce) over the AES of this build.
pub type Aes256Gcm = aes_gcm::AesGcm<Aes256, U12>;

/// The lane of this build: `v128` with `simd128`, else the portable `u128`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type NativeLane = Simd;
/// The lane of this build: `v128` with `simd128`, else the portable `u128`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type NativeLane = Portable;

/// Blocks per bitsliced call.
const PAR: usize = 8;

/// Expanded key: `K` = rounds + 1 bitsliced round keys.
pub struct Bitsliced<L: Lane, const K: usize> {
    keys: [State<L>; K],
}

impl<L: Lane, const K: usize> Bitsliced<L, K> {
    fn from_key(key: &[u8]) -> Self {
        let zero = L::from_bytes(&[0; 16]);
        let mut keys = [[zero; 8]; K];
        key::expand(key, &mut keys);
        Bitsliced { keys }
    }

    /// Encrypts up to eight blocks in place (missing ones are zero padding).
    fn encrypt_blocks8(&self, blocks: &mut [[u8; 16]]) {
        self.blocks8(blocks, round::encrypt);
    }

    /// Decrypts up to eight blocks in place (missing ones are zero padding).
    fn decrypt_blocks8(&self, blocks: &mut [[u8; 16]]) {
        self.blocks8(blocks, round::decrypt);
    }

    /// Packs up to eight blocks, runs `rounds` with the round keys, unpacks.
    fn blocks8(&self, blocks: &mut [[u8; 16]], rounds: fn(&mut State<L>, &[State<L>])) {
        let mut s: State<L> = [L::from_bytes(&[0; 16]); PAR];
        for (lane, b) in s.iter_mut().zip(blocks.iter()) {
            *lane = L::from_bytes(b);
        }
        round::transpose(&mut s);
        rounds(&mut s, &self.keys);
        round::transpose(&mut s);
        for (b, lane) in blocks.iter_mut().zip(&mut s) {
            *b = lane.to_bytes();
        }
        s.iter_mut().for_each(L::wipe);
    }
}

impl<L: Lane, const K: usize> Drop for Bitsliced<L, K> {
    fn drop(&mut self) {
        self.keys.iter_mut().flatten().for_each(L::wipe);
    }
}

impl<L: Lane, const K: usize> ZeroizeOnDrop for Bitsliced<L, K> {}

impl<L: Lane, const K: usize> Clone for Bitsliced<L, K> {
    fn clone(&self) -> Self {
        Bitsliced { keys: self.keys }
    }
}

impl<L: Lane, const K: usize> BlockSizeUser for Bitsliced<L, K> {
    type BlockSize = U16;
}

impl<L: Lane, const K: usize> BlockCipher for Bitsliced<L, K> {}

impl<L: Lane, const K: usize> BlockEncrypt for Bitsliced<L, K> {
    fn encrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut Backend(self, Self::encrypt_blocks8));
    }
}

impl<L: Lane, const K: usize> BlockDecrypt for Bitsliced<L, K> {
    fn decrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut Backend(self, Self::decrypt_blocks8));
    }
}

impl<L: Lane, const K: usize> core::fmt::Debug for Bitsliced<L, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Bitsliced AES { .. }")
    }
}

macro_rules! key_size {
    ($name:ident, $k:literal, $size:ty, $label:literal) => {
        #[doc = concat!("Bitsliced ", $label, " over the lane of this build.")]
        pub type $name = Bitsliced<NativeLane, $k>;

        impl<L: Lane> KeySizeUser for Bitsliced<L, $k> {
            type KeySize = $size;
        }

        impl<L: Lane> KeyInit for Bitsliced<L, $k> {
            fn new(key: &Key<Self>) -> Self {
                Self::from_key(key)
            }
        }

        impl<L: Lane> AlgorithmName for Bitsliced<L, $k> {
            fn write_alg_name(f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($label)
            }
        }
    };
}

key_size!(Bitsliced128, 11, U16, "AES-128");
key_size!(Bitsliced192, 13, U24, "AES-192");
key_size!(Bitsliced256, 15, U32, "AES-256");

/// Eight-block operation of a backend: encryption or decryption.
type Blocks8<L, const K: usize> = fn(&Bitsliced<L, K>, &mut [[u8; 16]]);

/// The `cipher` backend: eight blocks per parallel call, in one direction.
struct Backend<'a, L: Lane, const K: usize>(&'a Bitsliced<L, K>, Blocks8<L, K>);

impl<L: Lane, const K: usize> BlockSizeUser for Backend<'_, L, K> {
    type BlockSize = U16;
}

impl<L: Lane, const K: usize> ParBlocksSizeUser for Backend<'_, L, K> {
    type ParBlocksSize = U8;
}

impl<L: Lane, const K: usize> BlockBackend for Backend<'_, L, K> {
    fn proc_block(&mut self, mut block: InOut<'_, '_, Block<Self>>) {
        let input = block.clone_in();
        self.proc_tail_blocks(InOutBuf::from_ref_mut(&input, block.get_out()));
    }

    fn proc_par_blocks(&mut self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
        self.proc_tail_blocks(blocks.into_buf());
    }

    /// Up to eight blocks in one bitsliced call (fewer are zero-padded).
    fn proc_tail_blocks(&mut self, mut blocks: InOutBuf<'_, '_, Block<Self>>) {
        let mut b = [[0u8; 16]; PAR];
        for (d, s) in b.iter_mut().zip(blocks.get_in()) {
            d.copy_from_slice(s);
        }
        (self.1)(self.0, &mut b);
        for (o, v) in blocks.get_out().iter_mut().zip(&b) {
            o.copy_from_slice(v);
        }
        zeroize::Zeroize::zeroize(&mut b);
    }
}

/// The cipher over the portable lane, whatever the build: what the native
/// differential tests compare with the `aes` crate.
#[doc(hidden)]
pub mod portable {
    use super::{Bitsliced, Portable};
    /// Portable bitsliced AES-128.
    pub type Aes128 = Bitsliced<Portable, 11>;
    /// Portable bitsliced AES-192.
    pub type Aes192 = Bitsliced<Portable, 13>;
    /// Portable bitsliced AES-256.
    pub type Aes256 = Bitsliced<Portable, 15>;
}
