// What the engine tells its adapter and observers. Events carry public facts only (STYLE.md
// "Diagnostics"): no key material, except through the opt-in keylog hook.
import type { TlsError } from '../errors.js';
import type { HandshakeStep } from '../handshake/handshake-step.js';
import type { PostHandshakeAuthOutcome } from '../handshake/state.js';

export type { HandshakeStep, PostHandshakeAuthOutcome };

export type TlsEvent =
  | { readonly kind: 'handshake-message'; readonly direction: 'sent' | 'received'; readonly type: number; readonly length: number; readonly raw: Uint8Array }
  | ({ readonly kind: 'step' } & HandshakeStep)
  | { readonly kind: 'alert'; readonly direction: 'sent' | 'received'; readonly level: number; readonly description: number };

export interface ConnectionHandlers {
  /**
   * Decrypted application data, in order. The chunk is the caller's to keep. `early`: it came as
   * TLS 1.3 0-RTT data (server), which an attacker can replay (RFC 8446 §8); early chunks all come
   * before any 1-RTT chunk.
   */
  data?(chunk: Uint8Array, early: boolean): void;
  /** The handshake finished: getInfo() now has the full picture. */
  handshakeComplete?(): void;
  /** The peer sent close_notify: no more data will arrive. */
  peerClosed?(): void;
  /** The connection failed for good; an alert was sent (origin 'local') or received (origin 'peer'). */
  error?(err: TlsError): void;
  /**
   * Server, TLS 1.3: the client answered requestClientCertificate() and its CertificateVerify and
   * Finished verified (RFC 8446 §4.6.2); getInfo() was updated just before, data delivered earlier
   * came from the identity before it. A failed answer ends the connection through `error` instead.
   */
  postHandshakeAuth?(outcome: PostHandshakeAuthOutcome): void;
  /** A session the client may resume later (serialised, holds secrets: store it like a key). */
  session?(session: Uint8Array): void;
  /** Diagnostics for traces. */
  event?(event: TlsEvent): void;
  /** A line in the NSS key log format (opt-in: only called when set, and keylogEnabled() says so). */
  keylog?(line: string): void;
  /** Checked before each key log line is formatted; absent means yes whenever keylog is set. */
  keylogEnabled?(): boolean;
}
