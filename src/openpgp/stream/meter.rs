//! A count of the octets the decryption engine copies into its own buffers,
//! so a test can pin "linear in the input" without timing anything: every
//! staging copy goes through [`stage`]. Counting is compiled in only with the
//! `test-hooks` feature (this crate's own tests); otherwise `stage` is a plain
//! `extend_from_slice`.

#[cfg(feature = "test-hooks")]
thread_local! {
    static COPIED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Records `n` octets copied inside the engine.
#[inline]
pub(crate) fn count(n: usize) {
    #[cfg(feature = "test-hooks")]
    COPIED.with(|c| c.set(c.get().saturating_add(n as u64)));
    #[cfg(not(feature = "test-hooks"))]
    let _ = n;
}

/// Appends `src` to `dst`, counting the copy.
#[inline]
pub(crate) fn stage(dst: &mut Vec<u8>, src: &[u8]) {
    count(src.len());
    dst.extend_from_slice(src);
}

/// Octets copied by the engine on this thread since the last call (test hook).
#[cfg(feature = "test-hooks")]
pub fn take_copied() -> u64 {
    COPIED.with(|c| c.replace(0))
}
