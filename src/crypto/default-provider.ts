// The crypto provider used when options name none, chosen by runtime. No Node built-ins here:
// the node provider registers itself from the Node entry (./node/register.ts), so a bundle built
// from the browser entry never reaches node:crypto, and there the portable provider is the only one.
import type { CryptoProvider } from './provider.js';
import { portableCryptoProvider } from './portable/provider.js';

let nativeProvider: CryptoProvider | undefined;

/** Called by the Node entry: the provider to prefer where process.versions.node says we run on Node. */
export function registerNativeProvider(provider: CryptoProvider): void {
  nativeProvider = provider;
}

interface ProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
}

function runtimeProcess(): ProcessLike | undefined {
  return (globalThis as { process?: ProcessLike }).process;
}

/** TLSKIT_PROVIDER where the runtime has an environment ('portable' or 'node'). */
function requestedProvider(): string | undefined {
  try {
    return runtimeProcess()?.env?.TLSKIT_PROVIDER;
  } catch {
    return undefined; // Deno without --allow-env throws on reading the environment
  }
}

/**
 * node:crypto on Node (once the Node entry has registered it), the portable provider elsewhere.
 * TLSKIT_PROVIDER=portable forces the portable one; TLSKIT_PROVIDER=node insists on node:crypto.
 */
export function defaultProvider(): CryptoProvider {
  const requested = requestedProvider();
  if (requested === 'portable') return portableCryptoProvider;
  const onNode = runtimeProcess()?.versions?.node !== undefined;
  if (nativeProvider && onNode) return nativeProvider;
  if (requested === 'node') {
    throw new TypeError('TLSKIT_PROVIDER=node, but the node provider is not loaded here (import tlskit from its Node entry)');
  }
  return portableCryptoProvider;
}
