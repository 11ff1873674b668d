// `import tls from 'tlskit'` in place of `import tls from 'node:tls'` (issue 14): the module's
// names, DEFAULT_* settable (and honoured) as on node:tls's module object, getCiphers(),
// rootCertificates, createSecureContext() without options, connect()'s argument forms, and
// checkServerIdentity answering as node's for certificates with subjectAltNames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nodeTls from 'node:tls';
import tls, { checkServerIdentity, createSecureContext, getCiphers, rootCertificates } from '../../src/index.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';

const pki = createTestPki();

async function withServer(body: (port: number) => Promise<void>, options: nodeTls.TlsOptions = {}): Promise<void> {
  const server = nodeTls.createServer({ key: pki.keyPem, cert: pki.chainPem, ...options }, (s) => {
    s.on('error', () => {});
    s.end(JSON.stringify({ version: s.getProtocol(), cipher: s.getCipher().name }));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await body((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

function outcome(socket: TLSSocket): Promise<{ seen?: { version: string; cipher: string }; error?: Error }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve({ seen: JSON.parse(text) }));
    socket.once('error', (error) => resolve({ error }));
  });
}

/** Sets a DEFAULT_* for the body, then puts it back. */
async function withDefault(
  name: 'DEFAULT_CIPHERS' | 'DEFAULT_MIN_VERSION' | 'DEFAULT_MAX_VERSION' | 'DEFAULT_ECDH_CURVE',
  value: string,
  body: () => Promise<void>,
): Promise<void> {
  const before = tls[name];
  tls[name] = value as never;
  try {
    await body();
  } finally {
    tls[name] = before as never;
  }
}

test('the default export carries the API and node:tls names', () => {
  for (const name of [
    'connect',
    'createServer',
    'createSecureContext',
    'checkServerIdentity',
    'getCiphers',
    'rootCertificates',
    'TLSSocket',
    'Server',
    'DEFAULT_CIPHERS',
    'DEFAULT_MIN_VERSION',
    'DEFAULT_MAX_VERSION',
    'DEFAULT_ECDH_CURVE',
  ]) {
    assert.ok(name in tls, name);
  }
  assert.equal(tls.DEFAULT_MIN_VERSION, nodeTls.DEFAULT_MIN_VERSION);
  assert.equal(tls.DEFAULT_MAX_VERSION, nodeTls.DEFAULT_MAX_VERSION);
  assert.equal(tls.DEFAULT_ECDH_CURVE, nodeTls.DEFAULT_ECDH_CURVE);
  assert.equal(rootCertificates, nodeTls.rootCertificates);
  assert.throws(() => (tls.DEFAULT_MIN_VERSION = 'SSLv3' as never), { code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' });
  assert.throws(() => (tls.DEFAULT_CIPHERS = 'no-such-cipher'), { code: 'ERR_SSL_NO_CIPHER_MATCH' });
});

test('DEFAULT_CIPHERS, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION, DEFAULT_ECDH_CURVE are honoured by later connections', { timeout: 20_000 }, async () => {
  await withServer(async (port) => {
    const base = { host: '127.0.0.1', port, ca: pki.caPem };
    await withDefault('DEFAULT_MAX_VERSION', 'TLSv1.2', async () => {
      assert.equal((await outcome(tls.connect(base))).seen?.version, 'TLSv1.2');
      await withDefault('DEFAULT_CIPHERS', 'ECDHE-ECDSA-AES256-GCM-SHA384', async () => {
        assert.equal((await outcome(tls.connect(base))).seen?.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
      });
    });
    await withDefault('DEFAULT_ECDH_CURVE', 'P-384', async () => {
      const socket = tls.connect(base);
      await outcome(socket);
      assert.equal(socket.getEphemeralKeyInfo()?.name, 'secp384r1');
    });
  });
  await withServer(
    async (port) => {
      await withDefault('DEFAULT_MIN_VERSION', 'TLSv1.3', async () => {
        assert.ok((await outcome(tls.connect({ host: '127.0.0.1', port, ca: pki.caPem }))).error, 'a TLS 1.2 server is refused');
      });
    },
    { maxVersion: 'TLSv1.2' },
  );
});

test('getCiphers(): lower-case OpenSSL names of what tlskit implements, each usable in ciphers', () => {
  const names = getCiphers();
  assert.ok(names.includes('tls_aes_128_gcm_sha256') && names.includes('ecdhe-rsa-aes128-gcm-sha256'));
  assert.ok(!names.includes('aes128-sha'), 'no suite tlskit lacks');
  for (const name of names) createSecureContext({ ciphers: name.toUpperCase() });
});

test('createSecureContext() without options, as node', () => {
  assert.deepEqual(createSecureContext().certificates, []);
});

test('connect(port, host, options, cb), connect(port, options), connect(path, options)', { timeout: 20_000 }, async () => {
  await withServer(async (port) => {
    const called = await new Promise<boolean>((resolve, reject) => {
      const s = tls.connect(port, '127.0.0.1', { ca: pki.caPem }, () => {
        resolve(true);
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.equal(called, true);
    assert.ok((await outcome(tls.connect(port, { host: '127.0.0.1', ca: pki.caPem }))).seen);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlskit-surface-'));
  const sock = path.join(dir, 's.sock');
  const server = nodeTls.createServer({ key: pki.keyPem, cert: pki.chainPem }, (s) => s.end('{"unix":true}'));
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    assert.deepEqual((await outcome(tls.connect(sock, { ca: pki.caPem }))).seen, { unix: true });
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('checkServerIdentity answers as node:tls for certificates with subjectAltNames', () => {
  const cases: [string, { subject: Record<string, string>; subjectaltname?: string }][] = [
    ['a.example.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:a.example.com' }],
    ['A.Example.COM', { subject: { CN: 'x' }, subjectaltname: 'DNS:a.example.com' }],
    ['a.example.com.', { subject: { CN: 'x' }, subjectaltname: 'DNS:a.example.com' }],
    ['b.example.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:a.example.com' }],
    ['a.example.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:*.example.com' }],
    ['b.a.example.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:*.example.com' }],
    ['example.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:*.example.com' }],
    ['a.com', { subject: { CN: 'x' }, subjectaltname: 'DNS:*.com' }],
    ['127.0.0.1', { subject: { CN: 'x' }, subjectaltname: 'IP Address:127.0.0.1' }],
    ['127.0.0.2', { subject: { CN: 'x' }, subjectaltname: 'IP Address:127.0.0.1' }],
    ['::1', { subject: { CN: 'x' }, subjectaltname: 'IP Address:0:0:0:0:0:0:0:1' }],
    ['127.0.0.1', { subject: { CN: '127.0.0.1' }, subjectaltname: 'DNS:127.0.0.1' }],
    ['a.example.com', { subject: { CN: 'a.example.com' }, subjectaltname: 'DNS:b.example.com, DNS:a.example.com' }],
    ['a.example.com', { subject: {} }],
  ];
  for (const [host, cert] of cases) {
    const theirs = nodeTls.checkServerIdentity(host, cert as never);
    const ours = checkServerIdentity(host, cert);
    assert.equal(ours === undefined, theirs === undefined, `${host} vs ${JSON.stringify(cert)}`);
    if (theirs) {
      assert.equal((ours as Error & { code: string }).code, (theirs as Error & { code: string }).code);
      assert.equal((ours as Error & { host: string }).host, (theirs as Error & { host: string }).host);
      assert.equal(ours!.message, theirs.message, host);
    }
  }
  // The deliberate difference: no fallback to the subject CN, said in the reason.
  const cnOnly = checkServerIdentity('a.example.com', { subject: { CN: 'a.example.com' } });
  assert.match(String(cnOnly?.message), /does not fall back to the subject CN/);
});
