// The cost of TLS in tlskit's portable build in each runtime, against the runtime's own TLS in the
// same run: Node (node:tls), Deno (Deno.connectTls), Bun (its node:tls), workerd (connect() with
// secureTransport 'on'). One node:tls server here (TLS 1.3, ECDSA P-256 from a private CA; it reads
// a 4-byte length, sends that many bytes, ends); each runtime's client (bench/edge-client.ts) runs
// in its own process and times sequential full handshakes (TCP connect included) and one download.
//
// Usage: npm run build && node dist/bench/edge.js [--handshakes 30] [--mib 32] [--json path]
// Needs Bun, Deno and workerd from `npm run setup:runtimes` for those rows (bun also bundles the scripts).
// A measurement to read, not a timed test.
import * as tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '../src/devcert/test-pki.js';
import type { EdgeBenchRequest, EdgeBenchRow } from './edge-client.js';
import { runtimePath, type RuntimeName } from '../test/helpers/runtimes.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const bin = (name: RuntimeName): string => runtimePath(name) ?? join(root, 'runtimes', 'missing', name);

const pki = createTestPki();
const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, (socket) => {
  socket.on('error', () => undefined);
  let head = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    head = Buffer.concat([head, d]);
    if (head.length < 4) return;
    socket.off('data', onData);
    let left = head.readUInt32BE(0);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!socket.write(chunk.subarray(0, n))) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  };
  socket.on('data', onData);
});
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const port = (server.address() as AddressInfo).port;
const request: EdgeBenchRequest = {
  port,
  ca: pki.caPem,
  handshakes: Number(option('--handshakes', '30')),
  downloadBytes: Number(option('--mib', '32')) * 1048576,
};
const dir = mkdtempSync(join(tmpdir(), 'tlskit-edge-bench-'));

/** Runs a command asynchronously (the server here must keep answering). */
function run(command: string, argv: string[], cwd?: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

function bundle(entry: string, out: string, extra: string[]): void {
  const r = spawnSync(bin('bun'), ['build', join(here, entry), '--outfile', out, '--format', 'esm', ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bun build ${entry}: ${r.stdout}${r.stderr}`);
}

const lastJson = (out: string): { runtime: string; rows: EdgeBenchRow[] } =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1)!,
  );
const results: { runtime: string; rows: EdgeBenchRow[] }[] = [];
try {
  for (const node of [process.execPath, runtimePath('node24') ?? ''].filter(existsSync)) {
    const r = await run(node, [join(here, 'edge-node.js'), JSON.stringify(request)]);
    results.push(r.status === 0 ? lastJson(r.out) : { runtime: node, rows: [{ impl: '-', error: r.out.slice(-500) }] });
  }
  if (existsSync(bin('bun'))) {
    const client = join(dir, 'client.js');
    bundle('edge-runtime.js', client, ['--target', 'browser', '--external', 'node:*']);
    for (const runtime of ['deno', 'bun'] as const) {
      if (!existsSync(bin(runtime))) continue;
      const argv =
        runtime === 'deno'
          ? ['run', '--allow-net=127.0.0.1', '--allow-read', '--no-prompt', '--quiet', client, JSON.stringify(request)]
          : [client, JSON.stringify(request)];
      const r = await run(bin(runtime), argv);
      results.push(r.status === 0 ? lastJson(r.out) : { runtime, rows: [{ impl: '-', error: r.out.slice(-500) }] });
    }
    if (existsSync(bin('workerd'))) {
      bundle('edge-worker.js', join(dir, 'worker.js'), ['--target', 'browser', '--external', 'cloudflare:sockets', '--conditions', 'workerd']);
      const wport = await new Promise<number>((resolve) => {
        const s = tls.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const capnpString = (s: string): string => JSON.stringify(s);
      writeFileSync(
        join(dir, 'config.capnp'),
        [
          'using Workerd = import "/workerd/workerd.capnp";',
          'const config :Workerd.Config = (',
          `  services = [ (name = "main", worker = .worker), (name = "net", network = (allow = ["local"], tlsOptions = (trustedCertificates = [${capnpString(pki.caPem)}]))) ],`,
          `  sockets = [ (name = "http", address = "127.0.0.1:${wport}", http = (), service = "main") ],`,
          ');',
          'const worker :Workerd.Worker = ( modules = [ (name = "worker", esModule = embed "worker.js") ], compatibilityDate = "2025-01-01", globalOutbound = "net" );',
          '',
        ].join('\n'),
      );
      const wd = spawn(bin('workerd'), ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('workerd did not start')), 20_000);
          const look = (d: Buffer): void => {
            if (/Listening on/.test(d.toString())) {
              clearTimeout(t);
              resolve();
            }
          };
          wd.stdout.on('data', look);
          wd.stderr.on('data', look);
        });
        const response = await fetch(`http://127.0.0.1:${wport}/`, { method: 'POST', body: JSON.stringify(request) });
        results.push((await response.json()) as { runtime: string; rows: EdgeBenchRow[] });
      } finally {
        wd.kill('SIGTERM');
      }
    }
  }
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`handshakes: ${request.handshakes} sequential (median / p90 ms, TCP connect included); download: ${request.downloadBytes / 1048576} MiB`);
console.log('runtime'.padEnd(22) + 'implementation'.padEnd(52) + 'hs median'.padStart(10) + 'hs p90'.padStart(9) + 'MiB/s'.padStart(9) + '  suite');
for (const { runtime, rows } of results) {
  for (const row of rows) {
    if (row.error) console.log(runtime.padEnd(22) + row.impl.padEnd(52) + `  error: ${row.error.replace(/\s+/g, ' ').slice(0, 200)}`);
    else
      console.log(
        runtime.padEnd(22) +
          row.impl.padEnd(52) +
          String(row.handshakeMedianMs).padStart(10) +
          String(row.handshakeP90Ms).padStart(9) +
          String(row.downloadMiBps).padStart(9) +
          `  ${row.suite ?? ''}`,
      );
  }
}
const jsonPath = option('--json', '');
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ request: { ...request, ca: undefined }, results }, null, 2));
