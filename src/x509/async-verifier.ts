// Path validation for providers that check some signatures only asynchronously (the portable
// provider's RSA, through WebCrypto). The path builder (./verifier.ts) stays synchronous and
// strict: it runs with a provider whose verify() answers those signatures from results computed
// earlier, and records the ones it has no result for yet. Those are then checked asynchronously,
// and the search runs again. Only a run in which every signature was answered from real results
// counts, so a path is never accepted on a signature that was not checked.
//
// An unknown signature is answered "valid" while recording it: the search then goes on along the
// same path and records every signature on it in one round (leaf, intermediates, anchor, CRLs),
// so a good chain takes two runs whatever its length. If one of them turns out bad, the next run
// tries the alternatives. Rounds and checks are bounded like the rest of path building.
import type { CryptoProvider, PublicKey, SignatureAlgorithm } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { describeSubjectPublicKeyInfo, signatureCost } from '../crypto/public-key-info.js';
import { certificateError } from './failure.js';
import { MAX_ASYNC_SIGNATURE_ROUNDS, MAX_CACHED_SIGNATURE_RESULTS, MAX_SIGNATURE_CHECKS, MAX_SIGNATURE_WORK } from './limits.js';
import { signatureCheckId } from './signature-id.js';
import { signatureWorkExceeded, verifyCertificateChain, type VerifiedChain, type VerifyOptions } from './verifier.js';

interface PendingCheck {
  readonly id: string;
  readonly key: PublicKey;
  readonly algorithm: SignatureAlgorithm;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** The signature work one validation really did, over all its runs (MAX_SIGNATURE_WORK). */
class WorkBudget {
  private spent = 0;

  charge(spki: Uint8Array): void {
    this.spent += checkCost(spki);
    if (this.spent > MAX_SIGNATURE_WORK) throw certificateError('workLimit', `gave up building a certificate path: ${signatureWorkExceeded()}`);
  }
}

/** What one synchronous run of the path builder left unanswered. */
class Round {
  readonly pending = new Map<string, PendingCheck>();
  constructor(
    /** Results of this validation so far: a TlsError when the provider could not use the key. */
    readonly results: Map<string, boolean | TlsError>,
    /** Shared by all runs: each run's own budget restarts, the real work must not. */
    readonly budget: WorkBudget,
  ) {}
}

/**
 * Results of asynchronous checks, per provider and across validations: the same intermediates
 * and roots come back with every handshake. Keyed by a hash of key, algorithm, message and
 * signature, so an entry says exactly "this signature is (in)valid for this key". Bounded; the
 * oldest entry goes first.
 */
const knownResults = new WeakMap<CryptoProvider, Map<string, boolean>>();

function remember(provider: CryptoProvider, id: string, ok: boolean): void {
  let cache = knownResults.get(provider);
  if (!cache) knownResults.set(provider, (cache = new Map()));
  if (cache.size >= MAX_CACHED_SIGNATURE_RESULTS) cache.delete(cache.keys().next().value!);
  cache.set(id, ok);
}

/**
 * The provider the path builder sees: everything is the real provider's, except verify() for keys
 * the provider handles only asynchronously. One per provider, so that the path builder's cache of
 * imported keys (keyed by provider) stays warm; `round` is set only while a synchronous run lasts.
 */
class DeferringProvider implements CryptoProvider {
  round: Round | undefined;
  constructor(private readonly inner: CryptoProvider) {}

  get name(): string {
    return this.inner.name;
  }

