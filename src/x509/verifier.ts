// Certification path validation (RFC 5280 §6.1) with path building (RFC 4158): from the peer's
// leaf through any of the supplied intermediates to a trust anchor, trying alternatives when a
// candidate fails, with bounded depth and work. The most specific failure is reported.
import { printableText } from './display.js';
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { equalBytes, toHex } from '../wire/bytes.js';
import { describePublicKey, signatureCost } from '../crypto/public-key-info.js';
import { describeCertificate, parseCertificate, type Certificate } from './certificate.js';
import type { Crl } from './crl.js';
import { CrlReason } from './crl.js';
import { formatTime } from '../asn1/der.js';
import { certificateError, type CertificateFailureReason } from './failure.js';
import { hasKeyUsage } from './extensions.js';
import { describeGeneralName } from './general-name.js';
import { verifyHostname } from './hostname.js';
import { attributeValues } from './name.js';
import { AttributeOid } from '../asn1/oids.js';
import {
  DEFAULT_MAX_INTERMEDIATES,
  MAX_CACHED_KEYS,
  MAX_CACHED_SIGNATURES,
  MAX_CHAIN_CERTIFICATES,
  MAX_PATH_BUILDING_STEPS,
  MAX_PATH_CERTIFICATES,
  MAX_SIGNATURE_CHECKS,
  MAX_SIGNATURE_WORK,
} from './limits.js';
import { signatureCheckId } from './signature-id.js';
import { findNameConstraintViolation } from './name-constraints.js';
import { checkCertificate, checkValidity, type Usage, type Violation } from './profile.js';
import { CertificateIndex, TrustStore } from './trust-store.js';

export { TrustStore } from './trust-store.js';

export interface VerifyOptions {
  readonly provider: CryptoProvider;
  /** Built once from `ca` and reused across connections. */
  readonly trustAnchors: TrustStore;
  /** The extendedKeyUsage the leaf must allow: serverAuth or clientAuth. */
  readonly usage: Usage;
  /** A DNS name or IPv4/IPv6 literal the leaf must be valid for; undefined: no name check. */
  readonly serverName?: string;
  /** Validation time; default: now. */
  readonly now?: Date;
  /**
   * CRLs to check revocation against (see readCrls). When any is given, every certificate below
   * the trust anchor needs a usable CRL from its issuer (see dangerouslyRelaxCrlCheck).
   */
  readonly crls?: readonly Crl[];
  /**
   * Weakens the CRL requirement: 'leaf-only', only the leaf must have a CRL from its issuer
   * (intermediates are still checked against their issuer's CRL when one is given); 'soft-fail',
   * a certificate whose issuer has no CRL among `crls` passes unchecked. Either way a CRL that is
   * given must be usable, and a revoked certificate fails.
   */
  readonly dangerouslyRelaxCrlCheck?: CrlRelaxation;
  /**
   * Refuse certificates below the trust anchor that have no authorityKeyIdentifier, as RFC 5280
   * §4.2.1.1 asks of conforming CAs. Default false, as OpenSSL, Go, rustls-webpki and Chrome:
   * paths are built by issuer name, with the key identifiers only as a hint.
   */
  readonly requireAuthorityKeyIdentifier?: boolean;
  /** Maximum number of intermediates, self-issued ones not counted. Default 8. */
  readonly maxDepth?: number;
  /**
   * Whether signatures that verify are remembered for later validations (default true). Off for
   * a provider whose verify() may answer provisionally (./async-verifier.ts).
   */
  readonly rememberSignatures?: boolean;
}

export type CrlRelaxation = 'leaf-only' | 'soft-fail';

/** Values of VerifyOptions.dangerouslyRelaxCrlCheck. */
export const CRL_RELAXATIONS: readonly CrlRelaxation[] = ['leaf-only', 'soft-fail'];

/**
 * dangerouslyRelaxCrlCheck as given: undefined (strict) or a known relaxation. Anything else is
 * the caller's mistake (false, 'none', a typo), refused rather than taken for a weakening.
 */
