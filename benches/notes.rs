//! Notes vault timings: unlock with the default Argon2id parameters, and open /
//! list / search / backup on a 10,000-note vault. `cargo bench --bench notes`.

use std::time::{Duration, Instant};

use pollster::block_on;
use signet_crypto::kdf::KdfParams;
use signet_crypto::notes::{MemoryStore, NoteInput, OpenOptions, Vault};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

const WORDS: &[&str] = &[
    "họp",
    "Hà Nội",
    "công văn",
    "báo cáo",
    "kế hoạch",
    "ngân sách",
    "hồ sơ",
    "phòng",
    "ủy ban",
    "quyết định",
    "thông báo",
    "dự án",
    "meeting",
    "budget",
    "tuần",
    "tháng",
    "Sài Gòn",
    "Đà Nẵng",
];

fn text(seed: &mut u64, words: usize) -> String {
    (0..words)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            WORDS[(*seed >> 33) as usize % WORDS.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let n: usize = std::env::var("NOTES_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);

    // 1. Unlock with the defaults (m = 64 MiB, t = 3, p = 1).
    let store = MemoryStore::new();
    let t = Instant::now();
    drop(
        block_on(Vault::create(
            store.clone(),
            b"passphrase",
            KdfParams::default(),
            OpenOptions::default(),
        ))
        .unwrap(),
    );
    println!(
        "create, default KDF:             {:>8.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let unlock = time(5, || {
        block_on(Vault::open(
            store.clone(),
            b"passphrase",
            OpenOptions::default(),
        ))
        .unwrap()
    });
    println!(
        "unlock, default KDF (median 5):  {:>8.1} ms",
        unlock.as_secs_f64() * 1e3
    );

    // 2. A large vault. Cheap KDF so the numbers below are the vault's own cost.
    let cheap = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let store = MemoryStore::new();
    let v = block_on(Vault::create_with_weak_kdf_for_tests(
        store.clone(),
        b"pw",
        cheap,
        OpenOptions::default(),
    ))
    .unwrap();
    let mut seed = 42u64;
    let t = Instant::now();
    for _ in 0..n {
        let title = text(&mut seed, 4);
        let body = text(&mut seed, 60);
        block_on(v.put(NoteInput {
            id: None,
            title,
            body,
            tags: vec![text(&mut seed, 1)],
        }))
        .unwrap();
    }
    let put = t.elapsed();
    let bytes: usize = store.snapshot().values().map(Vec::len).sum();
    println!(
        "{n} puts:                     {:>8.1} ms ({:.1} µs each; store {:.1} MiB)",
        put.as_secs_f64() * 1e3,
        put.as_secs_f64() * 1e6 / n as f64,
        bytes as f64 / 1048576.0
    );
    let open = time(3, || {
        block_on(Vault::open(store.clone(), b"pw", OpenOptions::default())).unwrap()
    });
    println!(
        "open {n} notes (excl. KDF):   {:>8.1} ms",
        open.as_secs_f64() * 1e3
    );
    let v = block_on(Vault::open(store.clone(), b"pw", OpenOptions::default())).unwrap();
    let list = time(5, || v.list().unwrap());
    println!(
        "list {n}:                     {:>8.2} ms",
        list.as_secs_f64() * 1e3
    );
    for q in ["ha noi", "Đà Nẵng", "ngan sach bao cao", "nothing-matches"] {
        let hits = v.search(q).unwrap().len();
        let s = time(5, || v.search(q).unwrap());
        println!(
            "search {q:?}: {:>8.2} ms ({hits} hits)",
            s.as_secs_f64() * 1e3
        );
    }
    let b = time(3, || block_on(v.export_backup()).unwrap());
    println!(
        "export backup:                   {:>8.1} ms",
        b.as_secs_f64() * 1e3
    );
}
