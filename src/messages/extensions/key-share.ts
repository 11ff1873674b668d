// RFC 8446 §4.2.8: key_share. ClientHello: KeyShareEntry client_shares<0..2^16-1>;
// ServerHello: one KeyShareEntry; HelloRetryRequest: the NamedGroup selected_group.
import { illegalParameter } from '../../errors.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

function readEntry(r: Reader): KeyShareEntry {
  const group = r.u16('key share group');
  const keyExchange = r.vectorBytes(2, 1, 0xffff, 'key_exchange');
  return { group, keyExchange };
}

export function readKeyShareClient(r: Reader): KeyShareEntry[] {
  const list = r.vector(2, 0, 0xffff, 'client_shares');
  const entries: KeyShareEntry[] = [];
  while (list.remaining > 0) {
    const entry = readEntry(list);
    // RFC 8446 §4.2.8: one share per group at most; servers may (we do) enforce it.
    if (entries.some((e) => e.group === entry.group)) throw illegalParameter('client_shares offers the same group twice');
    entries.push(entry);
  }
  return entries;
}

export function writeKeyShareClient(w: Writer, entries: readonly KeyShareEntry[]): void {
  w.vector(2, (l) => entries.forEach((e) => l.u16(e.group).vectorBytes(2, e.keyExchange)));
}

export function readKeyShareServer(r: Reader): KeyShareEntry {
  return readEntry(r);
}

export function writeKeyShareServer(w: Writer, entry: KeyShareEntry): void {
  w.u16(entry.group).vectorBytes(2, entry.keyExchange);
}

export function readKeyShareRetry(r: Reader): number {
  return r.u16('selected_group');
}

export function writeKeyShareRetry(w: Writer, group: number): void {
  w.u16(group);
}
