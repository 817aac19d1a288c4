//! The one error type of the crate.
//!
//! Variants are what a user can act on, not where the failure happened. Decryption
//! failures stay deliberately vague so they cannot serve as an oracle.

/// Every failure signet-crypto reports. Each variant has a stable [`Error::code`]
/// that crosses the JS boundary unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase or password does not unlock the key or vault.
    #[error("wrong passphrase")]
    BadPassphrase,
    /// Authentication failed: the data was modified, truncated, or the key is wrong.
    #[error("decryption failed: the data is damaged or was tampered with")]
    DecryptionFailed,
    /// Input bytes that cannot be parsed (bad armor, truncated packets, wrong
    /// lengths), or input of the wrong kind (a signed message given to decrypt).
    #[error("malformed input: {0}")]
    MalformedInput(String),
    /// None of the supplied keys can open this message or envelope.
    #[error("no matching key: none of the given keys is a recipient")]
    NoMatchingKey,
    /// A well-formed input that uses an algorithm, version or feature we do not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Attacker-controlled work or size beyond a documented cap.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// The caller passed an option that makes no sense (wrong type, wrong length, missing).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A key exists but may not be used: expired, revoked, or lacking the needed key flag.
    #[error("key not usable: {0}")]
    KeyUnusable(String),
    /// Stored data is authentic piece by piece but inconsistent as a whole
    /// (deleted, rolled back or swapped records).
    #[error("tampered: {0}")]
    Tampered(String),
    /// A vault or record that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The storage backend failed (quota, I/O, adapter error).
    #[error("storage error: {0}")]
    Storage(String),
    /// The vault or handle is locked or already freed.
    #[error("locked: the vault or key handle is locked or freed")]
    Locked,
    /// A bug: an invariant did not hold. Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable machine-readable code, e.g. `BAD_PASSPHRASE`. Listed in the README.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadPassphrase => "BAD_PASSPHRASE",
            Error::DecryptionFailed => "DECRYPTION_FAILED",
            Error::MalformedInput(_) => "MALFORMED_INPUT",
            Error::NoMatchingKey => "NO_MATCHING_KEY",
            Error::Unsupported(_) => "UNSUPPORTED",
            Error::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::KeyUnusable(_) => "KEY_UNUSABLE",
            Error::Tampered(_) => "TAMPERED",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Storage(_) => "STORAGE",
            Error::Locked => "LOCKED",
            Error::Internal(_) => "INTERNAL",
        }
    }

    /// Every code, for documentation and the generated TypeScript union.
    pub const ALL_CODES: &'static [&'static str] = &[
        "BAD_PASSPHRASE",
        "DECRYPTION_FAILED",
        "MALFORMED_INPUT",
        "NO_MATCHING_KEY",
        "UNSUPPORTED",
        "LIMIT_EXCEEDED",
        "INVALID_ARGUMENT",
        "KEY_UNUSABLE",
        "TAMPERED",
        "NOT_FOUND",
        "STORAGE",
        "LOCKED",
        "INTERNAL",
    ];
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_and_unique() {
        let samples = [
            Error::BadPassphrase,
            Error::DecryptionFailed,
            Error::MalformedInput(String::new()),
            Error::NoMatchingKey,
            Error::Unsupported(String::new()),
            Error::LimitExceeded(String::new()),
            Error::InvalidArgument(String::new()),
            Error::KeyUnusable(String::new()),
            Error::Tampered(String::new()),
            Error::NotFound(String::new()),
            Error::Storage(String::new()),
            Error::Locked,
            Error::Internal(String::new()),
        ];
        let codes: Vec<_> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::ALL_CODES);
        let mut dedup = codes.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(dedup.len(), codes.len());
    }
}
