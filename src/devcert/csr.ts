// PKCS#10 certificate requests (RFC 2986) for `tlskit cert --csr`: the requester's public key, its
// subject, and the names it asks for (a subjectAltName in the extensionRequest attribute, RFC 2985
// §5.4.2), after its self-signature verifies (the requester holds the key).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { contextTag, DerReader, Tag } from '../asn1/der.js';
import { readExtensionList } from '../x509/extensions.js';
import { describeGeneralName, readGeneralNames } from '../x509/general-name.js';
import { parseName } from '../x509/name.js';
import { readPem } from '../asn1/pem.js';

const OID = {
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

/** The signature algorithms a CSR may use, as node:crypto's verify() names their hash. */
const SIGNATURES: Readonly<Record<string, string | null>> = {
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null, // Ed25519: no separate hash
};

export interface CertificateRequest {
  /** RFC 4514 text of the requested subject. */
  readonly subject: string;
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The subjectAltName entries, as `tlskit cert` takes names (DNS names, IPs, email:, URI:). */
  readonly names: string[];
}

/** Reads and checks a CSR (PEM "CERTIFICATE REQUEST" or DER); throws Error saying what is wrong. */
export function readCertificateRequest(input: Uint8Array): CertificateRequest {
  const text = Buffer.from(input).toString('latin1');
  const pem = text.includes('-----BEGIN') ? readPem(text).find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST') : undefined;
  if (text.includes('-----BEGIN') && !pem) throw new Error('holds no CERTIFICATE REQUEST block');
  const der = pem?.der ?? input;
  const outer = new DerReader(der, 'certificate request').sequence('CertificationRequest');
  const infoDer = outer.element('certificationRequestInfo', Tag.SEQUENCE);
  const algorithm = outer.sequence('signatureAlgorithm').oid('algorithm');
  const signature = outer.bitString('signature');
  outer.done('CertificationRequest');

  const info = new DerReader(infoDer, 'certificate request').sequence('certificationRequestInfo');
  if (info.smallInteger('version') !== 0) throw new Error('is not a version 1 certificate request');
  const subject = parseName(info.element('subject', Tag.SEQUENCE), 'certificate request', 'subject');
  const spki = info.element('subjectPKInfo', Tag.SEQUENCE);
  const names: string[] = [];
  const attrs = info.optional(contextTag(0, true), 'attributes');
  while (attrs && !attrs.atEnd) {
    const attr = attrs.sequence('attribute');
    const type = attr.oid('attribute type');
    const values = attr.read(Tag.SET, 'attribute values');
    if (type !== OID.extensionRequest) continue;
    for (const ext of readExtensionList(values, 'extensionRequest')) {
      if (ext.oid !== OID.subjectAltName) continue;
      for (const n of readGeneralNames(new DerReader(ext.value, 'certificate request'), 'subjectAltName')) {
        if (n.kind === 'dns' || n.kind === 'ip') names.push(describeGeneralName(n));
        else if (n.kind === 'rfc822') names.push(n.value);
        else if (n.kind === 'uri') names.push(n.value);
      }
    }
  }

  // RFC 2986 §3: the request is signed with the key it carries.
  if (!(algorithm in SIGNATURES)) throw new Error(`is signed with ${algorithm}, which tlskit does not check`);
  if (signature.unusedBits !== 0) throw new Error('has a signature that is not whole bytes');
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (!verify(SIGNATURES[algorithm] ?? null, infoDer, key, signature.bytes)) throw new Error('has a signature that does not verify with its own key');
  checkRequestKey(key);
  return { subject: subject.text, subjectPublicKeyInfo: spki, names };
}

/** The curves a requested EC key may be on: those TLS clients accept in certificates. */
const REQUEST_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

/**
 * The local CA certifies keys as strong as those `tlskit cert` makes or stronger: RSA of 2048 bits
 * or more, ECDSA on P-256/P-384/P-521, Ed25519. A request for a weaker key is refused, not
 * certified (a CA that trusts it would vouch for a key anyone may factor or solve).
 */
function checkRequestKey(key: KeyObject): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if ((type === 'rsa' || type === 'rsa-pss') && (details.modulusLength ?? 0) >= 2048) return;
  if (type === 'ec' && REQUEST_CURVES.includes(details.namedCurve ?? '')) return;
  if (type === 'ed25519') return;
  const what =
    type === 'rsa' || type === 'rsa-pss'
      ? `an RSA key of ${details.modulusLength ?? '?'} bits`
      : type === 'ec'
        ? `an EC key on ${details.namedCurve ?? 'an unnamed curve'}`
        : `a ${type ?? 'unknown'} key`;
  throw new Error(`asks to certify ${what}: tlskit certifies RSA keys of 2048 bits or more, ECDSA P-256, P-384 or P-521, and Ed25519`);
}
