// What the handshake learns about the connection, as the engine and adapters report it.
import type { CipherSuite } from '../protocol/cipher-suites.js';
import type { NamedGroup } from '../protocol/groups.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import type { TlsError } from '../errors.js';

/**
 * Why 0-RTT data was or was not accepted (RFC 8446 §4.2.10), for diagnostics; the names follow
 * BoringSSL's where it has one. 'disabled': this side does not do 0-RTT (client: earlyData off;
 * server: maxEarlyData 0). 'protocol_version': TLS 1.3 is not in play. 'no_session_offered': the
 * client had (client) or offered (server) no ticket to resume. 'unsupported_for_session': the ticket
 * does not allow early data. 'alpn_mismatch': the ALPN protocol differs from the ticket's.
 * 'hello_retry_request': a HelloRetryRequest rejects it. 'session_not_resumed': the server did not
 * resume the ticket. 'peer_declined': the client did not send early data (server), or the server did
 * not take it (client). Server only: 'cipher_mismatch' (another suite than the ticket's),
 * 'ticket_age_skew' (the client's idea of the ticket's age is off), 'replay' (the ticket was
 * already used for 0-RTT, or the anti-replay store refused).
 */
export type EarlyDataReason =
  | 'accepted'
  | 'disabled'
  | 'protocol_version'
  | 'no_session_offered'
  | 'unsupported_for_session'
  | 'alpn_mismatch'
  | 'hello_retry_request'
  | 'session_not_resumed'
  | 'peer_declined'
  | 'cipher_mismatch'
  | 'ticket_age_skew'
  | 'replay';

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
  /** DER, leaf first: the certificates we sent (none sent: undefined). */
  localCertificates?: readonly Uint8Array[];
  /** DER, leaf first: the path the verifier validated, ending at the trust anchor (when it says). */
  verifiedPath?: readonly Uint8Array[];
  /** Client: the OCSP response the server stapled (DER), if any. */
  ocspResponse?: Uint8Array;
  /**
   * Whether the peer's chain validated; after a handshake authenticated by an external PSK, whether
   * that proof counts (client: always; server: when it asked for client authentication, as node:tls).
   */
  authorized: boolean;
  /** TLS 1.3: the identity of the external PSK that authenticated the peer (RFC 8446 §2.2), in this handshake or the session it resumed. */
  pskIdentity?: string;
  authorizationError?: TlsError;
  /**
   * Milliseconds since the epoch when the peer's authentication this connection relies on was made:
   * when the handshake completed, or for a resumed connection its original full handshake's.
   */
  authenticatedAt?: number;
  resumed: boolean;
  /** TLS 1.3 0-RTT: whether early data was offered (client) or received (server), and the server's answer. */
  earlyData?: 'offered' | 'accepted' | 'rejected';
  /** Why 0-RTT was accepted or not, once known (see EarlyDataReason). */
  earlyDataReason?: EarlyDataReason;
  extendedMasterSecret?: boolean;
  clientRandom?: Uint8Array;
}
