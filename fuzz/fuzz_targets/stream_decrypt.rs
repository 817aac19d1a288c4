#![no_main]
//! Fuzz target `stream_decrypt`: see ../targets.rs.

#[path = "../targets.rs"]
mod targets;

use std::sync::OnceLock;

static FIXTURES: OnceLock<targets::Fixtures> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let fx = FIXTURES.get_or_init(|| {
        targets::Fixtures::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")))
    });
    targets::run("stream_decrypt", fx, data);
});
