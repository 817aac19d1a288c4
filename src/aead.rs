//! AES-256-GCM with one error for every failure, so callers cannot leak which
//! check failed.

use crate::simd_aes::{gcm_open, gcm_seal};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// GCM nonce length in bytes.
pub const NONCE_LEN: usize = 12;
/// GCM tag length in bytes.
pub const TAG_LEN: usize = 16;

/// Encrypts `plaintext` under `key` and `nonce`, authenticating `aad`; returns
/// ciphertext with the tag appended.
pub fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    out.extend_from_slice(plaintext);
    // A 32-octet key cannot fail (nor can lengths under 64 GiB, all Wasm has).
    let tag = gcm_seal(key, nonce, aad, &mut out).unwrap_or_default();
    out.extend_from_slice(&tag);
    out
}

/// Decrypts and authenticates; any failure is [`Error::DecryptionFailed`].
pub fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let split = ciphertext
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(Error::DecryptionFailed)?;
    let (body, tag) = ciphertext.split_at(split);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::DecryptionFailed)?;
    let mut out = Zeroizing::new(body.to_vec());
    if gcm_open(key, nonce, aad, &mut out, tag) {
        Ok(out)
    } else {
        Err(Error::DecryptionFailed)
    }
}

/// Fresh random bytes from the OS (WebCrypto in browsers).
pub fn random_array<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut out = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = random_array::<32>();
        let nonce = random_array::<12>();
        let mut ct = seal(&key, &nonce, b"ad", b"hello");
        assert_eq!(&open(&key, &nonce, b"ad", &ct).unwrap()[..], b"hello");
        assert!(open(&key, &nonce, b"AD", &ct).is_err());
        ct[0] ^= 1;
        assert_eq!(
            open(&key, &nonce, b"ad", &ct).unwrap_err().code(),
            "DECRYPTION_FAILED"
        );
        assert!(open(&key, &nonce, b"ad", &[]).is_err());
    }
}
