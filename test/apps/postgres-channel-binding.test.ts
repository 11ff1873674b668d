// SCRAM-SHA-256-PLUS with channel_binding=require against a real PostgreSQL (Debian), for an RSA
// and an ECDSA server certificate: the binding is getChannelBinding('tls-server-end-point') from
// tlskit (the Node socket under pgStream, and the portable connectTls with the @noble provider),
// sent by a minimal SCRAM client (test/helpers/pg-wire.ts) so that nothing else computes it. The
// server accepting it, and refusing a changed one, is the server's view; psql with
// channel_binding=require against the same server shows libpq (OpenSSL) agrees with the server.
// pg (node-postgres) with enableChannelBinding over pgStream rides along.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { pgStream } from '../../src/index.js';
import { connectTls, type TlsSocket } from '../../src/web/socket.js';
import { PortableCryptoProvider } from '../../src/crypto/portable/provider.js';
import type { ByteStreamPair } from '../../src/web/streams.js';
import { pgWireQuery, PgServerError } from '../helpers/pg-wire.js';
import { run, tempDir, withTimeout } from './helpers/peers.js';
import { postgresMissing, startPostgres, type PostgresServer } from './helpers/postgres.js';

const SQL = 'SELECT s.ssl::text, s.version FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()';
const PSQL = ['/usr/lib/postgresql/15/bin/psql', '/usr/bin/psql'].find((p) => existsSync(p));

/** node:net as the `connect` connectTls takes (what cloudflare:sockets' connect is in a Worker). */
function nodeTcp({ hostname, port }: { hostname: string; port: number }): ByteStreamPair & { opened: Promise<unknown> } {
  const socket = net.connect(port, hostname);
  const opened = once(socket, 'connect');
  const pair = Duplex.toWeb(socket) as unknown as ByteStreamPair;
  return { readable: pair.readable, writable: pair.writable, opened };
}

for (const kind of ['rsa-2048', 'ec-p256'] as const) {
  describe(`SCRAM-SHA-256-PLUS, channel_binding=require, ${kind === 'rsa-2048' ? 'RSA' : 'ECDSA P-256'} server certificate`, { skip: postgresMissing }, () => {
    const pki = createTestPki({ names: ['localhost', '127.0.0.1'], leafKey: kind, caKey: kind });
    let server: PostgresServer;
    const files = tempDir();
    before(async () => {
      server = await startPostgres({ certPem: pki.chainPem, keyPem: pki.keyPem });
    });
    after(() => {
      server?.stop();
      files.remove();
    });

    test("tlskit on Node (pgStream's TLS socket): the server accepts our tls-server-end-point binding", async () => {
      const stream = pgStream({ ca: pki.caPem, servername: 'localhost' })();
      stream.connect(server.port, '127.0.0.1');
      await withTimeout(once(stream, 'connect'), 10_000, 'pgStream connect');
      try {
        const web = Duplex.toWeb(stream) as unknown as ByteStreamPair;
        const r = await withTimeout(
          pgWireQuery(
            web,
            {
              user: server.user,
              password: server.password,
              channelBinding: 'require',
              getChannelBinding: (t) => stream.getChannelBinding(t),
            },
            SQL,
          ),
          10_000,
          'SCRAM-SHA-256-PLUS',
        );
        assert.equal(r.mechanism, 'SCRAM-SHA-256-PLUS');
        assert.deepEqual(r.rows, [['true', 'TLSv1.3']]);
      } finally {
        stream.destroy();
      }
    });

    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      test(`portable connectTls (starttls postgres, @noble provider), ${version}: accepted; a changed binding is refused`, async () => {
        const open = (): Promise<TlsSocket> =>
          connectTls({
            host: '127.0.0.1',
            port: server.port,
            connect: nodeTcp,
            starttls: 'postgres',
            servername: 'localhost',
            ca: pki.caPem,
            provider: new PortableCryptoProvider(),
            minVersion: version,
            maxVersion: version,
          });
        const socket = await withTimeout(open(), 10_000, 'connectTls');
        try {
          assert.equal(socket.authorized, true);
          assert.equal(socket.getProtocol(), version);
          const r = await withTimeout(
            pgWireQuery(
              socket,
              {
                user: server.user,
                password: server.password,
                channelBinding: 'require',
                getChannelBinding: (t) => socket.getChannelBinding(t),
              },
              SQL,
            ),
            10_000,
            'SCRAM-SHA-256-PLUS',
          );
          assert.equal(r.mechanism, 'SCRAM-SHA-256-PLUS');
          assert.deepEqual(r.rows, [['true', version]]);
        } finally {
          await socket.close();
        }
        const tampered = await withTimeout(open(), 10_000, 'connectTls');
        try {
          await assert.rejects(
            pgWireQuery(
              tampered,
              {
                user: server.user,
                password: server.password,
                channelBinding: 'require',
                getChannelBinding: (t) => tampered.getChannelBinding(t),
                tamperBinding: (d) => d.map((b, i) => (i === 0 ? b ^ 1 : b)),
              },
              SQL,
            ),
            (err: unknown) => err instanceof PgServerError && /channel binding/i.test(err.message),
          );
        } finally {
          await tampered.close();
        }
      });
    }

    test('pg (node-postgres) with enableChannelBinding over pgStream', async () => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: server.port,
        user: server.user,
        password: server.password,
        database: 'postgres',
        enableChannelBinding: true,
        stream: pgStream({ ca: pki.caPem, servername: 'localhost' }),
      });
      try {
        await withTimeout(client.connect(), 10_000, 'pg connect');
        const r = await withTimeout(client.query(SQL), 10_000, 'pg query');
        assert.equal(r.rows[0].ssl, 'true');
      } finally {
        await client.end().catch(() => undefined);
      }
    });

    test('psql (libpq, OpenSSL) with sslmode=verify-full channel_binding=require agrees with the server', {
      skip: PSQL ? false : 'psql is not installed',
    }, async () => {
      const caFile = join(files.path, 'ca.pem');
      writeFileSync(caFile, pki.caPem);
      const r = await run(
        PSQL!,
        [
          `host=localhost hostaddr=127.0.0.1 port=${server.port} user=${server.user} dbname=postgres sslmode=verify-full sslrootcert=${caFile} channel_binding=require`,
          '-Atc',
          SQL,
        ],
        { env: { ...process.env, PGPASSWORD: server.password } },
      );
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^true\|TLSv1\.3$/m);
    });
  });
}
