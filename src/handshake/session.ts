// Resumable session state (RFC 5246 §7.4.1.2 / RFC 5077 for TLS 1.2, RFC 8446 §4.6.1 for
// TLS 1.3), and its serialisation: inside server tickets, in the server's session cache, and in
// the opaque session blob a client gets from the 'session' event and hands back to resume.
import { decodeError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { ascii, utf8 } from '../wire/bytes.js';

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
  readonly serverName?: string;
  readonly alpnProtocol?: string;
  /** The peer's certificates (DER, leaf first) as authenticated in the original handshake. */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether the peer's chain validated in the original handshake. */
  readonly authorized: boolean;
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
const Tag = { serverName: 1, alpn: 2, sessionId: 3, ticket: 4, ageAdd: 5, maxEarlyData: 6, certificate: 7 } as const;

export function encodeSession(s: SessionState): Uint8Array {
  const w = new Writer(256 + s.secret.length + (s.ticket?.length ?? 0));
  w.u8(FORMAT_VERSION).u16(s.version).u16(s.cipherSuite).vectorBytes(1, s.secret.expose());
  w.u8((s.extendedMasterSecret ? 1 : 0) | (s.authorized ? 2 : 0));
  w.u32(Math.floor(s.issuedAt / 0x100000000)).u32(s.issuedAt >>> 0).u32(s.lifetime);
  if (s.serverName !== undefined) w.u8(Tag.serverName).vectorBytes(2, utf8(s.serverName));
  if (s.alpnProtocol !== undefined) w.u8(Tag.alpn).vectorBytes(2, utf8(s.alpnProtocol));
  if (s.sessionId !== undefined) w.u8(Tag.sessionId).vectorBytes(2, s.sessionId);
  if (s.ticket !== undefined) w.u8(Tag.ticket).vectorBytes(2, s.ticket);
  if (s.ageAdd !== undefined) w.u8(Tag.ageAdd).vectorBytes(2, new Uint8Array([s.ageAdd >>> 24, s.ageAdd >>> 16, s.ageAdd >>> 8, s.ageAdd]));
  if (s.maxEarlyData !== undefined) w.u8(Tag.maxEarlyData).vectorBytes(2, new Uint8Array([s.maxEarlyData >>> 24, s.maxEarlyData >>> 16, s.maxEarlyData >>> 8, s.maxEarlyData]));
  for (const c of s.peerCertificates) w.u8(Tag.certificate).vector(2, (v) => v.vectorBytes(3, c));
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
  while (r.remaining > 0) {
    const tag = r.u8('field tag');
    const value = r.vector(2, 0, 0xffff, 'field');
    switch (tag) {
      case Tag.serverName: fields.serverName = ascii(value.rest()); break;
      case Tag.alpn: fields.alpnProtocol = ascii(value.rest()); break;
      case Tag.sessionId: fields.sessionId = value.rest().slice(); break;
      case Tag.ticket: fields.ticket = value.rest().slice(); break;
      case Tag.ageAdd: fields.ageAdd = value.u32('age add'); break;
      case Tag.maxEarlyData: fields.maxEarlyData = value.u32('max early data'); break;
      case Tag.certificate: certs.push(value.vectorBytes(3, 1, 0xffffff, 'certificate').slice()); break;
      default: value.rest(); break; // a field from a newer release: skip it
    }
    value.done();
  }
  return {
    ...fields, version, cipherSuite, secret, extendedMasterSecret: (flags & 1) !== 0, authorized: (flags & 2) !== 0,
    issuedAt, lifetime, peerCertificates: certs,
  };
}

/** Whether a session may still be resumed at `now` (ms). */
export function sessionIsFresh(s: SessionState, now: number): boolean {
  return now >= s.issuedAt - 60_000 && now < s.issuedAt + s.lifetime * 1000;
}

/** Where a server keeps TLS 1.2 sessions by id (RFC 5246 §7.4.1.2). Pluggable; in-memory by default. */
export interface SessionStore {
  get(id: Uint8Array): Uint8Array | undefined;
  set(id: Uint8Array, session: Uint8Array): void;
  delete(id: Uint8Array): void;
}

/** A bounded in-memory store: the oldest entry goes when full. */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Uint8Array>();
  constructor(private readonly capacity = 10_000) {}

  private key(id: Uint8Array): string {
    return ascii(id);
  }

  get(id: Uint8Array): Uint8Array | undefined {
    return this.entries.get(this.key(id));
  }

  set(id: Uint8Array, session: Uint8Array): void {
    const key = this.key(id);
    this.entries.delete(key);
    this.entries.set(key, session);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(id: Uint8Array): void {
    this.entries.delete(this.key(id));
  }

  get size(): number {
    return this.entries.size;
  }
}
