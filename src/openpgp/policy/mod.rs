//! The OpenPGP policy: which algorithms, signatures and certificate states we
//! accept, and judged at which time. rPGP checks the mathematics; every verdict
//! on top of it is made here, so one-shot, streaming and key-import paths agree.
//! `docs/policy.md` lists each rule with its source (RFC 9580, Sequoia's
//! `StandardPolicy`) and where we differ.
//!
//! - [`algorithms`]: hash algorithms per use, public-key sizes, ECDH parameters.
//! - [`signatures`]: critical subpackets and notations, the hash rule applied to
//!   one signature.
//! - [`validity`]: certificates evaluated at a reference time (the signature's
//!   creation time for verification, now for encryption and signing).
//!
//! Nesting (compression depth) is a size limit, so it lives with the others in
//! `Limits::max_compression_layers`.

mod algorithms;
mod signatures;
mod validity;

pub(crate) use algorithms::HashUse;
pub(crate) use signatures::{check_signature, data_signature_expired};
pub use validity::KeyUsage;
pub(crate) use validity::{Cert, Component, VerifierRef};
