//! SEIPDv1's CFB decryption (RFC 9580 §5.13.1) and MDC check, the stages
//! the engine (`stream/seipd1.rs`) uses, also for the block ranges of a held
//! body that another thread decrypts ([`cfb_decrypt_range`]).
//!
//! rPGP decrypts CFB one block at a time. Each plaintext block needs only the
//! ciphertext block before it (P_i = C_i xor E(C_{i-1}), C_0 = the zero IV), so
//! the cipher can run on many blocks per call: the bitsliced software AES that
//! Wasm uses computes two blocks per call anyway, and AES-NI pipelines eight
//! natively; a host's AES-ECB (`native.rs`) does the whole key stream in one
//! call. AES only here: the one place choosing AES is `crate::simd_aes`.

use crate::scrub::SecretBuf;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::{Error, Result};

/// MDC packet: tag octet 0xD3, length 0x14, 20-octet SHA-1.
pub(crate) const MDC: usize = 22;

/// CFB-decrypts `data` (the ciphertext following block `iv`) with an AES
/// session key: the host's AES when one is registered, else software. `None`
/// for a non-AES algorithm or a wrong key length.
pub(crate) fn cfb_range(alg: u8, key: &[u8], iv: &[u8; 16], data: &[u8]) -> Option<SecretBuf> {
    if !matches!((alg, key.len()), (7, 16) | (8, 24) | (9, 32)) {
        return None;
    }
    let native = super::native::native_bulk();
    let host = native
        .as_deref()
        .and_then(|n| cfb_decrypt_with(|ks| n.aes_ecb_encrypt(key, ks), iv, data));
    host.or_else(|| cfb_decrypt(key, iv, data))
}

/// CFB decryption of a held body's range in another thread: `session_key`
/// as from `StreamDecryptor::held_key`, `iv` and `data` as from
/// `held_range`. Unauthenticated output: it must go back through
/// `StreamDecryptor::put_held_range`, whose `finish` checks the MDC.
pub fn cfb_decrypt_range(session_key: &[u8], iv: &[u8; 16], data: &[u8]) -> Result<SecretBuf> {
    let (&alg, key) = session_key
        .split_first()
        .ok_or_else(|| Error::InvalidArgument("empty session key".into()))?;
    cfb_range(alg, key, iv, data)
        .ok_or_else(|| Error::InvalidArgument("not an AES session key".into()))
}

/// Software CFB decryption (`signet-kernels`, compiled for speed there).
fn cfb_decrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Option<SecretBuf> {
    let mut out = SecretBuf::new(vec![0u8; data.len()]);
    signet_kernels::cfb::cfb_decrypt(key, iv, data, &mut out).then_some(out)
}

/// CFB decryption (zero IV) with a host's AES-ECB: per segment, the key
/// stream is ECB of the ciphertext shifted by one block. `None` if the host
/// declines.
fn cfb_decrypt_with(
    ecb: impl Fn(&mut [u8]) -> bool,
    iv: &[u8; 16],
    data: &[u8],
) -> Option<SecretBuf> {
    const HOST_SEGMENT: usize = 1 << 20;
    let mut out = SecretBuf::new(vec![0u8; data.len()]);
    let mut ks: Vec<u8> = Vec::with_capacity(HOST_SEGMENT.min(data.len().saturating_add(16)));
    let mut start = 0;
    while start < data.len() {
        let end = start.saturating_add(HOST_SEGMENT).min(data.len());
        let blocks = (end - start).div_ceil(16);
        ks.clear();
        // E input: the ciphertext block before each block (the IV for the first).
        match start.checked_sub(16) {
            Some(p) => ks.extend_from_slice(data.get(p..start)?),
            None => ks.extend_from_slice(iv),
        }
        ks.extend_from_slice(data.get(start..start + (blocks - 1) * 16)?);
        if !ecb(&mut ks) || ks.len() != blocks * 16 {
            return None;
        }
        let o = out.get_mut(start..end)?;
        o.copy_from_slice(data.get(start..end)?);
        crate::openpgp::util::xor_into(o, &ks);
        start = end;
    }
    Some(out)
}

/// [`mdc_ok`] with the host's SHA-1 when one is registered (one call over
/// the whole plaintext), else software.
pub(crate) fn mdc_verified(plain: &[u8]) -> bool {
    let native = super::native::native_bulk();
    mdc_ok(plain, |d: &[u8]| -> [u8; 20] {
        native
            .as_deref()
            .and_then(|n| n.sha1(d))
            .unwrap_or_else(|| Sha1::digest(d).into())
    })
}

/// The last 22 octets are an MDC packet whose SHA-1 covers everything before
/// its hash (prefix, inner packets, 0xD3 0x14). `sha1` hashes those octets
/// (or returns a digest of them taken elsewhere); compared in constant time.
pub(crate) fn mdc_ok(plain: &[u8], sha1: impl Fn(&[u8]) -> [u8; 20]) -> bool {
    let n = plain.len();
    if n < MDC {
        return false;
    }
    let Some(hashed) = plain.get(..n.saturating_sub(20)) else {
        return false;
    };
    let Some(tail) = plain.get(n.saturating_sub(MDC)..) else {
        return false;
    };
    let digest = sha1(hashed);
    let header_ok = tail[..2].ct_eq(&[0xD3, 0x14]);
    let hash_ok = tail[2..].ct_eq(&digest[..]);
    bool::from(header_ok & hash_ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd_aes::Aes256;
    use aes_gcm::aes::cipher::KeyIvInit;
    use signet_kernels::cfb::SEGMENT;

    #[test]
    fn parallel_cfb_matches_sequential_cfb() {
        // Sequential reference: the `cfb-mode` crate rPGP uses.
        type Ref = cfb_mode::BufDecryptor<Aes256>;
        let key = [7u8; 32];
        for len in [
            0,
            1,
            15,
            16,
            17,
            18 + 22,
            SEGMENT - 1,
            SEGMENT,
            SEGMENT + 1,
            3 * SEGMENT + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
            let mut want = data.clone();
            Ref::new_from_slices(&key, &[0u8; 16])
                .unwrap()
                .decrypt(&mut want);
            let got = cfb_decrypt(&key, &[0u8; 16], &data).unwrap();
            assert_eq!(got.as_slice(), want.as_slice(), "length {len}");
        }
    }

    fn soft(d: &[u8]) -> [u8; 20] {
        Sha1::digest(d).into()
    }

    #[test]
    fn mdc_check_needs_header_and_hash() {
        let mut p = vec![1u8; 40];
        p.extend_from_slice(&[0xD3, 0x14]);
        let h = Sha1::digest(&p);
        p.extend_from_slice(&h);
        assert!(mdc_ok(&p, soft));
        let mut bad = p.clone();
        bad[5] ^= 1;
        assert!(!mdc_ok(&bad, soft));
        let mut bad = p.clone();
        bad[40] = 0xD2;
        assert!(!mdc_ok(&bad, soft));
        assert!(!mdc_ok(&p[..10], soft));
        assert!(!mdc_ok(&p[..1], soft));
        assert!(!mdc_ok(&[], soft));
    }
}
