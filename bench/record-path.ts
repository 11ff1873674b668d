// The engine's record path alone, in one process and without sockets: µs per record (16 KiB) to
// protect (write + takeOutput) and to open (receive, bytes cut as TCP might deliver them), next to
// the floor set by the crypto provider (one AEAD call per record). Time is process CPU time, and
// the best of several rounds is reported: what a busy machine distorts least.
// Usage: npm run bench:records [-- --suite TLS_AES_128_GCM_SHA256] [--size 16384] [--read 65536] [--records 2048] [--rounds 9]
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClientConnection, createServerConnection, nodeCryptoProvider, resolveClientOptions, resolveServerOptions } from '../src/index.js';
import type { Connection } from '../src/engine/connection.js';
import { mintCertificates, removeCertificates } from './certs.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const suite = option('--suite', 'TLS_AES_128_GCM_SHA256');
const records = Number(option('--records', '2048'));
const rounds = Number(option('--rounds', '9'));
const RECORD = Number(option('--size', String(16 * 1024)));
/** How the receiver is fed: reads of this size, not aligned to records. */
const READ = Number(option('--read', String(64 * 1024)));

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function pump(a: Connection, b: Connection): void {
  for (let i = 0; i < 50; i++) {
    const x = a.takeOutput();
    const y = b.takeOutput();
    if (x.length === 0 && y.length === 0) return;
    for (const c of x) b.receive(c);
    for (const c of y) a.receive(c);
  }
}

function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

const certs = mintCertificates();
try {
  const pem = (p: string): string => readFileSync(p, 'utf8');
  const version = suite.startsWith('TLS_') && !suite.includes('_WITH_') ? 'TLSv1.3' : 'TLSv1.2';
  const common = { ciphers: suite, minVersion: version, maxVersion: version } as const;
  const server = resolveServerOptions({ ...common, key: pem(certs.rsa.key), cert: pem(certs.rsa.cert) }, nodeCryptoProvider);
  const client = resolveClientOptions({ ...common, ca: pem(certs.ca), servername: 'localhost' }, nodeCryptoProvider);
  let received = 0;
  const pair = (): { c: Connection; s: Connection } => {
    const c = createClientConnection(client, { error: (e) => console.error('client', e) });
    const s = createServerConnection(server, { data: (d) => (received += d.length), error: (e) => console.error('server', e) });
    pump(c, s);
    if (!c.isConnected || !s.isConnected) throw new Error('handshake did not complete');
    return { c, s };
  };
  // One pair protects without delivering (its server falls behind: never read); the other carries bytes.
  const sealer = pair().c;
  const { c, s } = pair();
  const payload = Buffer.alloc(RECORD, 0x61);

  // Protect: output dropped as it comes, as a socket would take it. Then the bytes to open.
  const seal = (): number => {
    const t0 = cpuUs();
    for (let i = 0; i < records; i++) {
      sealer.write(payload);
      sealer.takeOutput();
    }
    return cpuUs() - t0;
  };
  const wireFor = (): Buffer => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < records; i++) {
      c.write(payload);
      for (const chunk of c.takeOutput()) out.push(chunk);
    }
    return concat(out);
  };
  const open = (wire: Buffer): number => {
    const reads: Buffer[] = [];
    for (let at = 0; at < wire.length; at += READ) reads.push(Buffer.from(wire.subarray(at, at + READ)));
    received = 0;
    const t0 = cpuUs();
    for (const r of reads) s.receive(r);
    const us = cpuUs() - t0;
    if (received !== records * RECORD) throw new Error(`received ${received} of ${records * RECORD} bytes`);
    return us;
  };
  // The floor: one createCipheriv/createDecipheriv per record, as the node provider must.
  const aead = (c.info.cipherSuite?.aead ?? 'aes-128-gcm') as crypto.CipherGCMTypes;
  const key = crypto.randomBytes(aead === 'aes-128-gcm' ? 16 : 32);
  const iv = crypto.randomBytes(12);
  const header = Buffer.alloc(5);
  const floor = (): { seal: number; open: number } => {
    const sealed: { ct: Buffer; tag: Buffer }[] = [];
    let t0 = cpuUs();
    for (let i = 0; i < records; i++) {
      const ci = crypto.createCipheriv(aead, key, iv, { authTagLength: 16 });
      ci.setAAD(header);
      const ct = ci.update(payload);
      ci.final();
      sealed.push({ ct, tag: ci.getAuthTag() });
    }
    const sealUs = cpuUs() - t0;
    t0 = cpuUs();
    for (const { ct, tag } of sealed) {
      const de = crypto.createDecipheriv(aead, key, iv, { authTagLength: 16 });
      de.setAAD(header);
      de.setAuthTag(tag);
      de.update(ct);
      de.final();
    }
    return { seal: sealUs, open: cpuUs() - t0 };
  };

  const best = { seal: Infinity, open: Infinity, floorSeal: Infinity, floorOpen: Infinity };
  for (let round = 0; round < rounds + 1; round++) {
    const us = seal();
    const openUs = open(wireFor());
    const f = floor();
    if (round === 0) continue; // warm-up
    best.seal = Math.min(best.seal, us / records);
    best.open = Math.min(best.open, openUs / records);
    best.floorSeal = Math.min(best.floorSeal, f.seal / records);
    best.floorOpen = Math.min(best.floorOpen, f.open / records);
  }
  const mibps = (usPerRecord: number): string => `${(RECORD / 2 ** 20 / (usPerRecord / 1e6)).toFixed(RECORD < 1024 ? 2 : 0).padStart(5)} MiB/s`;
  console.log(`${suite}, ${records} records of ${RECORD} bytes, best of ${rounds} rounds (node ${process.version})`);
  console.log(`  protect (write + takeOutput)  ${best.seal.toFixed(2).padStart(7)} µs/record  ${mibps(best.seal)}`);
  console.log(`  open (receive, ${READ}-byte reads)  ${best.open.toFixed(2).padStart(7)} µs/record  ${mibps(best.open)}`);
  console.log(`  floor: createCipheriv+update  ${best.floorSeal.toFixed(2).padStart(7)} µs/record  ${mibps(best.floorSeal)}`);
  console.log(`  floor: createDecipheriv+update${best.floorOpen.toFixed(2).padStart(7)} µs/record  ${mibps(best.floorOpen)}`);
} finally {
  removeCertificates(certs);
}
