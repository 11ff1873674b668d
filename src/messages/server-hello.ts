// RFC 8446 §4.1.3 (and RFC 5246 §7.4.1.3): ServerHello, which is a HelloRetryRequest when its
// random is the special value of §4.1.3.
import { decodeError, illegalParameter } from '../errors.js';
import { ExtensionType as E, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, ProtocolVersion } from '../protocol/constants.js';
import { equalBytes } from '../wire/bytes.js';
import { Reader } from '../wire/reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import {
  checkExtensionsAllowed,
  decodeExtension,
  expectEmptyExtension,
  readExtensionList,
  writeExtensionList,
  type Extension,
} from './extensions/extension.js';
import { readSupportedVersionsServer } from './extensions/supported-versions.js';
import { readKeyShareRetry, readKeyShareServer, type KeyShareEntry } from './extensions/key-share.js';
import { readCookie } from './extensions/cookie.js';
import { readSelectedIdentity } from './extensions/pre-shared-key.js';
import { readAlpnSelected } from './extensions/alpn.js';
import { readRenegotiationInfo } from './extensions/renegotiation-info.js';
import { readEcPointFormats } from './extensions/ec-point-formats.js';
import { readRecordSizeLimit } from './extensions/record-size-limit.js';

export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
  readonly isRetryRequest: boolean;
  /** supported_versions: 0x0304 for TLS 1.3. */
  readonly selectedVersion?: number;
  readonly keyShare?: KeyShareEntry;
  /** HelloRetryRequest: the group the server wants a share for. */
  readonly retryGroup?: number;
  readonly cookie?: Uint8Array;
  readonly selectedIdentity?: number;
  // TLS 1.2 answers.
  readonly extendedMasterSecret: boolean;
  readonly renegotiationInfo?: Uint8Array;
  readonly alpn?: Uint8Array;
  readonly sessionTicket: boolean;
  readonly serverNameAck: boolean;
  readonly ecPointFormats?: Uint8Array;
  readonly recordSizeLimit?: number;
  readonly statusRequest: boolean;
}

export type ServerHelloMessage = ServerHello & { readonly raw: Uint8Array };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function readServerHello(msg: HandshakeMessage): ServerHelloMessage {
  const r = new Reader(msg.body, 0, msg.body.length, 'server_hello');
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vectorBytes(1, 0, 32, 'legacy_session_id_echo');
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('legacy_compression_method');
  let extensions: Extension[] = [];
  if (r.remaining > 0)
    extensions = readExtensionList(
      r.vector(2, 0, 0xffff, 'extensions'),
      undefined,
      equalBytes(random, HELLO_RETRY_REQUEST_RANDOM) ? 'illegal_parameter' : 'decode_error',
    );
  r.done();

  const isRetryRequest = equalBytes(random, HELLO_RETRY_REQUEST_RANDOM);
  const hello: Mutable<ServerHelloMessage> = {
    legacyVersion,
    random,
    sessionId,
    cipherSuite,
    compressionMethod,
    extensions,
    isRetryRequest,
    raw: msg.raw,
    extendedMasterSecret: false,
    sessionTicket: false,
    serverNameAck: false,
    statusRequest: false,
  };
  const versionBody = extensions.find((e) => e.type === E.supported_versions)?.body;
  if (versionBody) hello.selectedVersion = decodeExtension(versionBody, 'supported_versions', readSupportedVersionsServer);
  // RFC 8446 §4.2.1: only a server negotiating TLS 1.3 or later sends supported_versions, so a
  // ServerHello that has it is judged by the TLS 1.3 table; the client then rejects a selected
  // version it did not offer, by name (not as "key_share is not allowed in a TLS 1.2 ServerHello").
  const tls13 = hello.selectedVersion !== undefined;
  checkExtensionsAllowed(extensions, !tls13 ? 'tls12_server_hello' : isRetryRequest ? 'hello_retry_request' : 'server_hello');

  for (const { type, body } of extensions) {
    switch (type) {
      case E.key_share:
        if (isRetryRequest) hello.retryGroup = decodeExtension(body, 'key_share', readKeyShareRetry);
        else hello.keyShare = decodeExtension(body, 'key_share', readKeyShareServer);
        break;
      case E.cookie:
        hello.cookie = decodeExtension(body, 'cookie', readCookie);
        break;
      case E.pre_shared_key:
        hello.selectedIdentity = decodeExtension(body, 'pre_shared_key', readSelectedIdentity);
        break;
      case E.extended_master_secret:
        expectEmptyExtension(body, 'extended_master_secret');
        hello.extendedMasterSecret = true;
        break;
      case E.renegotiation_info:
        hello.renegotiationInfo = decodeExtension(body, 'renegotiation_info', readRenegotiationInfo);
        break;
      case E.application_layer_protocol_negotiation:
        hello.alpn = decodeExtension(body, 'application_layer_protocol_negotiation', readAlpnSelected);
        break;
      case E.session_ticket:
        expectEmptyExtension(body, 'session_ticket');
        hello.sessionTicket = true;
        break;
      case E.server_name:
        expectEmptyExtension(body, 'server_name');
        hello.serverNameAck = true;
        break;
      case E.ec_point_formats:
        hello.ecPointFormats = decodeExtension(body, 'ec_point_formats', readEcPointFormats);
        break;
      case E.record_size_limit:
        hello.recordSizeLimit = decodeExtension(body, 'record_size_limit', readRecordSizeLimit);
        break;
      case E.status_request:
        expectEmptyExtension(body, 'status_request');
        hello.statusRequest = true;
        break;
      default:
        break; // unsolicited extensions are judged by the client state, which knows what it offered
    }
  }
  // RFC 5246 §7.4.1.3: TLS 1.2 picks one of the methods we offered (only null): another is
  // illegal_parameter. RFC 8446 §4.1.3: in TLS 1.3 the field is fixed at 0, so another value is out
  // of its range: decode_error (RFC 8446 §6.2), as BoringSSL answers.
  if (compressionMethod !== 0) {
    if (tls13) throw decodeError('TLS 1.3 server_hello has a legacy_compression_method other than 0');
    throw illegalParameter('server_hello chose a compression method');
  }
  return hello;
}

export interface ServerHelloFields {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}

export function buildServerHello(sh: ServerHelloFields): HandshakeMessage {
  return buildHandshake(HandshakeType.server_hello, (w) => {
    w.u16(ProtocolVersion.TLSv1_2).bytes(sh.random).vectorBytes(1, sh.sessionId).u16(sh.cipherSuite).u8(0);
    // RFC 5246 §7.4.1.3: the extensions field may be absent; with nothing to answer (a client that
    // offered no extension) we leave it out rather than send an empty list, as older clients expect.
    if (sh.extensions.length > 0) writeExtensionList(w, sh.extensions);
  });
}