export function checkedCrlRelaxation(value: unknown): CrlRelaxation | undefined {
  if (value !== undefined && !CRL_RELAXATIONS.includes(value as CrlRelaxation)) {
    throw new TypeError(`dangerouslyRelaxCrlCheck: expected ${CRL_RELAXATIONS.map((v) => `'${v}'`).join(' or ')}, got ${String(value)}`);
  }
  return value as CrlRelaxation | undefined;
}

export interface VerifiedChain {
  /** Leaf first, trust anchor last. */
  readonly path: readonly Certificate[];
}

/** A reason one candidate path failed, ranked so that the most specific one is reported. */
interface Failure extends Violation {
  /** Certificates in the path the failure concerns: deeper failures are more specific. */
  readonly depth: number;
  /** At equal depth, "nothing found" (0) ranks below "found but wrong" (1). */
  readonly weight: 0 | 1;
}

class WorkLimitExceeded extends Error {}

/** The message when the signature-verification work budget runs out (shared with ./async-verifier.ts). */
export function signatureWorkExceeded(): string {
  return `signature checks would exceed the verification work budget (${MAX_SIGNATURE_WORK} units, about that many RSA-2048 verifications)`;
}

/**
 * Imported keys by SubjectPublicKeyInfo, per provider: intermediates arrive anew with every
 * handshake, and importing a key costs far more than the rest of validation. Bounded; the oldest
 * entry goes first.
 */
const importedKeys = new WeakMap<CryptoProvider, Map<string, PublicKey | TlsError>>();

function importKey(provider: CryptoProvider, cert: Certificate): PublicKey | TlsError {
  let cache = importedKeys.get(provider);
  if (!cache) importedKeys.set(provider, (cache = new Map()));
  const id = toHex(cert.subjectPublicKeyInfo);
  const cached = cache.get(id);
  if (cached) return cached;
  let key: PublicKey | TlsError;
  try {
    key = provider.importPublicKey(cert.subjectPublicKeyInfo);
  } catch (err) {
    if (!(err instanceof TlsError)) throw err;
    key = err;
  }
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}

/**
 * Signatures that verified, per provider, named by signatureCheckId() (key, algorithm, signed
 * bytes, signature): a client that talks to the same servers sees the same intermediates (and the
 * same leaf) on every handshake, and a signature check is a pure function of those four. Only
 * successes are kept, so a forged signature is checked every time; validity, usage, names and
 * revocation are checked on every run as before. Bounded, least recently used first out.
 */
const verifiedSignatures = new WeakMap<CryptoProvider, Map<string, true>>();

function knownGood(provider: CryptoProvider, id: string): boolean {
  const cache = verifiedSignatures.get(provider);
  if (!cache?.has(id)) return false;
  cache.delete(id); // most recently used goes last
  cache.set(id, true);
  return true;
}

function rememberGood(provider: CryptoProvider, id: string): void {
  let cache = verifiedSignatures.get(provider);
  if (!cache) verifiedSignatures.set(provider, (cache = new Map()));
  if (cache.size >= MAX_CACHED_SIGNATURES) cache.delete(cache.keys().next().value!);
  cache.set(id, true);
}

class PathSearch {
  private best: Failure | undefined;
  private signatureChecks = 0;
  /** Estimated cost of the signature checks so far (signatureCost(), MAX_SIGNATURE_WORK). */
  private signatureWork = 0;
  private steps = 0;
  private readonly signatureResults = new Map<Certificate, Map<Certificate | Crl, boolean>>();
  private readonly maxIntermediates: number;

  constructor(
    private readonly leaf: Certificate,
    private readonly pool: CertificateIndex,
    private readonly options: VerifyOptions,
    private readonly now: Date,
  ) {
    this.maxIntermediates = options.maxDepth ?? DEFAULT_MAX_INTERMEDIATES;
  }

  private fail(depth: number, violation: Violation, weight: 0 | 1 = 1): void {
    const b = this.best;
    if (!b || depth > b.depth || (depth === b.depth && weight > b.weight)) this.best = { ...violation, depth, weight };
  }

