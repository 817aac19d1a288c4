//! AES-ECB and SHA-1 a host may lend us for the SEIPDv1 bulk.
//!
//! Wasm has no AES instructions, and SEIPDv1 decryption has no WebCrypto route
//! (see `shared/design/bulk-seam.md`: it needs E of arbitrary blocks). Node,
//! though, has OpenSSL's AES-ECB and SHA-1 behind synchronous calls. CFB
//! decryption is E of the previous ciphertext blocks xor the ciphertext, so
//! one ECB call over the shifted ciphertext gives the whole key stream, with
//! AES-NI running eight blocks at once (OpenSSL's own CFB decryption goes
//! block by block: several times slower). The Node entry registers them here; browsers and
//! native builds register nothing and keep the software path. The packet
//! layer (session keys, framing, MDC comparison, inner packets) stays ours:
//! the host only transforms bytes, and its output is checked like ours.

use std::cell::RefCell;
use std::rc::Rc;

/// Bulk primitives a host supplies. Each returns `false`/`None` when it cannot
/// do the work (the caller then uses software), never partial results.
pub trait NativeBulk {
    /// Encrypts whole blocks in place with AES-ECB, the AES key size given
    /// by `key` (16, 24 or 32 octets); `data.len()` is a multiple of 16.
    fn aes_ecb_encrypt(&self, key: &[u8], data: &mut [u8]) -> bool;
    /// SHA-1 of `data`.
    fn sha1(&self, data: &[u8]) -> Option<[u8; 20]>;
}

thread_local! {
    static NATIVE: RefCell<Option<Rc<dyn NativeBulk>>> = const { RefCell::new(None) };
}

/// Registers (or with `None` removes) the host's primitives for this thread.
pub fn set_native_bulk(native: Option<Rc<dyn NativeBulk>>) {
    NATIVE.with(|n| *n.borrow_mut() = native);
}

/// The registered primitives, if any.
pub(crate) fn native_bulk() -> Option<Rc<dyn NativeBulk>> {
    NATIVE.with(|n| n.borrow().clone())
}
