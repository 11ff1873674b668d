// `crl` through the node:tls-shaped API (issue 13, point 10): as node:tls, a configured CRL set
// must hold a usable CRL for every certificate below the trust anchor, or the handshake fails
// (node:tls says UNABLE_TO_GET_CRL); dangerouslyRelaxCrlCheck weakens that on request. Client
// and server alike; node:tls is the peer. Also (point 9): host names that resolvers read as IPv4
// addresses do not match dNSName entries.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import { createServer } from '../../src/node/server.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { TlsError } from '../../src/errors.js';
import { CA_EXTENSIONS, TestPki, leafExtensions, type Issued } from '../x509/fixtures.js';

const pki = new TestPki();
after(() => pki.cleanup());

const root = pki.cert({ subject: '/CN=CRL Root/O=tlskit', extensions: CA_EXTENSIONS, days: 3650 });
const intermediate = pki.cert({ subject: '/CN=CRL Intermediate/O=tlskit', issuer: root, extensions: CA_EXTENSIONS, days: 365 });
const leaf = pki.cert({
  subject: '/CN=www.example.com',
  issuer: intermediate,
  extensions: leafExtensions('DNS:www.example.com', 'DNS:*.0.0.1', 'DNS:127.1', 'DNS:0x7f000001', 'IP:127.0.0.1'),
});
const leafCrl = pki.crl(intermediate, []).pem;
const rootCrl = pki.crl(root, []).pem;

async function withNodeServer(certificate: Issued, body: (port: number) => Promise<void>): Promise<void> {
  const server = tls.createServer({ key: readFileSync(certificate.keyFile), cert: certificate.pem + intermediate.pem }, (s) => {
    s.on('error', () => {});
    s.end('hello');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function outcome(options: ConnectOptions): Promise<{ socket: TLSSocket; error?: Error }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', ca: root.pem, ...options });
    socket.once('secureConnect', () => resolve({ socket }));
    socket.once('error', (error) => resolve({ socket, error }));
    setTimeout(() => resolve({ socket, error: new Error('timed out') }), 5_000).unref();
  });
}

function assertAlert(error: Error | undefined, alert: string, message: RegExp): void {
  assert.ok(error instanceof TlsError, `expected a TlsError, got ${String(error)}`);
  assert.equal(error.alert, alert, error.message);
  assert.match(error.message, message);
}

test('client with crl: a chain certificate without a CRL fails the handshake, naming it; all CRLs given: connects', { timeout: 20_000 }, async () => {
  await withNodeServer(leaf, async (port) => {
    const missingRoot = await outcome({ port, servername: 'www.example.com', crl: leafCrl });
    missingRoot.socket.destroy();
    assertAlert(
      missingRoot.error,
      'certificate_unknown',
      /no CRL from "O=tlskit, CN=CRL Root" to check certificate "O=tlskit, CN=CRL Intermediate" for revocation/,
    );

    const missingLeaf = await outcome({ port, servername: 'www.example.com', crl: [rootCrl] });
    missingLeaf.socket.destroy();
    assertAlert(
      missingLeaf.error,
      'certificate_unknown',
      /no CRL from "O=tlskit, CN=CRL Intermediate" to check certificate "CN=www\.example\.com" for revocation/,
    );

    const complete = await outcome({ port, servername: 'www.example.com', crl: [leafCrl, rootCrl] });
    complete.socket.destroy();
    assert.equal(complete.error, undefined);
    assert.equal(complete.socket.authorized, true);
  });
});

test("client dangerouslyRelaxCrlCheck: 'leaf-only' and 'soft-fail' connect without the root's CRL; a revoked leaf still fails", {
  timeout: 20_000,
}, async () => {
  await withNodeServer(leaf, async (port) => {
    for (const mode of ['leaf-only', 'soft-fail'] as const) {
      const relaxed = await outcome({ port, servername: 'www.example.com', crl: leafCrl, dangerouslyRelaxCrlCheck: mode });
      relaxed.socket.destroy();
      assert.equal(relaxed.error, undefined, mode);
      assert.equal(relaxed.socket.authorized, true, mode);
    }
    const revoked = await outcome({ port, servername: 'www.example.com', crl: pki.crl(intermediate, [leaf]).pem, dangerouslyRelaxCrlCheck: 'soft-fail' });
    revoked.socket.destroy();
    assertAlert(revoked.error, 'certificate_revoked', /^certificate was revoked on/);
  });
  assert.throws(
    () => connect({ port: 1, host: '127.0.0.1', dangerouslyRelaxCrlCheck: 'never' as 'soft-fail' }),
    /dangerouslyRelaxCrlCheck: expected 'leaf-only' or 'soft-fail'/,
  );
});

test('a session from a connection that tolerated a missing CRL does not let a strict one skip the check (issue 13, points 1 and 10)', {
  timeout: 20_000,
}, async () => {
  await withNodeServer(leaf, async (port) => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const relaxed = await outcome({ port, maxVersion, servername: 'www.example.com', crl: leafCrl, dangerouslyRelaxCrlCheck: 'soft-fail' });
      assert.equal(relaxed.error, undefined, maxVersion);
      // TLS 1.3 tickets arrive after the handshake: wait for the session before closing.
      const session = await new Promise<Buffer | undefined>((resolve) => {
        const have = relaxed.socket.getSession();
        if (have && maxVersion === 'TLSv1.2') return resolve(have);
        relaxed.socket.once('session', resolve);
        setTimeout(() => resolve(relaxed.socket.getSession()), 2_000).unref();
      });
      relaxed.socket.destroy();
      assert.ok(session, `${maxVersion}: the relaxed connection gave a session`);
      const strict = await outcome({ port, maxVersion, servername: 'www.example.com', crl: leafCrl, session });
      strict.socket.destroy();
      assert.equal(strict.socket.isSessionReused(), false, maxVersion);
      assertAlert(strict.error, 'certificate_unknown', /no CRL from "O=tlskit, CN=CRL Root"/);
    }
  });
});

