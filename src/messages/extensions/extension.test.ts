import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkExtensionsAllowed,
  decodeExtension,
  expectEmptyExtension,
  findExtension,
  readExtensionList,
  writeExtensionList,
  type ExtensionContext,
} from './extension.js';
import { ExtensionType as E } from '../../protocol/constants.js';
import { Reader } from '../../wire/reader.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter } from '../../../test/helpers/codec.js';

const list = [
  { type: E.server_name, body: Uint8Array.of(1, 2) },
  { type: 0xabcd, body: new Uint8Array(0) },
  { type: E.supported_groups, body: new Uint8Array(300) },
];
const encoded = encode((w) => writeExtensionList(w, list));
const read = (b: Uint8Array, context?: ExtensionContext) => readExtensionList(new Reader(b, 0, b.length, 'extensions'), context);
const body = encoded.subarray(2);

describe('Extension list', () => {
  test('round trip, in wire order, unknown types kept', () => {
    assert.deepEqual(read(body), list);
    assert.deepEqual(findExtension(read(body), 0xabcd), new Uint8Array(0));
    assert.equal(findExtension(read(body), E.key_share), undefined);
  });

  test('every strict prefix of the list body fails', () => {
    assertEveryStrictPrefixFails(body, (b) => read(b), [0, 6, 10]); // whole extensions end at 6 and 10
  });

  test('a duplicate (known or unknown) is decode_error naming the message (BoGo DuplicateExtension*)', () => {
    const dup = encode((w) => writeExtensionList(w, [list[1]!, list[0]!, list[1]!])).subarray(2);
    assertDecodeError(() => read(dup, 'client_hello'), /client_hello carries extension_43981 twice/);
    assertDecodeError(() => read(dup), /extensions carries extension_43981 twice/);
  });

  test('a recognised extension outside its messages is illegal_parameter; an unknown one is allowed anywhere', () => {
    const cases: [ExtensionContext, number][] = [
      ['server_hello', E.server_name],
      ['hello_retry_request', E.pre_shared_key],
      ['encrypted_extensions', E.key_share],
      ['certificate_entry', E.server_name],
      ['certificate_request', E.key_share],
      ['new_session_ticket', E.server_name],
      ['tls12_server_hello', E.key_share],
    ];
    for (const [context, type] of cases) {
      assertIllegalParameter(
        () => checkExtensionsAllowed([{ type, body: new Uint8Array(0) }], context),
        new RegExp(`^${context} carries .*, which is not allowed there$`),
      );
      checkExtensionsAllowed([{ type: 0xfefe, body: new Uint8Array(0) }], context);
    }
    for (const type of Object.values(E)) checkExtensionsAllowed([{ type, body: new Uint8Array(0) }], 'client_hello');
  });

  test('decodeExtension requires the reader to consume the body; expectEmptyExtension requires an empty one', () => {
    assert.equal(
      decodeExtension(Uint8Array.of(0, 7), 'x', (r) => r.u16()),
      7,
    );
    assertDecodeError(() => decodeExtension(Uint8Array.of(0, 7, 0), 'thing', (r) => r.u16()), /^thing: 1 unexpected trailing bytes$/);
    assertDecodeError(() => decodeExtension(Uint8Array.of(0), 'thing', (r) => r.u16()), /^thing: truncated/);
    expectEmptyExtension(new Uint8Array(0), 'x');
    assertDecodeError(() => expectEmptyExtension(Uint8Array.of(0), 'early_data'), /early_data extension must be empty/);
  });

  test('an extension body of 2^16-1 bytes passes', () => {
    const big = encode((w) => writeExtensionList(w, [{ type: 0x1111, body: new Uint8Array(0xfffb) }])).subarray(2);
    assert.equal(read(big)[0]!.body.length, 0xfffb);
  });
});
