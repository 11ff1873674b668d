// Default trust as node's (issue 14): without `ca`, a client trusts node's bundled roots plus the
// certificates in NODE_EXTRA_CA_CERTS, read once at first use; a file that cannot be loaded is
// skipped with node's warning, not a crash. Extra anchors are private ones: they do not inherit the
// leniencies tlskit grants the curated Mozilla program's roots. Each case runs in a child process
// with its own environment; a node:tls server in this process is the peer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TestPki, CA_EXTENSIONS, leafExtensions, type Issued } from '../x509/fixtures.js';
import { nodeBinary } from '../helpers/peers.js';
import { missingRuntime } from '../helpers/runtimes.js';

const pki = new TestPki();
after(() => pki.cleanup());
const root = pki.cert({ subject: '/CN=Extra Root/O=tlskit', extensions: CA_EXTENSIONS, days: 3650 });
const leaf = pki.cert({ subject: '/CN=localhost', issuer: root, extensions: leafExtensions('DNS:localhost', 'IP:127.0.0.1') });
// A root curated programs may carry (tlskit tolerates it among node's bundled roots), but not a private anchor.
const laxRoot = pki.cert({
  subject: '/CN=Lax Root/O=tlskit',
  extensions: ['basicConstraints=CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'],
  days: 3650,
});
const laxLeaf = pki.cert({ subject: '/CN=localhost', issuer: laxRoot, extensions: leafExtensions('DNS:localhost', 'IP:127.0.0.1') });

const index = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/index.js');
// Node 24 (the running Node, one on PATH, or the one npm run setup:runtimes installs), for the flags Node 20 lacks.
const node24 = nodeBinary(24);

async function withServer(certificate: Issued, body: (port: number) => Promise<void>): Promise<void> {
  const server = tls.createServer({ key: fs.readFileSync(certificate.keyFile), cert: certificate.pem }, (s) => {
    s.on('error', () => {});
    s.end('hello');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** Runs a tlskit client (no `ca`) in a child with this environment; its report and stderr. */
function child(
  port: number,
  env: Record<string, string | undefined>,
): Promise<{ report: { authorized?: boolean; error?: string; extra?: number }; stderr: string }> {
  const script = `
    import { connect, getCACertificates } from ${JSON.stringify(index)};
    const s = connect({ host: '127.0.0.1', port: ${port} });
    const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
    s.on('secureConnect', () => done({ authorized: s.authorized, extra: getCACertificates('extra').length }));
    s.on('error', (e) => done({ error: e.message }));
  `;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined, ...env } as NodeJS.ProcessEnv,
    });
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill(), 15_000);
    p.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ report: JSON.parse(out.trim().split('\n').pop()!), stderr });
      } catch {
        reject(new Error(`child said: ${out} ${stderr}`));
      }
    });
  });
}

test('NODE_EXTRA_CA_CERTS: its CA is trusted by default, as node; without it the same server is unknown', { timeout: 40_000 }, async () => {
  await withServer(leaf, async (port) => {
    const trusted = await child(port, { NODE_EXTRA_CA_CERTS: root.certFile });
    assert.deepEqual(trusted.report, { authorized: true, extra: 1 });
    const unknown = await child(port, {});
    assert.match(String(unknown.report.error), /unknown|issuer|trusted/i);
  });
});

test("NODE_EXTRA_CA_CERTS naming a missing file: node's warning, the bundled roots still apply, no crash", { timeout: 40_000 }, async () => {
  await withServer(leaf, async (port) => {
    const missing = path.join(pki.dir, 'no-such-file.pem');
    const { report, stderr } = await child(port, { NODE_EXTRA_CA_CERTS: missing });
    assert.match(stderr, /Ignoring extra certs from `.*no-such-file\.pem`, load failed/);
    assert.ok(report.error, 'the server stays untrusted');
  });
});

test('an extra CA is a private anchor: the rules tlskit waives for curated roots apply to it', { timeout: 40_000 }, async () => {
  await withServer(laxLeaf, async (port) => {
    const { report } = await child(port, { NODE_EXTRA_CA_CERTS: laxRoot.certFile });
    assert.match(String(report.error), /basicConstraints/);
  });
});

