import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSupportedGroups, writeSupportedGroups } from './supported-groups.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

describe('supported_groups', () => {
  test('round trip; every strict prefix fails', () => {
    const encoded = encode((w) => writeSupportedGroups(w, [0x1d, 0x17, 0x18]));
    assert.deepEqual(decodeAll(encoded, readSupportedGroups), [0x1d, 0x17, 0x18]);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readSupportedGroups));
  });

  test('<2..2^16-1>: 0 and 1 fail, 2 passes; an odd length fails', () => {
    assertDecodeError(() => decodeAll(vec(2, []), readSupportedGroups), /named_group_list length 0 outside 2\.\.65535/);
    assertDecodeError(() => decodeAll(vec(2, [0]), readSupportedGroups), /named_group_list length 1 outside/);
    assert.deepEqual(decodeAll(vec(2, [0, 0x1d]), readSupportedGroups), [0x1d]);
    assertDecodeError(() => decodeAll(vec(2, [0, 0x1d, 0]), readSupportedGroups), /truncated named group/);
  });
});
