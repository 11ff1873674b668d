// RFC 7301 §3.1: application_layer_protocol_negotiation. ProtocolName protocol_name_list<2..2^16-1>,
// ProtocolName<1..2^8-1>. The server's answer lists exactly one name.
import { decodeError } from '../../errors.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readAlpnList(r: Reader): Uint8Array[] {
  const list = r.vector(2, 2, 0xffff, 'protocol_name_list');
  const names: Uint8Array[] = [];
  while (list.remaining > 0) names.push(list.vectorBytes(1, 1, 0xff, 'protocol_name'));
  return names;
}

export function writeAlpnList(w: Writer, names: readonly Uint8Array[]): void {
  w.vector(2, (l) => names.forEach((n) => l.vectorBytes(1, n)));
}

/** The server's selection: a list of exactly one name (RFC 7301 §3.1). */
export function readAlpnSelected(r: Reader): Uint8Array {
  const names = readAlpnList(r);
  if (names.length !== 1) throw decodeError(`server ALPN answer lists ${names.length} protocols, expected one`);
  return names[0]!;
}
