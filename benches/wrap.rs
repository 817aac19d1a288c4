//! Timing of X-Wing key wrapping: `cargo bench --bench wrap` (release profile).
//! Prints per-recipient wrap and unwrap times and envelope sizes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use signet_crypto::wrap::{unwrap_key, wrap_key, WrapPublicKey, WrapSecretKey};

/// Runs `f` repeatedly for about `budget` and returns the mean time per call.
fn time<F: FnMut()>(budget: Duration, mut f: F) -> Duration {
    f(); // warm-up
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    start.elapsed() / n.max(1)
}

fn main() {
    let budget = Duration::from_millis(500);
    let sks: Vec<WrapSecretKey> = (0..100).map(|_| WrapSecretKey::generate()).collect();
    let pks: Vec<WrapPublicKey> = sks.iter().map(WrapSecretKey::public_key).collect();
    let key = [0x5au8; 32];

    let keygen = time(budget, || {
        black_box(WrapSecretKey::generate());
    });
    println!("keygen: {:.1} us", keygen.as_secs_f64() * 1e6);

    for n in [1usize, 10, 100] {
        let recipients = &pks[..n];
        let wrap = time(budget, || {
            black_box(wrap_key(&key, recipients).unwrap());
        });
        let env = wrap_key(&key, recipients).unwrap();
        let last = &sks[n - 1];
        let unwrap = time(budget, || {
            black_box(unwrap_key(&env, last).unwrap());
        });
        println!(
            "recipients={n:>3}: envelope {:>6} bytes | wrap {:>8.1} us total, {:>6.1} us/recipient | unwrap (last entry) {:>6.1} us",
            env.len(),
            wrap.as_secs_f64() * 1e6,
            wrap.as_secs_f64() * 1e6 / n as f64,
            unwrap.as_secs_f64() * 1e6,
        );
    }
}
