// The README's first command, run as a user would: the demo must complete and say what it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));

function demo(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [main, 'demo', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('tlskit demo: TLS 1.3, each step printed, data intact', () => {
  const { status, out } = demo(['--bytes', '65536']);
  assert.equal(status, 0, out);
  for (const expected of [
    /ClientHello/,
    /ServerHello: chose TLSv1\.3/,
    /Certificate: 2 certificates/,
    /✓ chain validated/,
    /CertificateVerify/,
    /Finished matches/,
    /65558 bytes came back intact/,
    /close_notify/,
  ]) {
    assert.match(out, expected);
  }
  assert.doesNotMatch(out, /\u001b\[/, 'no colour codes when stdout is not a terminal');
});

test('tlskit demo --tls1.2 --rsa --cipher AES128-GCM-SHA256: RSA key transport', () => {
  const { status, out } = demo(['--tls1.2', '--rsa', '--cipher', 'AES128-GCM-SHA256', '--bytes', '1000']);
  assert.equal(status, 0, out);
  assert.match(out, /RSA key transport: a random 48-byte premaster secret/);
  assert.match(out, /TLS_RSA_WITH_AES_128_GCM_SHA256/);
});

test('tlskit demo with a bad argument names it, says where the help is and exits 2', () => {
  const { status, out } = demo(['--nope']);
  assert.equal(status, 2);
  assert.match(out, /tlskit demo: unknown or incomplete argument '--nope'\nsee 'tlskit demo --help'/);
});
