// Rules on a single certificate given its place in a path (leaf, intermediate, trust anchor):
// the RFC 5280 profile, with CA/Browser Forum Baseline Requirements where they are stricter.
// Each returns the first rule broken, as a reason (./failure.ts: the alert and node's code) and a
// plain-words message.
import { equalBytes } from '../wire/bytes.js';
import { publicKeyPolicyViolation } from '../crypto/public-key-info.js';
import { describeCertificate, type Certificate } from './certificate.js';
import { formatTime } from '../asn1/der.js';
import type { CertificateFailureReason } from './failure.js';
import { hasKeyUsage, isCritical } from './extensions.js';
import { formatIPAddress, looksLikeIPAddress } from './ip-address.js';
import { attributeValues } from './name.js';
import { AttributeOid, ExtendedKeyUsageOid, ExtensionOid } from '../asn1/oids.js';

export type CertificateRole = 'leaf' | 'intermediate' | 'anchor';
export type Usage = 'server' | 'client';

export interface Violation {
  readonly reason: CertificateFailureReason;
  readonly message: string;
}

const usageOid: Record<Usage, string> = { server: ExtendedKeyUsageOid.serverAuth, client: ExtendedKeyUsageOid.clientAuth };
const usageName: Record<Usage, string> = { server: 'serverAuth', client: 'clientAuth' };

/** How messages name a certificate in its role: the leaf is just "certificate". */
function describeInRole(cert: Certificate, role: CertificateRole): string {
  return role === 'leaf' ? 'certificate' : `${role === 'anchor' ? 'trust anchor' : 'issuer certificate'} ${describeCertificate(cert)}`;
}

/** RFC 5280 §4.1.2.5: valid from notBefore to notAfter, both inclusive, at second granularity. */
export function checkValidity(cert: Certificate, now: Date, role: CertificateRole): Violation | undefined {
  const who = describeInRole(cert, role);
  // Certificate times have whole seconds; comparing at that granularity keeps both bounds inclusive.
  const t = Math.floor(now.getTime() / 1000) * 1000;
  if (t < cert.notBefore.getTime()) return { reason: 'notYetValid', message: `${who} is not valid until ${formatTime(cert.notBefore)}` };
  if (t > cert.notAfter.getTime()) return { reason: 'expired', message: `${who} has expired on ${formatTime(cert.notAfter)}` };
  return undefined;
}

