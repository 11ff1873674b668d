import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readKeyShareClient, readKeyShareRetry, readKeyShareServer, writeKeyShareClient, writeKeyShareRetry, writeKeyShareServer } from './key-share.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, decodeAll, vec } from '../../../test/helpers/codec.js';

const entries = [
  { group: 0x1d, keyExchange: new Uint8Array(32).fill(1) },
  { group: 0x17, keyExchange: new Uint8Array(65).fill(4) },
];

describe('key_share', () => {
  test('ClientHello: round trip, an empty list passes, every strict prefix fails', () => {
    const encoded = encode((w) => writeKeyShareClient(w, entries));
    assert.deepEqual(decodeAll(encoded, readKeyShareClient), entries);
    assert.deepEqual(decodeAll(vec(2, []), readKeyShareClient), []);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readKeyShareClient));
  });

  test('ClientHello: two shares for one group: illegal_parameter', () => {
    assertIllegalParameter(
      () =>
        decodeAll(
          encode((w) => writeKeyShareClient(w, [entries[0]!, entries[0]!])),
          readKeyShareClient,
        ),
      /same group twice/,
    );
  });

  test('an empty key_exchange fails; 2^16-1 bytes pass', () => {
    assertDecodeError(() => decodeAll(Uint8Array.of(0, 0x1d, 0, 0), readKeyShareServer), /key_exchange length 0 outside 1\.\.65535/);
    const big = encode((w) => writeKeyShareServer(w, { group: 0x1d, keyExchange: new Uint8Array(0xffff) }));
    assert.equal(decodeAll(big, readKeyShareServer).keyExchange.length, 0xffff);
  });

  test('ServerHello and HelloRetryRequest: round trip; every strict prefix fails', () => {
    const server = encode((w) => writeKeyShareServer(w, entries[1]!));
    assert.deepEqual(decodeAll(server, readKeyShareServer), entries[1]);
    assertEveryStrictPrefixFails(server, (b) => decodeAll(b, readKeyShareServer));
    const retry = encode((w) => writeKeyShareRetry(w, 0x18));
    assert.equal(decodeAll(retry, readKeyShareRetry), 0x18);
    assertEveryStrictPrefixFails(retry, (b) => decodeAll(b, readKeyShareRetry));
  });
});
