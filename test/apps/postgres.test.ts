// PostgreSQL over tlskit: a real server (initdb/pg_ctl, ssl = on, hostssl only) reached through
// SSLRequest and a tlskit upgrade by the `pg` client, which authenticates (SCRAM) and runs queries;
// cross-checked with openssl s_client -starttls postgres and `tlskit client --starttls postgres`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { missing, run, tempDir, withTimeout } from './helpers/peers.js';
import { postgresMissing, startPostgres, TlskitPostgresStream, type PostgresServer } from './helpers/postgres.js';

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

  async function query(tls: ConstructorParameters<typeof TlskitPostgresStream>[0]): Promise<{ rows: Record<string, unknown>[]; stream: TlskitPostgresStream }> {
    let stream: TlskitPostgresStream | undefined;
    const client = new pg.Client({
      host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres',
      ssl: false, connectionTimeoutMillis: 10_000,
      stream: () => (stream = new TlskitPostgresStream(tls)) as never,
    });
    try {
      await withTimeout(client.connect(), 10_000, 'pg connect');
      const r = await withTimeout(client.query(
        'SELECT s.ssl, s.version, s.cipher, $1::text AS echo, current_user AS who FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()', ['over tlskit']),
      10_000, 'pg query');
      return { rows: r.rows, stream: stream! };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`pg authenticates (SCRAM) and queries over ${version}; the server sees the TLS session`, async () => {
      const { rows, stream } = await query({ servername: 'localhost', ca: pki.caPem, ...(version === 'TLSv1.2' ? { maxVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.3' }) });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!['ssl'], true);
      assert.equal(rows[0]!['version'], version);
      assert.equal(rows[0]!['cipher'], stream.tls!.getCipher()!.name);
      assert.equal(rows[0]!['echo'], 'over tlskit');
      assert.equal(rows[0]!['who'], server.user);
      assert.ok(stream.tls!.authorized);
    });
  }

  test('the certificate is checked: a client trusting another CA is refused', async () => {
    const other = createTestPki();
    await assert.rejects(query({ servername: 'localhost', ca: other.caPem }), (err: Error & { alert?: string }) => err.alert === 'unknown_ca');
  });

  test('without TLS the server refuses us (hostssl only)', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres', ssl: false });
    await assert.rejects(withTimeout(client.connect(), 10_000, 'plain pg connect'), /no encryption/);
    await client.end().catch(() => undefined);
  });

  test('openssl s_client -starttls postgres sees the same certificate, verified', { skip: missing('openssl', ['version']) }, async () => {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-starttls', 'postgres', '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error', '-brief'], { input: '' });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    assert.match(out, /Verification: OK/);
    assert.match(out, /Peer certificate: .*CN ?= ?localhost/);
    assert.match(out, /Protocol version: TLSv1\.3/);
  });

  test('tlskit client --starttls postgres', async () => {
    const r = await run(process.execPath, [main, 'client', `127.0.0.1:${server.port}`, '--starttls', 'postgres', '--servername', 'localhost', '--ca', caFile], { input: '' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /SSLRequest/);
    assert.match(r.stderr, /protocol +TLSv1\.3/);
    assert.match(r.stderr, /certificate +trusted/);
  });
});
