// The package's JS-side errors: an Error named SignetError with the stable `code`
// the Wasm functions give theirs (README's error table). A leaf module, so the
// stream modules and the OPFS spill share it without importing each other.

/** @internal An error with the package's `code`. Not part of the package's exports. */
export function signetError(code, message) {
  const e = new Error(message);
  e.name = 'SignetError';
  e.code = code;
  return e;
}
