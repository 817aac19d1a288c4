// The Node entries' loader (node.js, notes-node.js): reads a .wasm beside the entry
// and instantiates it synchronously, so importing the entry is enough.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { requireWasmSimd } from './load.js';

/** Instantiates the Wasm at `url` through the glue's `initSync`; returns its SHA-384 (SRI form). */
export function loadSync(initSync, url) {
  requireWasmSimd();
  const bytes = readFileSync(url);
  initSync({ module: bytes });
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}
