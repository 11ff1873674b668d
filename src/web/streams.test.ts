// The Web Streams adapter: in-memory stream pairs (handshake, data both ways, backpressure,
// close_notify, errors reaching both streams) and node:tls over TCP through Duplex.toWeb.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as nodeCrypto from 'node:crypto';
import { Duplex } from 'node:stream';
import { once } from 'node:events';
import { acceptStream, connectStream, type ByteStreamPair, type TlsStream } from './streams.js';
import { PortableCryptoProvider } from '../crypto/portable/provider.js';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { TlsError } from '../errors.js';
import { createTestPki } from '../devcert/test-pki.js';
import { CertificateFolder, opensslAvailable } from '../../test/helpers/certs.js';

const portable = new PortableCryptoProvider();
const certs = opensslAvailable() ? new CertificateFolder() : undefined;
after(() => certs?.remove());
const skip = certs ? false : 'the openssl CLI is not installed';

/** Two connected transports; `tap` may watch or rewrite what flows client → server. */
function memoryPipe(tap?: TransformStream<Uint8Array, Uint8Array>): { client: ByteStreamPair; server: ByteStreamPair } {
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  const serverReadable = tap ? up.readable.pipeThrough(tap) : up.readable;
  return { client: { readable: down.readable, writable: up.writable }, server: { readable: serverReadable, writable: down.writable } };
}

function serverOptions(kind: 'p256' | 'ed25519' = 'p256') {
  const c = certs!.get(kind);
  return { key: c.key, cert: c.cert, provider: portable };
}

const clientOptions = { servername: 'localhost', rejectUnauthorized: false, provider: portable };

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readBytes(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    have += value.length;
  }
  return Buffer.concat(chunks);
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.equal(actual.length, expected.length, message);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length)), message);
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function connectedPair(tap?: TransformStream<Uint8Array, Uint8Array>): Promise<[TlsStream, TlsStream]> {
  const pipe = memoryPipe(tap);
  return Promise.all([connectStream(pipe.client, clientOptions), acceptStream(pipe.server, serverOptions())]);
}

test("memory pipe: handshake, data both ways, close_notify ends the peer's readable", { skip }, async () => {
  const [client, server] = await connectedPair();
  assert.equal(client.info.version, 'TLSv1.3');
  assert.equal(server.info.version, 'TLSv1.3');
  const up = pattern(300_000, 1);
  const down = pattern(100_000, 2);
  const clientWriter = client.writable.getWriter();
  const serverWriter = server.writable.getWriter();
  const [, , gotUp, gotDown] = await Promise.all([
    clientWriter.write(up).then(() => clientWriter.close()),
    serverWriter.write(down),
    readAll(server.readable),
    readBytes(client.readable.getReader(), down.length),
  ]);
  assertSameBytes(gotUp, up);
  assertSameBytes(gotDown, down);
  assert.ok(server.connection.peerClosed, 'the server got close_notify');
  await serverWriter.close();
  await client.close();
  await server.close();
});

