// Issue 3, end to end: our client against `openssl s_server` presenting good and bad chains. Each
// bad one fails with the right alert (sent by us, received by openssl) and a message saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/node/connect.js';
import { TlsError } from '../../src/errors.js';
import { createCertificate, generateKeyPair, type Issuer, type KeyPair } from '../../src/devcert/certificate-builder.js';

const opensslMissing = spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is not installed';
const DAY = 86_400_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Server {
  port: number;
  process: ChildProcess;
  output: () => string;
}

/** openssl s_server with `chainPem` (leaf first) and `keyPem`, ready to accept. */
async function startServer(dir: string, name: string, chainPem: string, keyPem: string): Promise<Server> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  writeFileSync(cert, chainPem);
  writeFileSync(key, keyPem);
  const port = await freePort();
  // No -naccept: the readiness probe below is a connection too. The process is killed after the test.
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-cert_chain', cert, '-quiet'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  await waitForPort(port);
  return { port, process: child, output: () => out };
}

/** Resolves once something accepts TCP connections on the port (at most 5 s). */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** Connects our client; resolves with the error (or undefined on success). */
function attempt(port: number, ca: string, servername = 'localhost'): Promise<{ error?: TlsError; authorized?: boolean }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: new TlsError('internal_error', 'timed out') });
    }, 10_000);
    const socket = connect({ host: '127.0.0.1', port, servername, ca, minVersion: 'TLSv1.3' }, () => {
      clearTimeout(timer);
      const authorized = socket.authorized;
      socket.end();
      resolve({ authorized });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      resolve({ error: err as TlsError });
    });
  });
}

describe('X.509 validation against openssl s_server (issue 3)', { skip: opensslMissing, concurrency: 1 }, () => {
  let dir: string;
  const servers: Server[] = [];
  const rootKey = generateKeyPair('ec-p256');
  const root: Issuer = { key: rootKey, certificate: createCertificate({ subject: 'CN=e2e root CA', subjectKey: rootKey, isCA: true }) };
  const interKey = generateKeyPair('ec-p256');
  const intermediate: Issuer = {
    key: interKey,
    certificate: createCertificate({ subject: 'CN=e2e intermediate CA', subjectKey: interKey, issuer: root, isCA: true, pathLength: 0 }),
  };
  const leafKey: KeyPair = generateKeyPair('ec-p256');
  const leaf = (options: Partial<Parameters<typeof createCertificate>[0]> = {}) =>
    createCertificate({
      subject: 'CN=localhost',
      subjectKey: leafKey,
      issuer: intermediate,
      subjectAltNames: { dns: ['localhost'], ip: ['127.0.0.1'] },
      ...options,
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-e2e-'));
  });
  after(() => {
    for (const s of servers) s.process.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, chain: string, servername?: string) {
    const server = await startServer(dir, name, chain, leafKey.privateKeyPem);
    servers.push(server);
    const result = await attempt(server.port, root.certificate.pem, servername);
    await new Promise((r) => setTimeout(r, 100));
    return { ...result, serverSaw: server.output() };
  }

  test('a valid chain (leaf + intermediate) is accepted', async () => {
    const r = await run('valid', leaf().pem + intermediate.certificate.pem);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.authorized, true);
  });

  test('an IP address literal in the SAN is accepted for 127.0.0.1', async () => {
    const r = await run('ip', leaf().pem + intermediate.certificate.pem, '127.0.0.1');
    assert.equal(r.error, undefined, r.error?.message);
  });

  const cases: [string, () => string, string | undefined, string, RegExp][] = [
    [
      'an expired certificate',
      () => leaf({ notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 30 * DAY) }).pem + intermediate.certificate.pem,
      undefined,
      'certificate_expired',
      /expired/,
    ],
    ['a wrong host name', () => leaf().pem + intermediate.certificate.pem, 'www.example.com', 'bad_certificate', /not valid for .*www\.example\.com/],
    [
      'an untrusted root',
      () => {
        const otherKey = generateKeyPair('ec-p256');
        const other: Issuer = { key: otherKey, certificate: createCertificate({ subject: 'CN=someone else', subjectKey: otherKey, isCA: true }) };
        return (
          createCertificate({ subject: 'CN=localhost', subjectKey: leafKey, issuer: other, subjectAltNames: { dns: ['localhost'] } }).pem +
          other.certificate.pem
        );
      },
      undefined,
      'unknown_ca',
      /trusted|issuer/,
    ],
    ['a missing intermediate', () => leaf().pem, undefined, 'unknown_ca', /no trusted issuer found/],
    [
      'a leaf used as a CA',
      () => {
        const fakeCaKey = generateKeyPair('ec-p256');
        const fakeCa: Issuer = { key: fakeCaKey, certificate: createCertificate({ subject: 'CN=not a CA', subjectKey: fakeCaKey, issuer: intermediate }) };
        return (
          createCertificate({ subject: 'CN=localhost', subjectKey: leafKey, issuer: fakeCa, subjectAltNames: { dns: ['localhost'] } }).pem +
          fakeCa.certificate.pem +
          intermediate.certificate.pem
        );
      },
      undefined,
      'certificate_unknown',
      /CA|basicConstraints|issue/i,
    ],
    [
      'a chain violating name constraints',
      () => {
        const ncKey = generateKeyPair('ec-p256');
        const constrained: Issuer = {
          key: ncKey,
          certificate: createCertificate({
            subject: 'CN=constrained CA',
            subjectKey: ncKey,
            issuer: root,
            isCA: true,
            nameConstraints: { permitted: { dns: ['example.org'] } },
          }),
        };
        return (
          createCertificate({ subject: 'CN=localhost', subjectKey: leafKey, issuer: constrained, subjectAltNames: { dns: ['localhost'] } }).pem +
          constrained.certificate.pem
        );
      },
      undefined,
      'certificate_unknown',
      /name constraint|permitted/i,
    ],
  ];

  for (const [name, chain, servername, alert, message] of cases) {
    test(`${name}: ${alert}, and openssl receives it`, async () => {
      const r = await run(name.replace(/\W+/g, '-'), chain(), servername);
      assert.ok(r.error, 'the handshake must fail');
      assert.equal(r.error!.alert, alert, r.error!.message);
      assert.equal(r.error!.origin, 'local');
      assert.match(r.error!.message, message);
      // openssl s_server reports the alert it got ("... alert <name> ...").
      assert.match(r.serverSaw, new RegExp(alert.replace(/_/g, ' '), 'i'));
    });
  }
});
