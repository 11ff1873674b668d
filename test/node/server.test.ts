// The server side of the node:tls drop-in (issue 14), side by side with node:tls where it has the
// behaviour: Server/HttpsServer without `new`, pauseOnConnect, a non-TLS first record, keylog on
// the server and on HttpsAgent, addContext, getTicketKeys/setTicketKeys, newSession/resumeSession,
// ALPNCallback, allowHalfOpen, and the socket 'secureConnection' hands over.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as https from 'node:https';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { createServer, createSecureContext, HttpsAgent, HttpsServer, MemoryAntiReplayStore, Server, type TlsServerOptions } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { decodeSession, encodeSession } from '../../src/handshake/session.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { closeAll, listening, nodeClient, rawExchange, withTimeout } from './server-helpers.js';

const pki = createTestPki();
const other = createTestPki({ names: ['other.example'] });
const wild = createTestPki({ names: ['*.example.com'] });
const exact = createTestPki({ names: ['x.example.com'] });
const clientPki = createTestPki({ names: ['client.test'] });
const base = { key: pki.keyPem, cert: pki.chainPem };

const servers: net.Server[] = [];
after(() => closeAll(servers));

function tlskitServer(options: TlsServerOptions = {}, onSecure?: (s: TLSSocket) => void): InstanceType<typeof Server> {
  const server = createServer({ ...base, ...options }, (socket) => {
    socket.on('error', () => {});
    if (onSecure) onSecure(socket);
    else socket.end('bye');
  });
  server.on('tlsClientError', () => {});
  servers.push(server);
  return server;
}

