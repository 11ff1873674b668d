// Why a connection failed, in plain words: the error itself (the engine's messages already name
// the cause of local failures), and for an alert from the peer, what it most likely objected to
// among what we offered.
import { printableText } from '../x509/display.js';
import type { HandshakeStep } from '../engine/events.js';
import { TlsError } from '../errors.js';
import { StartTlsError } from '../node/starttls.js';
import { parseCertificate, type Certificate } from '../x509/index.js';
import type { Side } from './steps.js';

export type ClientHelloStep = Extract<HandshakeStep, { step: 'client-hello' }>;

const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/** What the client saw of the handshake, to explain a failure better than the alert alone. */
export interface ClientFacts {
  /** The server sent a CertificateRequest. */
  readonly certificateRequested?: boolean;
  /** We had a certificate to send. */
  readonly haveCertificate?: boolean;
  /** The server's chain as it sent it (DER, leaf first). */
  readonly serverChain?: readonly Uint8Array[];
  /** The name we checked the certificate against. */
  readonly serverName?: string;
}

/** Lines explaining `err`; `side` is ours, `peer` names the other end ("127.0.0.1:4433"). */
export function explainFailure(err: Error, side: Side, peer: string, offer?: ClientHelloStep, facts: ClientFacts = {}): string[] {
  const them = side === 'client' ? 'the server' : 'the client';
  if (err instanceof StartTlsError) return [`STARTTLS failed: ${err.message}`];
  if (err instanceof TlsError) {
    if (err.message.startsWith('peer sent plain text')) return plainTextHint(err.message, side);
    // The server refused us after asking for a certificate we did not have: that is the cause,
    // whatever alert it chose (TLS 1.2 servers often send handshake_failure).
    if (side === 'client' && err.origin === 'peer' && facts.certificateRequested && !facts.haveCertificate && err.alert !== 'close_notify') {
      return [
        `${them} ended the connection with the alert ${err.alert}`,
        'the server asked for a client certificate and we had none: pass --cert FILE --key FILE',
      ];
    }
    if (err.origin === 'local') {
      return [
        `TLS handshake failed: ${err.message} (we sent ${them} the alert ${err.alert})`,
        ...(side === 'client' && certificateAlerts.has(err.alert) ? certificateHint(err, facts) : []),
      ];
    }
    if (err.alert === 'close_notify') return [`${them} closed the connection before the handshake completed`];
    return [`${them} ended the connection with the alert ${err.alert}`, ...alertHint(err.alert, side, offer)];
  }
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return [`nothing is listening on ${peer} (connection refused)`];
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return [`cannot resolve the host name in ${peer}`];
    case 'ETIMEDOUT':
      return [`no answer from ${peer} (connection timed out)`];
    case 'ECONNRESET':
      return side === 'client'
        ? [
            `${them} closed the connection during the handshake without an alert: it may not speak TLS on this port, or it dropped our ClientHello (--trace shows what we sent)`,
          ]
        : [`${them} closed the connection during the handshake without an alert (often: it does not trust our certificate, or it only probed the port)`];
    default:
      return [err.message];
  }
}

/** Alerts we send when the peer's certificate did not validate. */
export const certificateAlerts = new Set([
  'unknown_ca',
  'bad_certificate',
  'certificate_unknown',
  'certificate_expired',
  'certificate_revoked',
  'unsupported_certificate',
]);

