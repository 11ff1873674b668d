// RFC 8446 §4.1.2 (and RFC 5246 §7.4.1.2): ClientHello, with the extensions we act on decoded.
import { decodeError, illegalParameter } from '../errors.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { decodeExtension, expectEmptyExtension, readExtensionList, writeExtensionList, type Extension } from './extensions/extension.js';
import { readServerNameClient } from './extensions/server-name.js';
import { readSupportedGroups } from './extensions/supported-groups.js';
import { readSignatureSchemes } from './extensions/signature-algorithms.js';
import { readSupportedVersionsClient } from './extensions/supported-versions.js';
import { readKeyShareClient, type KeyShareEntry } from './extensions/key-share.js';
import { readAlpnList } from './extensions/alpn.js';
import { readCookie } from './extensions/cookie.js';
import { readOfferedPsks, readPskModes, type OfferedPsks } from './extensions/pre-shared-key.js';
import { readRenegotiationInfo } from './extensions/renegotiation-info.js';
import { readEcPointFormats } from './extensions/ec-point-formats.js';
import { readRecordSizeLimit } from './extensions/record-size-limit.js';
import { readStatusRequest } from './extensions/status-request.js';

export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Uint8Array;
  /** In wire order; empty when the hello has no extension block at all (RFC 5246 §7.4.1.2). */
  readonly extensions: readonly Extension[];
  // Decoded extensions (undefined / false when absent).
  readonly serverName?: string;
  readonly supportedGroups?: readonly number[];
  readonly signatureAlgorithms?: readonly number[];
  readonly signatureAlgorithmsCert?: readonly number[];
  readonly supportedVersions?: readonly number[];
  readonly keyShares?: readonly KeyShareEntry[];
  readonly alpn?: readonly Uint8Array[];
  readonly cookie?: Uint8Array;
  readonly pskModes?: readonly number[];
  readonly preSharedKey?: OfferedPsks;
  readonly earlyData: boolean;
  readonly postHandshakeAuth: boolean;
  readonly extendedMasterSecret: boolean;
  readonly renegotiationInfo?: Uint8Array;
  /** RFC 5077: present (possibly empty) when the client supports tickets. */
  readonly sessionTicket?: Uint8Array;
  readonly ecPointFormats?: Uint8Array;
  readonly recordSizeLimit?: number;
  readonly statusRequest: boolean;
}

export type ClientHelloMessage = ClientHello & { readonly raw: Uint8Array };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function readClientHello(msg: HandshakeMessage): ClientHelloMessage {
  const r = new Reader(msg.body, 0, msg.body.length, 'client_hello');
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vectorBytes(1, 0, 32, 'legacy_session_id');
  const suites = r.vector(2, 2, 0xfffe, 'cipher_suites');
  // RFC 5246 §7.4.1.2: cipher_suites is a list of 2-byte values.
  if (suites.remaining % 2 !== 0) throw decodeError('client_hello: cipher_suites has an odd length');
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16('cipher suite'));
  const compressionMethods = r.vectorBytes(1, 1, 0xff, 'legacy_compression_methods');
  let extensions: Extension[] = [];
  if (r.remaining > 0) extensions = readExtensionList(r.vector(2, 0, 0xffff, 'extensions'), 'client_hello');
  r.done();

  const hello: Mutable<ClientHelloMessage> = {
    legacyVersion,
    random,
    sessionId,
    cipherSuites,
    compressionMethods,
    extensions,
    raw: msg.raw,
    earlyData: false,
    postHandshakeAuth: false,
    extendedMasterSecret: false,
    statusRequest: false,
  };
  for (const [index, { type, body }] of extensions.entries()) {
    switch (type) {
      case E.server_name: {
        const name = decodeExtension(body, 'server_name', readServerNameClient);
        if (name !== undefined) hello.serverName = name;
        break;
      }
      case E.supported_groups:
        hello.supportedGroups = decodeExtension(body, 'supported_groups', readSupportedGroups);
        break;
      case E.signature_algorithms:
        hello.signatureAlgorithms = decodeExtension(body, 'signature_algorithms', readSignatureSchemes);
        break;
      case E.signature_algorithms_cert:
        hello.signatureAlgorithmsCert = decodeExtension(body, 'signature_algorithms_cert', readSignatureSchemes);
        break;
      case E.supported_versions:
        hello.supportedVersions = decodeExtension(body, 'supported_versions', readSupportedVersionsClient);
        break;
      case E.key_share:
        hello.keyShares = decodeExtension(body, 'key_share', readKeyShareClient);
        break;
      case E.application_layer_protocol_negotiation:
        hello.alpn = decodeExtension(body, 'application_layer_protocol_negotiation', readAlpnList);
        break;
      case E.cookie:
        hello.cookie = decodeExtension(body, 'cookie', readCookie);
        break;
      case E.psk_key_exchange_modes:
        hello.pskModes = decodeExtension(body, 'psk_key_exchange_modes', readPskModes);
        break;
      case E.pre_shared_key:
        // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
        if (index !== extensions.length - 1) throw illegalParameter('client_hello: pre_shared_key is not the last extension');
        hello.preSharedKey = decodeExtension(body, 'pre_shared_key', readOfferedPsks);
        break;
      case E.early_data:
        expectEmptyExtension(body, 'early_data');
        hello.earlyData = true;
        break;
      case E.post_handshake_auth:
        expectEmptyExtension(body, 'post_handshake_auth');
        hello.postHandshakeAuth = true;
        break;
      case E.extended_master_secret:
        expectEmptyExtension(body, 'extended_master_secret');
        hello.extendedMasterSecret = true;
        break;
      case E.renegotiation_info:
        hello.renegotiationInfo = decodeExtension(body, 'renegotiation_info', readRenegotiationInfo);
        break;
      case E.session_ticket:
        hello.sessionTicket = body;
        break;
      case E.ec_point_formats:
        hello.ecPointFormats = decodeExtension(body, 'ec_point_formats', readEcPointFormats);
        break;
      case E.record_size_limit:
        hello.recordSizeLimit = decodeExtension(body, 'record_size_limit', readRecordSizeLimit);
        break;
      case E.status_request:
        hello.statusRequest = decodeExtension(body, 'status_request', readStatusRequest);
        break;
      default:
        break; // RFC 8446 §4.2: servers ignore extensions they do not recognise
    }
  }
  return hello;
}

export interface ClientHelloFields {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly Extension[];
}

export function writeClientHello(w: Writer, ch: ClientHelloFields): void {
  w.u16(ch.legacyVersion).bytes(ch.random).vectorBytes(1, ch.sessionId);
  w.vector(2, (l) => ch.cipherSuites.forEach((s) => l.u16(s)));
  w.vectorBytes(1, Uint8Array.of(0)); // legacy_compression_methods: null only
  writeExtensionList(w, ch.extensions);
}

export function buildClientHello(ch: ClientHelloFields): HandshakeMessage {
  return buildHandshake(HandshakeType.client_hello, (w) => writeClientHello(w, ch));
}
