// The portable TLS socket (startTls/connectTls): PostgreSQL's SSLRequest answers, refused options,
// and against node:tls (OpenSSL) over TCP: the peer certificate described as node:tls does,
// checkServerIdentity (failing the handshake, or only leaving the socket unauthorized), ALPN,
// versions, and node's error codes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { connectTls, postgresSslRequest, startTls, StartTlsRefused } from './socket.js';
import type { ByteStreamPair } from './streams.js';
import { TlsError } from '../errors.js';
import { PortableCryptoProvider } from '../crypto/portable/provider.js';
import { createTestPki } from '../devcert/test-pki.js';

const provider = new PortableCryptoProvider();
const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });

/** A transport whose server side answers the SSLRequest with `answer` (then closes when `end`). */
function fakeServer(answer: Uint8Array | undefined): { transport: ByteStreamPair; received: Promise<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let report!: (b: Uint8Array) => void;
  const received = new Promise<Uint8Array>((resolve) => (report = resolve));
  const readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      report(chunk);
      if (answer) controller.enqueue(answer);
      else controller.close();
    },
  });
  return { transport: { readable, writable }, received };
}

describe('PostgreSQL SSLRequest (protocol §55.2.10)', () => {
  test("sends the 8-byte SSLRequest; 'S' alone lets TLS start", async () => {
    const { transport, received } = fakeServer(Uint8Array.of(0x53));
    await postgresSslRequest(transport);
    assert.deepEqual([...(await received)], [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
  });

  test('a server that never answers: the AbortSignal ends the wait (no hang)', { timeout: 5_000 }, async () => {
    const silent: ByteStreamPair = { readable: new ReadableStream<Uint8Array>(), writable: new WritableStream<Uint8Array>() };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('gave up waiting')), 50);
    await assert.rejects(startTls(silent, { starttls: 'postgres', host: 'db.test', signal: controller.signal }), /gave up waiting/);
  });

  const refusals: [string, Uint8Array | undefined, RegExp][] = [
    ["'N'", Uint8Array.of(0x4e), /does not accept TLS/],
    ["'S' followed by bytes (injected before the handshake)", Uint8Array.of(0x53, 0x16, 0x03), /data after S/],
    ['an ErrorResponse', Uint8Array.of(0x45, 0, 0, 0, 4), /0x45, not S/],
    ['a closed connection', undefined, /closed the connection/],
  ];
  for (const [what, answer, message] of refusals) {
    test(`${what} is refused with StartTlsRefused`, async () => {
      await assert.rejects(
        postgresSslRequest(fakeServer(answer).transport),
        (err: unknown) => err instanceof StartTlsRefused && err.code === 'ERR_STARTTLS_REFUSED' && message.test(err.message),
      );
    });
  }
});

test('options it cannot honour are refused, naming them', async () => {
  const { transport } = fakeServer(Uint8Array.of(0x53));
  await assert.rejects(
    startTls(transport, { starttls: 'smtp' as never }),
    (err: unknown) => err instanceof TypeError && /starttls protocol 'smtp'/.test((err as Error).message),
  );
  await assert.rejects(startTls(transport, { serverIdentity: () => undefined } as never), /checkServerIdentity/);
  await assert.rejects(connectTls({ host: '127.0.0.1', port: 1 }), /no TCP API we know: pass `connect`/);
  await assert.rejects(connectTls({ host: '', port: 5432 }), /`host` is required/);
});

