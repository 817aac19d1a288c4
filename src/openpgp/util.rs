//! Shared plumbing: parsing keys from armored/binary bytes, mapping rPGP errors,
//! S2K checks, naming algorithms.

use std::borrow::Cow;

use pgp::composed::{Deserializable, SignedPublicKey, SignedSecretKey};
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::errors::Error as PgpError;
use pgp::types::{PublicParams, S2kParams, SecretParams, StringToKey};

use super::Limits;
use crate::kdf::{argon2_work, check_argon2, S2kBudget};
use crate::{Error, Result};

/// Maps an rPGP error met while *parsing* to ours. Messages are rPGP's display
/// strings, which describe structure, never secret values.
pub(crate) fn parse_err(e: PgpError) -> Error {
    match e {
        PgpError::Unsupported { message, .. } | PgpError::Unimplemented { message, .. } => {
            Error::Unsupported(message)
        }
        PgpError::IO { source, .. } => io_err(source),
        other => Error::MalformedInput(short(other.to_string())),
    }
}

/// Maps an I/O error met reading a message or key (a truncated or
/// unreadable source is structure, not cryptography).
pub(crate) fn io_err(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::MalformedInput("truncated input".into()),
        _ => Error::MalformedInput(short(e.to_string())),
    }
}

/// The next piece of `reader` into `buf`: its length, or `None` at the end
/// (interrupted reads are retried). For the whole-stream drivers.
pub(crate) fn read_piece<R: std::io::Read>(
    reader: &mut R,
    buf: &mut [u8],
) -> Result<Option<usize>> {
    loop {
        match reader.read(buf) {
            Ok(0) => return Ok(None),
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        }
    }
}

/// Writes output of the whole-stream drivers: a failure is the storage's.
pub(crate) fn write_out<W: std::io::Write>(w: &mut W, b: &[u8]) -> Result<()> {
    w.write_all(b)
        .map_err(|e| Error::Storage(format!("writing output: {e}")))
}

