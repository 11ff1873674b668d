// RFC 8446 §4.2: the Extension list shared by hello messages and their kin. The reader rejects
// duplicates and extensions that are recognised but not allowed in the message at hand.
import { TlsError, decodeError } from '../../errors.js';
import { ExtensionType, extensionName } from '../../protocol/constants.js';
import { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

export interface Extension {
  readonly type: number;
  readonly body: Uint8Array;
}

/** Messages that carry extensions, for the RFC 8446 §4.2 table of what may appear where. */
export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate_entry'
  | 'certificate_request'
  | 'new_session_ticket'
  | 'tls12_server_hello';

const E = ExtensionType;

// RFC 8446 §4.2 (and the RFCs defining each extension): where each recognised extension may appear.
const allowed: Record<ExtensionContext, ReadonlySet<number>> = {
  client_hello: new Set(Object.values(E)),
  server_hello: new Set([E.pre_shared_key, E.supported_versions, E.key_share]),
  hello_retry_request: new Set([E.key_share, E.cookie, E.supported_versions]),
  encrypted_extensions: new Set([
    E.server_name,
    E.max_fragment_length,
    E.supported_groups,
    E.use_srtp,
    E.heartbeat,
    E.application_layer_protocol_negotiation,
    E.client_certificate_type,
    E.server_certificate_type,
    E.early_data,
    E.record_size_limit,
  ]),
  certificate_entry: new Set([E.status_request, E.signed_certificate_timestamp]),
  certificate_request: new Set([
    E.status_request,
    E.signature_algorithms,
    E.signed_certificate_timestamp,
    E.certificate_authorities,
    E.oid_filters,
    E.signature_algorithms_cert,
  ]),
  new_session_ticket: new Set([E.early_data]),
  // RFC 5246 §7.4.1.4 and the extensions TLS 1.2 servers answer with.
  tls12_server_hello: new Set([
    E.server_name,
    E.max_fragment_length,
    E.status_request,
    E.ec_point_formats,
    E.application_layer_protocol_negotiation,
    E.signed_certificate_timestamp,
    E.encrypt_then_mac,
    E.extended_master_secret,
    E.session_ticket,
    E.renegotiation_info,
    E.record_size_limit,
    E.heartbeat,
    E.use_srtp,
    E.supported_versions,
    // RFC 8422 defines no ServerHello form of supported_groups, but some TLS 1.2 servers echo the
    // client's: it answers an extension we sent, carries nothing we use, and BoringSSL and OpenSSL
    // ignore it there (BoGo SupportedCurves-ServerHello-TLS12).
    E.supported_groups,
  ]),
};

const recognised: ReadonlySet<number> = new Set(Object.values(E));

/**
 * Reads the body of an extension list (the caller has read its length prefix), rejecting
 * duplicates, and, when `context` is given, extensions not allowed in that message.
 */
export function readExtensionList(list: Reader, context?: ExtensionContext, duplicate: 'decode_error' | 'illegal_parameter' = 'decode_error'): Extension[] {
  const seen = new Set<number>();
  const extensions: Extension[] = [];
  while (list.remaining > 0) {
    const type = list.u16('extension type');
    const body = list.vectorBytes(2, 0, 0xffff, extensionName(type));
    // RFC 8446 §4.2 (RFC 5246 §7.4.1.4): there MUST NOT be more than one extension of the same type.
    // No alert is named: a list that breaks its own syntax rule is decode_error, as BoringSSL sends
    // (illegal_parameter in a HelloRetryRequest, where BoringSSL sends that).
    if (seen.has(type)) throw (duplicate === 'decode_error' ? decodeError : illegal)(`${context ?? list.what} carries ${extensionName(type)} twice`);
    seen.add(type);
    extensions.push({ type, body });
  }
  if (context) checkExtensionsAllowed(extensions, context);
  return extensions;
}

/** RFC 8446 §4.2: a recognised extension in a message not listed for it is illegal_parameter. */
export function checkExtensionsAllowed(extensions: readonly Extension[], context: ExtensionContext): void {
  for (const { type } of extensions) {
    if (recognised.has(type) && !allowed[context].has(type)) {
      throw illegal(`${context} carries ${extensionName(type)}, which is not allowed there`);
    }
  }
}

function illegal(message: string): TlsError {
  return new TlsError('illegal_parameter', message);
}

export function writeExtensionList(w: Writer, extensions: readonly Extension[]): void {
  w.vector(2, (v) => {
    for (const e of extensions) v.u16(e.type).vectorBytes(2, e.body);
  });
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  for (const e of extensions) if (e.type === type) return e.body;
  return undefined;
}

/** Decodes one extension body with `read`, which must consume it exactly. */
export function decodeExtension<T>(body: Uint8Array, name: string, read: (r: Reader) => T): T {
  const r = new Reader(body, 0, body.length, name);
  const value = read(r);
  r.done();
  return value;
}

export function expectEmptyExtension(body: Uint8Array, name: string): void {
  if (body.length !== 0) throw decodeError(`${name} extension must be empty`);
}