/** Rules for every certificate, whatever its role. */
function checkCommon(cert: Certificate, role: CertificateRole, curated: boolean, requireAki: boolean, who: string): Violation | undefined {
  const bad = (message: string): Violation => ({ reason: 'nonConforming', message: `${who} ${message}` });
  const ext = cert.extensions;
  // RFC 5280 §4.2: a critical extension we do not process makes the certificate unusable.
  if (ext.unhandledCritical.length > 0) {
    return { reason: 'unhandledCriticalExtension', message: `${who} has an unsupported critical extension ${ext.unhandledCritical.join(', ')}` };
  }
  // RFC 5280 §4.1.2.4: the issuer field holds a non-empty name.
  if (cert.issuer.rdns.length === 0) return bad('has an empty issuer name');
  // RFC 5280 §4.1.2.6: a CA's subject is a non-empty name; an empty subject needs a critical subjectAltName.
  if (cert.subject.rdns.length === 0) {
    if (ext.basicConstraints?.ca) return bad('is a CA with an empty subject name');
    if (!ext.subjectAltName) return bad('has an empty subject and no subjectAltName');
    if (!isCritical(ext, ExtensionOid.subjectAltName)) return bad('has an empty subject but a non-critical subjectAltName');
  }
  // RFC 5280 §4.2.1.1: the authority key identifier is non-critical; CABF BR §7.1.2.11.1 forbids
  // the issuer/serial form. Path building uses it as a hint when present (./verifier.ts).
  const aki = ext.authorityKeyIdentifier;
  if (aki) {
    if (isCritical(ext, ExtensionOid.authorityKeyIdentifier)) return bad('has a critical authorityKeyIdentifier');
    // (Encoding rules below are not applied to anchors of a curated root program.)
    if (!curated && !aki.keyIdentifier) return bad('has an authorityKeyIdentifier without keyIdentifier');
    if (!curated && (aki.hasAuthorityCertIssuer || aki.hasAuthorityCertSerialNumber))
      return bad('has an authorityKeyIdentifier naming the issuer by name and serial');
  } else if (requireAki && !cert.selfIssued && role !== 'anchor') {
    // RFC 5280 §4.2.1.1 asks conforming CAs to include it everywhere but in self-signed
    // certificates. Only on request (VerifyOptions.requireAuthorityKeyIdentifier): OpenSSL, Go,
    // rustls-webpki and Chrome do not require it, and private PKIs (node's own test fixtures
    // among them) omit it; paths are built by name. Never for anchors: RFC 5280 §6.1.1(d) takes
    // an anchor's name and key as configured.
    return bad('has no authorityKeyIdentifier (required by requireAuthorityKeyIdentifier)');
  }
  // RFC 5280 §4.2.1.2: the subject key identifier is non-critical.
  if (ext.subjectKeyIdentifier && isCritical(ext, ExtensionOid.subjectKeyIdentifier)) return bad('has a critical subjectKeyIdentifier');
  const bc = ext.basicConstraints;
  // RFC 5280 §4.2.1.9: pathLenConstraint only when cA is set and keyCertSign is asserted.
  if (bc?.pathLength !== undefined && (!bc.ca || (ext.keyUsage && !hasKeyUsage(ext.keyUsage, 'keyCertSign')))) {
    return bad('has a pathLenConstraint but may not sign certificates');
  }
  // RFC 5280 §4.2.1.3: keyCertSign only in CA certificates.
  // (In an issuer's place, checkIssuer reports the missing or false basicConstraints itself.)
  if (role === 'leaf' && ext.keyUsage && hasKeyUsage(ext.keyUsage, 'keyCertSign') && !bc?.ca) return bad('asserts keyCertSign but is not a CA');
  // RFC 5280 §4.2.1.10: name constraints only in CA certificates.
  if (ext.nameConstraints && !bc?.ca) return bad('has name constraints but is not a CA');
  // RFC 5280 §4.2.2.1: authorityInfoAccess is non-critical.
  if (ext.authorityInfoAccess && isCritical(ext, ExtensionOid.authorityInfoAccess)) return bad('has a critical authorityInfoAccess');
  if (ext.policyConstraints) {
    // RFC 5280 §4.2.1.11: policy constraints are critical.
    if (!isCritical(ext, ExtensionOid.policyConstraints)) return bad('has a non-critical policyConstraints');
    // We do not build the policy tree, so a path that must carry an explicit policy is refused.
    if (ext.policyConstraints.requireExplicitPolicy !== undefined) {
      return { reason: 'unsupported', message: `${who} requires an explicit certificate policy, which is not supported` };
    }
  }
  const keyProblem = publicKeyPolicyViolation(cert.publicKey);
  if (keyProblem) {
    // A key that breaks the key format's own rules (an RSA exponent out of bounds) makes the certificate bad, not unsupported.
    const reason = cert.publicKey.kind === 'unsupported' && cert.publicKey.invalid ? 'nonConforming' : 'unsupported';
    return { reason, message: `${who} has an unacceptable public key: ${keyProblem}` };
  }
  return undefined;
}

