// TLSSocket._writev: writes that queue up (corked, or while the transport is busy) leave joined,
// in order, in as few records as fit; large writes pass through unjoined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from '../../src/index.js';
import { pinnedVerifier, testIdentity } from '../helpers/engine-pki.js';

async function pair(): Promise<{ client: TLSSocket; received: () => Buffer; dataEvents: () => number; close: () => void }> {
  const id = testIdentity('ec');
  const chunks: Buffer[] = [];
  const server = createServer({ key: id.keyPem, cert: id.certPem }, (s) => {
    s.on('data', (d: Buffer) => chunks.push(d));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', verifier: pinnedVerifier(id.certDer) });
  return {
    client,
    received: () => Buffer.concat(chunks),
    dataEvents: () => chunks.length,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'timed out');
}

test('64 corked writes of 128 bytes arrive in order, in one record', async () => {
  const p = await pair();
  try {
    await once(p.client, 'secureConnect');
    const pieces = Array.from({ length: 64 }, (_, i) => Buffer.alloc(128, i));
    p.client.cork();
    for (const piece of pieces) p.client.write(piece);
    p.client.uncork();
    const expected = Buffer.concat(pieces);
    await until(() => p.received().length >= expected.length);
    assert.deepEqual(p.received(), expected);
    assert.equal(p.dataEvents(), 1); // tlskit delivers one 'data' per record
  } finally {
    p.close();
  }
});

test('queued small and large writes keep their order; records stay within 2^14 bytes', async () => {
  const p = await pair();
  try {
    await once(p.client, 'secureConnect');
    const pieces = [
      Buffer.alloc(3000, 1),
      Buffer.alloc(3000, 2),
      Buffer.alloc(40_000, 3),
      Buffer.alloc(10, 4),
      ...Array.from({ length: 30 }, (_, i) => Buffer.alloc(1000, 5 + i)),
    ];
    p.client.cork();
    for (const piece of pieces) p.client.write(piece);
    p.client.uncork();
    const expected = Buffer.concat(pieces);
    await until(() => p.received().length >= expected.length);
    assert.deepEqual(p.received(), expected);
  } finally {
    p.close();
  }
});

test('writes queued before the handshake completes arrive intact', async () => {
  const p = await pair();
  try {
    const pieces = Array.from({ length: 20 }, (_, i) => Buffer.alloc(500, i + 1));
    for (const piece of pieces) p.client.write(piece); // the first waits for the handshake, the rest queue behind it
    const expected = Buffer.concat(pieces);
    await until(() => p.received().length >= expected.length);
    assert.deepEqual(p.received(), expected);
  } finally {
    p.close();
  }
});