  verify(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean {
    const round = this.round;
    if (!round) return this.inner.verify(key, algorithm, message, signature);
    const id = signatureCheckId(this.inner, key.spki, algorithm, message, signature);
    if (!this.inner.asyncOnly?.(key)) {
      // Checked now, once per validation however many runs ask again, and on its budget: every
      // run repeats the search from the start, with a fresh budget of its own.
      const done = round.results.get(id);
      if (done instanceof TlsError) throw done;
      if (done !== undefined) return done;
      round.budget.charge(key.spki);
      const ok = this.inner.verify(key, algorithm, message, signature);
      round.results.set(id, ok);
      return ok;
    }
    const known = round.results.get(id) ?? knownResults.get(this.inner)?.get(id);
    if (known instanceof TlsError) throw known;
    if (known !== undefined) return known;
    round.pending.set(id, { id, key, algorithm, message, signature });
    return true; // provisional: this run does not count (see the top of the file)
  }

  randomBytes(length: number): Uint8Array {
    return this.inner.randomBytes(length);
  }
  hash(...a: Parameters<CryptoProvider['hash']>) {
    return this.inner.hash(...a);
  }
  createHash(...a: Parameters<CryptoProvider['createHash']>) {
    return this.inner.createHash(...a);
  }
  hmac(...a: Parameters<CryptoProvider['hmac']>) {
    return this.inner.hmac(...a);
  }
  hkdfExtract(...a: Parameters<CryptoProvider['hkdfExtract']>) {
    return this.inner.hkdfExtract(...a);
  }
  hkdfExpand(...a: Parameters<CryptoProvider['hkdfExpand']>) {
    return this.inner.hkdfExpand(...a);
  }
  createAead(...a: Parameters<CryptoProvider['createAead']>) {
    return this.inner.createAead(...a);
  }
  generateKeyShare(...a: Parameters<CryptoProvider['generateKeyShare']>) {
    return this.inner.generateKeyShare(...a);
  }
  keyShareFromPrivate(...a: Parameters<CryptoProvider['keyShareFromPrivate']>) {
    return this.inner.keyShareFromPrivate(...a);
  }
  supportsGroup(...a: Parameters<CryptoProvider['supportsGroup']>) {
    return this.inner.supportsGroup(...a);
  }
  importPublicKey(...a: Parameters<CryptoProvider['importPublicKey']>) {
    return this.inner.importPublicKey(...a);
  }
  importPrivateKey(...a: Parameters<CryptoProvider['importPrivateKey']>) {
    return this.inner.importPrivateKey(...a);
  }
  sign(...a: Parameters<CryptoProvider['sign']>) {
    return this.inner.sign(...a);
  }
  rsaEncryptPkcs1(...a: Parameters<CryptoProvider['rsaEncryptPkcs1']>) {
    return this.inner.rsaEncryptPkcs1(...a);
  }
  rsaDecryptRaw(...a: Parameters<CryptoProvider['rsaDecryptRaw']>) {
    return this.inner.rsaDecryptRaw(...a);
  }
}

const deferring = new WeakMap<CryptoProvider, DeferringProvider>();

function deferringProvider(provider: CryptoProvider): DeferringProvider {
  let d = deferring.get(provider);
  if (!d) deferring.set(provider, (d = new DeferringProvider(provider)));
  return d;
}

/** One synchronous run; `round.pending` says whether its outcome counts. */
function runOnce(
  provider: DeferringProvider,
  round: Round,
  chain: readonly Uint8Array[],
  options: VerifyOptions,
): { chain: VerifiedChain } | { error: unknown } {
  provider.round = round;
  try {
    // Its verify() answers some signatures provisionally: nothing from this run may be remembered.
    return { chain: verifyCertificateChain(chain, { ...options, provider, rememberSignatures: false }) };
  } catch (error) {
    return { error };
  } finally {
    provider.round = undefined;
  }
}

function settle(outcome: { chain: VerifiedChain } | { error: unknown }): VerifiedChain {
  if ('error' in outcome) throw outcome.error;
  return outcome.chain;
}

/**
 * verifyCertificateChain() for a provider that may check some signatures only asynchronously:
 * the result at once when no such signature was needed (an EC chain), else a Promise. Throws (or
 * rejects with) the same TlsErrors as verifyCertificateChain().
 */
export function verifyCertificateChainDeferred(chain: readonly Uint8Array[], options: VerifyOptions): VerifiedChain | Promise<VerifiedChain> {
  const inner = options.provider;
  if (!inner.verifyAsync || !inner.asyncOnly) return verifyCertificateChain(chain, options);
  const provider = deferringProvider(inner);
  const results = new Map<string, boolean | TlsError>();
  const budget = new WorkBudget();
  const first = new Round(results, budget);
  const outcome = runOnce(provider, first, chain, options);
  if (first.pending.size === 0) return settle(outcome);
  return (async () => {
    let round = first;
    let checks = 0;
    for (let rounds = 1; ; rounds++) {
      if (rounds > MAX_ASYNC_SIGNATURE_ROUNDS) {
        throw certificateError(
          'workLimit',
          `gave up building a certificate path: more than ${MAX_ASYNC_SIGNATURE_ROUNDS} rounds of asynchronous signature checks`,
        );
      }
      checks += round.pending.size;
      if (checks > MAX_SIGNATURE_CHECKS)
        throw certificateError('workLimit', `gave up building a certificate path: more than ${MAX_SIGNATURE_CHECKS} signature checks`);
      // Each run is bounded by MAX_SIGNATURE_WORK; so is the real work of all runs together, the
      // synchronous checks (charged as they run) and these.
      for (const check of round.pending.values()) budget.charge(check.key.spki);
      await Promise.all([...round.pending.values()].map((check) => checkNow(inner, check, results)));
      round = new Round(results, budget);
      const outcome = runOnce(provider, round, chain, options);
      if (round.pending.size === 0) return settle(outcome);
    }
  })();
}

function checkCost(spki: Uint8Array): number {
  try {
    return signatureCost(describeSubjectPublicKeyInfo(spki));
  } catch {
    return 1; // the provider imported it, so it parses; counted like the cheapest key if not
  }
}

async function checkNow(provider: CryptoProvider, check: PendingCheck, results: Map<string, boolean | TlsError>): Promise<void> {
  let ok: boolean;
  try {
    ok = await provider.verifyAsync!(check.key, check.algorithm, check.message, check.signature);
  } catch (err) {
    // As in a synchronous run: a key the provider cannot use ends the validation with its error.
    results.set(
      check.id,
      err instanceof TlsError
        ? err
        : new TlsError('internal_error', `signature check failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
    );
    return;
  }
  results.set(check.id, ok);
  remember(provider, check.id, ok);
}

/** verifyCertificateChain() for any provider, always asynchronous (see verifyCertificateChainDeferred). */
export async function verifyCertificateChainAsync(chain: readonly Uint8Array[], options: VerifyOptions): Promise<VerifiedChain> {
  return verifyCertificateChainDeferred(chain, options);
}
