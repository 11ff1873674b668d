// getChannelBinding() (RFC 5929, RFC 9266) against values computed apart from tlskit: node:crypto
// over the server certificate's DER for tls-server-end-point, node:tls (OpenSSL) on the other end
// for tls-exporter (its exportKeyingMaterial) and tls-unique (its getFinished/getPeerFinished).
// Both directions (tlskit client with a node:tls server, tlskit server with a node:tls client), the
// node TLSSocket and the portable Web Streams client, RSA, RSA-PSS, P-256 and P-384 certificates.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { connect, createServer, TlsError, type ChannelBindingType } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { connectStream } from '../../src/web/streams.js';
import { PortableCryptoProvider } from '../../src/crypto/portable/provider.js';
import { createCertificate, type KeyKind, type SignatureHash } from '../../src/devcert/certificate-builder.js';
import { testKeyPair } from '../../src/devcert/test-pki.js';
import { subjectAltNamesFor } from '../../src/devcert/names.js';

const TIMEOUT_MS = 10_000;
const LABEL = 'EXPORTER-Channel-Binding';

interface Case {
  readonly name: string;
  readonly caKey: KeyKind;
  readonly leafKey: KeyKind;
  readonly signatureHash?: SignatureHash;
  readonly rsaSignature?: 'pss';
  /** The hash RFC 5929 §4.1 asks for, named as node:crypto names it. */
  readonly expectedHash: 'sha256' | 'sha384' | 'sha512';
}

const CASES: readonly Case[] = [
  { name: 'ECDSA P-256 (ecdsa-with-SHA256)', caKey: 'ec-p256', leafKey: 'ec-p256', expectedHash: 'sha256' },
  { name: 'ECDSA P-384 (ecdsa-with-SHA384)', caKey: 'ec-p384', leafKey: 'ec-p384', expectedHash: 'sha384' },
  { name: 'RSA (sha512WithRSAEncryption)', caKey: 'rsa-2048', leafKey: 'rsa-2048', signatureHash: 'sha512', expectedHash: 'sha512' },
  { name: 'RSA-PSS (RSASSA-PSS with SHA-384)', caKey: 'rsa-2048', leafKey: 'rsa-2048', signatureHash: 'sha384', rsaSignature: 'pss', expectedHash: 'sha384' },
];

interface Pki {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly leafDer: Uint8Array;
}

function pkiFor(c: Pick<Case, 'caKey' | 'leafKey' | 'signatureHash' | 'rsaSignature'>): Pki {
  const caKey = testKeyPair(c.caKey, 'ca');
  const ca = { key: caKey, certificate: createCertificate({ subject: 'CN=channel binding test CA', subjectKey: caKey, isCA: true }) };
  const leafKey = testKeyPair(c.leafKey, 'leaf');
  const leaf = createCertificate({
    subject: 'CN=localhost',
    subjectKey: leafKey,
    issuer: ca,
    subjectAltNames: subjectAltNamesFor(['localhost']),
    ...(c.signatureHash ? { signatureHash: c.signatureHash } : {}),
    ...(c.rsaSignature ? { rsaSignature: c.rsaSignature } : {}),
  });
  return { caPem: ca.certificate.pem, certPem: leaf.pem, keyPem: leafKey.privateKeyPem, leafDer: leaf.der };
}

const closers: (() => void)[] = [];
after(() => {
  for (const close of closers) close();
});

/** A node:tls server; resolves each accepted socket once it is secure. */
async function nodeServer(pki: Pki, options: tls.TlsOptions = {}): Promise<{ port: number; accepted: tls.TLSSocket[]; next(): Promise<tls.TLSSocket> }> {
  const accepted: tls.TLSSocket[] = [];
  const waiting: ((s: tls.TLSSocket) => void)[] = [];
  const server = tls.createServer({ key: pki.keyPem, cert: pki.certPem, ...options }, (socket) => {
    socket.on('error', () => {});
    socket.on('data', () => {});
    accepted.push(socket);
    waiting.shift()?.(socket);
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  let taken = 0;
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    next: () =>
      taken < accepted.length
        ? Promise.resolve(accepted[taken++]!)
        : new Promise((resolve) =>
            waiting.push((s) => {
              taken++;
              resolve(s);
            }),
          ),
  };
}

async function tlskitClient(port: number, pki: Pki, options: Record<string, unknown> = {}): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ...options });
  socket.on('error', () => {});
  await Promise.race([
    once(socket, 'secureConnect'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('handshake timed out')), TIMEOUT_MS).unref()),
  ]);
  return socket;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function unavailable(f: () => unknown, message: RegExp): void {
  assert.throws(f, (err: unknown) => err instanceof TlsError && message.test(err.message));
}

