//! No import cycles under `src/openpgp/`: every module (a file, or the
//! `stream/` directory as one module) may only depend on modules that do not
//! depend back on it, directly or through others. Parsed from the source
//! (`super::x`, `crate::openpgp::x`, `mod.rs` re-exports excepted).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn modules(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            let mut text = String::new();
            for f in std::fs::read_dir(&p).unwrap() {
                let f = f.unwrap().path();
                if f.file_name().unwrap() != "mod.rs" {
                    text += &std::fs::read_to_string(&f).unwrap();
                }
            }
            out.insert(name, text);
        } else if name != "mod" {
            out.insert(name, std::fs::read_to_string(&p).unwrap());
        }
    }
    out
}

/// Sibling modules `text` refers to (outside its tests and comments).
fn deps(text: &str, names: &BTreeSet<String>, me: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    for prefix in ["super::", "crate::openpgp::", "openpgp::"] {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if names.contains(&word) && word != me {
                out.insert(word);
            }
        }
    }
    out
}

#[test]
fn no_import_cycles_under_src_openpgp() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/openpgp"));
    let mods = modules(dir);
    let names: BTreeSet<String> = mods.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> = mods
        .iter()
        .map(|(m, t)| (m.clone(), deps(t, &names, m)))
        .collect();
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in &g[m] {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(c) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", c.join(" -> "));
        }
    }
    // The decryption stages in particular: the engine (`stream`) depends on
    // none of what is built over it.
    for over in ["decrypt", "sign"] {
        assert!(!graph["stream"].contains(over), "stream uses {over}");
    }
}
