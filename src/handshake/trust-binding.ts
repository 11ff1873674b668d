// Which trust a peer was authenticated under, kept in resumable sessions as a digest. Resumption
// takes over the outcome of the original validation without repeating it, so a session may stand
// only for a connection that judges its peer by the same rules: the same verifier, trust anchors
// and revocation lists; on the client, the same reference name and identity check. A connection
// that trusts otherwise, or that requires authentication the session lacks, does a full handshake
// (which then succeeds or fails on its own merits).
import type { CryptoProvider } from '../crypto/provider.js';
import type { ConnectionConfig, PeerVerifier } from './config.js';
import { utf8 } from '../wire/bytes.js';
import { Writer } from '../wire/writer.js';
import { equalBytes } from '../wire/bytes.js';
import { externalPskBinding, type ExternalPsk } from './external-psk.js';
import { sessionAuthenticationHolds, type SessionState } from './session.js';

const LABEL = utf8('tlskit session trust v1');

// A verifier or identity check without a description stands for itself: a random token, the same
// for the same object in this process and unknown to any other, so its sessions resume nowhere else.
const tokens = new WeakMap<object, Uint8Array>();

interface WebCryptoRandom {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

function identityToken(provider: CryptoProvider, value: object): Uint8Array {
  let token = tokens.get(value);
  if (!token) {
    // An exception to "randomness is injected": the token names an object for the life of the
    // process, it is not protocol randomness, and drawing it from the connection's provider would
    // shift the stream of a seeded or recorded provider (replays) depending on what ran before.
    // The platform's CSPRNG (WebCrypto, in every runtime we support) serves; the provider if absent.
    const webCrypto = (globalThis as { crypto?: WebCryptoRandom }).crypto;
    token = webCrypto?.getRandomValues ? webCrypto.getRandomValues(new Uint8Array(16)) : provider.randomBytes(16);
    tokens.set(value, token);
  }
  return token;
}

function writeVerifier(w: Writer, provider: CryptoProvider, verifier: PeerVerifier): void {
  const description = verifier.trustDescription?.();
  if (description) w.u8(1).vectorBytes(3, description);
  else w.u8(2).vectorBytes(1, identityToken(provider, verifier));
}

const digests = new WeakMap<ConnectionConfig, Uint8Array>();

/**
 * The digest of the trust `config` authenticates its peer under. Whether authentication is
 * required (rejectUnauthorized) is not part of it: the session records the outcome (authorized or
 * not), and each connection applies its own requirement to it.
 */
export function trustDigest(config: ConnectionConfig): Uint8Array {
  let digest = digests.get(config);
  if (!digest) {
    const w = new Writer(128);
    w.vectorBytes(1, LABEL);
    // Whose certificate: the server's (checked by a client) or a client's (checked by a server).
    w.u8(config.side === 'client' ? 1 : 2);
    writeVerifier(w, config.provider, config.verifier);
    if (config.side === 'client') {
      // RFC 6125 §6: the reference identity, and the check that replaces ours (checkServerIdentity).
      const name = config.serverName;
      if (name === undefined) w.u8(0);
      else w.u8(1).vectorBytes(2, utf8(name));
      if (config.serverIdentity) w.u8(1).vectorBytes(1, identityToken(config.provider, config.serverIdentity));
      else w.u8(0);
    }
    digest = config.provider.hash('sha256', w.finish());
    digests.set(config, digest);
  }
  return digest;
}

/**
 * The trust a session records for a peer authenticated by `psk` (RFC 8446 §2.2) on a connection
 * with `config`: the certificate trust digest, bound to the PSK's identity and key.
 */
export function externalPskTrustDigest(config: ConnectionConfig, psk: ExternalPsk): Uint8Array {
  return externalPskBinding(config.provider, psk, trustDigest(config));
}

/**
 * Whether `session`'s record of the peer's authentication may stand for a connection with
 * `config`. Client: the server's authentication, under the same trust, and passed when
 * rejectUnauthorized requires it. Server: the same for the client's certificate when it has one
 * (a session without one proved nothing about the client, so it fits wherever no client
 * certificate is required). A session whose peer an external PSK authenticated fits only a
 * connection whose `psk` (the client's, or the server's for the session's identity, asked for
 * afresh) is the same identity with the same key, under the same trust.
 */
export function sessionAuthenticationFits(config: ConnectionConfig, session: SessionState, psk?: ExternalPsk): boolean {
  const now = config.now().getTime();
  // Whether this connection requires its peer to be authenticated (a server: only with requestCert).
  const required = config.side === 'client' ? config.rejectUnauthorized : config.requestCert && config.rejectUnauthorized;
  if (session.pskIdentity !== undefined) {
    if (!psk || !equalBytes(psk.identity, session.pskIdentity)) return false;
    // A server's session from a PSK handshake without requestCert is not authorized: where
    // authentication is required it does not stand in (a full PSK handshake proves the key afresh).
    return sessionAuthenticationHolds(session, externalPskTrustDigest(config, psk), required, now);
  }
  if (config.side === 'client') return sessionAuthenticationHolds(session, trustDigest(config), required, now);
  if (session.peerCertificates.length === 0 && !session.authorized) return !required;
  return sessionAuthenticationHolds(session, trustDigest(config), required, now);
}
