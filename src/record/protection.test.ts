import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tls13Protection } from './protection.js';
import { RecordReader } from './record-reader.js';
import { Secret } from '../crypto/secret.js';
import { testProvider } from '../../test/helpers/provider.js';
import { ContentType } from '../protocol/constants.js';
import { MAX_CIPHERTEXT_13 } from '../protocol/limits.js';
import { concat } from '../wire/bytes.js';
import { assertTlsError } from '../../test/helpers/codec.js';

/** Two protections over the same key and IV: what one seals, the other opens. */
function keyPair(): { sender: Tls13Protection; receiver: Tls13Protection } {
  const key = new Uint8Array(16).fill(0x42);
  const iv = new Uint8Array(12).fill(0x17);
  const make = () => new Tls13Protection(testProvider.createAead('aes-128-gcm', new Secret(key.slice())), iv.slice());
  return { sender: make(), receiver: make() };
}

/** Seals one record and reads it back through the record reader, as the engine does. */
function roundTrip(content: number, padding: number) {
  const { sender, receiver } = keyPair();
  const out: Uint8Array[] = [];
  sender.seal(ContentType.application_data, new Uint8Array(content).fill(1), out, padding);
  const reader = new RecordReader();
  reader.push(concat(...out));
  const record = reader.next(MAX_CIPHERTEXT_13)!;
  assert.ok(record, 'the record fits the ciphertext limit');
  return () => receiver.open(record);
}

describe('Tls13Protection: RFC 8446 §5.4 inner plaintext limit', () => {
  for (const [content, padding] of [
    [16384, 0],
    [16000, 384],
    [0, 16384],
  ] as const) {
    test(`${content} bytes of content, the type byte and ${padding} of padding (2^14 + 1 in all) open`, () => {
      const opened = roundTrip(content, padding)();
      assert.equal(opened.type, ContentType.application_data);
      assert.equal(opened.data.length, content);
    });

    test(`${content} bytes of content, the type byte and ${padding + 1} of padding (2^14 + 2 in all): record_overflow`, () => {
      assertTlsError(roundTrip(content, padding + 1), 'record_overflow', /inner plaintext of 16386 bytes, more than the 16385 allowed/);
    });
  }
});
