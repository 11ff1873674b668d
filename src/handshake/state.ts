// What a handshake state sees of the connection, and what a state is. States are immutable: each
// handle() returns the next state (STYLE.md "Handshake").
import type { CryptoProvider } from '../crypto/provider.js';
import type { Secret } from '../crypto/secret.js';
import { unexpectedMessage } from '../errors.js';
import type { HandshakeStep } from '../engine/events.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { CipherSuite } from '../protocol/cipher-suites.js';
import { HandshakeType, handshakeTypeName, type HandshakeTypeName } from '../protocol/constants.js';
import type { NamedGroup } from '../protocol/groups.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import type { TlsError } from '../errors.js';
import type { RecordProtection } from '../record/protection.js';
import type { Transcript } from './transcript.js';

export type KeyEpoch = 'early' | 'handshake' | 'application';

/** Public facts about the connection, filled in as the handshake learns them. */
export interface ConnectionInfo {
  version?: 'TLSv1.2' | 'TLSv1.3';
  cipherSuite?: CipherSuite;
  group?: NamedGroup;
  /** The scheme the peer signed with. */
  peerSignatureScheme?: SignatureScheme;
  alpnProtocol?: string;
  /** Client: the name we asked for; server: the SNI the client sent. */
  serverName?: string;
  /** DER, leaf first, as the peer sent them. */
  peerCertificates: readonly Uint8Array[];
  /** Whether the peer's chain validated. */
  authorized: boolean;
  authorizationError?: TlsError;
  resumed: boolean;
  extendedMasterSecret?: boolean;
  clientRandom?: Uint8Array;
}

export interface HandshakeIO {
  readonly provider: CryptoProvider;
  readonly transcript: Transcript;
  readonly info: ConnectionInfo;
  /**
   * Adds the message to the transcript and queues it for sending under the current write keys.
   * Returns the message as it goes on the wire (a test hook may have replaced it).
   */
  send(msg: HandshakeMessage): HandshakeMessage;
  /** A ChangeCipherSpec record (TLS 1.2, or RFC 8446 Appendix D.4 compatibility). */
  sendChangeCipherSpec(): void;
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
}

export interface HandshakeState {
  readonly kind: string;
  handle(msg: HandshakeMessage, io: HandshakeIO): HandshakeState;
  /** TLS 1.2: a ChangeCipherSpec arrived. States without it treat one as unexpected. */
  changeCipherSpec?(io: HandshakeIO): HandshakeState;
}

/** The one source of unexpected_message for handshake messages (STYLE.md "Handshake"). */
export function expect(msg: HandshakeMessage, ...types: HandshakeTypeName[]): void {
  for (const t of types) if (msg.type === HandshakeType[t]) return;
  throw unexpectedMessage(`expected ${types.join(' or ')}, peer sent ${handshakeTypeName(msg.type)}`);
}
