// Object identifiers the development CA writes, by the name their RFC gives them.

export const Oid = {
  // RFC 5480 §2.1.1 / RFC 8017 Appendix A.1 / RFC 4055 §3 / RFC 8410 §3: public key algorithms
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  // RFC 5758 §3.2: ECDSA signatures
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // RFC 4055 §5: RSA PKCS#1 v1.5 signatures
  sha256WithRsaEncryption: '1.2.840.113549.1.1.11',
  sha384WithRsaEncryption: '1.2.840.113549.1.1.12',
  sha512WithRsaEncryption: '1.2.840.113549.1.1.13',
  // RFC 4055 §2.1 and §2.2: hash functions and MGF1 inside RSASSA-PSS parameters
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  mgf1: '1.2.840.113549.1.1.8',
  // RFC 5280 §4.2.1: certificate extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;
export type OidName = keyof typeof Oid;

/** RFC 5280 §4.2.1.12 key purposes (id-kp-*) and anyExtendedKeyUsage. */
export const ExtendedKeyUsageOid = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;
export type ExtendedKeyUsageName = keyof typeof ExtendedKeyUsageOid;

/** RFC 5280 §4.2.1.3: KeyUsage bit numbers (nonRepudiation is also called contentCommitment). */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KeyUsageBit;

/** Name attribute types (RFC 5280 §4.1.2.4 and Appendix A; RFC 4519 §2; RFC 4514 §3 short names). */
export const NameAttributeOid = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;
export type NameAttributeType = keyof typeof NameAttributeOid;

/** A dotted object identifier written as a string, e.g. '1.3.6.1.4.1.99999.1'. */
export type DottedOid = `${number}.${number}${string}`;
