// Handshake messages in words: the raw bytes of each 'handshake-message' event decoded with the
// message readers (src/messages) into named fields. `tlskit --trace` prints these; any caller
// watching a socket's 'tlsEvent' can do the same. Events carry plaintext, so messages sent under
// encryption decode like the others. Public facts only: sizes, not values, for Finished and tickets.
import { TlsError } from '../errors.js';
import { readCertificateRequest13 } from '../messages/certificate-request.js';
import { readCertificateVerify } from '../messages/certificate-verify.js';
import { readCertificate12, readCertificate13 } from '../messages/certificate.js';
import { readClientHello, type ClientHelloMessage } from '../messages/client-hello.js';
import { readEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { readEndOfEarlyData } from '../messages/end-of-early-data.js';
import type { Extension } from '../messages/extensions/extension.js';
import type { KeyShareEntry } from '../messages/extensions/key-share.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../messages/handshake.js';
import { readKeyUpdate } from '../messages/key-update.js';
import { readNewSessionTicket13 } from '../messages/new-session-ticket.js';
import { readServerHello, type ServerHelloMessage } from '../messages/server-hello.js';
import {
  readCertificateRequest12,
  readClientKeyExchange,
  readHelloRequest,
  readNewSessionTicket12,
  readServerHelloDone,
  readServerKeyExchange,
} from '../messages/tls12.js';
import { cipherSuiteById, type CipherSuite } from '../protocol/cipher-suites.js';
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType as E,
  HandshakeType as H,
  ProtocolVersion,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  extensionName,
  handshakeTypeName,
  versionName,
} from '../protocol/constants.js';
import { groupById } from '../protocol/groups.js';
import { signatureSchemeById } from '../protocol/signature-schemes.js';
import { ascii, equalBytes, toHex } from '../wire/bytes.js';
import { printableText } from '../x509/display.js';
import { describePublicKey } from '../crypto/public-key-info.js';
import { parseCertificate } from '../x509/certificate.js';
import { DEFAULT_MAX_CHAIN_LENGTH } from '../protocol/limits.js';

export interface TraceField {
  readonly name: string;
  readonly value: string;
  /** Nested fields: an extension's contents, a certificate's details. */
  readonly fields?: readonly TraceField[];
}

export interface TracedMessage {
  readonly direction: 'sent' | 'received';
  readonly type: number;
  /** The RFC's struct name: ClientHello, HelloRetryRequest, ServerKeyExchange, ... */
  readonly name: string;
  /** Body length (without the 4-byte header). */
  readonly length: number;
  readonly fields: readonly TraceField[];
  /** The reader's complaint when the bytes did not decode (the fields are then empty). */
  readonly error?: string;
}

export interface HandshakeMessageEvent {
  readonly direction: 'sent' | 'received';
  readonly type: number;
  readonly raw: Uint8Array;
}

const structNames: Readonly<Record<number, string>> = {
  [H.hello_request]: 'HelloRequest',
  [H.client_hello]: 'ClientHello',
  [H.server_hello]: 'ServerHello',
  [H.new_session_ticket]: 'NewSessionTicket',
  [H.end_of_early_data]: 'EndOfEarlyData',
  [H.encrypted_extensions]: 'EncryptedExtensions',
  [H.certificate]: 'Certificate',
  [H.server_key_exchange]: 'ServerKeyExchange',
  [H.certificate_request]: 'CertificateRequest',
  [H.server_hello_done]: 'ServerHelloDone',
  [H.certificate_verify]: 'CertificateVerify',
  [H.client_key_exchange]: 'ClientKeyExchange',
  [H.finished]: 'Finished',
  [H.certificate_status]: 'CertificateStatus',
  [H.key_update]: 'KeyUpdate',
  [H.message_hash]: 'MessageHash',
};

// Code points we do not implement but that real peers offer: named so a trace of a ClientHello from
// OpenSSL or a browser reads without a lookup table at hand (IANA TLS registries).
const otherSuites: Readonly<Record<number, string>> = {
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0x0067: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  0x006b: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256',
  0x0033: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  0x0039: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
  [TLS_EMPTY_RENEGOTIATION_INFO_SCSV]: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  [TLS_FALLBACK_SCSV]: 'TLS_FALLBACK_SCSV',
};
const otherGroups: Readonly<Record<number, string>> = {
  0x001e: 'x448',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
  0x0103: 'ffdhe6144',
  0x0104: 'ffdhe8192',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
  0x6399: 'X25519Kyber768Draft00',
};
const otherSchemes: Readonly<Record<number, string>> = {
  0x0201: 'rsa_pkcs1_sha1',
  0x0203: 'ecdsa_sha1',
  0x0808: 'ed448',
  0x0303: 'ecdsa_sha224',
  0x0301: 'rsa_pkcs1_sha224',
  0x081a: 'ecdsa_brainpoolP256r1tls13_sha256',
  0x081b: 'ecdsa_brainpoolP384r1tls13_sha384',
  0x081c: 'ecdsa_brainpoolP512r1tls13_sha512',
};

