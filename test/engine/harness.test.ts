import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPair } from '../helpers/engine-harness.js';
import { synchronousKinds } from '../helpers/provider.js';

test('harness: a handshake through the man in the middle, re-encrypting every record', () => {
  let seen = 0;
  for (const kind of synchronousKinds(['ed25519', 'ec', 'rsa'] as const)) {
    const pair = newPair({ kind, tamper: (r) => (r.protected ? (seen++, [{ type: r.type, data: r.data }]) : undefined) });
    pair.handshake();
    pair.client.connection.write(new TextEncoder().encode('ping'));
    pair.server.connection.write(new TextEncoder().encode('pong'));
    pair.pump();
    assert.equal(new TextDecoder().decode(pair.server.received[0]), 'ping');
    assert.equal(new TextDecoder().decode(pair.client.received[0]), 'pong');
  }
  assert.ok(seen >= 8);
});
