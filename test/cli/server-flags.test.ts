// issue 17: `tlskit server` flags against real clients (openssl s_client, curl, tlskit client):
// several --cert/--key pairs, optional client certificates, OCSP stapling, ::1, the persistent
// local CA, and errors that name the flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLocalCa, issueLeaf } from '../../src/devcert/local-ca.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { missing, run, startPeer, tempDir, type Peer } from '../apps/helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const noOpenssl = missing('openssl', ['version']);
const noCurl = missing('curl');

const ec = createTestPki({ names: ['localhost', '127.0.0.1'] });
const rsa = createTestPki({ names: ['localhost', '127.0.0.1'], leafKey: 'rsa-2048', caKey: 'rsa-2048' });
const dir = tempDir('tlskit-server-flags-');
const f = (name: string): string => join(dir.path, name);
const client = { ca: f('client-ca/rootCA.pem'), cert: '', key: '' };

before(() => {
  writeFileSync(f('ec.pem'), ec.chainPem);
  writeFileSync(f('ec-key.pem'), ec.keyPem);
  writeFileSync(f('ec-ca.pem'), ec.caPem);
  writeFileSync(f('ec-ca-key.pem'), ec.ca.key.privateKeyPem);
  writeFileSync(f('rsa.pem'), rsa.chainPem);
  writeFileSync(f('rsa-key.pem'), rsa.keyPem);
  writeFileSync(f('rsa-key.enc.pem'), createPrivateKey(rsa.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' }));
  const ca = ensureLocalCa(f('client-ca'));
  const leaf = issueLeaf(ca, ['client.example.test'], { outDir: f('client') });
  client.cert = leaf.certPath;
  client.key = leaf.keyPath;
});
after(() => dir.remove());

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: f('home'), ...extra });

function tlskit(args: string[], input = '', extraEnv: Record<string, string> = {}): ReturnType<typeof run> {
  return run(process.execPath, [main, ...args], { input, env: env(extraEnv) });
}

