// TLS 1.3 0-RTT through the public API: anti-replay across servers that share ticket keys and
// across setSecureContext() (RFC 8446 §8), asynchronous anti-replay stores that may fail, the
// TLSSocket's count of early bytes, and createHttpsServer's 425 Too Early (RFC 8470 §5.2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { createServer, type Server, type TlsServerOptions } from '../../src/node/server.js';
import { createHttpsServer, type HttpsServerOptions } from '../../src/node/https.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { MemoryAntiReplayStore, type AntiReplayStore } from '../../src/handshake/anti-replay.js';
import { RedisAntiReplayStore } from '../../src/node/redis-store.js';
import { captureEarlyFlight, countAcceptedEarlyData, replayFlight, sessionFrom } from '../helpers/zero-rtt.js';
import { hasCommand, missingPeerReason, once, withTimeout } from '../helpers/peers.js';
import { run, tempDir } from '../apps/helpers/peers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { upgrade } from '../../src/node/upgrade.js';
import { acceptStream } from '../../src/web/streams.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const ticketKeys = new Uint8Array(48).fill(0x42);
const client = { ca: pki.caPem };

async function listen<T extends Server | ReturnType<typeof createHttpsServer>>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A server that greets every connection (so that TLS 1.3 tickets reach the client) and echoes. */
function echoServer(options: TlsServerOptions): Server {
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, ...options }, (socket) => {
    socket.on('error', () => {});
    socket.write('hi');
  });
  server.on('tlsClientError', () => {});
  return server;
}

