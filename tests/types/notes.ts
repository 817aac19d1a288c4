// Types of the small entry `signet-crypto/notes` (tsc --noEmit, `make test-types`).
import { init, getVersion, errorCodes, generateWrapKeyPair, wrapKey, unwrapKey, NoteVault } from 'signet-crypto/notes';
import type { SignetErrorCode, VersionInfo } from 'signet-crypto/notes';

export async function notesEntry(): Promise<number> {
  await init();
  const v: VersionInfo = getVersion();
  const codes: string[] = errorCodes();
  const code: SignetErrorCode = 'LOCKED';
  const { publicKey, secretKey } = generateWrapKeyPair();
  const envelope: Uint8Array = wrapKey({ key: new Uint8Array(32), recipients: [publicKey] });
  const key: Uint8Array = unwrapKey({ envelope, secretKey });
  const vault = await NoteVault.create({ name: 'n', passphrase: 'p', storage: 'memory' });
  const id: string = await vault.put({ title: 't', body: 'b' });
  vault.free();
  return key.length + codes.length + v.package.length + id.length + code.length;
}
