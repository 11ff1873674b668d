// Mints X.509 v3 certificates (RFC 5280) for development and tests. Defaults give what a TLS
// server or client certificate needs; every default can be overridden or switched off, and
// extraExtensions appends anything, so negative tests can mint what a verifier must refuse.
// Node-only tooling (like src/node and src/cli): keys and signatures come from node:crypto.
import * as crypto from 'node:crypto';
import { TlsError } from '../errors.js';
import { parseCertificate } from '../x509/certificate.js';
import { Tag, readTop } from '../asn1/der.js';
import * as der from '../asn1/der-writer.js';
import { MAX_CERTIFICATE_BYTES } from '../x509/limits.js';
import { writePem } from '../asn1/pem.js';
import { writeName, type DistinguishedName } from './distinguished-name.js';
import { parseCidr, parseIpAddress, type SubjectAltNames } from './names.js';
import { AlgorithmOid, ExtendedKeyUsageOid, ExtensionOid, KeyUsageBit, type DottedOid, type ExtendedKeyUsageName, type KeyUsageName } from './oids.js';

export type KeyKind = 'ec-p256' | 'ec-p384' | 'ec-p521' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519' | 'rsa-pss-2048';

export interface KeyPair {
  readonly kind: KeyKind;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKeySpki: Uint8Array;
}

export interface IssuedCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
}

/** A certificate together with the key that signs what it issues. */
export interface Issuer {
  readonly certificate: IssuedCertificate;
  readonly key: KeyPair;
}

export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

/** Name constraint subtrees (RFC 5280 §4.2.1.10); `ip` entries are CIDR ranges. */
export interface GeneralSubtrees {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
  readonly uri?: readonly string[];
  readonly directoryName?: readonly (string | DistinguishedName)[];
}

export interface CertificateOptions {
  /** RFC 4514 string ('CN=foo, O=bar', see parseDistinguishedName) or RDNs in encoding order. */
  subject: string | DistinguishedName;
  /** The key certified: a pair, or just its SubjectPublicKeyInfo DER when an issuer signs. */
  subjectKey: KeyPair | Uint8Array;
  /** Omitted: self-signed with subjectKey. The key is not checked against the certificate. */
  issuer?: Issuer;
  /** Overrides the issuer field, which otherwise copies the issuer's subject byte for byte. */
  issuerName?: string | DistinguishedName;
  /** Bytes: an unsigned magnitude. A bigint may be zero or negative (for negative tests). Default: 16 random bytes, positive. */
  serialNumber?: Uint8Array | bigint;
  /** Default: an hour ago (sub-second part dropped). */
  notBefore?: Date;
  /** Default: notBefore + 825 days, or + 10 years for a CA. */
  notAfter?: Date;
  /** 1 writes no version field and no extensions (RFC 5280 §4.1.2.1); default 3. */
  version?: 1 | 3;
  isCA?: boolean;
  /** basicConstraints pathLenConstraint; written whenever given, even on a non-CA (for negative tests). */
  pathLength?: number;
  /** Default 'critical'. */
  basicConstraints?: 'critical' | 'non-critical' | 'omit';
  /** Default: CA keyCertSign+cRLSign; leaf digitalSignature, plus keyEncipherment for rsaEncryption keys. null omits. */
  keyUsage?: readonly KeyUsageName[] | null;
  /** Default: leaf ['serverAuth', 'clientAuth'], CA none. null omits. */
  extendedKeyUsage?: readonly (ExtendedKeyUsageName | DottedOid)[] | null;
  subjectAltNames?: SubjectAltNames;
  nameConstraints?: { readonly permitted?: GeneralSubtrees; readonly excluded?: GeneralSubtrees };
  /** true (default): SHA-1 of the public key bits; bytes: exactly these; false: omitted. */
  subjectKeyIdentifier?: boolean | Uint8Array;
  /** Default true: the issuer's subjectKeyIdentifier (omitted when the issuer has none). */
  authorityKeyIdentifier?: boolean;
  /** Default by signing key: P-384 sha384, P-521 sha512, else sha256; not for Ed25519. */
  signatureHash?: SignatureHash;
  /** rsaEncryption signing keys: PKCS#1 v1.5 (default) or RSASSA-PSS. RSASSA-PSS keys always sign PSS. */
  rsaSignature?: 'pkcs1v15' | 'pss';
  /** Appended after the standard extensions as given (duplicates included). */
  extraExtensions?: readonly { oid: string; critical: boolean; value: Uint8Array }[];
}

