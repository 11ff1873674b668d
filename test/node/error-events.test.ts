// A failed handshake as node code sees it: a node:tls client and a tlskit client against the same
// server must see the same events, in the same order: 'secureConnect' when the client's side of
// the handshake completed, then 'error' with the same code, then 'close' with the same hadError
// (true when an error destroyed the socket before the handshake completed; node reports a TLS
// error after it with hadError false). 'data' and 'end' are left out of the comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect as tlskitConnect } from '../../src/node/connect.js';
import { createServer as tlskitCreateServer } from '../../src/node/server.js';

const TIMEOUT_MS = 5_000;
// OpenSSL 3.2 renamed the reasons of SSLv3-era alerts ("ssl/tls alert ..."), and node's codes with
// them: Node 20 (OpenSSL 3.0) says SSLV3_, Node 22 and 24 SSL/TLS_.
const [major, minor] = process.versions.openssl.split('.').map(Number) as [number, number];
const SSLV3 = major > 3 || (major === 3 && minor >= 2) ? 'SSL/TLS' : 'SSLV3';
const pki = createTestPki();
const stranger = createTestPki();

type Connect = (options: tls.ConnectionOptions) => { on(event: string, listener: (...args: never[]) => void): unknown; destroy(): void };
const clients: Record<'node:tls' | 'tlskit', Connect> = {
  'node:tls': (options) => tls.connect(options),
  tlskit: (options) => tlskitConnect(options as Parameters<typeof tlskitConnect>[0]),
};

/** The client's events, in order: secureConnect, error:<code>, close:<hadError>. */
function events(connect: Connect, port: number, options: tls.ConnectionOptions = {}): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ...options });
    const timer = setTimeout(() => {
      seen.push('timed out');
      socket.destroy();
      resolve(seen);
    }, TIMEOUT_MS);
    socket.on('secureConnect', () => seen.push('secureConnect'));
    socket.on('data', () => {});
    socket.on('error', (err: NodeJS.ErrnoException) => seen.push(`error:${err.code}`));
    socket.on('close', (hadError: unknown) => {
      clearTimeout(timer);
      seen.push(`close:${String(hadError)}`);
      resolve(seen);
    });
  });
}

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: net.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

interface Case {
  readonly name: string;
  readonly server: () => net.Server;
  readonly client?: tls.ConnectionOptions;
  /** What node:tls's client sees (measured on Node 20 and 24). */
  readonly expected: readonly string[];
}

const requireCert = { key: pki.keyPem, cert: pki.chainPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true };
const quiet = (server: net.Server): net.Server => {
  server.on('tlsClientError', () => {});
  server.on('connection', (s: net.Socket) => s.on('error', () => {}));
  return server;
};
const serve = (socket: tls.TLSSocket): void => {
  socket.on('error', () => {});
  socket.end('hello');
};

const cases: readonly Case[] = [
  {
    name: 'a node:tls server that requires a client certificate, none sent, TLS 1.3 (its alert comes after our Finished)',
    server: () => quiet(tls.createServer({ ...requireCert, maxVersion: 'TLSv1.3' }, serve)),
    expected: ['secureConnect', 'error:ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'close:false'],
  },
  {
    name: 'a node:tls server that requires a client certificate, none sent, TLS 1.2',
    server: () => quiet(tls.createServer({ ...requireCert, maxVersion: 'TLSv1.2' }, serve)),
    expected: [`error:ERR_SSL_${SSLV3}_ALERT_HANDSHAKE_FAILURE`, 'close:true'],
  },
  {
    name: 'a tlskit server that requires a client certificate, none sent, TLS 1.3',
    server: () => quiet(tlskitCreateServer({ ...requireCert, maxVersion: 'TLSv1.3' }, serve as never) as unknown as net.Server),
    expected: ['secureConnect', 'error:ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'close:false'],
  },
  {
    name: 'a tlskit server that requires a client certificate, none sent, TLS 1.2',
    server: () => quiet(tlskitCreateServer({ ...requireCert, maxVersion: 'TLSv1.2' }, serve as never) as unknown as net.Server),
    expected: [`error:ERR_SSL_${SSLV3}_ALERT_HANDSHAKE_FAILURE`, 'close:true'],
  },
  {
    name: 'a tlskit server that does not trust the client certificate, TLS 1.3',
    server: () => quiet(tlskitCreateServer({ ...requireCert, maxVersion: 'TLSv1.3' }, serve as never) as unknown as net.Server),
    client: { key: stranger.keyPem, cert: stranger.chainPem },
    expected: ['secureConnect', 'error:ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'close:false'],
  },
  {
    name: 'a tlskit server that does not trust the client certificate, TLS 1.2',
    server: () => quiet(tlskitCreateServer({ ...requireCert, maxVersion: 'TLSv1.2' }, serve as never) as unknown as net.Server),
    client: { key: stranger.keyPem, cert: stranger.chainPem },
    expected: ['error:ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'close:true'],
  },
  {
    name: 'a server that allows only TLS 1.3, a client that allows only TLS 1.2 (protocol_version alert)',
    server: () => quiet(tls.createServer({ key: pki.keyPem, cert: pki.chainPem, minVersion: 'TLSv1.3' }, serve)),
    client: { maxVersion: 'TLSv1.2' },
    expected: ['error:ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'close:true'],
  },
  {
    name: 'the client rejects the server certificate',
    server: () => quiet(tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, serve)),
    client: { ca: stranger.caPem },
    expected: ['error:UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'close:true'],
  },
  {
    name: 'the server closes the TCP connection during the handshake',
    server: () => quiet(net.createServer((socket) => socket.once('data', () => socket.destroy()))),
    expected: ['error:ECONNRESET', 'close:true'],
  },
  {
    name: 'a successful connection the server ends',
    server: () => quiet(tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, serve)),
    expected: ['secureConnect', 'close:false'],
  },
];

for (const c of cases) {
  test(`${c.name}: ${c.expected.join(' → ')}, on both clients`, { timeout: 4 * TIMEOUT_MS }, async () => {
    const server = c.server();
    const port = await listening(server);
    try {
      for (const [name, connect] of Object.entries(clients)) {
        assert.deepEqual(await events(connect, port, c.client), c.expected, `${name} client`);
      }
    } finally {
      await closeServer(server);
    }
  });
}

test("the client's ECONNRESET says what node:tls says", { timeout: 2 * TIMEOUT_MS }, async () => {
  const server = quiet(net.createServer((socket) => socket.once('data', () => socket.destroy())));
  const port = await listening(server);
  try {
    const messages: string[] = [];
    for (const connect of Object.values(clients)) {
      messages.push(
        await new Promise<string>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
          socket.on('error', (err: Error) => resolve(err.message));
        }),
      );
    }
    assert.deepEqual(messages, Array(2).fill('Client network socket disconnected before secure TLS connection was established'));
  } finally {
    await closeServer(server);
  }
});
