// RFC 8446 §4.2.7: NamedGroup named_group_list<2..2^16-1>.
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readSupportedGroups(r: Reader): number[] {
  const list = r.vector(2, 2, 0xffff, 'named_group_list');
  const groups: number[] = [];
  while (list.remaining > 0) groups.push(list.u16('named group'));
  return groups;
}

export function writeSupportedGroups(w: Writer, groups: readonly number[]): void {
  w.vector(2, (l) => groups.forEach((g) => l.u16(g)));
}
