import * as s from 'signet-crypto';
const compat = await s.generateKey({ userIds: ['a <a@b.c>'], profile: 'compat' });
const key = await s.unlockKey(compat.privateKey);
const data = new Uint8Array(16 << 20).fill(3);
const m = await s.encrypt({ data, encryptionKeys: [compat.publicKey], armor: false });
for (let i = 0; i < 5; i++) await s.decrypt({ message: m, decryptionKeys: [key] });
const xs = [];
for (let i = 0; i < 30; i++) { const a = performance.now(); await s.decrypt({ message: m, decryptionKeys: [key] }); xs.push(performance.now() - a); }
xs.sort((a, b) => a - b); console.log('decrypt 16 MiB median', xs[15].toFixed(1));
