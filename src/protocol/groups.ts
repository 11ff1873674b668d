// Named groups (IANA "TLS Supported Groups"), RFC 8446 §4.2.7.
import type { GroupName } from './algorithms.js';

export interface NamedGroup {
  readonly id: number;
  readonly name: GroupName;
  /** The name OpenSSL and node:tls's `ecdhCurve` use. */
  readonly opensslName: string;
  /** A key encapsulation: the server answers with a ciphertext, not a key pair of its own. */
  readonly kem?: true;
}

export const x25519: NamedGroup = { id: 0x001d, name: 'x25519', opensslName: 'X25519' };
/** RFC 7748 §5 (X448), RFC 8446 §4.2.8.2: 56-byte public values; RFC 8422 §5.1.1 for TLS 1.2. */
export const x448: NamedGroup = { id: 0x001e, name: 'x448', opensslName: 'X448' };
export const secp256r1: NamedGroup = { id: 0x0017, name: 'secp256r1', opensslName: 'P-256' };
export const secp384r1: NamedGroup = { id: 0x0018, name: 'secp384r1', opensslName: 'P-384' };
export const secp521r1: NamedGroup = { id: 0x0019, name: 'secp521r1', opensslName: 'P-521' };
/**
 * draft-ietf-tls-ecdhe-mlkem §3: ML-KEM-768 with X25519. A KEM: the server encapsulates
 * (CryptoProvider.encapsulate) instead of answering with a key pair of its own.
 */
export const X25519MLKEM768: NamedGroup = { id: 0x11ec, name: 'X25519MLKEM768', opensslName: 'X25519MLKEM768', kem: true };

/** Every group an option may name. */
export const ALL_GROUPS: readonly NamedGroup[] = [x25519, x448, secp256r1, secp384r1, secp521r1, X25519MLKEM768];
/**
 * Offered and accepted by default, in preference order: the post-quantum hybrid first, as current
 * browsers do (a client sends shares for it and for x25519), then the classic curves. x448 and
 * secp521r1 come last: OpenSSL's default list (so node:tls's 'auto') has both and Go's has P-521,
 * so a peer restricted to one of them still meets us; they cost more than P-256 and never get an
 * initial key share (a server that wants them asks with a HelloRetryRequest).
 */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [X25519MLKEM768, x25519, secp256r1, secp384r1, x448, secp521r1];

const byId = new Map(ALL_GROUPS.map((g) => [g.id, g]));
export function groupById(id: number): NamedGroup | undefined {
  return byId.get(id);
}
export function groupName(id: number): string {
  return byId.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Looks a group up by any of its names: IANA (secp256r1, x448), OpenSSL (P-256, prime256v1, X25519, X448). */
export function groupByName(name: string): NamedGroup | undefined {
  const n = name.trim().toLowerCase();
  const aliases: Record<string, string> = { prime256v1: 'secp256r1', 'p-256': 'secp256r1', 'p-384': 'secp384r1', 'p-521': 'secp521r1' };
  const canonical = aliases[n] ?? n;
  return ALL_GROUPS.find((g) => g.name.toLowerCase() === canonical);
}