// ---------------------------------------------------------------------------------------------
// Keys

const pkcs8 = { format: 'pem', type: 'pkcs8' } as const;
const spki = { format: 'der', type: 'spki' } as const;

function generateKeyObjects(kind: KeyKind): crypto.KeyPairKeyObjectResult {
  switch (kind) {
    case 'ec-p256':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ec-p521':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'rsa-2048':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-3072':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 3072 });
    case 'rsa-4096':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 4096 });
    case 'ed25519':
      return crypto.generateKeyPairSync('ed25519');
    case 'rsa-pss-2048':
      // RFC 4055 §3.1: an id-RSASSA-PSS key without parameters, so any hash may be used with it.
      return crypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
  }
}

export function generateKeyPair(kind: KeyKind): KeyPair {
  const { privateKey, publicKey } = generateKeyObjects(kind);
  return { kind, privateKeyPem: privateKey.export(pkcs8).toString(), publicKeySpki: new Uint8Array(publicKey.export(spki)) };
}

const curveKinds: Record<string, KeyKind> = { prime256v1: 'ec-p256', secp384r1: 'ec-p384', secp521r1: 'ec-p521' };

/** The KeyKind of a node:crypto key, or undefined when it is none of ours. */
function kindOf(key: crypto.KeyObject): KeyKind | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return curveKinds[details.namedCurve ?? ''];
    case 'rsa':
      return details.modulusLength === 2048
        ? 'rsa-2048'
        : details.modulusLength === 3072
          ? 'rsa-3072'
          : details.modulusLength === 4096
            ? 'rsa-4096'
            : undefined;
    case 'rsa-pss':
      return details.modulusLength === 2048 ? 'rsa-pss-2048' : undefined;
    case 'ed25519':
      return 'ed25519';
    default:
      return undefined;
  }
}

/** A KeyPair from a private key PEM (PKCS#8, PKCS#1 or SEC1), re-exported as PKCS#8. */
export function keyPairFromPem(privateKeyPem: string): KeyPair {
  const privateKey = crypto.createPrivateKey(privateKeyPem);
  const kind = kindOf(privateKey);
  if (!kind) throw new TypeError(`private key type ${privateKey.asymmetricKeyType} is not one the development CA uses`);
  const publicKey = crypto.createPublicKey(privateKey);
  return { kind, privateKeyPem: privateKey.export(pkcs8).toString(), publicKeySpki: new Uint8Array(publicKey.export(spki)) };
}

function publicKeyObject(spkiDer: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
}

// ---------------------------------------------------------------------------------------------
// Signatures

const ecdsaOid = { sha256: AlgorithmOid.ecdsaWithSha256, sha384: AlgorithmOid.ecdsaWithSha384, sha512: AlgorithmOid.ecdsaWithSha512 } as const;
const rsaPkcs1Oid = { sha256: AlgorithmOid.sha256WithRsa, sha384: AlgorithmOid.sha384WithRsa, sha512: AlgorithmOid.sha512WithRsa } as const;
const hashOid = { sha256: AlgorithmOid.sha256, sha384: AlgorithmOid.sha384, sha512: AlgorithmOid.sha512 } as const;
const hashLength = { sha256: 32, sha384: 48, sha512: 64 } as const;
const curveHash: Record<string, SignatureHash> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

interface Signer {
  /** The AlgorithmIdentifier written in both tbsCertificate.signature and signatureAlgorithm. */
  readonly algorithm: Uint8Array;
  sign(tbs: Uint8Array): Uint8Array;
}