const hex16 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;
// RFC 8701: GREASE values are 0x?A?A with both bytes equal.
const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

function named(v: number, name: string | undefined): string {
  if (name !== undefined) return name;
  return isGrease(v) ? `GREASE (${hex16(v)})` : hex16(v);
}

export const suiteName = (id: number): string => named(id, cipherSuiteById(id)?.name ?? otherSuites[id]);
export const groupLabel = (id: number): string => named(id, groupById(id)?.name ?? otherGroups[id]);
export const schemeLabel = (id: number): string => named(id, signatureSchemeById(id)?.name ?? otherSchemes[id]);
const versionLabel = (v: number): string => (isGrease(v) ? `GREASE (${hex16(v)})` : `${versionName(v)} (${hex16(v)})`);
const extensionLabel = (type: number): string => (isGrease(type) ? `GREASE (${hex16(type)})` : extensionName(type));

const field = (name: string, value: string, fields?: readonly TraceField[]): TraceField =>
  fields && fields.length > 0 ? { name, value, fields } : { name, value };
const bytes = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;
const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : '(empty)');
const hexOrEmpty = (b: Uint8Array): string => (b.length === 0 ? '(empty)' : toHex(b));
const shares = (entries: readonly KeyShareEntry[]): string => list(entries.map((e) => `${groupLabel(e.group)} (${bytes(e.keyExchange.length)})`));

/** A certificate by its subject, issuer, key, names and validity; or why it does not parse. */
function certificateField(label: string, der: Uint8Array): TraceField {
  try {
    const c = parseCertificate(der);
    const san = c.subjectAltNames;
    // The peer chose these names: control characters in them are shown escaped.
    const names = [...san.dns, ...san.ip, ...san.email, ...san.uri].map(printableText);
    return field(label, c.subject.text || '(empty subject)', [
      field('issuer', c.issuer.text || '(empty)'),
      field('key', describePublicKey(c.publicKey)),
      ...(names.length > 0 ? [field('names', names.join(', '))] : []),
      field('valid', `${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}`),
      field('size', bytes(der.length)),
    ]);
  } catch (err) {
    return field(label, `unreadable certificate of ${bytes(der.length)}: ${(err as Error).message}`);
  }
}

/**
 * Decodes handshake messages in order. It remembers the version and suite the ServerHello chose,
 * since Certificate, CertificateRequest, NewSessionTicket and ClientKeyExchange depend on them.
 */
export class HandshakeTracer {
  private version: number | undefined;
  private suite: CipherSuite | undefined;

