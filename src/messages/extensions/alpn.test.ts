import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAlpnList, readAlpnSelected, writeAlpnList } from './alpn.js';
import { encode } from '../../wire/writer.js';
import { utf8 } from '../../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

const names = [utf8('h2'), utf8('http/1.1'), new Uint8Array(255).fill(0x61)];
const encoded = encode((w) => writeAlpnList(w, names));

describe('ALPN', () => {
  test('round trip', () => {
    assert.deepEqual(decodeAll(encoded, readAlpnList), names);
    assert.deepEqual(
      decodeAll(
        encode((w) => writeAlpnList(w, [utf8('h2')])),
        readAlpnSelected,
      ),
      utf8('h2'),
    );
  });

  test('every strict prefix fails', () => {
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readAlpnList));
  });

  test('bounds: a list under 2 bytes fails; an empty name fails; a 255-byte name passes', () => {
    assertDecodeError(() => decodeAll(vec(2, []), readAlpnList), /protocol_name_list length 0 outside 2\.\.65535/);
    assertDecodeError(() => decodeAll(vec(2, [0]), readAlpnList), /protocol_name_list length 1 outside/);
    assertDecodeError(() => decodeAll(vec(2, [0, 0]), readAlpnList), /protocol_name length 0 outside 1\.\.255/);
    assert.equal(decodeAll(vec(2, [1, 0x61]), readAlpnList).length, 1);
  });

  test('the server selects exactly one', () => {
    assertDecodeError(
      () =>
        decodeAll(
          encode((w) => writeAlpnList(w, [utf8('a'), utf8('b')])),
          readAlpnSelected,
        ),
      /lists 2 protocols, expected one/,
    );
  });
});
