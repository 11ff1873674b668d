// Resolved configuration of a connection: everything the handshake needs, already parsed and
// checked. Built from user options by ../engine/options.ts; the engine never sees raw option strings.
import type { CryptoProvider, PrivateKey, SignatureAlgorithm } from '../crypto/provider.js';
import type { TlsError } from '../errors.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { CipherSuite } from '../protocol/cipher-suites.js';
import type { NamedGroup } from '../protocol/groups.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import type { SessionState, SessionStore } from './session.js';
import type { TicketKeyring } from './tickets.js';
import type { AntiReplayStore } from './anti-replay.js';
import type { ClientExternalPsk, ServerExternalPsk } from './external-psk.js';

/** A certificate chain and the private key of its leaf. */
export interface CertifiedKey {
  /** DER certificates, leaf first, as sent. */
  readonly chain: readonly Uint8Array[];
  /** The leaf's key: held by the provider, or only described when `sign` is set. */
  readonly key: PrivateKey;
  /** A DER OCSP response for the leaf, stapled when the client asks (RFC 6066 §8, RFC 8446 §4.4.2.1). */
  readonly ocspResponse?: Uint8Array;
  /** A signer held elsewhere (KMS, HSM, another process); the handshake waits for it. */
  readonly sign?: (algorithm: SignatureAlgorithm, message: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

export interface VerificationContext {
  readonly usage: 'server' | 'client';
  /** The name the peer must hold (client side: servername or host). */
  readonly serverName?: string;
  readonly now: Date;
}

export type VerificationOutcome =
  /** `path`: the validated path in DER, leaf first, ending at the trust anchor, when the verifier built one. */
  { readonly ok: true; readonly detail: string; readonly path?: readonly Uint8Array[] } | { readonly ok: false; readonly error: TlsError };

/** Decides whether a peer's certificate chain is trusted (RFC 5280 path validation by default). */
export interface PeerVerifier {
  verify(chain: readonly Uint8Array[], context: VerificationContext): VerificationOutcome | Promise<VerificationOutcome>;
  /**
   * What this verifier trusts, as bytes equal for two verifiers only if they judge every chain
   * alike. A resumed session carries the outcome of a validation, so it is resumed only under an
   * equal description (src/handshake/trust-binding.ts). Without it, the verifier object stands for
   * itself: its sessions resume only under the same object, in the same process.
   */
  trustDescription?(): Uint8Array;
}

export interface Limits {
  /** One bound for every handshake message; absent: per type (defaultHandshakeMessageLimit). */
  readonly maxHandshakeMessage?: number;
  readonly maxChainLength: number;
  readonly maxEmptyRecords: number;
}

export interface CommonConfig {
  readonly provider: CryptoProvider;
  readonly minVersion: 0x0303 | 0x0304;
  readonly maxVersion: 0x0303 | 0x0304;
  /** Enabled suites, our preference first. */
  readonly cipherSuites: readonly CipherSuite[];
  readonly groups: readonly NamedGroup[];
  /** Schemes we accept from the peer and may use ourselves, preference first. */
  readonly signatureSchemes: readonly SignatureScheme[];
  /**
   * Schemes we sign with, preference first, when they differ from those we accept (OpenSSL keeps
   * the two lists apart too); default: signatureSchemes. No user option sets it yet: the BoGo shim
   * does (-signing-prefs beside -verify-prefs).
   */
  readonly signingSchemes?: readonly SignatureScheme[];
  readonly alpnProtocols: readonly Uint8Array[];
  readonly limits: Limits;
  /** The clock for certificate validity and ticket ages. */
  readonly now: () => Date;
  readonly verifier: PeerVerifier;
  readonly rejectUnauthorized: boolean;
  /** Pad each protected TLS 1.3 record to a multiple of this many bytes (RFC 8446 §5.4); 0: no padding. */
  readonly recordPadding: number;
  /** Our record_size_limit (RFC 8449), when set: the largest protected record plaintext we want. */
  readonly recordSizeLimit?: number;
  /**
   * TEST ONLY, never set it elsewhere (and no user option reaches it): replaces each handshake
   * message we send before the transcript and the record layer see it. The RFC 8448 replay tests
   * use it to put a trace's exact ClientHello or EncryptedExtensions on the wire while every key,
   * transcript hash, Finished and record is still computed by our code. It can make us send anything.
   */
  readonly dangerouslyRewriteHandshake?: (msg: HandshakeMessage) => HandshakeMessage;
}

export interface ClientConfig extends CommonConfig {
  readonly side: 'client';
  /** Sent as SNI when it is a DNS name; checked against the certificate either way. */
  readonly serverName?: string;
  /** Groups for which the first ClientHello carries a key share. */
  readonly keyShareGroups: readonly NamedGroup[];
  /** RFC 8446 Appendix D.4: send a session id and ChangeCipherSpec for middleboxes. */
  readonly middleboxCompatibility: boolean;
  /** Offered when the server asks for a certificate. */
  readonly certificates: readonly CertifiedKey[];
  /** A session to resume (from an earlier connection's 'session' event). */
  readonly session?: SessionState;
  /** Send 0-RTT data when the session allows it (RFC 8446 §4.2.10): replayable, so opt-in. */
  readonly earlyData: boolean;
  /** Ask the server to staple an OCSP response (RFC 6066 §8). */
  readonly requestOcsp: boolean;
  /** Replaces the host name check once the chain validated (node:tls's checkServerIdentity). */
  readonly serverIdentity?: ServerIdentityCheck;
  /** TLS 1.3 external PSK to offer (node:tls's pskCallback), asked for at each handshake. */
  readonly externalPsk?: ClientExternalPsk;
}

/**
 * Checks the server's identity instead of the built-in host name check (RFC 6125), after the
 * chain validated: an Error (for example, a pinned key that does not match) fails the handshake
 * with bad_certificate, or only leaves the connection unauthorized with rejectUnauthorized: false.
 */
export type ServerIdentityCheck = (serverName: string, chain: readonly Uint8Array[]) => Error | undefined;
// `chain`: DER, leaf first; the validated path up to the trust anchor when the verifier gives one.

export interface ServerConfig extends CommonConfig {
  readonly side: 'server';
  readonly certificates: readonly CertifiedKey[];
  /** Ask the client for a certificate. */
  readonly requestCert: boolean;
  /** DER names of the CAs we accept client certificates from, sent in CertificateRequest (RFC 8446 §4.2.4). */
  readonly certificateAuthorities?: readonly Uint8Array[];
  /** Chooses the certificates for a requested server name (SNICallback-style); default: all of ours. */
  readonly certificatesFor?: (serverName: string | undefined) => readonly CertifiedKey[] | Promise<readonly CertifiedKey[]>;
  /**
   * Chooses the application protocol from the client's ALPN list instead of alpnProtocols (node's
   * ALPNCallback): one of `offered`, or undefined to refuse with no_application_protocol.
   */
  readonly alpnCallback?: (serverName: string | undefined, offered: readonly string[]) => string | undefined;
  /** TLS 1.2 sessions by id; undefined disables session-id resumption. */
  readonly sessionStore?: SessionStore;
  /**
   * Seals and opens session tickets; undefined disables tickets. Only these two methods are used,
   * so any object with them will do (the RFC 8448 tests open a recorded ticket with one).
   */
  readonly ticketKeyring?: Pick<TicketKeyring, 'seal' | 'open'>;
  /** Seconds a session may be resumed for. */
  readonly sessionTimeout: number;
  /** TLS 1.3 tickets sent after each full handshake. */
  readonly ticketCount: number;
  /** 0-RTT bytes accepted per connection; 0 disables early data (RFC 8446 §4.2.10). */
  readonly maxEarlyData: number;
  /** Remembers tickets used for 0-RTT, so that each opens early data once (RFC 8446 §8.1); shared by the servers holding the same ticket keys. */
  readonly earlyDataReplay: AntiReplayStore;
  /** TLS 1.3 external PSKs by identity (node:tls's pskCallback). */
  readonly externalPsk?: ServerExternalPsk;
}

export type ConnectionConfig = ClientConfig | ServerConfig;