test('server with crl and requestCert: a client chain without the root CRL is refused; with dangerouslyRelaxCrlCheck it is accepted', {
  timeout: 20_000,
}, async () => {
  const client = pki.cert({
    subject: '/CN=client.example',
    issuer: intermediate,
    extensions: [...leafExtensions('DNS:client.example').filter((e) => !e.startsWith('extendedKeyUsage')), 'extendedKeyUsage=clientAuth'],
  });
  const serverCert = leaf;
  for (const relax of [undefined, 'leaf-only'] as const) {
    const seen: { authorized: boolean; error?: string }[] = [];
    const server = createServer(
      {
        key: readFileSync(serverCert.keyFile, 'utf8'),
        cert: serverCert.pem + intermediate.pem,
        requestCert: true,
        rejectUnauthorized: false,
        ca: root.pem,
        crl: leafCrl,
        ...(relax ? { dangerouslyRelaxCrlCheck: relax } : {}),
      },
      (socket) => {
        seen.push({
          authorized: socket.authorized,
          ...(socket.authorizationError ? { error: `${socket.authorizationError}: ${socket.info.authorizationError?.message}` } : {}),
        });
        socket.end('bye');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await new Promise<void>((resolve, reject) => {
        const s = tls.connect(
          { host: '127.0.0.1', port, servername: 'www.example.com', ca: root.pem, key: readFileSync(client.keyFile), cert: client.pem + intermediate.pem },
          () => {
            s.on('data', () => {});
            s.on('end', () => resolve());
          },
        );
        s.on('error', reject);
        setTimeout(() => reject(new Error('timed out')), 5_000).unref();
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    assert.equal(seen.length, 1);
    if (relax) {
      assert.deepEqual(seen[0], { authorized: true });
    } else {
      assert.equal(seen[0]!.authorized, false);
      assert.match(seen[0]!.error ?? '', /^UNABLE_TO_GET_CRL: no CRL from "O=tlskit, CN=CRL Root" to check certificate "O=tlskit, CN=CRL Intermediate"/);
    }
  }
});

test('host names a resolver reads as IPv4 do not match "*.0.0.1" or other dNSNames; the canonical IP still matches iPAddress', {
  timeout: 30_000,
}, async () => {
  await withNodeServer(leaf, async (port) => {
    for (const servername of ['0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f000001']) {
      const { socket, error } = await outcome({ port, servername });
      socket.destroy();
      assertAlert(error, 'bad_certificate', new RegExp(`certificate is not valid for host "${servername.replace(/\./g, '\\.')}"`));
    }
    // The same spellings as the host to connect to: the resolver makes 127.0.0.1 of them.
    for (const host of ['127.1', '0x7f000001']) {
      const { socket, error } = await outcome({ port, host });
      socket.destroy();
      assertAlert(error, 'bad_certificate', /certificate is not valid for host/);
    }
    const ip = await outcome({ port, host: '127.0.0.1' });
    ip.socket.destroy();
    assert.equal(ip.error, undefined);
    assert.equal(ip.socket.authorized, true);
  });
});

test('a crl option that holds no CRL (an empty string, a certificate PEM) is refused, not taken as "no revocation checking"', { timeout: 20_000 }, async () => {
  await withNodeServer(leaf, async (port) => {
    for (const crl of ['', leaf.pem]) {
      let result: { socket: TLSSocket; error?: Error } | undefined;
      let thrown: unknown;
      try {
        result = await outcome({ port, servername: 'www.example.com', crl });
      } catch (err) {
        thrown = err;
      }
      result?.socket.destroy();
      const error = thrown ?? result?.error;
      assert.ok(
        error instanceof Error,
        `crl ${JSON.stringify(crl.slice(0, 20))}: expected an error, got a connection (authorized: ${String(result?.socket.authorized)})`,
      );
      assert.match(error.message, /no CRL/);
    }
  });
});

test('crl and dangerouslyRelaxCrlCheck next to a custom verifier are refused, naming them (the built-in verifier alone reads them)', () => {
  const verifier = { verify: () => ({ ok: true as const, detail: 'trusted by the test' }) };
  assert.throws(() => connect({ port: 1, host: '127.0.0.1', verifier, crl: leafCrl }), /crl applies to the built-in verifier only/);
  assert.throws(
    () => connect({ port: 1, host: '127.0.0.1', verifier, crl: leafCrl, dangerouslyRelaxCrlCheck: 'soft-fail' }),
    /crl and dangerouslyRelaxCrlCheck apply to the built-in verifier only/,
  );
  assert.throws(
    () => createServer({ key: readFileSync(leaf.keyFile), cert: leaf.pem, verifier, requestCert: true, crl: leafCrl }),
    /crl applies to the built-in verifier only/,
  );
});
