// IANA code points used on the wire: content types, handshake types, versions, extensions.

// RFC 8446 §5.1 / RFC 5246 §6.2.1: ContentType.
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;
export type ContentTypeName = keyof typeof ContentType;

// RFC 8446 §4 / RFC 5246 §7.4: HandshakeType.
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
  key_update: 24,
  message_hash: 254,
} as const;
export type HandshakeTypeName = keyof typeof HandshakeType;

const handshakeNames = new Map<number, HandshakeTypeName>(Object.entries(HandshakeType).map(([k, v]) => [v, k as HandshakeTypeName]));
export function handshakeTypeName(type: number): string {
  return handshakeNames.get(type) ?? `handshake_type_${type}`;
}

// Protocol versions on the wire.
export const ProtocolVersion = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
} as const;
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

// IANA "TLS ExtensionType Values".
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;
export type ExtensionTypeName = keyof typeof ExtensionType;

const extensionNames = new Map<number, ExtensionTypeName>(Object.entries(ExtensionType).map(([k, v]) => [v, k as ExtensionTypeName]));
export function extensionName(type: number): string {
  return extensionNames.get(type) ?? `extension_${type}`;
}

// RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e,
  0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random of a server that could do better.
export const DOWNGRADE_TLS12 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

// RFC 8446 §4.6.3: KeyUpdateRequest.
export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

// RFC 8446 §4.2.9: PskKeyExchangeMode.
export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

// RFC 8446 §4.4.2: CertificateType of a certificate entry (RFC 7250).
export const CertificateType = { X509: 0, RawPublicKey: 2 } as const;

// RFC 6066 §3: NameType of server_name.
export const NameType = { host_name: 0 } as const;

// Signalling cipher suite values.
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff; // RFC 5746 §3.3
export const TLS_FALLBACK_SCSV = 0x5600; // RFC 7507
