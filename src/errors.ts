// The one failure path (STYLE.md "Errors"): protocol code throws TlsError; the engine
// catches it, sends one fatal alert, closes for good and reports the error. The one exception: a
// peer whose first bytes are not TLS at all gets no alert (peerNotTls), as OpenSSL sends none.
import { AlertDescription, alertName, type AlertName } from './protocol/alerts.js';

export type ErrorOrigin = 'local' | 'peer';

export class TlsError extends Error {
  override readonly name = 'TlsError';
  /** The alert sent (origin 'local') or received (origin 'peer'). */
  readonly alert: AlertName | `alert_${number}`;
  readonly origin: ErrorOrigin;
  /**
   * The code node:tls gives for the same failure (docs/node-compat.md, "Error codes"): for a
   * certificate that did not validate, node's verify code ('CERT_HAS_EXPIRED', see
   * src/x509/failure.ts); for an alert the peer sent, OpenSSL's reason as node names it
   * ('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'); otherwise ERR_TLS_ALERT_ and the alert we sent.
   */
  readonly code: string;

  /**
   * The peer does not speak TLS at all (its first bytes are no TLS record): the alert is named for
   * the record but not sent, as OpenSSL does; such a peer cannot read one, and one that waits for
   * the connection to end without reading would wait forever for the unread alert.
   */
  readonly peerNotTls: boolean;

  /** `code`: node's code for this failure where it has a more specific one than the alert's. */
  constructor(alert: AlertName | `alert_${number}`, message: string, options?: { origin?: ErrorOrigin; cause?: unknown; code?: string; peerNotTls?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.alert = alert;
    this.origin = options?.origin ?? 'local';
    // An empty code (a checkServerIdentity error with code '') never stands: authorizationError
    // is this code, and a falsy one would read as no error.
    this.code = (options?.code || undefined) ?? (this.origin === 'peer' ? peerAlertCode(alert) : undefined) ?? `ERR_TLS_ALERT_${alert.toUpperCase()}`;
    this.peerNotTls = options?.peerNotTls === true;
  }

  /** The alert's wire code (internal_error for an alert we do not know). */
  get alertCode(): number {
    return (AlertDescription as Record<string, number>)[this.alert] ?? AlertDescription.internal_error;
  }

  /** An error the peer reported with a fatal alert. */
  static fromPeer(code: number): TlsError {
    const name = alertName(code);
    return new TlsError(name, `peer sent fatal alert ${name}`, { origin: 'peer' });
  }
}

// OpenSSL's reason for each alert received ("reason = 1000 + alert"), as node turns its text into
// err.code: ERR_SSL_ and the text in capitals with '_' for spaces. Alerts inherited from SSLv3
// (RFC 5246 §7.2) read "sslv3 alert ..." up to OpenSSL 3.1 (Node 20) and "ssl/tls alert ..."
// from 3.2 (Node 22 and 24); later ones TLSV1_ or TLSV13_, some without the ALERT_ infix.
const SSLV3 = 'SSLV3_';
const peerAlertReasons: Partial<Record<AlertName, string>> = {
  unexpected_message: `${SSLV3}ALERT_UNEXPECTED_MESSAGE`,
  bad_record_mac: `${SSLV3}ALERT_BAD_RECORD_MAC`,
  record_overflow: 'TLSV1_ALERT_RECORD_OVERFLOW',
  handshake_failure: `${SSLV3}ALERT_HANDSHAKE_FAILURE`,
  bad_certificate: `${SSLV3}ALERT_BAD_CERTIFICATE`,
  unsupported_certificate: `${SSLV3}ALERT_UNSUPPORTED_CERTIFICATE`,
  certificate_revoked: `${SSLV3}ALERT_CERTIFICATE_REVOKED`,
  certificate_expired: `${SSLV3}ALERT_CERTIFICATE_EXPIRED`,
  certificate_unknown: `${SSLV3}ALERT_CERTIFICATE_UNKNOWN`,
  illegal_parameter: `${SSLV3}ALERT_ILLEGAL_PARAMETER`,
  unknown_ca: 'TLSV1_ALERT_UNKNOWN_CA',
  access_denied: 'TLSV1_ALERT_ACCESS_DENIED',
  decode_error: 'TLSV1_ALERT_DECODE_ERROR',
  decrypt_error: 'TLSV1_ALERT_DECRYPT_ERROR',
  protocol_version: 'TLSV1_ALERT_PROTOCOL_VERSION',
  insufficient_security: 'TLSV1_ALERT_INSUFFICIENT_SECURITY',
  internal_error: 'TLSV1_ALERT_INTERNAL_ERROR',
  inappropriate_fallback: 'TLSV1_ALERT_INAPPROPRIATE_FALLBACK',
  user_canceled: 'TLSV1_ALERT_USER_CANCELLED',
  no_renegotiation: 'TLSV1_ALERT_NO_RENEGOTIATION',
  missing_extension: 'TLSV13_ALERT_MISSING_EXTENSION',
  unsupported_extension: 'TLSV1_UNSUPPORTED_EXTENSION',
  unrecognized_name: 'TLSV1_UNRECOGNIZED_NAME',
  bad_certificate_status_response: 'TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE',
  unknown_psk_identity: 'TLSV1_ALERT_UNKNOWN_PSK_IDENTITY',
  certificate_required: 'TLSV13_ALERT_CERTIFICATE_REQUIRED',
  no_application_protocol: 'TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
};

/** The prefix of the SSLv3-era alert reasons under the running Node's OpenSSL (see above). */
function sslv3Prefix(): string {
  const version = (globalThis as { process?: { versions?: { openssl?: string } } }).process?.versions?.openssl;
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 2) ? 'SSL/TLS_' : SSLV3;
}

let sslv3: string | undefined;

/** node:tls's err.code for a fatal alert received from the peer; undefined for one OpenSSL does not name. */
function peerAlertCode(alert: AlertName | `alert_${number}`): string | undefined {
  const reason = peerAlertReasons[alert as AlertName];
  if (reason === undefined) return undefined;
  sslv3 ??= sslv3Prefix();
  return `ERR_SSL_${reason.startsWith(SSLV3) ? sslv3 + reason.slice(SSLV3.length) : reason}`;
}

/** Wraps anything a protocol step threw: a TlsError passes; any other throwable is a bug in us. */
export function asTlsError(err: unknown): TlsError {
  if (err instanceof TlsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TlsError('internal_error', `internal error: ${message}`, { cause: err });
}

// One-line factories for the alerts protocol code raises most often.
export const decodeError = (message: string): TlsError => new TlsError('decode_error', message);
export const illegalParameter = (message: string): TlsError => new TlsError('illegal_parameter', message);
export const unexpectedMessage = (message: string): TlsError => new TlsError('unexpected_message', message);
export const handshakeFailure = (message: string): TlsError => new TlsError('handshake_failure', message);
export const decryptError = (message: string): TlsError => new TlsError('decrypt_error', message);
export const internalError = (message: string): TlsError => new TlsError('internal_error', message);
