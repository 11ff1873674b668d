// One server of a fleet, as a child process of test/apps/fleet.test.ts: a tlskit server with
// ticket keys and 0-RTT anti-replay shared through Redis (ioredis). It prints JSON lines: its port
// once listening, each server-hello it sends (resumed or not), each connection whose early data it
// accepted, and what the Redis stores report.
// Usage: node fleet-server.js <redis port> <cert file> <key file> <rotation seconds>
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createServer } from '../../../src/node/server.js';
import { RedisAntiReplayStore, RedisTicketKeys } from '../../../src/node/redis-store.js';
import type { TLSSocket } from '../../../src/node/tls-socket.js';
import type { TlsEvent } from '../../../src/engine/events.js';

const [redisPort, certFile, keyFile, rotationSeconds] = process.argv.slice(2);
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);
};

// Fail fast while Redis is away (no offline queue, no retries per command); reconnect in the background.
const client = new Redis({
  host: '127.0.0.1',
  port: Number(redisPort),
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => 200,
  lazyConnect: true,
});
client.on('error', () => {}); // reported through the stores' events
await client.connect();

const keys = new RedisTicketKeys(client, {
  rotationSeconds: Number(rotationSeconds),
  retainedKeys: 2,
  refreshMs: 200,
  onEvent: (e) =>
    print(e.kind === 'error' ? { event: 'keys-error', message: e.error.message, shared: e.shared } : { event: 'keys-loaded', period: e.period, keys: e.keys }),
});
await keys.start();
const antiReplay = new RedisAntiReplayStore(client, { timeoutMs: 500, onError: (err) => print({ event: 'claim-error', message: err.message }) });

const server = createServer(
  {
    cert: readFileSync(certFile!, 'utf8'),
    key: readFileSync(keyFile!, 'utf8'),
    maxEarlyData: 1024,
    ticketKeys: keys.ticketKeys,
    antiReplay,
  },
  (socket) => {
    socket.on('error', () => {});
    socket.write('hi');
    socket.on('data', (d: Buffer) => socket.end(`echo:${d.toString()}`));
  },
);
server.on('tlsClientError', () => {});
server.on('handshakeStart', (socket: TLSSocket) => {
  socket.on('tlsEvent', (event: TlsEvent) => {
    if (event.kind !== 'step') return;
    if (event.step === 'server-hello') print({ event: 'server-hello', version: event.version, resumed: event.resumed });
    if (event.step === 'keys' && event.direction === 'read' && event.epoch === 'early') print({ event: 'early-accepted' });
  });
});
server.listen(0, '127.0.0.1', () => print({ event: 'listening', port: (server.address() as { port: number }).port }));
process.on('SIGTERM', () => {
  keys.stop();
  server.close();
  client.disconnect();
  process.exit(0);
});
