//! X-Wing (draft-connolly-cfrg-xwing-kem-10, HPKE KEM 0x647a "MLKEM768-X25519"),
//! assembled from the ml-kem 0.2 / x25519-dalek 2 / sha3 0.10 that `pgp` already
//! links, so the Wasm module carries one copy of each.
//!
//! ml-kem 0.2 does not perform the FIPS 203 §7.2 encapsulation-key (modulus)
//! check, so [`mlkem_ek_check`] does it on every public key we accept. ML-KEM
//! itself runs in `signet-kernels` (compiled for speed, see its docs).

use sha3::digest::{Digest, ExtendableOutput, Update, XofReader};
use sha3::{Sha3_256, Shake256};
use signet_kernels::mlkem::{self, DecapsKey};
use x25519_dalek::{PublicKey as XPublic, StaticSecret};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// X-Wing decapsulation key (seed) length.
pub const SEED_LEN: usize = 32;
/// X-Wing encapsulation key length: ML-KEM-768 key then X25519 point.
pub const PK_LEN: usize = 1216;
/// X-Wing ciphertext length: ML-KEM-768 ciphertext then X25519 point.
pub const CT_LEN: usize = 1120;
/// Randomness consumed by one encapsulation.
pub const ESEED_LEN: usize = 64;
/// ML-KEM-768 encapsulation key length.
pub const MLKEM_EK_LEN: usize = mlkem::EK_LEN;
/// ML-KEM-768 ciphertext length.
pub const MLKEM_CT_LEN: usize = mlkem::CT_LEN;

/// `XWingLabel` of the draft: the ASCII art `\./` `/^\`.
const XWING_LABEL: [u8; 6] = [0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c];
const MLKEM_Q: u16 = 3329;

/// FIPS 203 §7.2 modulus check: every 12-bit coefficient of `t̂` must be < q.
/// Also checks the length. Public data, so variable time is fine.
pub fn mlkem_ek_check(ek: &[u8]) -> Result<()> {
    if ek.len() != MLKEM_EK_LEN {
        return Err(Error::MalformedInput(format!(
            "ML-KEM-768 public key must be {MLKEM_EK_LEN} bytes, got {}",
            ek.len()
        )));
    }
    // 3 polynomials x 256 coefficients x 12 bits = 1152 bytes, then the 32-byte rho.
    let t_hat = ek.get(..1152).unwrap_or_default();
    for c in t_hat.chunks_exact(3) {
        let (b0, b1, b2) = (u16::from(c[0]), u16::from(c[1]), u16::from(c[2]));
        let lo = b0 | ((b1 & 0x0f) << 8);
        let hi = (b1 >> 4) | (b2 << 4);
        if lo >= MLKEM_Q || hi >= MLKEM_Q {
            return Err(Error::MalformedInput(
                "ML-KEM-768 public key is not reduced modulo q (FIPS 203 §7.2)".into(),
            ));
        }
    }
    Ok(())
}

/// `ML-KEM.KeyGen_internal(d, z)`; returns the expanded key and the encoded `ek`.
pub fn mlkem_keygen(d: &[u8; 32], z: &[u8; 32]) -> (DecapsKey, Vec<u8>) {
    let (dk, ek) = mlkem::keygen(d, z);
    (dk, ek.to_vec())
}

/// `ML-KEM.Encaps_internal(ek, m)` after the length and modulus checks.
pub fn mlkem_encaps(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, Zeroizing<[u8; 32]>)> {
    mlkem_ek_check(ek)?;
    let ek: &[u8; MLKEM_EK_LEN] = ek
        .try_into()
        .map_err(|_| Error::Internal("ML-KEM key length".into()))?;
    let (ct, ss) =
        mlkem::encaps(ek, m).ok_or_else(|| Error::Internal("ML-KEM encapsulation".into()))?;
    Ok((ct.to_vec(), ss))
}

/// `ML-KEM.Decaps` with implicit rejection; only the length can make it fail.
pub fn mlkem_decaps(dk: &DecapsKey, ct: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let ct: &[u8; MLKEM_CT_LEN] = ct.try_into().map_err(|_| {
        Error::MalformedInput(format!(
            "ML-KEM-768 ciphertext must be {MLKEM_CT_LEN} bytes"
        ))
    })?;
    dk.decaps(ct)
        .ok_or_else(|| Error::Internal("ML-KEM decapsulation".into()))
}

fn combiner(ss_m: &[u8; 32], ss_x: &[u8; 32], ct_x: &[u8; 32], pk_x: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut h = Sha3_256::new();
    Digest::update(&mut h, ss_m);
    Digest::update(&mut h, ss_x);
    Digest::update(&mut h, ct_x);
    Digest::update(&mut h, pk_x);
    Digest::update(&mut h, XWING_LABEL);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&h.finalize());
    out
}

/// An expanded X-Wing decapsulation key. Keeps the 32-byte seed (the only thing
/// ever serialized) and caches its expansion, as the draft's §5.4 allows.
pub struct XWingSecret {
    seed: Zeroizing<[u8; SEED_LEN]>,
    dk_m: DecapsKey,
    sk_x: StaticSecret,
    pk: [u8; PK_LEN],
}

