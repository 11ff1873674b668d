// The public face of the X.509 module: parse certificates and CRLs, build trust stores, validate
// chains and check names. Free of Node built-ins (runs wherever the crypto provider does).
//
//   const trustAnchors = TrustStore.from(ca);              // once; { curated: true } for tls.rootCertificates
//   const crls = crl ? readCrls(crl) : undefined;          // once
//   const { path } = verifyCertificateChain(certificateList, { provider, trustAnchors, usage: 'server', serverName, crls });
//   // throws TlsError: bad_certificate, unsupported_certificate, certificate_expired, unknown_ca,
//   // certificate_revoked or certificate_unknown, with a plain-words message
export { parseCertificate, describeCertificate, type Certificate, type SubjectAltNames } from './certificate.js';
export type { Name, Attribute } from './name.js';
export type { GeneralName } from './general-name.js';
export type { CertificateExtensions, Extension, BasicConstraints, KeyUsage, KeyUsageName, NameConstraints, AuthorityKeyIdentifier } from './extensions.js';
export type { SignatureAlgorithmIdentifier } from './algorithms.js';
export type { PublicKeyInfo } from '../crypto/public-key-info.js';
export { parseCrl, readCrls, CrlReason, type Crl, type RevokedCertificate } from './crl.js';
export { TrustStore, readCertificates, type CertificateInput, type TrustStoreOptions } from './trust-store.js';
export { CRL_RELAXATIONS, checkedCrlRelaxation, verifyCertificateChain, type CrlRelaxation, type VerifyOptions, type VerifiedChain } from './verifier.js';
export { verifyCertificateChainAsync, verifyCertificateChainDeferred } from './async-verifier.js';
export { verifyHostname, verifyEmailAddress } from './hostname.js';
export type { Usage } from './profile.js';
export { readPem, writePem, type PemBlock } from '../asn1/pem.js';
