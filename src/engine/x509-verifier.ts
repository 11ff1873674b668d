// The default PeerVerifier: RFC 5280 path validation and RFC 6125 name checks (src/x509) against
// the configured trust anchors and CRLs. Asynchronous only where the provider's signature checks
// are (src/x509/async-verifier.ts).
import { TlsError, asTlsError } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { TrustStore, checkedCrlRelaxation, readCrls, verifyCertificateChainDeferred, describeCertificate, type Crl, type CrlRelaxation, type VerifiedChain } from '../x509/index.js';
import type { PeerVerifier, VerificationContext, VerificationOutcome } from './config.js';

export type CaInput = string | Uint8Array | readonly (string | Uint8Array)[];

// Parsing a trust store is the costly part: cache it per `ca` value, so that a client connecting
// again and again with the same options parses its anchors once.
const storesByObject = new WeakMap<object, TrustStore>();
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
  let store = storesByObject.get(ca);
  if (!store) {
    store = TrustStore.from(ca, { curated });
    storesByObject.set(ca, store);
  }
  return store;
}

export class X509Verifier implements PeerVerifier {
  constructor(
    private readonly provider: CryptoProvider,
    private readonly trustAnchors: TrustStore,
    private readonly crls: readonly Crl[] = [],
    /** See VerifyOptions.dangerouslyRelaxCrlCheck. */
    private readonly dangerouslyRelaxCrlCheck?: CrlRelaxation,
  ) {}

  static fromOptions(provider: CryptoProvider, ca: CaInput | TrustStore | undefined, crl: CaInput | undefined, dangerouslyRelaxCrlCheck?: CrlRelaxation): X509Verifier {
    const store = ca instanceof TrustStore ? ca : trustStoreFor(ca ?? []);
    return new X509Verifier(provider, store, crl !== undefined ? readCrls(crl) : [], checkedCrlRelaxation(dangerouslyRelaxCrlCheck));
  }

  /**
   * Synchronous unless the provider checks some of the chain's signatures only asynchronously (the
   * portable provider's RSA, through WebCrypto): then the answer is a Promise and the handshake waits.
   */
  verify(chain: readonly Uint8Array[], context: VerificationContext): VerificationOutcome | Promise<VerificationOutcome> {
    if (this.trustAnchors.size === 0) {
      return { ok: false, error: new TlsError('unknown_ca', 'no trusted certificate authorities are configured (set the ca option)') };
    }
    const outcome = (verified: VerifiedChain): VerificationOutcome => ({ ok: true, detail: verified.path.map(describeCertificate).join(' ← '), path: verified.path.map((c) => c.der) });
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