describe('0-RTT anti-replay is shared by the servers that can open a ticket (RFC 8446 §8)', () => {
  test('ticketKeys with maxEarlyData and no antiReplay store is refused, naming both options', () => {
    assert.throws(
      () => createServer({ key: pki.keyPem, cert: pki.chainPem, ticketKeys, maxEarlyData: 1024 }),
      (err: Error) => err instanceof TypeError && /maxEarlyData/.test(err.message) && /ticketKeys/.test(err.message) && /antiReplay/.test(err.message),
    );
    // Without early data, or with a store, shared keys are fine.
    createServer({ key: pki.keyPem, cert: pki.chainPem, ticketKeys }).close();
    createServer({ key: pki.keyPem, cert: pki.chainPem, ticketKeys, maxEarlyData: 1024, antiReplay: new MemoryAntiReplayStore() }).close();
  });

  test('the same holds for every way to make a server (upgrade(), acceptStream()), each resolving options per connection', async () => {
    const socket = new PassThrough();
    assert.throws(() => upgrade(socket, { isServer: true, key: pki.keyPem, cert: pki.chainPem, ticketKeys, maxEarlyData: 1024 }), /antiReplay/);
    const noTransport = { readable: new ReadableStream<Uint8Array>(), writable: new WritableStream<Uint8Array>() };
    await assert.rejects(acceptStream(noTransport, { key: pki.keyPem, cert: pki.chainPem, ticketKeys, maxEarlyData: 1024 }), /antiReplay/);
  });

  test('two servers with the same ticketKeys and store: a replayed ClientHello opens early data on neither', async () => {
    const antiReplay = new MemoryAntiReplayStore();
    const a = echoServer({ ticketKeys, maxEarlyData: 1024, antiReplay });
    const b = echoServer({ ticketKeys, maxEarlyData: 1024, antiReplay });
    const countA = countAcceptedEarlyData(a);
    const countB = countAcceptedEarlyData(b);
    const [portA, portB] = [await listen(a), await listen(b)];
    try {
      const session = await sessionFrom(portA, client);
      const { flight, socket } = await captureEarlyFlight(portA, session, 'GET /transfer?amount=100', client);
      assert.equal(socket.info.earlyData, 'accepted', "the genuine client's early data is accepted once");
      socket.destroy();
      assert.equal(countA.accepted, 1);
      assert.ok((await replayFlight(portB, flight)).length > 0, 'server B answers the replayed ClientHello');
      assert.ok((await replayFlight(portA, flight)).length > 0, 'server A answers the replayed ClientHello');
      assert.equal(countB.accepted, 0, 'server B refuses the replayed early data');
      assert.equal(countA.accepted, 1, 'server A refuses the replayed early data');
    } finally {
      await close(a);
      await close(b);
    }
  });

  test('setSecureContext() keeps the record of used tickets: a replay after it is refused', async () => {
    const antiReplay = new MemoryAntiReplayStore();
    const options = { ticketKeys, maxEarlyData: 1024, antiReplay };
    const server = echoServer(options);
    const count = countAcceptedEarlyData(server);
    const port = await listen(server);
    try {
      const session = await sessionFrom(port, client);
      const { flight, socket } = await captureEarlyFlight(port, session, 'early', client);
      socket.destroy();
      assert.equal(count.accepted, 1);
      server.setSecureContext({ key: pki.keyPem, cert: pki.chainPem, ...options });
      await replayFlight(port, flight);
      assert.equal(count.accepted, 1, 'the replay after setSecureContext() is refused');
    } finally {
      await close(server);
    }
  });

  test("a fleet on a Redis-like store (claims kept for a relative time): a server whose clock is 20 s behind refuses a replay near the ticket's end of life", async () => {
    // The test's clock, the one Redis counts PX against; server B's clock runs 20 s behind it.
    let advance = 0;
    const realNow = (): number => Date.now() + advance;
    const keysInRedis = new Map<string, number>();
    const redis = {
      call: async (command: string, ...args: string[]): Promise<unknown> => {
        const [key, , , px] = args as [string, string, string, string];
        assert.equal(command, 'SET');
        const expiry = keysInRedis.get(key);
        if (expiry !== undefined && expiry > realNow()) return null; // NX
        keysInRedis.set(key, realNow() + Number(px));
        return 'OK';
      },
    };
    const antiReplay = new RedisAntiReplayStore(redis);
    const options = { ticketKeys, maxEarlyData: 1024, antiReplay, sessionTimeout: 60 };
    const a = echoServer({ ...options, now: () => new Date(realNow()) });
    const b = echoServer({ ...options, now: () => new Date(realNow() - 20_000) });
    const countB = countAcceptedEarlyData(b);
    const [portA, portB] = [await listen(a), await listen(b)];
    const clientNow = { ...client, now: () => new Date(realNow()) };
    try {
      const session = await sessionFrom(portA, clientNow);
      advance = 55_000; // 5 s before the ticket expires, by server A's clock (and the real one)
      const { flight, socket } = await captureEarlyFlight(portA, session, 'GET /transfer?amount=100', clientNow);
      assert.equal(socket.info.earlyData, 'accepted');
      socket.destroy();
      advance = 75_000; // the ticket expired for A; by B's clock it is 55 s old, as the replayed age says
      assert.ok((await replayFlight(portB, flight)).length > 0, 'server B answers the replayed ClientHello');
      assert.equal(countB.accepted, 0, 'server B refuses the replayed early data: the claim outlives the ticket by the tolerated clock skew');
    } finally {
      await close(a);
      await close(b);
    }
  });

  const stores: [string, () => AntiReplayStore, 'accepted' | 'rejected'][] = [
    ['an asynchronous store that answers true accepts', () => ({ claim: async () => true }), 'accepted'],
    ['an asynchronous store that answers false refuses', () => ({ claim: async () => false }), 'rejected'],
    ['an asynchronous store that fails refuses', () => ({ claim: () => Promise.reject(new Error('store down')) }), 'rejected'],
    [
      'a store that throws refuses',
      () => ({
        claim: () => {
          throw new Error('store down');
        },
      }),
      'rejected',
    ],
    ['a store answering something else than true refuses', () => ({ claim: () => 1 as unknown as boolean }), 'rejected'],
  ];
  for (const [name, store, outcome] of stores) {
    test(`${name}; the handshake completes and the data arrives either way`, async () => {
      const server = createServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 1024, antiReplay: store() }, (socket) => {
        socket.on('error', () => {});
        socket.write('hi');
        socket.on('data', (d: Buffer) => socket.end(`echo:${d.toString()}`));
      });
      const port = await listen(server);
      try {
        const session = await sessionFrom(port, client);
        const { socket } = await captureEarlyFlight(port, session, 'ping', client);
        assert.equal(socket.info.earlyData, outcome);
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        await once(socket, 'end', 'the echo');
        assert.equal(text, 'hiecho:ping');
        socket.destroy();
      } finally {
        await close(server);
      }
    });
  }
});

