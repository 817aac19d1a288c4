// The README's example must run as written: extract the first ```js block and
// execute it against the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

test('README example runs against the package', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.match(/```js\n([\s\S]*?)```/);
  assert.ok(block, 'README has a js example');
  const dir = new URL('../../target/readme-example/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL('example.mjs', dir);
  // Expose the example's results so the test checks they are real, not just "no throw".
  writeFileSync(file, `${block[1]}\nexport { data, signatures, dataKey, id, envelope };\n`);
  const out = await import(file.href);
  assert.equal(new TextDecoder().decode(out.data), 'Công văn mật');
  assert.equal(out.signatures.length, 1);
  assert.equal(out.signatures[0].valid, true);
  assert.equal(out.dataKey.length, 32);
  assert.equal(typeof out.id, 'string');
});
