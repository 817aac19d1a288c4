//! Passphrase → key derivation with Argon2id, shared by the vault and by
//! passphrase-protected key exports.
//!
//! Argon2 runs in a memory buffer we own and wipe afterwards: left to itself the
//! crate frees its working memory unwiped, and in Wasm that leaves tens of MiB of
//! passphrase-dependent state readable in linear memory.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result};

/// Argon2id cost parameters. Stored next to whatever they protect so old data
/// keeps opening when defaults change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`). Wasm is single-threaded, so more lanes only cost time.
    pub parallelism: u32,
}

impl KdfParams {
    /// Floor for anything we create: OWASP's Argon2id minimum (m=19 MiB, t=2).
    pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
    /// Floor for iterations on anything we create.
    pub const MIN_ITERATIONS: u32 = 2;
    /// Ceiling for anything we read or create: 32-bit Wasm cannot allocate much more
    /// than this next to the rest of the module, so a larger request from a file is
    /// an attack, not a setting.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// Ceiling for iterations read from data (bounds attacker-chosen work).
    pub const MAX_ITERATIONS: u32 = 64;
    /// Ceiling for lanes read from data.
    pub const MAX_PARALLELISM: u32 = 16;

    /// Checks parameters read from stored data: above the ceilings is
    /// `LIMIT_EXCEEDED`, below Argon2's own minimum is `MALFORMED_INPUT`.
    pub fn check_readable(&self) -> Result<()> {
        if self.memory_kib > Self::MAX_MEMORY_KIB
            || self.iterations > Self::MAX_ITERATIONS
            || self.parallelism > Self::MAX_PARALLELISM
        {
            return Err(Error::LimitExceeded(format!(
                "Argon2 parameters m={} KiB, t={}, p={} exceed the caps m={} KiB, t={}, p={}",
                self.memory_kib,
                self.iterations,
                self.parallelism,
                Self::MAX_MEMORY_KIB,
                Self::MAX_ITERATIONS,
                Self::MAX_PARALLELISM
            )));
        }
        if self.iterations == 0 || self.parallelism == 0 || self.memory_kib < 8 * self.parallelism {
            return Err(Error::MalformedInput(
                "Argon2 parameters are below the algorithm's minimum".into(),
            ));
        }
        Ok(())
    }

    /// Checks parameters for newly created data: the readable checks plus the
    /// security floor, so nothing new is protected by a weak KDF.
    pub fn check_creatable(&self) -> Result<()> {
        self.check_readable()?;
        if self.memory_kib < Self::MIN_MEMORY_KIB || self.iterations < Self::MIN_ITERATIONS {
            return Err(Error::InvalidArgument(format!(
                "Argon2 parameters below the floor (m >= {} KiB, t >= {})",
                Self::MIN_MEMORY_KIB,
                Self::MIN_ITERATIONS
            )));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    /// m = 64 MiB, t = 3, p = 1 (RFC 9106's second recommended option).
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

/// Derives a 32-byte key from `passphrase` and `salt` with Argon2id.
///
/// Parameters are checked with [`KdfParams::check_readable`]; callers creating new
/// data should call [`KdfParams::check_creatable`] first. The working memory is
/// zeroized before it is freed.
pub fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    params: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>> {
    params.check_readable()?;
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| Error::MalformedInput(format!("Argon2 parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
    let blocks = argon.params().block_count();
    let mut memory: Vec<Block> = Vec::new();
    memory
        .try_reserve_exact(blocks)
        .map_err(|_| Error::LimitExceeded("not enough memory for Argon2".into()))?;
    memory.resize(blocks, Block::default());
    let mut out = Zeroizing::new([0u8; 32]);
    let res = argon.hash_password_into_with_memory(passphrase, salt, out.as_mut(), &mut memory);
    memory.zeroize();
    res.map_err(|e| Error::InvalidArgument(format!("Argon2: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn rfc9106_style_determinism_and_sensitivity() {
        let a = derive_key(b"pw", b"saltsaltsaltsalt", &SMALL).unwrap();
        let b = derive_key(b"pw", b"saltsaltsaltsalt", &SMALL).unwrap();
        let c = derive_key(b"pW", b"saltsaltsaltsalt", &SMALL).unwrap();
        assert_eq!(*a, *b);
        assert_ne!(*a, *c);
    }

    #[test]
    fn matches_argon2_crate_default_path() {
        // Same result as the crate's own allocation path: our buffer changes nothing.
        let params = Params::new(SMALL.memory_kib, 1, 1, Some(32)).unwrap();
        let mut expect = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(b"pw", b"saltsaltsaltsalt", &mut expect)
            .unwrap();
        assert_eq!(
            *derive_key(b"pw", b"saltsaltsaltsalt", &SMALL).unwrap(),
            expect
        );
    }

    #[test]
    fn caps_and_floors() {
        let huge = KdfParams {
            memory_kib: 2 * 1024 * 1024,
            ..KdfParams::default()
        };
        assert_eq!(
            derive_key(b"x", b"saltsalt", &huge).unwrap_err().code(),
            "LIMIT_EXCEEDED"
        );
        let many = KdfParams {
            iterations: 1000,
            ..KdfParams::default()
        };
        assert_eq!(many.check_readable().unwrap_err().code(), "LIMIT_EXCEEDED");
        assert_eq!(
            SMALL.check_creatable().unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert!(KdfParams::default().check_creatable().is_ok());
        let zero = KdfParams {
            iterations: 0,
            ..SMALL
        };
        assert_eq!(
            derive_key(b"x", b"saltsalt", &zero).unwrap_err().code(),
            "MALFORMED_INPUT"
        );
    }
}
