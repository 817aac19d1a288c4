//! Versions of this crate and of the crypto crates it is built on, so that a bug
//! report from the field names exactly what ran.

/// The package version and the main crypto dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// This crate's (and npm package's) version.
    pub package: &'static str,
    /// `(crate name, version)` of the crypto crates linked in.
    pub crates: &'static [(&'static str, &'static str)],
}

/// Kept in step with `Cargo.lock` by `tests/versions.rs`, which fails when they drift.
pub const CRYPTO_CRATES: &[(&str, &str)] = &[
    ("pgp", "0.21.0"),
    ("ml-kem", "0.2.3"),
    ("x25519-dalek", "2.0.1"),
    ("aes-gcm", "0.10.3"),
    ("argon2", "0.5.3"),
];

/// What [`crate::version`] reports.
pub fn version() -> VersionInfo {
    VersionInfo {
        package: env!("CARGO_PKG_VERSION"),
        crates: CRYPTO_CRATES,
    }
}
