// signet-crypto/embed: the embedder SDK. Plain JS, no Wasm: a mini app or portal
// embeds the Signet crypto frame (another origin, which holds the official's keys) and
// asks it for OpenPGP work over a MessageChannel. Secrets never come here: decrypt and
// sign need the user's consent in a Signet window, `showDecrypted` and `renderForm`
// keep plaintext inside the frame. docs/embedding.md.

const CONNECT_TIMEOUT_MS = 20_000;

function embedError(code, message) {
  const e = new Error(message);
  e.name = 'SignetError';
  e.code = code;
  return e;
}

/**
 * Embeds the crypto frame at `frameUrl` (in `container`, default `document.body`) and
 * resolves with a client once the frame accepted this page's origin.
 * @param {{ frameUrl: string | URL, container?: Element, timeout?: number }} options
 */
export function connect({ frameUrl, container = document.body, timeout = CONNECT_TIMEOUT_MS } = {}) {
  let url;
  try {
    url = new URL(frameUrl);
  } catch {
    return Promise.reject(embedError('INVALID_ARGUMENT', 'frameUrl: an absolute URL'));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(embedError('INVALID_ARGUMENT', 'frameUrl: http(s) only'));
  const frameOrigin = url.origin;
  const iframe = document.createElement('iframe');
  iframe.src = url.href;
  iframe.title = 'Signet';
  iframe.className = 'signet-frame';
  iframe.style.cssText = 'width:100%;height:360px;border:1px solid #c8d2e0;border-radius:6px';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      window.removeEventListener('message', hello);
      iframe.remove();
      reject(embedError('UNAVAILABLE', `the Signet frame at ${frameOrigin} did not accept this origin`));
    }, timeout);
    // The frame says hello to its parent once it runs (to allow-listed origins only); the
    // port goes back to that window and origin alone.
    const hello = (event) => {
      if (event.source !== iframe.contentWindow || event.origin !== frameOrigin || event.data?.signet !== 'hello') return;
      window.removeEventListener('message', hello);
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = ({ data }) => {
        if (data?.signet !== 'ready' || data.v !== 1) return;
        clearTimeout(timer);
        resolve(new EmbedClient(iframe, port1));
      };
      iframe.contentWindow.postMessage({ signet: 'connect', v: 1 }, frameOrigin, [port2]);
    };
    window.addEventListener('message', hello);
    container.append(iframe);
  });
}

/** A connection to the crypto frame. Every method returns a Promise; errors carry `code`. */
class EmbedClient {
  #port;
  #next = 0;
  #pending = new Map();

  constructor(frame, port) {
    /** The frame's <iframe> element, to place and size (it must stay fully visible). */
    this.frame = frame;
    this.#port = port;
    port.onmessage = ({ data }) => {
      const p = this.#pending.get(data?.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(embedError(String(data.error?.code ?? 'INTERNAL'), String(data.error?.message ?? '')));
    };
  }

  #request(op, args) {
    if (!this.#port) return Promise.reject(embedError('UNAVAILABLE', 'the connection is closed'));
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#port.postMessage({ id, op, args });
      } catch (err) {
        this.#pending.delete(id);
        reject(embedError('INVALID_ARGUMENT', `cannot send: ${err?.message ?? err}`));
      }
    });
  }

  /** The official's public keys the frame knows: [{ fingerprint, userIds, algorithm, isPostQuantum, publicKey }]. */
  listPublicKeys() { return this.#request('listPublicKeys', {}); }
  /** Encrypts `data` (string, Uint8Array, or a Blob/File, streamed) to armored public keys. */
  encrypt(options) { return this.#request('encrypt', options); }
  /** Checks a signature or signed message against armored public keys. */
  verify(options) { return this.#request('verify', options); }
  /** Decrypts and returns the plaintext to this page: needs the user's consent to hand it over. */
  decrypt(options) { return this.#request('decrypt', options); }
  /** Signs with the official's key, after the user's consent. */
  sign(options) { return this.#request('sign', options); }
  /** Decrypts and shows the plaintext inside the frame only; resolves with { shown, size, signatures }. */
  showDecrypted(options) { return this.#request('showDecrypted', options); }
  /** Shows a form in the frame; resolves with { message } (ciphertext only) when the user submits. */
  renderForm(options) { return this.#request('renderForm', options); }

  /** Ends the connection and removes the frame; pending requests fail with UNAVAILABLE. */
  close() {
    this.#port?.close();
    this.#port = null;
    this.frame.remove();
    for (const p of this.#pending.values()) p.reject(embedError('UNAVAILABLE', 'the connection was closed'));
    this.#pending.clear();
  }
}
