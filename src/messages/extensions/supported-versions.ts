// RFC 8446 §4.2.1: supported_versions. ClientHello: ProtocolVersion versions<2..254>;
// ServerHello and HelloRetryRequest: the one selected_version.
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readSupportedVersionsClient(r: Reader): number[] {
  const list = r.vector(1, 2, 254, 'supported_versions');
  const versions: number[] = [];
  while (list.remaining > 0) versions.push(list.u16('version'));
  return versions;
}

export function writeSupportedVersionsClient(w: Writer, versions: readonly number[]): void {
  w.vector(1, (l) => versions.forEach((v) => l.u16(v)));
}

export function readSupportedVersionsServer(r: Reader): number {
  return r.u16('selected_version');
}

export function writeSupportedVersionsServer(w: Writer, version: number): void {
  w.u16(version);
}
