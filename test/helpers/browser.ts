// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and openssl s_server,
// for the browser tests and the browser benchmark. Everything listens on 127.0.0.1; every wait
// has a timeout; callers close what they start in `finally`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { startExampleServer as StartExampleServer } from '../../examples/browser/serve.mjs';

/** The repository root, from dist/test/helpers/ where this runs. */
export const repositoryRoot = new URL('../../../', import.meta.url);

/**
 * examples/browser/serve.mjs, loaded from the repository (plain JavaScript examples are not
 * compiled into dist/): the static server for the page and the WebSocket relay.
 */
export async function startExampleServer(...args: Parameters<typeof StartExampleServer>): ReturnType<typeof StartExampleServer> {
  const module = (await import(new URL('examples/browser/serve.mjs', repositoryRoot).href)) as { startExampleServer: typeof StartExampleServer };
  return module.startExampleServer(...args);
}

export const CHROMIUM = process.env.TLSKIT_CHROMIUM ?? '/usr/bin/chromium';

/** A skip reason for node:test when there is no Chromium, else false. */
export const chromiumMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (Debian: apt-get install chromium; .ci/run installs it): the browser tests need it`;

/**
 * Chromium as this machine runs it (see the machine notes): no sandbox (we are root), no GPU, and
 * no background networking (the machine has no network beyond loopback). Playwright gives each
 * launch a fresh, empty profile.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    timeout: 30_000,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface OpensslServer {
  readonly port: number;
  /** What s_server printed so far. */
  output(): string;
  close(): Promise<void>;
}

export interface OpensslServerOptions {
  /** Leaf certificate PEM, then any intermediates. */
  readonly chainPem: string;
  readonly keyPem: string;
  /** Files served by -WWW from the server's directory. */
  readonly files?: Record<string, string | Uint8Array>;
  /** More s_server flags, e.g. ['-tls1_2']. */
  readonly args?: readonly string[];
}

const START_TIMEOUT_MS = 10_000;

/** `openssl s_server -WWW` on 127.0.0.1 and a free port, serving `files`. */
export async function startOpensslServer(options: OpensslServerOptions): Promise<OpensslServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-s-server-'));
  const certs = options.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  writeFileSync(join(dir, 'cert.pem'), certs[0] ?? '');
  writeFileSync(join(dir, 'chain.pem'), certs.slice(1).join(''));
  writeFileSync(join(dir, 'key.pem'), options.keyPem);
  for (const [name, body] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), body);
  const args = [
    's_server',
    '-accept',
    '127.0.0.1:0',
    '-cert',
    'cert.pem',
    '-key',
    'key.pem',
    '-WWW',
    ...(certs.length > 1 ? ['-cert_chain', 'chain.pem'] : []),
    ...(options.args ?? []),
  ];
  const child = spawn('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('latin1');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const close = async () => {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`openssl s_server did not start in ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
      const look = () => {
        const m = /ACCEPT\s+\S*:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`openssl s_server exited (${code}): ${output}`));
      });
    });
    return { port, output: () => output, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** SIGTERM, then SIGKILL if it has not gone in 3 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