test('memory pipe: reading is pull-based; a writer waits while the peer does not read', { skip }, async () => {
  let bytesIntoClient = 0;
  const pipe = memoryPipe();
  const counted: ByteStreamPair = {
    readable: pipe.client.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytesIntoClient += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    ),
    writable: pipe.client.writable,
  };
  const [client, server] = await Promise.all([
    connectStream(counted, { ...clientOptions, readableHighWaterMark: 16 * 1024 }),
    acceptStream(pipe.server, serverOptions()),
  ]);
  const total = 1024 * 1024;
  const writer = server.writable.getWriter();
  let written = false;
  const writing = writer.write(pattern(total, 3)).then(() => {
    written = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const pulledWhileIdle = bytesIntoClient;
  assert.equal(written, false, "the server's write waits: nobody reads at the client");
  assert.ok(pulledWhileIdle < 256 * 1024, `the client stopped reading its transport early (${pulledWhileIdle} bytes)`);
  const got = await readBytes(client.readable.getReader(), total);
  await writing;
  assert.equal(got.length, total);
  assertSameBytes(got, pattern(total, 3));
  await client.close();
  await server.close();
});

test('memory pipe: a corrupted record errors both streams on both sides with the alert', { skip }, async () => {
  let records = 0;
  let corrupt = false;
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const copy = chunk.slice();
      records++;
      // Records leave in pieces (header, body, tag): flip a body byte, never the 5-byte header.
      if (corrupt && copy.length > 5) {
        copy[0]! ^= 0xff;
        corrupt = false;
      }
      controller.enqueue(copy);
    },
  });
  const [client, server] = await connectedPair(tap);
  assert.ok(records > 0);
  corrupt = true;
  const clientWriter = client.writable.getWriter();
  await clientWriter.write(pattern(100, 1));
  const serverRead = server.readable.getReader().read();
  await assert.rejects(serverRead, (err: unknown) => err instanceof TlsError && err.alert === 'bad_record_mac' && err.origin === 'local');
  await assert.rejects(server.writable.getWriter().write(pattern(1, 1)), (err: unknown) => err instanceof TlsError && err.alert === 'bad_record_mac');
  // The alert went out: the client learns of it through its own streams.
  await assert.rejects(
    client.readable.getReader().read(),
    (err: unknown) => err instanceof TlsError && err.alert === 'bad_record_mac' && err.origin === 'peer',
  );
  await assert.rejects(clientWriter.write(pattern(1, 1)), TlsError);
});

test('memory pipe: handshake failures reject both connectStream and acceptStream', { skip }, async () => {
  const pipe = memoryPipe();
  // No verifier is configured and rejectUnauthorized defaults to true: the client refuses the server.
  const [client, server] = await Promise.allSettled([
    connectStream(pipe.client, { servername: 'localhost', provider: portable }),
    acceptStream(pipe.server, serverOptions()),
  ]);
  assert.equal(client.status, 'rejected');
  assert.ok((client as PromiseRejectedResult).reason instanceof TlsError);
  assert.equal(server.status, 'rejected');
  assert.equal(((server as PromiseRejectedResult).reason as TlsError).origin, 'peer');
});

test('memory pipe: RSA certificates through WebCrypto: the adapter runs the asynchronous steps (verification, signing) on both sides', async () => {
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    const server = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
    const client = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', names: ['client.test'] });
    const pipe = memoryPipe();
    const [c, s] = await Promise.all([
      connectStream(pipe.client, {
        servername: 'localhost',
        ca: server.caPem,
        key: client.keyPem,
        cert: client.chainPem,
        maxVersion,
        provider: new PortableCryptoProvider(),
      }),
      acceptStream(pipe.server, { key: server.keyPem, cert: server.chainPem, requestCert: true, ca: client.caPem, provider: new PortableCryptoProvider() }),
    ]);
    assert.equal(c.info.version, maxVersion);
    assert.ok(c.info.authorized && s.info.authorized, `${maxVersion}: both chains validated`);
    const writer = c.writable.getWriter();
    await writer.write(new TextEncoder().encode('over RSA'));
    const reader = s.readable.getReader();
    assert.equal(new TextDecoder().decode(await readBytes(reader, 8)), 'over RSA');
    await Promise.all([c.close(), s.close()]);
  }
});

test('memory pipe: a verifier that answers later rejects: both sides fail with its alert', async () => {
  const pki = createTestPki();
  const pipe = memoryPipe();
  const verifier = {
    verify: () => new Promise<never>((_, reject) => setTimeout(() => reject(new TlsError('certificate_revoked', 'revoked, says the service')), 5)),
  };
  const [client, server] = await Promise.allSettled([
    connectStream(pipe.client, { servername: 'localhost', verifier, provider: portable }),
    acceptStream(pipe.server, { key: pki.keyPem, cert: pki.chainPem, provider: portable }),
  ]);
  assert.equal(client.status, 'rejected');
  assert.equal(((client as PromiseRejectedResult).reason as TlsError).alert, 'certificate_revoked');
  assert.equal(server.status, 'rejected');
  assert.equal(((server as PromiseRejectedResult).reason as TlsError).alert, 'certificate_revoked');
  assert.equal(((server as PromiseRejectedResult).reason as TlsError).origin, 'peer');
});

