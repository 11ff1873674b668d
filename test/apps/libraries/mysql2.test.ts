// mysql2 over tlskit against a real MariaDB (mariadbd in a temporary directory, TLS required for
// every TCP connection). mysql2 starts TLS with node:tls's connect and createSecureContext and has
// no hook for them, so tlskit stands in for node:tls's functions (useTlskitAsNodeTls, as
// docs/node-compat.md shows).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodeTls from 'node:tls';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { TLSSocket } from '../../../src/index.js';
import { loadLibrary, serverMissing, startMariaDbTls, startSilentPeer, useTlskitAsNodeTls, type RunningServer } from '../helpers/libraries.js';
import { withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const mysqlLib = await loadLibrary('mysql2/promise');
const skip = mysqlLib.missing || serverMissing('mariadbd', 'mariadb-server');

describe("mysql2 over tlskit (in node:tls's place), MariaDB requiring TLS", { skip }, () => {
  let server: RunningServer;
  let restore: () => void;
  before(async () => {
    server = await startMariaDbTls({ certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem });
    restore = useTlskitAsNodeTls();
  });
  after(async () => {
    restore?.();
    await server?.stop();
  });

  type Db = { query(sql: string): Promise<[Record<string, unknown>[], unknown]>; end(): Promise<void> };
  const open = (port: number, options: Record<string, unknown>): Promise<Db> =>
    mysqlLib.lib!.default.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 10_000, ...options });

  test('queries run over verified tlskit TLS (mysql2 passes secureContext from createSecureContext({ ca }))', async () => {
    const made: unknown[] = [];
    const swapped = nodeTls.connect;
    nodeTls.connect = ((...args: Parameters<typeof nodeTls.connect>) => {
      const socket = swapped(...args);
      made.push(socket);
      return socket;
    }) as typeof nodeTls.connect;
    let db: Db | undefined;
    try {
      db = await withTimeout(open(server.port, { ssl: { ca: pki.caPem } }), 10_000, 'mysql2 connect');
      const [rows] = await db!.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      assert.match(String(rows[0]!['Value']), /^TLSv1\.[23]$/);
      assert.equal(made.length, 1);
      assert.ok(made[0] instanceof TLSSocket);
      assert.equal(made[0].authorized, true);
    } finally {
      nodeTls.connect = swapped;
      await db?.end().catch(() => undefined);
    }
  });

  test('the TLS plumbing works today: rejectUnauthorized false, queries run over tlskit TLS (unauthenticated)', async () => {
    const db = await withTimeout(open(server.port, { ssl: { rejectUnauthorized: false } }), 10_000, 'mysql2 connect');
    try {
      const [rows] = await db.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      assert.match(String(rows[0]!['Value']), /^TLSv1\.[23]$/);
      const socket = (db as unknown as { connection: { stream: unknown } }).connection.stream;
      assert.ok(socket instanceof TLSSocket);
      assert.equal(socket.authorized, false);
    } finally {
      await db.end().catch(() => undefined);
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca)', async () => {
    await assert.rejects(
      withTimeout(open(server.port, { ssl: { ca: createTestPki().caPem } }), 10_000, 'mysql2 connect'),
      (err: Error & { alert?: string }) => {
        assert.equal(err.alert, 'unknown_ca');
        assert.match(err.message, /trusted|issuer/);
        return true;
      },
    );
  });

  test('bad CA: mysql2 replaces the code with its own HANDSHAKE_SSL_ERROR, as over node:tls; the TLS facts stay', async () => {
    // MariaDB sends its ssl-ca root after the leaf; mysql2 overwrites err.code for any TLS failure.
    await assert.rejects(withTimeout(open(server.port, { ssl: { ca: createTestPki().caPem } }), 10_000, 'mysql2 connect'), {
      code: 'HANDSHAKE_SSL_ERROR',
      alert: 'unknown_ca',
      message: /another key/,
    });
  });

  test('a server that accepts TCP and never answers: connectTimeout fires and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    try {
      await assert.rejects(withTimeout(open(silent.port, { ssl: { ca: pki.caPem }, connectTimeout: 300 }), 5_000, 'mysql2 connect'), { code: 'ETIMEDOUT' });
      await silent.closedByClient(3_000);
    } finally {
      await silent.close();
    }
  });
});
