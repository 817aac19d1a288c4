//! signet-crypto: client-side OpenPGP, post-quantum key wrapping and an encrypted
//! notes vault, written as a pure-Rust core with a thin WebAssembly binding.
//!
//! The core modules (everything except `bindings`) never touch wasm-bindgen, so they
//! build and test natively with `cargo test`. The `bindings` module only exists on
//! `wasm32` and only converts values and errors at the JS boundary.

#![warn(missing_docs)]

pub mod aead;
pub mod error;
pub mod kdf;
pub mod notes;
// Off in the notes module (feature `openpgp`, Cargo.toml): wrapping and notes never use it.
#[cfg(feature = "openpgp")]
pub mod openpgp;
pub mod scrub;
pub mod simd_aes;
pub mod version;
pub mod wrap;

#[cfg(target_arch = "wasm32")]
mod bindings;

pub use error::{Error, Reason, Result};

/// The Wasm module's allocator: the system allocator, with every freed block
/// overwritten with zeros first. Linear memory is readable by any script that
/// holds the `WebAssembly.Memory`, and buffers freed by dependencies (rPGP's
/// packet buffers, growing `Vec`s) would otherwise keep plaintext and keys.
#[cfg(all(target_arch = "wasm32", feature = "zeroize-on-free"))]
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);
pub use version::{version, VersionInfo};
