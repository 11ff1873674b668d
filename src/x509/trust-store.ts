// Trust anchors (RFC 5280 §6.1.1(d)), parsed once and indexed by subject name so that each
// path-building step is a map lookup. (Name chaining is what RFC 5280 §6.1.4(a) requires; key
// identifiers only order the candidates a name lookup finds.)
import { equalBytes } from '../wire/bytes.js';
import { parseCertificate, type Certificate } from './certificate.js';
import { derBlocks } from './input.js';
import type { Name } from './name.js';

export type CertificateInput = string | Uint8Array;

/** Certificates indexed by subject (comparison key), for issuer lookups. */
export class CertificateIndex {
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly list: Certificate[] = [];

  add(cert: Certificate): boolean {
    if (this.find(cert)) return false; // the same certificate twice adds nothing
    this.list.push(cert);
    push(this.bySubject, cert.subject.key, cert);
    return true;
  }

  get size(): number {
    return this.list.length;
  }

  get all(): readonly Certificate[] {
    return this.list;
  }

  /** Certificates whose subject is `name` (candidate issuers of a certificate issued by `name`). */
  withSubject(name: Name): readonly Certificate[] {
    return this.bySubject.get(name.key) ?? [];
  }

  /** The stored certificate with exactly this encoding, if any. */
  find(cert: Certificate): Certificate | undefined {
    return this.bySubject.get(cert.subject.key)?.find((c) => equalBytes(c.der, cert.der));
  }
}

function push(map: Map<string, Certificate[]>, key: string, cert: Certificate): void {
  const list = map.get(key);
  if (list) list.push(cert);
  else map.set(key, [cert]);
}

/** The certificates in PEM text ("CERTIFICATE" blocks) or DER input, one or many. */
export function readCertificates(input: CertificateInput | readonly CertificateInput[]): Certificate[] {
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const out: Certificate[] = [];
  for (const item of items) for (const der of derBlocks(item, 'CERTIFICATE')) out.push(parseCertificate(der));
  return out;
}

/**
 * The certificates a verifier trusts. Build it once (from the `ca` option, or the platform's root
 * list passed in by the Node adapter) and share it across connections: parsing happens here only.
 */
export interface TrustStoreOptions {
  /**
   * The anchors are a curated root program's list (the Node adapter's default,
   * tls.rootCertificates): CABF encoding rules for root certificates are not applied to them,
   * because a few long-standing, vetted roots predate those rules. Validity, CA-ness, key
   * strength and critical extensions are still checked. Default false (a caller's own `ca`).
   */
  readonly curated?: boolean;
}

/** One group of anchors for TrustStore.combine(): a curated root program's list, or private anchors. */
export interface TrustStorePart {
  readonly certificates: readonly Certificate[];
  readonly curated: boolean;
}

export class TrustStore {
  private constructor(
    private readonly index: CertificateIndex,
    /** See TrustStoreOptions.curated: true when every anchor is curated. */
    readonly curated: boolean,
    /** Anchors curated one by one, in a store that mixes curated and private anchors. */
    private readonly curatedAnchors: ReadonlySet<Certificate> = new Set(),
  ) {}

  /**
   * Anchors from several sources, each keeping its own curation: node's bundled roots are a
   * curated program, NODE_EXTRA_CA_CERTS or a system store are not, and must not inherit it.
   */
  static combine(parts: readonly TrustStorePart[]): TrustStore {
    const index = new CertificateIndex();
    const curated = new Set<Certificate>();
    // Curated parts first: a root that is also in a private source (a system store holds most of
    // Mozilla's) is still the vetted program's root, byte for byte.
    for (const part of [...parts.filter((p) => p.curated), ...parts.filter((p) => !p.curated)]) {
      for (const c of part.certificates) if (index.add(c) && part.curated) curated.add(c);
    }
    const all = curated.size === index.size && index.size > 0;
    return new TrustStore(index, all, all ? new Set() : curated);
  }

  /** Whether this anchor belongs to a curated root program (see TrustStoreOptions.curated). */
  isCurated(anchor: Certificate): boolean {
    return this.curated || this.curatedAnchors.has(anchor);
  }

  /** Curated anchors of a mixed store (empty when all or none are curated). */
  get individuallyCurated(): readonly Certificate[] {
    return [...this.curatedAnchors];
  }

  /** Trust anchors from PEM (one or many blocks) or DER, one or many. Throws TlsError on malformed input. */
  static from(ca: CertificateInput | readonly CertificateInput[], options: TrustStoreOptions = {}): TrustStore {
    return TrustStore.fromCertificates(readCertificates(ca), options);
  }

  static fromCertificates(certs: readonly Certificate[], options: TrustStoreOptions = {}): TrustStore {
    const index = new CertificateIndex();
    for (const c of certs) index.add(c);
    return new TrustStore(index, options.curated === true);
  }

  get size(): number {
    return this.index.size;
  }

  get anchors(): readonly Certificate[] {
    return this.index.all;
  }

  /** Anchors whose subject is `name`. */
  withSubject(name: Name): readonly Certificate[] {
    return this.index.withSubject(name);
  }

  /** The anchor with exactly this encoding, if the certificate is itself trusted. */
  find(cert: Certificate): Certificate | undefined {
    return this.index.find(cert);
  }
}
