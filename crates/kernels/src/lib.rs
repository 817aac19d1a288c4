//! The hot loops of signet-crypto, in a crate of their own so that they keep
//! `opt-level = 3` while signet-crypto is built for size (`"s"`): Rust compiles
//! a generic function where it is instantiated, so what is hot is instantiated
//! here, behind non-generic functions that signet-crypto calls.
//!
//! - At the root: the constant-time bitsliced AES core of signet-crypto's
//!   software AES (its `simd_aes` module re-exports it): eight blocks per call,
//!   both directions, over a 128-bit [`Lane`]; every lane's [`Lane::encrypt8`]
//!   and [`Lane::decrypt8`] instantiate the rounds here. At `"s"` the rounds
//!   were neither unrolled nor kept in registers, and copied the 128-byte state
//!   with `memory.copy` several times a round (2.6 times slower in Chromium).
//!   GCM ([`gcm_seal`], [`gcm_open`]) and OCB ([`ocb`]) over it.
//! - [`mlkem`]: ML-KEM-768 for X-Wing.
//! - [`cfb`]: SEIPDv1's CFB decryption over that AES.
//! - [`bytes`]: CFB's key-stream XOR, wiping bulk buffers and the stack.
//!
//! In the AES, nothing indexes memory by a secret and nothing branches on one
//! (signet-crypto's `tests/simd_aes.rs` scans these files for index expressions).

mod any;
pub mod bytes;
pub mod cfb;
mod key;
mod lanes;
pub mod mlkem;
pub mod ocb;
mod round;
mod sbox;

pub use key::expand;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use lanes::Simd;
pub use lanes::{Lane, Portable};
pub use round::State;

use aes_gcm::aes::cipher::consts::{U12, U16, U24, U32, U8};
use aes_gcm::aes::cipher::inout::{InOut, InOutBuf};
use aes_gcm::aes::cipher::{
    AlgorithmName, Block, BlockBackend, BlockCipher, BlockClosure, BlockDecrypt, BlockEncrypt,
    BlockSizeUser, Key, KeyInit, KeySizeUser, ParBlocks, ParBlocksSizeUser,
};
use zeroize::ZeroizeOnDrop;

pub use any::AnyAes;
pub use ocb::{AesOcb, OcbError};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use self::{Bitsliced128 as Aes128, Bitsliced192 as Aes192, Bitsliced256 as Aes256};
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub use aes_gcm::aes::{Aes128, Aes192, Aes256};

/// AES-128-GCM (96-bit nonce) over the AES of this build.
pub type Aes128Gcm = aes_gcm::AesGcm<Aes128, U12>;
/// AES-256-GCM (96-bit nonce) over the AES of this build.
pub type Aes256Gcm = aes_gcm::AesGcm<Aes256, U12>;

/// AES-GCM sealing in place (96-bit nonce, 16-octet tag) with a 16- or
/// 32-octet key: the tag, or `None` for another key length. Non-generic, so
/// GCM over this build's AES is compiled here (see the crate's docs).
#[inline(never)]
pub fn gcm_seal(key: &[u8], nonce: &[u8; 12], ad: &[u8], buf: &mut [u8]) -> Option<[u8; 16]> {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let nonce = aes_gcm::Nonce::from_slice(nonce);
    let tag = match key.len() {
        16 => Aes128Gcm::new_from_slice(key)
            .ok()?
            .encrypt_in_place_detached(nonce, ad, buf),
        32 => Aes256Gcm::new_from_slice(key)
            .ok()?
            .encrypt_in_place_detached(nonce, ad, buf),
        _ => return None,
    };
    tag.ok().map(Into::into)
}

/// AES-GCM opening in place: `true` when `tag` authenticates `buf` and `ad`
/// (then `buf` is the plaintext); `false` for a forgery or a key that is not
/// 16 or 32 octets. Non-generic, like [`gcm_seal`].
#[inline(never)]
pub fn gcm_open(key: &[u8], nonce: &[u8; 12], ad: &[u8], buf: &mut [u8], tag: &[u8; 16]) -> bool {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let nonce = aes_gcm::Nonce::from_slice(nonce);
    let tag = aes_gcm::Tag::from_slice(tag);
    match key.len() {
        16 => Aes128Gcm::new_from_slice(key)
            .is_ok_and(|c| c.decrypt_in_place_detached(nonce, ad, buf, tag).is_ok()),
        32 => Aes256Gcm::new_from_slice(key)
            .is_ok_and(|c| c.decrypt_in_place_detached(nonce, ad, buf, tag).is_ok()),
        _ => false,
    }
}

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
        expand(key, &mut keys);
        Bitsliced { keys }
    }

    /// Encrypts up to eight blocks in place (missing ones are zero padding).
    fn encrypt_blocks8(&self, blocks: &mut [[u8; 16]]) {
        L::encrypt8(&self.keys, blocks);
    }

    /// Decrypts up to eight blocks in place (missing ones are zero padding).
    fn decrypt_blocks8(&self, blocks: &mut [[u8; 16]]) {
        L::decrypt8(&self.keys, blocks);
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

/// Packs up to eight blocks (missing ones are zero padding), runs the rounds
/// with `keys` in one direction, unpacks, and wipes the state.
fn blocks8<L: Lane>(keys: &[State<L>], blocks: &mut [[u8; 16]], decrypt: bool) {
    let mut s: State<L> = [L::from_bytes(&[0; 16]); 8];
    for (lane, b) in s.iter_mut().zip(blocks.iter()) {
        *lane = L::from_bytes(b);
    }
    round::transpose(&mut s);
    if decrypt {
        round::decrypt(&mut s, keys);
    } else {
        round::encrypt(&mut s, keys);
    }
    round::transpose(&mut s);
    for (b, lane) in blocks.iter_mut().zip(&mut s) {
        *b = lane.to_bytes();
    }
    s.iter_mut().for_each(L::wipe);
}
