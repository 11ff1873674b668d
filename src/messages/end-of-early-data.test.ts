import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEndOfEarlyData, readEndOfEarlyData } from './end-of-early-data.js';
import { HandshakeType } from '../protocol/constants.js';
import { assertDecodeError, message } from '../../test/helpers/codec.js';

describe('EndOfEarlyData', () => {
  test('round trip of the empty message; any body is decode_error', () => {
    const msg = buildEndOfEarlyData();
    assert.deepEqual([...msg.raw], [HandshakeType.end_of_early_data, 0, 0, 0]);
    readEndOfEarlyData(msg);
    assertDecodeError(() => readEndOfEarlyData(message(HandshakeType.end_of_early_data, Uint8Array.of(0))), /end_of_early_data must be empty/);
  });
});
