// RFC 8446 §4.2.2: cookie. opaque cookie<1..2^16-1>.
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readCookie(r: Reader): Uint8Array {
  return r.vectorBytes(2, 1, 0xffff, 'cookie');
}

export function writeCookie(w: Writer, cookie: Uint8Array): void {
  w.vectorBytes(2, cookie);
}
