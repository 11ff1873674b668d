import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNewSessionTicket13, readNewSessionTicket13 } from './new-session-ticket.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { concat } from '../wire/bytes.js';
import { encode } from '../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message } from '../../test/helpers/codec.js';

const decode = (b: Uint8Array) => readNewSessionTicket13(message(HandshakeType.new_session_ticket, b));
const ticket = { lifetime: 604800, ageAdd: 0xfedcba98, nonce: Uint8Array.of(0), ticket: new Uint8Array(100).fill(0x5a) };
const raw = (extensions: Uint8Array, nonce = Uint8Array.of(1), t = Uint8Array.of(2)) =>
  encode((w) => w.u32(1).u32(2).vectorBytes(1, nonce).vectorBytes(2, t).bytes(extensions));

describe('NewSessionTicket', () => {
  test('round trip, with and without early_data', () => {
    const plain = decode(buildNewSessionTicket13(ticket).body);
    assert.deepEqual(plain, { ...ticket });
    const early = decode(buildNewSessionTicket13({ ...ticket, maxEarlyDataSize: 0xffffffff }).body);
    assert.equal(early.maxEarlyDataSize, 0xffffffff);
  });

  test('every strict prefix fails; trailing bytes fail', () => {
    const body = buildNewSessionTicket13({ ...ticket, maxEarlyDataSize: 16384 }).body;
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /new_session_ticket: 1 unexpected trailing bytes/);
  });

  test('bounds: ticket<1..2^16-1> (empty fails), nonce<0..255> (255 passes), extensions<0..2^16-2>', () => {
    assertDecodeError(() => decode(raw(Uint8Array.of(0, 0), Uint8Array.of(1), new Uint8Array(0))), /ticket length 0 outside 1\.\.65535/);
    assert.equal(decode(raw(Uint8Array.of(0, 0), new Uint8Array(255))).nonce.length, 255);
    assert.equal(decode(raw(Uint8Array.of(0, 0), new Uint8Array(0), new Uint8Array(0xffff))).ticket.length, 0xffff);
    assertDecodeError(() => decode(raw(concat(Uint8Array.of(0xff, 0xff), new Uint8Array(0xffff)))), /extensions length 65535 outside 0\.\.65534/);
  });

  test('early_data of the wrong size: decode_error; extensions not allowed or repeated: illegal_parameter', () => {
    assertDecodeError(() => decode(raw(Uint8Array.of(0, 6, 0, E.early_data, 0, 2, 0, 1))), /early_data: truncated max_early_data_size/);
    assertDecodeError(() => decode(raw(Uint8Array.of(0, 9, 0, E.early_data, 0, 5, 0, 0, 0, 1, 0))), /early_data: 1 unexpected trailing bytes/);
    assertIllegalParameter(() => decode(raw(Uint8Array.of(0, 4, 0, E.key_share, 0, 0))), /new_session_ticket carries key_share, which is not allowed there/);
    assertIllegalParameter(() => decode(raw(Uint8Array.of(0, 8, 0x12, 0x34, 0, 0, 0x12, 0x34, 0, 0))), /twice/);
    assertIllegalParameter(
      () => decode(raw(Uint8Array.of(0, 16, 0, E.early_data, 0, 4, 0, 0, 0, 1, 0, E.early_data, 0, 4, 0, 0, 0, 1))),
      /carries early_data twice/,
    );
  });
});
