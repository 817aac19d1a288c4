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
    /// A key exists but may not be used: too weak, expired, revoked, or lacking
    /// the needed key flag. The [`Reason`] says which, for a user-facing message.
    #[error("key not usable ({}): {}", .0.as_str(), .1)]
    KeyUnusable(Reason, String),
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
            Error::KeyUnusable(..) => "KEY_UNUSABLE",
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

impl Error {
    /// Why a key or signature was refused (`KEY_UNUSABLE` only), e.g. `"too-weak"`.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Error::KeyUnusable(r, _) => Some(r.as_str()),
            _ => None,
        }
    }
}

/// Why the OpenPGP policy refuses a key or a signature (`docs/policy.md`). The
/// strings are stable: the web page words them, JS reads them as `err.reason`
/// and `signatures[i].reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// An algorithm or size below the policy: RSA under the floor, a weak ECDH
    /// KDF or key-wrap, MD5/SHA-1/RIPEMD-160 where they are not allowed.
    TooWeak,
    /// The key (or the back signature of a signing subkey) had expired.
    Expired,
    /// A revocation covers the key at the time in question.
    Revoked,
    /// The key was created after the time in question.
    NotYetValid,
    /// No self-signature that verifies and passes the policy.
    NoSelfSignature,
    /// No (sub)key may do what is asked (encrypt, sign) at that time.
    NoUsableSubkey,
    /// A public key where a private key is needed.
    NotPrivate,
    /// A critical subpacket or notation we do not understand (RFC 9580).
    CriticalUnknown,
    /// The signature does not verify, or is not a signature over data.
    BadSignature,
    /// None of the given certificates made this signature.
    UnknownKey,
    /// A vault's passkey refused, timed out or was not the registered one.
    PasskeyRefused,
}

impl Reason {
    /// The stable string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TooWeak => "too-weak",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::NotYetValid => "not-yet-valid",
            Reason::NoSelfSignature => "no-self-signature",
            Reason::NoUsableSubkey => "no-usable-subkey",
            Reason::NotPrivate => "not-private",
            Reason::CriticalUnknown => "critical-unknown",
            Reason::BadSignature => "bad-signature",
            Reason::UnknownKey => "unknown-key",
            Reason::PasskeyRefused => "passkey-refused",
        }
    }

    /// Every reason, in documentation order.
    pub const ALL: [Reason; 11] = [
        Reason::TooWeak,
        Reason::Expired,
        Reason::Revoked,
        Reason::NotYetValid,
        Reason::NoSelfSignature,
        Reason::NoUsableSubkey,
        Reason::NotPrivate,
        Reason::CriticalUnknown,
        Reason::BadSignature,
        Reason::UnknownKey,
        Reason::PasskeyRefused,
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
            Error::KeyUnusable(Reason::Expired, String::new()),
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

    #[test]
    fn reasons_are_listed_and_unique() {
        let mut names: Vec<_> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Reason::ALL.len());
        let e = Error::KeyUnusable(Reason::TooWeak, "RSA 1024".into());
        assert_eq!((e.code(), e.reason()), ("KEY_UNUSABLE", Some("too-weak")));
        assert_eq!(Error::Locked.reason(), None);
    }
}
