// RFC 8422 §5.1.2: ec_point_formats. ECPointFormat ec_point_format_list<1..2^8-1>; only
// uncompressed (0) is used, and it MUST be in the list when the extension is sent.
import { illegalParameter } from '../../errors.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export const EC_POINT_FORMAT_UNCOMPRESSED = 0;

export function readEcPointFormats(r: Reader): Uint8Array {
  const formats = r.vectorBytes(1, 1, 255, 'ec_point_format_list');
  if (!formats.includes(EC_POINT_FORMAT_UNCOMPRESSED)) throw illegalParameter('ec_point_formats does not include uncompressed');
  return formats;
}

export function writeEcPointFormats(w: Writer): void {
  w.vectorBytes(1, Uint8Array.of(EC_POINT_FORMAT_UNCOMPRESSED));
}
