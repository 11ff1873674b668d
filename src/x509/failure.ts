// Why a certificate did not validate: one reason per situation, each with the TLS alert we send
// for it (RFC 8446 §6.2, RFC 5246 §7.2.2) and the code node:tls gives for the same situation
// (OpenSSL's X509_V_ERR_* name as node reports it in `err.code` and `authorizationError`). Node
// reports 'UNSPECIFIED' for a verification failure outside its list, and checkServerIdentity()
// failures as 'ERR_TLS_CERT_ALTNAME_INVALID'. This table is the one place both mappings live;
// docs/node-compat.md ("Error codes") lists it for users.
import { TlsError } from '../errors.js';
import type { AlertName } from '../protocol/alerts.js';

export const CertificateFailure = {
  /** The leaf's issuer is neither trusted nor among the certificates sent. */
  leafIssuerNotFound: { alert: 'unknown_ca', node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  /** An intermediate's issuer is neither trusted nor among the certificates sent. */
  issuerNotFound: { alert: 'unknown_ca', node: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
  /** The leaf is self-signed and not trusted. */
  selfSignedLeaf: { alert: 'unknown_ca', node: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  /** The chain sent ends at a self-signed certificate that is not trusted. */
  selfSignedInChain: { alert: 'unknown_ca', node: 'SELF_SIGNED_CERT_IN_CHAIN' },
  /** No path within the allowed number of intermediates. */
  chainTooLong: { alert: 'unknown_ca', node: 'CERT_CHAIN_TOO_LONG' },
  /** Path building gave up: its work bounds (src/x509/limits.ts) ran out. */
  workLimit: { alert: 'unknown_ca', node: 'UNSPECIFIED' },
  /** A client sent no certificate although one was requested. */
  noClientCertificate: { alert: 'certificate_required', node: 'UNABLE_TO_GET_ISSUER_CERT' },
  expired: { alert: 'certificate_expired', node: 'CERT_HAS_EXPIRED' },
  notYetValid: { alert: 'certificate_expired', node: 'CERT_NOT_YET_VALID' },
  /** A signature in the path does not verify, or cannot come from the issuer's key. */
  signatureFailure: { alert: 'bad_certificate', node: 'CERT_SIGNATURE_FAILURE' },
  /** A signature in the path uses an algorithm we do not support. */
  unsupportedSignature: { alert: 'unsupported_certificate', node: 'CERT_SIGNATURE_FAILURE' },
  /** The issuer's public key is malformed. */
  issuerKeyUnusable: { alert: 'bad_certificate', node: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY' },
  /** The issuer's public key is of a type the provider does not support. */
  issuerKeyUnsupported: { alert: 'unsupported_certificate', node: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY' },
  /** A version 3 issuer without basicConstraints. */
  invalidCa: { alert: 'certificate_unknown', node: 'INVALID_CA' },
  /** An issuer that is not a CA (cA false, or a version 1 certificate that is not a trust anchor). */
  notCa: { alert: 'certificate_unknown', node: 'INVALID_PURPOSE' },
  /** An issuer whose keyUsage does not allow certificate signing. */
  caMayNotSign: { alert: 'certificate_unknown', node: 'UNSPECIFIED' },
  /** extendedKeyUsage or keyUsage of the leaf or a CA does not allow this use. */
  invalidPurpose: { alert: 'certificate_unknown', node: 'INVALID_PURPOSE' },
  pathLengthExceeded: { alert: 'certificate_unknown', node: 'PATH_LENGTH_EXCEEDED' },
  nameConstraints: { alert: 'certificate_unknown', node: 'UNSPECIFIED' },
  revoked: { alert: 'certificate_revoked', node: 'CERT_REVOKED' },
  /** CRLs are configured and none covers a certificate of the path. */
  crlMissing: { alert: 'certificate_unknown', node: 'UNABLE_TO_GET_CRL' },
  crlExpired: { alert: 'certificate_unknown', node: 'CRL_HAS_EXPIRED' },
  crlNotYetValid: { alert: 'certificate_unknown', node: 'CRL_NOT_YET_VALID' },
  crlSignatureFailure: { alert: 'bad_certificate', node: 'CRL_SIGNATURE_FAILURE' },
  /** A CRL that is malformed for its purpose or whose issuer may not sign CRLs. */
  crlUnusable: { alert: 'certificate_unknown', node: 'UNSPECIFIED' },
  unhandledCriticalExtension: { alert: 'unsupported_certificate', node: 'UNSPECIFIED' },
  /** A feature or key we do not support (explicit policy, a key outside our policy). */
  unsupported: { alert: 'unsupported_certificate', node: 'UNSPECIFIED' },
  /** A rule of the RFC 5280 / CA/B Forum profile broken (OpenSSL checks most of these only in strict mode). */
  nonConforming: { alert: 'bad_certificate', node: 'UNSPECIFIED' },
  /** The leaf is not valid for the host name or address asked for. */
  hostnameMismatch: { alert: 'bad_certificate', node: 'ERR_TLS_CERT_ALTNAME_INVALID' },
} as const satisfies Record<string, { readonly alert: AlertName; readonly node: string }>;

export type CertificateFailureReason = keyof typeof CertificateFailure;

/** The one way a certificate failure becomes an error: the reason's alert and node's code. */
export function certificateError(reason: CertificateFailureReason, message: string, options: { cause?: unknown; code?: string } = {}): TlsError {
  const { alert, node } = CertificateFailure[reason];
  return new TlsError(alert, message, { code: options.code || node, ...(options.cause !== undefined ? { cause: options.cause } : {}) });
}
