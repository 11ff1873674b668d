// PostgreSQL from Chromium: a page reaches a Debian PostgreSQL (ssl = on, a private CA) through the
// WebSocket-to-TCP relay, with tlskit's connectTls (starttls 'postgres') over webSocketTransport
// and the minimal protocol client: SCRAM-SHA-256-PLUS with channel_binding=require and a client
// certificate, TLS 1.3 and 1.2; a wrong host name fails with node's code. The page script is
// bundled from dist with `bun build` and served to the page by Playwright's routing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ExampleServer } from '../../examples/browser/serve.mjs';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { chromiumMissing, launchChromium, startExampleServer } from '../helpers/browser.js';
import { tempDir } from '../apps/helpers/peers.js';
import { postgresMissing, startPostgres, type PostgresServer } from '../apps/helpers/postgres.js';
import type { EdgeOutcome, EdgeRequest } from './edge-query.js';
import { missingRuntime, runtimePath } from '../helpers/runtimes.js';

// Bun bundles the page's script; it comes from `npm run setup:runtimes`.
const bun = runtimePath('bun') ?? 'bun';
const skip = chromiumMissing || postgresMissing || (missingRuntime('bun') ?? false);
const CERT_DB = 'template1';

describe('PostgreSQL from Chromium through the WebSocket relay and tlskit', { skip, timeout: 120_000 }, () => {
  const serverPki = createTestPki({ names: ['localhost', '127.0.0.1'] });
  const clientPki = createTestPki({ names: ['tlskit'] });
  const files = tempDir('tlskit-chromium-pg-');
  let server: PostgresServer;
  let site: ExampleServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async () => {
    server = await startPostgres({
      certPem: serverPki.chainPem,
      keyPem: serverPki.keyPem,
      clientCaPem: clientPki.caPem,
      hba: [`hostssl ${CERT_DB} all 127.0.0.1/32 cert`],
    });
    const out = join(files.path, 'edge.js');
    const r = spawnSync(
      bun,
      ['build', fileURLToPath(new URL('browser-entry.js', import.meta.url)), '--outfile', out, '--target', 'browser', '--format', 'esm'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const script = readFileSync(out, 'utf8');
    site = await startExampleServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.route('**/tlskit-edge-test.js', (route) => route.fulfill({ body: script, contentType: 'text/javascript' }));
    await page.goto(`${site.url}examples/browser/`, { timeout: 20_000 });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await site?.close();
    server?.stop();
    files.remove();
  });

  function query(request: Omit<EdgeRequest, 'port'>): Promise<EdgeOutcome> {
    return page.evaluate(
      async ([req, relay]) => {
        const m = (await import('/tlskit-edge-test.js' as string)) as { run(r: unknown, relay: string): Promise<EdgeOutcome> };
        return m.run(req, relay);
      },
      [{ port: server.port, ...request }, site!.relayUrl!] as const,
    );
  }

  const base = {
    ca: serverPki.caPem,
    user: 'tlskit',
    sql: 'SELECT s.ssl::text, s.version, current_user::text FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()',
  };

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: SCRAM-SHA-256-PLUS with channel_binding=require, then a client certificate`, async () => {
      const scram = await query({ ...base, version, password: server.password, channelBinding: 'require' });
      assert.equal(scram.ok, true, JSON.stringify(scram.error));
      assert.equal(scram.runtime, 'chromium');
      assert.equal(scram.mechanism, 'SCRAM-SHA-256-PLUS');
      assert.deepEqual(scram.rows, [['true', version, 'tlskit']]);
      const cert = await query({ ...base, version, database: CERT_DB, cert: clientPki.chainPem, key: clientPki.keyPem });
      assert.equal(cert.ok, true, JSON.stringify(cert.error));
      assert.deepEqual(cert.rows, [['true', version, 'tlskit']]);
    });
  }

  test('a wrong host name fails: bad_certificate, ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const out = await query({ ...base, version: 'TLSv1.3', servername: 'db.wrong.test', password: server.password });
    assert.equal(out.ok, false);
    assert.equal(out.error!.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(out.error!.alert, 'bad_certificate');
  });
});
