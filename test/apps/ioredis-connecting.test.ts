// ioredis over tlskit (issue 14): ioredis waits for 'secureConnect' and runs its connectTimeout only
// when the stream it got says `connecting` (Redis.js, connect()); otherwise it takes the stream as
// connected at once and emits 'connect'. tlskit goes under ioredis through its `Connector` option
// (ioredis's `tls` option cannot take a connect function); the connector here does what ioredis's
// StandaloneConnector does with node:tls, with tlskit's connect(). No Redis server is needed: the
// peers are a TCP server that accepts and never answers, and one that answers with garbage.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { connect, type ConnectOptions } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';

const closers: (() => void)[] = [];
after(() => {
  for (const close of closers) close();
});

/** ioredis's StandaloneConnector, with tlskit's connect() where it calls node:tls's. */
class TlskitConnector {
  connecting = false;
  stream: TLSSocket | undefined;
  firstError: Error | undefined;
  constructor(private readonly options: { host: string; port: number; tls: ConnectOptions }) {}
  check(): boolean {
    return true;
  }
  connect(): Promise<TLSSocket> {
    this.connecting = true;
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) return reject(new Error('Connection is closed.'));
        try {
          this.stream = connect({ host: this.options.host, port: this.options.port, ...this.options.tls });
        } catch (err) {
          return reject(err as Error);
        }
        this.stream.once('error', (err: Error) => (this.firstError = err));
        resolve(this.stream);
      });
    });
  }
  disconnect(): void {
    this.connecting = false;
    this.stream?.destroy();
  }
}

async function tcpServer(onConnection: (s: net.Socket) => void): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    onConnection(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

function redisFor(port: number, connectTimeout: number): { redis: Redis; events: string[]; errors: Error[] } {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    tls: { servername: 'localhost' },
    connectTimeout,
    Connector: TlskitConnector as never,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    enableOfflineQueue: false,
  });
  closers.push(() => redis.disconnect());
  const events: string[] = [];
  const errors: Error[] = [];
  for (const name of ['connect', 'ready', 'close', 'end']) redis.on(name, () => events.push(name));
  redis.on('error', (err: Error) => errors.push(err));
  return { redis, events, errors };
}

test('ioredis over tlskit: a peer that accepts TCP and never answers ends with connectTimeout (ETIMEDOUT), never with connect', {
  timeout: 10_000,
}, async () => {
  const port = await tcpServer(() => undefined);
  const { redis, events, errors } = redisFor(port, 300);
  const started = Date.now();
  await assert.rejects(redis.connect(), /ETIMEDOUT|Connection is closed/);
  await new Promise((r) => setTimeout(r, 50));
  const elapsed = Date.now() - started;
  assert.ok(
    errors.some((e) => (e as NodeJS.ErrnoException).code === 'ETIMEDOUT'),
    errors.map((e) => e.message).join(),
  );
  assert.ok(elapsed >= 250 && elapsed < 5_000, `${elapsed} ms`);
  assert.ok(!events.includes('connect'), events.join());
});

test("ioredis over tlskit: a peer that answers the ClientHello with garbage fails the connection without a 'connect' first", { timeout: 10_000 }, async () => {
  const port = await tcpServer((s) => s.once('data', () => s.write('-ERR this is not TLS\r\n')));
  const { redis, events, errors } = redisFor(port, 2_000);
  await assert.rejects(redis.connect());
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(errors.length > 0);
  assert.ok(!errors.some((e) => (e as NodeJS.ErrnoException).code === 'ETIMEDOUT'), 'failed at once, not by the timeout');
  assert.ok(!events.includes('connect'), events.join());
});
