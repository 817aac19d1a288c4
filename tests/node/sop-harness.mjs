// Shared by the `signet-sop` tests: runs SOP commands (ours or a peer's) in a
// scratch directory and reports exit code, output and peak memory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(root, 'pkg/bin/signet-sop.js');
export const vectors = process.env.SIGNET_VECTORS ?? path.join(root, '../shared/vectors');

/** A scratch directory with helpers to write and read files in it. */
export function scratch() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signet-sop-'));
  return {
    dir,
    file: (name, content) => {
      writeFileSync(path.join(dir, name), content);
      return name;
    },
    read: (name) => readFileSync(path.join(dir, name)),
    path: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs `cmd args` (cmd "ours" = signet-sop under this Node) in `cwd`.
 * `stdio` adds descriptors from fd 3 on (for @FD: tests).
 */
export function run(cmd, args, { cwd, input, env, stdio = [] } = {}) {
  const [file, pre] = cmd === 'ours' ? [process.execPath, [BIN]] : [cmd, []];
  const r = spawnSync(file, [...pre, ...args], {
    cwd,
    input: input ?? '',
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe', ...stdio],
    maxBuffer: 1 << 30,
  });
  // EPIPE: the command exited without reading all its input (e.g. refusing a
  // certificate first); its exit status is the result.
  if (r.error && !(r.error.code === 'EPIPE' && r.status !== null)) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Whether a peer SOP binary (or another tool, given its version arguments) runs. */
export function have(cmd, args = ['version']) {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** Peak resident memory (VmHWM, KiB) of a process, read until it exits. */
function watchPeak(pid) {
  let peak = 0;
  const read = () => {
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, 20);
  return { stop: () => { clearInterval(timer); return peak; }, read };
}

/**
 * `ours encrypt ... | ours decrypt ...` over `bytes` pseudo-random octets
 * written in 1 MiB pieces: resolves to { ms, encPeakKiB, decPeakKiB, digestIn, digestOut, bytesOut }.
 */
export async function pipeRoundTrip(bytes, encArgs, decArgs, cwd) {
  const { createHash } = await import('node:crypto');
  const enc = spawn(process.execPath, [BIN, ...encArgs], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const dec = spawn(process.execPath, [BIN, ...decArgs], { cwd, stdio: [enc.stdout, 'pipe', 'pipe'] });
  // The decryptor has its own copy of the pipe's read end: drop ours.
  enc.stdout.destroy();
  const we = watchPeak(enc.pid);
  const wd = watchPeak(dec.pid);
  const errs = [];
  enc.stderr.on('data', (d) => errs.push(String(d)));
  dec.stderr.on('data', (d) => errs.push(String(d)));
  const hIn = createHash('sha256');
  const hOut = createHash('sha256');
  let bytesOut = 0;
  dec.stdout.on('data', (d) => {
    hOut.update(d);
    bytesOut += d.length;
  });
  const t0 = performance.now();
  const exited = (p, ev) => new Promise((res) => p.on(ev, (code) => res(code)));
  const codes = Promise.all([exited(enc, 'exit'), exited(dec, 'close')]);
  const piece = Buffer.alloc(1 << 20);
  let x = 7;
  for (let sent = 0; sent < bytes; sent += piece.length) {
    for (let i = 0; i < piece.length; i += 4) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      piece.writeUInt32LE(x, i);
    }
    const n = Math.min(piece.length, bytes - sent);
    hIn.update(piece.subarray(0, n));
    if (!enc.stdin.write(Buffer.from(piece.subarray(0, n)))) await new Promise((r) => enc.stdin.once('drain', r));
    we.read();
    wd.read();
  }
  enc.stdin.end();
  const [ce, cd] = await codes;
  const ms = performance.now() - t0;
  if (ce !== 0 || cd !== 0) throw new Error(`pipe failed: encrypt ${ce}, decrypt ${cd}: ${errs.join('')}`);
  return { ms, encPeakKiB: we.stop(), decPeakKiB: wd.stop(), digestIn: hIn.digest('hex'), digestOut: hOut.digest('hex'), bytesOut };
}