test('memory pipe: a transport closed before the handshake completes rejects', async () => {
  const down = new TransformStream<Uint8Array, Uint8Array>();
  const up = new WritableStream<Uint8Array>({});
  const connecting = connectStream({ readable: down.readable, writable: up }, clientOptions);
  await down.writable.close();
  await assert.rejects(connecting, (err: unknown) => err instanceof TlsError && /before the handshake completed/.test(err.message));
});

test('memory pipe: an AbortSignal aborts the handshake', async () => {
  const pipe = memoryPipe();
  const controller = new AbortController();
  const connecting = connectStream(pipe.client, { ...clientOptions, signal: controller.signal });
  controller.abort(new Error('gave up'));
  await assert.rejects(connecting, /gave up/);
  const aborted = AbortSignal.abort(new Error('never started'));
  await assert.rejects(connectStream(memoryPipe().client, { ...clientOptions, signal: aborted }), /never started/);
});

test('memory pipe: bad options reject before the transport is touched', async () => {
  const pipe = memoryPipe();
  await assert.rejects(connectStream(pipe.client, { ...clientOptions, ecdhCurve: 'nope' }), TypeError);
  assert.equal(pipe.client.readable.locked, false);
});

// ---- over TCP, against node:tls ----

function webSocket(socket: net.Socket): ByteStreamPair {
  return Duplex.toWeb(socket) as unknown as ByteStreamPair;
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function tcpConnect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Node's ML-KEM appeared with OpenSSL 3.5 (Node >= 24.7), which also brings X25519MLKEM768 to node:tls. */
const nodeHasMlKem = typeof (nodeCrypto as { encapsulate?: unknown }).encapsulate === 'function';

for (const provider of [portable, nodeCryptoProvider]) {
  test(`TCP: connectStream (${provider.name} provider) to a node:tls echo server, close_notify both ways`, { skip }, async () => {
    const c = certs!.get('p256');
    const server = tls.createServer({ key: c.key, cert: c.cert }, (socket) => socket.pipe(socket));
    const port = await listen(server);
    try {
      const stream = await connectStream(webSocket(await tcpConnect(port)), { ...clientOptions, provider });
      assert.equal(stream.info.version, 'TLSv1.3');
      const message = pattern(200_000, 9);
      const writer = stream.writable.getWriter();
      const [, echoed] = await Promise.all([writer.write(message).then(() => writer.close()), readAll(stream.readable)]);
      assertSameBytes(echoed, message);
      assert.ok(stream.connection.peerClosed, 'node:tls answered our close_notify with its own');
      await stream.close();
    } finally {
      server.close();
    }
  });
}

test('TCP: acceptStream (portable) serving a node:tls client', { skip }, async () => {
  const accepted: Promise<void>[] = [];
  const server = net.createServer((socket) => {
    accepted.push(
      (async () => {
        const stream = await acceptStream(webSocket(socket), serverOptions('ed25519'));
        // Echo until the client's close_notify, then close ours.
        await stream.readable.pipeTo(stream.writable);
      })(),
    );
  });
  const port = await listen(server);
  try {
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.end(Buffer.from('ping over web streams'));
    await once(socket, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'ping over web streams');
    await Promise.all(accepted);
  } finally {
    server.close();
  }
});

test('TCP: X25519MLKEM768 from the portable client to node:tls (OpenSSL 3.5)', {
  skip: skip || (nodeHasMlKem ? false : `node:tls here has no X25519MLKEM768 (OpenSSL ${process.versions.openssl}); runs on Node >= 24.7`),
}, async () => {
  const c = certs!.get('p256');
  // The server accepts nothing else: the echo proves both sides derived the same keys.
  const server = tls.createServer({ key: c.key, cert: c.cert, ecdhCurve: 'X25519MLKEM768' }, (socket) => socket.pipe(socket));
  const port = await listen(server);
  try {
    const stream = await connectStream(webSocket(await tcpConnect(port)), { ...clientOptions, ecdhCurve: 'X25519MLKEM768:X25519' });
    assert.equal(stream.info.group?.name, 'X25519MLKEM768');
    const writer = stream.writable.getWriter();
    const [, echoed] = await Promise.all([writer.write(pattern(1000, 4)).then(() => writer.close()), readAll(stream.readable)]);
    assertSameBytes(echoed, pattern(1000, 4));
  } finally {
    server.close();
  }
});
