// The crypto provider the engine tests run with: node:crypto by default, the portable provider
// (noble + WebCrypto) with TLSKIT_PROVIDER=portable — how scripts/run-portable-suite.mjs runs the
// engine suite on Node, Bun and Deno.
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { portableCryptoProvider } from '../../src/crypto/portable/provider.js';

function requested(): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TLSKIT_PROVIDER;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

export const portableRequested = requested() === 'portable';

export const testProvider: CryptoProvider = portableRequested ? portableCryptoProvider : nodeCryptoProvider;

/**
 * The skip list of the portable run, with its reason: tests that need RSA synchronously (the
 * portable provider's RSA is asynchronous WebCrypto; test/engine/portable-rsa.test.ts covers it
 * with asynchronous pumps) or RSA key transport (not available without PKCS#1 v1.5 encryption).
 */
export const needsSynchronousRsa: string | false = portableRequested
  ? 'RSA is asynchronous (WebCrypto) in the portable provider, and it has no RSA key transport: see test/engine/portable-rsa.test.ts'
  : false;

/** Certificate kinds a synchronous test can use with the test provider. */
export function synchronousKinds<K extends string>(kinds: readonly K[]): K[] {
  return portableRequested ? kinds.filter((k) => !k.startsWith('rsa')) : [...kinds];
}