  /** Runs the search; returns the first valid path or throws the most specific failure. */
  run(): Certificate[] {
    try {
      const path = this.extend([this.leaf], 0);
      if (path) return path;
    } catch (err) {
      if (!(err instanceof WorkLimitExceeded)) throw err;
      throw certificateError('workLimit', `gave up building a certificate path: ${err.message}`);
    }
    const b = this.best ?? { reason: 'issuerNotFound', message: 'no path to a trusted certificate' };
    throw certificateError(b.reason, b.message);
  }

  /** Candidate issuers of `cert` from a list: AKI/SKI matches first, then ones valid now. */
  private rank(cert: Certificate, candidates: readonly Certificate[]): Certificate[] {
    const keyId = cert.extensions.authorityKeyIdentifier?.keyIdentifier;
    const score = (c: Certificate): number => {
      const ski = c.extensions.subjectKeyIdentifier;
      let s = 0;
      if (keyId && ski) s += equalBytes(keyId, ski) ? 0 : 2;
      if (checkValidity(c, this.now, 'intermediate')) s += 1;
      return s;
    };
    return candidates.length < 2 ? [...candidates] : [...candidates].sort((a, b) => score(a) - score(b));
  }

  private step(): void {
    if (++this.steps > MAX_PATH_BUILDING_STEPS) throw new WorkLimitExceeded(`more than ${MAX_PATH_BUILDING_STEPS} candidate issuers considered`);
  }

  /** Depth-first: try to finish `path` (leaf first) at an anchor, else through an intermediate. */
  private extend(path: Certificate[], intermediates: number): Certificate[] | undefined {
    const cert = path[path.length - 1]!;
    const depth = path.length + 1;
    const anchors = this.rank(cert, this.options.trustAnchors.withSubject(cert.issuer));
    for (const anchor of anchors) {
      this.step();
      const problem =
        checkCertificate(anchor, 'anchor', this.options.usage, { curated: this.options.trustAnchors.isCurated(anchor), ...this.strictness() }) ??
        checkValidity(anchor, this.now, 'anchor') ??
        this.checkSignature(cert, anchor);
      if (problem) {
        this.fail(depth, problem);
        continue;
      }
      const full = [...path, anchor];
      const pathProblem = this.checkPath(full);
      if (pathProblem) {
        this.fail(depth, pathProblem);
        continue;
      }
      return full;
    }
    // RFC 4158 §5.2: no certificate twice, and no second certificate for the same subject and key.
    // A trusted certificate among the intermediates was already tried as an anchor.
    const candidates = this.rank(cert, this.pool.withSubject(cert.issuer)).filter(
      (candidate) =>
        !path.some((c) => c === candidate || (c.subject.key === candidate.subject.key && equalBytes(c.subjectPublicKeyInfo, candidate.subjectPublicKeyInfo))) &&
        !this.options.trustAnchors.find(candidate),
    );
    for (const candidate of candidates) {
      this.step();
      const nextIntermediates = intermediates + (candidate.selfIssued ? 0 : 1);
      if (nextIntermediates > this.maxIntermediates || path.length + 2 > MAX_PATH_CERTIFICATES) {
        this.fail(depth, { reason: 'chainTooLong', message: `no trusted path within ${this.maxIntermediates} intermediate certificates` }, 0);
        continue;
      }
      const problem =
        checkCertificate(candidate, 'intermediate', this.options.usage, this.strictness()) ??
        checkValidity(candidate, this.now, 'intermediate') ??
        this.checkSignature(cert, candidate);
      if (problem) {
        this.fail(depth, problem);
        continue;
      }
      const found = this.extend([...path, candidate], nextIntermediates);
      if (found) return found;
    }
    if (anchors.length === 0 && candidates.length === 0) {
      const message = cert.selfIssued
        ? `self-signed certificate ${describeCertificate(cert)} is not trusted`
        : `no trusted issuer found for ${describeCertificate(cert)} (issuer "${cert.issuer.text}")`;
      this.fail(path.length, { reason: this.notFound(cert, cert.selfIssued), message }, 0);
    }
    return undefined;
  }

