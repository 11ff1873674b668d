// RFC 8446 §4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>
// (signature_algorithms and signature_algorithms_cert share the encoding).
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export function readSignatureSchemes(r: Reader): number[] {
  const list = r.vector(2, 2, 0xfffe, 'supported_signature_algorithms');
  const schemes: number[] = [];
  while (list.remaining > 0) schemes.push(list.u16('signature scheme'));
  return schemes;
}

export function writeSignatureSchemes(w: Writer, schemes: readonly number[]): void {
  w.vector(2, (l) => schemes.forEach((s) => l.u16(s)));
}