function parsed(der: Uint8Array | undefined): Certificate | undefined {
  if (!der) return undefined;
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

const ANYWAY = 'to see the chain anyway, --insecure';

/** What to do about a server certificate that did not validate, by the reason it did not. */
function certificateHint(err: TlsError, facts: ClientFacts): string[] {
  const chain = facts.serverChain ?? [];
  const leaf = parsed(chain[0]);
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  if (leaf?.extensions.basicConstraints?.ca) {
    return [
      `the server's certificate is a CA certificate (basicConstraints cA): a server needs a leaf certificate issued by that CA (tlskit cert NAME makes one); ${ANYWAY}`,
    ];
  }
  switch (err.code) {
    case 'CERT_HAS_EXPIRED':
      return [
        `a certificate of the chain has expired${leaf ? ` (the server's is valid ${day(leaf.notBefore)} to ${day(leaf.notAfter)})` : ''}: check this machine's clock (now ${day(new Date())}), and renew the certificate on the server; ${ANYWAY}`,
      ];
    case 'CERT_NOT_YET_VALID':
      return [
        `a certificate of the chain is not valid yet${leaf ? ` (the server's from ${day(leaf.notBefore)})` : ''}: check this machine's clock (now ${day(new Date())}); ${ANYWAY}`,
      ];
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = leaf ? [...leaf.subjectAltNames.dns, ...leaf.subjectAltNames.ip].map(printableText) : [];
      return [
        `the certificate names ${names.length > 0 ? names.join(', ') : 'no host (no subjectAltName)'}, not ${facts.serverName ?? 'the host we asked for'}: connect by one of those names, or give the name to check with --servername NAME`,
      ];
    }
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      if (chain.length === 1 && leaf && !leaf.selfIssued) {
        return [
          `the server sent only its leaf certificate, without the intermediate CA certificate(s) that link it to ${leaf.issuer.text}: fix the server's chain (its certificate file should hold the leaf and then the intermediates); or pass the issuing CA with --ca FILE`,
        ];
      }
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return [`the server's certificate is self-signed: if you expect it, trust exactly it with --ca FILE (a file holding that certificate); ${ANYWAY}`];
    default:
      break;
  }
  if (err.alert === 'unknown_ca') return [`to trust the server's CA, pass it with --ca FILE (or --capath DIR, or NODE_EXTRA_CA_CERTS=FILE); ${ANYWAY}`];
  return [ANYWAY];
}

/** The first bytes of a plain-text peer, quoted in the engine's message. */
function quotedText(message: string): string {
  return /\("(.*)"\)/.exec(message)?.[1] ?? '';
}

/** A plain-text greeting where TLS was expected: which protocol it looks like, and what to try. */
function plainTextHint(message: string, side: Side): string[] {
  const text = quotedText(message);
  const shown = text ? ` ("${text}…")` : '';
  if (side === 'server') {
    return [
      `the client sent plain text, not TLS${shown}: ${/^[A-Z]+ /.test(text) ? 'an HTTP client? use https:// to reach this port' : 'a cleartext client on the TLS port'}`,
    ];
  }
  if (/^HTTP\//.test(text)) return [`the server answered in plain HTTP, not TLS${shown}: this port serves http://, not https://`];
  // RFC 5321 §4.2 / RFC 959: "220" greetings; RFC 3501 §7.1.1: "* OK"; RFC 1939 §4: "+OK".
  const guess = /^220 /.test(text)
    ? { looks: 'an SMTP (or FTP) greeting', proto: 'smtp' }
    : /^\* OK/.test(text)
      ? { looks: 'an IMAP greeting', proto: 'imap' }
      : /^\+OK/.test(text)
        ? { looks: 'a POP3 greeting', proto: 'pop3' }
        : /^\d{3}[ -]/.test(text)
          ? { looks: 'a numeric reply (SMTP, FTP or NNTP)', proto: 'smtp' }
          : undefined;
  return [
    `the server sent plain text, not TLS${shown}: it speaks a cleartext protocol on this port`,
    guess
      ? `it looks like ${guess.looks}: try --starttls ${guess.proto}, or the protocol's TLS port`
      : 'if the protocol upgrades with STARTTLS, try --starttls PROTO',
  ];
}

function alertHint(alert: string, side: Side, offer: ClientHelloStep | undefined): string[] {
  if (side === 'server') {
    switch (alert) {
      case 'unknown_ca':
      case 'bad_certificate':
      case 'certificate_unknown':
      case 'certificate_expired':
      case 'unsupported_certificate':
      case 'certificate_revoked':
        return ['the client does not accept our certificate: give it our CA (curl --cacert, tlskit client --ca), or use a certificate it trusts'];
      case 'decrypt_error':
      case 'bad_record_mac':
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
      return ['the server asked for a client certificate and we had none: pass --cert FILE --key FILE'];
    case 'unknown_ca':
    case 'bad_certificate':
    case 'certificate_unknown':
      return ['it does not accept the certificate we sent'];
    case 'decrypt_error':
    case 'bad_record_mac':
      return ['it could not verify our messages (a key or MAC mismatch)'];
    case 'illegal_parameter':
    case 'decode_error':
    case 'unsupported_extension':
    case 'missing_extension':
      return ['it objected to something in our messages: --trace shows what we sent'];
    default:
      return [];
  }
}