  private strictness(): { requireAuthorityKeyIdentifier?: boolean } {
    return this.options.requireAuthorityKeyIdentifier ? { requireAuthorityKeyIdentifier: true } : {};
  }

  /**
   * The path ends at `cert`, whose issuer is not found: as node:tls (OpenSSL) names it, by whether
   * `cert` is the leaf and whether it is self-issued (the end of the chain sent, untrusted).
   */
  private notFound(cert: Certificate, selfIssued: boolean): CertificateFailureReason {
    if (selfIssued) return cert === this.leaf ? 'selfSignedLeaf' : 'selfSignedInChain';
    return cert === this.leaf ? 'leafIssuerNotFound' : 'issuerNotFound';
  }

  /** The signature on `signed` (a certificate or CRL) under the public key of `issuer`. */
  private checkSignature(signed: Certificate | Crl, issuer: Certificate): Violation | undefined {
    const what =
      'serialNumber' in signed
        ? `the signature on ${signed === this.leaf ? 'the certificate' : `certificate ${describeCertificate(signed)}`}`
        : `the CRL signature`;
    const alg = signed.signatureAlgorithm;
    if (!alg.algorithm) return { reason: 'unsupportedSignature', message: `${what} uses an unsupported algorithm: ${alg.unsupportedReason}` };
    const keyKind = issuer.publicKey.kind;
    if (keyKind === 'unsupported' || !alg.keyKinds.includes(keyKind)) {
      return {
        reason: 'signatureFailure',
        message: `${what} (${alg.name}) cannot come from the ${describePublicKey(issuer.publicKey)} key of ${describeCertificate(issuer)}`,
      };
    }
    let results = this.signatureResults.get(issuer);
    if (!results) this.signatureResults.set(issuer, (results = new Map()));
    let ok = results.get(signed);
    if (ok === undefined) {
      const provider = this.options.provider;
      const id =
        this.options.rememberSignatures === false
          ? undefined
          : signatureCheckId(provider, issuer.subjectPublicKeyInfo, alg.algorithm, signed.tbs, signed.signature);
      if (id !== undefined && knownGood(provider, id)) {
        ok = true;
      } else {
        if (++this.signatureChecks > MAX_SIGNATURE_CHECKS) throw new WorkLimitExceeded(`more than ${MAX_SIGNATURE_CHECKS} signature checks`);
        // The count alone does not bound the work: one check with a large key costs many small ones.
        this.signatureWork += signatureCost(issuer.publicKey);
        if (this.signatureWork > MAX_SIGNATURE_WORK) throw new WorkLimitExceeded(signatureWorkExceeded());
        const key = importKey(provider, issuer);
        if (key instanceof TlsError)
          return {
            reason: key.alert === 'unsupported_certificate' ? 'issuerKeyUnsupported' : 'issuerKeyUnusable',
            message: `the public key of ${describeCertificate(issuer)} cannot be used: ${key.message}`,
          };
        ok = provider.verify(key, alg.algorithm, signed.tbs, signed.signature);
        if (ok && id !== undefined) rememberGood(provider, id);
      }
      results.set(signed, ok);
    }
    if (ok) return undefined;
    // Same name, different key (the key identifiers say so): not its issuer, rather than a forged signature.
    const keyId = 'serialNumber' in signed ? signed.extensions.authorityKeyIdentifier?.keyIdentifier : undefined;
    const ski = issuer.extensions.subjectKeyIdentifier;
    if (keyId && ski && !equalBytes(keyId, ski)) {
      return {
        reason: this.notFound(signed as Certificate, (signed as Certificate).selfIssued),
        message: `no trusted issuer found for ${describeCertificate(signed as Certificate)}: ${describeCertificate(issuer)} has its issuer's name but another key`,
      };
    }
    return { reason: 'signatureFailure', message: `${what} does not verify with the key of ${describeCertificate(issuer)}` };
  }

