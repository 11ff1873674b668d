// issue 17: `tlskit cert` as mkcert: --pkcs12, --client, --cert-file/--key-file, --csr, and
// --install/--uninstall into a temporary system root and NSS database (never the real stores),
// each result used by a real peer.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing, run, startPeer, tempDir, type Peer } from '../apps/helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const noOpenssl = missing('openssl', ['version']);
const noUpdateCa = existsSync('/usr/sbin/update-ca-certificates') ? false : 'update-ca-certificates is not installed';
const noCertutil = missing('certutil', ['-H']);

const dir = tempDir('tlskit-cert-extras-');
const f = (name: string): string => join(dir.path, name);
const caDir = f('ca');
after(() => dir.remove());

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: f('home'), TLSKIT_CAROOT: caDir, ...extra });

function tlskit(args: string[], input = '', extraEnv: Record<string, string> = {}): ReturnType<typeof run> {
  return run(process.execPath, [main, ...args], { input, env: env(extraEnv), cwd: dir.path });
}

async function tlskitServer(args: string[]): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer(process.execPath, [main, 'server', '--port', '0', '--host', '127.0.0.1', ...args], {
    ready: /Listening on 127\.0\.0\.1:\d+/,
    env: env(),
  });
  return { peer, port: Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

describe('tlskit cert additions', () => {
  test('--pkcs12: one .p12 (password changeit) that openssl opens and tlskit server serves', { skip: noOpenssl }, async () => {
    const r = await tlskit(['cert', '--pkcs12', 'localhost', '127.0.0.1', '::1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /PKCS#12 +\.\/localhost\+2\.p12 \(key, certificate and CA; password "changeit"\)/);
    assert.equal(statSync(f('localhost+2.p12')).mode & 0o777, 0o600);
    const info = await run('openssl', ['pkcs12', '-in', f('localhost+2.p12'), '-passin', 'pass:changeit', '-nodes', '-info']);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout + info.stderr, /MAC: sha256/);
    assert.match(info.stdout, /BEGIN PRIVATE KEY/);
    assert.equal((info.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, 'the leaf and the CA');
    const { peer, port } = await tlskitServer(['--echo', '--cert', f('localhost+2.p12'), '--pass', 'pass:changeit']);
    try {
      const c = await tlskit(['client', `localhost:${port}`, '--ca', join(caDir, 'rootCA.pem')], 'p12');
      assert.equal(c.status, 0, c.stderr);
      assert.equal(c.stdout, 'p12');
    } finally {
      await peer.stop();
    }
  });

  test('--client --cert-file --key-file: a clientAuth certificate where asked, accepted by openssl s_server -Verify', { skip: noOpenssl }, async () => {
    const r = await tlskit(['cert', '--client', '--cert-file', 'me.crt', '--key-file', 'keys/me.key', 'me@example.test']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Created a client certificate/);
    assert.ok(existsSync(f('me.crt')) && existsSync(f('keys/me.key')));
    const text = await run('openssl', ['x509', '-in', f('me.crt'), '-noout', '-ext', 'extendedKeyUsage']);
    assert.match(text.stdout, /TLS Web Client Authentication/);
    assert.doesNotMatch(text.stdout, /Server Authentication/);
    const named = await tlskit(['cert', '--client', 'bob@example.test']);
    assert.equal(named.status, 0, named.stderr);
    assert.ok(existsSync(f('bob@example.test-client.pem')), 'mkcert -client naming');
    await tlskit(['cert', 'localhost']);
    const server = await startPeer(
      'openssl',
      [
        's_server',
        '-accept',
        '127.0.0.1:0',
        '-cert',
        f('localhost.pem'),
        '-key',
        f('localhost-key.pem'),
        '-Verify',
        '1',
        '-verify_return_error',
        '-CAfile',
        join(caDir, 'rootCA.pem'),
        '-www',
      ],
      { ready: /ACCEPT 127\.0\.0\.1:\d+/ },
    );
    try {
      const port = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(server.output())![1];
      const c = await tlskit(
        ['client', `localhost:${port}`, '--ca', join(caDir, 'rootCA.pem'), '--cert', f('me.crt'), '--key', f('keys/me.key')],
        'GET / HTTP/1.0\r\n\r\n',
      );
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stdout, /^HTTP\/1\.0 200 ok/);
    } finally {
      await server.stop();
    }
  });

  test("--csr FILE: certifies the request's key for its names; a request whose signature fails is refused", { skip: noOpenssl }, async () => {
    const req = await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('csr-key.pem'),
      '-out',
      f('req.csr'),
      '-subj',
      '/CN=csr.test',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    assert.equal(req.status, 0, req.stderr);
    const r = await tlskit(['cert', '--csr', 'req.csr']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Certified the key of req\.csr \(requested subject CN=csr\.test\)/);
    assert.doesNotMatch(r.stdout, /key {10}/, 'no key file: the key stays with the requester');
    const cert = new X509Certificate(readFileSync(f('localhost+1.pem')));
    assert.match(cert.subjectAltName ?? '', /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(readFileSync(f('csr-key.pem')))));
    // Served with the requester's key, trusted through the local CA.
    const { peer, port } = await tlskitServer(['--echo', '--cert', f('localhost+1.pem'), '--key', f('csr-key.pem')]);
    try {
      const c = await tlskit(['client', `127.0.0.1:${port}`, '--ca', join(caDir, 'rootCA.pem')], 'csr');
      assert.equal(c.status, 0, c.stderr);
    } finally {
      await peer.stop();
    }
    // One byte of the signed part changed: the signature no longer verifies.
    const der = await run('openssl', ['req', '-in', f('req.csr'), '-outform', 'DER', '-out', f('req.der')]);
    assert.equal(der.status, 0);
    const bytes = readFileSync(f('req.der'));
    const at = bytes.indexOf(Buffer.from('csr.test'));
    bytes[at] ^= 0x01;
    writeFileSync(f('bad.der'), bytes);
    const bad = await tlskit(['cert', '--csr', 'bad.der']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tlskit cert: --csr bad\.der: has a signature that does not verify with its own key\n/);
  });

  test('--csr: a request for a weak key (RSA 1024, secp256k1) is refused, not certified', { skip: noOpenssl }, async () => {
    const weak: [string, string[], RegExp][] = [
      ['rsa1024.csr', ['-newkey', 'rsa:1024'], /an RSA key of 1024 bits/],
      ['k1.csr', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], /an EC key on secp256k1/],
    ];
    for (const [file, keyArgs, message] of weak) {
      const req = await run('openssl', [
        'req',
        '-new',
        ...keyArgs,
        '-nodes',
        '-keyout',
        f(`${file}.key`),
        '-out',
        f(file),
        '-subj',
        '/CN=weak.test',
        '-addext',
        'subjectAltName=DNS:weak.test',
      ]);
      assert.equal(req.status, 0, req.stderr);
      const r = await tlskit(['cert', '--csr', file]);
      assert.equal(r.status, 2, r.stdout);
      assert.match(r.stderr, message);
      assert.equal(existsSync(f('weak.test.pem')), false, 'no certificate written');
    }
  });

  test('--install / --uninstall: into a temporary system root (update-ca-certificates) and NSS database (certutil)', {
    skip: noUpdateCa || noCertutil,
  }, async () => {
    const root = f('sysroot');
    for (const d of ['etc/ssl/certs', 'usr/share/ca-certificates', 'etc/ca-certificates/update.d', 'usr/local/share/ca-certificates'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'etc/ca-certificates.conf'), '');
    // A system store is never empty: another CA stays in the bundle throughout.
    await tlskit(['cert', '--ca-dir', f('other-ca'), '--out', f('other'), 'other.test']);
    writeFileSync(join(root, 'usr/local/share/ca-certificates/other.crt'), readFileSync(f('other-ca/rootCA.pem')));
    const otherLine = readFileSync(f('other-ca/rootCA.pem'), 'utf8').trim().split('\n')[1]!;
    const nssdb = f('home/.pki/nssdb');
    mkdirSync(nssdb, { recursive: true });
    const init = await run('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password']);
    assert.equal(init.status, 0, init.stderr);
    const caPem = (await tlskit(['cert', 'localhost'])).status === 0 ? readFileSync(join(caDir, 'rootCA.pem'), 'utf8') : '';
    const serial = new X509Certificate(caPem).serialNumber.toLowerCase().slice(0, 16);

    const r = await tlskit(['cert', '--install', '--root', root]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok {4}system {2}added \S+tlskit_development_CA_\w+\.crt \(update-ca-certificates\)/);
    assert.match(r.stdout, new RegExp(`ok {4}nss {5}added in ${nssdb}`));
    assert.ok(readFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8').includes(caPem.trim().split('\n')[1]!), 'in the bundle');
    const listed = await run('certutil', ['-L', '-d', `sql:${nssdb}`]);
    assert.match(listed.stdout, new RegExp(`tlskit development CA ${serial} +C,,`));

    const u = await tlskit(['cert', '--uninstall', '--root', root]);
    assert.equal(u.status, 0, u.stdout + u.stderr);
    assert.match(u.stdout, /ok {4}system {2}removed/);
    const bundle = readFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8');
    assert.ok(!bundle.includes(caPem.trim().split('\n')[1]!), 'out of the bundle');
    assert.ok(bundle.includes(otherLine), 'the other CA stays');
    assert.doesNotMatch((await run('certutil', ['-L', '-d', `sql:${nssdb}`])).stdout, /tlskit development CA/);
    const bad = await tlskit(['cert', '--install', 'localhost']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--install takes no names/);
  });
});
