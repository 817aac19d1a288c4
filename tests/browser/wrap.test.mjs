// X-Wing key wrapping in every engine: the package on the main thread.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

forEachEngine(({ h, test }) => {
  test('wrap to 3 recipients, unwrap, tamper and non-recipient in the browser', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const out = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const pairs = [0, 1, 2].map(() => s.generateWrapKeyPair());
      const key = crypto.getRandomValues(new Uint8Array(32));
      const envelope = s.wrapKey({ key, recipients: pairs.map((p) => p.publicKey) });
      const same = pairs.every(({ secretKey }) => {
        const k = s.unwrapKey({ envelope, secretKey });
        return k.length === 32 && k.every((b, i) => b === key[i]);
      });
      const codeOf = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.code; } };
      const tampered = envelope.slice();
      tampered[tampered.length - 5] ^= 1;
      const stranger = s.generateWrapKeyPair();
      const result = {
        size: envelope.length,
        ids: s.envelopeRecipients(envelope).length,
        same,
        tamper: codeOf(() => s.unwrapKey({ envelope: tampered, secretKey: pairs[0].secretKey })),
        stranger: codeOf(() => s.unwrapKey({ envelope, secretKey: stranger.secretKey })),
        badKey: codeOf(() => s.wrapKey({ key: new Uint8Array(16), recipients: [pairs[0].publicKey] })),
        // The module is still usable after the errors.
        again: s.unwrapKey({ envelope, secretKey: pairs[2].secretKey }).length,
      };
      pairs.forEach((p) => p.secretKey.free());
      stranger.secretKey.free();
      return result;
    });
    assert.deepEqual(out, {
      size: 13 + 3 * 1184 + 32,
      ids: 3,
      same: true,
      tamper: 'DECRYPTION_FAILED',
      stranger: 'NO_MATCHING_KEY',
      badKey: 'INVALID_ARGUMENT',
      again: 32,
    });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
