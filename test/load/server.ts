// The load test's server process (run by load.test.ts): a tlskit server on 127.0.0.1 speaking
// ./protocol.ts. Prints {"port"} when listening; on "report" from stdin it waits for its connections
// to end, collects garbage, and prints what it saw and what is left (sockets, timers, listeners, heap).
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { testPki } from '../helpers/engine.js';
import { HEADER_LENGTH, matches, pattern } from './protocol.js';

const pki = testPki();
const stats = { accepted: 0, secure: 0, clean: 0, errors: 0, handshakeErrors: 0, badData: 0, open: 0, peakOpen: 0, errorKinds: {} as Record<string, number> };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const server = createServer({ key: pki.keyPem, cert: pki.chainPem, handshakeTimeout: Number(process.env.LOAD_HANDSHAKE_TIMEOUT ?? 5000) }, serve);
server.on('connection', (raw) => {
  stats.accepted++;
  stats.open++;
  stats.peakOpen = Math.max(stats.peakOpen, stats.open);
  raw.on('close', () => stats.open--);
});
server.on('tlsClientError', (err: Error) => {
  stats.handshakeErrors++;
  const kind = (err as { code?: string }).code ?? err.message.slice(0, 40);
  stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
});

function serve(socket: TLSSocket): void {
  stats.secure++;
  let head = Buffer.alloc(0);
  let toServer = -1;
  let toClient = 0;
  let seed = 0;
  let received = 0;
  let ok = true;
  let sent = 0;
  let ended = false;
  let writing = false;
  socket.on('error', (err: Error) => {
    stats.errors++;
    const kind = (err as { code?: string }).code ?? err.message.slice(0, 40);
    stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
  });
  socket.on('close', () => {
    if (ended && sent === toClient) stats.clean++;
  });
  const maybeFinish = (): void => {
    if (!ended || sent < toClient || writing) return;
    if (received !== toServer || !ok) stats.badData++;
    socket.end(received === toServer && ok ? 'K' : 'X');
  };
  const send = (): void => {
    writing = true;
    while (sent < toClient) {
      const n = Math.min(16384, toClient - sent);
      const more = socket.write(pattern(seed ^ 0x5a5a5a5a, sent, n));
      sent += n;
      if (!more) {
        socket.once('drain', send);
        return;
      }
    }
    writing = false;
    maybeFinish();
  };
  socket.on('data', (chunk: Buffer) => {
    if (toServer < 0) {
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_LENGTH) return;
      toServer = head.readUInt32BE(0);
      toClient = head.readUInt32BE(4);
      seed = head.readUInt32BE(8);
      chunk = head.subarray(HEADER_LENGTH);
      send();
    }
    if (!matches(seed, received, chunk)) ok = false;
    received += chunk.length;
  });
  socket.on('end', () => {
    ended = true;
    maybeFinish();
  });
}

const listenersAtStart = {
  server: server
    .eventNames()
    .map((e) => `${String(e)}:${server.listenerCount(e)}`)
    .join(','),
};

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  let baseline = 0;
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, ca: pki.caPem }));
  const input = createInterface({ input: process.stdin });
  input.on('line', async (line) => {
    if (line.trim() === 'baseline') {
      // After the clients' warm-up: caches and compiled code are in place.
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
      baseline = process.memoryUsage().heapUsed;
      return;
    }
    if (line.trim() !== 'report') return;
    input.close();
    const deadline = Date.now() + 15_000;
    while (stats.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
    const report = {
      ...stats,
      resources,
      listeners: server
        .eventNames()
        .map((e) => `${String(e)}:${server.listenerCount(e)}`)
        .join(','),
      listenersAtStart: listenersAtStart.server,
      heapBaseline: baseline,
      heapAfter: process.memoryUsage().heapUsed,
    };
    server.close(() => {
      console.log(JSON.stringify(report));
      process.exit(0);
    });
  });
});
