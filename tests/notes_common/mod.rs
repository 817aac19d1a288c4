//! What the notes test files share: a cheap KDF and a deterministic clock.

use std::cell::Cell;
use std::rc::Rc;

use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{Clock, OpenOptions};

/// Small Argon2 cost so each unlock takes microseconds; real vaults use the default.
pub const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

struct TickClock(Cell<u64>);
impl Clock for TickClock {
    fn now_ms(&self) -> u64 {
        let t = self.0.get();
        self.0.set(t + 1000);
        t
    }
}

/// Default options with a clock that ticks one second per reading.
pub fn opts() -> OpenOptions {
    OpenOptions {
        clock: Rc::new(TickClock(Cell::new(1_700_000_000_000))),
        ..OpenOptions::default()
    }
}
