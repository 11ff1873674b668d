// The server option table (src/node/server-option-table.ts), one test per entry: an honoured
// option's effect is observed, a refused one's TypeError checked. Options shared with
// createSecureContext() are the secure-context table's, and external PSKs their module's: both
// are only checked to be listed here. Every option node documents for tls.createServer(),
// net.createServer() and http.createServer() must have an entry.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { connect, createHttpsServer, createSecureContext, createServer, type TlsServerOptions } from '../../src/index.js';
import { SERVER_OPTION_TABLE } from '../../src/node/server-option-table.js';
import { decodeSession } from '../../src/handshake/session.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { closeAll, listening, nodeClient, withTimeout } from './server-helpers.js';

const pki = createTestPki();
const sniPki = createTestPki({ names: ['sni.test'] });
const clientPki = createTestPki({ names: ['client.test'] });
const base = { key: pki.keyPem, cert: pki.chainPem };
const servers: net.Server[] = [];
after(() => closeAll(servers));

async function serve(options: TlsServerOptions & Record<string, unknown>, onSecure?: (s: nodeTls.TLSSocket) => void) {
  const server = createServer({ ...base, ...options } as TlsServerOptions, (socket) => {
    socket.on('error', () => {});
    if (onSecure) onSecure(socket as unknown as nodeTls.TLSSocket);
    else socket.end('bye');
  });
  const clientErrors: (Error & { code?: string })[] = [];
  server.on('tlsClientError', (e: Error) => clientErrors.push(e));
  servers.push(server);
  return { server, port: await listening(server), clientErrors };
}

async function httpsServe(options: Record<string, unknown>) {
  const server = createHttpsServer({ ...base, ...options }, (req, res) => res.end(`ok ${req.headers.host ?? ''}`));
  servers.push(server);
  return { server, port: await listening(server) };
}

/** A raw HTTPS request over node:tls; the response's status line. */
function httpsStatus(port: number, request: string): Promise<string> {
  return withTimeout(
    new Promise((resolve) => {
      let text = '';
      const c = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => c.write(request));
      c.on('data', (d: Buffer) => (text += d.toString()));
      c.on('error', () => {});
      c.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
    }),
    'https request',
  );
}

