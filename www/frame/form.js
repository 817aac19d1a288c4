// The encrypted-form container (docs/form-format.md): what the crypto frame encrypts
// when a form is submitted, and what the web page's inbox reads after decrypting it.
//   plaintext = UTF-8 JSON manifest, one 0x0A byte, then each attached file's bytes
//               in the order of manifest.files (no padding, no separators)
export const FORMAT = 'signet-form/1';
/** A manifest larger than this is refused before parsing (it holds only short answers). */
export const MAX_MANIFEST = 8 * 1024 * 1024;

const malformed = (message) => Object.assign(new Error(`form container: ${message}`), { code: 'MALFORMED_INPUT' });

/**
 * The container's bytes for one submission.
 * @param {{ form: { id?: string, title: string }, origin: string, submitted: string,
 *           fields: { name: string, label: string, type: string, value: unknown }[],
 *           files: { field: string, file: Blob & { name?: string } }[] }} s
 */
export async function buildContainer({ form, origin, submitted, fields, files }) {
  const manifest = {
    format: FORMAT,
    form: form.id ? { id: form.id, title: form.title } : { title: form.title },
    origin,
    submitted,
    fields,
    files: files.map(({ field, file }) => ({ field, name: file.name || 'file', type: file.type || 'application/octet-stream', size: file.size })),
  };
  const head = new TextEncoder().encode(`${JSON.stringify(manifest)}\n`);
  const out = new Uint8Array(head.length + files.reduce((n, f) => n + f.file.size, 0));
  out.set(head);
  let off = head.length;
  for (const { file } of files) {
    out.set(new Uint8Array(await file.arrayBuffer()), off);
    off += file.size;
  }
  return out;
}

/** Reads a decrypted container: { manifest, files: [{ field, name, type, bytes }] }. */
export function parseContainer(bytes) {
  const nl = bytes.subarray(0, MAX_MANIFEST + 1).indexOf(0x0a);
  if (nl < 0) throw malformed('no manifest line (or one over the size cap)');
  let manifest;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, nl)));
  } catch {
    throw malformed('the manifest is not UTF-8 JSON');
  }
  if (manifest?.format !== FORMAT) throw malformed(`not ${FORMAT}`);
  if (!Array.isArray(manifest.fields) || !Array.isArray(manifest.files) || typeof manifest.form?.title !== 'string') {
    throw malformed('fields, files and form.title are required');
  }
  let off = nl + 1;
  const files = manifest.files.map((f) => {
    if (!Number.isSafeInteger(f?.size) || f.size < 0 || off + f.size > bytes.length) throw malformed('a file runs past the end');
    const part = { field: String(f.field), name: String(f.name), type: String(f.type), bytes: bytes.subarray(off, off + f.size) };
    off += f.size;
    return part;
  });
  if (off !== bytes.length) throw malformed('bytes after the last file');
  return { manifest, files };
}
