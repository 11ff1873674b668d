// Assertions shared by the codec unit tests beside src/wire and src/messages (STYLE.md "Tests",
// "Codec": round trip; every strict prefix of a valid encoding fails; bounds ±1).
import assert from 'node:assert/strict';
import { TlsError } from '../../src/errors.js';
import type { AlertName } from '../../src/protocol/alerts.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../../src/messages/handshake.js';
import { Reader } from '../../src/wire/reader.js';
import { encode, type Writer } from '../../src/wire/writer.js';
import { concat } from '../../src/wire/bytes.js';

/** `fn` throws a TlsError with this alert (and origin 'local'); returns it for further checks. */
export function assertTlsError(fn: () => unknown, alert: AlertName, message?: RegExp): TlsError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `expected ${alert}, but nothing was thrown`);
  assert.ok(thrown instanceof TlsError, `expected a TlsError ${alert}, got ${String((thrown as Error).stack ?? thrown)}`);
  assert.equal(thrown.alert, alert, `expected ${alert}, got ${thrown.alert}: ${thrown.message}`);
  assert.equal(thrown.origin, 'local');
  if (message) assert.match(thrown.message, message);
  return thrown;
}

export const assertDecodeError = (fn: () => unknown, message?: RegExp): TlsError => assertTlsError(fn, 'decode_error', message);
export const assertIllegalParameter = (fn: () => unknown, message?: RegExp): TlsError => assertTlsError(fn, 'illegal_parameter', message);

/** A received handshake message with this body (raw gets a header, as the reassembler makes it). */
export function message(type: number, body: Uint8Array): HandshakeMessage {
  const raw = concat(Uint8Array.of(type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff), body);
  return { type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
}

/** Reads `bytes` with `read`, which must consume them exactly (as decodeExtension does). */
export function decodeAll<T>(bytes: Uint8Array, read: (r: Reader) => T, what = 'test'): T {
  const r = new Reader(bytes, 0, bytes.length, what);
  const value = read(r);
  r.done();
  return value;
}

export function bytesOf(write: (w: Writer) => void): Uint8Array {
  return encode(write);
}

/**
 * Every strict prefix of `encoding` fails `decode` with decode_error, except the lengths listed in
 * `valid` (prefixes that are themselves valid encodings, e.g. a hello without its extension block).
 */
export function assertEveryStrictPrefixFails(encoding: Uint8Array, decode: (bytes: Uint8Array) => unknown, valid: readonly number[] = []): void {
  assert.doesNotThrow(() => decode(encoding), 'the full encoding must decode');
  for (let n = 0; n < encoding.length; n++) {
    const prefix = encoding.slice(0, n); // a copy: a decoder must not read past the end of its view
    if (valid.includes(n)) {
      assert.doesNotThrow(() => decode(prefix), `prefix of ${n} bytes is listed as valid`);
      continue;
    }
    assertDecodeError(() => decode(prefix));
  }
}

/** Replaces the big-endian length field of `size` bytes at `at`. */
export function withLength(bytes: Uint8Array, at: number, size: 1 | 2 | 3, length: number): Uint8Array {
  const out = bytes.slice();
  for (let i = size - 1, v = length; i >= 0; i--, v = Math.floor(v / 256)) out[at + i] = v & 0xff;
  return out;
}

/** A vector encoding: a `size`-byte length, then `body`. */
export function vec(size: 1 | 2 | 3, body: Uint8Array | readonly number[]): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  return encode((w) => w.vectorBytes(size, b));
}

export function u16s(...values: number[]): Uint8Array {
  return encode((w) => values.forEach((v) => w.u16(v)));
}
