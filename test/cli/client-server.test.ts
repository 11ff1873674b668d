// `tlskit client` and `tlskit server` end to end, spawned as a user runs them, against openssl
// s_server/s_client, gnutls-serv, curl and each other; output checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { freePort, missing, run, startPeer, tempDir, withTimeout, type Peer } from '../apps/helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const pki = createTestPki({ names: ['localhost', '127.0.0.1'], intermediate: true });
const noOpenssl = missing('openssl', ['version']);
const noGnutls = missing('gnutls-serv', ['--version']);
const noCurl = missing('curl');

const dir = tempDir();
const files = {
  ca: join(dir.path, 'ca.pem'),
  cert: join(dir.path, 'cert.pem'),
  key: join(dir.path, 'key.pem'),
  leaf: join(dir.path, 'leaf.pem'),
  intermediate: join(dir.path, 'intermediate.pem'),
};
before(() => {
  writeFileSync(files.ca, pki.caPem);
  writeFileSync(files.cert, pki.chainPem);
  writeFileSync(files.leaf, pki.leaf.pem);
  writeFileSync(files.intermediate, pki.intermediate!.certificate.pem);
  writeFileSync(files.key, pki.keyPem);
});
after(() => dir.remove());

/** A clean environment: no SSLKEYLOGFILE or NO_COLOR from the machine running the tests. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: dir.path, ...extra });

function tlskit(args: string[], input = '', extraEnv: Record<string, string> = {}): ReturnType<typeof run> {
  return run(process.execPath, [main, ...args], { input, env: env(extraEnv) });
}

async function tlskitServer(args: string[]): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer(process.execPath, [main, 'server', '--port', '0', ...args], { ready: /Listening on 127\.0\.0\.1:\d+/, env: env() });
  return { peer, port: Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

async function opensslServer(args: string[]): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer(
    'openssl',
    ['s_server', '-accept', '127.0.0.1:0', '-key', files.key, '-cert', files.leaf, '-cert_chain', files.intermediate, ...args],
    { ready: /ACCEPT 127\.0\.0\.1:\d+/ },
  );
  return { peer, port: Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]) };
}

const versions = [
  { version: 'TLSv1.3', flag: '--tls1.3', openssl: '-tls1_3', gnutls: 'NORMAL:-VERS-ALL:+VERS-TLS1.3' },
  { version: 'TLSv1.2', flag: '--tls1.2', openssl: '-tls1_2', gnutls: 'NORMAL:-VERS-ALL:+VERS-TLS1.2' },
] as const;

describe('tlskit client against real servers', () => {
  for (const v of versions) {
    test(`openssl s_server -www, ${v.version}: report, verdict, chain, then the page on stdout`, { skip: noOpenssl }, async () => {
      const { peer, port } = await opensslServer(['-www', v.openssl]);
      try {
        const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca], 'GET / HTTP/1.0\r\n\r\n');
        assert.equal(r.status, 0, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `^Connected to localhost:${port}, server name localhost\n  protocol +${v.version}\n  cipher suite +TLS_\\w+\n  group +x25519\n  ALPN +none\n  resumed +no\n  certificate +trusted: "CN=localhost, O=tlskit test" ← "CN=tlskit test intermediate CA, O=tlskit test" ← "CN=tlskit test root CA, O=tlskit test"\n`,
          ),
        );
        assert.match(
          r.stderr,
          /Server certificate chain \(2 sent\):\n {3}0 {2}CN=localhost, O=tlskit test \[ECDSA P-256, names localhost 127\.0\.0\.1\], issued by CN=tlskit test intermediate CA.*\n {3}1 {2}CN=tlskit test intermediate CA/,
        );
        assert.match(r.stdout, /^HTTP\/1\.0 200 ok/);
        assert.match(r.stdout, new RegExp(`${v.version.replace('.', '\\.')}`), 'the status page names the version');
        assert.doesNotMatch(r.stderr, /\u001b\[/, 'no colour when stderr is not a terminal');
      } finally {
        await peer.stop();
      }
    });

    test(`gnutls-serv --echo, ${v.version}: stdin to the server, its echo to stdout`, { skip: noGnutls }, async () => {
      const port = await freePort();
      // gnutls-serv has no option to bind one address: it listens on all of them for this test.
      const peer = await startPeer(
        'gnutls-serv',
        ['--port', String(port), '--x509keyfile', files.key, '--x509certfile', files.cert, '--echo', '--priority', v.gnutls],
        { ready: /Echo Server listening on IPv4/ },
      );
      try {
        const r = await tlskit(['client', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', files.ca], 'hello through gnutls\n');
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, 'hello through gnutls\n');
        assert.match(r.stderr, new RegExp(`protocol +${v.version}`));
        assert.match(r.stderr, /certificate +trusted/);
      } finally {
        await peer.stop();
      }
    });
  }

  test('--trace: each handshake message in order, with decoded fields', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-www', '-tls1_3']);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--trace', '--alpn', 'http/1.1'], 'GET / HTTP/1.0\r\n\r\n');
      assert.equal(r.status, 0, r.stderr);
      const messages = [...r.stderr.matchAll(/^(client → server|server → client) {2}(\w+) \((\d+) bytes(, encrypted)?\)$/gm)].map(
        (m) => `${m[1]} ${m[2]}${m[4] ?? ''}`,
      );
      assert.deepEqual(messages.slice(0, 7), [
        'client → server ClientHello',
        'server → client ServerHello',
        'server → client EncryptedExtensions, encrypted',
        'server → client Certificate, encrypted',
        'server → client CertificateVerify, encrypted',
        'server → client Finished, encrypted',
        'client → server Finished, encrypted',
      ]);
      assert.match(r.stderr, /^ {6}server_name +localhost$/m);
      assert.match(r.stderr, /^ {6}supported_versions +TLSv1\.3 \(0x0304\), TLSv1\.2 \(0x0303\)$/m);
      assert.match(r.stderr, /^ {6}application_layer_protocol_negotiation +http\/1\.1$/m);
      assert.match(r.stderr, /^ {6}leaf {2}CN=localhost, O=tlskit test$/m);
      assert.match(r.stderr, /^ {4}algorithm {2}ecdsa_secp256r1_sha256$/m);
      assert.match(r.stderr, /-- handshake keys now protect what the server sends/);
      assert.match(r.stderr, /certificate chain validated/);
    } finally {
      await peer.stop();
    }
  });

  test('--starttls smtp against the smtp-server package', async () => {
    const server = new SMTPServer({ key: pki.keyPem, cert: pki.chainPem, secure: false, authOptional: true, logger: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.server.address() as net.AddressInfo).port;
      const r = await tlskit(
        ['client', `127.0.0.1:${port}`, '--starttls', 'smtp', '--servername', 'localhost', '--ca', files.ca, '--trace'],
        'EHLO after.tls\r\nQUIT\r\n',
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /C: STARTTLS\n {2}S: 220 .*\nclient → server {2}ClientHello/, 'the trace starts with the ClientHello after STARTTLS');
      assert.match(r.stderr, /C: EHLO localhost\n.*S: 250-/);
      assert.match(r.stderr, /C: STARTTLS\n {2}S: 220 /);
      assert.match(r.stderr, /protocol +TLSv1\.3/);
      assert.match(r.stdout, /250-.*Nice to meet you/, 'the EHLO after STARTTLS went over TLS');
      assert.match(r.stdout, /221 /);
    } finally {
      await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), 5_000, 'smtp-server to close');
    }
  });
});

describe('tlskit client failures, in plain words', () => {
  test('a server that only speaks TLS 1.2 and a client that wants TLS 1.3', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-www', '-tls1_2']);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--ca', files.ca, '--tls1.3']);
      assert.equal(r.status, 35, "the handshake failed (curl's 35; issue 17)");
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^the server ended the connection with the alert protocol_version\nit accepts none of the versions we offered \(TLSv1\.3\)\n$/);
    } finally {
      await peer.stop();
    }
  });

  test('an untrusted certificate names the certificate; --insecure goes on and says NOT trusted', { skip: noOpenssl }, async () => {
    const { peer, port } = await opensslServer(['-www']);
    try {
      const refused = await tlskit(['client', `localhost:${port}`]);
      assert.equal(refused.status, 60, "the certificate was rejected (curl's 60; issue 17)");
      assert.match(
        refused.stderr,
        /^TLS handshake failed: no trusted issuer found for "CN=tlskit test intermediate CA, O=tlskit test" .*\(we sent the server the alert unknown_ca\)\n.*--ca FILE/,
      );
      const insecure = await tlskit(['client', `localhost:${port}`, '--insecure'], 'GET / HTTP/1.0\r\n\r\n');
      assert.equal(insecure.status, 0, insecure.stderr);
      assert.match(insecure.stderr, /certificate +NOT trusted: no trusted issuer found/);
      assert.match(insecure.stdout, /^HTTP\/1\.0 200 ok/);
    } finally {
      await peer.stop();
    }
  });

  test('nothing listening; bad arguments', async () => {
    const port = await freePort();
    const refused = await tlskit(['client', `127.0.0.1:${port}`]);
    assert.equal(refused.status, 7, "could not connect (curl's 7; issue 17)");
    assert.equal(refused.stderr, `nothing is listening on 127.0.0.1:${port} (connection refused)\n`);
    assert.doesNotMatch(refused.stderr, /\u001b\[|Connecting/, 'no colour and no progress line when stderr is not a terminal');
    const none = await tlskit(['client']);
    assert.equal(none.status, 2);
    assert.equal(none.stderr, "tlskit client: name the server as HOST:PORT\nsee 'tlskit client --help'\n");
    const proto = await tlskit(['client', 'localhost:1', '--starttls', 'gopher']);
    assert.equal(proto.status, 2);
    assert.match(proto.stderr, /--starttls takes smtp, lmtp, imap, pop3, ftp, xmpp, ldap, mysql, postgres, nntp or sieve, not 'gopher'/);
    const help = await tlskit(['client', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--starttls PROTO/);
  });
});

test('on a terminal: a progress line and colour (NO_COLOR keeps the colour off)', { skip: missing('script', ['--version']) }, async () => {
  const port = await freePort();
  // script(1) runs the command on a pseudo-terminal.
  const command = `${process.execPath} ${main} client 127.0.0.1:${port}`;
  const tty = await run('script', ['-qc', command, '/dev/null'], { env: env() });
  assert.match(tty.stdout, /\u001b\[2mConnecting to 127\.0\.0\.1:\d+…\u001b\[22m/);
  assert.match(tty.stdout, /\u001b\[31mnothing is listening on 127\.0\.0\.1:\d+ \(connection refused\)\u001b\[39m/);
  const noColor = await run('script', ['-qc', command, '/dev/null'], { env: env({ NO_COLOR: '1' }) });
  assert.doesNotMatch(noColor.stdout, /\u001b\[/);
  assert.match(noColor.stdout, /nothing is listening/);
});

describe('tlskit server against real clients', () => {
  for (const v of versions) {
    test(`--www with a generated certificate: curl --cacert, ${v.version}, keep-alive`, { skip: noCurl }, async () => {
      const { peer, port } = await tlskitServer(['--www']);
      try {
        const caPath = /Its CA is in (\S+)/.exec(peer.output())![1]!;
        const r = await run('curl', [
          '-sS',
          v.version === 'TLSv1.3' ? '--tlsv1.3' : '--tls-max',
          ...(v.version === 'TLSv1.2' ? ['1.2'] : []),
          '--cacert',
          caPath,
          `https://localhost:${port}/a`,
          `https://localhost:${port}/b`,
        ]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`tlskit server: GET /a\n\nprotocol +${v.version}\n`));
        assert.match(r.stdout, /tlskit server: GET \/b/);
        assert.match(r.stdout, /ALPN +http\/1\.1/);
        await peer.waitFor(/#1 127\.0\.0\.1:\d+: TLSv1\.[23], TLS_\w+, x25519, server name localhost, ALPN http\/1\.1/, 'the connection log');
        assert.doesNotMatch(peer.output(), /#2 /, 'curl reused the one connection');
      } finally {
        await peer.stop();
      }
    });

    test(`--echo with --cert/--key: openssl s_client, ${v.version}`, { skip: noOpenssl }, async () => {
      const { peer, port } = await tlskitServer(['--echo', '--cert', files.cert, '--key', files.key]);
      try {
        // stdin stays open until the echo is back: s_client closes as soon as its stdin ends.
        const client = await startPeer('openssl', [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'localhost',
          '-CAfile',
          files.ca,
          '-verify_return_error',
          v.openssl,
          '-brief',
        ]);
        try {
          client.child.stdin!.write('echo me\n');
          await client.waitFor(/^echo me$/m, 'the echo');
          assert.match(client.output(), /Verification: OK/);
          client.child.stdin!.end();
          assert.equal(await client.exited(), 0);
        } finally {
          await client.stop();
        }
        await peer.waitFor(new RegExp(`#1 127\\.0\\.0\\.1:\\d+: ${v.version.replace('.', '\\.')}, `), 'the connection log');
      } finally {
        await peer.stop();
      }
    });
  }

  test('stdin/stdout mode with tlskit client on the other end; --trace on the server', async () => {
    const { peer, port } = await tlskitServer(['--trace', '--alpn', 'chat']);
    try {
      const r = await tlskit(['client', `localhost:${port}`, '--ca', /Its CA is in (\S+)/.exec(peer.output())![1]!, '--alpn', 'chat'], 'from the client\n');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /ALPN +chat/);
      await peer.waitFor(/from the client\n/, "the data on the server's stdout");
      const out = peer.output();
      assert.match(out, /\[#1\] client → server {2}ClientHello \(\d+ bytes\)/);
      assert.match(
        out,
        /\[#1\] server → client {2}EncryptedExtensions \(\d+ bytes, encrypted\)\n\[#1\] {5}extensions {2}\d+\n(\[#1\] {7}.*\n)*\[#1\] {7}application_layer_protocol_negotiation {2}chat/,
      );
      assert.match(out, /\[#1\] client → server {2}Finished/);
    } finally {
      await peer.stop();
    }
  });

  test('failed handshakes are logged with their cause', async () => {
    const { peer, port } = await tlskitServer(['--tls1.3', '--ciphers', 'TLS_AES_256_GCM_SHA384']);
    try {
      const caPath = /Its CA is in (\S+)/.exec(peer.output())![1]!;
      const suite = await tlskit(['client', `localhost:${port}`, '--ca', caPath, '--ciphers', 'TLS_CHACHA20_POLY1305_SHA256', '--tls1.3']);
      assert.equal(suite.status, 35);
      assert.match(
        suite.stderr,
        /the server ended the connection with the alert handshake_failure\nit found nothing it accepts among what we offered:\n {2}versions +TLSv1\.3\n {2}cipher suites +TLS_CHACHA20_POLY1305_SHA256\n/,
      );
      await peer.waitFor(
        /#1 127\.0\.0\.1:\d+: TLS handshake failed: no shared TLSv1\.3 cipher suite: the client offered TLS_CHACHA20_POLY1305_SHA256; we support TLS_AES_256_GCM_SHA384 \(we sent the client the alert handshake_failure\)/,
        'the server log',
      );
      const version = await tlskit(['client', `localhost:${port}`, '--ca', caPath, '--tls1.2']);
      assert.equal(version.status, 35);
      await peer.waitFor(/#2 .*: TLS handshake failed: no shared protocol version: the client offered up to TLSv1\.2; we accept TLSv1\.3/, 'the server log');
      const untrusting = await tlskit(['client', `localhost:${port}`]);
      assert.equal(untrusting.status, 60);
      await peer.waitFor(
        /#3 .*: the client ended the connection with the alert unknown_ca\n.*#3 .*: the client does not accept our certificate/,
        'the server log',
      );
    } finally {
      await peer.stop();
    }
  });

  test('bad arguments', async () => {
    const r = await tlskit(['server', '--www', '--echo']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "tlskit server: --www and --echo exclude each other\nsee 'tlskit server --help'\n");
    const key = await tlskit(['server', '--cert', files.cert]);
    assert.equal(key.status, 2);
    assert.match(key.stderr, /--cert \S+ has no --key: give one --key FILE after each --cert FILE/);
  });
});

describe('key log (SSLKEYLOGFILE)', () => {
  test('the client appends NSS key log lines for TLS 1.3 and TLS 1.2, file mode 0600', async () => {
    const { peer, port } = await tlskitServer(['--echo']);
    try {
      const caPath = /Its CA is in (\S+)/.exec(peer.output())![1]!;
      const log = join(dir.path, 'keys.log');
      const r13 = await tlskit(['client', `localhost:${port}`, '--ca', caPath], 'x', { SSLKEYLOGFILE: log });
      assert.equal(r13.status, 0, r13.stderr);
      const r12 = await tlskit(['client', `localhost:${port}`, '--ca', caPath, '--tls1.2', '--keylog', log], 'y');
      assert.equal(r12.status, 0, r12.stderr);
      const labels = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
          return l.split(' ')[0];
        });
      // TLS 1.3: one line per traffic secret and the exporter secret; TLS 1.2: the master secret.
      assert.deepEqual([...labels].sort(), [
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_RANDOM',
        'CLIENT_TRAFFIC_SECRET_0',
        'EXPORTER_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_TRAFFIC_SECRET_0',
      ]);
      assert.equal(statSync(log).mode & 0o777, 0o600);
    } finally {
      await peer.stop();
    }
  });
});