function chooseSigner(keyPair: KeyPair, requestedHash: SignatureHash | undefined, rsaSignature: 'pkcs1v15' | 'pss' | undefined): Signer {
  const key = crypto.createPrivateKey(keyPair.privateKeyPem);
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    if (requestedHash) throw new TypeError('ed25519 signs the message itself: signatureHash does not apply');
    // RFC 8410 §3: id-Ed25519 with the parameters absent.
    return { algorithm: der.sequence(der.oid(AlgorithmOid.ed25519)), sign: (tbs) => crypto.sign(null, tbs, key) };
  }
  if (type === 'ec') {
    const hash = requestedHash ?? curveHash[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'sha256';
    // RFC 5758 §3.2: ecdsa-with-SHA* with the parameters absent; the value is Ecdsa-Sig-Value DER.
    return { algorithm: der.sequence(der.oid(ecdsaOid[hash])), sign: (tbs) => crypto.sign(hash, tbs, { key, dsaEncoding: 'der' }) };
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const hash = requestedHash ?? 'sha256';
    if (type === 'rsa' && rsaSignature !== 'pss') {
      // RFC 4055 §5: sha*WithRSAEncryption with NULL parameters.
      return {
        algorithm: der.sequence(der.oid(rsaPkcs1Oid[hash]), der.nullValue()),
        sign: (tbs) => crypto.sign(hash, tbs, { key, padding: crypto.constants.RSA_PKCS1_PADDING }),
      };
    }
    // RFC 4055 §3.1: RSASSA-PSS-params with the hash, MGF1 over the same hash and a salt as long
    // as the hash; trailerField keeps its default. Hash identifiers carry NULL (RFC 4055 §2.1).
    const hashId = der.sequence(der.oid(hashOid[hash]), der.nullValue());
    const params = der.sequence(
      der.explicit(0, hashId),
      der.explicit(1, der.sequence(der.oid(AlgorithmOid.mgf1), hashId)),
      der.explicit(2, der.integer(hashLength[hash])),
    );
    return {
      algorithm: der.sequence(der.oid(AlgorithmOid.rsassaPss), params),
      sign: (tbs) => crypto.sign(hash, tbs, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength[hash] }),
    };
  }
  throw new TypeError(`cannot sign with a ${type} key`);
}

// ---------------------------------------------------------------------------------------------
// Extensions

/** RFC 5280 §4.1: Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  // X.690 §11.5: a value equal to its DEFAULT is left out, so only critical=TRUE is written.
  return der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** GeneralName CHOICE tags (RFC 5280 §4.2.1.6). */
const GeneralNameTag = { rfc822Name: 1, dNSName: 2, directoryName: 4, uniformResourceIdentifier: 6, iPAddress: 7 } as const;

// RFC 5280 §4.2.1.6: the string choices are IMPLICIT IA5String, iPAddress an IMPLICIT OCTET
// STRING, and directoryName EXPLICIT because Name is itself a CHOICE.
const generalName = {
  dns: (name: string) => der.implicit(GeneralNameTag.dNSName, der.ia5String(name)),
  email: (address: string) => der.implicit(GeneralNameTag.rfc822Name, der.ia5String(address)),
  uri: (uri: string) => der.implicit(GeneralNameTag.uniformResourceIdentifier, der.ia5String(uri)),
  ip: (octets: Uint8Array) => der.implicit(GeneralNameTag.iPAddress, der.octetString(octets)),
  directoryName: (name: string | DistinguishedName) => der.explicit(GeneralNameTag.directoryName, writeName(name)),
};

function ipOctets(text: string): Uint8Array {
  const octets = parseIpAddress(text);
  if (!octets) throw new TypeError(`'${text}' is not an IPv4 or IPv6 address`);
  return octets;
}

function writeGeneralNames(names: SubjectAltNames): Uint8Array[] {
  return [
    ...(names.dns ?? []).map(generalName.dns),
    ...(names.ip ?? []).map((ip) => generalName.ip(ipOctets(ip))),
    ...(names.email ?? []).map(generalName.email),
    ...(names.uri ?? []).map(generalName.uri),
  ];
}

/**
 * RFC 5280 §4.2.1.10: GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0,
 * maximum [1] OPTIONAL }; minimum and maximum are never used, so only base is written. An
 * iPAddress base is the address followed by the mask.
 */
function writeGeneralSubtrees(trees: GeneralSubtrees): Uint8Array[] {
  const bases = [
    ...(trees.dns ?? []).map(generalName.dns),
    ...(trees.ip ?? []).map((range) => generalName.ip(parseCidr(range))),
    ...(trees.email ?? []).map(generalName.email),
    ...(trees.uri ?? []).map(generalName.uri),
    ...(trees.directoryName ?? []).map(generalName.directoryName),
  ];
  return bases.map((base) => der.sequence(base));
}

function hasNames(names: object | undefined): boolean {
  return names !== undefined && Object.values(names).some((list) => Array.isArray(list) && list.length > 0);
}

const SUBJECT_KEY_ID_HASH = 'sha1';

