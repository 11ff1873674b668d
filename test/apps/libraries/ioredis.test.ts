// ioredis over tlskit (its `Connector` option: IoRedisConnector) against a real redis-server with
// TLS only: commands run; a server that never answers trips connectTimeout and the socket is
// destroyed; a server certificate from another CA fails with a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { IoRedisConnector, TLSSocket } from '../../../src/index.js';
import { serverMissing, startRedisTls, startSilentPeer, type RunningServer } from '../helpers/libraries.js';
import { onceEvent, withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const quiet = { retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: true } as const;

describe('ioredis over tlskit (Connector: IoRedisConnector), redis-server with TLS', { skip: serverMissing('redis-server', 'redis-server') }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startRedisTls({ certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem });
  });
  after(() => server?.stop());

  test('SET and GET over TLS; the connection is a verified tlskit TLSSocket', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: server.port, tls: { ca: pki.caPem }, Connector: IoRedisConnector as never, ...quiet });
    try {
      assert.equal(await withTimeout(redis.set('tlskit', 'over ioredis'), 10_000, 'SET'), 'OK');
      assert.equal(await withTimeout(redis.get('tlskit'), 10_000, 'GET'), 'over ioredis');
      const stream = (redis as unknown as { stream: unknown }).stream;
      assert.ok(stream instanceof TLSSocket);
      assert.equal(stream.authorized, true);
      assert.equal(stream.getProtocol(), 'TLSv1.3');
    } finally {
      redis.disconnect();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca), no command runs', async () => {
    const other = createTestPki();
    const redis = new Redis({ host: '127.0.0.1', port: server.port, tls: { ca: other.caPem }, Connector: IoRedisConnector as never, ...quiet });
    try {
      const [err] = await onceEvent<[Error & { alert?: string }]>(redis, 'error', 'ioredis error');
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer/);
      await assert.rejects(redis.get('tlskit'));
    } finally {
      redis.disconnect();
    }
  });

  test("bad CA: node's code, and no 'connect' before the handshake failed", async () => {
    const other = createTestPki();
    const redis = new Redis({ host: '127.0.0.1', port: server.port, tls: { ca: other.caPem }, Connector: IoRedisConnector as never, ...quiet });
    let connected = false;
    redis.on('connect', () => (connected = true));
    try {
      const [err] = await onceEvent<[NodeJS.ErrnoException]>(redis, 'error', 'ioredis error');
      assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN'); // redis-server sends its CA file's root too
      assert.equal(connected, false);
    } finally {
      redis.disconnect();
    }
  });

  test('a server that accepts TCP and never answers: connectTimeout fires and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    const redis = new Redis({
      host: '127.0.0.1',
      port: silent.port,
      tls: { ca: pki.caPem },
      Connector: IoRedisConnector as never,
      connectTimeout: 300,
      ...quiet,
    });
    redis.on('error', () => undefined);
    try {
      const [err] = await onceEvent<[NodeJS.ErrnoException]>(redis, 'error', 'ioredis connect timeout', 3_000);
      assert.equal(err.code, 'ETIMEDOUT');
      await silent.closedByClient(3_000);
    } finally {
      redis.disconnect();
      await silent.close();
    }
  });

  test('refused loudly: IoRedisConnector without tls, or with a Unix socket path', () => {
    assert.throws(() => new Redis({ host: '127.0.0.1', port: server.port, Connector: IoRedisConnector as never, lazyConnect: true }), /set the `tls` option/);
    assert.throws(() => new Redis({ path: '/tmp/redis.sock', tls: {}, Connector: IoRedisConnector as never, lazyConnect: true }), /Unix socket/);
  });
});
