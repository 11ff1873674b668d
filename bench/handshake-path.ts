// The engine's handshakes alone, in one process and without sockets: CPU milliseconds per full
// handshake on each side (ClientHello to the client's Finished, the server's ticket included), for
// changes to the handshake path that socket noise would hide. Best of several rounds.
// Usage: npm run bench:handshakes [-- --cert ecdsa|rsa] [--group X25519] [--count 200] [--rounds 5]
import { readFileSync } from 'node:fs';
import { createClientConnection, createServerConnection, nodeCryptoProvider, resolveClientOptions, resolveServerOptions } from '../src/index.js';
import type { Connection } from '../src/engine/connection.js';
import { mintCertificates, removeCertificates } from './certs.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const cert = option('--cert', 'ecdsa') as 'ecdsa' | 'rsa';
const group = option('--group', 'X25519');
const count = Number(option('--count', '200'));
const rounds = Number(option('--rounds', '5'));

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const certs = mintCertificates();
try {
  const pem = (p: string): string => readFileSync(p, 'utf8');
  const common = { ecdhCurve: group, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;
  const server = resolveServerOptions({ ...common, key: pem(certs[cert].key), cert: pem(certs[cert].cert) }, nodeCryptoProvider);
  const client = resolveClientOptions({ ...common, ca: pem(certs.ca), servername: 'localhost' }, nodeCryptoProvider);
  const spent = { client: 0, server: 0 };
  const timed = (side: 'client' | 'server', f: () => void): void => {
    const t0 = cpuUs();
    f();
    spent[side] += cpuUs() - t0;
  };
  const handshake = (): void => {
    let c: Connection | undefined;
    let s: Connection | undefined;
    timed('client', () => (c = createClientConnection(client)));
    timed('server', () => (s = createServerConnection(server)));
    for (let flight = 0; flight < 10; flight++) {
      const toServer = c!.takeOutput();
      const toClient = s!.takeOutput();
      if (toServer.length === 0 && toClient.length === 0) break;
      timed('server', () => toServer.forEach((b) => s!.receive(b)));
      timed('client', () => toClient.forEach((b) => c!.receive(b)));
    }
    if (!c!.isConnected || !s!.isConnected) throw new Error(`handshake failed: ${c!.error?.message ?? s!.error?.message}`);
  };
  const best = { client: Infinity, server: Infinity };
  for (let round = 0; round <= rounds; round++) {
    spent.client = 0;
    spent.server = 0;
    for (let i = 0; i < count; i++) handshake();
    if (round === 0) continue; // warm-up
    best.client = Math.min(best.client, spent.client / count / 1000);
    best.server = Math.min(best.server, spent.server / count / 1000);
  }
  console.log(`TLS 1.3 ${group} + ${cert === 'rsa' ? 'RSA-2048' : 'ECDSA P-256'}, ${count} handshakes, best of ${rounds} rounds (node ${process.version})`);
  console.log(`  client  ${best.client.toFixed(3)} ms CPU per handshake`);
  console.log(`  server  ${best.server.toFixed(3)} ms CPU per handshake`);
} finally {
  removeCertificates(certs);
}
