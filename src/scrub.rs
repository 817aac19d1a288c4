//! Wiping the Wasm shadow stack.
//!
//! Keys returned or moved by value (`Zeroizing<[u8; 32]>` included) leave copies
//! in stack frames that `Zeroizing` never sees; on wasm32 that stack is part of
//! linear memory, readable by anyone holding the `WebAssembly.Memory`. The
//! secret-hygiene test found a vault's KEK, vault key and sub-keys there after
//! `lock()`. [`scrub_stack`] overwrites the stack below its caller; call it at
//! the end of operations that handled secrets, from a shallow frame.

use zeroize::Zeroize;

/// Bytes overwritten below the caller's frame. The deepest secret-handling call
/// chains we measured (Argon2, HPKE, vault open) stay well within this.
pub const SCRUB_BYTES: usize = 128 * 1024;

/// Overwrites [`SCRUB_BYTES`] of stack below the caller with zeros.
#[inline(never)]
pub fn scrub_stack() {
    let mut area = [0u8; SCRUB_BYTES];
    // Volatile writes: not optimised away even though `area` is dead afterwards.
    area.zeroize();
    std::hint::black_box(&area);
}
