// Resumable session state (RFC 5246 §7.4.1.2 / RFC 5077 for TLS 1.2, RFC 8446 §4.6.1 for
// TLS 1.3), and its serialisation: inside server tickets, in the server's session cache, and in
// the opaque session blob a client gets from the 'session' event and hands back to resume.
import { TlsError, decodeError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import { alertName } from '../protocol/alerts.js';
import { DEFAULT_SESSION_CACHE_BYTES, DEFAULT_SESSION_CACHE_ENTRIES, MAX_AUTHENTICATION_AGE_MS, MAX_SESSION_STATE_BYTES } from '../protocol/limits.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { ascii, equalBytes, fromUtf8, utf8 } from '../wire/bytes.js';
import { parseCertificate } from '../x509/certificate.js';
import type { ConnectionInfo } from './connection-info.js';

export interface SessionState {
  readonly version: 0x0303 | 0x0304;
  readonly cipherSuite: number;
  /** TLS 1.2: the master secret. TLS 1.3: the PSK this ticket stands for. */
  readonly secret: Secret;
  /** TLS 1.2: whether the session used the extended master secret (RFC 7627). */
  readonly extendedMasterSecret: boolean;
  /** Milliseconds since the epoch when the session (or ticket) was issued. */
  readonly issuedAt: number;
  /** Seconds the session may be resumed for. */
  readonly lifetime: number;
  /**
   * Milliseconds since the epoch when the peer's authentication this session carries was made: the
   * original full handshake's, kept by every session renewed from it (MAX_AUTHENTICATION_AGE_MS).
   * Sessions written before it existed have none, and are never resumed: their `issuedAt` may
   * itself be a renewal's, so it says nothing of how old the authentication is.
   */
  readonly authenticatedAt?: number;
  readonly serverName?: string;
  readonly alpnProtocol?: string;
  /**
   * The peer's certificates (DER, leaf first) from the original handshake: those of the validated
   * path when the chain validated, only the leaf when it did not (see `peerForSession`).
   */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether the peer's chain validated in the original handshake. */
  readonly authorized: boolean;
  /** Why it did not validate (the original handshake's authorizationError), when it did not. */
  readonly authorizationError?: TlsError;
  /**
   * The trust the peer was authenticated under (`trustDigest` in ./trust-binding.ts): the outcome
   * above stands only for a connection with the same digest. Sessions written before it existed
   * have none, and are never resumed.
   */
  readonly trustDigest?: Uint8Array;
  /**
   * The identity of the external PSK that authenticated the peer (RFC 8446 §2.2), when one did: the
   * session then stands only where that identity still maps to the same key (`trustDigest` is then
   * externalPskBinding's, see ./trust-binding.ts), and carries no certificate.
   */
  readonly pskIdentity?: Uint8Array;
  // Client side only.
  /** TLS 1.2: the session id to offer; TLS 1.3: unused. */
  readonly sessionId?: Uint8Array;
  /** The ticket to offer (TLS 1.2 RFC 5077, or the TLS 1.3 PSK identity). */
  readonly ticket?: Uint8Array;
  /** TLS 1.3: obfuscation added to the ticket age (RFC 8446 §4.2.11.1). */
  readonly ageAdd?: number;
  /** TLS 1.3: early data the server accepts on this ticket (0 when none). */
  readonly maxEarlyData?: number;
}

const FORMAT_VERSION = 1;

// Field tags of the serialised form: a version byte, then tagged optional fields, so that
// sessions written by one release can be read (or cleanly refused) by another.
const Tag = {
  serverName: 1,
  alpn: 2,
  sessionId: 3,
  ticket: 4,
  ageAdd: 5,
  maxEarlyData: 6,
  certificate: 7,
  trustDigest: 8,
  authorizationError: 9,
  authenticatedAt: 10,
  pskIdentity: 11,
  authorizationCode: 12,
} as const;

export function encodeSession(s: SessionState): Uint8Array {
  const w = new Writer(256 + s.secret.length + (s.ticket?.length ?? 0));
  w.u8(FORMAT_VERSION).u16(s.version).u16(s.cipherSuite).vectorBytes(1, s.secret.expose());
  w.u8((s.extendedMasterSecret ? 1 : 0) | (s.authorized ? 2 : 0));
  w.u32(Math.floor(s.issuedAt / 0x100000000))
    .u32(s.issuedAt >>> 0)
    .u32(s.lifetime);
  if (s.serverName !== undefined) w.u8(Tag.serverName).vectorBytes(2, utf8(s.serverName));
  if (s.alpnProtocol !== undefined) w.u8(Tag.alpn).vectorBytes(2, utf8(s.alpnProtocol));
  if (s.sessionId !== undefined) w.u8(Tag.sessionId).vectorBytes(2, s.sessionId);
  if (s.ticket !== undefined) w.u8(Tag.ticket).vectorBytes(2, s.ticket);
  if (s.ageAdd !== undefined) w.u8(Tag.ageAdd).vectorBytes(2, new Uint8Array([s.ageAdd >>> 24, s.ageAdd >>> 16, s.ageAdd >>> 8, s.ageAdd]));
  if (s.maxEarlyData !== undefined)
    w.u8(Tag.maxEarlyData).vectorBytes(2, new Uint8Array([s.maxEarlyData >>> 24, s.maxEarlyData >>> 16, s.maxEarlyData >>> 8, s.maxEarlyData]));
  for (const c of s.peerCertificates) w.u8(Tag.certificate).vector(2, (v) => v.vectorBytes(3, c));
  if (s.trustDigest !== undefined) w.u8(Tag.trustDigest).vectorBytes(2, s.trustDigest);
  if (s.pskIdentity !== undefined) w.u8(Tag.pskIdentity).vectorBytes(2, s.pskIdentity);
  if (s.authenticatedAt !== undefined) {
    w.u8(Tag.authenticatedAt).vector(2, (v) => v.u32(Math.floor(s.authenticatedAt! / 0x100000000)).u32(s.authenticatedAt! >>> 0));
  }
  if (s.authorizationError !== undefined) {
    const { alertCode, message } = s.authorizationError;
    w.u8(Tag.authorizationError).vector(2, (v) => v.u8(alertCode).bytes(utf8(message.slice(0, 1024))));
    // Its node:tls code (TlsError.code), which the alert alone does not give back.
    w.u8(Tag.authorizationCode).vectorBytes(2, utf8(s.authorizationError.code.slice(0, 128)));
  }
  return w.finish();
}

/** Reads a serialised session; throws TlsError('decode_error') on anything malformed. */
export function decodeSession(bytes: Uint8Array): SessionState {
  const r = new Reader(bytes, 0, bytes.length, 'session');
  if (r.u8('format') !== FORMAT_VERSION) throw decodeError('session: unknown format version');
  const version = r.u16('version');
  if (version !== 0x0303 && version !== 0x0304) throw decodeError('session: unknown protocol version');
  const cipherSuite = r.u16('cipher suite');
  const secret = new Secret(r.vectorBytes(1, 1, 255, 'secret').slice());
  const flags = r.u8('flags');
  const issuedAt = r.u32('issued at') * 0x100000000 + r.u32('issued at');
  const lifetime = r.u32('lifetime');
  const certs: Uint8Array[] = [];
  const fields: { -readonly [K in keyof SessionState]?: SessionState[K] } = {};
  let authorizationCode: string | undefined;
  while (r.remaining > 0) {
    const tag = r.u8('field tag');
    const value = r.vector(2, 0, 0xffff, 'field');
    switch (tag) {
      case Tag.serverName:
        fields.serverName = ascii(value.rest());
        break;
      case Tag.alpn:
        fields.alpnProtocol = ascii(value.rest());
        break;
      case Tag.sessionId:
        fields.sessionId = value.rest().slice();
        break;
      case Tag.ticket:
        fields.ticket = value.rest().slice();
        break;
      case Tag.ageAdd:
        fields.ageAdd = value.u32('age add');
        break;
      case Tag.maxEarlyData:
        fields.maxEarlyData = value.u32('max early data');
        break;
      case Tag.certificate:
        certs.push(value.vectorBytes(3, 1, 0xffffff, 'certificate').slice());
        break;
      case Tag.trustDigest:
        fields.trustDigest = value.rest().slice();
        break;
      case Tag.pskIdentity: {
        const identity = value.rest().slice();
        readText(identity, 'PSK identity'); // as pskCallback knows identities: text
        fields.pskIdentity = identity;
        break;
      }
      case Tag.authenticatedAt:
        fields.authenticatedAt = value.u32('authenticated at') * 0x100000000 + value.u32('authenticated at');
        break;
      case Tag.authorizationCode:
        authorizationCode = readText(value.rest(), 'authorization code');
        break;
      case Tag.authorizationError: {
        const alert = alertName(value.u8('alert'));
        fields.authorizationError = new TlsError(alert, readText(value.rest(), 'authorization error'));
        break;
      }
      default:
        value.rest();
        break; // a field from a newer release: skip it
    }
    value.done();
  }
  if (fields.authorizationError && authorizationCode !== undefined) {
    const { alert, message } = fields.authorizationError;
    fields.authorizationError = new TlsError(alert, message, { code: authorizationCode });
  }
  return {
    ...fields,
    version,
    cipherSuite,
    secret,
    extendedMasterSecret: (flags & 1) !== 0,
    authorized: (flags & 2) !== 0,
    issuedAt,
    lifetime,
    peerCertificates: certs,
  };
}

function readText(bytes: Uint8Array, what: string): string {
  try {
    return fromUtf8(bytes);
  } catch {
    throw decodeError(`session: ${what} is not UTF-8`);
  }
}

/**
 * How far the clocks of the servers sharing sessions (ticket keys, a session store) may differ: a
 * session issued by a server whose clock runs ahead is still taken that much "before" its issue,
 * and one whose clock runs behind takes it that much after its end of life by another's clock.
 */
export const SESSION_CLOCK_SKEW_MS = 60_000;

/**
 * Whether a session may still be resumed at `now` (ms): within its own lifetime, and with the
 * peer's authentication it carries no older than MAX_AUTHENTICATION_AGE_MS (a session without that
 * time, from an older release, is not).
 */
export function sessionIsFresh(s: SessionState, now: number): boolean {
  return now >= s.issuedAt - SESSION_CLOCK_SKEW_MS && now < s.issuedAt + s.lifetime * 1000 && authenticationIsFresh(s, now);
}

function authenticationIsFresh(s: SessionState, now: number): boolean {
  const at = s.authenticatedAt;
  return at !== undefined && now >= at - SESSION_CLOCK_SKEW_MS && now < at + MAX_AUTHENTICATION_AGE_MS;
}

/**
 * Seconds a session renewed at `now` from an authentication made at `authenticatedAt` may live, at
 * most `lifetime`: never past the end of the authentication's reliance (MAX_AUTHENTICATION_AGE_MS).
 */
export function renewedLifetime(lifetime: number, authenticatedAt: number, now: number): number {
  return Math.max(0, Math.min(lifetime, Math.floor((authenticatedAt + MAX_AUTHENTICATION_AGE_MS - now) / 1000)));
}

/** What a session records of the peer's authentication. */
export type SessionPeer = Pick<SessionState, 'peerCertificates' | 'authorized' | 'authorizationError' | 'trustDigest' | 'pskIdentity'> & {
  readonly authenticatedAt: number;
};

/**
 * The peer's authentication as a new session records it, from the handshake that authenticated it
 * under `trustDigest`. Only what resumption needs is kept: a chain that validated keeps the
 * certificates of the validated path (not extras the peer added); a chain that did not validate
 * keeps its leaf alone (so getPeerCertificate() on a resumed connection still says who the peer
 * claimed to be), never the rest the peer sent. The authentication time is the connection's
 * (`info.authenticatedAt`: a resumed connection's is its session's), or `now` for a full handshake
 * still under way.
 */
export function peerForSession(info: ConnectionInfo, trustDigest: Uint8Array, now: number): SessionPeer {
  const sent = info.peerCertificates;
  const authenticatedAt = info.authenticatedAt ?? now;
  if (!info.authorized) {
    return {
      peerCertificates: sent.slice(0, 1),
      authorized: false,
      trustDigest,
      authenticatedAt,
      ...(info.authorizationError ? { authorizationError: info.authorizationError } : {}),
    };
  }
  const path = info.verifiedPath;
  // Without a path, the verifier (a custom one) vouched for the chain as sent. Either way each
  // certificate is kept once: a peer that repeats one (legitimately, if oddly: BoGo LargeMessage
  // sends its leaf 51 times) must not make the session too large to keep.
  const peerCertificates: Uint8Array[] = [];
  for (const c of sent) {
    if (path && !path.some((p) => equalBytes(p, c))) continue;
    if (!peerCertificates.some((k) => equalBytes(k, c))) peerCertificates.push(c);
  }
  return { peerCertificates, authorized: true, trustDigest, authenticatedAt };
}

/** A certificate's notAfter (ms); one we cannot read counts as expired. */
function notAfter(der: Uint8Array): number {
  try {
    return parseCertificate(der).notAfter.getTime();
  } catch {
    return -Infinity;
  }
}

/** The handshake info a resumed connection takes from its session: what the original one proved. */
export function resumeAuthentication(info: ConnectionInfo, session: SessionState): void {
  info.resumed = true;
  info.peerCertificates = session.peerCertificates;
  info.authorized = session.authorized;
  if (session.authorizationError) info.authorizationError = session.authorizationError;
  if (session.authenticatedAt !== undefined) info.authenticatedAt = session.authenticatedAt;
  if (session.pskIdentity !== undefined) info.pskIdentity = readText(session.pskIdentity, 'PSK identity');
}

/**
 * Whether a session's record of the peer's authentication holds for a connection that trusts
 * `trustDigest` (./trust-binding.ts) and requires an authenticated peer or not: it must come from
 * the same trust, have passed when the connection requires it, and, having passed, its
 * certificates must still be within their validity at `now`, as a full handshake would demand.
 */
export function sessionAuthenticationHolds(session: SessionState, trustDigest: Uint8Array, requireAuthorized: boolean, now: number): boolean {
  if (!session.trustDigest || !equalBytes(session.trustDigest, trustDigest)) return false;
  if (!session.authorized) return !requireAuthorized;
  return session.peerCertificates.every((c) => now < notAfter(c));
}

/**
 * A serialised session, if it is small enough to keep (MAX_SESSION_STATE_BYTES, not counting a
 * client's ticket, which is the server's to size); else undefined.
 */
export function encodeSessionWithinLimit(s: SessionState): Uint8Array | undefined {
  // Checked before encoding: a certificate too large for the format must not reach the writer.
  const certificates = s.peerCertificates.reduce((n, c) => n + c.length, 0);
  if (certificates > MAX_SESSION_STATE_BYTES) return undefined;
  const bytes = encodeSession(s);
  return bytes.length - (s.ticket?.length ?? 0) <= MAX_SESSION_STATE_BYTES ? bytes : undefined;
}

/** Where a server keeps TLS 1.2 sessions by id (RFC 5246 §7.4.1.2). Pluggable; in-memory by default. */
export interface SessionStore {
  /**
   * The session stored under `id`, unless it expired by `now` (ms since the epoch). A Promise
   * pauses the handshake until it settles (a remote cache, node's 'resumeSession' event). What it
   * gives is decoded strictly and resumed only if it fits the connection (version, suite, name,
   * trust): anything else means a full handshake.
   */
  get(id: Uint8Array, now: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Keeps a session until `expiresAt` (ms since the epoch: `sessionTimeout` after `now`). */
  set(id: Uint8Array, session: Uint8Array, now: number, expiresAt: number): void;
  delete(id: Uint8Array): void;
}

export interface MemorySessionStoreOptions {
  /** Most sessions kept (default DEFAULT_SESSION_CACHE_ENTRIES). */
  readonly maxEntries?: number;
  /** Most bytes of sessions (and their ids) kept (default DEFAULT_SESSION_CACHE_BYTES). */
  readonly maxBytes?: number;
}

interface StoredSession {
  readonly bytes: Uint8Array;
  readonly expiresAt: number;
  readonly size: number;
}

/**
 * A bounded in-memory store: bounded in entries and in bytes (the oldest entries go first), and
 * each entry expires at the time it was given. It reads no clock: the server passes `now`.
 */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, StoredSession>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_SESSION_CACHE_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_SESSION_CACHE_BYTES;
    if (!(this.maxEntries >= 0) || !(this.maxBytes >= 0)) throw new RangeError('MemorySessionStore: maxEntries and maxBytes must be non-negative');
  }

  private key(id: Uint8Array): string {
    return ascii(id);
  }

  get(id: Uint8Array, now: number): Uint8Array | undefined {
    const key = this.key(id);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.bytes;
  }

  set(id: Uint8Array, session: Uint8Array, now: number, expiresAt: number): void {
    const key = this.key(id);
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    const size = session.length + id.length;
    if (expiresAt <= now || size > this.maxBytes || this.maxEntries === 0) return;
    this.dropExpired(now);
    this.entries.set(key, { bytes: session, expiresAt, size });
    this.bytes += size;
    // Oldest first, until both bounds hold again.
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(k, e);
    }
  }

  delete(id: Uint8Array): void {
    const key = this.key(id);
    const entry = this.entries.get(key);
    if (entry) this.remove(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held: sessions and their ids. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Expired entries from the oldest on (entries mostly expire in the order they came). */
  private dropExpired(now: number): void {
    for (const [k, e] of this.entries) {
      if (now < e.expiresAt) break;
      this.remove(k, e);
    }
  }

  private remove(key: string, entry: StoredSession): void {
    this.entries.delete(key);
    this.bytes -= entry.size;
  }
}
