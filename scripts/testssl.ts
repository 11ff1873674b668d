// Runs testssl.sh (Debian's `testssl`) against a tlskit server with the default configuration and
// fails on any finding of severity MEDIUM or higher (issue 7). The server runs in this process on
// 127.0.0.1, with a development chain (root → intermediate → localhost, P-256), answering HTTP.
//
//   npm run testssl                       the subset CI runs: -p -P -S -U (protocols, server
//                                         preferences, server defaults, vulnerabilities)
//   npm run testssl -- --full             everything testssl checks (slower)
//
// Prints the findings at MEDIUM or above and a count line; the JSON report goes to
// $TESTSSL_JSON or a temporary file. Without testssl installed it says so and exits 0 (CI installs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from '../src/index.js';
import { createCertificate, generateKeyPair, type Issuer } from '../src/devcert/certificate-builder.js';
import { subjectAltNamesFor } from '../src/devcert/names.js';
import { describeRuntime } from '../test/helpers/runtimes.js';

const SEVERE = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);

interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

// ---- a chain like a deployment's: root → intermediate → localhost, with revocation pointers ----

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Uint8Array.of(tag, ...length), body]);
}
const uri = (u: string): Uint8Array => tlv(0x86, Buffer.from(u, 'ascii')); // GeneralName uniformResourceIdentifier [6]
const OCSP_METHOD = Uint8Array.of(0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01); // id-ad-ocsp

function revocationPointers(): { oid: string; critical: boolean; value: Uint8Array }[] {
  return [
    // RFC 5280 §4.2.1.13 cRLDistributionPoints: one point, fullName [0] { URI }.
    { oid: '2.5.29.31', critical: false, value: tlv(0x30, tlv(0x30, tlv(0xa0, tlv(0xa0, uri('http://127.0.0.1/tlskit-test.crl'))))) },
    // RFC 5280 §4.2.2.1 authorityInfoAccess: an OCSP responder.
    { oid: '1.3.6.1.5.5.7.1.1', critical: false, value: tlv(0x30, tlv(0x30, OCSP_METHOD, uri('http://127.0.0.1/ocsp'))) },
  ];
}

function chain(): { keyPem: string; chainPem: string; caPem: string } {
  const rootKey = generateKeyPair('ec-p256');
  const root: Issuer = {
    key: rootKey,
    certificate: createCertificate({ subject: 'CN=tlskit testssl root CA, O=tlskit test', subjectKey: rootKey, isCA: true }),
  };
  const midKey = generateKeyPair('ec-p256');
  const intermediate: Issuer = {
    key: midKey,
    certificate: createCertificate({
      subject: 'CN=tlskit testssl intermediate CA, O=tlskit test',
      subjectKey: midKey,
      issuer: root,
      isCA: true,
      pathLength: 0,
      extraExtensions: revocationPointers(),
    }),
  };
  const leafKey = generateKeyPair('ec-p256');
  const leaf = createCertificate({
    subject: 'O=tlskit test, CN=localhost',
    subjectKey: leafKey,
    issuer: intermediate,
    subjectAltNames: subjectAltNamesFor(['localhost', '127.0.0.1']),
    extraExtensions: revocationPointers(),
  });
  return { keyPem: leafKey.privateKeyPem, chainPem: leaf.pem + intermediate.certificate.pem, caPem: root.certificate.pem };
}

async function main(): Promise<number> {
  const full = process.argv.includes('--full');
  const binary = ['testssl', 'testssl.sh'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
  if (!binary) {
    console.log('testssl: not installed (Debian: apt-get install testssl.sh); skipped');
    return 0;
  }
  const pki = chain();
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem }, (socket) => {
    socket.on('error', () => undefined);
    // The HTTP headers a deployment would send (testssl --full checks them too, with -h).
    socket.once('data', () =>
      socket.end(
        [
          'HTTP/1.1 200 OK',
          'content-type: text/plain',
          'content-length: 3',
          'connection: close',
          'strict-transport-security: max-age=31536000; includeSubDomains',
          'x-frame-options: DENY',
          'x-content-type-options: nosniff',
          "content-security-policy: default-src 'none'",
          'referrer-policy: no-referrer',
          '',
          'ok\n',
        ].join('\r\n'),
      ),
    );
  });
  server.on('tlsClientError', () => undefined); // testssl probes with what we refuse, on purpose
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-testssl-'));
  const json = process.env.TESTSSL_JSON ?? join(dir, 'report.json');
  // Our development root is trusted for the scan, as a deployment's CA would be by its clients.
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  const checks = full ? [] : ['-p', '-P', '-S', '-U'];
  const args = [
    ...checks,
    '--quiet',
    '--color',
    '0',
    '--warnings',
    'off',
    '--sneaky',
    '--nodns',
    'none',
    '--severity',
    'MEDIUM',
    '--add-ca',
    caFile,
    '--jsonfile',
    json,
    '--ip',
    '127.0.0.1',
    `localhost:${port}`,
  ];
  console.log(`testssl: a tlskit server on ${describeRuntime()}`);
  console.log(`testssl: ${binary} ${args.join(' ')}`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (c) => {
      if (process.env.TESTSSL_VERBOSE) console.log(out);
      resolve(c ?? 1);
    });
  });
  server.close();
  let findings: Finding[];
  try {
    findings = JSON.parse(readFileSync(json, 'utf8')) as Finding[];
  } catch (err) {
    console.log(`testssl: no JSON report (exit ${code}): ${String(err)}`);
    return 1;
  } finally {
    if (!process.env.TESTSSL_JSON) rmSync(dir, { recursive: true, force: true });
  }
  const severe = findings.filter((f) => SEVERE.has(f.severity));
  const scanProblems = findings.filter((f) => f.id === 'scanProblem');
  for (const f of severe) console.log(`  ${f.severity} ${f.id}: ${f.finding}`);
  for (const f of scanProblems) console.log(`  scan problem: ${f.finding}`);
  // Whatever else passed the MEDIUM filter (testssl adds informational entries now and then): shown, not counted.
  for (const f of findings) if (!SEVERE.has(f.severity) && f.id !== 'scanProblem') console.log(`  (${f.severity} ${f.id}: ${f.finding})`);
  console.log(
    `testssl: ${severe.length} findings of severity MEDIUM or higher (${findings.length} entries at MEDIUM filter) in ${((Date.now() - started) / 1000).toFixed(0)} s, checks ${full ? 'all' : checks.join(' ')}`,
  );
  return severe.length === 0 && scanProblems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
