// RFC 8449 §4: record_size_limit. uint16 RecordSizeLimit, at least 64.
import { illegalParameter } from '../../errors.js';
import type { Reader } from '../../wire/reader.js';

export function readRecordSizeLimit(r: Reader): number {
  const limit = r.u16('record_size_limit');
  if (limit < 64) throw illegalParameter(`record_size_limit ${limit} is below 64`);
  return limit;
}
