// issue 17: `tlskit client` as people use it in place of openssl s_client and curl: its bugs
// (each spawned against a real peer) and its flags (client certificates, sessions, 0-RTT, OCSP,
// --json, exit statuses, address forms).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { createCertificate } from '../../src/devcert/certificate-builder.js';
import { ensureLocalCa, issueLeaf } from '../../src/devcert/local-ca.js';
import { createTestPki, testKeyPair } from '../../src/devcert/test-pki.js';
import { freePort, missing, run, startPeer, tempDir, withTimeout, type Peer } from '../apps/helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const noOpenssl = missing('openssl', ['version']);

const pki = createTestPki({ names: ['localhost', '127.0.0.1'], intermediate: true });
const dir = tempDir('tlskit-cli-flags-');
const f = (name: string): string => join(dir.path, name);
const files = { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem'), leaf: f('leaf.pem'), intermediate: f('intermediate.pem') };
/** A client certificate from a second CA (a `tlskit cert` local CA), and its files. */
const client = { ca: f('client-ca/rootCA.pem'), cert: '', key: '', encryptedKey: f('client-key.enc.pem'), p12: f('client.p12') };

before(() => {
  writeFileSync(files.ca, pki.caPem);
  writeFileSync(files.cert, pki.chainPem);
  writeFileSync(files.leaf, pki.leaf.pem);
  writeFileSync(files.intermediate, pki.intermediate!.certificate.pem);
  writeFileSync(files.key, pki.keyPem);
  const ca = ensureLocalCa(f('client-ca'));
  const leaf = issueLeaf(ca, ['client.example.test'], { outDir: f('client') });
  client.cert = leaf.certPath;
  client.key = leaf.keyPath;
  writeFileSync(
    client.encryptedKey,
    createPrivateKey(readFileSync(leaf.keyPath)).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' }),
  );
});
after(() => dir.remove());

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: dir.path, ...extra });

function tlskit(args: string[], input = '', extraEnv: Record<string, string> = {}): ReturnType<typeof run> {
  return run(process.execPath, [main, ...args], { input, env: env(extraEnv) });
}

async function tlskitServer(args: string[]): Promise<{ peer: Peer; port: number; caPath: string }> {
  const peer = await startPeer(process.execPath, [main, 'server', '--port', '0', ...args], { ready: /Listening on 127\.0\.0\.1:\d+/, env: env() });
  const caPath = /Its CA is in (\S+)/.exec(peer.output())?.[1] ?? files.ca;
  return { peer, port: Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]), caPath };
}

