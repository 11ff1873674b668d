// Every size and work limit the engine enforces, with why. Defaults are safe; most are options.
import { HandshakeType } from './constants.js';

// RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14.
export const MAX_PLAINTEXT = 16384;
// RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256.
export const MAX_CIPHERTEXT_13 = 16384 + 256;
// RFC 8446 §5.4: a TLS 1.3 TLSInnerPlaintext (content, type byte and padding) is at most 2^14 + 1 bytes.
export const MAX_INNER_PLAINTEXT_13 = 16384 + 1;
// RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048.
export const MAX_CIPHERTEXT_12 = 16384 + 2048;
export const RECORD_HEADER_LENGTH = 5;

/**
 * Largest handshake message we accept by default, but for the two below. RFC 8446 §4 allows
 * 2^24-1; no other message has a legitimate reason to come close (a ServerHello or
 * EncryptedExtensions is a few hundred bytes, a NewSessionTicket a few KiB).
 */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 64 * 1024;

/**
 * The largest ClientHello that can be encoded at all (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): every
 * field at its maximum, i.e. version 2 + random 32 + session id 1+32 + cipher suites 2+(2^16-2) +
 * compression methods 1+(2^8-1) + extensions 2+(2^16-1). A longer one is malformed whatever it
 * holds, so a server that waits for this many bytes accepts every well-formed ClientHello (32,000
 * signature algorithms, post-quantum key shares, padding, many extensions) and still holds at most
 * ~128 KiB for one. OpenSSL's server uses the same sum (CLIENT_HELLO_MAX_LENGTH); BoringSSL's
 * stops at 16 KiB unless it asks for client certificates (then its max_cert_list, 100 KiB).
 */
export const MAX_CLIENT_HELLO = 2 + 32 + (1 + 32) + (2 + 0xfffe) + (1 + 0xff) + (2 + 0xffff);

/**
 * Largest Certificate or CertificateRequest message by default: the whole chain (or the list of
 * acceptable CAs) is one message. 100 KiB, the default max_cert_list of OpenSSL and BoringSSL, so
 * any chain those stacks accept, and so real servers serve, is accepted here too; each
 * certificate in it is further bounded by the X.509 reader (MAX_CERTIFICATE_BYTES).
 */
export const DEFAULT_MAX_CERTIFICATE_MESSAGE = 100 * 1024;

/**
 * The largest message of each type one side waits for, by default (the three bounds above): a
 * ClientHello only on a server, a CertificateRequest only on a client. Anything longer is refused
 * from its header, before its body is buffered.
 */
export function defaultHandshakeMessageLimit(side: 'client' | 'server'): (type: number) => number {
  return (type) => {
    if (type === HandshakeType.client_hello && side === 'server') return MAX_CLIENT_HELLO;
    if (type === HandshakeType.certificate || (type === HandshakeType.certificate_request && side === 'client')) return DEFAULT_MAX_CERTIFICATE_MESSAGE;
    return DEFAULT_MAX_HANDSHAKE_MESSAGE;
  };
}

/** Consecutive records carrying no progress (empty fragments, CCS, warning alerts) before we give up. */
export const DEFAULT_MAX_EMPTY_RECORDS = 32;

/**
 * HelloRequests a TLS 1.2 client ignores during one handshake (RFC 5246 §7.4.1.1). A server has no
 * reason to send more than one: an endless stream would keep the handshake busy for nothing.
 */
export const MAX_IGNORED_HELLO_REQUESTS = 4;

/**
 * Certificates in a chain the peer may send (leaf included). A tolerance, not a policy: OpenSSL and
 * BoringSSL count no certificates in a Certificate message (only its bytes, max_cert_list) and verify
 * paths up to 100 deep, so a chain they accept must not be refused here for its count; servers that
 * send extra cross-signs or a repeated certificate are still legitimate. 100, their verification
 * depth. Memory is bounded by the message size (100 KiB), path building by its own work bounds.
 */
export const DEFAULT_MAX_CHAIN_LENGTH = 100;

/** Plaintext the engine buffers for application writes issued before the handshake completes. */
export const DEFAULT_MAX_EARLY_WRITE_BUFFER = 1024 * 1024;

/**
 * Post-handshake messages (KeyUpdate, NewSessionTicket) accepted between two application data
 * records: a peer that sends them endlessly is making us spend CPU for nothing. 32, as BoringSSL
 * bounds KeyUpdates in a row: no legitimate peer comes near it.
 */
export const MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA = 32;

/**
 * Warning alerts (TLS 1.2) and user_canceled alerts in a row that we ignore (RFC 5246 §7.2.2,
 * RFC 8446 §6.1): a peer has no reason to send more than one or two; 4, as BoringSSL allows.
 */
export const MAX_WARNING_ALERTS_IN_A_ROW = 4;

/**
 * RFC 8446 §5.5: records protected under one key. AES-GCM's limit is 2^24.5 full records; we rotate
 * well before it (and for ChaCha20-Poly1305, whose limit is above 2^64, at the same point for simplicity).
 */
export const KEY_UPDATE_AFTER_RECORDS = 2 ** 23;

/**
 * Largest serialised session we keep (server cache entry or ticket state; a client's session
 * without its ticket). A session holds the peer's validated certificates: a few KiB for a real
 * chain. Without a bound, a peer could make each one as large as a Certificate message allows
 * (100 KiB), and a TLS 1.2 or 1.3 ticket could not even carry it (opaque ticket<1..2^16-1>).
 * A larger session is simply not kept: no ticket, no cache entry.
 */
export const MAX_SESSION_STATE_BYTES = 16 * 1024;

/**
 * How long (ms) the peer's authentication in a full handshake may be relied on by resumptions,
 * however often the session is renewed: a ticket or cache entry issued on a resumed connection
 * keeps the original authentication time, and a session whose authentication is older is not
 * offered (client) nor accepted (server); a full handshake authenticates the peer again. 7 days:
 * RFC 8446 §4.6.1's bound on a ticket's lifetime, which a chain of renewed tickets must not
 * stretch (BoringSSL's auth_timeout is the same rule and default). A renewed session's lifetime
 * also ends with it.
 */
export const MAX_AUTHENTICATION_AGE_MS = 7 * 24 * 3600 * 1000;

/**
 * The in-memory TLS 1.2 session cache (RFC 5246 §7.4.1.2): at most this many sessions and bytes,
 * oldest out first. Anonymous clients fill it, so it must not grow with them: 10,000 sessions of
 * a resumable server without client certificates take about 1 MiB; the byte bound keeps servers
 * that record client certificates within 16 MiB as well.
 */
export const DEFAULT_SESSION_CACHE_ENTRIES = 10_000;
export const DEFAULT_SESSION_CACHE_BYTES = 16 * 1024 * 1024;
