// The portable provider against the native one, and (in Chromium) tlskit against subtls.
//
// Node: full TLS 1.3 handshakes per second (in memory, client and server both on the provider,
// chain validated against the CA) and bulk throughput through an established connection, for
// node:crypto and for the portable provider (noble + WebCrypto).
// Chromium (with --browser, needs /usr/bin/chromium and openssl): tlskit and subtls each connect
// through the WebSocket relay to the same openssl s_server (TLS 1.3, P-256 certificate); median
// connect time (WebSocket open + handshake) and the median rate of an 8 MiB download.
//
// Usage: npm run build && node dist/bench/portable.js [--browser] [--seconds 2]
// A measurement to read, not a timed test. Standalone: it shares nothing with bench/'s harness.
import { nodeCryptoProvider } from '../src/crypto/node/provider.js';
import { PortableCryptoProvider } from '../src/crypto/portable/provider.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { createTestPki, type TestPki } from '../src/devcert/test-pki.js';
import type { Connection } from '../src/engine/connection.js';
import { createClientConnection, createServerConnection } from '../src/engine/endpoints.js';
import { resolveClientOptions, resolveServerOptions } from '../src/engine/options.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 2) || 2;

/** Moves bytes until both sides are idle; runs asynchronous steps (WebCrypto RSA) when asked to. */
async function pump(client: Connection, server: Connection): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    let moved = false;
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      for (const chunk of from.takeOutput()) {
        to.receive(chunk);
        moved = true;
      }
    }
    for (const c of [client, server]) {
      const task = c.pendingTask;
      if (!task) continue;
      moved = true;
      try {
        c.completeTask(await task.start());
      } catch (err) {
        c.failTask(err);
      }
    }
    if (!moved) return;
  }
  throw new Error('pump did not settle');
}

/** Options are resolved (keys imported, trust store built) once per provider and setting, as a server or an agent does. */
const resolved = new Map<string, { server: ReturnType<typeof resolveServerOptions>; client: ReturnType<typeof resolveClientOptions> }>();

function pair(provider: CryptoProvider, pki: TestPki, ciphers?: string) {
  const id = `${provider.name}|${pki.caPem}|${ciphers ?? ''}`;
  let options = resolved.get(id);
  if (!options) {
    options = {
      server: resolveServerOptions({ key: pki.keyPem, cert: pki.chainPem, ecdhCurve: 'X25519' }, provider),
      client: resolveClientOptions({ servername: 'localhost', ca: pki.caPem, ecdhCurve: 'X25519', ...(ciphers ? { ciphers } : {}) }, provider),
    };
    resolved.set(id, options);
  }
  const server = createServerConnection(options.server, {
    error: (err) => {
      throw err;
    },
  });
  let received = 0;
  const client = createClientConnection(options.client, {
    error: (err) => {
      throw err;
    },
    data: (chunk) => {
      received += chunk.length;
    },
  });
  return { client, server, received: () => received };
}

async function handshakesPerSecond(provider: CryptoProvider, pki: TestPki): Promise<number> {
  const run = async () => {
    const p = pair(provider, pki);
    await pump(p.client, p.server);
    if (!p.client.isConnected) throw new Error('handshake failed');
  };
  for (let i = 0; i < 5; i++) await run(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await run();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

async function throughput(provider: CryptoProvider, pki: TestPki, cipher: string): Promise<number> {
  const p = pair(provider, pki, cipher);
  await pump(p.client, p.server);
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  let sent = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 64; i++) p.server.write(chunk);
    sent += 64 * chunk.length;
    await pump(p.client, p.server);
  }
  const elapsed = (performance.now() - start) / 1000;
  if (p.received() !== sent) throw new Error('bytes went missing');
  return sent / 1e6 / elapsed;
}

