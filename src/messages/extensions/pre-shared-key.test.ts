import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindersListLength,
  readMaxEarlyDataSize,
  readOfferedPsks,
  readPskModes,
  readSelectedIdentity,
  writeOfferedPsks,
  writePskModes,
} from './pre-shared-key.js';
import { encode } from '../../wire/writer.js';
import { concat } from '../../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, decodeAll, vec } from '../../../test/helpers/codec.js';

const identities = [
  { identity: Uint8Array.of(1, 2, 3), obfuscatedTicketAge: 0xffffffff },
  { identity: new Uint8Array(1), obfuscatedTicketAge: 0 },
];
const binders = [new Uint8Array(32).fill(1), new Uint8Array(48).fill(2)];
const encoded = encode((w) => writeOfferedPsks(w, identities, binders));

describe('pre_shared_key', () => {
  test('round trip, with the binders list length for the partial transcript', () => {
    const offered = decodeAll(encoded, readOfferedPsks);
    assert.deepEqual(offered.identities, identities);
    assert.deepEqual(offered.binders, binders);
    assert.equal(offered.bindersLength, bindersListLength([32, 48]));
    assert.equal(offered.bindersLength, 2 + 33 + 49);
  });

  test('every strict prefix fails', () => {
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readOfferedPsks));
  });

  test('bounds: identities<7..>, identity<1..>, binders<33..>, binder<32..255>', () => {
    const binder = vec(2, vec(1, new Uint8Array(32)));
    assertDecodeError(() => decodeAll(concat(vec(2, new Uint8Array(6)), binder), readOfferedPsks), /identities length 6 outside 7\.\.65535/);
    assertDecodeError(() => decodeAll(concat(vec(2, [0, 0, 0, 0, 0, 0, 0]), binder), readOfferedPsks), /identity length 0 outside 1\.\.65535/);
    const id = vec(2, [0, 1, 0x41, 0, 0, 0, 0]);
    assertDecodeError(() => decodeAll(concat(id, vec(2, vec(1, new Uint8Array(31)))), readOfferedPsks), /binders length 32 outside 33\.\.65535/);
    assertDecodeError(
      () => decodeAll(concat(id, vec(2, concat(vec(1, new Uint8Array(31)), Uint8Array.of(0)))), readOfferedPsks),
      /binder length 31 outside 32\.\.255/,
    );
    assert.equal(decodeAll(concat(id, vec(2, vec(1, new Uint8Array(255)))), readOfferedPsks).binders[0]!.length, 255);
  });

  test('a different number of binders and identities: illegal_parameter', () => {
    const one = encode((w) => writeOfferedPsks(w, identities, [binders[0]!]));
    assertIllegalParameter(() => decodeAll(one, readOfferedPsks), /different number of binders and identities/);
    const three = encode((w) => writeOfferedPsks(w, identities, [...binders, binders[0]!]));
    assertIllegalParameter(() => decodeAll(three, readOfferedPsks), /different number of binders and identities/);
  });

  test('psk_key_exchange_modes<1..255>, selected_identity, max_early_data_size', () => {
    assert.deepEqual(
      decodeAll(
        encode((w) => writePskModes(w, [0, 1])),
        readPskModes,
      ),
      [0, 1],
    );
    assertDecodeError(() => decodeAll(vec(1, []), readPskModes), /ke_modes length 0 outside 1\.\.255/);
    assert.equal(decodeAll(vec(1, new Uint8Array(255)), readPskModes).length, 255);
    assert.equal(decodeAll(Uint8Array.of(0, 3), readSelectedIdentity), 3);
    assertDecodeError(() => decodeAll(Uint8Array.of(0), readSelectedIdentity));
    assert.equal(decodeAll(Uint8Array.of(0xff, 0xff, 0xff, 0xff), readMaxEarlyDataSize), 0xffffffff);
    assertEveryStrictPrefixFails(Uint8Array.of(0, 0, 0x40, 0), (b) => decodeAll(b, readMaxEarlyDataSize));
  });
});
