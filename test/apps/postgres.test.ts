// PostgreSQL over tlskit: a real server (initdb/pg_ctl, ssl = on, hostssl only) reached through
// SSLRequest and a tlskit upgrade by the `pg` client with tlskit's pgStream (its `stream` option),
// which authenticates (SCRAM, with channel binding too) and runs queries; libpq's sslmode
// semantics, the failures (bad CA, wrong host, a server that never answers); cross-checked with
// openssl s_client -starttls postgres and `tlskit client --starttls postgres`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestPki } from '../../src/devcert/test-pki.js';
import type { AddressInfo } from 'node:net';
import { createServer, pgStream, type PgStreamOptions, type PgTlsStream } from '../../src/index.js';
import { missing, run, tempDir, withTimeout } from './helpers/peers.js';
import { postgresMissing, startPostgres, type PostgresServer } from './helpers/postgres.js';
import { startSilentPeer } from './helpers/libraries.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('PostgreSQL through SSLRequest and a tlskit upgrade', { skip: postgresMissing }, () => {
  let server: PostgresServer;
  const files = tempDir();
  const caFile = join(files.path, 'ca.pem');

  before(async () => {
    writeFileSync(caFile, pki.caPem);
    server = await startPostgres({ certPem: pki.chainPem, keyPem: pki.keyPem });
  });
  after(() => {
    server?.stop();
    files.remove();
  });

  async function query(tls: PgStreamOptions, settings: Partial<pg.ClientConfig> = {}): Promise<{ rows: Record<string, unknown>[]; stream: PgTlsStream }> {
    let stream: PgTlsStream | undefined;
    const make = pgStream(tls);
    const client = new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user: server.user,
      password: server.password,
      database: 'postgres',
      connectionTimeoutMillis: 10_000,
      stream: (...args: unknown[]) => (stream = make(args[0] as never)),
      ...settings,
    });
    try {
      await withTimeout(client.connect(), 10_000, 'pg connect');
      const r = await withTimeout(
        client.query('SELECT s.ssl, s.version, s.cipher, $1::text AS echo, current_user AS who FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()', [
          'over tlskit',
        ]),
        10_000,
        'pg query',
      );
      return { rows: r.rows, stream: stream! };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`pg authenticates (SCRAM) and queries over ${version}; the server sees the TLS session`, async () => {
      const { rows, stream } = await query({ ca: pki.caPem, ...(version === 'TLSv1.2' ? { maxVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.3' }) });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!['ssl'], true);
      assert.equal(rows[0]!['version'], version);
      assert.equal(rows[0]!['cipher'], stream.tls!.getCipher()!.name);
      assert.equal(rows[0]!['echo'], 'over tlskit');
      assert.equal(rows[0]!['who'], server.user);
      assert.ok(stream.tls!.authorized);
    });
  }

  test('the documented one-liner: stream: pgStream({ ca }), sslmode verify-full by default', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user: server.user,
      password: server.password,
      database: 'postgres',
      stream: pgStream({ ca: pki.caPem }),
    });
    try {
      await withTimeout(client.connect(), 10_000, 'pg connect');
      const r = await withTimeout(client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'), 10_000, 'pg query');
      assert.equal(r.rows[0].ssl, true);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  test('SCRAM-SHA-256-PLUS: channel binding to the certificate tlskit received (RFC 5929 tls-server-end-point)', async () => {
    const { rows } = await query({ ca: pki.caPem }, { enableChannelBinding: true });
    assert.equal(rows[0]!['ssl'], true);
  });

  test('verify-full: a certificate that does not name the host is refused, with a clear error', async () => {
    await assert.rejects(query({ ca: pki.caPem, servername: 'db.wrong.test' }), (err: Error & { alert?: string }) => {
      assert.match(err.message, /db\.wrong\.test/);
      assert.equal(err.alert, 'bad_certificate');
      return true;
    });
  });

  test("verify-full: the wrong-host error has node's code", async () => {
    await assert.rejects(query({ ca: pki.caPem, servername: 'db.wrong.test' }), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  test('verify-full: a server certificate from another CA is refused (unknown_ca), with a clear error', async () => {
    const other = createTestPki();
    await assert.rejects(query({ ca: other.caPem }), (err: Error & { alert?: string }) => {
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer|path/i);
      return true;
    });
  });

  test("bad CA: the error has node's code", async () => {
    const other = createTestPki();
    await assert.rejects(query({ ca: other.caPem }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('verify-ca: the chain must lead to ca, the name is not checked', async () => {
    const { stream } = await query({ sslmode: 'verify-ca', ca: pki.caPem, servername: 'db.wrong.test' });
    assert.ok(stream.tls!.authorized);
    await assert.rejects(query({ sslmode: 'verify-ca', ca: createTestPki().caPem }), (err: Error & { alert?: string }) => err.alert === 'unknown_ca');
  });

  test('require: encrypts; checks the chain when ca is given (as libpq with a root certificate file), not otherwise', async () => {
    const unchecked = await query({ sslmode: 'require' });
    assert.equal(unchecked.rows[0]!['ssl'], true);
    assert.equal(unchecked.stream.tls!.authorized, false);
    const checked = await query({ sslmode: 'require', ca: pki.caPem, servername: 'db.wrong.test' });
    assert.ok(checked.stream.tls!.authorized);
    await assert.rejects(query({ sslmode: 'require', ca: createTestPki().caPem }), (err: Error & { alert?: string }) => err.alert === 'unknown_ca');
  });

  test('refused loudly: modes that may skip TLS, verify-ca without ca, an unknown mode, and pg asked for TLS as well', () => {
    for (const sslmode of ['disable', 'allow', 'prefer']) {
      assert.throws(
        () => pgStream({ sslmode: sslmode as never }),
        (err: Error) => err instanceof TypeError && err.message.includes(`'${sslmode}'`) && /without TLS/.test(err.message),
      );
    }
    assert.throws(() => pgStream({ sslmode: 'verify-ca' }), /verify-ca' needs `ca`/);
    assert.throws(() => pgStream({ sslmode: 'verify-everything' as never }), /unknown sslmode/);
    assert.throws(() => pgStream({ sslmode: 'verify-ca', ca: pki.caPem, checkServerIdentity: () => undefined }), /checkServerIdentity/);
    assert.throws(() => new pg.Client({ host: '127.0.0.1', port: server.port, ssl: true, stream: pgStream({ ca: pki.caPem }) }), /pgStream does TLS itself/);
  });

  test("a server that accepts TCP and never answers: pg's connectionTimeoutMillis fires and the socket is closed", async () => {
    const silent = await startSilentPeer();
    const client = new pg.Client({ host: '127.0.0.1', port: silent.port, user: 'x', connectionTimeoutMillis: 300, stream: pgStream({ ca: pki.caPem }) });
    try {
      const started = Date.now();
      await assert.rejects(withTimeout(client.connect(), 10_000, 'pg connect to a silent server'), /timeout/i);
      assert.ok(Date.now() - started < 5_000);
      await silent.closedByClient();
    } finally {
      await client.end().catch(() => undefined);
      await silent.close();
    }
  });

  test("a server that never answers: pgStream's own timeout fires when pg has none", async () => {
    const silent = await startSilentPeer();
    const client = new pg.Client({ host: '127.0.0.1', port: silent.port, user: 'x', stream: pgStream({ ca: pki.caPem, timeout: 300 }) });
    try {
      await assert.rejects(withTimeout(client.connect(), 10_000, 'pg connect to a silent server'), /no TLS connection to 127\.0\.0\.1:\d+ within 300 ms/);
      await silent.closedByClient();
    } finally {
      await client.end().catch(() => undefined);
      await silent.close();
    }
  });

  test('without TLS the server refuses us (hostssl only)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres', ssl: false });
    await assert.rejects(withTimeout(client.connect(), 10_000, 'plain pg connect'), /no encryption/);
    await client.end().catch(() => undefined);
  });

  test('openssl s_client -starttls postgres sees the same certificate, verified', { skip: missing('openssl', ['version']) }, async () => {
    const r = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${server.port}`,
        '-starttls',
        'postgres',
        '-servername',
        'localhost',
        '-CAfile',
        caFile,
        '-verify_return_error',
        '-brief',
      ],
      { input: '' },
    );
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    assert.match(out, /Verification: OK/);
    assert.match(out, /Peer certificate: .*CN ?= ?localhost/);
    assert.match(out, /Protocol version: TLSv1\.3/);
  });

  test('tlskit client --starttls postgres', async () => {
    const r = await run(process.execPath, [main, 'client', `127.0.0.1:${server.port}`, '--starttls', 'postgres', '--servername', 'localhost', '--ca', caFile], {
      input: '',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /SSLRequest/);
    assert.match(r.stderr, /protocol +TLSv1\.3/);
    assert.match(r.stderr, /certificate +trusted/);
  });
});

describe("pgStream sslnegotiation 'direct' (PostgreSQL 17): TLS from the first byte, ALPN 'postgresql'", () => {
  /** A tlskit server standing in for PostgreSQL 17: what arrives first, and the ALPN it agreed. */
  async function directServer(
    alpn: string[],
  ): Promise<{ port: number; seen: Promise<{ alpn: string | false | null; first: Buffer }>; close(): Promise<void> }> {
    let report!: (v: { alpn: string | false | null; first: Buffer }) => void;
    const seen = new Promise<{ alpn: string | false | null; first: Buffer }>((resolve) => (report = resolve));
    const server = createServer({ key: pki.keyPem, cert: pki.chainPem, ALPNProtocols: alpn }, (socket) => {
      socket.once('data', (first: Buffer) => {
        report({ alpn: socket.alpnProtocol, first });
        socket.destroy();
      });
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  test("the handshake starts the connection (no SSLRequest) with ALPN 'postgresql'; pg's StartupMessage follows over TLS", async () => {
    const server = await directServer(['postgresql']);
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'x', stream: pgStream({ ca: pki.caPem, sslnegotiation: 'direct' }) });
    client.on('error', () => undefined);
    try {
      const connecting = client.connect().catch(() => undefined);
      const { alpn, first } = await withTimeout(server.seen, 10_000, 'the StartupMessage');
      assert.equal(alpn, 'postgresql');
      assert.equal(first.readUInt32BE(4), 196608, 'protocol 3.0 StartupMessage, not an SSLRequest');
      await connecting;
    } finally {
      await client.end().catch(() => undefined);
      await server.close();
    }
  });

  test("a server that does not agree to ALPN 'postgresql' is refused, and says so", async () => {
    const server = await directServer([]);
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'x', stream: pgStream({ ca: pki.caPem, sslnegotiation: 'direct' }) });
    try {
      await assert.rejects(withTimeout(client.connect(), 10_000, 'pg connect'), /did not select ALPN 'postgresql'/);
    } finally {
      await client.end().catch(() => undefined);
      await server.close();
    }
  });
});