async function nodeRows(): Promise<void> {
  const providers: [string, CryptoProvider][] = [
    ['node', nodeCryptoProvider],
    ['portable', new PortableCryptoProvider()],
  ];
  const ec = createTestPki({ intermediate: true });
  const rsa = createTestPki({ leafKey: 'rsa-2048', caKey: 'rsa-2048', intermediate: true });
  console.log(`Node ${process.version}: in-memory client and server on one provider, TLS 1.3 with X25519, ${seconds} s per cell`);
  console.log('(RSA: the portable provider signs and verifies through WebCrypto, and remembers chain signatures it checked)');
  console.log(
    `${'provider'.padEnd(10)} ${'hs/s ECDSA P-256'.padStart(17)} ${'hs/s RSA-2048'.padStart(14)} ${'MB/s AES-128-GCM'.padStart(17)} ${'MB/s AES-256-GCM'.padStart(17)} ${'MB/s ChaCha20'.padStart(14)}`,
  );
  for (const [name, provider] of providers) {
    const cells = [
      await handshakesPerSecond(provider, ec),
      await handshakesPerSecond(provider, rsa),
      await throughput(provider, ec, 'TLS_AES_128_GCM_SHA256'),
      await throughput(provider, ec, 'TLS_AES_256_GCM_SHA384'),
      await throughput(provider, ec, 'TLS_CHACHA20_POLY1305_SHA256'),
    ];
    console.log(
      `${name.padEnd(10)} ${cells[0]!.toFixed(0).padStart(17)} ${cells[1]!.toFixed(0).padStart(14)} ${cells[2]!.toFixed(1).padStart(17)} ${cells[3]!.toFixed(1).padStart(17)} ${cells[4]!.toFixed(1).padStart(14)}`,
    );
  }
}

interface BrowserRow {
  library: string;
  connectMedianMs: number;
  mbPerSecondMedian: number;
  bytes: number;
  suite?: string;
  group?: string;
}

async function browserRows(): Promise<void> {
  const { chromiumMissing, launchChromium, startExampleServer, startOpensslServer } = await import('../test/helpers/browser.js');
  if (chromiumMissing) {
    console.log(`Chromium: skipped (${chromiumMissing})`);
    return;
  }
  const pki = createTestPki(); // P-256 leaf signed by a P-256 root: within what subtls supports
  const big = new Uint8Array(8 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const server = await startOpensslServer({ chainPem: pki.chainPem, keyPem: pki.keyPem, files: { 'small.txt': 'ok\n', 'big.bin': big }, args: ['-tls1_3'] });
  const site = await startExampleServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}bench/portable-page.html`, { timeout: 20_000 });
    await page.waitForFunction(
      () => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.ready === 'true',
      undefined,
      { timeout: 20_000 },
    );
    const version = browser.version();
    console.log(`\nChromium ${version}: through the WebSocket relay to openssl s_server (TLS 1.3, P-256 certificate), medians`);
    console.log(`${'library'.padEnd(36)} ${'connect ms'.padStart(11)} ${'MB/s (8 MiB)'.padStart(13)}  negotiated`);
    const configurations: [string, string, Record<string, unknown>][] = [
      ['tlskit (defaults)', 'tlskit', {}],
      ['tlskit (as subtls: P-256, AES-128)', 'tlskit', { ciphers: 'TLS_AES_128_GCM_SHA256', ecdhCurve: 'P-256' }],
      // Pure-JavaScript AES is the portable provider's slowest part; ChaCha20 runs about 3x faster.
      ['tlskit (ChaCha20-Poly1305)', 'tlskit', { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }],
      ['subtls 0.5', 'subtls', {}],
    ];
    // Two passes, the first to warm up (JIT, module compilation): only the second is printed.
    for (const pass of [1, 2])
      for (const [label, library, tlskitOptions] of configurations) {
        const row = await page.evaluate(
          ([name, options]) =>
            (globalThis as unknown as { portableBench: { bench(n: string, o: unknown): Promise<BrowserRow> } }).portableBench.bench(name, options),
          [library, { relay: site.relayUrl, port: server.port, ca: pki.caPem, handshakes: 20, transfers: 5, tlskitOptions }] as const,
        );
        if (row.bytes < big.length) throw new Error(`${label}: read ${row.bytes} bytes of ${big.length}+`);
        if (pass === 2)
          console.log(
            `${label.padEnd(36)} ${row.connectMedianMs.toFixed(1).padStart(11)} ${row.mbPerSecondMedian.toFixed(1).padStart(13)}  ${row.suite} ${row.group}`,
          );
      }
  } finally {
    await browser.close().catch(() => {});
    await site.close();
    await server.close();
  }
}

await nodeRows();
if (args.includes('--browser')) await browserRows();
