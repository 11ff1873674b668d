// The load test's little protocol: a client sends a 12-byte header (how many bytes it will send, how
// many it wants back, a seed), then its bytes, then half-closes; the server sends the bytes asked
// for while reading, and once it has read everything and the client's end, one verdict byte
// ('K': every byte as expected, 'X': not) and ends. Both sides generate and check the same pattern.

export const HEADER_LENGTH = 12;

/** The byte at `index` of the pattern for `seed` (cheap, and different for every seed and position). */
export function patternByte(seed: number, index: number): number {
  let x = (Math.imul(index + 1, 0x9e3779b1) ^ seed) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) & 0xff;
}

export function pattern(seed: number, from: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = patternByte(seed, from + i);
  return out;
}

/** Checks a chunk against the pattern from position `from`; returns whether every byte matched. */
export function matches(seed: number, from: number, chunk: Uint8Array): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== patternByte(seed, from + i)) return false;
  return true;
}

export function header(toServer: number, toClient: number, seed: number): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH);
  h.writeUInt32BE(toServer, 0);
  h.writeUInt32BE(toClient, 4);
  h.writeUInt32BE(seed >>> 0, 8);
  return h;
}
