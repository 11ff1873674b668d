// PostgreSQL from the edge: a Worker run by workerd (cloudflare:sockets connect()), a Deno script
// (Deno.connect) and a Bun script (Bun.connect) reach a Debian PostgreSQL started here (ssl = on,
// a private CA) through tlskit's portable build: connectTls with starttls 'postgres', then a
// minimal protocol client (test/helpers/pg-wire.ts, with no Node compatibility at all), and again
// through porsager's `postgres` with tlskit's postgresSocket as its `socket` option and through
// `pg` with pgWebStream as its `stream` option (in workerd with Node compatibility, which the
// drivers need). verify-full succeeds; a wrong host name
// and an untrusted CA fail with node's codes; `hostssl ... cert` (a client certificate) and
// scram-sha-256 with channel_binding=require succeed; TLS 1.3 and 1.2. The scripts are bundled from
// dist with `bun build` (offline), conditions 'workerd' for the Worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { freePort, run, startPeer, tempDir, type Peer } from '../apps/helpers/peers.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../apps/helpers/postgres.js';
import type { EdgeOutcome, EdgeRequest } from './edge-query.js';
import { missingRuntime, runtimePath, type RuntimeName } from '../helpers/runtimes.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Bun (also the bundler here), Deno and workerd come from `npm run setup:runtimes`.
const bin = (name: RuntimeName): string => runtimePath(name) ?? name;
const distEdge = fileURLToPath(new URL('.', import.meta.url));
const have = (name: RuntimeName): boolean => runtimePath(name) !== undefined;

const skip = postgresMissing || (missingRuntime('bun') ?? false);
const CERT_DB = 'template1';

const serverPki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const clientPki = createTestPki({ names: ['tlskit'] });
const strangerPki = createTestPki();

type Runtime = 'workerd' | 'deno' | 'bun';