/** Rules for certificates issued to a CA whose key signs the next certificate down. */
function checkIssuer(cert: Certificate, role: CertificateRole, usage: Usage, curated: boolean, who: string): Violation | undefined {
  const ext = cert.extensions;
  const bc = ext.basicConstraints;
  if (!bc) {
    // Leniency: version 1 trust anchors predate extensions; RFC 5280 §6.1 takes an anchor's key
    // and name as configured, so an old v1 root the caller trusts may still sign.
    if (role === 'anchor' && cert.version === 1) return undefined;
    if (cert.version === 1) {
      // OpenSSL and Go take a version 1 certificate as a CA only as a trust anchor: nothing in it says
      // it may issue certificates.
      return {
        reason: 'notCa',
        message: `${who} is an X.509 version 1 certificate, which cannot say it is a CA: a version 1 issuer is accepted only as a trust anchor (add it to ca), or reissue it as version 3 with basicConstraints cA`,
      };
    }
    return { reason: 'invalidCa', message: `${who} has no basicConstraints, so it is not a CA` };
  }
  // RFC 5280 §6.1.4(k): the issuer must be a CA.
  if (!bc.ca) return { reason: 'notCa', message: `${who} is not a CA (basicConstraints cA is false)` };
  // RFC 5280 §4.2.1.9: CAs mark basicConstraints critical.
  if (!curated && !isCritical(ext, ExtensionOid.basicConstraints))
    return { reason: 'nonConforming', message: `${who} is a CA with a non-critical basicConstraints` };
  // RFC 5280 §6.1.4(n): when keyUsage is present, keyCertSign must be set.
  if (ext.keyUsage && !hasKeyUsage(ext.keyUsage, 'keyCertSign'))
    return { reason: 'caMayNotSign', message: `${who} is not allowed to sign certificates (keyUsage lacks keyCertSign)` };
  // RFC 5280 §4.2.1.2: CA certificates carry a subject key identifier.
  if (!curated && !ext.subjectKeyIdentifier) return { reason: 'nonConforming', message: `${who} is a CA without a subjectKeyIdentifier` };
  // WebPKI practice (Mozilla, Chrome): a CA's extendedKeyUsage, when present, limits what it may issue.
  const eku = ext.extendedKeyUsage;
  if (eku && !eku.includes(usageOid[usage]) && !eku.includes(ExtendedKeyUsageOid.anyExtendedKeyUsage)) {
    return { reason: 'invalidPurpose', message: `${who} is not allowed to issue ${usageName[usage]} certificates (extendedKeyUsage)` };
  }
  // CABF BR §7.1.2.1.3: a self-signed root's authorityKeyIdentifier names its own key.
  const aki = ext.authorityKeyIdentifier?.keyIdentifier;
  if (!curated && role === 'anchor' && cert.selfIssued && aki && ext.subjectKeyIdentifier && !equalBytes(aki, ext.subjectKeyIdentifier)) {
    return { reason: 'nonConforming', message: `${who} is self-issued but its authorityKeyIdentifier differs from its subjectKeyIdentifier` };
  }
  return undefined;
}

/**
 * CABF BR §7.1.4.3: a subscriber certificate's commonName, if present, repeats one subjectAltName
 * character for character (a dNSName, or an IP address in its canonical text form).
 * Leniency: a commonName that is plainly not a host name or address (no dot, e.g. "My Service")
 * is left alone; we never read the commonName for identity, and private PKIs use such names.
 */
function checkCommonNames(cert: Certificate, who: string): Violation | undefined {
  // Without any subjectAltName the commonName is the only name: the host name check refuses it
  // and says why and how to proceed (./verifier.ts), and a caller's own check may accept it.
  if (!cert.extensions.subjectAltName) return undefined;
  for (const cn of attributeValues(cert.subject, AttributeOid.commonName)) {
    const hostLike = (cn.includes('.') && !/\s/.test(cn)) || looksLikeIPAddress(cn);
    if (!hostLike) continue;
    const inSan = (cert.extensions.subjectAltName ?? []).some(
      (n) => (n.kind === 'dns' && n.value === cn) || (n.kind === 'ip' && formatIPAddress(n.bytes) === cn),
    );
    if (!inSan) return { reason: 'nonConforming', message: `${who} has commonName "${cn}", which is not one of its subjectAltNames` };
  }
  return undefined;
}

