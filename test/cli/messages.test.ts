// Failure messages in plain words, as `tlskit client` and `tlskit server` print them: each names
// the cause and what both sides had (engine pairs in memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair } from '../helpers/engine.js';
import { pump } from '../helpers/pair.js';

test('no shared group: the server names both lists', () => {
  const p = makePair({ ecdhCurve: 'X25519' }, { ecdhCurve: 'P-384' });
  pump(p.client, p.server);
  assert.equal(p.s.errors[0]?.message, 'no shared key exchange group: the client supports x25519; we support secp384r1');
  assert.equal(p.c.errors[0]?.alert, 'handshake_failure');
});

test('no shared cipher suite: the server names both lists', () => {
  const p = makePair({ ciphers: 'TLS_AES_128_GCM_SHA256', minVersion: 'TLSv1.3' }, { ciphers: 'TLS_AES_256_GCM_SHA384' });
  pump(p.client, p.server);
  assert.equal(p.s.errors[0]?.message, 'no shared TLSv1.3 cipher suite: the client offered TLS_AES_128_GCM_SHA256; we support TLS_AES_256_GCM_SHA384');
});

test('a server that picks TLS 1.2 when minVersion is TLS 1.3: the client names the option', () => {
  // A TLS 1.2 server's ServerHello, delivered to a client that offered only TLS 1.3.
  const old = makePair({}, { maxVersion: 'TLSv1.2' });
  old.server.receive(Buffer.concat(old.client.takeOutput()));
  const serverHello = Buffer.concat(old.server.takeOutput());
  const strict = makePair({ minVersion: 'TLSv1.3' });
  strict.client.takeOutput();
  strict.client.receive(serverHello);
  assert.equal(strict.c.errors[0]?.message, 'server chose TLSv1.2, but minVersion is TLSv1.3');
  assert.equal(strict.c.errors[0]?.alert, 'protocol_version');
});

test('an expired certificate: the date it expired', () => {
  const p = makePair({ now: () => new Date('2100-01-01T00:00:00Z') });
  pump(p.client, p.server);
  assert.match(p.c.errors[0]?.message ?? '', /has expired on \d{4}-\d\d-\d\d/);
  assert.equal(p.c.errors[0]?.alert, 'certificate_expired');
});
