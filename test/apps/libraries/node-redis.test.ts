// node-redis (the `redis` package) over tlskit against a real redis-server with TLS only.
// node-redis calls node:tls's connect itself and has no hook for it, so tlskit stands in for
// node:tls's functions (useTlskitAsNodeTls, as docs/node-compat.md shows).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodeTls from 'node:tls';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { TLSSocket } from '../../../src/index.js';
import { loadLibrary, serverMissing, startRedisTls, startSilentPeer, useTlskitAsNodeTls, type RunningServer } from '../helpers/libraries.js';
import { withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const redisLib = await loadLibrary('redis');
const skip = redisLib.missing || serverMissing('redis-server', 'redis-server');

describe("node-redis over tlskit (in node:tls's place), redis-server with TLS", { skip }, () => {
  let server: RunningServer;
  let restore: () => void;
  before(async () => {
    server = await startRedisTls({ certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem });
    restore = useTlskitAsNodeTls();
  });
  after(async () => {
    restore?.();
    await server?.stop();
  });

  const client = (port: number, socket: Record<string, unknown>) =>
    redisLib.lib!.createClient({ socket: { host: '127.0.0.1', port, tls: true, reconnectStrategy: false, ...socket } });

  test('SET and GET over TLS; the socket node-redis got is a verified tlskit TLSSocket', async () => {
    // Watch what node:tls's connect (tlskit's here) hands node-redis.
    const made: unknown[] = [];
    const swapped = nodeTls.connect;
    nodeTls.connect = ((...args: Parameters<typeof nodeTls.connect>) => {
      const socket = swapped(...args);
      made.push(socket);
      return socket;
    }) as typeof nodeTls.connect;
    const redis = client(server.port, { ca: pki.caPem });
    try {
      await withTimeout(redis.connect(), 10_000, 'node-redis connect');
      assert.equal(await redis.set('tlskit', 'over node-redis'), 'OK');
      assert.equal(await redis.get('tlskit'), 'over node-redis');
      assert.equal(made.length, 1);
      assert.ok(made[0] instanceof TLSSocket);
      assert.equal(made[0].authorized, true);
    } finally {
      nodeTls.connect = swapped;
      await redis.quit().catch(() => redis.disconnect().catch(() => undefined));
    }
  });

  test('a server certificate from another CA: connect() fails with a clear error (unknown_ca)', async () => {
    const redis = client(server.port, { ca: createTestPki().caPem });
    redis.on('error', () => undefined);
    await assert.rejects(withTimeout(redis.connect(), 10_000, 'node-redis connect'), (err: Error & { alert?: string }) => {
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer/);
      return true;
    });
  });

  test("bad CA: node's code", async () => {
    const redis = client(server.port, { ca: createTestPki().caPem });
    redis.on('error', () => undefined);
    await assert.rejects(withTimeout(redis.connect(), 10_000, 'node-redis connect'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }); // redis-server sends its CA file's root too
  });

  test('a server that accepts TCP and never answers: connectTimeout fires and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    const redis = client(silent.port, { ca: pki.caPem, connectTimeout: 300 });
    redis.on('error', () => undefined);
    try {
      await assert.rejects(withTimeout(redis.connect(), 5_000, 'node-redis connect'), /timeout/i);
      await silent.closedByClient(3_000);
    } finally {
      await silent.close();
    }
  });
});
