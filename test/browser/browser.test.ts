// tlskit in a real browser (issue 9): headless Chromium loads examples/browser/ (the compiled ESM
// modules, resolved by an import map: no bundler), which connects through the WebSocket-to-TCP
// relay (examples/websocket-relay/) to openssl s_server on 127.0.0.1, validates the chain against
// a test CA, sends an HTTP/1.0 GET and reads the answer. The result comes back to the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { createTestPki, type TestPki } from '../../src/devcert/test-pki.js';
import { createCertificate, generateKeyPair } from '../../src/devcert/certificate-builder.js';
import type { ExampleServer } from '../../examples/browser/serve.mjs';
import { chromiumMissing, launchChromium, startExampleServer, startOpensslServer, type OpensslServer } from '../helpers/browser.js';
import { opensslMissing } from '../helpers/openssl.js';

const skip = chromiumMissing || opensslMissing;
if (skip) console.log(`# browser tests skipped: ${skip}`);

interface FetchResult {
  ok: boolean;
  version?: string;
  cipherSuite?: string;
  group?: string;
  peerSignatureScheme?: string;
  authorized?: boolean;
  status?: string;
  head?: string;
  bytes?: number;
  stage?: string;
  alert?: string;
  origin?: string;
  message?: string;
}

const BODY = 'hello from openssl s_server, read by tlskit in Chromium\n';

describe('Chromium: tlskit through a WebSocket relay to openssl s_server', { skip, timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let site: ExampleServer | undefined;
  const servers: OpensslServer[] = [];
  let ec13: OpensslServer;
  let rsa13: OpensslServer;
  let rsa12: OpensslServer;
  let ecPki: TestPki;
  let rsaPki: TestPki;

  before(async () => {
    ecPki = createTestPki({ intermediate: true });
    rsaPki = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
    const files = { 'hello.txt': BODY };
    servers.push((ec13 = await startOpensslServer({ chainPem: ecPki.chainPem, keyPem: ecPki.keyPem, files, args: ['-tls1_3'] })));
    servers.push((rsa13 = await startOpensslServer({ chainPem: rsaPki.chainPem, keyPem: rsaPki.keyPem, files, args: ['-tls1_3'] })));
    servers.push((rsa12 = await startOpensslServer({ chainPem: rsaPki.chainPem, keyPem: rsaPki.keyPem, files, args: ['-tls1_2'] })));
    site = await startExampleServer();
    browser = await launchChromium();
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${site.url}examples/browser/?relay=${encodeURIComponent(site.relayUrl!)}`, { timeout: 20_000 });
    await page
      .waitForFunction(
        () =>
          (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.ready === 'true',
        undefined,
        { timeout: 20_000 },
      )
      .catch((err: unknown) => {
        throw new Error(`the example page did not load: ${errors.join('; ') || String(err)}`);
      });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await site?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  function run(options: Record<string, unknown>, worker = false): Promise<FetchResult> {
    return page!.evaluate(
      ([o, w]) =>
        (globalThis as unknown as { tlskitExample: { run(o: unknown, x: { worker: boolean }): Promise<FetchResult> } }).tlskitExample.run(o, { worker: w }),
      [{ relay: site!.relayUrl, path: '/hello.txt', timeoutMs: 20_000, ...options }, worker] as const,
    );
  }

  function assertFetched(result: FetchResult, version: string): void {
    assert.equal(result.ok, true, `failed: ${result.stage} ${result.alert} ${result.message}`);
    assert.equal(result.version, version);
    assert.equal(result.authorized, true);
    assert.equal(result.status, 'HTTP/1.0 200 ok');
    assert.ok(result.head!.endsWith(BODY), 'the body came through');
  }

  test('TLS 1.3, ECDSA P-256 chain with an intermediate: validated against the test CA, data both ways', async () => {
    const result = await run({ port: ec13.port, ca: ecPki.caPem });
    assertFetched(result, 'TLSv1.3');
    assert.equal(result.peerSignatureScheme, 'ecdsa_secp256r1_sha256');
    console.log(`# chromium tls1.3 ecdsa: ${result.cipherSuite} ${result.group}`);
  });

  test("TLS 1.3 with an RSA chain: signatures checked by Chromium's WebCrypto", async () => {
    const result = await run({ port: rsa13.port, ca: rsaPki.caPem });
    assertFetched(result, 'TLSv1.3');
    assert.match(result.peerSignatureScheme!, /^rsa_pss_rsae_/);
  });

  test('TLS 1.2 server (ECDHE-RSA), AES-256-GCM and ChaCha20-Poly1305 chosen by the client', async () => {
    for (const cipher of ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
      const result = await run({ port: rsa12.port, ca: rsaPki.caPem, ciphers: cipher });
      assertFetched(result, 'TLSv1.2');
      assert.equal(result.cipherSuite!.includes('CHACHA20') ? 'ECDHE-RSA-CHACHA20-POLY1305' : 'ECDHE-RSA-AES256-GCM-SHA384', cipher);
    }
  });

  test('in a module worker: the same handshake and request', async () => {
    assertFetched(await run({ port: ec13.port, ca: ecPki.caPem }, true), 'TLSv1.3');
  });

  test('a chain from a CA the page does not trust fails the handshake with unknown_ca', async () => {
    const otherCa = createCertificate({ subject: 'CN=some other CA, O=elsewhere', subjectKey: generateKeyPair('ec-p256'), isCA: true }).pem;
    const result = await run({ port: ec13.port, ca: otherCa });
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'handshake');
    assert.equal(result.alert, 'unknown_ca');
    assert.equal(result.origin, 'local');
    assert.match(result.message!, /no trusted issuer found/);
  });

  test('a certificate for another name fails with bad_certificate', async () => {
    const result = await run({ port: rsa12.port, ca: rsaPki.caPem, servername: 'example.com' });
    assert.equal(result.ok, false);
    assert.equal(result.alert, 'bad_certificate');
    assert.match(result.message!, /not valid for host "example.com"/);
  });
});