  /** Rules over the whole path (leaf first, anchor last) once it reaches an anchor. */
  private checkPath(path: readonly Certificate[]): Violation | undefined {
    // RFC 5280 §6.1.4(l)-(m): each pathLenConstraint bounds the non-self-issued intermediates below
    // it. The anchor's own constraint applies too (RFC 5937 lets anchors carry constraints).
    let remaining = Infinity;
    for (let i = path.length - 1; i >= 1; i--) {
      const cert = path[i]!;
      if (i < path.length - 1 && !cert.selfIssued) {
        if (remaining <= 0)
          return { reason: 'pathLengthExceeded', message: `certificate ${describeCertificate(cert)} exceeds the pathLenConstraint of a CA above it` };
        remaining--;
      }
      const pathLength = cert.extensions.basicConstraints?.pathLength;
      if (pathLength !== undefined && pathLength < remaining) remaining = pathLength;
    }
    const nc = findNameConstraintViolation(path);
    if (nc) return { reason: 'nameConstraints', message: nc };
    return this.checkRevocation(path);
  }

  /**
   * RFC 5280 §6.3: each certificate below the anchor is checked against its issuer's CRLs. With
   * CRLs configured, one that has none fails, as OpenSSL's X509_V_FLAG_CRL_CHECK_ALL does (node:tls
   * with `crl`: UNABLE_TO_GET_CRL): revocation checking that passes when a CRL is missing checks
   * nothing against an attacker who can pick the chain. dangerouslyRelaxCrlCheck weakens this.
   */
  private checkRevocation(path: readonly Certificate[]): Violation | undefined {
    const crls = this.options.crls;
    if (!crls || crls.length === 0) return undefined;
    const relax = this.options.dangerouslyRelaxCrlCheck;
    for (let i = 0; i < path.length - 1; i++) {
      const cert = path[i]!;
      const issuer = path[i + 1]!;
      const who = i === 0 ? 'certificate' : `certificate ${describeCertificate(cert)}`;
      let checked = false;
      for (const crl of crls) {
        if (crl.issuer.key !== cert.issuer.key) continue;
        const from = `the CRL of ${describeCertificate(issuer)}`;
        if (crl.defect) return { reason: 'crlUnusable', message: `${from} cannot be used: ${crl.defect}` };
        // RFC 5280 §6.3.3(f): when the issuer has keyUsage, it must allow cRLSign.
        if (issuer.extensions.keyUsage && !hasKeyUsage(issuer.extensions.keyUsage, 'cRLSign')) {
          return { reason: 'crlUnusable', message: `${from} cannot be used: the issuer may not sign CRLs (keyUsage lacks cRLSign)` };
        }
        const signature = this.checkSignature(crl, issuer);
        if (signature) return { reason: 'crlSignatureFailure', message: `${from} cannot be used: ${signature.message}` };
        // RFC 5280 §6.3.3(a)-(b): the CRL is current.
        if (crl.thisUpdate.getTime() > this.now.getTime())
          return { reason: 'crlNotYetValid', message: `${from} is not valid until ${formatTime(crl.thisUpdate)}` };
        if (crl.nextUpdate && crl.nextUpdate.getTime() < this.now.getTime())
          return { reason: 'crlExpired', message: `${from} is out of date since ${formatTime(crl.nextUpdate)}` };
        checked = true;
        const entry = crl.revoked.get(cert.serialNumber);
        // RFC 5280 §5.3.1: removeFromCRL only appears in delta CRLs, where it un-revokes.
        if (entry && entry.reason !== CrlReason.removeFromCRL) {
          return { reason: 'revoked', message: `${who} was revoked on ${formatTime(entry.revocationDate)}` };
        }
      }
      // Strict unless a known relaxation says otherwise (checkedCrlRelaxation refused the rest).
      const required = relax === 'soft-fail' ? false : relax === 'leaf-only' ? i === 0 : true;
      if (!checked && required) {
        return {
          reason: 'crlMissing',
          message: `no CRL from ${describeCertificate(issuer)} to check certificate ${describeCertificate(cert)} for revocation (with CRLs configured, every certificate below the trust anchor needs one)`,
        };
      }
    }
    return undefined;
  }
}

