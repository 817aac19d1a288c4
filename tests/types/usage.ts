// Compiled with `tsc --noEmit` against the generated declarations: if a binding's
// types drift from the documented contract, this stops compiling.
import {
  init, getVersion, errorCodes, type SignetErrorCode, type VersionInfo,
  generateWrapKeyPair, importWrapSecretKey, wrapKey, unwrapKey, envelopeRecipients, WrapSecretKey,
  NoteVault, type Note, type NoteSummary, type NoteVaultSlot, type NoteVaultWebAuthn,
  unlockKey, readKey, revokeKey, type RevokeKeyOptions, type KeyInfo,
  encrypt, type EncryptedWithSessionKey,
  decryptStream, encryptStream, type StreamProgress, type PrivateKey,
} from 'signet-crypto';

export async function foundation(): Promise<void> {
  await init();
  const v: VersionInfo = getVersion();
  const codes: string[] = errorCodes();
  const code: SignetErrorCode = 'DECRYPTION_FAILED';
  const wasmHash: string | null = v.wasmSha384;
  console.log(v.package, codes.length, code, wasmHash);
}

export function wrap(): Uint8Array {
  const { publicKey, secretKey } = generateWrapKeyPair();
  const pk: Uint8Array = publicKey;
  const sk: WrapSecretKey = secretKey;
  const envelope: Uint8Array = wrapKey({ key: new Uint8Array(32), recipients: [pk] });
  const ids: string[] = envelopeRecipients(envelope);
  const key: Uint8Array = unwrapKey({ envelope, secretKey: sk });
  const exported: Uint8Array = sk.exportProtected('a passphrase');
  const again: WrapSecretKey = importWrapSecretKey(exported, 'a passphrase');
  again.free();
  console.log(ids, key);
  return envelope;
}

export async function notes(other: WrapSecretKey, otherPublic: Uint8Array): Promise<void> {
  const vault: NoteVault = await NoteVault.create({ name: 'n', passphrase: 'p', storage: 'memory' });
  const id: string = await vault.put({ title: 't', body: 'b', tags: ['x'] });
  const note: Note | undefined = vault.get(id) ?? undefined;
  const all: NoteSummary[] = vault.list();
  const hits: NoteSummary[] = vault.search('t');
  const inBodies: NoteSummary[] = vault.search('t', { bodies: true });
  await vault.changePassphrase('p', 'q');
  await vault.rotateKeys();
  const vaultId: string = vault.vaultId;
  const counter: number = vault.manifestCounter;
  const backup: Uint8Array = await vault.exportBackup();
  const shared: Uint8Array = vault.shareNote(id, otherPublic);
  const newId: string = await vault.acceptSharedNote(shared, other);
  await vault.delete(id);
  vault.lock();
  const reopened: NoteVault = await NoteVault.open({ name: 'n', passphrase: 'q', storage: 'memory', expectedVaultId: vaultId, minManifestCounter: counter });
  const restored: NoteVault = await NoteVault.importBackup({ backup, passphrase: 'q', name: 'm', storage: 'memory', expectedVaultId: vaultId, minManifestCounter: counter });
  console.log(note, all, hits, inBodies, newId, reopened, restored);
}

export async function slots(vault: NoteVault, office: WrapSecretKey, officePublic: Uint8Array): Promise<void> {
  const code: string = await vault.addRecoveryCode({ label: 'giấy' });
  const passkeyId: string = await vault.addPasskey({ label: 'điện thoại', timeoutMs: 60000 });
  const escrowId: string = await vault.addEscrow({ publicKey: officePublic, label: 'Sở' });
  const list: NoteVaultSlot[] = vault.slots();
  const kinds: ('passphrase' | 'recoveryCode' | 'passkey' | 'escrow')[] = list.map((s) => s.kind);
  const who: string | undefined = list[2].wrapPublicKeyId;
  await vault.removeSlot(passkeyId);
  const byCode: NoteVault = await NoteVault.open({ name: 'n', recoveryCode: code });
  await byCode.setPassphrase('mới');
  const byPasskey: NoteVault = await NoteVault.open({ name: 'n', passkey: true });
  // A worker's ceremony run by its page: the credential's cloneable parts come back.
  const relay: NoteVaultWebAuthn = {
    create: async ({ publicKey, signal }) => {
      const c = (await navigator.credentials.create({ publicKey, signal })) as PublicKeyCredential;
      return { rawId: c.rawId, clientExtensionResults: { prf: c.getClientExtensionResults().prf } };
    },
    get: async ({ publicKey, signal }) => (await navigator.credentials.get({ publicKey, signal })) as PublicKeyCredential,
  };
  await vault.addPasskey({ webauthn: relay, timeoutMs: 30000 });
  (await NoteVault.open({ name: 'n', passkey: true, webauthn: relay, timeoutMs: 30000 })).free();
  const byOffice: NoteVault = await NoteVault.open({ name: 'n', escrowSecretKey: office });
  console.log(escrowId, kinds, who, byPasskey, byOffice);
}

export async function revoke(armoredPrivateKey: string): Promise<boolean> {
  const key = await unlockKey(armoredPrivateKey, undefined, {}); // (the generated type wants all three)
  const options: RevokeKeyOptions = { reason: 'superseded', description: 'khóa mới' };
  const cert: string = await revokeKey(key, options);
  const plain: string = await revokeKey(key);
  const info: KeyInfo = await readKey(cert);
  const legacy: KeyInfo = await readKey(cert, { limits: { minRsaBits: 1024 } });
  key.free();
  return info.revoked && legacy.revoked && plain.length > 0;
}

export async function sessionKeyOut(cert: string): Promise<number> {
  const plain: string | Uint8Array = await encrypt({ data: 'x', encryptionKeys: [cert] });
  const r: EncryptedWithSessionKey = await encrypt({ data: 'x', encryptionKeys: [cert], sessionKeyOut: true });
  const sk: Uint8Array = r.sessionKey;
  const m: string | Uint8Array = r.message;
  return plain.length + sk.length + m.length;
}

/** decryptStream reads a File/Blob, a Node path or URL, or a factory (two passes for SEIPDv1). */
export async function twoPass(file: Blob, path: string, body: () => Promise<ReadableStream<Uint8Array>>): Promise<void> {
  const phases: string[] = [];
  const onProgress = (p: StreamProgress) => { phases.push(`${p.phase}:${p.pass}:${p.total ?? 0}`); };
  await decryptStream({ message: file, passwords: ['pw'], onProgress, limits: { maxMessageSize: 1 << 20 } });
  await decryptStream({ message: path, passwords: ['pw'] });
  await decryptStream({ message: new URL('file:///tmp/m.gpg'), passwords: ['pw'] });
  await decryptStream({ message: body, passwords: ['pw'] });
}

/** Signed streams: signingKeys on encryptStream, the verdict on decryptStream's result. */
export async function signedStreams(data: ReadableStream<Uint8Array>, key: PrivateKey, cert: string): Promise<boolean> {
  const ct = await encryptStream({ data, encryptionKeys: [cert], signingKeys: [key] });
  const out = await decryptStream({ message: ct, decryptionKeys: [key], verificationKeys: [cert],
    onProgress: (p) => { if (p.phase === 'done') void p.signatures?.length; } });
  const sigs = await out.signatures;
  return sigs.every((s) => s.valid);
}
