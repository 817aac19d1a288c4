// The crypto frame's pure parts, without a browser: the request schema
// (www/frame/schema.js) and the form container (www/frame/form.js, docs/form-format.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequest, OPS, LIMITS } from '../../www/frame/schema.js';
import { buildContainer, parseContainer, FORMAT } from '../../www/frame/form.js';

const code = (f) => {
  try {
    f();
  } catch (e) {
    return e.code;
  }
  return 'accepted';
};

test('requests: ids only grow, ops and options are closed sets, every field typed', () => {
  assert.deepEqual(checkRequest({ id: 5, op: 'listPublicKeys' }, 4), { id: 5, op: 'listPublicKeys', args: {} });
  assert.equal(code(() => checkRequest({ id: 5, op: 'listPublicKeys' }, 5)), 'INVALID_ARGUMENT', 'replay');
  assert.equal(code(() => checkRequest({ id: 4, op: 'listPublicKeys' }, 5)), 'INVALID_ARGUMENT', 'older');
  for (const op of ['toString', '__proto__', 'hasOwnProperty', '', 'unlock', 'free']) {
    assert.equal(code(() => checkRequest({ id: 9, op }, 0)), 'INVALID_ARGUMENT', op);
  }
  // Every option of every operation refuses a value of every wrong kind.
  const wrong = [null, 1, true, 'x'.repeat(LIMITS.name + 1), [], {}, [1], new ArrayBuffer(1), () => 1];
  const good = { data: 'd', message: 'm', signature: 's', verificationKeys: ['k'], encryptionKeys: ['k'], name: 'n', armor: true, detached: false, allowClassical: false,
    form: { title: 't', fields: [{ name: 'a', label: 'A', type: 'text' }] } };
  let checked = 0;
  for (const [op, spec] of Object.entries(OPS)) {
    const base = Object.fromEntries(Object.entries(spec).filter(([, [, req]]) => req).map(([k]) => [k, good[k]]));
    if (op === 'verify') base.message = 'm';
    assert.equal(code(() => checkRequest({ id: 1, op, args: base }, 0)), 'accepted', op);
    assert.equal(code(() => checkRequest({ id: 1, op, args: { ...base, extra: 1 } }, 0)), 'INVALID_ARGUMENT', `${op} extra`);
    for (const k of Object.keys(spec)) {
      for (const w of wrong) {
        const c = code(() => checkRequest({ id: 1, op, args: { ...base, [k]: w } }, 0));
        const okAlso = (['data', 'message', 'signature'].includes(k) && typeof w === 'string') || (spec[k][0] === 'bool' && typeof w === 'boolean');
        if (!okAlso) assert.equal(c, 'INVALID_ARGUMENT', `${op}.${k} = ${String(w).slice(0, 20)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100);
});

test('form container: round trip, and every malformation is MALFORMED_INPUT', async () => {
  const file = new Blob([new Uint8Array([0, 1, 2, 10, 255])], { type: 'application/pdf' });
  file.name = 'a.pdf';
  const bytes = await buildContainer({
    form: { id: 'f', title: 'Tờ khai' },
    origin: 'https://dichvucong.example',
    submitted: '2026-12-06T00:00:00.000Z',
    fields: [{ name: 'n', label: 'Tên', type: 'text', value: 'Ánh\nsáng' }, { name: 't', label: 'Tệp', type: 'file', value: [0] }],
    files: [{ field: 't', file }],
  });
  const { manifest, files } = parseContainer(bytes);
  assert.equal(manifest.format, FORMAT);
  assert.equal(manifest.fields[0].value, 'Ánh\nsáng');
  assert.deepEqual([...files[0].bytes], [0, 1, 2, 10, 255]);
  assert.equal(files[0].name, 'a.pdf');
  const nl = bytes.indexOf(10);
  const bad = [
    bytes.subarray(0, nl), // no newline
    bytes.subarray(0, bytes.length - 1), // a file cut short
    new Uint8Array([...bytes, 0]), // trailing bytes
    new TextEncoder().encode('{"format":"other"}\n'),
    new TextEncoder().encode('not json\n'),
    new Uint8Array([0xff, 0xfe, 10]),
    new TextEncoder().encode('{"format":"signet-form/1","form":{"title":"t"},"fields":[],"files":[{"size":-1}]}\n'),
  ];
  for (const b of bad) assert.equal(code(() => parseContainer(b)), 'MALFORMED_INPUT');
});
