// upgrade(socket, { isServer: true, ... }) reads the secure-context options as createServer() and
// new TLSSocket(socket, { isServer: true }) do: version bounds from secureProtocol/secureOptions,
// secureContext, pfx, and the refusals (issue 14: no option dropped silently).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import * as crypto from 'node:crypto';
import { upgrade } from '../../src/node/upgrade.js';
import { createSecureContext } from '../../src/node/secure-context.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';

const pki = createTestPki();
const servers: net.Server[] = [];
after(() => servers.forEach((s) => s.close()));

/** A plain TCP server that upgrades each connection with `options`; the outcome of a node:tls client. */
async function exchange(options: Record<string, unknown>, client: nodeTls.ConnectionOptions): Promise<{ version?: string; error?: Error }> {
  const server = net.createServer((raw) => {
    let tls: TLSSocket;
    try {
      tls = upgrade(raw, { isServer: true, ...options } as never);
    } catch {
      raw.destroy();
      return;
    }
    tls.on('error', () => {});
    tls.on('secure', () => tls.end('ok'));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return new Promise((resolve) => {
    const socket = nodeTls.connect({ port, host: '127.0.0.1', ca: pki.caPem, servername: 'localhost', ...client }, () => {
      resolve({ version: socket.getProtocol() ?? undefined });
      socket.destroy();
    });
    socket.on('error', (error) => resolve({ error }));
    setTimeout(() => resolve({ error: new Error('timed out') }), 5_000).unref();
  });
}

const base = { key: pki.keyPem, cert: pki.chainPem };

test('upgrade server: secureProtocol and secureOptions bound the versions, as createServer()', async () => {
  const only13 = await exchange({ ...base, secureProtocol: 'TLSv1_3_method' }, { maxVersion: 'TLSv1.2' });
  assert.ok(only13.error, `a TLS 1.2 client must be refused, got ${only13.version}`);
  const no12 = await exchange({ ...base, secureOptions: crypto.constants.SSL_OP_NO_TLSv1_2 }, { maxVersion: 'TLSv1.2' });
  assert.ok(no12.error, `a TLS 1.2 client must be refused, got ${no12.version}`);
  assert.equal((await exchange({ ...base, secureProtocol: 'TLSv1_3_method' }, {})).version, 'TLSv1.3');
});

test('upgrade server: a secureContext supplies the certificate; refused options throw', async () => {
  assert.equal((await exchange({ secureContext: createSecureContext(base) }, {})).version, 'TLSv1.3');
  const [a] = [new net.Socket()];
  assert.throws(() => upgrade(a, { isServer: true, ...base, dhparam: 'ffdhe2048' } as never), { name: 'TypeError', message: /dhparam/ });
  assert.throws(() => upgrade(a, { isServer: true, ...base, secureOptions: crypto.constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION } as never), {
    name: 'TypeError',
    message: /secureOptions/,
  });
  a.destroy();
});
