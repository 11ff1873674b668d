// Random and mutated input into the session decoder: a client's `session` option is the
// application's bytes, so whatever they hold, only TlsError('decode_error') may come out, and a
// session with every field (issue 13's trust digest, authorization error, authentication time)
// survives the round trip.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { Secret } from '../../src/crypto/secret.js';
import { TlsError } from '../../src/errors.js';
import { decodeSession, encodeSession, type SessionState } from '../../src/handshake/session.js';
import { fcParameters } from '../helpers/fast-check.js';

const full: SessionState = {
  version: 0x0304,
  cipherSuite: 0x1301,
  secret: new Secret(new Uint8Array(32).fill(7)),
  extendedMasterSecret: false,
  issuedAt: 1_765_000_000_000,
  lifetime: 7200,
  authenticatedAt: 1_764_990_000_000,
  serverName: 'www.example.com',
  alpnProtocol: 'h2',
  ticket: new Uint8Array(40).fill(3),
  ageAdd: 0x01020304,
  maxEarlyData: 16384,
  peerCertificates: [new Uint8Array(300).fill(0x30)],
  authorized: false,
  trustDigest: new Uint8Array(32).fill(9),
  authorizationError: new TlsError('unknown_ca', 'no trusted issuer found'),
};
const encoded = encodeSession(full);

function onlyDecodeErrors(bytes: Uint8Array): void {
  try {
    decodeSession(bytes);
  } catch (err) {
    assert.ok(err instanceof TlsError && err.alert === 'decode_error', `unexpected ${String(err)}`);
  }
}

test('a session with every field round-trips', () => {
  const back = decodeSession(encoded);
  assert.equal(back.authenticatedAt, full.authenticatedAt);
  assert.deepEqual(back.trustDigest, full.trustDigest);
  assert.equal(back.authorizationError?.alert, 'unknown_ca');
  assert.equal(back.authorizationError?.message, 'no trusted issuer found');
  assert.deepEqual(back.peerCertificates, full.peerCertificates);
  assert.deepEqual(back.secret.expose(), full.secret.expose());
});

test('every strict prefix of a full session, and random bytes, give decode_error or a session', () => {
  for (let n = 0; n < encoded.length; n++) onlyDecodeErrors(encoded.subarray(0, n));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), onlyDecodeErrors), fcParameters(1000));
});

test('a full session with bytes flipped: decode_error or a session, nothing else', () => {
  fc.assert(
    fc.property(fc.nat(encoded.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const mutated = encoded.slice();
      mutated[at]! ^= xor;
      onlyDecodeErrors(mutated);
    }),
    fcParameters(2000),
  );
});
