// What the crypto frame accepts from an embedder: every message on the port is checked
// here before anything acts on it, and anything else is refused with INVALID_ARGUMENT.
// The limits of the embedding protocol live here and nowhere else.

/** Caps (bytes or counts) on what an embedder may send. */
export const LIMITS = {
  /** A string or byte array given inline (the package's one-shot cap). */
  inline: 256 * 1024 * 1024,
  /** A Blob/File given for streaming. */
  blob: 4 * 1024 * 1024 * 1024,
  /** Armored public keys per request, and the size of each. */
  keys: 32,
  keySize: 256 * 1024,
  /** A display name (file name, form title, field label). */
  name: 256,
  /** Form fields, choices per field, and the total of a submission's attachments. */
  fields: 64,
  choices: 64,
  formFiles: 64 * 1024 * 1024,
  /** A typed form answer. */
  answer: 64 * 1024,
};

/** Errors keep the package's codes; these are the frame's own (docs/embedding.md). */
export function embedError(code, message) {
  return Object.assign(new Error(message), { code });
}
const bad = (message) => embedError('INVALID_ARGUMENT', message);

const isPlain = (v) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

function name(v, what) {
  if (typeof v !== 'string' || !v.length || v.length > LIMITS.name || /[\u0000-\u001f\u007f]/.test(v)) {
    throw bad(`${what}: a string of 1..${LIMITS.name} printable characters`);
  }
  return v;
}

const TYPES = {
  bool: (v, what) => {
    if (typeof v !== 'boolean') throw bad(`${what}: a boolean`);
    return v;
  },
  name,
  /** Inline data: a string or a Uint8Array. */
  data: (v, what) => {
    if (typeof v === 'string') {
      if (v.length > LIMITS.inline) throw embedError('LIMIT_EXCEEDED', `${what}: over ${LIMITS.inline} characters`);
      return v;
    }
    if (v instanceof Uint8Array) {
      if (v.length > LIMITS.inline) throw embedError('LIMIT_EXCEEDED', `${what}: over ${LIMITS.inline} bytes`);
      return v;
    }
    throw bad(`${what}: a string or a Uint8Array`);
  },
  /** Inline data, or a Blob/File streamed through the package's streams. */
  stream: (v, what) => {
    if (v instanceof Blob) {
      if (v.size > LIMITS.blob) throw embedError('LIMIT_EXCEEDED', `${what}: over ${LIMITS.blob} bytes`);
      return v;
    }
    return TYPES.data(v, what);
  },
  keys: (v, what) => {
    if (!Array.isArray(v) || !v.length || v.length > LIMITS.keys) throw bad(`${what}: an array of 1..${LIMITS.keys} armored keys`);
    for (const k of v) {
      if (typeof k !== 'string' || !k.length || k.length > LIMITS.keySize) throw bad(`${what}: armored keys of at most ${LIMITS.keySize} characters`);
    }
    return v;
  },
  form: (v, what) => checkForm(v, what),
};

/** Each operation's arguments: name -> [type, required]. */
export const OPS = {
  listPublicKeys: {},
  encrypt: { data: ['stream', true], encryptionKeys: ['keys', true], armor: ['bool', false] },
  verify: { data: ['data', false], signature: ['data', false], message: ['data', false], verificationKeys: ['keys', true] },
  decrypt: { message: ['stream', true], name: ['name', false] },
  showDecrypted: { message: ['stream', true], name: ['name', false] },
  sign: { data: ['data', true], name: ['name', false], detached: ['bool', false], armor: ['bool', false] },
  renderForm: { form: ['form', true], encryptionKeys: ['keys', true], allowClassical: ['bool', false] },
};

/** Operations that use a private key: consent first, never while the frame is hidden. */
export const SECRET_OPS = new Set(['decrypt', 'showDecrypted', 'sign']);

function checkArgs(op, args) {
  const spec = OPS[op];
  if (!isPlain(args)) throw bad('args: a plain object');
  for (const k of Object.keys(args)) if (!spec[k]) throw bad(`${op}: unknown option ${k}`);
  const out = {};
  for (const [k, [type, required]] of Object.entries(spec)) {
    if (args[k] === undefined) {
      if (required) throw bad(`${op}: ${k} is required`);
      continue;
    }
    out[k] = TYPES[type](args[k], `${op}.${k}`);
  }
  if (op === 'verify' && !out.signature && !out.message) throw bad('verify: signature or message is required');
  return out;
}

/**
 * A request envelope `{ id, op, args }`: `id` a safe integer above `lastId` (ids only
 * grow: a replayed or reordered message is refused), `op` one of OPS.
 */
export function checkRequest(msg, lastId) {
  if (!isPlain(msg)) throw bad('a request is a plain object { id, op, args }');
  for (const k of Object.keys(msg)) if (!['id', 'op', 'args'].includes(k)) throw bad(`unknown field ${k}`);
  const { id, op, args = {} } = msg;
  if (!Number.isSafeInteger(id) || id <= lastId) throw bad('id: an integer above every earlier id (no replay)');
  if (typeof op !== 'string' || !Object.hasOwn(OPS, op)) throw bad('op: unknown operation');
  return { id, op, args: checkArgs(op, args) };
}

const FIELD_TYPES = ['text', 'number', 'date', 'choice', 'file'];

/** A form schema (docs/form-format.md): { title, fields: [{ name, label, type, required?, options?, multiple? }] }. */
function checkForm(form, what) {
  if (!isPlain(form)) throw bad(`${what}: a plain object`);
  for (const k of Object.keys(form)) if (!['id', 'title', 'fields'].includes(k)) throw bad(`${what}: unknown field ${k}`);
  const out = { title: name(form.title, `${what}.title`), fields: [] };
  if (form.id !== undefined) out.id = name(form.id, `${what}.id`);
  if (!Array.isArray(form.fields) || !form.fields.length || form.fields.length > LIMITS.fields) {
    throw bad(`${what}.fields: an array of 1..${LIMITS.fields} fields`);
  }
  const seen = new Set();
  for (const [i, f] of form.fields.entries()) {
    const w = `${what}.fields[${i}]`;
    if (!isPlain(f)) throw bad(`${w}: a plain object`);
    for (const k of Object.keys(f)) if (!['name', 'label', 'type', 'required', 'options', 'multiple'].includes(k)) throw bad(`${w}: unknown field ${k}`);
    if (typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(f.name)) throw bad(`${w}.name: [A-Za-z][A-Za-z0-9_-]{0,63}`);
    if (seen.has(f.name)) throw bad(`${w}.name: duplicate`);
    seen.add(f.name);
    if (!FIELD_TYPES.includes(f.type)) throw bad(`${w}.type: one of ${FIELD_TYPES.join(', ')}`);
    const field = { name: f.name, label: name(f.label, `${w}.label`), type: f.type, required: false };
    if (f.required !== undefined) field.required = TYPES.bool(f.required, `${w}.required`);
    if (f.type === 'choice') {
      if (!Array.isArray(f.options) || !f.options.length || f.options.length > LIMITS.choices) throw bad(`${w}.options: 1..${LIMITS.choices} names`);
      field.options = f.options.map((o, j) => name(o, `${w}.options[${j}]`));
    } else if (f.options !== undefined) {
      throw bad(`${w}.options: only for choice fields`);
    }
    if (f.type === 'file' && f.multiple !== undefined) field.multiple = TYPES.bool(f.multiple, `${w}.multiple`);
    else if (f.multiple !== undefined) throw bad(`${w}.multiple: only for file fields`);
    out.fields.push(field);
  }
  return out;
}
