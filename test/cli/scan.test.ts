// issue 17: `tlskit scan HOST:PORT` against servers configured to known answers (openssl s_server,
// gnutls-serv, tlskit's own server), each on 127.0.0.1 and stopped by the test: the versions,
// the suites in the server's order, groups, resumption, OCSP stapling, 0-RTT, the downgrade
// sentinel, middlebox compatibility and the certificate problems are asserted exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { freePort, missing, run, startPeer, tempDir, type Peer } from '../apps/helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const noOpenssl = missing('openssl', ['version']);
const noGnutls = missing('gnutls-serv', ['--version']);
const TIMEOUT_MS = 120_000;

const rsa = createTestPki({ names: ['localhost', '127.0.0.1'], leafKey: 'rsa-2048', caKey: 'rsa-2048' });
const chained = createTestPki({ names: ['localhost', '127.0.0.1'], intermediate: true });
const dir = tempDir('tlskit-scan-');
const f = (name: string): string => join(dir.path, name);

before(() => {
  writeFileSync(f('rsa-ca.pem'), rsa.caPem);
  writeFileSync(f('rsa-ca-key.pem'), rsa.ca.key.privateKeyPem);
  writeFileSync(f('rsa-leaf.pem'), rsa.leaf.pem);
  writeFileSync(f('rsa-key.pem'), rsa.keyPem);
  writeFileSync(f('ec-ca.pem'), chained.caPem);
  writeFileSync(f('ec-leaf.pem'), chained.leaf.pem);
  writeFileSync(f('ec-key.pem'), chained.keyPem);
});
after(() => dir.remove());

const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: f('home') });

async function scan(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [main, 'scan', ...args], { env: env(), ms: 90_000 });
}

