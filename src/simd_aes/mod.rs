//! The software AES of this crate: the constant-time bitsliced AES for Wasm
//! `simd128` (eight blocks per call, both directions), GCM and OCB over it, and
//! the `aes` crate natively. It lives in the `signet-kernels` crate
//! (`crates/kernels/`) so that it keeps `opt-level = 3` while this crate is
//! built for size (Cargo.toml's release profile); callers reach it here.
//! [`Aes128`], [`Aes192`] and [`Aes256`] are the one place that chooses the AES
//! of the software paths.

pub use signet_kernels::*;

impl From<ocb::OcbError> for crate::Error {
    fn from(e: ocb::OcbError) -> Self {
        match e {
            ocb::OcbError::Tag => crate::Error::DecryptionFailed,
            other => crate::Error::InvalidArgument(other.to_string()),
        }
    }
}
