// TLS channel bindings: values that name this TLS connection (or its server) for an
// authentication protocol run inside it, so that credentials proven there cannot be relayed
// through a man in the middle (SCRAM-SHA-256-PLUS in PostgreSQL, GSS-API, SASL). Three types:
// - tls-server-end-point (RFC 5929 §4): a hash of the server's certificate;
// - tls-unique (RFC 5929 §3): the first Finished message of the latest handshake, TLS 1.2 only;
// - tls-exporter (RFC 9266): 32 bytes of the keying material exporter.
import { TlsError } from '../errors.js';
import type { CryptoProvider, HashName } from '../crypto/provider.js';
import type { ConnectionInfo } from '../handshake/state.js';
import { parseCertificate } from '../x509/certificate.js';
import { AlgorithmOid } from '../asn1/oids.js';

export type ChannelBindingType = 'tls-server-end-point' | 'tls-unique' | 'tls-exporter';
export const CHANNEL_BINDING_TYPES: readonly ChannelBindingType[] = ['tls-server-end-point', 'tls-unique', 'tls-exporter'];

/** RFC 9266 §2: the exporter label and length of tls-exporter (the context is empty). */
export const TLS_EXPORTER_LABEL = 'EXPORTER-Channel-Binding';
export const TLS_EXPORTER_LENGTH = 32;

/** What the connection knows that a channel binding is made of. */
export interface ChannelBindingSource {
  readonly side: 'client' | 'server';
  readonly info: ConnectionInfo;
  readonly provider: CryptoProvider;
  /** The verify_data of the first Finished of the handshake that established the keys in use. */
  readonly firstFinished: Uint8Array | undefined;
  /** The connection's exporter (RFC 5705, RFC 8446 §7.5); throws when there is none. */
  exportKeyingMaterial(length: number, label: string, context: Uint8Array): Uint8Array;
}

function unavailable(type: string, why: string): TlsError {
  return new TlsError('internal_error', `getChannelBinding: ${type} is not available: ${why}`);
}

/** The channel binding of `type` for an established connection; a TlsError says why one is not available. */
export function deriveChannelBinding(type: ChannelBindingType, source: ChannelBindingSource): Uint8Array {
  if (!CHANNEL_BINDING_TYPES.includes(type)) {
    throw new TypeError(
      `getChannelBinding: unknown channel binding type '${String(type)}'; use one of ${CHANNEL_BINDING_TYPES.map((t) => `'${t}'`).join(', ')}`,
    );
  }
  const { info } = source;
  switch (type) {
    case 'tls-server-end-point':
      return serverEndPoint(source);
    case 'tls-unique':
      // RFC 9266 §3: TLS 1.3 defines no tls-unique (its Finished does not name the connection in
      // the same way); tls-exporter replaces it.
      if (info.version !== 'TLSv1.2') throw unavailable(type, "it is defined for TLS 1.2 only (RFC 9266 §3); use 'tls-exporter' over TLS 1.3");
      // RFC 7627 §1 (the triple handshake): without the extended master secret, a resumed session's
      // Finished can be made equal on two connections to different servers.
      if (info.resumed && info.extendedMasterSecret !== true) {
        throw unavailable(
          type,
          'this TLS 1.2 connection resumed a session without the extended master secret (RFC 7627), so its Finished may be shared with another connection',
        );
      }
      if (!source.firstFinished) throw unavailable(type, 'the handshake has not completed');
      return Uint8Array.from(source.firstFinished);
    case 'tls-exporter':
      // RFC 9266 §3: over TLS 1.2 only with the extended master secret (RFC 7627).
      if (info.version === 'TLSv1.2' && info.extendedMasterSecret !== true) {
        throw unavailable(
          type,
          'this TLS 1.2 connection did not negotiate the extended master secret (RFC 7627); RFC 9266 §3 allows tls-exporter only with it',
        );
      }
      return source.exportKeyingMaterial(TLS_EXPORTER_LENGTH, TLS_EXPORTER_LABEL, new Uint8Array(0));
  }
}

/**
 * RFC 5929 §4.1: the hash of the server's certificate (DER), with the hash function of the
 * certificate's signature algorithm; MD5 and SHA-1 are replaced by SHA-256. An algorithm that uses
 * no single hash (Ed25519, Ed448) or several leaves the binding undefined.
 */
function serverEndPoint(source: ChannelBindingSource): Uint8Array {
  const type = 'tls-server-end-point';
  const der = source.side === 'client' ? source.info.peerCertificates[0] : source.info.localCertificates?.[0];
  if (!der) {
    throw unavailable(
      type,
      source.side === 'client'
        ? 'the server sent no certificate (a PSK handshake, or the handshake has not completed)'
        : 'this connection sent no certificate (a resumed session or a PSK handshake)',
    );
  }
  let hash: HashName;
  try {
    hash = endPointHash(parseCertificate(der).signatureAlgorithm);
  } catch (err) {
    throw new TlsError('internal_error', `getChannelBinding: ${type}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return source.provider.hash(hash, der);
}

function endPointHash(alg: {
  readonly oid: string;
  readonly name: string;
  readonly algorithm?: { readonly kind: string; readonly hash?: HashName };
}): HashName {
  switch (alg.oid) {
    case AlgorithmOid.md5WithRsa:
    case AlgorithmOid.sha1WithRsa:
    case AlgorithmOid.ecdsaWithSha1:
      return 'sha256';
  }
  const hash = alg.algorithm?.hash;
  if (hash === 'sha1') return 'sha256';
  if (hash) return hash;
  throw new Error(`the certificate's signature algorithm (${alg.name}) has no single hash function, so RFC 5929 §4.1 defines no binding for it`);
}
