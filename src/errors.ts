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
  /** Node-style error code, e.g. ERR_TLS_ALERT_DECODE_ERROR. */
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
    this.code = options?.code ?? `ERR_TLS_ALERT_${alert.toUpperCase()}`;
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
