// Socket methods and events on the server side (issue 14): resetAndDestroy() on both sides,
// getSession() on a server socket, the server's pskCallback arguments on a socket built with
// new TLSSocket(socket, { isServer: true }), and TLS 1.3 with 'newSession'/'resumeSession' listeners.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { PassThrough } from 'node:stream';
import { connect, createServer } from '../../src/index.js';
import { TLSSocket } from '../../src/node/tls-socket.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { closeAll, listening, nodeClient, withTimeout } from './server-helpers.js';

const pki = createTestPki();
const base = { key: pki.keyPem, cert: pki.chainPem };
const servers: net.Server[] = [];
after(() => closeAll(servers));

/** How a socket ended: its error code (if any) and hadError. */
function ending(s: { on(event: string, listener: (...args: never[]) => void): unknown }): Promise<{ code: string | undefined; hadError: boolean }> {
  let code: string | undefined;
  s.on('error', ((e: NodeJS.ErrnoException) => (code = e.code)) as never);
  return withTimeout(new Promise((resolve) => s.on('close', ((hadError: boolean) => resolve({ code, hadError })) as never)), 'close');
}

describe('resetAndDestroy()', () => {
  test('on a server socket: the client sees the TCP reset (ECONNRESET); our socket closes without error', async () => {
    let ours: Promise<{ code: string | undefined; hadError: boolean }> | undefined;
    const server = createServer(base, (s) => {
      ours = ending(s);
      // Once the client read what we sent (its tickets): a reset that arrives behind unread data
      // reads as a plain end on Linux (the data, then end of stream).
      s.once('data', () => setTimeout(() => s.resetAndDestroy(), 100));
    });
    servers.push(server);
    const port = await listening(server);
    const client = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => client.write('x'));
    assert.deepEqual(await ending(client), { code: 'ECONNRESET', hadError: true });
    assert.deepEqual(await ours, { code: undefined, hadError: false });
  });

  test('on a client socket: the server sees the TCP reset (ECONNRESET)', async () => {
    let seen: Promise<{ code: string | undefined; hadError: boolean }> | undefined;
    const server = nodeTls.createServer(base, (s) => {
      seen = ending(s);
      s.write('hello');
    });
    servers.push(server);
    const port = await listening(server);
    const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const ours = ending(client);
    client.once('data', () => setTimeout(() => client.resetAndDestroy(), 50));
    assert.deepEqual(await ours, { code: undefined, hadError: false });
    await withTimeout(
      (async () => {
        while (!seen) await new Promise((r) => setTimeout(r, 5));
      })(),
      'the server socket',
    );
    assert.deepEqual(await seen, { code: 'ECONNRESET', hadError: true });
  });

  test('over a transport that is not a net.Socket: ERR_INVALID_HANDLE_TYPE, as node', () => {
    const s = new TLSSocket(new PassThrough(), { servername: 'localhost' });
    s.on('error', () => {});
    assert.throws(() => s.resetAndDestroy(), { code: 'ERR_INVALID_HANDLE_TYPE' });
    s.destroy();
  });
});

test('getSession() on a server socket is refused, saying what to use instead', async () => {
  let thrown: unknown;
  const server = createServer(base, (s) => {
    try {
      s.getSession();
    } catch (err) {
      thrown = err;
    }
    s.end('bye');
  });
  servers.push(server);
  const port = await listening(server);
  assert.equal((await nodeClient(port)).received, 'bye');
  assert.equal((thrown as { code?: string }).code, 'ERR_TLSKIT_UNSUPPORTED_METHOD');
  assert.match((thrown as Error).message, /client socket.*isSessionReused\(\).*'newSession'/);
});

test('new TLSSocket(socket, { isServer: true, pskCallback }): the callback gets (that socket, identity), as node:tls', async () => {
  const key = Buffer.alloc(32, 7);
  const calls: { sameSocket: boolean; identity: unknown }[] = [];
  const built: TLSSocket[] = [];
  const raw = net.createServer((c) => {
    const s: TLSSocket = new TLSSocket(c, {
      isServer: true,
      ...base,
      ciphers: 'TLS_AES_128_GCM_SHA256',
      pskCallback: ((socket: unknown, identity: string) => {
        calls.push({ sameSocket: socket === s, identity });
        return identity === 'tlskit-psk' ? key : null;
      }) as never,
    });
    built.push(s);
    s.on('error', () => {});
    s.on('secure', () => s.end('over the psk'));
  });
  servers.push(raw);
  const port = await listening(raw);
  const client = connect({ host: '127.0.0.1', port, pskCallback: () => ({ psk: key, identity: 'tlskit-psk' }), ciphers: 'TLS_AES_128_GCM_SHA256' });
  let got = '';
  client.on('data', (d: Buffer) => (got += d.toString()));
  assert.deepEqual(await ending(client), { code: undefined, hadError: false });
  assert.equal(got, 'over the psk');
  assert.deepEqual(calls, [{ sameSocket: true, identity: 'tlskit-psk' }]);
  assert.equal(built.length, 1);
});

test("TLS 1.3 with 'newSession'/'resumeSession' listeners: neither is emitted, and tickets resume (docs/node-compat.md)", async () => {
  const events: string[] = [];
  const server = createServer({ ...base, minVersion: 'TLSv1.3' }, (s) => {
    s.on('error', () => {});
    s.end('bye');
  });
  server.on('newSession', (_id: Buffer, _data: Buffer, done: () => void) => {
    events.push('newSession');
    done();
  });
  server.on('resumeSession', (_id: Buffer, callback: (err: null, data: null) => void) => {
    events.push('resumeSession');
    callback(null, null);
  });
  servers.push(server);
  const port = await listening(server);
  const first = await nodeClient(port);
  assert.ok(first.session);
  const second = await nodeClient(port, { session: first.session });
  assert.equal(second.resumed, true);
  assert.deepEqual(events, []);
});

test("setTimeout() on a server socket counts the application's reads and writes, as node:tls: 'timeout' once, not again for our close_notify", async () => {
  const count = async (make: (onSecure: (s: nodeTls.TLSSocket | TLSSocket) => void) => net.Server): Promise<number> => {
    let timeouts = 0;
    const server = make((s) => {
      s.on('error', () => {});
      s.setTimeout(100);
      s.on('timeout', () => {
        timeouts++;
        s.end();
      });
    });
    servers.push(server);
    const port = await listening(server);
    // A client that never reads: the connection stays open after our end().
    const client = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    client.on('error', () => {});
    await new Promise((r) => setTimeout(r, 500));
    client.destroy();
    return timeouts;
  };
  const node = await count((onSecure) => nodeTls.createServer(base, onSecure));
  const ours = await count((onSecure) => createServer(base, onSecure));
  assert.equal(ours, node);
  assert.equal(ours, 1);
});