for (const c of CASES) {
  describe(`tls-server-end-point, ${c.name}`, () => {
    const pki = pkiFor(c);
    const expected = nodeCrypto.createHash(c.expectedHash).update(pki.leafDer).digest('hex');

    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      test(`tlskit client, node:tls server, ${version}: ${c.expectedHash} of the server certificate`, async () => {
        const server = await nodeServer(pki, { minVersion: version, maxVersion: version });
        const socket = await tlskitClient(server.port, pki);
        try {
          assert.equal(socket.getProtocol(), version);
          assert.equal(hex(socket.getChannelBinding('tls-server-end-point')), expected);
          // pg computes the same from getPeerCertificate().raw: one certificate, one value.
          assert.equal(hex(socket.getPeerCertificate().raw), hex(pki.leafDer));
        } finally {
          socket.destroy();
        }
      });
    }

    test('tlskit server, node:tls client: the hash of the certificate it sent', async () => {
      const server = createServer({ key: pki.keyPem, cert: pki.certPem });
      const accepted = new Promise<TLSSocket>((resolve) => server.on('secureConnection', resolve));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      closers.push(() => server.close());
      const client = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.caPem });
      client.on('error', () => {});
      try {
        await once(client, 'secureConnect');
        const socket = await accepted;
        assert.equal(hex(socket.getChannelBinding('tls-server-end-point')), expected);
        socket.destroy();
      } finally {
        client.destroy();
      }
    });
  });
}

