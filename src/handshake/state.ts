// What a handshake state sees of the connection, and what a state is. States are immutable: each
// handle() returns the next state (STYLE.md "Handshake").
import type { CryptoProvider } from '../crypto/provider.js';
import type { Secret } from '../crypto/secret.js';
import { unexpectedMessage } from '../errors.js';
import type { HandshakeStep } from './handshake-step.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { HandshakeType, handshakeTypeName, type HandshakeTypeName } from '../protocol/constants.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import type { TlsError } from '../errors.js';
import type { RecordProtection } from '../record/protection.js';
import type { Transcript } from './transcript.js';
import type { SessionState } from './session.js';
import type { KeyingMaterialExporter } from './exporter.js';
import type { ConnectionInfo, EarlyDataReason } from './connection-info.js';

export type { ConnectionInfo, EarlyDataReason };

export type KeyEpoch = 'early' | 'handshake' | 'application';

/**
 * Server, TLS 1.3: the client's answer to a post-handshake CertificateRequest (RFC 8446 §4.6.2),
 * known only once its CertificateVerify and Finished verified. Until then nothing of it is in
 * ConnectionInfo.
 */
export interface PostHandshakeAuthOutcome {
  /** DER, leaf first, as the client sent them; empty when it sent none. */
  readonly certificates: readonly Uint8Array[];
  /** The chain validated under the connection's trust settings, and the client signed with its key. */
  readonly authorized: boolean;
  /** Why not: the verifier's error, or certificate_required when the client sent no certificate. */
  readonly authorizationError?: TlsError;
  /** DER, leaf first: the path the verifier validated, when it says. */
  readonly verifiedPath?: readonly Uint8Array[];
  /** The scheme of the client's CertificateVerify. */
  readonly signatureScheme?: SignatureScheme;
}

export interface HandshakeIO {
  readonly provider: CryptoProvider;
  readonly transcript: Transcript;
  readonly info: ConnectionInfo;
  /** We sent close_notify: nothing more may be sent (RFC 8446 §6.1). */
  readonly closed: boolean;
  /**
   * Adds the message to the transcript and queues it for sending under the current write keys.
   * Returns the message as it goes on the wire (a test hook may have replaced it).
   */
  send(msg: HandshakeMessage): HandshakeMessage;
  /** A ChangeCipherSpec record (TLS 1.2, or RFC 8446 Appendix D.4 compatibility). */
  sendChangeCipherSpec(): void;
  /** A TLS 1.3 compatibility CCS is due: sent with our next flight, or before a fatal alert if that comes first. */
  oweChangeCipherSpec(): void;
  /** New keys for reading: refused while part of a handshake message is buffered (RFC 8446 §5.1). */
  setReadKeys(protection: RecordProtection, epoch: KeyEpoch): void;
  /** New keys for writing: what was queued so far goes out under the old keys first. */
  setWriteKeys(protection: RecordProtection, epoch: KeyEpoch): void;
  step(step: HandshakeStep): void;
  /** NSS key log line `label client_random secret`, only when key logging is on. */
  keylog(label: string, secret: Secret): void;
  /** The handshake is over: application data may flow. */
  complete(): void;
  /** Largest plaintext per record we may send (peer's record_size_limit). */
  setSendLimit(limit: number): void;
  /** Largest plaintext per record we accept (our record_size_limit, once the peer agreed to it). */
  setReceiveLimit(limit: number): void;
  /** The keying material exporter of this connection (RFC 5705, RFC 8446 §7.5); it owns its secret. */
  setExporter(exporter: KeyingMaterialExporter): void;
  /** A warning alert (TLS 1.2 no_renegotiation); fatal alerts come only from throwing a TlsError. */
  sendWarningAlert(description: number): void;
  /** Client: a session that can be resumed later. */
  newSession(session: SessionState): void;
  /** Client: 0-RTT data may be written, up to this many bytes (undefined: no more). */
  allowEarlyWrites(maxBytes: number | undefined): void;
  /** Server: application data under the early keys is accepted, up to this many bytes (undefined: no more). */
  acceptEarlyData(maxBytes: number | undefined): void;
  /** Server: rejected 0-RTT records are skipped, up to this many bytes. */
  skipEarlyData(maxBytes: number): void;
  /** Server, TLS 1.3: 0-RTT was accepted and our Finished sent: 0.5-RTT data may go out before the client's Finished. */
  allowHalfRttWrites(): void;
  /**
   * Server, TLS 1.3: a post-handshake authentication completed (the client's Finished verified).
   * A certificate it proved replaces the peer's identity in info in one step; none leaves it as it was.
   */
  postHandshakeAuthenticated(outcome: PostHandshakeAuthOutcome): void;
}

export interface HandshakeState {
  readonly kind: string;
  handle(msg: HandshakeMessage, io: HandshakeIO): Next;
  /** TLS 1.2: a ChangeCipherSpec arrived. States without it treat one as unexpected. */
  changeCipherSpec?(io: HandshakeIO): Next;
  /**
   * The connection ended (failed, aborted, closed both ways, disposed): overwrite the secrets this
   * state holds. Best effort (STYLE.md "Crypto and secrets"); states that hold none leave it out.
   */
  wipe?(): void;
}

/** The post-handshake state: what a connected state can do besides handling messages. */
export interface ConnectedState extends HandshakeState {
  readonly connected: true;
  /** TLS 1.3 KeyUpdate (RFC 8446 §4.6.3); TLS 1.2 has none and returns itself. */
  updateKeys(io: HandshakeIO, requestPeerUpdate: boolean): Next;
}

/** Wipes each of these that is there (a Secret or a key-schedule stage). */
export function wipeAll(...items: readonly ({ wipe(): void } | undefined)[]): void {
  for (const item of items) item?.wipe();
}

/**
 * A pause in the handshake while something asynchronous completes (a certificate verifier, a
 * remote signer, an SNI callback). The engine stops reading and hands `start` to its adapter;
 * the adapter reports the result, and `resume` continues the handshake where it stopped. The
 * core itself never awaits: it only carries the function.
 */
export interface AsyncStep {
  readonly kind: 'async-step';
  readonly description: string;
  readonly start: () => Promise<unknown>;
  readonly resume: (result: unknown, io: HandshakeIO) => Next;
  /** The connection ended while waiting: overwrite the secrets the step holds (as HandshakeState.wipe). */
  readonly wipe?: () => void;
}

export type Next = HandshakeState | AsyncStep;

export function isAsyncStep(next: Next): next is AsyncStep {
  return next.kind === 'async-step';
}

/**
 * Runs `then` on a value that may still be coming: at once when it is here, else after an
 * asynchronous step. The one way states deal with hooks that may return a Promise.
 */
export function whenReady<T>(value: T | Promise<T>, description: string, then: (value: T, io: HandshakeIO) => Next, io: HandshakeIO): Next {
  if (!(value instanceof Promise)) return then(value, io);
  return { kind: 'async-step', description, start: () => value, resume: (result, resumedIo) => then(result as T, resumedIo) };
}

/** The one source of unexpected_message for handshake messages (STYLE.md "Handshake"). */
export function expect(msg: HandshakeMessage, ...types: HandshakeTypeName[]): void {
  for (const t of types) if (msg.type === HandshakeType[t]) return;
  unexpected(msg, types.join(' or '));
}

/** A handshake message arrived where `expected` (a message or record type) should have. */
export function unexpected(msg: HandshakeMessage, expected: string): never {
  throw unexpectedMessage(`expected ${expected}, peer sent ${handshakeTypeName(msg.type)}`);
}
