// Key exchange groups beyond the common three (issue 15): x448 (RFC 7748, RFC 8446 §4.2.7) and
// secp521r1, in both versions, on the in-memory pair; their option names; what a default client
// offers; and ecdsa_secp521r1_sha512 with a P-521 certificate chain.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByName } from '../../src/protocol/groups.js';
import { parseGroups } from '../../src/engine/options.js';
import { joined, pump } from '../helpers/pair.js';
import { makePair, testPki } from '../helpers/engine.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function exchange(pair: ReturnType<typeof makePair>): void {
  pump(pair.client, pair.server);
  assert.deepEqual(
    pair.c.errors.map((e) => e.message),
    [],
    'client errors',
  );
  assert.deepEqual(
    pair.s.errors.map((e) => e.message),
    [],
    'server errors',
  );
  pair.client.write(text('ping'));
  pair.server.write(text('pong'));
  pump(pair.client, pair.server);
  assert.equal(new TextDecoder().decode(joined(pair.s.received)), 'ping');
  assert.equal(new TextDecoder().decode(joined(pair.c.received)), 'pong');
}

/** The client's first 'client-hello' step: the groups and key shares it offered, by name. */
function firstClientHello(pair: ReturnType<typeof makePair>): { groups: readonly string[]; keyShares: readonly string[] } {
  pump(pair.client, pair.server);
  const step = pair.c.events.find((e) => e.kind === 'step' && e.step === 'client-hello');
  assert.ok(step && step.kind === 'step' && step.step === 'client-hello');
  return step;
}

const retried = (pair: ReturnType<typeof makePair>): boolean => pair.c.events.some((e) => e.kind === 'step' && e.step === 'hello-retry-request');

describe('groups: x448 and secp521r1', () => {
  test('ecdhCurve names: X448, x448, P-521, secp521r1 (as node:tls and OpenSSL spell them)', () => {
    assert.deepEqual(
      parseGroups('X448:P-521').map((g) => g.name),
      ['x448', 'secp521r1'],
    );
    assert.deepEqual(
      parseGroups('x448:secp521r1').map((g) => g.name),
      ['x448', 'secp521r1'],
    );
    assert.equal(groupByName('X448')?.id, 0x001e);
    assert.equal(groupByName('P-521')?.id, 0x0019);
  });

  test('a default client lists x448 and secp521r1 last in supported_groups, with no key share for them', () => {
    const hello = firstClientHello(makePair());
    assert.deepEqual(hello.groups, ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'x448', 'secp521r1']);
    assert.deepEqual(hello.keyShares, ['X25519MLKEM768', 'x25519']);
  });

  for (const [name, id] of [
    ['X448', 'x448'],
    ['P-521', 'secp521r1'],
  ] as const) {
    test(`TLS 1.3: a client restricted to ${name} completes with a default server, no HelloRetryRequest`, () => {
      const pair = makePair({ ecdhCurve: name });
      exchange(pair);
      assert.equal(pair.client.info.group?.name, id);
      assert.equal(pair.server.info.group?.name, id);
      assert.ok(!retried(pair));
    });

    test(`TLS 1.3: a server restricted to ${name} gets it from a default client through a HelloRetryRequest`, () => {
      const pair = makePair({}, { ecdhCurve: name });
      exchange(pair);
      assert.equal(pair.client.info.group?.name, id);
      assert.ok(retried(pair));
    });

    test(`TLS 1.2: ECDHE over ${name}, restricted on either side`, () => {
      // An Ed25519 certificate: no curve of its own for the client's supported_groups to vouch for (RFC 8422 §5.1.1).
      const pki = testPki({ leafKey: 'ed25519' });
      for (const [client, server] of [
        [{ ecdhCurve: name }, {}],
        [{}, { ecdhCurve: name }],
      ] as const) {
        const pair = makePair({ maxVersion: 'TLSv1.2', ...client }, server, pki);
        exchange(pair);
        assert.equal(pair.client.info.version, 'TLSv1.2');
        assert.equal(pair.client.info.group?.name, id);
        assert.equal(pair.server.info.group?.name, id);
      }
    });
  }

  test('a P-521 chain signs with ecdsa_secp521r1_sha512 in TLS 1.3 and verifies; TLS 1.2 with x448 and ECDSA+SHA512', () => {
    const pki = testPki({ leafKey: 'ec-p521', caKey: 'ec-p521' });
    const tls13 = makePair({}, {}, pki);
    exchange(tls13);
    assert.equal(tls13.client.info.peerSignatureScheme?.name, 'ecdsa_secp521r1_sha512');
    // TLS 1.2 does not bind the hash to the curve (RFC 5246 §7.4.1.4.1): the client's list decides.
    const tls12 = makePair({ maxVersion: 'TLSv1.2', ecdhCurve: 'X448:P-521', sigalgs: 'ECDSA+SHA512' }, { ecdhCurve: 'X448' }, pki);
    exchange(tls12);
    assert.equal(tls12.client.info.group?.name, 'x448');
    assert.equal(tls12.client.info.peerSignatureScheme?.name, 'ecdsa_secp521r1_sha512');
  });
});