describe('Server and HttpsServer without new, as node', () => {
  test('Server(options, listener) and HttpsServer(options) build servers', async () => {
    const callServer = Server as unknown as (o: TlsServerOptions, l: (s: TLSSocket) => void) => InstanceType<typeof Server>;
    const server = callServer(base, (s) => s.end('called'));
    servers.push(server);
    assert.ok(server instanceof Server);
    assert.ok(server instanceof net.Server);
    const port = await listening(server);
    assert.equal((await nodeClient(port)).received, 'called');
    const callHttps = HttpsServer as unknown as (o: object) => InstanceType<typeof HttpsServer>;
    const h = callHttps(base);
    assert.ok(h instanceof HttpsServer);
    // node's argument forms: (listener) and () too.
    const withListener = (Server as unknown as (l: (s: TLSSocket) => void) => InstanceType<typeof Server>)(() => {});
    assert.equal(withListener.listenerCount('secureConnection'), 1);
    assert.throws(() => new Server(5 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('pauseOnConnect, as node:tls', () => {
  test('the handshake runs and the socket in secureConnection is paused until resumed', async () => {
    let paused: boolean | undefined;
    let got = '';
    const server = tlskitServer({ pauseOnConnect: true }, (socket) => {
      paused = socket.isPaused();
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        socket.end('bye');
      });
      // Nothing is read while paused: the client's bytes wait for resume().
      setTimeout(() => {
        assert.equal(got, '');
        socket.resume();
      }, 100);
    });
    const port = await listening(server);
    const outcome = await nodeClient(port);
    assert.equal(outcome.error, undefined);
    assert.equal(paused, true);
    assert.equal(got, 'hello');
    assert.equal(outcome.received, 'bye');
  });
});

describe('a first record that is not TLS is refused at once, with node:tls 20 codes', () => {
  // The header alone decides: none of these waits for the bytes a length announces.
  const inputs: [string, string][] = [
    ['plain text announcing a 26 KB record', 'blah\nblah\nblah\n'],
    ['an HTTP request', 'GET / HTTP/1.1\r\n'],
    ['an HTTP CONNECT', 'CONNECT x'],
    ['a handshake record longer than 2^14 bytes', '\x16\x03\x01\x68\x00abcdefghij'],
    ['a record version that is not 3.x', '\x16\x05\x05\x00\x05hello'],
  ];
  const nodeIs20 = process.versions.node.startsWith('20.');
  for (const [what, bytes] of inputs) {
    test(what, async () => {
      const codes: (string | undefined)[] = [];
      const alerted: boolean[] = [];
      for (const make of [() => nodeTls.createServer(base), () => createServer(base)]) {
        const server = make();
        servers.push(server);
        const errors: (Error & { code?: string })[] = [];
        server.on('tlsClientError', (err: Error) => errors.push(err));
        const port = await listening(server);
        const { closed, reply } = await rawExchange(port, Buffer.from(bytes, 'latin1'));
        assert.ok(closed);
        alerted.push(reply.length > 0);
        await withTimeout(
          (async () => {
            while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
          })(),
          'tlsClientError',
        );
        codes.push(errors[0]!.code);
      }
      // Node 24 (OpenSSL 3.5) names the oversized record ERR_SSL_DATA_LENGTH_TOO_LONG; we follow Node 20.
      if (nodeIs20) assert.equal(codes[1], codes[0]);
      assert.match(codes[1]!, /^ERR_SSL_/);
      // A peer that is not speaking TLS gets no alert; a TLS record too long gets record_overflow.
      assert.equal(alerted[1], alerted[0]);
    });
  }

  test("a client that sends text and waits for the end without reading sees it end (node's junk test)", async () => {
    const server = createServer(base);
    servers.push(server);
    server.on('tlsClientError', () => {});
    const port = await listening(server);
    const c = net.connect(port, '127.0.0.1', () => c.write('blah\nblah\nblah\n'));
    c.on('error', () => {});
    // No 'data' listener: an alert sent to it would stay unread and 'end' would never come.
    await withTimeout(once(c, 'end'), "the client's 'end'", 3_000);
    c.destroy();
  });
});

describe("'keylog' on the server and on HttpsAgent, as node", () => {
  test('the server emits each line once, with the socket', async () => {
    const lines: string[] = [];
    const sockets = new Set<unknown>();
    const server = tlskitServer();
    server.on('keylog', (line: Buffer, socket: unknown) => {
      lines.push(line.toString().split(' ')[0]!);
      sockets.add(socket);
    });
    const port = await listening(server);
    await nodeClient(port);
    assert.deepEqual([...lines].sort(), [
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_TRAFFIC_SECRET_0',
    ]);
    assert.equal(sockets.size, 1);
  });

  test('HttpsAgent emits each line once, as https.Agent does', async () => {
    const server = https.createServer(base, (_req, res) => res.end('ok'));
    servers.push(server);
    const port = await listening(server);
    const agent = new HttpsAgent({ ca: pki.caPem });
    const lines: string[] = [];
    agent.on('keylog', (line: Buffer) => lines.push(line.toString().split(' ')[0]!));
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        https
          .get({ host: 'localhost', port, agent, path: '/' }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      }),
      'https request',
    );
    agent.destroy();
    assert.equal(lines.length, 5, lines.join(','));
    assert.equal(new Set(lines).size, 5);
  });
});

describe('addContext, as node', () => {
  test('wildcards match one label, the last added wins, names compare without case', async () => {
    const server = tlskitServer();
    server.addContext('*.example.com', { key: wild.keyPem, cert: wild.chainPem });
    server.addContext('x.example.com', createSecureContext({ key: exact.keyPem, cert: exact.chainPem }));
    const port = await listening(server);
    const leafFor = async (servername: string): Promise<string> => {
      return withTimeout(
        new Promise((resolve, reject) => {
          const c = nodeTls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
            resolve(c.getPeerCertificate().subject.CN as string);
            c.destroy();
          });
          c.on('error', reject);
        }),
        servername,
      );
    };
    assert.equal(await leafFor('x.example.com'), 'x.example.com');
    assert.equal(await leafFor('y.example.com'), '*.example.com');
    assert.equal(await leafFor('Y.EXAMPLE.COM'), '*.example.com');
    assert.equal(await leafFor('a.b.example.com'), 'localhost');
    assert.equal(await leafFor('example.com'), 'localhost');
    assert.throws(() => server.addContext('', {}), { code: 'ERR_TLS_REQUIRED_SERVER_NAME' });
  });

  test("a per-name context's ca, which tlskit does not apply to client certificates (node:tls would), is refused, not dropped", async () => {
    // node:tls verifies client certificates for a.example.com against that name's context's ca:
    // dropping it would authorize clients of the server's ca that the context excludes.
    const server = tlskitServer({ requestCert: true, rejectUnauthorized: true, ca: clientPki.caPem });
    assert.throws(() => server.addContext('a.example.com', createSecureContext({ key: exact.keyPem, cert: exact.chainPem, ca: other.caPem })), {
      name: 'TypeError',
      message: /ca differs from the server's/,
    });
    assert.throws(() => server.addContext('a.example.com', { key: exact.keyPem, cert: exact.chainPem, ca: other.caPem } as never), {
      name: 'TypeError',
      message: /ca differs/,
    });
    // The server's own ca (or none) is fine: nothing is dropped.
    server.addContext('b.example.com', createSecureContext({ key: exact.keyPem, cert: exact.chainPem, ca: clientPki.caPem }));
    server.addContext('c.example.com', { key: exact.keyPem, cert: exact.chainPem });
    // An SNICallback's answer: the handshake fails with the reason, as for a context in error.
    const errors: Error[] = [];
    const sni = tlskitServer({
      requestCert: true,
      rejectUnauthorized: true,
      ca: clientPki.caPem,
      SNICallback: (_name, cb) => cb(null, createSecureContext({ key: exact.keyPem, cert: exact.chainPem, ca: other.caPem })),
    });
    sni.on('tlsClientError', (err: Error) => errors.push(err));
    const outcome = await nodeClient(await listening(sni), { servername: 'x.example.com', key: clientPki.keyPem, cert: clientPki.leaf.pem });
    assert.ok(outcome.error, 'the handshake fails');
    assert.match(String(errors[0]?.message), /SNICallback: the context's ca differs/);
  });
});

describe('getTicketKeys / setTicketKeys, as node', () => {
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${maxVersion}: a ticket under keys set with setTicketKeys resumes on another server given them`, async () => {
      const a = tlskitServer({ maxVersion, sessionStore: false });
      const b = tlskitServer({ maxVersion, sessionStore: false });
      assert.equal(a.getTicketKeys().length, 48);
      assert.ok(Buffer.isBuffer(a.getTicketKeys()));
      assert.notDeepEqual(a.getTicketKeys(), b.getTicketKeys());
      const keys = Buffer.alloc(48, 7);
      a.setTicketKeys(keys);
      b.setTicketKeys(keys);
      assert.deepEqual(a.getTicketKeys(), keys);
      const [portA, portB] = [await listening(a), await listening(b)];
      const first = await nodeClient(portA, { maxVersion, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true });
      assert.ok(first.session);
      const second = await nodeClient(portB, { maxVersion, session: first.session!, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true });
      assert.equal(second.resumed, true);
      // New keys: the tickets sealed before no longer open.
      b.setTicketKeys(Buffer.alloc(48, 8));
      const third = await nodeClient(portB, { maxVersion, session: first.session!, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true });
      assert.equal(third.error, undefined);
      assert.equal(third.resumed, false);
    });
  }

  test('keys survive setSecureContext() unless it names ticketKeys; a wrong size is a TypeError', () => {
    const server = tlskitServer();
    const keys = Buffer.alloc(48, 3);
    server.setTicketKeys(keys);
    server.setSecureContext(base);
    assert.deepEqual(server.getTicketKeys(), keys);
    server.setSecureContext({ ...base, ticketKeys: Buffer.alloc(48, 4) });
    assert.deepEqual(server.getTicketKeys(), Buffer.alloc(48, 4));
    assert.throws(() => server.setTicketKeys(Buffer.alloc(10)), { name: 'TypeError', message: /48-byte/ });
    assert.throws(() => server.setTicketKeys('x'.repeat(48) as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  test("setSecureContext() replaces the context's options only: requestCert and rejectUnauthorized stay, as node", async () => {
    // node's certificate rotation idiom on an mTLS server: the new context names key, cert and ca;
    // requestCert, rejectUnauthorized, SNICallback, ALPN and pskCallback are the server's (node
    // keeps them), so client authentication must not be switched off by it.
    const server = tlskitServer({ requestCert: true, rejectUnauthorized: true, ca: clientPki.caPem }, (s) => s.end('bye'));
    server.setSecureContext({ ...base, ca: clientPki.caPem });
    const port = await listening(server);
    const anonymous = await nodeClient(port, { ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true });
    assert.ok(anonymous.error, 'a client without a certificate is still refused');
    assert.notEqual(anonymous.received, 'bye');
    const known = await nodeClient(port, { ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true, key: clientPki.keyPem, cert: clientPki.leaf.pem });
    assert.equal(known.error, undefined);
    assert.equal(known.received, 'bye');
  });

  test('0-RTT turned on by setSecureContext() over kept shared keys needs a shared antiReplay store (RFC 8446 §8)', () => {
    // setTicketKeys() refuses keys for a server with 0-RTT and no shared store; setSecureContext()
    // keeps the keys, so turning 0-RTT on there must be refused the same way, else every server
    // holding the keys accepts the same replayed early data once each.
    const server = tlskitServer();
    server.setTicketKeys(Buffer.alloc(48, 5));
    assert.throws(() => server.setSecureContext({ ...base, maxEarlyData: 16384 }), { name: 'TypeError', message: /antiReplay/ });
    assert.deepEqual(server.getTicketKeys(), Buffer.alloc(48, 5), 'a refused setSecureContext() changes nothing');
    const fromOption = tlskitServer({ ticketKeys: Buffer.alloc(48, 6) });
    assert.throws(() => fromOption.setSecureContext({ ...base, maxEarlyData: 16384 }), { name: 'TypeError', message: /antiReplay/ });
    // Allowed: a store said to be shared, or new keys of our own.
    const store = new MemoryAntiReplayStore();
    server.setSecureContext({ ...base, maxEarlyData: 16384, antiReplay: store });
    const own = tlskitServer();
    own.setSecureContext({ ...base, maxEarlyData: 16384 });
  });
});

describe("'newSession' / 'resumeSession': a TLS 1.2 session cache kept by the application, as node", () => {
  const tls12 = { maxVersion: 'TLSv1.2' as const, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: true };

  function cachingServer(options: TlsServerOptions, cache: Map<string, Buffer>, edit?: (data: Buffer) => Buffer | null) {
    const events: string[] = [];
    const server = tlskitServer({ tickets: false, ...options }, (socket) => {
      events.push(`secureConnection reused=${socket.isSessionReused()}`);
      socket.end('bye');
    });
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      events.push(`newSession ${id.length}`);
      cache.set(id.toString('hex'), data);
      // 'secureConnection' waits for this callback.
      setTimeout(() => {
        events.push('newSession done');
        done();
      }, 30);
    });
    server.on('resumeSession', (id: Buffer, callback: (err: Error | null, data: Buffer | null) => void) => {
      const data = cache.get(id.toString('hex'));
      events.push(`resumeSession ${data ? 'hit' : 'miss'}`);
      setImmediate(() => callback(null, data && edit ? edit(data) : (data ?? null)));
    });
    return { server, events };
  }

  test('the second connection resumes from the application cache; secureConnection waits for newSession', async () => {
    const cache = new Map<string, Buffer>();
    const { server, events } = cachingServer({}, cache);
    const port = await listening(server);
    const first = await nodeClient(port, tls12);
    const second = await nodeClient(port, { ...tls12, session: first.session! });
    assert.equal(second.resumed, true);
    assert.deepEqual(events, ['newSession 32', 'newSession done', 'secureConnection reused=false', 'resumeSession hit', 'secureConnection reused=true']);
  });

  test('bytes that are not a session, or a truncated one, give a full handshake, never an error or a resumption', async () => {
    for (const edit of [() => Buffer.from('not a session'), (d: Buffer) => d.subarray(0, d.length - 3), () => Buffer.alloc(0)]) {
      const cache = new Map<string, Buffer>();
      const { server } = cachingServer({}, cache, edit);
      const port = await listening(server);
      const first = await nodeClient(port, tls12);
      const second = await nodeClient(port, { ...tls12, session: first.session! });
      assert.equal(second.error, undefined);
      assert.equal(second.resumed, false);
    }
  });

  test('a session the application hands over stays bound to the trust it was authenticated under', async () => {
    // The session of an unauthenticated client, handed to a server that requires client
    // certificates: it must not stand for one.
    const cache = new Map<string, Buffer>();
    const lax = cachingServer({}, cache);
    const laxPort = await listening(lax.server);
    const first = await nodeClient(laxPort, tls12);
    const strict = cachingServer({ requestCert: true, ca: clientPki.caPem }, cache);
    const strictPort = await listening(strict.server);
    const second = await nodeClient(strictPort, { ...tls12, session: first.session! });
    assert.equal(second.resumed, false);
    assert.ok(second.error, 'the strict server asks for a certificate the client lacks');
    assert.ok(strict.events.includes('resumeSession hit'));
    // And a session claiming authorization it never had is refused as well (forged authorized flag).
    const [stored] = [...cache.values()];
    const forged = Buffer.from(encodeSession({ ...decodeSession(stored!), authorized: true }));
    const forging = cachingServer({ requestCert: true, ca: clientPki.caPem }, new Map(), () => forged);
    const forgingPort = await listening(forging.server);
    forging.server.on('resumeSession', () => {});
    const third = await nodeClient(forgingPort, { ...tls12, session: first.session! });
    assert.equal(third.resumed, false);
  });

  test('an error from resumeSession ends the connection with it (tlsClientError)', async () => {
    const server = tlskitServer({ tickets: false });
    server.on('resumeSession', (_id: Buffer, callback: (err: Error) => void) => callback(new Error('cache down')));
    const errors: Error[] = [];
    server.on('tlsClientError', (err: Error) => errors.push(err));
    const port = await listening(server);
    const plain = tlskitServer({ tickets: false });
    const first = await nodeClient(await listening(plain), tls12);
    await nodeClient(port, { ...tls12, session: first.session! });
    assert.equal(errors[0]?.message, 'cache down');
  });

  test('on HttpsServer, whose own events they are (as https.Server)', async () => {
    const cache = new Map<string, Buffer>();
    const server = new HttpsServer({ ...base, tickets: false }, (_req, res) => res.end('ok'));
    servers.push(server);
    const events: string[] = [];
    server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      events.push('newSession');
      cache.set(id.toString('hex'), data);
      done();
    });
    server.on('resumeSession', (id: Buffer, cb: (e: null, d: Buffer | null) => void) => {
      events.push('resumeSession');
      cb(null, cache.get(id.toString('hex')) ?? null);
    });
    const keylog: string[] = [];
    server.on('keylog', (line: Buffer) => keylog.push(line.toString().split(' ')[0]!));
    const port = await listening(server);
    const request = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
    const first = await nodeClient(port, tls12, request);
    const second = await nodeClient(port, { ...tls12, session: first.session! }, request);
    assert.equal(second.resumed, true);
    assert.match(second.received, /^HTTP\/1.1 200/);
    assert.deepEqual(events, ['newSession', 'resumeSession']);
    assert.deepEqual(keylog, ['CLIENT_RANDOM', 'CLIENT_RANDOM']);
  });

  test('TLS 1.3 resumes by ticket: neither event is emitted', async () => {
    const events: string[] = [];
    const server = tlskitServer();
    server.on('newSession', (_id: Buffer, _d: Buffer, done: () => void) => {
      events.push('newSession');
      done();
    });
    server.on('resumeSession', (_id: Buffer, cb: (e: null, d: null) => void) => {
      events.push('resumeSession');
      cb(null, null);
    });
    const port = await listening(server);
    const first = await nodeClient(port);
    const second = await nodeClient(port, { session: first.session! });
    assert.equal(second.resumed, true);
    assert.deepEqual(events, []);
  });
});

describe('ALPNCallback and allowHalfOpen, as node:tls', () => {
  test('ALPNCallback picks among the offer; undefined refuses; a value not offered fails', async () => {
    const seen: unknown[] = [];
    const pick = tlskitServer({
      ALPNCallback: ({ servername, protocols }) => {
        seen.push({ servername, protocols });
        return protocols[1];
      },
    });
    const out = await nodeClient(await listening(pick), { servername: 'foo.test', ALPNProtocols: ['x', 'y'] });
    assert.equal(out.alpnProtocol, 'y');
    assert.deepEqual(seen, [{ servername: 'foo.test', protocols: ['x', 'y'] }]);
    const none = tlskitServer({ ALPNCallback: () => undefined });
    const errors: (Error & { code?: string })[] = [];
    none.on('tlsClientError', (e: Error) => errors.push(e));
    const refused = await nodeClient(await listening(none), { ALPNProtocols: ['x'] });
    assert.equal(refused.error?.code, 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
    const bogus = tlskitServer({ ALPNCallback: () => 'zz' });
    bogus.on('tlsClientError', (e: Error) => errors.push(e));
    await nodeClient(await listening(bogus), { ALPNProtocols: ['x'] });
    assert.deepEqual(
      errors.map((e) => e.code),
      ['ERR_TLS_ALERT_NO_APPLICATION_PROTOCOL', 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT'],
    );
    assert.throws(() => createServer({ ...base, ALPNProtocols: ['a'], ALPNCallback: () => 'a' }), { code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS' });
  });

  test('allowHalfOpen: the server still writes after the client ended its side', async () => {
    const server = tlskitServer({ allowHalfOpen: true }, (socket) => {
      socket.resume();
      socket.on('end', () => setTimeout(() => socket.end('late reply'), 30));
    });
    const port = await listening(server);
    const got = await withTimeout(
      new Promise<string>((resolve) => {
        let text = '';
        const c = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, allowHalfOpen: true } as nodeTls.ConnectionOptions, () => c.end('bye'));
        c.on('data', (d: Buffer) => (text += d.toString()));
        c.on('error', () => {});
        c.on('close', () => resolve(text));
      }),
      'half-open exchange',
    );
    assert.equal(got, 'late reply');
  });
});

describe("the socket in 'secureConnection', side by side with node:tls", () => {
  interface Shown {
    authorized: boolean;
    hasAuthorizationError: boolean;
    servername: string | false;
    alpnProtocol: string | false;
    encrypted: boolean;
  }
  const cases: [string, TlsServerOptions, nodeTls.ConnectionOptions][] = [
    ['no client certificate asked', {}, {}],
    ['requestCert, client sends none, rejectUnauthorized false', { requestCert: true, rejectUnauthorized: false }, {}],
    [
      'requestCert, a client certificate from a CA the server trusts',
      { requestCert: true, ca: clientPki.caPem },
      { key: clientPki.keyPem, cert: clientPki.chainPem },
    ],
    [
      'requestCert, an untrusted client certificate, rejectUnauthorized false',
      { requestCert: true, rejectUnauthorized: false, ca: other.caPem },
      { key: clientPki.keyPem, cert: clientPki.chainPem },
    ],
    ['SNI and ALPN', { ALPNProtocols: ['h2', 'http/1.1'] }, { servername: 'foo.example.com', ALPNProtocols: ['http/1.1'] }],
    ['SNI, no shared ALPN asked by the client', { ALPNProtocols: ['h2'] }, { servername: 'localhost' }],
  ];
  for (const [what, serverOptions, clientOptions] of cases) {
    test(what, async () => {
      const shown: Shown[] = [];
      for (const make of [nodeTls.createServer, createServer] as const) {
        const server = (make as (o: object, l: (s: nodeTls.TLSSocket) => void) => net.Server)({ ...base, ...serverOptions }, (socket) => {
          shown.push({
            authorized: socket.authorized,
            hasAuthorizationError: socket.authorizationError != null,
            servername: socket.servername as string | false,
            alpnProtocol: socket.alpnProtocol as string | false,
            encrypted: socket.encrypted,
          });
          socket.end();
        });
        servers.push(server);
        await nodeClient(await listening(server), clientOptions);
      }
      assert.equal(shown.length, 2);
      assert.deepEqual(shown[1], shown[0]);
    });
  }
});

describe('handshakeStart and tlsClientError', () => {
  test('a client that disconnects mid-handshake gives tlsClientError ECONNRESET', async () => {
    const server = tlskitServer();
    const port = await listening(server);
    const errors: (Error & { code?: string })[] = [];
    server.on('tlsClientError', (e: Error) => errors.push(e));
    const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.from('16030100', 'hex')));
    socket.on('error', () => {});
    await once(socket, 'close');
    await withTimeout(
      (async () => {
        while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
      'tlsClientError',
    );
    assert.equal(errors[0]!.code, 'ECONNRESET');
  });
});

describe("a server's secure-context options are read as tls.createSecureContext() reads them", () => {
  const pki = createTestPki();
  test('refused context options throw, naming them, from createServer, setSecureContext and new TLSSocket', () => {
    for (const bad of [{ dhparam: 'dh.pem' }, { secureProtocol: 'TLSv1_method' }, { privateKeyEngine: 'pkcs11' }]) {
      const options = { key: pki.keyPem, cert: pki.chainPem, ...bad } as TlsServerOptions;
      assert.throws(
        () => createServer(options),
        (err: Error & { code?: string }) => err instanceof TypeError && err.message.includes(Object.keys(bad)[0]!),
      );
      const server = createServer({ key: pki.keyPem, cert: pki.chainPem });
      assert.throws(() => server.setSecureContext(options), TypeError);
    }
  });

  test('secureProtocol bounds the versions a server accepts', async () => {
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, secureProtocol: 'TLSv1_2_method' } as TlsServerOptions, (s) =>
      s.end(s.getProtocol() ?? ''),
    );
    server.on('tlsClientError', () => undefined);
    try {
      const port = await listening(server);
      const client = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
      const [data] = await withTimeout(once(client, 'data'), 'server reply', 5_000);
      assert.equal(String(data), 'TLSv1.2');
      client.destroy();
    } finally {
      closeAll([server]);
    }
  });
});