/** Rules for the end-entity certificate. `pinned`: the leaf itself is a trust anchor. */
function checkLeaf(cert: Certificate, usage: Usage, pinned: boolean, who: string): Violation | undefined {
  const ext = cert.extensions;
  // CABF BR §7.1.2.7.8: a subscriber certificate is not a CA. Leniency: a certificate the caller
  // trusts directly (a self-signed server certificate in `ca`) is accepted as it is.
  if (ext.basicConstraints?.ca && !pinned) return { reason: 'nonConforming', message: `${who} is a CA certificate, not an end-entity certificate` };
  // RFC 5280 §4.2.1.3 with RFC 8446 §4.4.2.2: a TLS peer signs the handshake, so a keyUsage, when present, allows digitalSignature.
  if (ext.keyUsage && !hasKeyUsage(ext.keyUsage, 'digitalSignature')) {
    return { reason: 'invalidPurpose', message: `${who} may not be used for TLS (keyUsage lacks digitalSignature)` };
  }
  // RFC 5280 §4.2.1.12: when extendedKeyUsage is present, it must allow our purpose. anyExtendedKeyUsage
  // is not enough for TLS (WebPKI practice, CABF BR §7.1.2.7.10).
  if (ext.extendedKeyUsage && !ext.extendedKeyUsage.includes(usageOid[usage])) {
    return { reason: 'invalidPurpose', message: `${who} is not valid for ${usageName[usage]} (extendedKeyUsage)` };
  }
  if (usage === 'server') {
    // CABF BR §7.1.2.7.12: subjectAltName is critical only when the subject is empty.
    if (cert.subject.rdns.length > 0 && isCritical(ext, ExtensionOid.subjectAltName)) {
      return { reason: 'nonConforming', message: `${who} has a critical subjectAltName although its subject is not empty` };
    }
    const cn = checkCommonNames(cert, who);
    if (cn) return cn;
  }
  return undefined;
}

/** RFC 5280 §4.1.2.2: serial numbers are positive and at most 20 octets. */
function checkSerial(cert: Certificate, who: string): Violation | undefined {
  const s = cert.serialBytes;
  if (s.length > 20) return { reason: 'nonConforming', message: `${who} has a serial number longer than 20 octets` };
  if (s[0]! & 0x80) return { reason: 'nonConforming', message: `${who} has a negative serial number` };
  if (s.every((b) => b === 0)) return { reason: 'nonConforming', message: `${who} has serial number zero` };
  return undefined;
}

export interface CheckContext {
  /** The leaf is itself in the trust store (a pinned, typically self-signed, certificate). */
  readonly pinned?: boolean;
  /**
   * The anchor comes from a curated root program (TrustStore option `curated`): the CABF rules on
   * how a root certificate is encoded (authorityKeyIdentifier form, subjectKeyIdentifier presence,
   * basicConstraints criticality) are not applied. A few long-standing roots (QuoVadis Root CA 2
   * and 3, Certigna, Chunghwa ePKI, TWCA Global Root) predate them; the program vetted them instead.
   */
  readonly curated?: boolean;
  /** Refuse certificates below the anchor that lack an authorityKeyIdentifier (see VerifyOptions). */
  readonly requireAuthorityKeyIdentifier?: boolean;
}

/**
 * All single-certificate rules for `cert` in `role`, except validity (checkValidity) and
 * signatures (the path builder). Trust anchors skip the version and serial rules: leniency for
 * long-lived roots the caller configured, whose encoding we cannot change.
 */
export function checkCertificate(cert: Certificate, role: CertificateRole, usage: Usage, context: CheckContext = {}): Violation | undefined {
  const pinned = context.pinned === true;
  const curated = role === 'anchor' && context.curated === true;
  const who = describeInRole(cert, role);
  if (role !== 'anchor') {
    // CABF BR §7.1.1: certificates are X.509 v3.
    // CABF BR §7.1.1: certificates are X.509 v3; version 2 (unique identifiers, still no
    // extensions) is refused. Leniency, as OpenSSL and Go: a version 1 end-entity certificate is
    // accepted. It carries no extensions, so it restricts nothing and names its host only in the
    // commonName, which a host name check never matches (it fails saying so); a version 1 issuer
    // is refused by checkIssuer unless it is a trust anchor.
    if (cert.version === 2 && !pinned)
      return {
        reason: 'nonConforming',
        message: `${who} is X.509 version 2; only version 3 (or version 1 for an end-entity certificate or a trust anchor) is accepted`,
      };
    const serial = pinned ? undefined : checkSerial(cert, who);
    if (serial) return serial;
  }
  return (
    checkCommon(cert, role, curated, context.requireAuthorityKeyIdentifier === true, who) ??
    (role === 'leaf' ? checkLeaf(cert, usage, pinned, who) : checkIssuer(cert, role, usage, curated, who))
  );
}