/** How each honoured option's effect shows. */
const effects: Record<string, () => Promise<void>> = {
  ALPNProtocols: async () => {
    const { port } = await serve({ ALPNProtocols: ['h2', 'http/1.1'] });
    assert.equal((await nodeClient(port, { ALPNProtocols: ['http/1.1', 'h2'] })).alpnProtocol, 'h2');
  },
  ALPNCallback: async () => {
    const { port } = await serve({ ALPNCallback: ({ protocols }) => protocols.at(-1) });
    assert.equal((await nodeClient(port, { ALPNProtocols: ['a', 'b'] })).alpnProtocol, 'b');
  },
  handshakeTimeout: async () => {
    const { port, clientErrors } = await serve({ handshakeTimeout: 100 });
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => {});
    const started = Date.now();
    await withTimeout(once(silent, 'close'), 'handshake timeout', 3_000);
    assert.ok(Date.now() - started < 2_000);
    assert.equal(clientErrors.length, 1);
    assert.equal(clientErrors[0]!.code, 'ERR_TLS_HANDSHAKE_TIMEOUT'); // node's code
  },
  rejectUnauthorized: async () => {
    const { port } = await serve({ requestCert: true, rejectUnauthorized: false, ca: clientPki.caPem }, (s) => s.end(String(s.authorized)));
    assert.equal((await nodeClient(port)).received, 'false');
  },
  requestCert: async () => {
    const { port } = await serve({ requestCert: true, ca: clientPki.caPem }, (s) => s.end(String(s.authorized)));
    assert.equal((await nodeClient(port, { key: clientPki.keyPem, cert: clientPki.chainPem })).received, 'true');
    assert.ok((await nodeClient(port)).error, 'a client without a certificate is refused');
  },
  sessionTimeout: async () => {
    const { port } = await serve({ sessionTimeout: 77 });
    const { session } = await nodeClient(port, { maxVersion: 'TLSv1.3' });
    // node:tls's session is OpenSSL's; the ticket lifetime is in its NewSessionTicket: read it from ours instead.
    assert.ok(session);
    const ours = await tlskitSession(port);
    assert.equal(decodeSession(ours).lifetime, 77);
  },
  SNICallback: async () => {
    const { port } = await serve({
      SNICallback: (name, cb) => cb(null, name === 'sni.test' ? createSecureContext({ key: sniPki.keyPem, cert: sniPki.chainPem }) : undefined),
    });
    const cn = await withTimeout(
      new Promise<string>((resolve, reject) => {
        const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'sni.test', rejectUnauthorized: false }, () => {
          resolve(c.getPeerCertificate().subject.CN as string);
          c.destroy();
        });
        c.on('error', reject);
      }),
      'SNI',
    );
    assert.equal(cn, 'sni.test');
  },
  ticketKeys: async () => {
    const ticketKeys = Buffer.alloc(48, 9);
    const a = await serve({ ticketKeys });
    const b = await serve({ ticketKeys });
    const first = await nodeClient(a.port);
    assert.equal((await nodeClient(b.port, { session: first.session! })).resumed, true);
  },
  allowHalfOpen: async () => {
    const { port } = await serve({ allowHalfOpen: true }, (s) => {
      s.resume();
      s.on('end', () => setTimeout(() => s.end('after end'), 30));
    });
    const got = await withTimeout(
      new Promise<string>((resolve) => {
        let text = '';
        const c = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, allowHalfOpen: true } as nodeTls.ConnectionOptions, () => c.end());
        c.on('data', (d: Buffer) => (text += d.toString()));
        c.on('error', () => {});
        c.on('close', () => resolve(text));
      }),
      'half-open',
    );
    assert.equal(got, 'after end');
  },
  pauseOnConnect: async () => {
    let paused: boolean | undefined;
    const { port } = await serve({ pauseOnConnect: true }, (s) => {
      paused = s.isPaused();
      s.end('bye');
    });
    assert.equal((await nodeClient(port)).received, 'bye');
    assert.equal(paused, true);
  },
  noDelay: async () => {
    // TCP_NODELAY cannot be read back from JavaScript: the net.Server that sets it got it.
    const { server } = await serve({ noDelay: true });
    assert.equal((server as unknown as { noDelay: boolean }).noDelay, true);
  },
  keepAlive: async () => {
    const { server } = await serve({ keepAlive: true });
    assert.equal((server as unknown as { keepAlive: boolean }).keepAlive, true);
  },
  keepAliveInitialDelay: async () => {
    const { server } = await serve({ keepAlive: true, keepAliveInitialDelay: 5_000 });
    // net.Server keeps it in seconds.
    assert.equal((server as unknown as { keepAliveInitialDelay: number }).keepAliveInitialDelay, 5);
  },
  highWaterMark: async () => {
    const { server, port } = await serve({ highWaterMark: 1234 });
    const seen = new Promise<number>((resolve) => server.once('connection', (raw: net.Socket) => resolve(raw.readableHighWaterMark)));
    await nodeClient(port);
    assert.equal(await seen, 1234);
  },
  blockList: async () => {
    const blockList = new net.BlockList();
    blockList.addAddress('127.0.0.1');
    const { server, port } = await serve({ blockList });
    let secure = 0;
    server.on('secureConnection', () => secure++);
    const outcome = await nodeClient(port);
    assert.ok(outcome.error);
    assert.equal(secure, 0);
  },
  IncomingMessage: async () => {
    class Tagged extends http.IncomingMessage {}
    let tagged = false;
    const server = createHttpsServer({ ...base, IncomingMessage: Tagged }, (req, res) => {
      tagged = req instanceof Tagged;
      res.end();
    });
    servers.push(server);
    await httpsStatus(await listening(server), 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(tagged, true);
  },
  ServerResponse: async () => {
    class Tagged extends http.ServerResponse {}
    let tagged = false;
    const server = createHttpsServer({ ...base, ServerResponse: Tagged as never }, (_req, res) => {
      tagged = res instanceof Tagged;
      res.end();
    });
    servers.push(server);
    await httpsStatus(await listening(server), 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(tagged, true);
  },
  maxHeaderSize: async () => {
    const { port } = await httpsServe({ maxHeaderSize: 100 });
    assert.match(await httpsStatus(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(200)}\r\n\r\n`), / 431 /);
  },
  requireHostHeader: async () => {
    const strict = await httpsServe({});
    assert.match(await httpsStatus(strict.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'), / 400 /);
    const lax = await httpsServe({ requireHostHeader: false });
    assert.match(await httpsStatus(lax.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'), / 200 /);
  },
  insecureHTTPParser: async () => {
    const { server } = await httpsServe({ insecureHTTPParser: true });
    assert.equal((server as unknown as { insecureHTTPParser: boolean }).insecureHTTPParser, true);
  },
  joinDuplicateHeaders: async () => {
    let host = '';
    const server = createHttpsServer({ ...base, joinDuplicateHeaders: true }, (req, res) => {
      host = String(req.headers['x-a']);
      res.end();
    });
    servers.push(server);
    await httpsStatus(await listening(server), 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n');
    assert.equal(host, '1, 2');
  },
  uniqueHeaders: async () => {
    const { server } = await httpsServe({ uniqueHeaders: ['x-one'] });
    assert.ok(Object.getOwnPropertySymbols(server).some((s) => String(s).includes('UniqueHeaders') && (server as unknown as Record<symbol, unknown>)[s]));
  },
  requestTimeout: async () => {
    const { server } = await httpsServe({ requestTimeout: 12_345 });
    assert.equal((server as unknown as http.Server).requestTimeout, 12_345);
  },
  headersTimeout: async () => {
    const { server } = await httpsServe({ headersTimeout: 2_345 });
    assert.equal((server as unknown as http.Server).headersTimeout, 2_345);
  },
  connectionsCheckingInterval: async () => {
    const { server } = await httpsServe({ connectionsCheckingInterval: 4_321 });
    const symbols = Object.getOwnPropertySymbols(server).map((s) => (server as unknown as Record<symbol, unknown>)[s]);
    assert.ok(
      symbols.some((v) => v !== null && typeof v === 'object' && (v as { _repeat?: number })._repeat === 4_321),
      'the connections checker runs at that interval',
    );
  },
  rejectNonStandardBodyWrites: async () => {
    const { server } = await httpsServe({ rejectNonStandardBodyWrites: true });
    // Node versions without it ignore it in http.Server; where it exists, http.Server keeps it.
    const value = (server as unknown as { rejectNonStandardBodyWrites?: boolean }).rejectNonStandardBodyWrites;
    assert.ok(value === true || value === undefined);
  },
};

/** A session as tlskit's client sees it (its serialised form). */
async function tlskitSession(port: number): Promise<Uint8Array> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const c = connect({ host: '127.0.0.1', port, ca: pki.caPem, servername: 'localhost' });
      c.on('session', (s: Uint8Array) => {
        resolve(s);
        c.destroy();
      });
      c.on('data', () => {});
      c.on('error', reject);
    }),
    'tlskit session',
  );
}

/** Every option node documents (Node 20 and 24) for these three functions, besides createSecureContext()'s. */
const NODE_SERVER_OPTIONS = [
  // tls.createServer()
  'ALPNProtocols',
  'ALPNCallback',
  'clientCertEngine',
  'enableTrace',
  'handshakeTimeout',
  'rejectUnauthorized',
  'requestCert',
  'sessionTimeout',
  'SNICallback',
  'ticketKeys',
  'pskCallback',
  'pskIdentityHint',
  // net.createServer()
  'allowHalfOpen',
  'highWaterMark',
  'keepAlive',
  'keepAliveInitialDelay',
  'noDelay',
  'pauseOnConnect',
  'blockList',
  // http.createServer(), through https.createServer()
  'connectionsCheckingInterval',
  'headersTimeout',
  'IncomingMessage',
  'insecureHTTPParser',
  'joinDuplicateHeaders',
  'maxHeaderSize',
  'requestTimeout',
  'requireHostHeader',
  'ServerResponse',
  'uniqueHeaders',
  'rejectNonStandardBodyWrites',
];

describe('server option table', () => {
  test("every option of node's createServer() functions has an entry", () => {
    for (const name of NODE_SERVER_OPTIONS) assert.ok(SERVER_OPTION_TABLE[name], `${name} is missing from the table`);
  });

  for (const [name, entry] of Object.entries(SERVER_OPTION_TABLE)) {
    if (entry.status === 'honoured') {
      test(`${name}: honoured (${entry.scope})`, async () => {
        const effect = effects[name];
        assert.ok(effect, `no test observes ${name}'s effect`);
        await effect();
      });
    } else if (entry.status === 'refused') {
      test(`${name}: refused with a TypeError naming it (${entry.scope})`, () => {
        const value = name === 'enableTrace' ? true : 'x';
        for (const build of [
          () => createServer({ ...base, [name]: value } as TlsServerOptions),
          () => createHttpsServer({ ...base, [name]: value } as never),
        ]) {
          assert.throws(build, (err: Error & { code?: string }) => {
            assert.ok(err instanceof TypeError);
            assert.equal(err.code, 'ERR_TLSKIT_UNSUPPORTED_OPTION');
            assert.ok(err.message.includes(name));
            return true;
          });
        }
        // setSecureContext() refuses it as well.
        const server = createServer(base);
        assert.throws(() => server.setSecureContext({ ...base, [name]: value } as TlsServerOptions), TypeError);
        // Values that mean "absent" pass.
        createServer({ ...base, [name]: undefined } as TlsServerOptions);
      });
    } else {
      test(`${name}: ${entry.status === 'external-psk' ? 'decided by the external PSK module' : 'decided by the secure-context table'}`, () => {
        assert.match(entry.note, /PSK|createSecureContext/);
      });
    }
  }
});
