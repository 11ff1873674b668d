// connect({ checkServerIdentity }) behaves as node:tls's: it replaces the host name check, gets
// the certificate in node's shape (tls.checkServerIdentity and key pinning work on it), and an
// Error from it fails the handshake (bad_certificate, seen by the server) or, with
// rejectUnauthorized: false, leaves the socket unauthorized. A node:tls server is the peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { TlsError } from '../../src/errors.js';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import type { PeerCertificate, TLSSocket } from '../../src/node/tls-socket.js';

const pki = createTestPki();

async function withNodeServer(body: (port: number, clientErrors: Error[]) => Promise<void>): Promise<void> {
  const clientErrors: Error[] = [];
  const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, (s) => {
    s.on('error', () => {});
    s.end('hello');
  });
  server.on('tlsClientError', (err) => clientErrors.push(err));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as AddressInfo).port, clientErrors);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function outcome(options: ConnectOptions): Promise<{ socket: TLSSocket; error?: Error }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', ca: pki.caPem, ...options });
    socket.once('secureConnect', () => resolve({ socket }));
    socket.once('error', (error) => resolve({ socket, error }));
    setTimeout(() => resolve({ socket, error: new Error('timed out') }), 5_000).unref();
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('base64');

test('the certificate it gets works with tls.checkServerIdentity and has the pubkey node:tls gives', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port) => {
    const theirs = await new Promise<tls.DetailedPeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem }, () => {
        resolve(s.getPeerCertificate(true));
        s.destroy();
      });
      s.on('error', reject);
    });
    const seen: { host: string; cert: PeerCertificate }[] = [];
    const { socket, error } = await outcome({
      port,
      servername: 'localhost',
      checkServerIdentity: (host, cert) => {
        seen.push({ host, cert });
        return tls.checkServerIdentity(host, cert as unknown as tls.PeerCertificate);
      },
    });
    socket.destroy();
    assert.equal(error, undefined);
    assert.equal(socket.authorized, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.host, 'localhost');
    assert.ok(seen[0]!.cert.pubkey?.equals(theirs.pubkey!), 'pubkey as node:tls');
    assert.equal(seen[0]!.cert.fingerprint256, theirs.fingerprint256);
    assert.equal(seen[0]!.cert.issuerCertificate?.fingerprint256, theirs.issuerCertificate?.fingerprint256, 'detailed: the chain is linked');
    // tls.checkServerIdentity on our object refuses another name, as on node's.
    assert.match(String(tls.checkServerIdentity('other.example', seen[0]!.cert as unknown as tls.PeerCertificate)), /other\.example/);
  });
});

test('a pin that does not match fails the handshake with bad_certificate, which the server receives', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port, clientErrors) => {
    const pinned = sha256(Buffer.from('not the key'));
    const { socket, error } = await outcome({
      port,
      servername: 'localhost',
      checkServerIdentity: (host, cert) => (sha256(cert.pubkey!) === pinned ? undefined : new Error(`public key of ${host} is not pinned`)),
    });
    socket.destroy();
    assert.ok(error instanceof TlsError, String(error));
    assert.equal(error.alert, 'bad_certificate');
    assert.match(error.message, /server identity check failed: public key of localhost is not pinned/);
    assert.equal(socket.authorized, false);
    await new Promise((r) => setTimeout(r, 100));
    assert.match(String(clientErrors[0]), /bad certificate/i, 'node:tls server got our alert');
  });
});

test('a matching pin connects; the function replaces the host name check, as in node:tls', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port) => {
    const leafKey = sha256(
      (
        await new Promise<tls.PeerCertificate>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem }, () => {
            resolve(s.getPeerCertificate());
            s.destroy();
          });
          s.on('error', reject);
        })
      ).pubkey!,
    );
    // The certificate is for localhost; the name asked for is another: only the function decides.
    const { socket, error } = await outcome({
      port,
      servername: 'elsewhere.example',
      checkServerIdentity: (_host, cert) => (sha256(cert.pubkey!) === leafKey ? undefined : new Error('pin mismatch')),
    });
    socket.destroy();
    assert.equal(error, undefined);
    assert.equal(socket.authorized, true);
    // Without the function, the same name is refused by the built-in check.
    const plain = await outcome({ port, servername: 'elsewhere.example' });
    plain.socket.destroy();
    assert.ok(plain.error instanceof TlsError && plain.error.alert === 'bad_certificate', String(plain.error));
  });
});

test('with rejectUnauthorized: false a failing check leaves the socket unauthorized, with the reason', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port) => {
    const { socket, error } = await outcome({ port, servername: 'localhost', rejectUnauthorized: false, checkServerIdentity: () => new Error('not today') });
    socket.destroy();
    assert.equal(error, undefined);
    assert.equal(socket.authorized, false);
    // node:tls's code for a failed identity check; the reason stays in the engine's error.
    assert.equal(socket.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(String(socket.info.authorizationError), /server identity check failed: not today/);
  });
});

test('a failing check whose error has an empty code still leaves a non-empty authorizationError', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port) => {
    const { socket, error } = await outcome({
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      checkServerIdentity: () => Object.assign(new Error('no'), { code: '' }),
    });
    socket.destroy();
    assert.equal(error, undefined);
    assert.equal(socket.authorized, false);
    // A falsy authorizationError next to authorized false would read as "no error" to `if (socket.authorizationError)`.
    assert.equal(socket.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

test('a chain that does not validate is refused before the function is asked', { timeout: 10_000 }, async () => {
  await withNodeServer(async (port) => {
    let asked = 0;
    const other = createTestPki();
    const { socket, error } = await outcome({ port, servername: 'localhost', ca: other.caPem, checkServerIdentity: () => (asked++, undefined) });
    socket.destroy();
    assert.ok(error instanceof TlsError && error.alert === 'unknown_ca', String(error));
    assert.equal(asked, 0);
  });
});

test("getPeerCertificate() key fields are node:tls's for RSA, P-256, P-384 and Ed25519 leaves", { timeout: 30_000 }, async () => {
  const fields = ['ca', 'bits', 'modulus', 'exponent', 'asn1Curve', 'nistCurve', 'fingerprint256', 'fingerprint512'] as const;
  for (const leafKey of ['rsa-2048', 'ec-p256', 'ec-p384', 'ed25519'] as const) {
    const leafPki = createTestPki({ leafKey });
    const server = tls.createServer({ key: leafPki.keyPem, cert: leafPki.chainPem }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const options = { host: '127.0.0.1', port, servername: 'localhost', ca: leafPki.caPem };
      const theirs = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const s = tls.connect(options, () => {
          resolve(s.getPeerCertificate());
          s.destroy();
        });
        s.on('error', reject);
      });
      const { socket, error } = await outcome(options);
      socket.destroy();
      assert.equal(error, undefined);
      const ours = socket.getPeerCertificate() as PeerCertificate;
      for (const f of fields) assert.deepEqual(ours[f], (theirs as unknown as Record<string, unknown>)[f], `${leafKey}: ${f}`);
      assert.deepEqual(ours.pubkey, theirs.pubkey, `${leafKey}: pubkey`);
    } finally {
      server.close();
    }
  }
});
