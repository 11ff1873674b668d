// TLSSocket reports what node:tls reports: the same connection seen by a node:tls client and by
// ours, against one node:tls server, must describe its key exchange the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '../devcert/test-pki.js';
import { connect } from './connect.js';
import { createServer } from './server.js';
import type { TLSSocket } from './tls-socket.js';

const pki = createTestPki();

async function nodeServer(ecdhCurve: string): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem, ecdhCurve, minVersion: 'TLSv1.3' }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function secured(socket: tls.TLSSocket | TLSSocket, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve());
    socket.once('error', reject);
  });
}

for (const ecdhCurve of ['X25519', 'X448', 'P-256', 'P-384', 'P-521']) {
  test(`getEphemeralKeyInfo() on a client matches node:tls for ${ecdhCurve}`, { timeout: 10_000 }, async () => {
    const { server, port } = await nodeServer(ecdhCurve);
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ecdhCurve };
    const theirs = tls.connect(options);
    const ours = connect(options);
    try {
      await Promise.all([secured(theirs, 'secureConnect'), secured(ours, 'secureConnect')]);
      assert.deepEqual(ours.getEphemeralKeyInfo(), theirs.getEphemeralKeyInfo());
    } finally {
      theirs.destroy();
      ours.destroy();
      server.close();
    }
  });
}

test('getEphemeralKeyInfo() is null on a server socket, like node:tls', { timeout: 10_000 }, async () => {
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem });
  const accepted = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.caPem });
  try {
    const serverSide = await accepted;
    assert.equal(serverSide.getEphemeralKeyInfo(), null);
    serverSide.destroy();
  } finally {
    client.destroy();
    server.close();
  }
});

test('getSession() after a TLS 1.2 resumption by session ID resumes again, like node:tls', { timeout: 10_000 }, async () => {
  // tickets: false: the server resumes by session ID and sends no new ticket, so no new session comes.
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, maxVersion: 'TLSv1.2', tickets: false }, (s) => s.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    let session: Buffer | undefined;
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: 'TLSv1.2', ...(session ? { session } : {}) });
      await secured(client, 'secureConnect');
      reused.push(client.isSessionReused());
      session = client.getSession();
      assert.ok(session, `connection #${i + 1} has a session to resume`);
      client.destroy();
    }
    assert.deepEqual(reused, [false, true, true]);
  } finally {
    server.close();
  }
});

test('one session buffer resumes several TLS 1.2 connections: offering it never wipes it', { timeout: 10_000 }, async () => {
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, maxVersion: 'TLSv1.2', tickets: false }, (s) => s.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: 'TLSv1.2' as const };
  try {
    const first = connect(options);
    await secured(first, 'secureConnect');
    const session = first.getSession()!;
    first.destroy();
    const saved = Buffer.from(session);
    for (let i = 0; i < 2; i++) {
      const again = connect({ ...options, session });
      await secured(again, 'secureConnect');
      assert.equal(again.isSessionReused(), true, `resumption #${i + 1}`);
      again.destroy();
      assert.ok(session.equals(saved), 'the session buffer we offered is unchanged');
    }
  } finally {
    server.close();
  }
});

test("a client's close_notify and FIN together end our server's socket without an error (no write after the peer's FIN)", { timeout: 10_000 }, async () => {
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, minVersion: 'TLSv1.3' });
  const closed = new Promise<Error[]>((resolve) => {
    server.once('secureConnection', (s: TLSSocket) => {
      const errors: Error[] = [];
      s.on('error', (err: Error) => errors.push(err));
      s.on('data', () => {}); // flowing: 'end' comes at once, and with it our own end()
      s.on('close', () => resolve(errors));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.caPem });
  client.on('session', () => client.end()); // after our ticket: close_notify, then FIN, back to back
  client.on('data', () => {});
  try {
    assert.deepEqual(
      (await closed).map((e) => e.message),
      [],
    );
  } finally {
    client.destroy();
    server.close();
  }
});

test('getPeerX509Certificate() gives the certificate node:tls gives', { timeout: 10_000 }, async () => {
  const { server, port } = await nodeServer('X25519');
  const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem };
  const theirs = tls.connect(options);
  const ours = connect(options);
  try {
    await Promise.all([secured(theirs, 'secureConnect'), secured(ours, 'secureConnect')]);
    const expected = theirs.getPeerX509Certificate();
    assert.ok(expected);
    assert.equal(ours.getPeerX509Certificate()?.fingerprint256, expected.fingerprint256);
    assert.equal(ours.getPeerX509Certificate()?.subject, expected.subject);
  } finally {
    theirs.destroy();
    ours.destroy();
    server.close();
  }
});

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  test(`getCertificate() / getX509Certificate(): ours on a ${version} server is what the node:tls client got; none on a client without one`, {
    timeout: 10_000,
  }, async () => {
    let serverSocket: TLSSocket | undefined;
    const accepted: TLSSocket[] = [];
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, minVersion: version, maxVersion: version }, (s) => {
      serverSocket = s;
      accepted.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, minVersion: version, maxVersion: version };
    const theirs = tls.connect(options);
    const ours = connect(options);
    try {
      await Promise.all([secured(theirs, 'secureConnect'), secured(ours, 'secureConnect')]);
      for (let i = 0; i < 50 && !serverSocket; i++) await new Promise((r) => setTimeout(r, 10));
      const got = theirs.getPeerX509Certificate()!;
      assert.equal(serverSocket!.getX509Certificate()?.fingerprint256, got.fingerprint256);
      assert.equal((serverSocket!.getCertificate() as { fingerprint256?: string }).fingerprint256, got.fingerprint256);
      // A client that was not asked for a certificate has none, as in node:tls.
      assert.deepEqual(ours.getCertificate(), theirs.getCertificate());
      assert.equal(ours.getX509Certificate(), theirs.getX509Certificate());
    } finally {
      theirs.destroy();
      ours.destroy();
      for (const s of accepted) s.destroy();
      server.close();
    }
  });
}

test('getX509Certificate() on a client that sent a certificate is what the server saw', { timeout: 10_000 }, async () => {
  const accepted: TLSSocket[] = [];
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, requestCert: true, rejectUnauthorized: false, ca: pki.caPem }, (s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, key: pki.keyPem, cert: pki.chainPem });
  try {
    await secured(client, 'secureConnect');
    for (let i = 0; i < 50 && accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const seen = accepted[0]!.getPeerX509Certificate();
    assert.ok(seen);
    assert.equal(client.getX509Certificate()?.fingerprint256, seen.fingerprint256);
  } finally {
    client.destroy();
    for (const s of accepted) s.destroy();
    server.close();
  }
});