async function tlskitServer(args: string[], extraEnv: Record<string, string> = {}): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer(process.execPath, [main, 'server', '--port', '0', ...args], { ready: /Listening on 127\.0\.0\.1:\d+/, env: env(extraEnv) });
  return { peer, port: Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

/** openssl s_client for one handshake: it prints what it negotiated, then its stdin ends and it closes. */
function sClient(args: string[]): ReturnType<typeof run> {
  return run('openssl', ['s_client', ...args]);
}

describe('tlskit server flags', () => {
  test('bug 3: repeated --cert/--key pairs (RSA and ECDSA): each client gets the one its signature algorithms accept', { skip: noOpenssl }, async () => {
    const { peer, port } = await tlskitServer(['--echo', '--cert', f('rsa.pem'), '--key', f('rsa-key.pem'), '--cert', f('ec.pem'), '--key', f('ec-key.pem')]);
    try {
      const viaRsa = await sClient(['-connect', `127.0.0.1:${port}`, '-sigalgs', 'RSA-PSS+SHA256', '-showcerts']);
      assert.equal(viaRsa.status, 0, viaRsa.stderr);
      assert.match(viaRsa.stdout + viaRsa.stderr, /Peer signature type: RSA-PSS/);
      const viaEc = await sClient(['-connect', `127.0.0.1:${port}`, '-sigalgs', 'ECDSA+SHA256']);
      assert.equal(viaEc.status, 0, viaEc.stderr);
      assert.match(viaEc.stdout + viaEc.stderr, /Peer signature type: ECDSA/);
    } finally {
      await peer.stop();
    }
    const unpaired = await tlskit(['server', '--cert', f('rsa.pem'), '--key', f('rsa-key.pem'), '--cert', f('ec.pem')]);
    assert.equal(unpaired.status, 2);
    assert.match(unpaired.stderr, /^tlskit server: --cert \S+ec\.pem has no --key: give one --key FILE after each --cert FILE\n/);
  });

  test('--request-cert --verify-optional lets clients in with or without a certificate and logs which', { skip: noOpenssl }, async () => {
    const { peer, port } = await tlskitServer([
      '--echo',
      '--cert',
      f('ec.pem'),
      '--key',
      f('ec-key.pem'),
      '--request-cert',
      '--verify-optional',
      '--ca',
      client.ca,
    ]);
    try {
      const without = await sClient(['-connect', `127.0.0.1:${port}`]);
      assert.equal(without.status, 0, without.stderr);
      await peer.waitFor(/#1 .*, no client certificate\n/, 'the log of a client without a certificate');
      const withCert = await sClient(['-connect', `127.0.0.1:${port}`, '-cert', client.cert, '-key', client.key]);
      assert.equal(withCert.status, 0, withCert.stderr);
      await peer.waitFor(/#2 .*client certificate .*O=tlskit development certificate trusted/, 'the log of a trusted client');
      const untrusted = await sClient(['-connect', `127.0.0.1:${port}`, '-cert', f('rsa.pem'), '-key', f('rsa-key.pem')]);
      assert.equal(untrusted.status, 0, untrusted.stderr);
      await peer.waitFor(/#3 .*client certificate CN=localhost, O=tlskit test NOT trusted \(/, 'the log of an untrusted client');
    } finally {
      await peer.stop();
    }
    const required = await tlskitServer(['--echo', '--cert', f('ec.pem'), '--key', f('ec-key.pem'), '--request-cert', '--ca', client.ca]);
    try {
      const r = await tlskit(['client', `localhost:${required.port}`, '--ca', f('ec-ca.pem'), '--tls1.2']);
      assert.equal(r.status, 35);
      assert.match(r.stderr, /the server asked for a client certificate and we had none: pass --cert FILE --key FILE/);
      await required.peer.waitFor(/#1 .*: TLS handshake failed: .*certificate/, 'the server log');
    } finally {
      await required.peer.stop();
    }
  });

  test('--ca without --request-cert warns; --verify-optional alone is refused', async () => {
    const { peer } = await tlskitServer(['--echo', '--ca', client.ca]);
    try {
      assert.match(peer.output(), /tlskit server: warning: --ca has no effect without --request-cert/);
    } finally {
      await peer.stop();
    }
    const r = await tlskit(['server', '--verify-optional']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--verify-optional goes with --request-cert/);
  });

  test('--ocsp FILE staples the response for openssl s_client -status', { skip: noOpenssl }, async () => {
    const serial = new X509Certificate(ec.leaf.pem).serialNumber;
    writeFileSync(f('leaf.pem'), ec.leaf.pem);
    writeFileSync(f('index.txt'), `V\t301231235959Z\t\t${serial}\tunknown\t/CN=localhost\n`);
    const req = await run('openssl', ['ocsp', '-issuer', f('ec-ca.pem'), '-cert', f('leaf.pem'), '-reqout', f('req.der'), '-no_nonce']);
    assert.equal(req.status, 0, req.stderr);
    const resp = await run('openssl', [
      'ocsp',
      '-index',
      f('index.txt'),
      '-rsigner',
      f('ec-ca.pem'),
      '-rkey',
      f('ec-ca-key.pem'),
      '-CA',
      f('ec-ca.pem'),
      '-reqin',
      f('req.der'),
      '-respout',
      f('resp.der'),
      '-ndays',
      '1',
    ]);
    assert.equal(resp.status, 0, resp.stderr);
    const { peer, port } = await tlskitServer(['--echo', '--cert', f('ec.pem'), '--key', f('ec-key.pem'), '--ocsp', f('resp.der')]);
    try {
      for (const version of ['-tls1_3', '-tls1_2']) {
        const r = await sClient(['-connect', `127.0.0.1:${port}`, '-status', version]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /OCSP Response Status: successful/, version);
        assert.match(r.stdout, /Cert Status: good/, version);
      }
      const ours = await tlskit(['client', `localhost:${port}`, '--ca', f('ec-ca.pem'), '--status']);
      assert.match(ours.stderr, /OCSP +stapled, \d+ bytes: successful, certificate good/);
    } finally {
      await peer.stop();
    }
    const bad = await tlskit(['server', '--ocsp', f('ec.pem')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--ocsp \S+: holds no OCSP RESPONSE block/);
  });

  test('no --host: listens on 127.0.0.1 and ::1; no --cert: the persistent local CA, the same across restarts', { skip: noCurl }, async () => {
    // A home of its own: the CA must not exist yet.
    const home = { HOME: f('home-ca') };
    const first = await tlskitServer(['--www'], home);
    let caPath: string;
    try {
      assert.match(first.peer.output(), new RegExp(`Listening on 127\\.0\\.0\\.1:${first.port} and \\[::1\\]:${first.port}`));
      assert.match(first.peer.output(), /from the local CA in \S+ \(created now\)/);
      caPath = /Its CA is in (\S+)/.exec(first.peer.output())![1]!;
      assert.equal(caPath, f('home-ca/.local/share/tlskit/rootCA.pem'));
      const v6 = await run('curl', ['-sS', '--cacert', caPath, `https://[::1]:${first.port}/`]);
      assert.equal(v6.status, 0, v6.stderr);
      assert.match(v6.stdout, /tlskit server: GET \//);
    } finally {
      await first.peer.stop();
    }
    // A restart: the same CA, no new one; what trusted it before still does.
    const second = await tlskitServer(['--www'], home);
    try {
      assert.doesNotMatch(second.peer.output(), /created now/);
      assert.equal(/Its CA is in (\S+)/.exec(second.peer.output())![1], caPath);
      const r = await run('curl', ['-sS', '--cacert', caPath, `https://localhost:${second.port}/`]);
      assert.equal(r.status, 0, r.stderr);
      // TLSKIT_CAROOT moves it, as for `tlskit cert`.
      const moved = await tlskitServer(['--echo'], { ...home, TLSKIT_CAROOT: f('other-ca') });
      try {
        assert.equal(/Its CA is in (\S+)/.exec(moved.peer.output())![1], f('other-ca/rootCA.pem'));
      } finally {
        await moved.peer.stop();
      }
    } finally {
      await second.peer.stop();
    }
  });

  test('bug 5 and 10 on the server: encrypted keys with --pass, flag-named errors, plain HTTP to the port is logged as such', { skip: noCurl }, async () => {
    const noPass = await tlskit(['server', '--cert', f('rsa.pem'), '--key', f('rsa-key.enc.pem')]);
    assert.equal(noPass.status, 2);
    assert.match(noPass.stderr, /^tlskit server: --key \S+: the key is encrypted: give its passphrase with --pass/);
    const swapped = await tlskit(['server', '--cert', f('rsa-key.pem'), '--key', f('rsa.pem')]);
    assert.equal(swapped.status, 2);
    assert.match(swapped.stderr, /^tlskit server: --cert \S+rsa-key\.pem: holds a PRIVATE KEY, not a CERTIFICATE\nsee 'tlskit server --help'\n$/);
    const port = await tlskit(['server', '--port', 'abc']);
    assert.equal(port.status, 2);
    assert.match(port.stderr, /^tlskit server: --port: 'abc' is not a port number\n/);
    const { peer, port: p } = await tlskitServer(['--echo', '--cert', f('rsa.pem'), '--key', f('rsa-key.enc.pem'), '--pass', 'pass:sesame']);
    try {
      const r = await run('curl', ['-sS', `http://127.0.0.1:${p}/`]);
      assert.notEqual(r.status, 0);
      await peer.waitFor(
        /#1 .*: the client sent plain text, not TLS \("GET \/ HT…"\): an HTTP client\? use https:\/\/ to reach this port/,
        'the log of a plain HTTP client',
      );
    } finally {
      await peer.stop();
    }
  });
});