describe('tls-exporter (RFC 9266) and tls-unique (RFC 5929 §3) against OpenSSL through node:tls', () => {
  const pki = pkiFor(CASES[0]!);

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`tls-exporter, ${version}: 32 bytes, label EXPORTER-Channel-Binding, empty context, as node:tls exports`, async () => {
      const server = await nodeServer(pki, { minVersion: version, maxVersion: version });
      const socket = await tlskitClient(server.port, pki);
      try {
        const peer = await server.next();
        const value = socket.getChannelBinding('tls-exporter');
        assert.equal(value.length, 32);
        assert.equal(hex(value), peer.exportKeyingMaterial(32, LABEL, Buffer.alloc(0)).toString('hex'));
      } finally {
        socket.destroy();
      }
    });
  }

  test('tls-unique, TLS 1.2 full handshake: the client Finished (the first one), as OpenSSL saw it', async () => {
    const server = await nodeServer(pki, { maxVersion: 'TLSv1.2' });
    const socket = await tlskitClient(server.port, pki, { maxVersion: 'TLSv1.2' });
    try {
      const peer = await server.next();
      const value = socket.getChannelBinding('tls-unique');
      assert.equal(value.length, 12);
      assert.equal(hex(value), peer.getPeerFinished()!.toString('hex'));
      assert.equal(hex(value), socket.getFinished()!.toString('hex'));
    } finally {
      socket.destroy();
    }
  });

  test('tls-unique, TLS 1.2 resumed with the extended master secret: the server Finished (sent first)', async () => {
    const server = await nodeServer(pki, { maxVersion: 'TLSv1.2' });
    const first = await tlskitClient(server.port, pki, { maxVersion: 'TLSv1.2' });
    const session = await new Promise<Buffer>((resolve) => {
      const s = first.getSession();
      if (s) resolve(s);
      else first.once('session', resolve);
    });
    await server.next();
    first.destroy();
    const socket = await tlskitClient(server.port, pki, { maxVersion: 'TLSv1.2', session });
    try {
      assert.equal(socket.isSessionReused(), true);
      const peer = await server.next();
      assert.equal(hex(socket.getChannelBinding('tls-unique')), peer.getFinished()!.toString('hex'));
      assert.equal(hex(socket.getChannelBinding('tls-unique')), socket.getPeerFinished()!.toString('hex'));
      // The certificate hash survives resumption: the session keeps the server's certificate.
      assert.equal(hex(socket.getChannelBinding('tls-server-end-point')), nodeCrypto.createHash('sha256').update(pki.leafDer).digest('hex'));
    } finally {
      socket.destroy();
    }
  });

  test('TLS 1.2 without the extended master secret: tls-unique from the full handshake; tls-exporter refused', async () => {
    // OpenSSL's SSL_OP_NO_EXTENDED_MASTER_SECRET (bit 0 of the options in OpenSSL 3; node does not name it).
    // (tlskit never resumes such a session, RFC 7627 §5.3; the resumed case is in src/engine/channel-binding.test.ts.)
    const server = await nodeServer(pki, { maxVersion: 'TLSv1.2', secureOptions: 1 });
    const socket = await tlskitClient(server.port, pki, { maxVersion: 'TLSv1.2' });
    try {
      const peer = await server.next();
      assert.equal(hex(socket.getChannelBinding('tls-unique')), peer.getPeerFinished()!.toString('hex'));
      unavailable(() => socket.getChannelBinding('tls-exporter'), /tls-exporter is not available: .*extended master secret/);
    } finally {
      socket.destroy();
    }
  });

  test('TLS 1.3: tls-unique is refused (RFC 9266 §3), an unknown type is a TypeError, and nothing before the handshake', async () => {
    const server = await nodeServer(pki, { minVersion: 'TLSv1.3' });
    const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.caPem });
    socket.on('error', () => {});
    unavailable(() => socket.getChannelBinding('tls-exporter'), /handshake has not completed/);
    await once(socket, 'secureConnect');
    try {
      unavailable(() => socket.getChannelBinding('tls-unique'), /tls-unique is not available: .*TLS 1\.2 only.*tls-exporter/);
      assert.throws(
        () => socket.getChannelBinding('tls-unique-for-telnet' as ChannelBindingType),
        (err: unknown) => err instanceof TypeError && /unknown channel binding type/.test((err as Error).message),
      );
    } finally {
      socket.destroy();
    }
  });

  test('an Ed25519 server certificate: tls-server-end-point is undefined (no single hash, RFC 5929 §4.1), said clearly', async () => {
    const ed = pkiFor({ caKey: 'ed25519', leafKey: 'ed25519' });
    const server = await nodeServer(ed);
    const socket = await tlskitClient(server.port, ed);
    try {
      unavailable(() => socket.getChannelBinding('tls-server-end-point'), /Ed25519.*no single hash/);
      assert.equal(socket.getChannelBinding('tls-exporter').length, 32);
    } finally {
      socket.destroy();
    }
  });
});

describe('the portable build: connectStream with the @noble provider', () => {
  for (const c of [CASES[0]!, CASES[3]!]) {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      test(`${c.name}, ${version}: tls-server-end-point, tls-exporter${version === 'TLSv1.2' ? ', tls-unique' : ''} equal node:tls's`, async () => {
        const pki = pkiFor(c);
        const server = await nodeServer(pki, { minVersion: version, maxVersion: version });
        const tcp = net.connect(server.port, '127.0.0.1');
        await once(tcp, 'connect');
        const stream = await connectStream(Duplex.toWeb(tcp) as never, {
          servername: 'localhost',
          ca: pki.caPem,
          provider: new PortableCryptoProvider(),
          minVersion: version,
          maxVersion: version,
        });
        try {
          const peer = await server.next();
          assert.equal(hex(stream.getChannelBinding('tls-server-end-point')), nodeCrypto.createHash(c.expectedHash).update(pki.leafDer).digest('hex'));
          assert.equal(hex(stream.getChannelBinding('tls-exporter')), peer.exportKeyingMaterial(32, LABEL, Buffer.alloc(0)).toString('hex'));
          if (version === 'TLSv1.2') assert.equal(hex(stream.getChannelBinding('tls-unique')), peer.getPeerFinished()!.toString('hex'));
          else unavailable(() => stream.getChannelBinding('tls-unique'), /TLS 1\.2 only/);
        } finally {
          await stream.close();
          tcp.destroy();
        }
      });
    }
  }
});
