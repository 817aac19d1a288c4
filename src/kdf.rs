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

    /// Checks parameters read from stored data (vault headers, backups, wrap
    /// key exports) against the default [`Argon2Caps`]: see [`check_argon2`].
    pub fn check_readable(&self) -> Result<()> {
        check_argon2(
            u64::from(self.memory_kib),
            self.iterations,
            self.parallelism,
            &Argon2Caps::DEFAULT,
        )
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

/// Ceilings on Argon2 parameters read from untrusted data. OpenPGP callers may
/// lower them per call (`Limits`); stored vault and key data uses the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Caps {
    /// Largest memory in KiB.
    pub max_memory_kib: u32,
    /// Largest pass count.
    pub max_passes: u32,
    /// Largest lane count.
    pub max_lanes: u32,
}

impl Argon2Caps {
    /// The ceilings of [`KdfParams`].
    pub const DEFAULT: Argon2Caps = Argon2Caps {
        max_memory_kib: KdfParams::MAX_MEMORY_KIB,
        max_passes: KdfParams::MAX_ITERATIONS,
        max_lanes: KdfParams::MAX_PARALLELISM,
    };
}

/// The one check of Argon2 parameters from any untrusted header (OpenPGP S2K
/// in messages and keys, vault headers, backups, wrap key exports), before
/// anything is derived: above `caps` is `LIMIT_EXCEEDED`, below the
/// algorithm's minimum `MALFORMED_INPUT`, and memory this process cannot
/// allocate right now `LIMIT_EXCEEDED` (Argon2 implementations allocate
/// infallibly: in Wasm that would abort the module).
pub fn check_argon2(memory_kib: u64, passes: u32, lanes: u32, caps: &Argon2Caps) -> Result<()> {
    if memory_kib > u64::from(caps.max_memory_kib)
        || passes > caps.max_passes
        || lanes > caps.max_lanes
    {
        return Err(Error::LimitExceeded(format!(
            "Argon2 parameters m={memory_kib} KiB, t={passes}, p={lanes} exceed the caps \
             m={} KiB, t={}, p={}",
            caps.max_memory_kib, caps.max_passes, caps.max_lanes
        )));
    }
    if passes == 0 || lanes == 0 || memory_kib < 8 * u64::from(lanes) {
        return Err(Error::MalformedInput(
            "Argon2 parameters are below the algorithm's minimum".into(),
        ));
    }
    ensure_allocatable(memory_kib.saturating_mul(1024))
}

/// Fails with `LIMIT_EXCEEDED` unless `bytes` can be allocated right now.
///
/// rPGP's Argon2 allocates its working memory infallibly: on a device whose
/// Wasm memory cannot grow that far, an allowed-by-the-caps S2K would abort the
/// module (a trap kills it for the whole page). Reserving the same amount first
/// turns that into an error; on success the block is freed and Argon2's own
/// allocation takes its place.
pub(crate) fn ensure_allocatable(bytes: u64) -> Result<()> {
    let n = usize::try_from(bytes).unwrap_or(usize::MAX);
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(n).map_err(|_| {
        Error::LimitExceeded(format!(
            "Argon2 needs {} MiB of memory, which cannot be allocated here",
            bytes / (1024 * 1024)
        ))
    })
}

/// The work of one Argon2 derivation in [`S2kBudget`] units (KiB of memory
/// filled once): memory x passes.
pub fn argon2_work(memory_kib: u64, passes: u32) -> u64 {
    memory_kib.saturating_mul(u64::from(passes))
}

/// A total S2K budget for one message (or one key): every derivation tried,
/// over every SKESK and every password, is charged before it runs, so a file
/// that repeats an expensive S2K many times costs at most the budget, not
/// copies x passwords x per-derivation cap. Units are KiB of work: Argon2
/// memory x passes ([`argon2_work`]); iterated-and-salted S2K bytes / 1024.
#[derive(Debug, Clone)]
pub struct S2kBudget {
    left: u64,
    total: u64,
}

impl S2kBudget {
    /// A budget of `total` units.
    pub fn new(total: u64) -> Self {
        S2kBudget { left: total, total }
    }

    /// Charges `work` units, or fails with `LIMIT_EXCEEDED` (nothing charged)
    /// when the budget cannot cover it: the derivation must then not run.
    pub fn spend(&mut self, work: u64) -> Result<()> {
        if work > self.left {
            return Err(Error::LimitExceeded(format!(
                "the password derivations (S2K) of this input need more than the budget of \
                 {} KiB of work (limits.maxS2kWork)",
                self.total
            )));
        }
        self.left -= work;
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
    fn budget_is_charged_before_work_and_never_overdrawn() {
        let mut b = S2kBudget::new(10);
        b.spend(4).unwrap();
        b.spend(6).unwrap();
        assert_eq!(b.spend(1).unwrap_err().code(), "LIMIT_EXCEEDED");
        let mut b = S2kBudget::new(5);
        assert_eq!(b.spend(6).unwrap_err().code(), "LIMIT_EXCEEDED");
        b.spend(5).unwrap(); // the refused charge took nothing
        assert_eq!(argon2_work(1 << 20, 64), 1 << 26);
    }

    #[test]
    fn one_check_for_every_header() {
        // KdfParams (vault, backup, wrap export) and OpenPGP S2K share it.
        let caps = Argon2Caps::DEFAULT;
        assert!(check_argon2(64 * 1024, 3, 1, &caps).is_ok());
        assert_eq!(
            check_argon2(1 << 31, 1, 1, &caps).unwrap_err().code(),
            "LIMIT_EXCEEDED"
        );
        assert_eq!(
            check_argon2(16, 1, 4, &caps).unwrap_err().code(),
            "MALFORMED_INPUT"
        );
        let lowered = Argon2Caps {
            max_memory_kib: 1024,
            ..caps
        };
        assert_eq!(
            check_argon2(2048, 1, 1, &lowered).unwrap_err().code(),
            "LIMIT_EXCEEDED"
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