/// Keeps error messages readable (rPGP sometimes includes long debug dumps).
pub(crate) fn short(mut s: String) -> String {
    const MAX: usize = 200;
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Uppercase hex, no separators.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// True when the bytes start (after whitespace) like ASCII armor.
pub(crate) fn looks_armored(bytes: &[u8]) -> bool {
    starts_after_whitespace(bytes, b"-----BEGIN PGP")
}

/// True when `bytes`, after leading ASCII whitespace, begin with `prefix`.
pub(crate) fn starts_after_whitespace(bytes: &[u8], prefix: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes
        .get(start..)
        .is_some_and(|rest| rest.starts_with(prefix))
}

fn check_size(bytes: &[u8], max: u64, what: &str) -> Result<()> {
    if bytes.len() as u64 > max {
        return Err(Error::LimitExceeded(format!(
            "{what} of {} bytes exceeds the limit of {max} bytes",
            bytes.len()
        )));
    }
    if bytes.is_empty() {
        return Err(Error::MalformedInput(format!("empty {what}")));
    }
    Ok(())
}

/// Armor labels of key blocks: either kind is accepted where a key is expected,
/// and the key parsers below decide what it holds.
const KEY_LABELS: &[&str] = &["PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"];

/// The binary form of a key given armored or binary (the first armored block;
/// our armor reader, so rPGP's parsers are instantiated for `&[u8]` alone).
fn key_binary(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
    if looks_armored(bytes) {
        Ok(Cow::Owned(super::armor::dearmor_block(
            bytes, KEY_LABELS, true,
        )?))
    } else {
        Ok(Cow::Borrowed(bytes))
    }
}

/// Parses a certificate (public key). A transferable *secret* key is accepted too
/// and reduced to its public part, so users may pass either.
pub(crate) fn parse_public_key(bytes: &[u8], limits: &Limits) -> Result<SignedPublicKey> {
    check_size(bytes, limits.max_key_size, "key")?;
    let bin = key_binary(bytes)?;
    match SignedPublicKey::from_bytes(&bin[..]) {
        Ok(k) => Ok(k),
        Err(e) => match SignedSecretKey::from_bytes(&bin[..]) {
            Ok(sk) => Ok(sk.to_public_key()),
            Err(_) => Err(parse_err(e)),
        },
    }
}

/// Parses a transferable secret key. A public key here is `KEY_UNUSABLE`.
pub(crate) fn parse_secret_key(bytes: &[u8], limits: &Limits) -> Result<SignedSecretKey> {
    check_size(bytes, limits.max_key_size, "key")?;
    let bin = key_binary(bytes)?;
    match SignedSecretKey::from_bytes(&bin[..]) {
        Ok(k) => Ok(k),
        Err(e) => {
            if SignedPublicKey::from_bytes(&bin[..]).is_ok() {
                Err(Error::KeyUnusable(
                    crate::Reason::NotPrivate,
                    "this is a public key; a private key is needed".into(),
                ))
            } else {
                Err(parse_err(e))
            }
        }
    }
}

/// Decoded byte count of an iterated+salted S2K (RFC 9580 §3.7.1.3).
pub(crate) fn iterated_count(coded: u8) -> u64 {
    (16u64 + u64::from(coded & 15)) << (u64::from(coded >> 4) + 6)
}

/// Refuses S2K work beyond our caps *before* anything is derived; returns the
/// work one derivation costs, for the message's [`S2kBudget`].
pub(crate) fn check_s2k(s2k: &StringToKey, limits: &Limits) -> Result<u64> {
    match s2k {
        StringToKey::Argon2 { t, p, m_enc, .. } => {
            // memory is 2^m_enc KiB; anything past 2^31 cannot even be represented.
            let mem_kib = if *m_enc >= 32 {
                u64::MAX
            } else {
                1u64 << m_enc
            };
            check_argon2(mem_kib, u32::from(*t), u32::from(*p), &limits.argon2_caps())?;
            Ok(argon2_work(mem_kib, u32::from(*t)))
        }
        StringToKey::IteratedAndSalted { count, .. } => {
            let n = iterated_count(*count);
            if n > limits.max_s2k_iterated_bytes {
                return Err(Error::LimitExceeded(format!(
                    "iterated S2K count {n} exceeds the cap {}",
                    limits.max_s2k_iterated_bytes
                )));
            }
            Ok(n / 1024)
        }
        _ => Ok(0),
    }
}

/// Checks the S2K of a key or SKESK and charges one derivation to `budget`.
pub(crate) fn charge_s2k(s2k: &StringToKey, limits: &Limits, budget: &mut S2kBudget) -> Result<()> {
    let work = check_s2k(s2k, limits)?;
    budget.spend(work)
}

/// Checks the S2K protecting a secret key packet, if any, and charges its
/// derivation to the key's `budget` (one per key: a key with many subkeys at
/// the caps cannot buy unbounded work either).
pub(crate) fn check_secret_params(
    params: &SecretParams,
    limits: &Limits,
    budget: &mut S2kBudget,
) -> Result<()> {
    if let SecretParams::Encrypted(enc) = params {
        match enc.string_to_key_params() {
            S2kParams::Aead { s2k, .. }
            | S2kParams::Cfb { s2k, .. }
            | S2kParams::MalleableCfb { s2k, .. } => charge_s2k(s2k, limits, budget)?,
            S2kParams::LegacyCfb { .. } | S2kParams::Unprotected => {}
        }
    }
    Ok(())
}

/// A readable algorithm name, e.g. `ML-DSA-65+Ed25519`.
pub(crate) fn algorithm_name(alg: PublicKeyAlgorithm, params: &PublicParams) -> String {
    use PublicKeyAlgorithm as A;
    let s = match alg {
        A::RSA | A::RSAEncrypt | A::RSASign => "RSA",
        A::DSA => "DSA",
        A::Elgamal | A::ElgamalEncrypt => "ElGamal",
        A::ECDH => {
            return match params {
                PublicParams::ECDH(p) => format!("ECDH {}", p.curve().name()),
                _ => "ECDH".into(),
            }
        }
        A::ECDSA => {
            return match params {
                PublicParams::ECDSA(p) => format!("ECDSA {}", p.curve().name()),
                _ => "ECDSA".into(),
            }
        }
        A::EdDSALegacy => "EdDSA (legacy Ed25519)",
        A::X25519 => "X25519",
        A::X448 => "X448",
        A::Ed25519 => "Ed25519",
        A::Ed448 => "Ed448",
        A::MlDsa65Ed25519 => "ML-DSA-65+Ed25519",
        A::MlDsa87Ed448 => "ML-DSA-87+Ed448",
        A::SlhDsaShake128s => "SLH-DSA-SHAKE-128s",
        A::SlhDsaShake128f => "SLH-DSA-SHAKE-128f",
        A::SlhDsaShake256s => "SLH-DSA-SHAKE-256s",
        A::MlKem768X25519 => "ML-KEM-768+X25519",
        A::MlKem1024X448 => "ML-KEM-1024+X448",
        other => return format!("algorithm {}", u8::from(other)),
    };
    s.to_string()
}

/// Post-quantum algorithms (RFC 9980).
pub(crate) fn is_post_quantum(alg: PublicKeyAlgorithm) -> bool {
    use PublicKeyAlgorithm as A;
    matches!(
        alg,
        A::MlDsa65Ed25519
            | A::MlDsa87Ed448
            | A::SlhDsaShake128s
            | A::SlhDsaShake128f
            | A::SlhDsaShake256s
            | A::MlKem768X25519
            | A::MlKem1024X448
    )
}

/// `dst ^= src` over their common length (compiled for speed in `signet-kernels`).
pub(crate) use signet_kernels::bytes::xor_into;

#[cfg(test)]
mod tests {
    #[test]
    fn unallocatable_memory_is_limit_exceeded_not_an_abort() {
        assert!(crate::kdf::ensure_allocatable(64 * 1024 * 1024).is_ok());
        let e = crate::kdf::ensure_allocatable(u64::MAX / 2).unwrap_err();
        assert_eq!(e.code(), "LIMIT_EXCEEDED");
    }
}
