// The shortest end-to-end check: a TLS 1.3 handshake and data both ways, for each key type,
// with the client validating the server's chain against the test CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, testPki } from './helpers/engine.js';
import { joined, pump } from './helpers/pair.js';

for (const leafKey of ['ec-p256', 'rsa-2048', 'ed25519'] as const) {
  test(`TLS 1.3 in memory with a validated ${leafKey} certificate`, () => {
    const pair = makePair({}, {}, testPki({ leafKey }));
    pump(pair.client, pair.server);
    assert.deepEqual(pair.c.errors, []);
    assert.deepEqual(pair.s.errors, []);
    assert.equal(pair.client.info.version, 'TLSv1.3');
    assert.equal(pair.client.info.authorized, true);
    pair.client.write(new TextEncoder().encode('hello server'));
    pair.server.write(new TextEncoder().encode('hello client'));
    pump(pair.client, pair.server);
    assert.equal(new TextDecoder().decode(joined(pair.s.received)), 'hello server');
    assert.equal(new TextDecoder().decode(joined(pair.c.received)), 'hello client');
  });
}
