// The public face of the X.509 module: parse certificates and CRLs, build trust stores, validate
// chains and check names. Free of Node built-ins (runs wherever the crypto provider does).
export { parseCertificate, describeCertificate, type Certificate, type SubjectAltNames } from './certificate.js';
export type { Name, Attribute } from './name.js';
export type { GeneralName } from './general-name.js';
export type { CertificateExtensions, Extension, BasicConstraints, KeyUsage, KeyUsageName, NameConstraints, AuthorityKeyIdentifier } from './extensions.js';
export type { PublicKeyInfo, SignatureAlgorithmIdentifier } from './algorithms.js';
export { parseCrl, readCrls, CrlReason, type Crl, type RevokedCertificate } from './crl.js';
export { TrustStore, readCertificates, type CertificateInput, type TrustStoreOptions } from './trust-store.js';
export { verifyCertificateChain, type VerifyOptions, type VerifiedChain } from './verifier.js';
export { verifyHostname, verifyEmailAddress } from './hostname.js';
export type { Usage } from './profile.js';
export { readPem, writePem, type PemBlock } from './pem.js';
