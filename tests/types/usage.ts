// Compiled with `tsc --noEmit` against the generated declarations: if a binding's
// types drift from how the API is documented, this stops compiling.
import { init, getVersion, errorCodes, type SignetErrorCode, type VersionInfo } from 'signet-crypto';

export async function main(): Promise<void> {
  await init();
  const v: VersionInfo = getVersion();
  const pkg: string = v.package;
  const codes: string[] = errorCodes();
  const code: SignetErrorCode = 'DECRYPTION_FAILED';
  console.log(pkg, codes.length, code);
}
