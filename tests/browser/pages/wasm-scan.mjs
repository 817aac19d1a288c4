// Test pages' scanner of Wasm memory (secret-hygiene.test.mjs): the offset of
// `needle` in `memory` (a WebAssembly.Memory or a byte view), -1 if absent.
export function findIn(memory, needle) {
  const m = memory instanceof Uint8Array ? memory : new Uint8Array(memory.buffer);
  const n = needle instanceof Uint8Array ? needle : new Uint8Array(needle);
  outer: for (let i = m.indexOf(n[0]); i !== -1 && i <= m.length - n.length; i = m.indexOf(n[0], i + 1)) {
    for (let j = 1; j < n.length; j++) if (m[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}
