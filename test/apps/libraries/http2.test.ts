// node:http2 over tlskit. Without help, http2 wraps a tlskit socket in a plain net.Socket stand-in
// and reports the session as h2c, unencrypted, with no client address; http2Connect (client) and
// acceptHttp2 (server) give the session and its socket the TLS facts. Both ends tlskit, and each
// against node's own http2 over node:tls; a server that never answers, a bad CA, no h2 by ALPN.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as net from 'node:net';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { acceptHttp2, connect, createServer, http2Connect, type Server, type TLSSocket } from '../../../src/index.js';
import { startSilentPeer } from '../helpers/libraries.js';
import { onceEvent, withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });

/** One GET on `session`: status and body. */
async function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  const req = session.request({ ':path': path });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  // Listen for both at once: over a JS stream, http2 may emit the body before 'response'.
  const response = onceEvent<[http2.IncomingHttpHeaders]>(req, 'response', 'h2 response');
  const ended = onceEvent(req, 'end', 'h2 body');
  const [[headers]] = await Promise.all([response, ended]);
  return { status: Number(headers[':status']), body };
}

/** What the server saw of a request, as JSON. */
function describeRequest(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  const socket = req.socket as unknown as Partial<TLSSocket>;
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      encrypted: req.stream.session!.encrypted,
      alpn: req.stream.session!.alpnProtocol,
      remoteAddress: socket.remoteAddress ?? null,
      socketEncrypted: socket.encrypted ?? null,
      protocol: typeof socket.getProtocol === 'function' ? socket.getProtocol() : null,
    }),
  );
}

describe('http2 over tlskit: acceptHttp2 (server) and http2Connect (client)', () => {
  const h2 = http2.createServer({}, describeRequest);
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer({ key: pki.keyPem, cert: pki.chainPem, ALPNProtocols: ['h2'] }, (socket) => acceptHttp2(h2, socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    h2.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const expectedServerView = { encrypted: true, alpn: 'h2', remoteAddress: '127.0.0.1', socketEncrypted: true, protocol: 'TLSv1.3' };

  test('tlskit on both ends: the session and its socket show TLS, h2, the peer address and certificate', async () => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: pki.caPem });
    try {
      const { status, body } = await withTimeout(get(session, '/both'), 10_000, 'h2 GET');
      assert.equal(status, 200);
      assert.deepEqual(JSON.parse(body), expectedServerView);
      assert.equal(session.encrypted, true);
      assert.equal(session.alpnProtocol, 'h2');
      const socket = session.socket as unknown as TLSSocket;
      assert.equal(socket.remoteAddress, '127.0.0.1');
      assert.equal(socket.remotePort, port);
      assert.equal(socket.authorized, true);
      assert.equal(socket.getPeerCertificate().subject.CN, 'localhost');
    } finally {
      session.close();
    }
  });

  test("node's own http2 client (node:tls) against acceptHttp2: the server sees TLS and the client's address", async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.caPem });
    try {
      const { body } = await withTimeout(get(session, '/node-client'), 10_000, 'h2 GET');
      assert.deepEqual(JSON.parse(body), expectedServerView);
    } finally {
      session.close();
    }
  });

  test("without the helpers (createConnection and emit('connection')) http2 reports h2c, unencrypted, no address: why they exist", async () => {
    const plainH2 = http2.createServer({}, describeRequest);
    const plain = createServer({ key: pki.keyPem, cert: pki.chainPem, ALPNProtocols: ['h2'] }, (socket) => plainH2.emit('connection', socket));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainPort = (plain.address() as net.AddressInfo).port;
    const session = http2.connect(`https://127.0.0.1:${plainPort}`, {
      createConnection: () => connect({ host: '127.0.0.1', port: plainPort, ca: pki.caPem, ALPNProtocols: ['h2'] }) as never,
    });
    try {
      const { body } = await withTimeout(get(session, '/plain'), 10_000, 'h2 GET');
      assert.deepEqual(JSON.parse(body), { encrypted: false, alpn: 'h2c', remoteAddress: null, socketEncrypted: null, protocol: null });
      assert.equal(session.encrypted, false);
      assert.equal(session.alpnProtocol, 'h2c');
    } finally {
      session.close();
      plainH2.close();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  test("http2Connect against node's own http2 secure server", async () => {
    const nodeServer = http2.createSecureServer({ key: pki.keyPem, cert: pki.chainPem }, (req, res) => res.end(`hello ${req.socket.remoteAddress}`));
    await new Promise<void>((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
    const session = http2Connect(`https://127.0.0.1:${(nodeServer.address() as net.AddressInfo).port}`, { ca: pki.caPem });
    try {
      const { body } = await withTimeout(get(session, '/'), 10_000, 'h2 GET');
      assert.equal(body, 'hello 127.0.0.1');
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
      await new Promise<void>((resolve) => nodeServer.close(() => resolve()));
    }
  });

  test('a server certificate from another CA: the session fails with a clear error (unknown_ca)', async () => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: createTestPki().caPem });
    try {
      const [err] = await onceEvent<[Error & { alert?: string }]>(session, 'error', 'h2 session error');
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer/);
    } finally {
      session.destroy();
    }
  });

  test("bad CA: node's code", async () => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: createTestPki().caPem });
    try {
      const [err] = await onceEvent<[NodeJS.ErrnoException]>(session, 'error', 'h2 session error');
      assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      session.destroy();
    }
  });

  test('a server that does not select h2 by ALPN: the session fails and says so', async () => {
    const h1 = createServer({ key: pki.keyPem, cert: pki.chainPem, ALPNProtocols: ['http/1.1'] }, () => undefined);
    await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
    const session = http2Connect(`https://127.0.0.1:${(h1.address() as net.AddressInfo).port}`, { ca: pki.caPem, ALPNProtocols: ['h2', 'http/1.1'] });
    try {
      const [err] = await onceEvent<[Error]>(session, 'error', 'h2 session error');
      assert.match(err.message, /did not select ALPN 'h2' \(it selected 'http\/1\.1'\)/);
    } finally {
      session.destroy();
      await new Promise<void>((resolve) => h1.close(() => resolve()));
    }
  });

  test('a server that accepts TCP and never answers: handshakeTimeout fails the session and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    const session = http2Connect(`https://127.0.0.1:${silent.port}`, { ca: pki.caPem, handshakeTimeout: 300 });
    try {
      const [err] = await onceEvent<[Error]>(session, 'error', 'h2 session error', 5_000);
      assert.match(err.message, /did not complete within 300 ms/);
      await silent.closedByClient(3_000);
    } finally {
      session.destroy();
      await silent.close();
    }
  });
});
