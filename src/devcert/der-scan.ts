// Just enough DER reading for the development CA to chain certificates: the issuer's subject
// name (copied byte for byte into the child's issuer), its subjectKeyIdentifier (for the child's
// authorityKeyIdentifier) and the key bits of a SubjectPublicKeyInfo (for the key identifier).
// Inputs are certificates this module minted or keys node:crypto exported; it is no validator:
// src/x509/ owns strict parsing of certificates received from peers.
import { equalBytes } from '../wire/bytes.js';
import * as der from './der-writer.js';
import { ExtensionOid } from './oids.js';

interface Tlv {
  /** The identifier octet (low tag numbers only: all a certificate uses). */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function fail(what: string): never {
  throw new TypeError(`${what} is not DER this tool can read`);
}

function readTlv(bytes: Uint8Array, start: number, limit: number, what: string): Tlv {
  if (start + 2 > limit) fail(what);
  const tag = bytes[start]!;
  if ((tag & 0x1f) === 0x1f) fail(what);
  let at = start + 1;
  let length = bytes[at++]!;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || at + count > limit) fail(what);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at++]!;
  }
  if (at + length > limit) fail(what);
  return { tag, start, contentStart: at, end: at + length };
}

function childrenOf(bytes: Uint8Array, parent: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(bytes, at, parent.end, what);
    out.push(child);
    at = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OBJECT_IDENTIFIER = 0x06;
const VERSION_TAG = 0xa0; // [0] EXPLICIT Version
const EXTENSIONS_TAG = 0xa3; // [3] EXPLICIT Extensions

function top(bytes: Uint8Array, what: string): Tlv {
  const tlv = readTlv(bytes, 0, bytes.length, what);
  if (tlv.tag !== SEQUENCE || tlv.end !== bytes.length) fail(what);
  return tlv;
}

export interface CertificateFields {
  /** The subject Name TLV, as encoded. */
  readonly subjectName: Uint8Array;
  /** The subjectKeyIdentifier extension's keyIdentifier, when present. */
  readonly subjectKeyIdentifier?: Uint8Array;
}

// RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue };
// TBSCertificate starts [0] version?, serialNumber, signature, issuer, validity, subject, spki,
// and ends with [3] extensions when present.
export function readCertificateFields(certificate: Uint8Array): CertificateFields {
  const what = 'issuer certificate';
  const tbs = childrenOf(certificate, top(certificate, what), what)[0];
  if (!tbs || tbs.tag !== SEQUENCE) fail(what);
  const fields = childrenOf(certificate, tbs, what);
  const first = fields[0]?.tag === VERSION_TAG ? 1 : 0;
  const subject = fields[first + 4];
  if (!subject || subject.tag !== SEQUENCE) fail(what);
  const subjectName = certificate.slice(subject.start, subject.end);
  const extensions = fields.find((f) => f.tag === EXTENSIONS_TAG);
  if (!extensions) return { subjectName };
  const list = childrenOf(certificate, extensions, what)[0];
  if (!list || list.tag !== SEQUENCE) fail(what);
  const skiOid = der.oid(ExtensionOid.subjectKeyIdentifier);
  for (const extension of childrenOf(certificate, list, what)) {
    const parts = childrenOf(certificate, extension, what);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!id || id.tag !== OBJECT_IDENTIFIER || !value || value.tag !== OCTET_STRING) fail(what);
    if (!equalBytes(certificate.subarray(id.start, id.end), skiOid)) continue;
    // RFC 5280 §4.2.1.2: SubjectKeyIdentifier ::= KeyIdentifier (an OCTET STRING) inside extnValue.
    const keyId = readTlv(certificate, value.contentStart, value.end, what);
    if (keyId.tag !== OCTET_STRING) fail(what);
    return { subjectName, subjectKeyIdentifier: certificate.slice(keyId.contentStart, keyId.end) };
  }
  return { subjectName };
}

/** The subjectPublicKey BIT STRING's bits (without the unused-bits octet) of an SPKI (RFC 5280 §4.1). */
export function readSubjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const what = 'SubjectPublicKeyInfo';
  const parts = childrenOf(spki, top(spki, what), what);
  const bits = parts[1];
  if (parts.length !== 2 || parts[0]!.tag !== SEQUENCE || !bits || bits.tag !== BIT_STRING || bits.end === bits.contentStart) fail(what);
  return spki.slice(bits.contentStart + 1, bits.end);
}