impl XWingSecret {
    /// `expandDecapsulationKey`: SHAKE256(seed, 96) → (d, z, sk_X).
    pub fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
        let mut expanded = Zeroizing::new([0u8; 96]);
        let mut xof = Shake256::default();
        Update::update(&mut xof, seed);
        xof.finalize_xof().read(expanded.as_mut());
        let mut d = Zeroizing::new([0u8; 32]);
        let mut z = Zeroizing::new([0u8; 32]);
        let mut x = Zeroizing::new([0u8; 32]);
        d.copy_from_slice(&expanded[0..32]);
        z.copy_from_slice(&expanded[32..64]);
        x.copy_from_slice(&expanded[64..96]);
        let (dk_m, ek_m) = mlkem_keygen(&d, &z);
        let sk_x = StaticSecret::from(*x);
        let pk_x = XPublic::from(&sk_x);
        let mut pk = [0u8; PK_LEN];
        pk[..MLKEM_EK_LEN].copy_from_slice(&ek_m);
        pk[MLKEM_EK_LEN..].copy_from_slice(pk_x.as_bytes());
        XWingSecret {
            seed: Zeroizing::new(*seed),
            dk_m,
            sk_x,
            pk,
        }
    }

    /// The 32-byte seed, i.e. the serialized private key.
    pub fn seed(&self) -> &[u8; SEED_LEN] {
        &self.seed
    }

    /// The 1216-byte encapsulation key.
    pub fn public_key(&self) -> &[u8; PK_LEN] {
        &self.pk
    }

    /// `Decapsulate(ct, sk)`. A low-order X25519 share (all-zero DH output) is
    /// rejected as [`Error::DecryptionFailed`].
    pub fn decapsulate(&self, ct: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        if ct.len() != CT_LEN {
            return Err(Error::DecryptionFailed);
        }
        let (ct_m, ct_x) = ct.split_at(MLKEM_CT_LEN);
        let mut ct_x_arr = [0u8; 32];
        ct_x_arr.copy_from_slice(ct_x);
        let ss_m = mlkem_decaps(&self.dk_m, ct_m)?;
        let ss_x = self.sk_x.diffie_hellman(&XPublic::from(ct_x_arr));
        if !ss_x.was_contributory() {
            return Err(Error::DecryptionFailed);
        }
        Ok(combiner(
            &ss_m,
            ss_x.as_bytes(),
            &ct_x_arr,
            &self.pk[MLKEM_EK_LEN..],
        ))
    }
}

/// Checks an X-Wing encapsulation key: length, the ML-KEM modulus check, and an
/// X25519 point that is not of low order (which would make `ss_X` all zero).
pub fn check_public_key(pk: &[u8]) -> Result<()> {
    if pk.len() != PK_LEN {
        return Err(Error::MalformedInput(format!(
            "X-Wing public key must be {PK_LEN} bytes, got {}",
            pk.len()
        )));
    }
    let (pk_m, pk_x) = pk.split_at(MLKEM_EK_LEN);
    mlkem_ek_check(pk_m)?;
    let mut pk_x_arr = [0u8; 32];
    pk_x_arr.copy_from_slice(pk_x);
    // Any clamped scalar is a multiple of the cofactor, so the DH result is zero
    // exactly for the low-order points; this scalar is public and arbitrary.
    let probe = StaticSecret::from([0x55u8; 32]);
    if !probe
        .diffie_hellman(&XPublic::from(pk_x_arr))
        .was_contributory()
    {
        return Err(Error::MalformedInput(
            "X-Wing public key has a low-order X25519 point".into(),
        ));
    }
    Ok(())
}

/// `EncapsulateDerand(pk, eseed)`; returns `(ss, ct)`. The ML-KEM modulus check
/// runs inside; a low-order X25519 point is caught by the all-zero DH check.
pub fn encapsulate_derand(
    pk: &[u8],
    eseed: &[u8; ESEED_LEN],
) -> Result<(Zeroizing<[u8; 32]>, Vec<u8>)> {
    if pk.len() != PK_LEN {
        return Err(Error::MalformedInput(format!(
            "X-Wing public key must be {PK_LEN} bytes, got {}",
            pk.len()
        )));
    }
    let (pk_m, pk_x) = pk.split_at(MLKEM_EK_LEN);
    let mut m = Zeroizing::new([0u8; 32]);
    let mut ek_x = Zeroizing::new([0u8; 32]);
    m.copy_from_slice(&eseed[..32]);
    ek_x.copy_from_slice(&eseed[32..]);
    let ek_x = StaticSecret::from(*ek_x);
    let ct_x = XPublic::from(&ek_x);
    let mut pk_x_arr = [0u8; 32];
    pk_x_arr.copy_from_slice(pk_x);
    let ss_x = ek_x.diffie_hellman(&XPublic::from(pk_x_arr));
    if !ss_x.was_contributory() {
        return Err(Error::InvalidArgument(
            "X-Wing public key has a low-order X25519 point".into(),
        ));
    }
    let (ct_m, ss_m) = mlkem_encaps(pk_m, &m)?;
    let ss = combiner(&ss_m, ss_x.as_bytes(), ct_x.as_bytes(), pk_x);
    let mut ct = ct_m;
    ct.extend_from_slice(ct_x.as_bytes());
    Ok((ss, ct))
}