describe('the application can tell 0-RTT bytes from 1-RTT bytes', () => {
  test('TLSSocket.earlyDataLength counts the early bytes at the head of the stream; later bytes are not counted', async () => {
    const seen: { length: number; text: string; events: number[] }[] = [];
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 1024 }, (socket) => {
      socket.on('error', () => {});
      socket.write('hi');
    });
    server.on('handshakeStart', (socket: TLSSocket) => {
      const events: number[] = [];
      socket.on('earlyData', (n: number) => events.push(n));
      socket.once('secure', () => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => {
          if (text !== '') seen.push({ length: socket.earlyDataLength, text, events }); // not the first connection (for the session)
          socket.end();
        });
      });
    });
    const port = await listen(server);
    try {
      const session = await sessionFrom(port, client);
      const { socket } = await captureEarlyFlight(port, session, 'early-bytes', client);
      assert.equal(socket.info.earlyData, 'accepted');
      socket.end('+late');
      await withTimeout(
        (async () => {
          while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
        })(),
        5_000,
        'the server reading',
      );
      assert.deepEqual(seen[0], { length: 'early-bytes'.length, text: 'early-bytes+late', events: ['early-bytes'.length] });
      socket.destroy();
    } finally {
      await close(server);
    }
  });
});

describe('createHttpsServer answers requests that came in early data with 425 Too Early (RFC 8470 §5.2)', () => {
  async function exchange(options: HttpsServerOptions): Promise<{ responses: string; earlyFlags: boolean[]; earlyData?: string }> {
    const earlyFlags: boolean[] = [];
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 4096, ...options }, (req, res) => {
      earlyFlags.push(req.tlsEarlyData === true);
      res.end(`path=${req.url} early=${req.tlsEarlyData}`);
    });
    const port = await listen(server);
    try {
      const session = await sessionFrom(port, { ...client, ALPNProtocols: ['http/1.1'] });
      // Request one goes as 0-RTT; request two after the handshake, on the same connection.
      const { socket } = await captureEarlyFlight(port, session, 'GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n', { ...client, ALPNProtocols: ['http/1.1'] });
      const earlyData = socket.info.earlyData;
      let responses = '';
      socket.on('data', (d: Buffer) => (responses += d.toString()));
      socket.write('GET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await once(socket, 'end', 'the HTTP responses');
      socket.destroy();
      return { responses, earlyFlags, ...(earlyData ? { earlyData } : {}) };
    } finally {
      await close(server);
    }
  }

  test('by default: the early request gets 425 and reaches no handler; the 1-RTT one after it is served', async () => {
    const { responses, earlyFlags, earlyData } = await exchange({});
    assert.equal(earlyData, 'accepted');
    const statuses = [...responses.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['425', '200'], responses);
    assert.match(responses, /path=\/second early=false/);
    assert.deepEqual(earlyFlags, [false], 'only the 1-RTT request reached the handler');
  });

  test('allowEarlyDataRequests: true lets it through, marked req.tlsEarlyData === true', async () => {
    const { responses, earlyFlags } = await exchange({ allowEarlyDataRequests: true });
    assert.match(responses, /path=\/first early=true/);
    assert.match(responses, /path=\/second early=false/);
    assert.deepEqual(earlyFlags, [true, false]);
  });

  test('a predicate decides per request', async () => {
    const { responses } = await exchange({ allowEarlyDataRequests: (req) => req.url === '/second' });
    assert.deepEqual(
      [...responses.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]),
      ['425', '200'],
    );
  });

  test('a request split across early data and 1-RTT data is early: 425', async () => {
    const earlyFlags: boolean[] = [];
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 4096 }, (req, res) => {
      earlyFlags.push(req.tlsEarlyData === true);
      res.end('served');
    });
    const port = await listen(server);
    try {
      const session = await sessionFrom(port, { ...client, ALPNProtocols: ['http/1.1'] });
      const { socket } = await captureEarlyFlight(port, session, 'POST /pay HTTP/1.1\r\nHost: localhost\r\n', { ...client, ALPNProtocols: ['http/1.1'] });
      assert.equal(socket.info.earlyData, 'accepted');
      let responses = '';
      socket.on('data', (d: Buffer) => (responses += d.toString()));
      socket.write('Content-Length: 2\r\nConnection: close\r\n\r\nok');
      await once(socket, 'end', 'the HTTP response');
      socket.destroy();
      assert.match(responses, /^HTTP\/1\.1 425 /);
      assert.deepEqual(earlyFlags, []);
    } finally {
      await close(server);
    }
  });
  test('insecureHTTPParser: a header line ending in a bare LF cannot make early bytes look like whole requests, and a request begun in them is early: 425', async () => {
    const seen: string[] = [];
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 4096, insecureHTTPParser: true }, (req, res) => {
      seen.push(`${req.url} early=${req.tlsEarlyData === true}`);
      res.end('served');
    });
    const port = await listen(server);
    try {
      const options = { ...client, ALPNProtocols: ['http/1.1'] };
      const session = await sessionFrom(port, options);
      // The lenient parser reads /a's Content-Length (its line starts after a bare LF): /a's body is
      // /b's head, and /evil's request line, the end of the early bytes, starts a request completed
      // by 1-RTT bytes. Read with CRLF lines only, the early bytes are /a and /b, whole.
      const evil = 'POST /evil HTTP/1.1\r\n';
      const b = `POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${evil.length}\r\n\r\n`;
      const early = `POST /a HTTP/1.1\r\nHost: localhost\nContent-Length: ${b.length}\r\n\r\n${b}${evil}`;
      const { socket } = await captureEarlyFlight(port, session, early, options);
      assert.equal(socket.info.earlyData, 'accepted');
      let responses = '';
      socket.on('data', (d: Buffer) => (responses += d.toString()));
      socket.write('Host: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      await once(socket, 'end', 'the HTTP responses');
      socket.destroy();
      assert.deepEqual(seen, [], 'no request begun in early data reaches the handler as a 1-RTT request');
      assert.deepEqual(
        [...responses.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]),
        ['425', '425'],
        responses,
      );
    } finally {
      await close(server);
    }
  });
});

