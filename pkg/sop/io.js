// Inputs and outputs of `signet-sop`: files, the special designators `@ENV:`
// and `@FD:` (draft-dkg-openpgp-stateless-cli-16, "Special Designators for
// Indirect Inputs/Outputs"), standard input and output.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { SopError } from './errors.js';

const DESIGNATOR = /^@([A-Za-z]+):(.*)$/s;

/** `@ENV:`/`@FD:` (or another `@X:` prefix) and whether a file of that name exists. */
function designator(spec) {
  const m = spec.match(DESIGNATOR);
  if (!m) return null;
  if (existsSync(spec)) throw new SopError('AMBIGUOUS_INPUT', `"${spec}" is a special designator and also an existing file`);
  const kind = m[1];
  if (kind !== 'ENV' && kind !== 'FD') throw new SopError('UNSUPPORTED_SPECIAL_PREFIX', `unsupported special designator @${kind}:`);
  return { kind, value: m[2] };
}

function fdNumber(v) {
  if (!/^[0-9]+$/.test(v)) throw new SopError('UNSUPPORTED_SPECIAL_PREFIX', `@FD: needs a file descriptor number, not "${v}"`);
  return Number(v);
}

/** Reads an indirect input (a file name, `@ENV:NAME` or `@FD:N`) whole. */
export function readInput(spec) {
  const d = designator(spec);
  if (d?.kind === 'ENV') {
    const v = process.env[d.value];
    if (v === undefined) throw new SopError('MISSING_INPUT', `environment variable ${d.value} is not set`);
    return new Uint8Array(Buffer.from(v, 'utf8'));
  }
  try {
    return new Uint8Array(readFileSync(d ? fdNumber(d.value) : spec));
  } catch (e) {
    if (e instanceof SopError) throw e;
    throw new SopError('MISSING_INPUT', `cannot read ${spec}: ${e.code ?? e.message}`);
  }
}

/**
 * Opens an indirect output before any work is done (so an existing file fails
 * with OUTPUT_EXISTS first); returns `write(bytes)`, which closes it.
 */
export function openOutput(spec) {
  const d = designator(spec);
  if (d?.kind === 'ENV') throw new SopError('UNSUPPORTED_SPECIAL_PREFIX', '@ENV: cannot be used for an output');
  let fd;
  if (d) fd = fdNumber(d.value);
  else {
    try {
      fd = openSync(spec, 'wx');
    } catch (e) {
      if (e.code === 'EEXIST') throw new SopError('OUTPUT_EXISTS', `${spec} already exists`);
      throw new SopError('UNSPECIFIED_FAILURE', `cannot create ${spec}: ${e.code ?? e.message}`);
    }
  }
  return (bytes) => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
    if (!d) closeSync(fd);
  };
}

/** A password, key password or session key from an indirect input, as UTF-8 text. */
export function readText(spec, what) {
  const b = readInput(spec);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new SopError('PASSWORD_NOT_HUMAN_READABLE', `${what} in ${spec} is not UTF-8`);
  }
}

/** Standard input, whole. */
export async function readStdin() {
  const parts = [];
  for await (const c of process.stdin) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Standard input as a Web ReadableStream (for the package's streams), read
 * only when the consumer pulls: memory stays bounded whatever the input size.
 */
export function stdinStream() {
  const it = process.stdin[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(c) {
      const { value, done } = await it.next();
      if (done) c.close();
      else c.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
    },
    async cancel() {
      await it.return?.();
    },
  }, { highWaterMark: 0 });
}

/** Writes to standard output, waiting when the pipe is full. */
export async function writeStdout(bytes) {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (!process.stdout.write(b)) await once(process.stdout, 'drain');
}

/** Copies a Web ReadableStream to standard output with back-pressure. */
export async function streamToStdout(stream) {
  for await (const chunk of stream) await writeStdout(chunk);
}

/** Every candidate for a password read from a file: as given, then without trailing whitespace. */
export function passwordCandidates(p) {
  const t = p.replace(/\s+$/u, '');
  return t === p ? [p] : [p, t];
}
