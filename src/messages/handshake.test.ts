import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHandshake, describeHandshake, HANDSHAKE_HEADER_LENGTH } from './handshake.js';
import { HandshakeType } from '../protocol/constants.js';

describe('Handshake envelope', () => {
  test('type, 3-byte length, body; body and raw share bytes', () => {
    const msg = buildHandshake(HandshakeType.finished, (w) => w.bytes(new Uint8Array(300).fill(1)));
    assert.deepEqual([...msg.raw.subarray(0, HANDSHAKE_HEADER_LENGTH)], [20, 0, 1, 44]);
    assert.equal(msg.body.length, 300);
    assert.equal(msg.body.buffer, msg.raw.buffer);
    assert.equal(describeHandshake(msg), 'finished (300 bytes)');
    assert.equal(describeHandshake(buildHandshake(0x99, () => {})), 'handshake_type_153 (0 bytes)');
  });

  test('a body of 2^24 bytes does not fit: RangeError (a bug in us, not the peer)', () => {
    assert.throws(() => buildHandshake(1, (w) => w.bytes(new Uint8Array(2 ** 24))), RangeError);
  });
});