  decode(event: HandshakeMessageEvent): TracedMessage {
    const raw = event.raw;
    const msg: HandshakeMessage = { type: event.type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
    let name = structNames[msg.type] ?? handshakeTypeName(msg.type);
    const base = { direction: event.direction, type: msg.type, length: msg.body.length };
    try {
      if (msg.type === H.server_hello) {
        const sh = readServerHello(msg);
        if (sh.isRetryRequest) name = 'HelloRetryRequest';
        return { ...base, name, fields: this.serverHello(sh) };
      }
      return { ...base, name, fields: this.fields(msg) };
    } catch (err) {
      const error = err instanceof TlsError ? err.message : `internal error: ${(err as Error).message}`;
      return { ...base, name, fields: [], error };
    }
  }

  private get tls13(): boolean {
    return this.version !== ProtocolVersion.TLSv1_2;
  }

  private fields(msg: HandshakeMessage): TraceField[] {
    const limits = { maxChainLength: DEFAULT_MAX_CHAIN_LENGTH * 10 };
    switch (msg.type) {
      case H.client_hello:
        return clientHello(readClientHello(msg));
      case H.encrypted_extensions: {
        const ee = readEncryptedExtensions(msg);
        return [
          extensionsField(ee.extensions, (e) => {
            switch (e.type) {
              case E.application_layer_protocol_negotiation:
                return ee.alpn ? printableText(ascii(ee.alpn)) : '';
              case E.server_name:
                return 'acknowledged';
              case E.early_data:
                return 'accepted';
              case E.supported_groups:
                return list((ee.supportedGroups ?? []).map(groupLabel));
              case E.record_size_limit:
                return String(ee.recordSizeLimit);
              default:
                return undefined;
            }
          }),
        ];
      }
      case H.certificate: {
        if (this.tls13) {
          const c = readCertificate13(msg, limits);
          return [
            field('certificate_request_context', hexOrEmpty(c.requestContext)),
            field(
              'certificate_list',
              `${c.entries.length} certificate${c.entries.length === 1 ? '' : 's'}`,
              c.entries.map((e, i) => certificateField(i === 0 ? 'leaf' : `#${i}`, e.certData)),
            ),
          ];
        }
        const chain = readCertificate12(msg, limits);
        return [
          field(
            'certificate_list',
            `${chain.length} certificate${chain.length === 1 ? '' : 's'}`,
            chain.map((der, i) => certificateField(i === 0 ? 'leaf' : `#${i}`, der)),
          ),
        ];
      }
      case H.certificate_request: {
        if (this.tls13) {
          const r = readCertificateRequest13(msg);
          return [
            field('certificate_request_context', hexOrEmpty(r.requestContext)),
            field('signature_algorithms', list(r.signatureAlgorithms.map(schemeLabel))),
            ...(r.signatureAlgorithmsCert ? [field('signature_algorithms_cert', list(r.signatureAlgorithmsCert.map(schemeLabel)))] : []),
            ...(r.certificateAuthorities ? [field('certificate_authorities', `${r.certificateAuthorities.length} names`)] : []),
          ];
        }
        const r = readCertificateRequest12(msg);
        return [
          field('certificate_types', list([...r.certificateTypes].map((t) => (t === 1 ? 'rsa_sign' : t === 64 ? 'ecdsa_sign' : String(t))))),
          field('signature_algorithms', list(r.signatureAlgorithms.map(schemeLabel))),
          field('certificate_authorities', `${r.certificateAuthorities.length} names`),
        ];
      }
      case H.certificate_verify: {
        const cv = readCertificateVerify(msg);
        return [field('algorithm', schemeLabel(cv.scheme)), field('signature', bytes(cv.signature.length))];
      }
      case H.finished:
        // verify_data is a MAC over the transcript: its size says enough.
        return [field('verify_data', bytes(msg.body.length))];
      case H.new_session_ticket: {
        if (this.tls13) {
          const t = readNewSessionTicket13(msg);
          return [
            field('ticket_lifetime', `${t.lifetime} s`),
            field('ticket_nonce', bytes(t.nonce.length)),
            field('ticket', bytes(t.ticket.length)),
            ...(t.maxEarlyDataSize !== undefined ? [field('early_data', `max_early_data_size ${t.maxEarlyDataSize}`)] : []),
          ];
        }
        const t = readNewSessionTicket12(msg);
        return [field('ticket_lifetime_hint', `${t.lifetimeHint} s`), field('ticket', bytes(t.ticket.length))];
      }
      case H.key_update:
        return [field('request_update', readKeyUpdate(msg) ? 'update_requested' : 'update_not_requested')];
      case H.end_of_early_data:
        readEndOfEarlyData(msg);
        return [];
      case H.server_key_exchange: {
        const ske = readServerKeyExchange(msg);
        return [
          field('named_curve', groupLabel(ske.params.group)),
          field('public', bytes(ske.params.publicKey.length)),
          field('algorithm', schemeLabel(ske.signed.scheme)),
          field('signature', bytes(ske.signed.signature.length)),
        ];
      }
      case H.server_hello_done:
        readServerHelloDone(msg);
        return [];
      case H.client_key_exchange: {
        const rsa = this.suite?.keyExchange === 'rsa';
        const value = readClientKeyExchange(msg, rsa ? 'rsa' : 'ecdhe');
        return [rsa ? field('encrypted_premaster_secret', bytes(value.length)) : field('ecdh_Yc', bytes(value.length))];
      }
      case H.hello_request:
        readHelloRequest(msg);
        return [];
      default:
        return [field('body', bytes(msg.body.length))];
    }
  }

  private serverHello(sh: ServerHelloMessage): TraceField[] {
    const version = sh.selectedVersion ?? sh.legacyVersion;
    this.version = version;
    this.suite = cipherSuiteById(sh.cipherSuite);
    const tail = sh.random.subarray(24);
    const sentinel = equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11) ? ' (ends with a downgrade sentinel, RFC 8446 §4.1.3)' : '';
    return [
      field('legacy_version', versionLabel(sh.legacyVersion)),
      field('random', sh.isRetryRequest ? 'HelloRetryRequest (RFC 8446 §4.1.3)' : `${toHex(sh.random)}${sentinel}`),
      field('legacy_session_id_echo', hexOrEmpty(sh.sessionId)),
      field('cipher_suite', suiteName(sh.cipherSuite)),
      field('legacy_compression_method', String(sh.compressionMethod)),
      extensionsField(sh.extensions, (e) => {
        switch (e.type) {
          case E.supported_versions:
            return sh.selectedVersion !== undefined ? versionLabel(sh.selectedVersion) : undefined;
          case E.key_share:
            if (sh.retryGroup !== undefined) return `selected_group ${groupLabel(sh.retryGroup)}`;
            return sh.keyShare ? shares([sh.keyShare]) : undefined;
          case E.cookie:
            return sh.cookie ? bytes(sh.cookie.length) : undefined;
          case E.pre_shared_key:
            return `selected_identity ${sh.selectedIdentity}`;
          case E.application_layer_protocol_negotiation:
            return sh.alpn ? printableText(ascii(sh.alpn)) : undefined;
          case E.renegotiation_info:
            return sh.renegotiationInfo ? (sh.renegotiationInfo.length === 0 ? '(empty: initial handshake)' : bytes(sh.renegotiationInfo.length)) : undefined;
          case E.ec_point_formats:
            return sh.ecPointFormats ? pointFormats(sh.ecPointFormats) : undefined;
          case E.record_size_limit:
            return String(sh.recordSizeLimit);
          default:
            return undefined;
        }
      }),
    ];
  }
}

