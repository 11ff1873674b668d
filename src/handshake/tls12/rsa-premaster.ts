// RFC 5246 §7.4.7.1: the server's side of RSA key transport, resistant to Bleichenbacher-style
// padding oracles. The RSA private operation runs without padding; the PKCS#1 v1.5 structure and
// the version bytes are checked without data-dependent branches, and any failure silently selects
// a random premaster secret, so a bad block fails later, at Finished, exactly like a wrong key.
import type { CryptoProvider, PrivateKey } from '../../crypto/provider.js';
import { Secret } from '../../crypto/secret.js';

export const PREMASTER_LENGTH = 48;

/** 0xff when a === b, else 0 (a, b are bytes), without branching on the values. */
function eqMask(a: number, b: number): number {
  const x = (a ^ b) & 0xff;
  return ((x - 1) >>> 8) & 0xff;
}

/** 0xff when x === 0, else 0. */
function zeroMask(x: number): number {
  return eqMask(x, 0);
}

/**
 * The premaster secret from an EncryptedPreMasterSecret. Never throws on bad input and takes the
 * same path whether or not the block is well formed: the random fallback is drawn first, always.
 */
export function decryptPreMasterSecret(p: CryptoProvider, key: PrivateKey, encrypted: Uint8Array, clientVersion: number): Secret {
  const fallback = p.randomBytes(PREMASTER_LENGTH);
  const modulusLength = Math.ceil((key.bits ?? 0) / 8);
  let block: Uint8Array;
  let good = 0xff;
  try {
    // The ciphertext length is public (it is on the wire), so refusing a wrong length here leaks nothing.
    block = p.rsaDecryptRaw(key, encrypted);
    if (block.length !== modulusLength) {
      block = new Uint8Array(modulusLength);
      good = 0;
    }
  } catch {
    block = new Uint8Array(Math.max(modulusLength, PREMASTER_LENGTH + 11));
    good = 0;
  }
  const n = block.length;
  // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M (48 bytes) — RFC 8017 §7.2.2.
  good &= zeroMask(block[0]!);
  good &= eqMask(block[1]!, 0x02);
  const separator = n - PREMASTER_LENGTH - 1;
  for (let i = 2; i < separator; i++) good &= ~zeroMask(block[i]!) & 0xff;
  good &= zeroMask(block[separator]!);
  // RFC 5246 §7.4.7.1: the first two bytes of the secret are the version the client offered.
  good &= eqMask(block[separator + 1]!, clientVersion >>> 8);
  good &= eqMask(block[separator + 2]!, clientVersion & 0xff);
  const out = new Uint8Array(PREMASTER_LENGTH);
  const keep = good;
  const replace = ~good & 0xff;
  for (let i = 0; i < PREMASTER_LENGTH; i++) out[i] = (block[separator + 1 + i]! & keep) | (fallback[i]! & replace);
  block.fill(0);
  fallback.fill(0);
  return new Secret(out);
}
