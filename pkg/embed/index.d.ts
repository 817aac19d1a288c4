// Types of signet-crypto/embed (docs/embedding.md). Plain JS: no Wasm, no init().
import type { SignetErrorCode } from '../index.js';

/** The package's codes, and the frame's own: DENIED (the user refused, closed the consent
 *  window or did not answer), NOT_VISIBLE (the frame was hidden or too small when a secret
 *  operation was asked), UNAVAILABLE (no frame, or this origin is not on its allow-list). */
export type EmbedErrorCode = SignetErrorCode | "DENIED" | "NOT_VISIBLE" | "UNAVAILABLE";

export interface EmbedError extends Error {
  name: "SignetError";
  code: EmbedErrorCode;
}

export interface ConnectOptions {
  /** The crypto frame's page, e.g. "https://signet.example.gov.vn/frame.html". */
  frameUrl: string | URL;
  /** Where the <iframe> goes (default document.body). */
  container?: Element;
  /** Milliseconds to wait for the frame to accept this origin (default 20000). */
  timeout?: number;
}

export interface EmbedPublicKey {
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  isPostQuantum: boolean;
  /** Armored. */
  publicKey: string;
}

export interface EmbedSignature {
  fingerprint: string;
  valid: boolean;
  created: Date | null;
}

export interface EmbedEncryptOptions {
  /** A Blob or File streams through the package's streams; the result is then a Blob. */
  data: string | Uint8Array | Blob;
  /** Armored public keys. */
  encryptionKeys: string[];
  armor?: boolean;
}

export interface EmbedVerifyOptions {
  data?: string | Uint8Array;
  signature?: string | Uint8Array;
  message?: string | Uint8Array;
  verificationKeys: string[];
}

export interface EmbedDecryptOptions {
  message: string | Uint8Array | Blob;
  /** Shown to the user in the consent window. */
  name?: string;
}

export interface EmbedSignOptions {
  data: string | Uint8Array;
  name?: string;
  detached?: boolean;
  /** Default true. */
  armor?: boolean;
}

export type FormFieldType = "text" | "number" | "date" | "choice" | "file";

export interface FormField {
  /** [A-Za-z][A-Za-z0-9_-]{0,63}, unique in the form. */
  name: string;
  label: string;
  type: FormFieldType;
  required?: boolean;
  /** For "choice". */
  options?: string[];
  /** For "file". */
  multiple?: boolean;
}

export interface FormSchema {
  id?: string;
  title: string;
  fields: FormField[];
}

export interface RenderFormOptions {
  form: FormSchema;
  /** The agency's armored public keys: post-quantum unless allowClassical. */
  encryptionKeys: string[];
  allowClassical?: boolean;
}

export interface EmbedClient {
  /** The frame's <iframe>: place and size it; it must stay fully visible. */
  readonly frame: HTMLIFrameElement;
  listPublicKeys(): Promise<EmbedPublicKey[]>;
  encrypt(options: EmbedEncryptOptions & { data: Blob }): Promise<Blob>;
  encrypt(options: EmbedEncryptOptions): Promise<string | Uint8Array | Blob>;
  verify(options: EmbedVerifyOptions): Promise<{ valid: boolean; signatures: EmbedSignature[]; data: Uint8Array | null }>;
  /** Returns plaintext to the embedder: its own, explicit consent. */
  decrypt(options: EmbedDecryptOptions): Promise<{ data: Uint8Array | Blob; signatures: EmbedSignature[] | null }>;
  sign(options: EmbedSignOptions): Promise<string | Uint8Array>;
  /** Plaintext stays in the frame. */
  showDecrypted(options: EmbedDecryptOptions): Promise<{ shown: true; size: number; signatures: EmbedSignature[] | null }>;
  /** Resolves when the user submits: one OpenPGP message (docs/form-format.md). */
  renderForm(options: RenderFormOptions): Promise<{ message: Uint8Array }>;
  close(): void;
}

export function connect(options: ConnectOptions): Promise<EmbedClient>;
