// The development CA toolkit: mint certificates for tests and demos, and keep a local CA.
export {
  createCertificate,
  generateKeyPair,
  keyIdentifier,
  keyPairFromPem,
  type CertificateOptions,
  type GeneralSubtrees,
  type IssuedCertificate,
  type Issuer,
  type KeyKind,
  type KeyPair,
  type SignatureHash,
} from './certificate-builder.js';
export { createTestPki, testKeyPair, type TestKeyRole, type TestPki, type TestPkiOptions } from './test-pki.js';
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  LocalCaError,
  defaultCaDir,
  ensureLocalCa,
  issueLeaf,
  leafFileBase,
  type IssueLeafOptions,
  type IssuedLeaf,
  type LeafKeyKind,
  type LocalCa,
} from './local-ca.js';
export {
  parseDistinguishedName,
  writeName,
  type DistinguishedName,
  type NameAttribute,
  type RelativeDistinguishedName,
  type StringEncoding,
} from './distinguished-name.js';
export { parseCidr, parseIpAddress, subjectAltNamesFor, type SubjectAltNames } from './names.js';
export {
  AlgorithmOid,
  ExtendedKeyUsageOid,
  ExtensionOid,
  KeyUsageBit,
  NameAttributeOid,
  type DottedOid,
  type ExtendedKeyUsageName,
  type KeyUsageName,
  type NameAttributeType,
} from './oids.js';
