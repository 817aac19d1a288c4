// signet-crypto/embed's declarations against the documented contract (docs/embedding.md).
import { connect, type EmbedClient, type EmbedErrorCode, type FormSchema } from 'signet-crypto/embed';

export async function embed(container: Element, file: File): Promise<void> {
  const client: EmbedClient = await connect({ frameUrl: 'https://signet.example/frame.html', container, timeout: 5000 });
  const keys = await client.listPublicKeys();
  const encryptionKeys: string[] = keys.filter((k) => k.isPostQuantum).map((k) => k.publicKey);
  const big: Blob = await client.encrypt({ data: file, encryptionKeys });
  const small = await client.encrypt({ data: 'x', encryptionKeys, armor: true });
  const { valid } = await client.verify({ message: small as string, verificationKeys: encryptionKeys });
  const shown: true = (await client.showDecrypted({ message: big, name: 'a.pdf' })).shown;
  const { data } = await client.decrypt({ message: small as string });
  const sig: string | Uint8Array = await client.sign({ data: 'x', detached: true });
  const form: FormSchema = { title: 'T', fields: [{ name: 'a', label: 'A', type: 'choice', options: ['x'] }] };
  const { message }: { message: Uint8Array } = await client.renderForm({ form, encryptionKeys });
  const code: EmbedErrorCode = 'DENIED';
  client.frame.style.height = '400px';
  client.close();
  console.log(valid, shown, data, sig, message, code);
}
