// The default PeerVerifier: RFC 5280 path validation and RFC 6125 name checks (src/x509) against
// the configured trust anchors and CRLs. Asynchronous only where the provider's signature checks
// are (src/x509/async-verifier.ts).
import { asTlsError } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { certificateError } from '../x509/failure.js';
import {
  TrustStore,
  checkedCrlRelaxation,
  readCrls,
  verifyCertificateChainDeferred,
  describeCertificate,
  type Crl,
  type CrlRelaxation,
  type VerifiedChain,
} from '../x509/index.js';
import type { PeerVerifier, VerificationContext, VerificationOutcome } from '../handshake/config.js';
import { Writer } from '../wire/writer.js';
import { utf8 } from '../wire/bytes.js';

export type CaInput = string | Uint8Array | readonly (string | Uint8Array)[];

// Parsing a trust store is the costly part: cache it per `ca` value, so that a client connecting
// again and again with the same options parses its anchors once.
// Curated and private stores are cached apart: the same `ca` value must not pick up a curated
// root program's leniencies (TrustStoreOptions.curated) because it was once read as one.
const storesByObject = { curated: new WeakMap<object, TrustStore>(), private: new WeakMap<object, TrustStore>() };
const storesByText = new Map<string, TrustStore>();
const MAX_TEXT_STORES = 32;

export function trustStoreFor(ca: CaInput, curated = false): TrustStore {
  if (typeof ca === 'string') {
    const key = `${curated ? 'curated:' : ''}${ca}`;
    let store = storesByText.get(key);
    if (!store) {
      store = TrustStore.from(ca, { curated });
      if (storesByText.size >= MAX_TEXT_STORES) storesByText.delete(storesByText.keys().next().value!);
      storesByText.set(key, store);
    }
    return store;
  }
  const cache = curated ? storesByObject.curated : storesByObject.private;
  let store = cache.get(ca);
  if (!store) {
    store = TrustStore.from(ca, { curated });
    cache.set(ca, store);
  }
  return store;
}

// What a trust store trusts, by content (its anchors' SHA-256, sorted): computed once per store.
const anchorDigests = new WeakMap<TrustStore, readonly Uint8Array[]>();

function sortedDigests(provider: CryptoProvider, ders: readonly Uint8Array[]): Uint8Array[] {
  return ders.map((der) => provider.hash('sha256', der)).sort(compareBytes);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export class X509Verifier implements PeerVerifier {
  private description: Uint8Array | undefined;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly trustAnchors: TrustStore,
    private readonly crls: readonly Crl[] = [],
    /** See VerifyOptions.dangerouslyRelaxCrlCheck. */
    private readonly dangerouslyRelaxCrlCheck?: CrlRelaxation,
  ) {}

  static fromOptions(
    provider: CryptoProvider,
    ca: CaInput | TrustStore | undefined,
    crl: CaInput | undefined,
    dangerouslyRelaxCrlCheck?: CrlRelaxation,
  ): X509Verifier {
    const store = ca instanceof TrustStore ? ca : trustStoreFor(ca ?? []);
    return new X509Verifier(provider, store, crl !== undefined ? readCrls(crl) : [], checkedCrlRelaxation(dangerouslyRelaxCrlCheck));
  }

  /**
   * PeerVerifier.trustDescription: the trust anchors and CRLs as sets (their SHA-256, sorted, so
   * order does not matter), whether the store applies a curated root program's constraints, and
   * how strictly CRLs are required (a session checked with missing CRLs tolerated must not stand
   * for a connection that requires them).
   * Equal stores describe alike in any process, so sessions resume across a fleet sharing them.
   */
  trustDescription(): Uint8Array {
    if (!this.description) {
      let anchors = anchorDigests.get(this.trustAnchors);
      if (!anchors) {
        anchors = sortedDigests(
          this.provider,
          this.trustAnchors.anchors.map((a) => a.der),
        );
        anchorDigests.set(this.trustAnchors, anchors);
      }
      const crls = sortedDigests(
        this.provider,
        this.crls.map((c) => c.der),
      );
      const w = new Writer(64 + 32 * (anchors.length + crls.length));
      // Curation: 1 all anchors, 0 none, 2 mixed followed by the curated anchors' digests.
      const mixed = this.trustAnchors.individuallyCurated;
      w.vectorBytes(1, utf8('x509')).u8(this.trustAnchors.curated ? 1 : mixed.length > 0 ? 2 : 0);
      if (mixed.length > 0) {
        const digests = sortedDigests(
          this.provider,
          mixed.map((a) => a.der),
        );
        w.vector(3, (v) => digests.forEach((d) => v.bytes(d)));
      }
      w.vectorBytes(1, utf8(this.dangerouslyRelaxCrlCheck ?? 'all'));
      w.vector(3, (v) => anchors.forEach((d) => v.bytes(d)));
      w.vector(3, (v) => crls.forEach((d) => v.bytes(d)));
      this.description = w.finish();
    }
    return this.description;
  }

  /**
   * Synchronous unless the provider checks some of the chain's signatures only asynchronously (the
   * portable provider's RSA, through WebCrypto): then the answer is a Promise and the handshake waits.
   */
  verify(chain: readonly Uint8Array[], context: VerificationContext): VerificationOutcome | Promise<VerificationOutcome> {
    if (this.trustAnchors.size === 0) {
      return { ok: false, error: certificateError('issuerNotFound', 'no trusted certificate authorities are configured (set the ca option)') };
    }
    const outcome = (verified: VerifiedChain): VerificationOutcome => ({
      ok: true,
      detail: verified.path.map(describeCertificate).join(' ← '),
      path: verified.path.map((c) => c.der),
    });
    const failure = (err: unknown): VerificationOutcome => ({ ok: false, error: asTlsError(err) });
    try {
      const verified = verifyCertificateChainDeferred(chain, {
        provider: this.provider,
        trustAnchors: this.trustAnchors,
        usage: context.usage,
        now: context.now,
        ...(context.serverName !== undefined ? { serverName: context.serverName } : {}),
        ...(this.crls.length > 0 ? { crls: this.crls } : {}),
        ...(this.dangerouslyRelaxCrlCheck !== undefined ? { dangerouslyRelaxCrlCheck: this.dangerouslyRelaxCrlCheck } : {}),
      });
      return verified instanceof Promise ? verified.then(outcome, failure) : outcome(verified);
    } catch (err) {
      return failure(err);
    }
  }
}
