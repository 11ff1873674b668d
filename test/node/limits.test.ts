// The Node adapter under pressure (issue 7): backpressure instead of growth when the application does
// not read (the transport is paused), no buffering while an asynchronous handshake step runs, and
// handshake timeouts on both sides, against silent and slow (one byte at a time) peers.
// Everything on 127.0.0.1, port 0, bounded in time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { createClientConnection } from '../../src/engine/endpoints.js';
import { resolveClientOptions } from '../../src/engine/options.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { testPki } from '../helpers/engine.js';

const pki = testPki();
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** What the engine holds of input it has not processed yet (test-only reach). */
function engineBuffered(socket: TLSSocket): number {
  return (socket.engine as unknown as { records: { bufferedLength: number } }).records.bufferedLength;
}

describe('backpressure', () => {
  test('a client that does not read: its transport is paused, buffers stay bounded, then every byte arrives', async () => {
    const payload = Buffer.alloc(8 << 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
    let serverSocket: TLSSocket | undefined;
    let writesRefused = 0;
    const port = await listen(
      createServer({ key: pki.keyPem, cert: pki.chainPem }, (socket) => {
        serverSocket = socket;
        const chunk = 64 * 1024;
        let at = 0;
        const pump = (): void => {
          while (at < payload.length) {
            const ok = socket.write(payload.subarray(at, at + chunk));
            at += chunk;
            if (!ok) {
              writesRefused++;
              socket.once('drain', pump);
              return;
            }
          }
          socket.end();
        };
        pump();
      }),
    );
    const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
    await once(client, 'secureConnect');
    // Not reading: nothing listens for 'data' for a while.
    await delay(400);
    const hwm = client.readableHighWaterMark;
    assert.ok(client.readableLength <= hwm + 128 * 1024, `client buffered ${client.readableLength} bytes of plaintext`);
    assert.ok(client.transport.isPaused(), 'the client stopped reading its transport');
    assert.ok(engineBuffered(client) <= 17 * 1024, `the client engine holds ${engineBuffered(client)} bytes`);
    assert.ok(writesRefused > 0, 'the server saw backpressure');
    assert.ok(serverSocket!.writableLength <= 2 * serverSocket!.writableHighWaterMark + 64 * 1024, `server queued ${serverSocket!.writableLength}`);
    // Now read everything: nothing was lost or reordered.
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    await once(client, 'end');
    assert.equal(sha256(Buffer.concat(chunks)), sha256(payload));
    client.destroy();
  });

  test('while an asynchronous handshake step runs, the transport is not read (a flooding client is not buffered)', async () => {
    let callbackAt = 0;
    const server = createServer({
      key: pki.keyPem,
      cert: pki.chainPem,
      SNICallback: (_name, cb) => {
        callbackAt = Date.now();
        setTimeout(() => cb(null), 500);
      },
    });
    let engineHeld = 0;
    server.on('handshakeStart', (socket: TLSSocket) => {
      socket.on('data', () => undefined);
      const timer = setInterval(() => {
        engineHeld = Math.max(engineHeld, engineBuffered(socket));
        socket.read(0); // an eager reader: asks for more (calls _read) all the time
      }, 20);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => undefined);
    });
    const port = await listen(server);
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    // A real ClientHello, then 16 MiB of junk records, written as fast as the socket takes them.
    const hello = createClientConnection(resolveClientOptions({ servername: 'localhost', ca: pki.caPem }, nodeCryptoProvider));
    for (const chunk of hello.takeOutput()) raw.write(chunk);
    const junk = Buffer.alloc(16389);
    junk.set([23, 3, 3, 0x40, 0x00]);
    let written = 0;
    raw.on('error', () => undefined);
    const flood = async (): Promise<void> => {
      while (written < 16 << 20 && !raw.destroyed) {
        if (!raw.write(junk)) await Promise.race([once(raw, 'drain'), delay(1000)]);
        written += junk.length;
      }
    };
    void flood();
    await delay(400);
    assert.ok(callbackAt > 0, 'the server is in its SNI callback');
    assert.ok(engineHeld < 1 << 20, `the server engine buffered ${engineHeld} bytes while waiting`);
    raw.destroy();
    await delay(200);
  });
});

describe('handshake timeouts', () => {
  test('server: a client that says nothing is dropped after handshakeTimeout', async () => {
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, handshakeTimeout: 300 });
    const port = await listen(server);
    const start = Date.now();
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    const closed = new Promise((r) => raw.on('close', r));
    const [err] = (await once(server, 'tlsClientError')) as [Error];
    assert.match(err.message, /did not complete within 300 ms/);
    await closed;
    const took = Date.now() - start;
    assert.ok(took >= 250 && took < 3000, `dropped after ${took} ms`);
  });

  test('server: a slow client (one byte of its ClientHello every 100 ms) is dropped at the same deadline', async () => {
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, handshakeTimeout: 500 });
    const port = await listen(server);
    const hello = Buffer.concat(createClientConnection(resolveClientOptions({ servername: 'localhost', ca: pki.caPem }, nodeCryptoProvider)).takeOutput());
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    let sent = 0;
    const drip = setInterval(() => {
      if (!raw.destroyed && sent < hello.length) raw.write(hello.subarray(sent, ++sent));
    }, 100);
    const start = Date.now();
    const [err] = (await once(server, 'tlsClientError')) as [Error];
    clearInterval(drip);
    assert.match(err.message, /did not complete within 500 ms/);
    assert.ok(Date.now() - start < 3000);
    assert.ok(sent < 20, `the server gave up after ${sent} bytes`);
    if (!raw.destroyed) await new Promise((r) => raw.on('close', r)); // closed or reset: either way, gone
  });

  test('client: a server that never answers fails the handshake after handshakeTimeout', async () => {
    const silent = net.createServer((s) => s.on('error', () => undefined));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as net.AddressInfo).port;
    const client = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem, handshakeTimeout: 300 });
    const [err] = (await once(client, 'error')) as [Error];
    assert.match(err.message, /did not complete within 300 ms/);
    silent.close();
  });
});
