//! Algorithm rules: hashes by use and date, public-key sizes, ECDH parameters.
//!
//! Sources: RFC 9580 §9.5 (MD5, SHA-1, RIPEMD-160 not for recent signatures nor
//! the ECDH KDF), its ECDH section (key wrap with AES), Sequoia's
//! `StandardPolicy` (RSA, DSA and ElGamal below 2048 bits rejected since
//! 2014-02-01; SHA-1 for self-signatures until 2023-02-01).

use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::ser::Serialize;
use pgp::types::{EcdhPublicParams, PublicParams};

/// 2023-02-01T00:00:00Z: SHA-1 (and RIPEMD-160) self-signatures made before
/// this are still accepted (Sequoia's second-preimage cut-off).
pub(crate) const SHA1_SELF_SIG_CUTOFF: u64 = 1_675_209_600;

/// DSA and ElGamal moduli below this are refused (not lowered by `minRsaBits`).
const MIN_FINITE_FIELD_BITS: u32 = 2048;

/// What a hash is used for: data signatures need collision resistance, self
/// signatures (made by the key owner over their own key) second-preimage
/// resistance only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashUse {
    /// Signatures over documents and messages.
    Data,
    /// Binding, certification and back signatures made at `created`.
    SelfSig,
}

/// May a signature made at `created` with `hash` be accepted for `usage`?
pub(crate) fn hash_allowed(hash: HashAlgorithm, usage: HashUse, created: u64) -> bool {
    use HashAlgorithm as H;
    match hash {
        H::Sha256 | H::Sha384 | H::Sha512 | H::Sha224 | H::Sha3_256 | H::Sha3_512 => true,
        H::Sha1 | H::Ripemd160 => usage == HashUse::SelfSig && created < SHA1_SELF_SIG_CUTOFF,
        _ => false,
    }
}

/// Bit length of the first MPI of the public parameters (RSA n, DSA and
/// ElGamal p): OpenPGP writes it as a two-octet count before the number.
fn first_mpi_bits(params: &PublicParams) -> u32 {
    params
        .to_bytes()
        .ok()
        .and_then(|b| {
            b.get(..2)
                .map(|p| u32::from(u16::from_be_bytes([p[0], p[1]])))
        })
        .unwrap_or(0)
}

fn ecdh_kdf(p: &EcdhPublicParams) -> Option<(HashAlgorithm, SymmetricKeyAlgorithm)> {
    match p {
        EcdhPublicParams::Curve25519Legacy { hash, alg_sym, .. }
        | EcdhPublicParams::P256 { hash, alg_sym, .. }
        | EcdhPublicParams::P384 { hash, alg_sym, .. }
        | EcdhPublicParams::P521 { hash, alg_sym, .. }
        | EcdhPublicParams::Brainpool256 { hash, alg_sym, .. }
        | EcdhPublicParams::Brainpool384 { hash, alg_sym, .. }
        | EcdhPublicParams::Brainpool512 { hash, alg_sym, .. }
        | EcdhPublicParams::Unsupported { hash, alg_sym, .. } => Some((*hash, *alg_sym)),
    }
}

/// Why the key material itself is too weak to use, if it is.
pub(crate) fn key_weakness(
    alg: PublicKeyAlgorithm,
    params: &PublicParams,
    min_rsa_bits: u32,
) -> Option<String> {
    use PublicKeyAlgorithm as A;
    match (alg, params) {
        (A::RSA | A::RSAEncrypt | A::RSASign, _) => {
            let bits = first_mpi_bits(params);
            (bits < min_rsa_bits)
                .then(|| format!("RSA {bits} bits is below the {min_rsa_bits}-bit floor"))
        }
        (A::DSA | A::Elgamal | A::ElgamalEncrypt, _) => {
            let bits = first_mpi_bits(params);
            (bits < MIN_FINITE_FIELD_BITS).then(|| {
                format!("{bits}-bit DSA/ElGamal is below the {MIN_FINITE_FIELD_BITS}-bit floor")
            })
        }
        (_, PublicParams::ECDH(p)) => {
            let (hash, sym) = ecdh_kdf(p)?;
            use SymmetricKeyAlgorithm as S;
            let hash_ok = matches!(
                hash,
                HashAlgorithm::Sha256 | HashAlgorithm::Sha384 | HashAlgorithm::Sha512
            );
            let wrap_ok = matches!(sym, S::AES128 | S::AES192 | S::AES256);
            (!hash_ok || !wrap_ok)
                .then(|| format!("ECDH KDF parameters {hash:?}/{sym:?} (only SHA-2 with AES)"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_table() {
        use HashAlgorithm as H;
        let before = SHA1_SELF_SIG_CUTOFF - 1;
        let after = SHA1_SELF_SIG_CUTOFF;
        let rows = [
            (H::Sha256, HashUse::Data, after, true),
            (H::Sha512, HashUse::SelfSig, after, true),
            (H::Sha3_256, HashUse::Data, after, true),
            (H::Sha1, HashUse::Data, before, false),
            (H::Sha1, HashUse::SelfSig, before, true),
            (H::Sha1, HashUse::SelfSig, after, false),
            (H::Ripemd160, HashUse::SelfSig, before, true),
            (H::Ripemd160, HashUse::Data, before, false),
            (H::Md5, HashUse::SelfSig, 0, false),
            (H::Md5, HashUse::Data, 0, false),
        ];
        for (h, u, t, want) in rows {
            assert_eq!(hash_allowed(h, u, t), want, "{h:?} {u:?} at {t}");
        }
    }
}
