import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKeyUpdate, readKeyUpdate } from './key-update.js';
import { HandshakeType } from '../protocol/constants.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message } from '../../test/helpers/codec.js';

const decode = (b: Uint8Array) => readKeyUpdate(message(HandshakeType.key_update, b));

describe('KeyUpdate', () => {
  test('round trip', () => {
    assert.equal(readKeyUpdate(buildKeyUpdate(true)), true);
    assert.equal(readKeyUpdate(buildKeyUpdate(false)), false);
    assert.deepEqual([...buildKeyUpdate(true).raw], [HandshakeType.key_update, 0, 0, 1, 1]);
  });

  test('every strict prefix fails; trailing bytes fail', () => {
    assertEveryStrictPrefixFails(Uint8Array.of(1), decode);
    assertDecodeError(() => decode(Uint8Array.of(0, 0)), /key_update: 1 unexpected trailing bytes/);
  });

  test('request_update other than 0 or 1: illegal_parameter', () => {
    for (const v of [2, 0x80, 0xff]) assertIllegalParameter(() => decode(Uint8Array.of(v)), new RegExp(`request_update ${v}`));
  });
});
