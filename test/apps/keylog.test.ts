// Key logging, checked by Wireshark: a TLS 1.3 and a TLS 1.2 HTTPS exchange between tlskit's
// client and server on 127.0.0.1, captured with dumpcap, then decrypted by tshark with the NSS key
// log our 'keylog' events wrote. tshark must find the requests and responses; without the key log
// it must find nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, statSync } from 'node:fs';
import type * as net from 'node:net';
import type * as http from 'node:http';
import * as https from 'node:https';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { createHttpsServer, HttpsAgent } from '../../src/node/https.js';
import { missing, run, startPeer, tempDir, withTimeout } from './helpers/peers.js';

/** Why this machine cannot capture loopback traffic, or false. */
function captureMissing(): string | false {
  const tools = missing('tshark', ['--version']) || missing('dumpcap', ['--version']);
  if (tools) return `${tools} (Debian: apt-get install tshark)`;
  const r = spawnSync('dumpcap', ['-D'], { encoding: 'utf8', timeout: 10_000 });
  if (!/\blo\b/.test(r.stdout ?? ''))
    return `dumpcap cannot capture on the loopback interface here (needs root or the wireshark group): ${(r.stderr ?? '').trim()}`;
  return false;
}

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });

describe('key log: tshark decrypts a captured session with it', { skip: captureMissing() }, () => {
  test('TLS 1.3 (client-side key log) and TLS 1.2 (server-side key log): requests and responses found', async () => {
    const dir = tempDir();
    const keys = join(dir.path, 'keys.log');
    const capture = join(dir.path, 'loopback.pcapng');
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem }, (req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`secret answer to ${req.url}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dumpcap = await startPeer('dumpcap', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', capture], { ready: /File: /, ms: 10_000 });
    try {
      const get = (path: string, agent: http.Agent): Promise<string> =>
        withTimeout(
          new Promise((resolve, reject) => {
            https
              .get(`https://localhost:${port}${path}`, { agent }, (res) => {
                let body = '';
                res.on('data', (c: Buffer) => (body += c.toString()));
                res.on('end', () => resolve(body));
              })
              .on('error', reject);
          }),
          10_000,
          `GET ${path}`,
        );

      const client13 = new HttpsAgent({ ca: pki.caPem, minVersion: 'TLSv1.3' });
      client13.on('keylog', (line: Buffer) => appendFileSync(keys, line));
      assert.equal(await get('/tls13-request', client13), 'secret answer to /tls13-request\n');
      client13.destroy();

      const logServer = (line: Buffer): void => appendFileSync(keys, line);
      server.on('keylog', logServer);
      const client12 = new HttpsAgent({ ca: pki.caPem, maxVersion: 'TLSv1.2' });
      assert.equal(await get('/tls12-request', client12), 'secret answer to /tls12-request\n');
      client12.destroy();
      server.off('keylog', logServer);
      // Give dumpcap a moment to write the last packets before it stops.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await dumpcap.stop();
      server.closeAllConnections();
      await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), 5_000, 'the server to close');
    }
    try {
      assert.ok(existsSync(capture) && statSync(capture).size > 0, `no capture: ${dumpcap.output()}`);
      const fields = [
        '-Y',
        'http',
        '-T',
        'fields',
        '-E',
        'separator=|',
        '-e',
        'tls.record.version',
        '-e',
        'http.request.uri',
        '-e',
        'http.response.code',
        '-e',
        'http.file_data',
      ];
      const decode = ['-r', capture, '-d', `tcp.port==${port},tls`];
      const decrypted = await run('tshark', [...decode, '-o', `tls.keylog_file:${keys}`, ...fields]);
      assert.equal(decrypted.status, 0, decrypted.stderr);
      const rows = decrypted.stdout.trim().split('\n');
      assert.ok(
        rows.some((r) => r.includes('/tls13-request')),
        `TLS 1.3 request not decrypted:\n${decrypted.stdout}`,
      );
      assert.ok(
        rows.some((r) => r.includes('/tls12-request')),
        `TLS 1.2 request not decrypted:\n${decrypted.stdout}`,
      );
      assert.ok(
        rows.some((r) => /\|200\|/.test(r) && /secret answer to \/tls13-request/.test(r)),
        `TLS 1.3 response not decrypted:\n${decrypted.stdout}`,
      );
      assert.ok(
        rows.some((r) => /\|200\|/.test(r) && /secret answer to \/tls12-request/.test(r)),
        `TLS 1.2 response not decrypted:\n${decrypted.stdout}`,
      );

      // Which versions the capture holds, from the handshakes (supported_versions in the ServerHello).
      const versions = await run('tshark', [
        ...decode,
        '-Y',
        'tls.handshake.type == 2',
        '-T',
        'fields',
        '-E',
        'separator=,',
        '-e',
        'tls.handshake.version',
        '-e',
        'tls.handshake.extensions.supported_version',
      ]);
      assert.deepEqual(versions.stdout.trim().split('\n'), ['0x0303,0x0304', '0x0303,'], 'one TLS 1.3 and one TLS 1.2 ServerHello');

      const withoutKeys = await run('tshark', [...decode, ...fields]);
      assert.equal(withoutKeys.stdout.trim(), '', 'without the key log nothing is readable');
    } finally {
      dir.remove();
    }
  });
});
