// `make deny`, advisories: `cargo deny check advisories` against a snapshot of the RustSec
// database, offline. cargo-deny reads a database as a git repository at
// <db-path>/advisory-db-<hash of its URL> (db-path is target/advisory-dbs in deny.toml), so
// the snapshot's files are copied there and committed once, dated as the snapshot. Fails
// on any advisory not ignored with a reason in deny.toml (and on an ignore that no longer
// matches); prints the snapshot's date and what was found.
//
// Usage: node scripts/advisories.mjs SNAPSHOT_DIR
//   SNAPSHOT_DIR holds the database's files and ORIGIN.md ("tree of commit <sha> (<date>)").
//   When it does not exist, the live database is fetched instead (network needed).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** cargo-deny's directory name for https://github.com/RustSec/advisory-db (its default). */
const DB_DIR = join(root, 'target', 'advisory-dbs', 'advisory-db-3157b0e258782691');
const log = (s) => console.log(`[advisories] ${s}`);

/** The commit and date ORIGIN.md names; else the newest advisory's date. */
function origin(snapshot) {
  const text = existsSync(join(snapshot, 'ORIGIN.md')) ? readFileSync(join(snapshot, 'ORIGIN.md'), 'utf8') : '';
  const m = /commit\s+([0-9a-f]{40})\s*\((\d{4}-\d{2}-\d{2})\)/.exec(text);
  if (m) return { commit: m[1], date: m[2] };
  let newest = '';
  const walk = (dir) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.md')) newest = [newest, /^date = "(\d{4}-\d{2}-\d{2})"/m.exec(readFileSync(p, 'utf8'))?.[1] ?? ''].sort().pop();
    }
  };
  walk(join(snapshot, 'crates'));
  return { commit: null, date: newest };
}

/** A fresh git repository at DB_DIR holding the snapshot's files, committed at its date. */
function install(snapshot, { commit, date }) {
  rmSync(DB_DIR, { recursive: true, force: true });
  mkdirSync(DB_DIR, { recursive: true });
  cpSync(snapshot, DB_DIR, { recursive: true });
  // The shared copy is read-only; the working copy must not be.
  const writable = (p) => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) writable(join(p, e));
  };
  writable(DB_DIR);
  const when = `${date}T00:00:00Z`;
  const git = (...args) =>
    execFileSync('git', ['-c', 'user.name=RustSec snapshot', '-c', 'user.email=snapshot@invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: DB_DIR,
      env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', `RustSec advisory-db snapshot${commit ? ` of ${commit}` : ''} (${date})`);
}

/** Runs cargo deny; returns its JSON diagnostics and exit status. */
function deny(offline) {
  const args = ['deny', '-L', 'info', '--locked', ...(offline ? ['--offline'] : []), '--format', 'json', 'check', 'advisories'];
  const r = spawnSync('cargo', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const diags = lines.filter((d) => d.type === 'diagnostic').map((d) => d.fields);
  const failures = lines.filter((d) => d.type === 'log' && d.fields.level === 'ERROR').map((d) => d.fields.message);
  const other = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
  return { status: r.status, diags, failures: [...failures, ...other] };
}

function main() {
  const snapshot = process.argv[2] ? resolve(process.argv[2]) : null;
  let source;
  let offline = true;
  if (snapshot && existsSync(join(snapshot, 'crates'))) {
    const o = origin(snapshot);
    install(snapshot, o);
    source = `RustSec snapshot of ${o.date}${o.commit ? ` (commit ${o.commit.slice(0, 12)})` : ''}, offline`;
  } else {
    log(`no snapshot at ${snapshot}; fetching the live database`);
    rmSync(DB_DIR, { recursive: true, force: true });
    offline = false;
    source = null;
  }
  const { status, diags, failures } = deny(offline);
  if (!source) {
    const date = existsSync(DB_DIR) ? execFileSync('git', ['-C', DB_DIR, 'log', '-1', '--format=%cs'], { encoding: 'utf8' }).trim() : '?';
    source = `RustSec database fetched today (last commit ${date})`;
  }
  const ignored = diags
    .filter((d) => d.code === 'advisory-ignored')
    .map((d) => `${d.labels?.[0]?.span} (${d.graphs?.[0]?.Krate?.name} ${d.graphs?.[0]?.Krate?.version})`);
  const errors = diags.filter((d) => d.severity === 'error');
  if (errors.length) {
    for (const d of errors) {
      const id = d.advisory?.id ?? d.labels?.[0]?.span ?? '';
      log(`ERROR ${d.code}: ${id} ${d.message}${d.advisory?.package ? ` (${d.advisory.package})` : ''}`);
    }
    console.log(`== cargo deny advisories: FAILED against the ${source}: analyse each advisory above; ignore it in deny.toml only with a reason, and explain it in SECURITY.md ==`);
    process.exit(1);
  }
  if (status !== 0) {
    for (const f of failures) log(f);
    console.log(`== cargo deny advisories: FAILED: could not check against the ${source} ==`);
    process.exit(1);
  }
  console.log(
    `== cargo deny advisories: passed against the ${source}: ` +
      `no advisory unlisted; ${ignored.length} ignored with a reason in deny.toml (see SECURITY.md): ${ignored.join(', ') || 'none'} ==`,
  );
}

main();
