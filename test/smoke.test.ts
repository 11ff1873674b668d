import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nodeCryptoProvider } from '../src/crypto/node/provider.js';
import { resolveClientOptions, resolveServerOptions } from '../src/engine/options.js';
import { createClientConnection, createServerConnection } from '../src/engine/endpoints.js';
import { endpointHandlers, newEndpointState, pump, joined } from './helpers/pair.js';

test('smoke', () => {
  for (const kind of ['ec', 'rsa', 'ed']) {
    const serverConfig = resolveServerOptions({ key: readFileSync(`/tmp/certs/${kind}.key`, 'utf8'), cert: readFileSync(`/tmp/certs/${kind}.crt`, 'utf8') }, nodeCryptoProvider);
    const clientConfig = resolveClientOptions({ servername: 'localhost', rejectUnauthorized: false }, nodeCryptoProvider);
    const s = newEndpointState();
    const c = newEndpointState();
    const server = createServerConnection(serverConfig, endpointHandlers(s));
    const client = createClientConnection(clientConfig, endpointHandlers(c));
    pump(client, server);
    console.log(kind, c.errors, s.errors, c.completed, s.completed);
    client.write(new TextEncoder().encode('hello server'));
    server.write(new TextEncoder().encode('hello client'));
    pump(client, server);
    assert.equal(new TextDecoder().decode(joined(s.received)), 'hello server');
    assert.equal(new TextDecoder().decode(joined(c.received)), 'hello client');
  }
});