async function opensslServer(
  args: string[],
  chain: string[] = ['-key', files.key, '-cert', files.leaf, '-cert_chain', files.intermediate],
): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer('openssl', ['s_server', '-accept', '127.0.0.1:0', ...chain, ...args], { ready: /ACCEPT 127\.0\.0\.1:\d+/ });
  return { peer, port: Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

const lines = (text: string): string[] => text.trimEnd().split('\n');

describe('issue 17 bugs, tlskit client', () => {
  for (const v of [
    { name: 'TLSv1.2', openssl: '-tls1_2', flag: '--tls1.2' },
    { name: 'TLSv1.3', openssl: '-tls1_3', flag: '--tls1.3' },
  ] as const) {
    test(`bug 1, ${v.name}: a server requiring a client certificate says so, names --cert/--key; with them it connects`, { skip: noOpenssl }, async () => {
      const { peer, port } = await opensslServer(['-Verify', '1', '-verify_return_error', '-CAfile', client.ca, v.openssl, '-www']);
      try {
        const none = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, v.flag], 'GET / HTTP/1.0\r\n\r\n');
        assert.equal(none.status, 35, none.stderr);
        assert.match(none.stderr, /the server asked for a client certificate and we had none: pass --cert FILE --key FILE/);
        assert.doesNotMatch(none.stderr, /found nothing it accepts/);
        const json = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, v.flag, '--json']);
        assert.equal(json.status, 35, json.stderr);
        assert.equal((JSON.parse(json.stdout) as { connected: boolean }).connected, false, 'not reported as connected');
        const ok = await tlskit(
          ['client', `localhost:${port}`, '--ca', files.ca, v.flag, '--cert', client.cert, '--key', client.key],
          'GET / HTTP/1.0\r\n\r\n',
        );
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stderr, /client cert +requested; sent .*O=tlskit development certificate \[ECDSA P-256, names client\.example\.test\]/);
        assert.match(ok.stdout, /^HTTP\/1\.0 200 ok/);
      } finally {
        await peer.stop();
      }
    });
  }

  test('bug 2: --ciphers selecting nothing is refused with the supported names; unknown words are warned about', { skip: noOpenssl }, async () => {
    for (const list of ['FOO', 'AES128-SHA']) {
      const r = await tlskit(['client', 'localhost:1', '--ciphers', list]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(lines(r.stderr).length, 2);
      assert.match(
        r.stderr,
        new RegExp(
          `^tlskit client: --ciphers: '${list}' selects no cipher suite tlskit implements; supported: TLS_AES_128_GCM_SHA256 .*ECDHE-ECDSA-AES128-GCM-SHA256 .*\nsee 'tlskit client --help'\n$`,
        ),
      );
    }
    const server = await tlskit(['server', '--ciphers', 'FOO']);
    assert.equal(server.status, 2);
    assert.match(server.stderr, /^tlskit server: --ciphers: 'FOO' selects no cipher suite/);
    const demo = await tlskit(['demo', '--cipher', 'FOO']);
    assert.equal(demo.status, 2);
    assert.match(demo.stderr, /^tlskit demo: --cipher: 'FOO' selects no cipher suite/);
    const { peer, port } = await opensslServer(['-www', '-tls1_2']);
    try {
      const r = await tlskit(
        ['client', `localhost:${port}`, '--ca', files.ca, '--tls1.2', '--ciphers', 'AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:!aNULL'],
        'GET / HTTP/1.0\r\n\r\n',
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^tlskit client: warning: --ciphers: 'AES128-SHA' selects no cipher suite tlskit implements: ignored\n/);
      assert.doesNotMatch(r.stderr, /aNULL/, 'an exclusion of what tlskit lacks is no cause for a warning');
      assert.match(r.stderr, /cipher suite +TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
    } finally {
      await peer.stop();
    }
  });

  test('bug 4 and 10: file errors name the flag and say what the file holds; DER and PKCS#12 are read', { skip: noOpenssl }, async () => {
    const junk = f('junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const cases: [string[], RegExp][] = [
      [['--ca', junk], new RegExp(`--ca ${junk}: holds no CERTIFICATE \\(no PEM block, and not DER or PKCS#12 either\\)`)],
      [['--ca', files.key], new RegExp(`--ca ${files.key}: holds a PRIVATE KEY, not a CERTIFICATE`)],
      [['--ca', f('missing.pem')], /--ca \S+missing\.pem: no such file/],
      [['--ca', dir.path], /: is a directory/],
      [['--cert', client.cert, '--key', client.cert], /--key \S+: holds a CERTIFICATE, not a PRIVATE KEY/],
      [['--groups', 'foo'], /^tlskit client: --groups: unsupported group "foo"\n/],
      [['--connect-timeout', 'soon'], /--connect-timeout takes seconds/],
      [['--nope'], /^tlskit client: unknown option --nope\n/],
    ];
    for (const [args, message] of cases) {
      const r = await tlskit(['client', 'localhost:1', ...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /^[^\n]+\nsee 'tlskit client --help'\n$/, 'one line, then where the help is');
      assert.doesNotMatch(r.stderr, /ecdhCurve|Usage:/);
    }
    // The CA as DER, the client certificate and key as PKCS#12 (with --pass).
    const der = f('ca.der');
    writeFileSync(der, pki.ca.certificate.der);
    const p12 = await run('openssl', ['pkcs12', '-export', '-in', client.cert, '-inkey', client.key, '-out', client.p12, '-passout', 'pass:p12pass']);
    assert.equal(p12.status, 0, p12.stderr);
    const { peer, port } = await tlskitServer(['--echo', '--cert', files.cert, '--key', files.key, '--request-cert', '--ca', client.ca]);
    try {
      const noPass = await tlskit(['client', `localhost:${port}`, '--ca', der, '--cert', client.p12]);
      assert.equal(noPass.status, 2);
      assert.match(noPass.stderr, /--cert \S+client\.p12: a PKCS#12 file protected by a password: give it with --pass/);
      const r = await tlskit(['client', `localhost:${port}`, '--ca', der, '--cert', client.p12, '--pass', 'pass:p12pass'], 'p12\n');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'p12\n');
      assert.match(r.stderr, /certificate +trusted/);
      await peer.waitFor(/#1 .*client certificate .*O=tlskit development certificate trusted/, 'the server log');
    } finally {
      await peer.stop();
    }
  });

  test('bug 5: an encrypted key asks for --pass (pass:, env:, file:); a wrong one says so', async () => {
    const { peer, port } = await tlskitServer(['--echo', '--cert', files.cert, '--key', files.key, '--request-cert', '--ca', client.ca]);
    try {
      const base = ['client', `localhost:${port}`, '--ca', files.ca, '--cert', client.cert, '--key', client.encryptedKey];
      const none = await tlskit(base);
      assert.equal(none.status, 2);
      assert.match(none.stderr, /--key \S+client-key\.enc\.pem: the key is encrypted: give its passphrase with --pass/);
      assert.doesNotMatch(none.stderr, /interrupted|cancelled/);
      const wrong = await tlskit([...base, '--pass', 'pass:wrong']);
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /--pass does not decrypt this key/);
      writeFileSync(f('pass.txt'), 'sesame\n');
      for (const pass of [
        ['--pass', 'pass:sesame'],
        ['--pass', 'env:KEY_PASS'],
        ['--pass', `file:${f('pass.txt')}`],
      ]) {
        const r = await tlskit([...base, ...pass], 'x', { KEY_PASS: 'sesame' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, 'x');
      }
      await peer.waitFor(/#3 .*client certificate .* trusted/, 'the server log');
    } finally {
      await peer.stop();
    }
  });

  test('bug 5 on a terminal: an encrypted key without --pass is asked for, without echo', { skip: missing('script', ['--version']) }, async () => {
    const { peer, port } = await tlskitServer(['--echo', '--cert', files.cert, '--key', files.key, '--request-cert', '--ca', client.ca]);
    try {
      // script(1) runs the client on a pseudo-terminal; the passphrase is typed once the prompt shows.
      const command = `${process.execPath} ${main} client localhost:${port} --ca ${files.ca} --cert ${client.cert} --key ${client.encryptedKey} --json`;
      const term = await startPeer('script', ['-qc', command, '/dev/null'], { env: env() });
      try {
        await term.waitFor(/passphrase for \S+client-key\.enc\.pem: /, 'the prompt');
        term.child.stdin!.write('sesame\n');
        await term.waitFor(/"connected": true/, 'the connection');
        assert.equal(await term.exited(), 0);
        assert.doesNotMatch(term.output(), /sesame/, 'the passphrase is not echoed');
      } finally {
        await term.stop();
      }
      await peer.waitFor(/#1 .*client certificate .*trusted/, 'the server log');
    } finally {
      await peer.stop();
    }
  });

  test("a server certificate's names cannot drive the terminal: control characters are shown escaped", { skip: noOpenssl }, async () => {
    // dNSName is an IA5String: ASCII, control characters included. ESC and BEL from a hostile
    // server must not reach the user's terminal as they are, in the hint or the chain lines.
    const key = testKeyPair('ec-p256', 'leaf');
    const hostile = createCertificate({
      subject: 'CN=localhost',
      subjectKey: key,
      issuer: pki.intermediate!,
      subjectAltNames: { dns: ['evil\x1b[2J.test', 'bell\x07.test'] },
    });
    writeFileSync(f('hostile.pem'), hostile.pem);
    writeFileSync(f('hostile-key.pem'), key.privateKeyPem);
    const s = await opensslServer(['-www'], ['-key', f('hostile-key.pem'), '-cert', f('hostile.pem'), '-cert_chain', files.intermediate]);
    try {
      const mismatch = await tlskit(['client', `localhost:${s.port}`, '--ca', files.ca]);
      assert.equal(mismatch.status, 60, mismatch.stderr);
      assert.match(mismatch.stderr, /the certificate names evil\\x1b\[2J\.test, bell\\x07\.test, not localhost/);
      const insecure = await tlskit(['client', `localhost:${s.port}`, '--insecure', '--trace'], 'GET / HTTP/1.0\r\n\r\n');
      for (const out of [mismatch.stdout, mismatch.stderr, insecure.stderr]) assert.doesNotMatch(out, /[\x1b\x07]/);
      assert.match(insecure.stderr, /evil\\x1b\[2J\.test/);
    } finally {
      await s.peer.stop();
    }
  });

  test('bug 6: hints fit the failure: expired, wrong host, missing intermediate, a CA certificate as server certificate', { skip: noOpenssl }, async () => {
    // Expired: issued by the test CA, valid until yesterday.
    const key = testKeyPair('ec-p256', 'leaf');
    const expired = createCertificate({
      subject: 'CN=localhost',
      subjectKey: key,
      issuer: pki.intermediate!,
      subjectAltNames: { dns: ['localhost'] },
      notBefore: new Date(Date.now() - 30 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    writeFileSync(f('expired.pem'), expired.pem);
    writeFileSync(f('expired-key.pem'), key.privateKeyPem);
    let s = await opensslServer(['-www'], ['-key', f('expired-key.pem'), '-cert', f('expired.pem'), '-cert_chain', files.intermediate]);
    try {
      const r = await tlskit(['client', `localhost:${s.port}`, '--ca', files.ca]);
      assert.equal(r.status, 60, r.stderr);
      assert.match(r.stderr, /has expired .*check this machine's clock .*renew the certificate on the server/);
      assert.doesNotMatch(r.stderr, /pass it with --ca/);
    } finally {
      await s.peer.stop();
    }
    // Wrong host; then only the leaf sent.
    s = await opensslServer(['-www']);
    try {
      const r = await tlskit(['client', `127.0.0.1:${s.port}`, '--ca', files.ca, '--servername', 'other.example']);
      assert.equal(r.status, 60, r.stderr);
      assert.match(r.stderr, /the certificate names localhost, 127\.0\.0\.1, not other\.example: .*--servername NAME/);
    } finally {
      await s.peer.stop();
    }
    s = await opensslServer(['-www'], ['-key', files.key, '-cert', files.leaf]);
    try {
      const r = await tlskit(['client', `localhost:${s.port}`, '--ca', files.ca]);
      assert.equal(r.status, 60, r.stderr);
      assert.match(r.stderr, /the server sent only its leaf certificate, without the intermediate .*fix the server's chain/);
    } finally {
      await s.peer.stop();
    }
    writeFileSync(f('ca-key.pem'), pki.ca.key.privateKeyPem);
    s = await opensslServer(['-www'], ['-key', f('ca-key.pem'), '-cert', files.ca]);
    try {
      const r = await tlskit(['client', `localhost:${s.port}`, '--ca', files.ca]);
      assert.equal(r.status, 60, r.stderr);
      assert.match(r.stderr, /the server's certificate is a CA certificate .*a server needs a leaf certificate issued by that CA/);
    } finally {
      await s.peer.stop();
    }
  });

  test('bug 7: a plain-text greeting (SMTP, IMAP, POP3 on the port) is named, with --starttls PROTO', async () => {
    // Scripted greetings, sent at once as these servers do (smtp-server answers a client that talks
    // first with 421, which is a numeric greeting too).
    const greetings = [
      [
        '220 mail.example.test ESMTP ready\r\n',
        /\("220 mail…"\): it speaks a cleartext protocol on this port\nit looks like an SMTP \(or FTP\) greeting: try --starttls smtp/,
      ],
      ['* OK IMAP4rev1 ready\r\n', /\("\* OK IMA…"\)[\s\S]*IMAP greeting: try --starttls imap/],
      ['+OK POP3 ready\r\n', /\("\+OK POP3…"\)[\s\S]*POP3 greeting: try --starttls pop3/],
    ] as const;
    for (const [greeting, expected] of greetings) {
      const server = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end(greeting);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const r = await tlskit(['client', `127.0.0.1:${(server.address() as net.AddressInfo).port}`]);
        assert.equal(r.status, 35, r.stderr);
        assert.match(r.stderr, /^the server sent plain text, not TLS /);
        assert.match(r.stderr, expected);
        assert.doesNotMatch(r.stderr, /content type|client\?/);
      } finally {
        server.close();
      }
    }
    // A real SMTP server (smtp-server) on the port: its reply is recognised as numeric.
    const smtp = new SMTPServer({ secure: false, authOptional: true, logger: false });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    try {
      const r = await tlskit(['client', `127.0.0.1:${(smtp.server.address() as net.AddressInfo).port}`]);
      assert.equal(r.status, 35, r.stderr);
      assert.match(r.stderr, /^the server sent plain text, not TLS \("\d{3} [^"]*"\)[\s\S]*try --starttls smtp/);
    } finally {
      await withTimeout(new Promise<void>((resolve) => smtp.close(() => resolve())), 5_000, 'smtp-server to close');
    }
  });

  test('bug 8: an IP address sends no SNI, and the report says so (not "server name 127.0.0.1")', async () => {
    const { peer, port, caPath } = await tlskitServer(['--echo']);
    try {
      const r = await tlskit(['client', `127.0.0.1:${port}`, '--ca', caPath], 'x');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`^Connected to 127\\.0\\.0\\.1:${port}, no server name sent\n`));
      const named = await tlskit(['client', `127.0.0.1:${port}`, '--ca', caPath, '--servername', 'localhost'], 'x');
      assert.match(named.stderr, new RegExp(`^Connected to 127\\.0\\.0\\.1:${port}, server name localhost\n`));
    } finally {
      await peer.stop();
    }
  });

  test('bug 9: NODE_EXTRA_CA_CERTS is trusted without --ca', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-www']);
    try {
      const without = await tlskit(['client', `localhost:${port}`]);
      assert.equal(without.status, 60);
      const r = await tlskit(['client', `localhost:${port}`], 'GET / HTTP/1.0\r\n\r\n', { NODE_EXTRA_CA_CERTS: files.ca });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /certificate +trusted/);
    } finally {
      await peer.stop();
    }
  });
});

describe('tlskit client flags against real servers', () => {
  test('exit statuses as curl: 7 nothing listening, 35 handshake failed, 60 certificate rejected; --help documents them', { skip: noOpenssl }, async () => {
    const closed = await tlskit(['client', `127.0.0.1:${await freePort()}`]);
    assert.equal(closed.status, 7);
    const { peer, port } = await opensslServer(['-www', '-tls1_2']);
    try {
      assert.equal((await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--tls1.3'])).status, 35);
      assert.equal((await tlskit(['client', `localhost:${port}`])).status, 60);
      assert.equal((await tlskit(['client', `localhost:${port}`, '--insecure'], 'GET / HTTP/1.0\r\n\r\n')).status, 0);
    } finally {
      await peer.stop();
    }
    const help = await tlskit(['client', '--help']);
    assert.match(help.stdout, /7 could not connect[\s\S]*28 --connect-timeout[\s\S]*35 the TLS handshake failed;\n60 the server's certificate was rejected/);
  });

  test('--connect-timeout: a server that accepts and never answers gives up in time, exit 28', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const r = await tlskit(['client', `127.0.0.1:${(silent.address() as net.AddressInfo).port}`, '--connect-timeout', '0.5']);
      assert.equal(r.status, 28, r.stderr);
      assert.match(r.stderr, /no TLS connection to 127\.0\.0\.1:\d+ within 0\.5 s \(--connect-timeout\)/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      silent.close();
    }
  });

  test('--connect-timeout bounds a STARTTLS exchange too: an SMTP server that greets and then says nothing', async () => {
    const stalled = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 stalled.example.test ESMTP\r\n');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const r = await tlskit(['client', `127.0.0.1:${(stalled.address() as net.AddressInfo).port}`, '--starttls', 'smtp', '--connect-timeout', '0.5']);
      assert.equal(r.status, 28, r.stderr);
      assert.match(r.stderr, /within 0\.5 s \(--connect-timeout\)/);
      assert.ok(Date.now() - started < 10_000, 'the process ends: the plaintext connection is closed too');
    } finally {
      stalled.close();
    }
  });

  test('--showcerts writes the chain as PEM to stdout; --capath trusts a directory', { skip: noOpenssl }, async () => {
    mkdirSync(f('capath'), { recursive: true });
    writeFileSync(f('capath/a.pem'), pki.caPem);
    writeFileSync(f('capath/README'), 'not a certificate');
    const { peer, port } = await opensslServer(['-www']);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--capath', f('capath'), '--showcerts']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /certificate +trusted/);
      const pems = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
      assert.equal(pems.length, 2);
      assert.equal(new X509Certificate(pems[0]!).fingerprint256, new X509Certificate(pki.leaf.pem).fingerprint256);
      assert.equal(new X509Certificate(pems[1]!).fingerprint256, new X509Certificate(pki.intermediate!.certificate.pem).fingerprint256);
    } finally {
      await peer.stop();
    }
  });

  test('--json: one object with version, suite, group, ALPN, SNI sent, chain, verdict, resumption, timings; failures too', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-www', '-alpn', 'http/1.1']);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--json', '--alpn', 'http/1.1']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const o = JSON.parse(r.stdout) as Record<string, any>;
      assert.equal(o['connected'], true);
      assert.equal(o['version'], 'TLSv1.3');
      assert.match(o['cipherSuite'], /^TLS_AES_/);
      assert.equal(typeof o['group'], 'string');
      assert.equal(o['alpn'], 'http/1.1');
      assert.equal(o['sniSent'], 'localhost');
      assert.equal(o['certificate'].trusted, true);
      assert.match(o['certificate'].verdict, /CN=localhost/);
      assert.deepEqual(
        o['certificate'].chain.map((c: any) => c.subject),
        ['CN=localhost, O=tlskit test', 'CN=tlskit test intermediate CA, O=tlskit test'],
      );
      assert.deepEqual(o['certificate'].chain[0].names, { dns: ['localhost'], ip: ['127.0.0.1'] });
      assert.ok(Date.parse(o['certificate'].chain[0].notAfter) > Date.now());
      assert.deepEqual(o['resumption'], { offered: false, resumed: false, sessionSaved: false });
      assert.ok(o['timingsMs'].handshake >= o['timingsMs'].tcp && o['timingsMs'].tcp > 0);
      const refused = await tlskit(['client', `localhost:${port}`, '--json']);
      assert.equal(refused.status, 60);
      const e = JSON.parse(refused.stdout) as Record<string, any>;
      assert.equal(e['connected'], false);
      assert.equal(e['exitCode'], 60);
      assert.equal(e['error'].alert, 'unknown_ca');
    } finally {
      await peer.stop();
    }
  });

  test('--sess-out then --sess-in resumes (TLS 1.3 and 1.2), the file is 0600; --reconnect says each resumed', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer([]);
    try {
      for (const version of ['--tls1.3', '--tls1.2']) {
        const session = f(`session${version}`);
        const first = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, version, '--sess-out', session], 'one\n');
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stderr, /resumed +no/);
        assert.equal(statSync(session).mode & 0o777, 0o600);
        const again = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, version, '--sess-in', session, '--json']);
        assert.equal(again.status, 0, again.stderr);
        assert.equal((JSON.parse(again.stdout) as any).resumption.resumed, true, version);
      }
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--reconnect']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        [...r.stderr.matchAll(/^reconnect (\d): (\w+)/gm)].map((m) => `${m[1]} ${m[2]}`),
        ['1 resumed', '2 resumed', '3 resumed', '4 resumed', '5 resumed'],
      );
    } finally {
      await peer.stop();
    }
  });

  test('--sess-out replaces the file it names: never writes the session through a symbolic link planted there', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer([]);
    try {
      // Someone who can write the directory links the session path to a file they can read.
      const target = f('planted-target');
      writeFileSync(target, 'nothing yet\n', { mode: 0o644 });
      const session = f('session-link');
      symlinkSync(target, session);
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--sess-out', session], 'one\n');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(target, 'utf8'), 'nothing yet\n', 'the link target holds no session');
      assert.equal(statSync(target).mode & 0o777, 0o644);
      assert.ok(lstatSync(session).isFile(), 'the session path is now a file of its own');
      assert.equal(lstatSync(session).mode & 0o777, 0o600);
      assert.ok(readFileSync(session).length > 0);
    } finally {
      await peer.stop();
    }
  });

  test('--early-data FILE with --sess-in: sent as 0-RTT and accepted by openssl s_server -early_data', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-early_data', '-tls1_3']);
    try {
      const session = f('session-0rtt');
      const first = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--sess-out', session], 'first\n');
      assert.equal(first.status, 0, first.stderr);
      writeFileSync(f('early.txt'), 'early bytes\n');
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--sess-in', session, '--early-data', f('early.txt')], 'later\n');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /resumed +yes/);
      assert.match(r.stderr, /early data +accepted/);
      // s_server prints the early data as it reads it, then its "Early data received:" heading.
      await peer.waitFor(/early bytes\n[\s\S]*Early data received:[\s\S]*later/, 'the early data on the server');
      const missingSession = await tlskit(['client', `localhost:${port}`, '--early-data', f('early.txt')]);
      assert.equal(missingSession.status, 2);
      assert.match(missingSession.stderr, /--early-data needs --sess-in FILE/);
    } finally {
      await peer.stop();
    }
  });

  test('--status shows the OCSP response openssl s_server -status_file staples', { skip: noOpenssl }, async () => {
    const direct = createTestPki({ names: ['localhost'] });
    writeFileSync(f('o-ca.pem'), direct.caPem);
    writeFileSync(f('o-ca-key.pem'), direct.ca.key.privateKeyPem);
    writeFileSync(f('o-leaf.pem'), direct.leaf.pem);
    writeFileSync(f('o-key.pem'), direct.keyPem);
    const serial = new X509Certificate(direct.leaf.pem).serialNumber;
    writeFileSync(f('index.txt'), `V\t301231235959Z\t\t${serial}\tunknown\t/CN=localhost\n`);
    const req = await run('openssl', ['ocsp', '-issuer', f('o-ca.pem'), '-cert', f('o-leaf.pem'), '-reqout', f('req.der'), '-no_nonce']);
    assert.equal(req.status, 0, req.stderr);
    const resp = await run('openssl', [
      'ocsp',
      '-index',
      f('index.txt'),
      '-rsigner',
      f('o-ca.pem'),
      '-rkey',
      f('o-ca-key.pem'),
      '-CA',
      f('o-ca.pem'),
      '-reqin',
      f('req.der'),
      '-respout',
      f('resp.der'),
      '-ndays',
      '1',
    ]);
    assert.equal(resp.status, 0, resp.stderr);
    const { peer, port } = await opensslServer(['-www', '-status_file', f('resp.der')], ['-key', f('o-key.pem'), '-cert', f('o-leaf.pem')]);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--ca', f('o-ca.pem'), '--status']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /OCSP +stapled, \d+ bytes: successful, certificate good \(this update \d{4}-.*, next \d{4}-.*\) \(not verified by tlskit\)/);
      const none = await tlskit(['client', `localhost:${port}`, '--ca', f('o-ca.pem'), '--status', '--json']);
      assert.equal((JSON.parse(none.stdout) as any).ocsp.certificates[0].status, 'good');
    } finally {
      await peer.stop();
    }
  });

  test('address forms: HOST PORT, https://HOST:PORT/, [::1]:PORT, -connect HOST:PORT; other openssl flags get a hint', async () => {
    const { peer, port, caPath } = await tlskitServer(['--echo']);
    try {
      for (const address of [['localhost', String(port)], [`https://localhost:${port}/some/path`], [`[::1]:${port}`], ['-connect', `localhost:${port}`]]) {
        const r = await tlskit(['client', ...address, '--ca', caPath], 'x');
        assert.equal(r.status, 0, `${address.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, 'x');
      }
      const v6 = await tlskit(['client', `[::1]:${port}`, '--ca', caPath], 'x');
      assert.match(v6.stderr, new RegExp(`^Connected to \\[::1\\]:${port}, no server name sent\n[\\s\\S]*certificate +trusted`));
      const hint = await tlskit(['client', '-connect', `localhost:${port}`, '-CAfile', caPath]);
      assert.equal(hint.status, 2);
      assert.match(hint.stderr, /^tlskit client: -CAfile is openssl's flag: tlskit client takes --ca FILE\n/);
    } finally {
      await peer.stop();
    }
  });

  test('--version (tlskit and tlskit client) prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    for (const args of [['--version'], ['client', '--version']]) {
      const r = await tlskit(args);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `tlskit ${version}\n`);
    }
  });
});
