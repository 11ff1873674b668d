// Caller-supplied certificates and CRLs arrive as PEM text or DER bytes, one or many.
import { malformed } from '../asn1/der.js';
import { readPem } from '../asn1/pem.js';

/** The DER of each PEM block with the label, or the input itself when it is DER. */
export function derBlocks(item: string | Uint8Array, label: string): Uint8Array[] {
  if (typeof item !== 'string' && !((item.length > 0 && item[0] === 0x2d) /* '-' */)) return [item];
  const text = typeof item === 'string' ? item : new TextDecoder().decode(item);
  let blocks;
  try {
    blocks = readPem(text);
  } catch (err) {
    throw malformed(label === 'CERTIFICATE' ? 'certificate' : 'CRL', `PEM is not valid: ${(err as Error).message}`);
  }
  return blocks.filter((b) => b.label === label).map((b) => b.der);
}
