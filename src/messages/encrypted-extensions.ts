// RFC 8446 §4.3.1: EncryptedExtensions. Extension extensions<0..2^16-1>.
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { Reader } from '../wire/reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { decodeExtension, expectEmptyExtension, readExtensionList, writeExtensionList, type Extension } from './extensions/extension.js';
import { readAlpnSelected } from './extensions/alpn.js';
import { readSupportedGroups } from './extensions/supported-groups.js';
import { readRecordSizeLimit } from './extensions/record-size-limit.js';

export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
  readonly alpn?: Uint8Array;
  readonly serverNameAck: boolean;
  readonly earlyData: boolean;
  readonly supportedGroups?: readonly number[];
  readonly recordSizeLimit?: number;
}

export function readEncryptedExtensions(msg: HandshakeMessage): EncryptedExtensions {
  const r = new Reader(msg.body, 0, msg.body.length, 'encrypted_extensions');
  const extensions = readExtensionList(r.vector(2, 0, 0xffff, 'extensions'), 'encrypted_extensions');
  r.done();
  const ee: { -readonly [K in keyof EncryptedExtensions]: EncryptedExtensions[K] } = { extensions, serverNameAck: false, earlyData: false };
  for (const { type, body } of extensions) {
    switch (type) {
      case E.application_layer_protocol_negotiation:
        ee.alpn = decodeExtension(body, 'application_layer_protocol_negotiation', readAlpnSelected);
        break;
      case E.server_name:
        expectEmptyExtension(body, 'server_name');
        ee.serverNameAck = true;
        break;
      case E.early_data:
        expectEmptyExtension(body, 'early_data');
        ee.earlyData = true;
        break;
      case E.supported_groups:
        ee.supportedGroups = decodeExtension(body, 'supported_groups', readSupportedGroups);
        break;
      case E.record_size_limit:
        ee.recordSizeLimit = decodeExtension(body, 'record_size_limit', readRecordSizeLimit);
        break;
      default:
        break;
    }
  }
  return ee;
}

export function buildEncryptedExtensions(extensions: readonly Extension[]): HandshakeMessage {
  return buildHandshake(HandshakeType.encrypted_extensions, (w) => writeExtensionList(w, extensions));
}