const pointFormats = (formats: Uint8Array): string => list([...formats].map((f) => (f === 0 ? 'uncompressed' : String(f))));

/** The extensions in wire order; `describe` gives the decoded value of those it knows (undefined: size only). */
function extensionsField(extensions: readonly Extension[], describe: (e: Extension) => string | undefined): TraceField {
  return field(
    'extensions',
    extensions.length === 0 ? '(none)' : `${extensions.length}`,
    extensions.map((e) => {
      const value = describe(e);
      return field(extensionLabel(e.type), value === undefined || value === '' ? (e.body.length === 0 ? '(empty)' : bytes(e.body.length)) : value);
    }),
  );
}

function clientHello(ch: ClientHelloMessage): TraceField[] {
  const psk = ch.preSharedKey;
  return [
    field('legacy_version', versionLabel(ch.legacyVersion)),
    field('random', toHex(ch.random)),
    field('legacy_session_id', hexOrEmpty(ch.sessionId)),
    field('cipher_suites', list(ch.cipherSuites.map(suiteName))),
    field('legacy_compression_methods', list([...ch.compressionMethods].map(String))),
    extensionsField(ch.extensions, (e) => {
      switch (e.type) {
        case E.server_name:
          return ch.serverName;
        case E.supported_groups:
          return list((ch.supportedGroups ?? []).map(groupLabel));
        case E.signature_algorithms:
          return list((ch.signatureAlgorithms ?? []).map(schemeLabel));
        case E.signature_algorithms_cert:
          return list((ch.signatureAlgorithmsCert ?? []).map(schemeLabel));
        case E.supported_versions:
          return list((ch.supportedVersions ?? []).map(versionLabel));
        case E.key_share:
          return shares(ch.keyShares ?? []);
        case E.application_layer_protocol_negotiation:
          return list((ch.alpn ?? []).map((p) => printableText(ascii(p))));
        case E.cookie:
          return ch.cookie ? bytes(ch.cookie.length) : undefined;
        case E.psk_key_exchange_modes:
          return list((ch.pskModes ?? []).map((m) => (m === 0 ? 'psk_ke' : m === 1 ? 'psk_dhe_ke' : String(m))));
        case E.pre_shared_key:
          return psk
            ? `${psk.identities.length} identit${psk.identities.length === 1 ? 'y' : 'ies'} (${list(psk.identities.map((i) => bytes(i.identity.length)))})`
            : undefined;
        case E.renegotiation_info:
          return ch.renegotiationInfo ? (ch.renegotiationInfo.length === 0 ? '(empty: initial handshake)' : bytes(ch.renegotiationInfo.length)) : undefined;
        case E.session_ticket:
          return ch.sessionTicket && ch.sessionTicket.length > 0 ? `ticket of ${bytes(ch.sessionTicket.length)}` : '(empty: tickets supported)';
        case E.ec_point_formats:
          return ch.ecPointFormats ? pointFormats(ch.ecPointFormats) : undefined;
        case E.record_size_limit:
          return String(ch.recordSizeLimit);
        default:
          return undefined;
      }
    }),
  ];
}