describe('against node:tls', () => {
  const servers: tls.Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  async function nodeServer(options: tls.TlsOptions = {}): Promise<{ port: number; accepted: Promise<tls.TLSSocket> }> {
    let report!: (s: tls.TLSSocket) => void;
    const accepted = new Promise<tls.TLSSocket>((resolve) => (report = resolve));
    const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem, ...options }, (s) => {
      s.on('error', () => undefined);
      report(s);
    });
    server.on('tlsClientError', () => undefined);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, accepted };
  }

  function nodeTcp({ hostname, port }: { hostname: string; port: number }): ByteStreamPair & { opened: Promise<unknown> } {
    const socket = net.connect(port, hostname);
    const pair = Duplex.toWeb(socket) as unknown as ByteStreamPair;
    return { readable: pair.readable, writable: pair.writable, opened: once(socket, 'connect') };
  }

  test('getPeerCertificate describes the certificate as node:tls does; ALPN and the version come through', async () => {
    const { port } = await nodeServer({ ALPNProtocols: ['postgresql'], maxVersion: 'TLSv1.2' });
    const socket = await connectTls({
      host: '127.0.0.1',
      port,
      connect: nodeTcp,
      servername: 'localhost',
      ca: pki.caPem,
      provider,
      ALPNProtocols: ['postgresql'],
    });
    const reference = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ALPNProtocols: ['postgresql'] });
    reference.on('error', () => undefined);
    await once(reference, 'secureConnect');
    try {
      const ours = socket.getPeerCertificate();
      const theirs = reference.getPeerCertificate();
      assert.ok('raw' in ours);
      assert.deepEqual(Buffer.from(ours.raw), theirs.raw);
      for (const field of ['subjectaltname', 'valid_from', 'valid_to', 'serialNumber', 'fingerprint256'] as const)
        assert.equal(ours[field], theirs[field], field);
      assert.equal(ours.subject['CN'], theirs.subject.CN);
      assert.equal(ours.issuer['CN'], theirs.issuer.CN);
      assert.equal(socket.authorized, true);
      assert.equal(socket.authorizationError, null);
      assert.equal(socket.alpnProtocol, 'postgresql');
      assert.equal(socket.getProtocol(), 'TLSv1.2');
    } finally {
      reference.destroy();
      await socket.close();
    }
  });

  test('checkServerIdentity: it gets the name and the certificate; its Error fails the handshake (bad_certificate)', async () => {
    const { port } = await nodeServer();
    const seen: [string, string | undefined][] = [];
    await assert.rejects(
      connectTls({
        host: '127.0.0.1',
        port,
        connect: nodeTcp,
        servername: 'localhost',
        ca: pki.caPem,
        provider,
        checkServerIdentity: (name, cert) => {
          seen.push([name, cert.subjectaltname]);
          return new Error('pinned key mismatch');
        },
      }),
      (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && /pinned key mismatch/.test(err.message),
    );
    assert.deepEqual(seen, [['localhost', 'DNS:localhost, IP Address:127.0.0.1']]);
  });

  test("rejectUnauthorized: false with an untrusted CA: connected, authorized false, node's code", async () => {
    const { port } = await nodeServer();
    const socket = await connectTls({
      host: '127.0.0.1',
      port,
      connect: nodeTcp,
      servername: 'localhost',
      ca: createTestPki().caPem,
      provider,
      rejectUnauthorized: false,
    });
    try {
      assert.equal(socket.authorized, false);
      assert.equal(socket.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await socket.close();
    }
  });

  test('no name to check (no host, no servername): refused, never authorized without a host name check', async () => {
    const { port } = await nodeServer();
    const tcp = nodeTcp({ hostname: '127.0.0.1', port });
    await tcp.opened;
    try {
      await assert.rejects(
        startTls(tcp, { ca: pki.caPem, provider }),
        (err: unknown) => err instanceof TypeError && /`host` or `servername`/.test((err as Error).message),
      );
    } finally {
      await tcp.writable.abort().catch(() => undefined);
    }
  });

  test("servername '' does not switch the host name check off", async () => {
    // The certificate names localhost and 127.0.0.1, not wrong.test: checking `host` must fail;
    // an empty servername that dropped the check would report the connection authorized.
    const { port } = await nodeServer();
    const outcome = connectTls({ host: 'wrong.test', port, connect: () => nodeTcp({ hostname: '127.0.0.1', port }), servername: '', ca: pki.caPem, provider });
    await assert.rejects(outcome, (err: unknown) => err instanceof TypeError && /servername ''/.test((err as Error).message));
  });

  test('a client certificate reaches the server', async () => {
    const client = createTestPki({ names: ['client.test'] });
    const { port, accepted } = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: client.caPem });
    const socket = await connectTls({
      host: '127.0.0.1',
      port,
      connect: nodeTcp,
      servername: 'localhost',
      ca: pki.caPem,
      provider,
      cert: client.chainPem,
      key: client.keyPem,
    });
    try {
      const peer = await accepted;
      assert.equal(peer.authorized, true);
      assert.equal(peer.getPeerCertificate().subject.CN, 'client.test');
    } finally {
      await socket.close();
    }
  });
});
