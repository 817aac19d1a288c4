//! AES of a key size known only at run time: what SEIPD packets need, whose
//! cipher octet picks AES-128, -192 or -256.

use aes_gcm::aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes_gcm::aes::Block;

use crate::{Aes128, Aes192, Aes256};

/// One of the three AES key sizes over the AES of this build (boxed: the
/// bitsliced round keys of the Wasm build differ in size by 512 bytes).
pub enum AnyAes {
    /// AES-128.
    A128(Box<Aes128>),
    /// AES-192.
    A192(Box<Aes192>),
    /// AES-256.
    A256(Box<Aes256>),
}

impl AnyAes {
    /// The AES whose key size is `key.len()` (16, 24 or 32), else `None`.
    pub fn new(key: &[u8]) -> Option<Self> {
        Some(match key.len() {
            16 => AnyAes::A128(Box::new(Aes128::new_from_slice(key).ok()?)),
            24 => AnyAes::A192(Box::new(Aes192::new_from_slice(key).ok()?)),
            32 => AnyAes::A256(Box::new(Aes256::new_from_slice(key).ok()?)),
            _ => return None,
        })
    }

    /// Encrypts blocks in place (eight per bitsliced pass in Wasm).
    pub fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            AnyAes::A128(c) => c.encrypt_blocks(blocks),
            AnyAes::A192(c) => c.encrypt_blocks(blocks),
            AnyAes::A256(c) => c.encrypt_blocks(blocks),
        }
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut Block) {
        self.encrypt_blocks(core::slice::from_mut(block));
    }

    /// Decrypts blocks in place.
    pub fn decrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            AnyAes::A128(c) => c.decrypt_blocks(blocks),
            AnyAes::A192(c) => c.decrypt_blocks(blocks),
            AnyAes::A256(c) => c.decrypt_blocks(blocks),
        }
    }
}