async function scanJson(args: string[]): Promise<any> {
  const r = await scan([...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function opensslServer(args: string[], www = true): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer('openssl', ['s_server', '-accept', '127.0.0.1:0', ...(www ? ['-www'] : []), ...args], { ready: /ACCEPT 127\.0\.0\.1:\d+/ });
  return { peer, port: Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

const rsaFiles = ['-key', f('rsa-key.pem'), '-cert', f('rsa-leaf.pem')];
const notLegacy = { 'TLSv1.1': 'not accepted', TLSv1: 'not accepted', SSLv3: 'not accepted' };

describe('tlskit scan', () => {
  test('bad command lines exit 2 with one line naming the flag', async () => {
    const none = await scan([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^tlskit scan: give the server as HOST:PORT\nsee 'tlskit scan --help'\n$/);
    const wide = await scan(['127.0.0.1:1', '--concurrency', '9']);
    assert.equal(wide.status, 2);
    assert.match(wide.stderr, /--concurrency: expected a number from 1 to 4, got '9'/);
    const help = await scan(['--help']);
    assert.match(help.stdout, /Usage: tlskit scan HOST:PORT/);
  });

  test('nothing listening: exit 1, said in one line', async () => {
    const port = await freePort();
    const r = await scan([`127.0.0.1:${port}`, '--timeout', '2']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /did not answer a TLS 1\.3 or TLS 1\.2 ClientHello/);
  });

  test('openssl s_server -tls1_2 -serverpref, two suites, -groups P-256, -no_ticket: suites in its order, session-id resumption', {
    skip: noOpenssl,
    timeout: TIMEOUT_MS,
  }, async () => {
    for (const [cipher, order] of [
      ['ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305', ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256']],
      ['ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256', ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']],
    ] as const) {
      const { peer, port } = await opensslServer([...rsaFiles, '-tls1_2', '-cipher', cipher, '-serverpref', '-groups', 'P-256', '-no_ticket']);
      try {
        const r = await scanJson([`localhost:${port}`, '--ca', f('rsa-ca.pem')]);
        assert.deepEqual(r.versions, { 'TLSv1.3': 'not accepted', 'TLSv1.2': 'accepted', ...notLegacy });
        assert.deepEqual(r.cipherSuites, { 'TLSv1.2': { accepted: order, serverPreference: true } });
        assert.deepEqual(r.groups, { 'TLSv1.2': ['secp256r1'] });
        assert.deepEqual(r.resumption, { 'TLSv1.2': { sessionId: true, tickets: false, resumed: true } });
        assert.equal(r.ocspStapling, false);
        assert.equal(r.secureRenegotiation, true);
        assert.equal(r.downgradeSentinel, 'not applicable');
        assert.equal(r.middleboxCompatibility, null);
        assert.equal(r.earlyData, null);
        assert.deepEqual(r.alpn, { h2: false, 'http/1.1': false });
        assert.equal(r.certificate.trusted, true);
        assert.deepEqual(r.certificate.problems, []);
        assert.ok(r.signatureAlgorithms['TLSv1.2'].includes('rsa_pss_rsae_sha256'));
        assert.ok(!r.signatureAlgorithms['TLSv1.2'].some((s: string) => s.startsWith('ecdsa')));
      } finally {
        await peer.stop();
      }
    }
  });

  test('openssl s_server TLS 1.3 + 1.2 with -status_file, -early_data, -groups X25519:P-384 and no intermediate sent', {
    skip: noOpenssl,
    timeout: TIMEOUT_MS,
  }, async () => {
    const serial = new X509Certificate(rsa.leaf.pem).serialNumber;
    writeFileSync(f('index.txt'), `V\t301231235959Z\t\t${serial}\tunknown\t/CN=localhost\n`);
    const req = await run('openssl', ['ocsp', '-issuer', f('rsa-ca.pem'), '-cert', f('rsa-leaf.pem'), '-reqout', f('req.der'), '-no_nonce']);
    assert.equal(req.status, 0, req.stderr);
    const resp = await run('openssl', [
      'ocsp',
      '-index',
      f('index.txt'),
      '-rsigner',
      f('rsa-ca.pem'),
      '-rkey',
      f('rsa-ca-key.pem'),
      '-CA',
      f('rsa-ca.pem'),
      '-reqin',
      f('req.der'),
      '-respout',
      f('resp.der'),
      '-ndays',
      '1',
    ]);
    assert.equal(resp.status, 0, resp.stderr);
    const { peer, port } = await opensslServer(
      [...rsaFiles, '-status_file', f('resp.der'), '-early_data', '-groups', 'X25519:P-384', '-alpn', 'http/1.1'],
      false,
    );
    try {
      const r = await scanJson([`localhost:${port}`, '--ca', f('rsa-ca.pem')]);
      assert.deepEqual(r.versions, { 'TLSv1.3': 'accepted', 'TLSv1.2': 'accepted', ...notLegacy });
      assert.deepEqual(r.groups['TLSv1.3'], ['x25519', 'secp384r1']);
      assert.deepEqual(r.groups['TLSv1.2'], ['x25519', 'secp384r1']);
      assert.deepEqual(r.cipherSuites['TLSv1.3'].accepted.sort(), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
      assert.equal(r.ocspStapling, true);
      assert.deepEqual(r.earlyData, { maxEarlyData: 16384 });
      assert.equal(r.resumption['TLSv1.3'].resumed, true);
      assert.equal(r.resumption['TLSv1.3'].tickets, true);
      assert.equal(r.downgradeSentinel, 'present');
      assert.equal(r.middleboxCompatibility, true);
      assert.deepEqual(r.alpn, { h2: false, 'http/1.1': true });
      assert.deepEqual(r.signatureAlgorithms['TLSv1.3'], ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512']);
    } finally {
      await peer.stop();
    }
  });

  test('openssl s_server -tls1_3 -no_middlebox, leaf only: no CCS; missing intermediate, name mismatch; the table is aligned', {
    skip: noOpenssl,
    timeout: TIMEOUT_MS,
  }, async () => {
    const { peer, port } = await opensslServer(['-key', f('ec-key.pem'), '-cert', f('ec-leaf.pem'), '-tls1_3', '-no_middlebox']);
    try {
      const r = await scan([`127.0.0.1:${port}`, '--ca', f('ec-ca.pem'), '--servername', 'wrong.example']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Scan of 127\.0\.0\.1:\d+, server name wrong\.example\n/);
      assert.match(r.stdout, /\n {2}TLSv1\.3 {16}accepted\n {2}TLSv1\.2 {16}not accepted\n/);
      assert.match(r.stdout, /\n {2}downgrade sentinel {5}not applicable\n {2}middlebox compat {7}no CCS after ServerHello\n/);
      assert.match(r.stdout, /problem {2}missing intermediate: the chain ends at .*, which the server did not send/);
      assert.match(r.stdout, /problem {2}name mismatch: wrong\.example is not among the certificate's names \(localhost, 127\.0\.0\.1\)/);
    } finally {
      await peer.stop();
    }
  });

  test('openssl s_server at @SECLEVEL=0 without TLS 1.3: TLS 1.1 and 1.0 "accepted (insecure)", in the table too', {
    skip: noOpenssl,
    timeout: TIMEOUT_MS,
  }, async () => {
    const { peer, port } = await opensslServer([...rsaFiles, '-cipher', 'DEFAULT:@SECLEVEL=0', '-no_tls1_3']);
    try {
      const r = await scan([`localhost:${port}`, '--ca', f('rsa-ca.pem')]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        /\n {2}TLSv1\.3 {16}not accepted\n {2}TLSv1\.2 {16}accepted\n {2}TLSv1\.1 {16}accepted \(insecure\)\n {2}TLSv1 {18}accepted \(insecure\)\n {2}SSLv3 {18}not accepted\n/,
      );
      assert.match(r.stdout, /\n {2}downgrade sentinel {5}not applicable\n/);
    } finally {
      await peer.stop();
    }
  });

  test('weak RSA key (1024 bits) in a TLS 1.2 server', { skip: noOpenssl, timeout: TIMEOUT_MS }, async () => {
    const made = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:1024',
      '-nodes',
      '-keyout',
      f('weak-key.pem'),
      '-out',
      f('weak.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-days',
      '365',
    ]);
    assert.equal(made.status, 0, made.stderr);
    const { peer, port } = await opensslServer(['-key', f('weak-key.pem'), '-cert', f('weak.pem'), '-tls1_2', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    try {
      const r = await scanJson([`localhost:${port}`, '--ca', f('weak.pem')]);
      assert.deepEqual(r.certificate.problems, ['CN=localhost: weak key, RSA 1024 bits (< 2048)']);
    } finally {
      await peer.stop();
    }
  });

  test('gnutls-serv TLS 1.3 + 1.2, SECP384R1 only, --noticket', { skip: noGnutls, timeout: TIMEOUT_MS }, async () => {
    const port = await freePort();
    const peer = await startPeer(
      'gnutls-serv',
      [
        '--port',
        String(port),
        '--x509keyfile',
        f('rsa-key.pem'),
        '--x509certfile',
        f('rsa-leaf.pem'),
        '--echo',
        '--noticket',
        '--priority',
        'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-SECP384R1',
      ],
      { ready: /listening on IPv4/ },
    );
    try {
      const r = await scanJson([`localhost:${port}`, '--ca', f('rsa-ca.pem')]);
      assert.deepEqual(r.versions, { 'TLSv1.3': 'accepted', 'TLSv1.2': 'accepted', ...notLegacy });
      assert.deepEqual(r.groups, { 'TLSv1.3': ['secp384r1'], 'TLSv1.2': ['secp384r1'] });
      assert.equal(r.resumption['TLSv1.2'].sessionId, true);
      assert.equal(r.resumption['TLSv1.2'].tickets, false);
      assert.equal(r.resumption['TLSv1.2'].resumed, true);
      assert.equal(r.resumption['TLSv1.3'].tickets, false);
      assert.equal(r.resumption['TLSv1.3'].resumed, false);
      assert.equal(r.downgradeSentinel, 'present');
      assert.equal(r.middleboxCompatibility, true);
      assert.equal(r.secureRenegotiation, true);
      assert.equal(r.ocspStapling, false);
    } finally {
      await peer.stop();
    }
  });

  test("tlskit's own server: X25519MLKEM768, its suite order, ALPN h2", { timeout: TIMEOUT_MS }, async () => {
    const peer = await startPeer(
      process.execPath,
      [
        main,
        'server',
        '--port',
        '0',
        '--www',
        '--alpn',
        'h2',
        '--groups',
        'X25519MLKEM768:X25519',
        '--ciphers',
        'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
        '--cert',
        f('ec-leaf.pem'),
        '--key',
        f('ec-key.pem'),
      ],
      { ready: /Listening on 127\.0\.0\.1:\d+/, env: env() },
    );
    const port = Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]);
    try {
      const r = await scanJson([`localhost:${port}`, '--ca', f('ec-ca.pem')]);
      assert.deepEqual(r.versions, { 'TLSv1.3': 'accepted', 'TLSv1.2': 'accepted', ...notLegacy });
      assert.deepEqual(r.cipherSuites, {
        'TLSv1.3': { accepted: ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'], serverPreference: true },
        'TLSv1.2': { accepted: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'], serverPreference: true },
      });
      assert.deepEqual(r.groups, { 'TLSv1.3': ['x25519', 'X25519MLKEM768'], 'TLSv1.2': ['x25519'] });
      assert.deepEqual(r.signatureAlgorithms['TLSv1.3'], ['ecdsa_secp256r1_sha256']);
      assert.deepEqual(r.alpn, { h2: true, 'http/1.1': false });
      assert.equal(r.downgradeSentinel, 'present');
      assert.equal(r.middleboxCompatibility, true);
      assert.equal(r.resumption['TLSv1.3'].resumed, true);
      assert.equal(r.resumption['TLSv1.2'].resumed, true);
      assert.deepEqual(r.earlyData, { maxEarlyData: 0 });
      assert.equal(r.ocspStapling, false);
      assert.match(r.certificate.problems.join('\n'), /missing intermediate/);
      // The probe cap bounds the scan, and the report says what it left out.
      const capped = await scanJson([`localhost:${port}`, '--ca', f('ec-ca.pem'), '--max-probes', '3']);
      assert.equal(capped.probes, 3);
      assert.deepEqual(capped.versions, { 'TLSv1.3': 'accepted', 'TLSv1.2': 'accepted', 'TLSv1.1': 'not accepted', TLSv1: 'not probed', SSLv3: 'not probed' });
      assert.deepEqual(capped.notes, ['stopped at the probe cap (--max-probes 3): some answers are incomplete']);
    } finally {
      await peer.stop();
    }
  });
});