describe('PostgreSQL from workerd, Deno and Bun through tlskit', { skip }, () => {
  let server: PostgresServer;
  let workerd: Peer | undefined;
  let workerdPort = 0;
  const files = tempDir('tlskit-edge-');
  const bundles = { worker: join(files.path, 'worker.js'), driver: join(files.path, 'driver.js'), client: join(files.path, 'client.js') };
  let driverPort = 0;

  before(async () => {
    server = await startPostgres({
      certPem: serverPki.chainPem,
      keyPem: serverPki.keyPem,
      clientCaPem: clientPki.caPem,
      hba: [`hostssl ${CERT_DB} all 127.0.0.1/32 cert`],
    });
    for (const [entry, out, extra] of [
      ['worker.js', bundles.worker, ['--external', 'cloudflare:sockets', '--conditions', 'workerd']],
      ['runtime-client.js', bundles.client, []],
      // The driver imports Node built-ins, which workerd's Node compatibility provides: target node keeps them imports.
      ['driver-worker.js', bundles.driver, ['--target', 'node', '--external', 'cloudflare:sockets', '--external', 'pg-native', '--conditions', 'workerd']],
    ] as const) {
      const target = (extra as readonly string[]).includes('node') ? [] : ['--target', 'browser'];
      const r = spawnSync(bin('bun'), ['build', join(distEdge, entry), '--outfile', out, ...target, '--format', 'esm', ...extra], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `bun build ${entry}: ${r.stdout}${r.stderr}`);
    }
    // pg is CommonJS: bun's node-target bundle requires Node built-ins through
    // createRequire(import.meta.url), and workerd gives a module no import.meta.url. Any absolute
    // file URL does: nothing but built-ins is required through it.
    const driver = readFileSync(bundles.driver, 'utf8');
    writeFileSync(bundles.driver, driver.replace('createRequire(import.meta.url)', 'createRequire("file:///bundle/driver.js")'));
    if (have('workerd')) {
      workerdPort = await freePort();
      driverPort = await freePort();
      // Two Workers: tlskit with the minimal client and no Node compatibility (compatibility date
      // before it became the default), and porsager's driver with it.
      writeFileSync(
        join(files.path, 'config.capnp'),
        [
          'using Workerd = import "/workerd/workerd.capnp";',
          'const config :Workerd.Config = (',
          '  services = [ (name = "main", worker = .worker), (name = "driver", worker = .driver), (name = "net", network = (allow = ["local"])) ],',
          `  sockets = [ (name = "http", address = "127.0.0.1:${workerdPort}", http = (), service = "main"),`,
          `              (name = "driver", address = "127.0.0.1:${driverPort}", http = (), service = "driver") ],`,
          ');',
          'const worker :Workerd.Worker = (',
          '  modules = [ (name = "worker", esModule = embed "worker.js") ],',
          '  compatibilityDate = "2025-01-01",',
          '  globalOutbound = "net",',
          ');',
          'const driver :Workerd.Worker = (',
          '  modules = [ (name = "driver", esModule = embed "driver.js") ],',
          '  compatibilityDate = "2026-11-01",',
          '  globalOutbound = "net",',
          ');',
          '',
        ].join('\n'),
      );
      workerd = await startPeer(bin('workerd'), ['serve', join(files.path, 'config.capnp')], { ready: /Listening on/, ms: 20_000, cwd: files.path });
    }
  });
  after(async () => {
    await workerd?.stop();
    server?.stop();
    files.remove();
  });

  async function query(runtime: Runtime, request: Omit<EdgeRequest, 'port'>): Promise<EdgeOutcome> {
    const full: EdgeRequest = { port: server.port, ...request };
    if (runtime === 'workerd') {
      const response = await fetch(`http://127.0.0.1:${workerdPort}/`, { method: 'POST', body: JSON.stringify(full), signal: AbortSignal.timeout(20_000) });
      return (await response.json()) as EdgeOutcome;
    }
    const args =
      runtime === 'deno'
        ? ['run', '--allow-net=127.0.0.1', '--no-prompt', '--quiet', bundles.client, JSON.stringify(full)]
        : [bundles.client, JSON.stringify(full)];
    const r = await run(bin(runtime), args, { ms: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, `${runtime}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as EdgeOutcome;
  }

  /** porsager's postgres, run from dist (node_modules resolution) in Deno or Bun. */
  async function driverQuery(runtime: Runtime, request: Omit<EdgeRequest, 'port'> & { driver?: 'pg' | 'postgres' }): Promise<EdgeOutcome> {
    if (runtime === 'workerd') {
      const response = await fetch(`http://127.0.0.1:${driverPort}/`, {
        method: 'POST',
        body: JSON.stringify({ port: server.port, ...request }),
        signal: AbortSignal.timeout(20_000),
      });
      return (await response.json()) as EdgeOutcome;
    }
    const script = join(distEdge, 'postgres-driver-client.js');
    const full = JSON.stringify({ port: server.port, ...request });
    const args =
      runtime === 'deno'
        ? ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--allow-sys', '--no-prompt', '--quiet', script, full]
        : [script, full];
    const r = await run(bin(runtime), args, { ms: 30_000, cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, `${runtime}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as EdgeOutcome;
  }

  const leafHash = nodeCrypto.createHash('sha256').update(serverPki.leaf.der).digest('hex');
  const base = {
    ca: serverPki.caPem,
    user: 'tlskit',
    sql: 'SELECT s.ssl::text, s.version, current_user::text FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()',
  };

  for (const runtime of ['workerd', 'deno', 'bun'] as const) {
    const runtimeSkip = missingRuntime(runtime) ?? false;
    describe(runtime, { skip: runtimeSkip }, () => {
      for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
        test(`${version}: verify-full, scram-sha-256 with channel_binding=require (SCRAM-SHA-256-PLUS)`, async () => {
          const out = await query(runtime, { ...base, version, password: server.password, channelBinding: 'require' });
          assert.equal(out.ok, true, JSON.stringify(out.error));
          assert.equal(out.runtime, runtime);
          assert.equal(out.mechanism, 'SCRAM-SHA-256-PLUS');
          assert.deepEqual(out.rows, [['true', version, 'tlskit']]);
          assert.equal(out.authorized, true);
          assert.equal(out.protocol, version);
          assert.equal(out.bindingHex, leafHash, 'tls-server-end-point: SHA-256 of the server certificate (ecdsa-with-SHA256)');
        });

        test(`${version}: hostssl ... cert: the client certificate authenticates the user`, async () => {
          const out = await query(runtime, { ...base, version, database: CERT_DB, cert: clientPki.chainPem, key: clientPki.keyPem });
          assert.equal(out.ok, true, JSON.stringify(out.error));
          assert.equal(out.mechanism, 'trust/cert');
          assert.deepEqual(out.rows, [['true', version, 'tlskit']]);
        });
      }

      test('hostssl ... cert without a client certificate: the server refuses (its error comes through)', async () => {
        const out = await query(runtime, { ...base, version: 'TLSv1.3', database: CERT_DB });
        assert.equal(out.ok, false);
        assert.match(out.error!.message, /certificate/i);
      });

      test('a wrong host name fails the handshake: bad_certificate, ERR_TLS_CERT_ALTNAME_INVALID, the name in the message', async () => {
        const out = await query(runtime, { ...base, version: 'TLSv1.3', servername: 'db.wrong.test', password: server.password });
        assert.equal(out.ok, false);
        assert.equal(out.error!.alert, 'bad_certificate');
        assert.equal(out.error!.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
        assert.match(out.error!.message, /db\.wrong\.test/);
      });

      {
        for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
          test(`${version}: postgres (porsager) with socket: postgresSocket({ ca }): channel_binding require, then a client certificate`, async () => {
            const scram = await driverQuery(runtime, { ...base, version, password: server.password, channelBinding: 'require' });
            assert.equal(scram.ok, true, JSON.stringify(scram.error));
            assert.deepEqual(scram.rows, [['true', version, 'tlskit']]);
            const cert = await driverQuery(runtime, { ...base, version, database: CERT_DB, cert: clientPki.chainPem, key: clientPki.keyPem });
            assert.equal(cert.ok, true, JSON.stringify(cert.error));
            assert.deepEqual(cert.rows, [['true', version, 'tlskit']]);
          });
        }

        for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
          test(`${version}: pg with stream: pgWebStream({ ca }): enableChannelBinding (SCRAM-SHA-256-PLUS), then a client certificate`, async () => {
            const scram = await driverQuery(runtime, { ...base, driver: 'pg', version, password: server.password, channelBinding: 'require' });
            assert.equal(scram.ok, true, JSON.stringify(scram.error));
            assert.deepEqual(scram.rows, [['true', version, 'tlskit']]);
            const cert = await driverQuery(runtime, { ...base, driver: 'pg', version, database: CERT_DB, cert: clientPki.chainPem, key: clientPki.keyPem });
            assert.equal(cert.ok, true, JSON.stringify(cert.error));
            assert.deepEqual(cert.rows, [['true', version, 'tlskit']]);
          });
        }

        test("pg over pgWebStream: an untrusted CA fails with node's code", async () => {
          const out = await driverQuery(runtime, { ...base, driver: 'pg', version: 'TLSv1.3', ca: strangerPki.caPem, password: server.password });
          assert.equal(out.ok, false);
          assert.equal(out.error!.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        });

        test("postgres (porsager) over postgresSocket: a wrong host name fails with node's code", async () => {
          const out = await driverQuery(runtime, { ...base, version: 'TLSv1.3', servername: 'db.wrong.test', password: server.password });
          assert.equal(out.ok, false);
          assert.equal(out.error!.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
        });
      }

      test('an untrusted CA fails the handshake: unknown_ca, UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
        const out = await query(runtime, { ...base, version: 'TLSv1.2', ca: strangerPki.caPem, password: server.password });
        assert.equal(out.ok, false);
        assert.equal(out.error!.alert, 'unknown_ca');
        assert.equal(out.error!.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      });
    });
  }
});
