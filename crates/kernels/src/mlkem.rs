//! ML-KEM-768 (FIPS 203), the lattice half of signet-crypto's X-Wing, through
//! non-generic functions. ml-kem's code is generic over the parameter set, so it
//! is compiled in the crate that names `MlKem768`; built for size in
//! signet-crypto, its encoding loops called compiler helpers for every 128-bit
//! shift and key unwrapping took 0.33 ms instead of 0.24 (Node). Here it keeps
//! opt-level 3. Length and modulus checks stay with the caller (`src/wrap/`).

use ml_kem::kem::Decapsulate;
use ml_kem::{
    Ciphertext, EncapsulateDeterministic, Encoded, EncodedSizeUser, KemCore, MlKem768, B32,
};
use zeroize::{Zeroize, Zeroizing};

/// Encapsulation key length.
pub const EK_LEN: usize = 1184;
/// Ciphertext length.
pub const CT_LEN: usize = 1088;

type Dk = <MlKem768 as KemCore>::DecapsulationKey;
type Ek = <MlKem768 as KemCore>::EncapsulationKey;

/// An expanded decapsulation key (ml-kem wipes it on drop).
pub struct DecapsKey(Dk);

/// `ML-KEM.KeyGen_internal(d, z)`: the expanded key and the encoded `ek`.
#[inline(never)]
pub fn keygen(d: &[u8; 32], z: &[u8; 32]) -> (DecapsKey, [u8; EK_LEN]) {
    let mut d = B32::from(*d);
    let mut z = B32::from(*z);
    let (dk, ek) = MlKem768::generate_deterministic(&d, &z);
    d.zeroize();
    z.zeroize();
    let mut out = [0u8; EK_LEN];
    out.copy_from_slice(ek.as_bytes().as_slice());
    (DecapsKey(dk), out)
}

/// `ML-KEM.Encaps_internal(ek, m)`: the ciphertext and the shared secret.
/// `None` never happens with ml-kem 0.2 (its error type is `()`, never built).
#[inline(never)]
pub fn encaps(ek: &[u8; EK_LEN], m: &[u8; 32]) -> Option<([u8; CT_LEN], Zeroizing<[u8; 32]>)> {
    let enc = Encoded::<Ek>::try_from(ek.as_slice()).ok()?;
    let ek = Ek::from_bytes(&enc);
    let mut m = B32::from(*m);
    let res = ek.encapsulate_deterministic(&m);
    m.zeroize();
    let (ct, mut ss) = res.ok()?;
    let mut ct_out = [0u8; CT_LEN];
    ct_out.copy_from_slice(ct.as_slice());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(ss.as_slice());
    ss.zeroize();
    Some((ct_out, out))
}

impl DecapsKey {
    /// `ML-KEM.Decaps` with implicit rejection (a wrong ciphertext gives a
    /// pseudorandom secret, not an error). `None` as for [`encaps`].
    #[inline(never)]
    pub fn decaps(&self, ct: &[u8; CT_LEN]) -> Option<Zeroizing<[u8; 32]>> {
        let ct = Ciphertext::<MlKem768>::try_from(ct.as_slice()).ok()?;
        let mut ss = self.0.decapsulate(&ct).ok()?;
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(ss.as_slice());
        ss.zeroize();
        Some(out)
    }
}
