//! Wiping the Wasm shadow stack, and byte buffers that wipe fast.
//!
//! Keys returned or moved by value (`Zeroizing<[u8; 32]>` included) leave copies
//! in stack frames that `Zeroizing` never sees; on wasm32 that stack is part of
//! linear memory, readable by anyone holding the `WebAssembly.Memory`. The
//! secret-hygiene test found a vault's KEK, vault key and sub-keys there after
//! `lock()`. [`scrub_stack`] overwrites the stack below its caller; call it at
//! the end of operations that handled secrets, from a shallow frame.

use std::ops::{Deref, DerefMut};

use zeroize::Zeroize;

/// Overwrites [`SCRUB_BYTES`] of stack below the caller (compiled for speed in
/// `signet-kernels`).
pub use signet_kernels::bytes::{scrub_stack, SCRUB_BYTES};

/// A byte buffer wiped on drop, like `Zeroizing<Vec<u8>>` but fast. zeroize's
/// `Vec` impl wipes one volatile octet at a time: about 1 ms per MiB in Wasm,
/// 11 % of a one-shot SEIPDv1 decryption in Chromium. This wipes the contents
/// and the spare capacity with zeroize's slice paths (16-octet volatile stores
/// in Wasm, a fill and a barrier natively), compiled for speed in
/// `signet-kernels`. For the bulk buffers of messages; keys keep `Zeroizing`.
#[derive(Default, Clone)]
pub struct SecretBuf(Vec<u8>);

impl SecretBuf {
    /// Takes ownership of `v` (wiped when dropped).
    pub fn new(v: Vec<u8>) -> Self {
        SecretBuf(v)
    }

    /// Moves the contents out, to an owner that wipes them itself.
    pub fn take(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// An empty buffer with room for `n` octets.
    pub fn with_capacity(n: usize) -> Self {
        SecretBuf(Vec::with_capacity(n))
    }
}

impl Zeroize for SecretBuf {
    fn zeroize(&mut self) {
        signet_kernels::bytes::wipe_vec(&mut self.0);
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl Deref for SecretBuf {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for SecretBuf {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl AsRef<[u8]> for SecretBuf {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_buf_zeroize_empties_and_keeps_its_allocation() {
        let mut b = SecretBuf::with_capacity(64);
        b.extend_from_slice(&[0xAB; 40]);
        let (ptr, cap) = (b.as_ptr(), b.capacity());
        b.zeroize();
        assert!(b.is_empty());
        assert_eq!((b.as_ptr(), b.capacity()), (ptr, cap));
        b.extend_from_slice(&[1, 2, 3]);
        assert_eq!(b.clone().take(), vec![1, 2, 3]);
        assert_eq!(b.as_ref(), &[1, 2, 3]);
    }
}