describe('createHttpsServer and openssl s_client -early_data', { skip: missingPeerReason(hasCommand('openssl'), 'openssl is not installed') ?? false }, () => {
  test('openssl s_client sends a request as 0-RTT: the server accepts the early data and answers 425 Too Early', async () => {
    const files = tempDir('tlskit-early-');
    const ca = join(files.path, 'ca.pem');
    const sess = join(files.path, 'session.pem');
    const early = join(files.path, 'early.txt');
    writeFileSync(ca, pki.caPem);
    writeFileSync(early, 'GET /early HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem, maxEarlyData: 4096 }, (req, res) => res.end(`early=${req.tlsEarlyData}`));
    const port = await listen(server);
    const sClient = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-alpn', 'http/1.1', '-servername', 'localhost', '-CAfile', ca, '-ign_eof'];
    try {
      const one = await run('openssl', [...sClient, '-sess_out', sess], {
        input: 'GET /first HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
        ms: 10_000,
      });
      assert.match(one.stdout, /early=false/, one.stdout + one.stderr);
      const two = await run('openssl', [...sClient, '-sess_in', sess, '-early_data', early], { input: '', ms: 10_000 });
      const out = two.stdout + two.stderr;
      assert.match(out, /Early data was accepted/, out);
      assert.match(out, /HTTP\/1\.1 425 Too Early/, out);
      assert.doesNotMatch(out, /early=true/);
    } finally {
      await close(server);
      files.remove();
    }
  });
});
