// TLS 1.3 external PSKs (RFC 8446 §2.2, §4.2.11; RFC 9257 guidance): a key both sides were given
// out of band, named by an identity. The handshake authenticates the peer by the PSK (psk_dhe_ke:
// with a fresh (EC)DHE exchange, RFC 8446 §4.2.9); no certificate is sent in either direction.
import type { CryptoProvider, HashName } from '../crypto/provider.js';
import type { Secret } from '../crypto/secret.js';
import { utf8 } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';

/**
 * RFC 8446 §4.2.11: an external PSK is tied to one hash. Keys from node:tls's pskCallback carry
 * none, and OpenSSL (behind node:tls) gives such keys SHA-256, as RFC 8446 §4.2.11 says a PSK
 * without a hash does: TLS_AES_128_GCM_SHA256 or TLS_CHACHA20_POLY1305_SHA256 can then be used.
 */
export const EXTERNAL_PSK_HASH: HashName = 'sha256';

/** RFC 8446 §4.2.11: identity<1..2^16-1>; node:tls (OpenSSL 3) bounds identities and keys tighter. */
export const MAX_PSK_IDENTITY_BYTES = 256;
export const MAX_PSK_BYTES = 512;

/** One external PSK as the handshake uses it. */
export interface ExternalPsk {
  /** The identity as sent (UTF-8 of the option's string). */
  readonly identity: Uint8Array;
  readonly secret: Secret;
  readonly hash: HashName;
}

/** The client's source of its external PSK: called for each new handshake (undefined: none offered). */
export type ClientExternalPsk = () => ExternalPsk | undefined;

/**
 * The server's lookup of an identity a client offered (undefined: unknown, the handshake goes on
 * without it). `owner` is what the connection belongs to (node:tls passes the TLSSocket).
 */
export type ServerExternalPsk = (identity: Uint8Array, owner?: unknown) => ExternalPsk | undefined;

const BINDING_LABEL = utf8('tlskit external psk binding v1');

/**
 * What a session from a PSK-authenticated handshake is bound to, in place of the certificate trust
 * digest alone: a MAC under the PSK over its identity and the connection's trust digest. A session
 * resumes only where the same identity maps to the same key (and the same trust), so replacing or
 * revoking a PSK also ends the sessions it authenticated. The value reveals nothing of the key.
 */
export function externalPskBinding(provider: CryptoProvider, psk: ExternalPsk, trustDigest: Uint8Array): Uint8Array {
  const w = new Writer(64 + psk.identity.length);
  w.vectorBytes(1, BINDING_LABEL).vectorBytes(2, psk.identity).vectorBytes(1, trustDigest);
  return provider.hmac('sha256', psk.secret.expose(), w.finish());
}