function nameMismatch(leaf: Certificate, name: string): TlsError {
  const names = (leaf.extensions.subjectAltName ?? []).filter((n) => n.kind === 'dns' || n.kind === 'ip').map((n) => printableText(describeGeneralName(n)));
  if (names.length === 0) {
    const cn = attributeValues(leaf.subject, AttributeOid.commonName).map(printableText);
    if (cn.length > 0) {
      // RFC 6125 §6.4.4 lets a client fall back to the commonName only without DNS-ID support;
      // CABF BR §7.1.4.3 makes subjectAltName the identity, and Go, rustls, Chrome and Firefox
      // ignore the commonName. node:tls still falls back to it: say so, and how to proceed.
      return certificateError(
        'hostnameMismatch',
        `certificate is not valid for host "${name}": it names its host only in the subject commonName ("${cn[0]}"), which tlskit does not match (RFC 6125 §6.4.4, CA/Browser Forum BR §7.1.4.3; node:tls would accept it); reissue the certificate with a subjectAltName (for example DNS:${cn[0]}), or pass a checkServerIdentity function that checks the commonName yourself`,
      );
    }
  }
  const listed =
    names.length === 0
      ? 'it names no DNS names or IP addresses'
      : `it names ${names.slice(0, 8).join(', ')}${names.length > 8 ? `, and ${names.length - 8} more` : ''}`;
  return certificateError('hostnameMismatch', `certificate is not valid for host "${name}": ${listed}`);
}

function raise(v: Violation): never {
  throw certificateError(v.reason, v.message);
}

/**
 * Validates the chain the peer sent (leaf first, as in TLS) against the trust anchors: builds a
 * path through the other certificates in any order, checks every rule of RFC 5280 §6.1 we apply,
 * the name when given, and revocation when CRLs are given. Throws TlsError with the right alert.
 */
export function verifyCertificateChain(chainDer: readonly Uint8Array[], options: VerifyOptions): VerifiedChain {
  checkedCrlRelaxation(options.dangerouslyRelaxCrlCheck);
  if (chainDer.length === 0) throw new TlsError('bad_certificate', 'peer sent no certificate');
  if (chainDer.length > MAX_CHAIN_CERTIFICATES)
    throw new TlsError('bad_certificate', `peer sent ${chainDer.length} certificates (at most ${MAX_CHAIN_CERTIFICATES} accepted)`);
  const now = options.now ?? new Date();
  const leaf = parseCertificate(chainDer[0]!);
  const pinned = options.trustAnchors.find(leaf) !== undefined;
  const leafProblem =
    checkCertificate(leaf, 'leaf', options.usage, { pinned, ...(options.requireAuthorityKeyIdentifier ? { requireAuthorityKeyIdentifier: true } : {}) }) ??
    checkValidity(leaf, now, 'leaf');
  if (leafProblem) raise(leafProblem);
  // The host name is checked once the path validated, as node:tls does (checkServerIdentity runs
  // after OpenSSL's verification): a chain that fails both reports the chain's failure.
  const checkName = (path: Certificate[]): VerifiedChain => {
    if (options.serverName !== undefined && !verifyHostname(leaf, options.serverName)) throw nameMismatch(leaf, options.serverName);
    return { path };
  };
  if (pinned) return checkName([leaf]);

  // Other certificates are only candidates: one that does not parse is skipped, and reported
  // only if nothing better explains a failure.
  const pool = new CertificateIndex();
  let unparsed: TlsError | undefined;
  for (let i = 1; i < chainDer.length; i++) {
    try {
      pool.add(parseCertificate(chainDer[i]!));
    } catch (err) {
      if (!(err instanceof TlsError)) throw err;
      unparsed ??= err;
    }
  }
  let path: Certificate[];
  try {
    path = new PathSearch(leaf, pool, options, now).run();
  } catch (err) {
    if (unparsed && err instanceof TlsError && err.alert === 'unknown_ca') {
      throw new TlsError('bad_certificate', `${err.message}; an intermediate certificate was malformed: ${unparsed.message}`, { code: err.code });
    }
    throw err;
  }
  return checkName(path);
}
