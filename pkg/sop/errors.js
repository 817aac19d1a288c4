// Exit codes of the Stateless OpenPGP CLI (draft-dkg-openpgp-stateless-cli-16,
// "Failure Modes"), and how the package's error codes map onto them.

export const EXIT = Object.freeze({
  OK: 0,
  UNSPECIFIED_FAILURE: 1,
  NO_SIGNATURE: 3,
  UNSUPPORTED_ASYMMETRIC_ALGO: 13,
  CERT_CANNOT_ENCRYPT: 17,
  MISSING_ARG: 19,
  INCOMPLETE_VERIFICATION: 23,
  CANNOT_DECRYPT: 29,
  PASSWORD_NOT_HUMAN_READABLE: 31,
  UNSUPPORTED_OPTION: 37,
  BAD_DATA: 41,
  EXPECTED_TEXT: 53,
  OUTPUT_EXISTS: 59,
  MISSING_INPUT: 61,
  KEY_IS_PROTECTED: 67,
  UNSUPPORTED_SUBCOMMAND: 69,
  UNSUPPORTED_SPECIAL_PREFIX: 71,
  AMBIGUOUS_INPUT: 73,
  KEY_CANNOT_SIGN: 79,
  INCOMPATIBLE_OPTIONS: 83,
  UNSUPPORTED_PROFILE: 89,
});

/** A failure with its SOP name; `exit` is the process exit code. */
export class SopError extends Error {
  constructor(name, message) {
    super(message);
    if (!(name in EXIT)) throw new Error(`internal: unknown SOP failure ${name}`);
    this.name = 'SopError';
    this.sop = name;
    this.exit = EXIT[name];
  }
}

/**
 * The SOP failure for a package error (`err.code`), given what was being
 * done: `role` is "key" (unlocking/using KEYS), "cert" (reading CERTS for
 * encryption), "sign", "decrypt" or "data".
 */
export function fromPackage(e, role) {
  if (e instanceof SopError) return e;
  const msg = e?.message ?? String(e);
  switch (e?.code) {
    case 'BAD_PASSPHRASE':
      return new SopError(role === 'decrypt' ? 'CANNOT_DECRYPT' : 'KEY_IS_PROTECTED', msg);
    case 'DECRYPTION_FAILED':
    case 'NO_MATCHING_KEY':
      return new SopError(role === 'decrypt' ? 'CANNOT_DECRYPT' : 'BAD_DATA', msg);
    case 'KEY_UNUSABLE':
      if (role === 'cert') return new SopError('CERT_CANNOT_ENCRYPT', msg);
      if (role === 'sign') return new SopError('KEY_CANNOT_SIGN', msg);
      return new SopError('BAD_DATA', msg);
    case 'UNSUPPORTED':
      return new SopError(role === 'cert' ? 'UNSUPPORTED_ASYMMETRIC_ALGO' : 'BAD_DATA', msg);
    case 'MALFORMED_INPUT':
      return new SopError('BAD_DATA', msg);
    default:
      return new SopError('UNSPECIFIED_FAILURE', e?.code ? `${e.code}: ${msg}` : msg);
  }
}
