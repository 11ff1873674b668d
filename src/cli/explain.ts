// Why a connection failed, in plain words: the error itself (the engine's messages already name
// the cause of local failures), and for an alert from the peer, what it most likely objected to
// among what we offered.
import type { HandshakeStep } from '../engine/events.js';
import { TlsError } from '../errors.js';
import { StartTlsError } from '../node/starttls.js';
import type { Side } from './steps.js';

export type ClientHelloStep = Extract<HandshakeStep, { step: 'client-hello' }>;

const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/** Lines explaining `err`; `side` is ours, `peer` names the other end ("127.0.0.1:4433"). */
export function explainFailure(err: Error, side: Side, peer: string, offer?: ClientHelloStep): string[] {
  const them = side === 'client' ? 'the server' : 'the client';
  if (err instanceof StartTlsError) return [`STARTTLS failed: ${err.message}`];
  if (err instanceof TlsError) {
    if (err.origin === 'local') return [`TLS handshake failed: ${err.message} (we sent ${them} the alert ${err.alert})`, ...localHint(err.alert, side)];
    if (err.alert === 'close_notify') return [`${them} closed the connection before the handshake completed`];
    return [`${them} ended the connection with the alert ${err.alert}`, ...alertHint(err.alert, side, offer)];
  }
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED': return [`nothing is listening on ${peer} (connection refused)`];
    case 'ENOTFOUND': case 'EAI_AGAIN': return [`cannot resolve the host name in ${peer}`];
    case 'ETIMEDOUT': return [`no answer from ${peer} (connection timed out)`];
    case 'ECONNRESET':
      return side === 'client'
        ? [`${them} closed the connection during the handshake without an alert: it may not speak TLS on this port, or it dropped our ClientHello (--trace shows what we sent)`]
        : [`${them} closed the connection during the handshake without an alert (often: it does not trust our certificate, or it only probed the port)`];
    default: return [err.message];
  }
}

const certificateAlerts = new Set(['unknown_ca', 'bad_certificate', 'certificate_unknown', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate']);

function localHint(alert: string, side: Side): string[] {
  if (side === 'client' && certificateAlerts.has(alert)) return ["to trust the server's CA, pass it with --ca FILE; to see the chain anyway, --insecure"];
  return [];
}

function alertHint(alert: string, side: Side, offer: ClientHelloStep | undefined): string[] {
  if (side === 'server') {
    switch (alert) {
      case 'unknown_ca': case 'bad_certificate': case 'certificate_unknown': case 'certificate_expired': case 'unsupported_certificate': case 'certificate_revoked':
        return ['the client does not accept our certificate: give it our CA (curl --cacert, tlskit client --ca), or use a certificate it trusts'];
      case 'decrypt_error': case 'bad_record_mac':
        return ['the client could not verify our messages'];
      default:
        return [];
    }
  }
  switch (alert) {
    case 'handshake_failure':
    case 'insufficient_security':
      return offer
        ? [
          'it found nothing it accepts among what we offered:',
          `  versions           ${list(offer.versions)}`,
          `  cipher suites      ${list(offer.cipherSuites)}`,
          `  groups             ${list(offer.groups)}`,
          `  signature schemes  ${list(offer.signatureSchemes)}`,
        ]
        : ['it found nothing it accepts among the versions, cipher suites, groups and signature schemes we offered'];
    case 'protocol_version':
      return [`it accepts none of the versions we offered (${list(offer?.versions ?? [])})`];
    case 'no_application_protocol':
      return [`it supports none of the ALPN protocols we offered (${list(offer?.alpn ?? [])})`];
    case 'unrecognized_name':
      return [`it has no certificate for the server name we sent (${offer?.serverName ?? 'none'}): check --servername`];
    case 'certificate_required':
      return ['it requires a client certificate'];
    case 'unknown_ca': case 'bad_certificate': case 'certificate_unknown':
      return ['it does not accept the certificate we sent'];
    case 'decrypt_error': case 'bad_record_mac':
      return ['it could not verify our messages (a key or MAC mismatch)'];
    case 'illegal_parameter': case 'decode_error': case 'unsupported_extension': case 'missing_extension':
      return ['it objected to something in our messages: --trace shows what we sent'];
    default:
      return [];
  }
}
