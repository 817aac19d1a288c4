// decryptStream's output is a byte stream (issue #25): a consumer reads the
// plaintext into its own buffer with a BYOB reader (one buffer for the whole
// message, no chunk allocated for it), and the default reader still gives
// Uint8Array chunks. SEIPDv2 (node:crypto GCM, whose results are Buffers),
// SEIPDv1 in two passes from a Blob and through the temporary-file spill, and
// encryptStream's output (many framing pieces sharing one buffer) read both ways.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as s from 'signet-crypto';

const MiB = 1 << 20;

before(() => s.init());

function bytes(n, seed) {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A one-shot stream of `b` in `step`-byte pieces. */
function streamOf(b, step = 200 * 1024) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= b.length) return c.close();
      c.enqueue(b.slice(off, off + step));
      off += step;
    },
  }, { highWaterMark: 0 });
}

/** Reads `stream` with a BYOB reader into one reused buffer of `size` bytes. */
async function readByob(stream, size, expected) {
  const reader = stream.getReader({ mode: 'byob' });
  let buf = new ArrayBuffer(size);
  let n = 0;
  let reads = 0;
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buf));
    if (done) break;
    assert.ok(value.length > 0 && value.length <= size);
    assert.deepEqual(value, expected.subarray(n, n + value.length), `bytes at ${n}`);
    n += value.length;
    reads += 1;
    buf = value.buffer; // the same memory, handed back for the next read
  }
  return { n, reads };
}

async function readDefault(stream) {
  const parts = [];
  for await (const c of stream) {
    assert.ok(c instanceof Uint8Array && c.length > 0);
    parts.push(c);
  }
  return new Uint8Array(Buffer.concat(parts));
}

const TOTAL = 5 * MiB + 4321;
const plain = bytes(TOTAL, 3);

async function encrypt(seipd) {
  return readDefault(await s.encryptStream({ data: streamOf(plain), passwords: ['pw'], seipd }));
}

test('BYOB reads of decryptStream output: SEIPDv2, SEIPDv1 from a Blob and from a spilled stream', async () => {
  for (const seipd of ['v2', 'v1']) {
    const msg = await encrypt(seipd);
    const sources = { stream: () => streamOf(msg), blob: () => new Blob([msg]) };
    for (const [name, source] of Object.entries(sources)) {
      const out = await s.decryptStream({ message: source(), passwords: ['pw'] });
      const { n, reads } = await readByob(out, 64 * 1024, plain);
      assert.equal(n, TOTAL, `${seipd} from a ${name}`);
      assert.ok(reads >= TOTAL / (64 * 1024), 'the reader filled its 64 KiB buffer, read after read');
      assert.deepEqual(await out.signatures, []);
      // The default reader of the same kind of stream: Uint8Array chunks, the same bytes.
      const again = await readDefault(await s.decryptStream({ message: source(), passwords: ['pw'] }));
      assert.equal(Buffer.compare(again, plain), 0, `${seipd} from a ${name}, default reader`);
    }
  }
});

test('BYOB reads of encryptStream output decrypt to the plaintext', async () => {
  const whole = await encrypt('v2');
  const reader = (await s.encryptStream({ data: streamOf(plain), passwords: ['pw'] })).getReader({ mode: 'byob' });
  const parts = [];
  for (;;) {
    // An odd size: framing octets and sealed chunks are split across reads.
    const { done, value } = await reader.read(new Uint8Array(new ArrayBuffer(1000)));
    if (done) break;
    parts.push(value);
  }
  const byob = new Uint8Array(Buffer.concat(parts));
  assert.equal(byob.length, whole.length, 'the same length as read by the default reader');
  const back = await readDefault(await s.decryptStream({ message: new Blob([byob]), passwords: ['pw'] }));
  assert.equal(Buffer.compare(back, plain), 0);
});