/** Reads DER the caller gave with the strict X.509 code: malformed input is a TypeError here. */
function readInput<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof TlsError) throw new TypeError(`${what} could not be read: ${err.message}`, { cause: err });
    throw err;
  }
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const what = 'SubjectPublicKeyInfo';
  const bits = readInput(what, () => {
    // RFC 5280 §4.1: SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }.
    const spki = readTop(spkiDer, what, Tag.SEQUENCE, what, MAX_CERTIFICATE_BYTES);
    spki.sequence('algorithm');
    const key = spki.bitString('subjectPublicKey');
    spki.done(what);
    return key.bytes;
  });
  return new Uint8Array(crypto.createHash(SUBJECT_KEY_ID_HASH).update(bits).digest());
}

function defaultKeyUsage(isCA: boolean, subjectKeyType: string | undefined): KeyUsageName[] {
  if (isCA) return ['keyCertSign', 'cRLSign'];
  // keyEncipherment lets the key decrypt TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1); an
  // id-RSASSA-PSS key is for signatures only (RFC 4055 §1.2).
  return subjectKeyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

// ---------------------------------------------------------------------------------------------
// Certificates

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The CA/Browser Forum's old leaf maximum, also what mkcert uses. */
const LEAF_VALIDITY_DAYS = 825;
const CA_VALIDITY_YEARS = 10;
const SERIAL_BYTES = 16;

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; random so reissues never collide. */
function randomSerial(): Uint8Array {
  const serial = crypto.randomBytes(SERIAL_BYTES);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // top bit clear: 16 content octets; never zero
  return new Uint8Array(serial);
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function defaultNotAfter(notBefore: Date, isCA: boolean): Date {
  if (!isCA) return new Date(notBefore.getTime() + LEAF_VALIDITY_DAYS * DAY_MS);
  const end = new Date(notBefore);
  end.setUTCFullYear(end.getUTCFullYear() + CA_VALIDITY_YEARS);
  return end;
}

function isKeyPair(key: KeyPair | Uint8Array): key is KeyPair {
  return !(key instanceof Uint8Array);
}

interface ExtensionInputs {
  readonly subjectSpki: Uint8Array;
  readonly subjectNameIsEmpty: boolean;
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
}

function writeExtensions(options: CertificateOptions, { subjectSpki, subjectNameIsEmpty, subjectKeyId, authorityKeyId }: ExtensionInputs): Uint8Array[] {
  const isCA = options.isCA ?? false;
  const out: Uint8Array[] = [];

  // RFC 5280 §4.2.1.9: cA is DEFAULT FALSE (so absent on a leaf); pathLenConstraint follows it.
  // Conforming CAs mark it critical in CA certificates; we do so in leaves too, as Go and mkcert do.
  const bc = options.basicConstraints ?? 'critical';
  if (bc !== 'omit') {
    const value = der.sequence(...(isCA ? [der.boolean(true)] : []), ...(options.pathLength !== undefined ? [der.integer(options.pathLength)] : []));
    out.push(extension(ExtensionOid.basicConstraints, bc === 'critical', value));
  }

  // RFC 5280 §4.2.1.3: KeyUsage is a named bit list and SHOULD be critical.
  const keyUsage = options.keyUsage === undefined ? defaultKeyUsage(isCA, publicKeyObject(subjectSpki).asymmetricKeyType) : options.keyUsage;
  if (keyUsage !== null) out.push(extension(ExtensionOid.keyUsage, true, der.namedBits(keyUsage.map((u) => KeyUsageBit[u]))));

  // RFC 5280 §4.2.1.12: a SEQUENCE OF KeyPurposeId; not critical, so software that does not
  // know it still uses the certificate as its key usage allows.
  const eku = options.extendedKeyUsage === undefined ? (isCA ? null : (['serverAuth', 'clientAuth'] as const)) : options.extendedKeyUsage;
  if (eku !== null) {
    const oidOf = (u: ExtendedKeyUsageName | DottedOid): string => (ExtendedKeyUsageOid as Record<string, string>)[u] ?? u;
    out.push(extension(ExtensionOid.extKeyUsage, false, der.sequence(...eku.map((u) => der.oid(oidOf(u))))));
  }

  // RFC 5280 §4.2.1.2: SubjectKeyIdentifier ::= OCTET STRING, never critical.
  if (subjectKeyId) out.push(extension(ExtensionOid.subjectKeyIdentifier, false, der.octetString(subjectKeyId)));

  // RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT ... },
  // never critical; it repeats the issuer's subjectKeyIdentifier.
  if ((options.authorityKeyIdentifier ?? true) && authorityKeyId) {
    out.push(extension(ExtensionOid.authorityKeyIdentifier, false, der.sequence(der.implicit(0, der.octetString(authorityKeyId)))));
  }

  // RFC 5280 §4.2.1.6: with an empty subject the names live only here, and the extension is critical.
  if (hasNames(options.subjectAltNames)) {
    out.push(extension(ExtensionOid.subjectAltName, subjectNameIsEmpty, der.sequence(...writeGeneralNames(options.subjectAltNames!))));
  }

  // RFC 5280 §4.2.1.10: critical, in CA certificates only, and never an empty sequence;
  // permittedSubtrees [0] and excludedSubtrees [1] are IMPLICIT SEQUENCE OF GeneralSubtree.
  const nc = options.nameConstraints;
  if (nc) {
    const permitted = nc.permitted ? writeGeneralSubtrees(nc.permitted) : [];
    const excluded = nc.excluded ? writeGeneralSubtrees(nc.excluded) : [];
    if (permitted.length + excluded.length === 0) throw new TypeError('nameConstraints needs at least one subtree (RFC 5280 §4.2.1.10)');
    const value = der.sequence(
      ...(permitted.length > 0 ? [der.implicit(0, der.sequence(...permitted))] : []),
      ...(excluded.length > 0 ? [der.implicit(1, der.sequence(...excluded))] : []),
    );
    out.push(extension(ExtensionOid.nameConstraints, true, value));
  }

  for (const extra of options.extraExtensions ?? []) out.push(extension(extra.oid, extra.critical, extra.value));
  return out;
}

export function createCertificate(options: CertificateOptions): IssuedCertificate {
  const subjectKey = options.subjectKey;
  const subjectSpki = isKeyPair(subjectKey) ? subjectKey.publicKeySpki : subjectKey;
  const signingKey = options.issuer?.key ?? (isKeyPair(subjectKey) ? subjectKey : undefined);
  if (!signingKey) throw new TypeError('a self-signed certificate needs the subject key pair, not only its public key');
  const signer = chooseSigner(signingKey, options.signatureHash, options.rsaSignature);

  const subjectName = writeName(options.subject);
  // An issuer's subject is copied, not re-encoded, so the names match byte for byte (RFC 5280 §7.1).
  const issuerCertificate = options.issuer ? readInput('issuer certificate', () => parseCertificate(options.issuer!.certificate.der)) : undefined;
  const issuerName = options.issuerName !== undefined ? writeName(options.issuerName) : (issuerCertificate?.subject.der ?? subjectName);
  const ski = options.subjectKeyIdentifier ?? true;
  const subjectKeyId = ski === true ? keyIdentifier(subjectSpki) : ski === false ? undefined : ski;
  // Self-signed: the authority key is our own, so AKI repeats our SKI.
  const authorityKeyId = issuerCertificate ? issuerCertificate.extensions.subjectKeyIdentifier : subjectKeyId;

  const isCA = options.isCA ?? false;
  const notBefore = wholeSeconds(options.notBefore ?? new Date(Date.now() - HOUR_MS));
  const notAfter = options.notAfter ?? defaultNotAfter(notBefore, isCA);
  const serial = options.serialNumber ?? randomSerial();
  const version = options.version ?? 3;
  const subjectNameIsEmpty = subjectName.length === 2; // a SEQUENCE of no RDNs: 30 00
  const extensions = version === 3 ? writeExtensions(options, { subjectSpki, subjectNameIsEmpty, subjectKeyId, authorityKeyId }) : [];

  // RFC 5280 §4.1.2: TBSCertificate field by field; version is [0] EXPLICIT with v1 as DEFAULT
  // (left out), v3 = 2; extensions are [3] EXPLICIT and absent rather than empty.
  const tbs = der.sequence(
    ...(version === 3 ? [der.explicit(0, der.integer(2))] : []),
    der.integer(serial),
    signer.algorithm,
    issuerName,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subjectName,
    subjectSpki,
    ...(extensions.length > 0 ? [der.explicit(3, der.sequence(...extensions))] : []),
  );
  // RFC 5280 §4.1.1: the signature is over the DER of tbsCertificate, carried as a BIT STRING.
  const certificate = der.sequence(tbs, signer.algorithm, der.bitString(signer.sign(tbs)));
  return { der: certificate, pem: writePem('CERTIFICATE', certificate) };
}