test('--use-system-ca (Node 22.15+): the system store joins the default trust, as in node; without the flag it does not', { timeout: 40_000 }, async (t) => {
  if (!node24) return t.skip(missingRuntime('node24'));
  const count = (flags: string[]) =>
    new Promise<{ ours: number; bundled: number; system: number }>((resolve, reject) => {
      const script = `
      import * as nodeTls from 'node:tls';
      import { getCACertificates } from ${JSON.stringify(index)};
      const system = typeof nodeTls.getCACertificates === 'function' ? nodeTls.getCACertificates('system').length : -1;
      console.log(JSON.stringify({ ours: getCACertificates('default').length, bundled: nodeTls.rootCertificates.length, system }));
    `;
      const p = spawn(node24, [...flags, '--input-type=module', '-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined, NODE_OPTIONS: undefined } as NodeJS.ProcessEnv,
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('close', () => {
        try {
          resolve(JSON.parse(out));
        } catch {
          reject(new Error(out));
        }
      });
    });
  const plain = await count([]);
  if (plain.system <= 0) return t.skip('this Node has no system store, or it is empty');
  assert.equal(plain.ours, plain.bundled);
  const withSystem = await count(['--use-system-ca']);
  assert.ok(withSystem.ours > withSystem.bundled, JSON.stringify(withSystem));
});

/** Runs `script` (an ES module; its last stdout line is JSON) under `nodeBinary` with `flags`. */
function runChild(nodeBinary: string, flags: string[], script: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(nodeBinary, [...flags, '--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined, NODE_OPTIONS: undefined } as NodeJS.ProcessEnv,
    });
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill(), 15_000);
    p.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`child said: ${out} ${stderr}`));
      }
    });
  });
}

const connectScript = (port: number, before: string) => `
  import * as nodeTls from 'node:tls';
  import { connect, getCACertificates } from ${JSON.stringify(index)};
  ${before}
  const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
  try {
    const s = connect({ host: '127.0.0.1', port: ${port} });
    s.on('secureConnect', () => done({ authorized: s.authorized, ours: getCACertificates('default').length }));
    s.on('error', (e) => done({ error: e.message, ours: getCACertificates('default').length }));
  } catch (e) {
    done({ thrown: e.constructor.name, error: e.message });
  }
`;

test('tls.setDefaultCACertificates() (Node 24): tlskit trusts what node trusts by default, no more and no less', { timeout: 40_000 }, async (t) => {
  if (!node24) return t.skip(missingRuntime('node24'));
  await withServer(leaf, async (port) => {
    const report = await runChild(
      node24,
      [],
      connectScript(
        port,
        `
      if (typeof nodeTls.setDefaultCACertificates !== 'function') { console.log(JSON.stringify({ skip: true })); process.exit(0); }
      nodeTls.setDefaultCACertificates([${JSON.stringify(root.pem)}]);`,
      ),
    );
    if (report.skip) return t.skip('this Node has no setDefaultCACertificates');
    // Only the root set: the bundled roots node no longer trusts are not tlskit's either.
    assert.deepEqual(report, { authorized: true, ours: 1 });
  });
});

test("--use-openssl-ca: on Node 24 tlskit takes node's default list (OpenSSL's store), not the bundled roots", { timeout: 40_000 }, async (t) => {
  if (!node24) return t.skip(missingRuntime('node24'));
  const report = await runChild(
    node24,
    ['--use-openssl-ca'],
    `
    import * as nodeTls from 'node:tls';
    import { getCACertificates } from ${JSON.stringify(index)};
    console.log(JSON.stringify({ ours: getCACertificates('default').length, node: nodeTls.getCACertificates('default').length, bundled: nodeTls.rootCertificates.length }));`,
  );
  if (report.node === report.bundled) return t.skip("OpenSSL's store here has as many certificates as the bundle");
  assert.ok((report.ours as number) <= (report.node as number) && report.ours !== report.bundled, JSON.stringify(report));
});

test("--use-openssl-ca on a Node that cannot list OpenSSL's store (Node 20): refused, not the bundled roots in its place", { timeout: 40_000 }, async (t) => {
  if (typeof (tls as unknown as { getCACertificates?: unknown }).getCACertificates === 'function') return t.skip('this Node lists its default CAs');
  await withServer(leaf, async (port) => {
    const report = await runChild(process.execPath, ['--use-openssl-ca'], connectScript(port, ''));
    assert.equal(report.thrown, 'TypeError', JSON.stringify(report));
    assert.match(String(report.error), /--use-openssl-ca/);
  });
});
