// The rest of node:tls's module surface: rootCertificates, getCiphers(), getCACertificates(),
// the DEFAULT_* settings (settable through the default export, as on node:tls's module object),
// so that `import tls from 'tlskit'` can stand in for `import tls from 'node:tls'`.
import * as nodeTls from 'node:tls';
import { ALL_CIPHER_SUITES } from '../protocol/cipher-suites.js';
import { defaults, setDefault } from './secure-context.js';
import { defaultCaCertificates, toPem } from './default-trust.js';
import { readCertificates } from '../x509/trust-store.js';

/** Node's bundled Mozilla roots (PEM), the curated part of the default trust. */
export const rootCertificates: readonly string[] = nodeTls.rootCertificates;

/** The cipher suites tlskit implements, lower-case OpenSSL names as node:tls's getCiphers(). */
export function getCiphers(): string[] {
  return ALL_CIPHER_SUITES.map((s) => s.opensslName.toLowerCase());
}

/**
 * As Node 22.15+'s tls.getCACertificates(type): 'default' is what a client without `ca` trusts
 * (./default-trust.ts: node's own default list where node gives it), 'bundled' the
 * bundled roots, 'extra' NODE_EXTRA_CA_CERTS's, 'system' the system store (where node offers it).
 */
export function getCACertificates(type: 'default' | 'bundled' | 'extra' | 'system' = 'default'): string[] {
  if (type === 'default') return defaultCaCertificates();
  if (type === 'bundled') return [...rootCertificates];
  const native = (nodeTls as unknown as { getCACertificates?: (t: string) => string[] }).getCACertificates;
  if (type === 'system') {
    if (typeof native !== 'function') throw new TypeError("getCACertificates('system') needs Node 22.15 or later");
    return native('system');
  }
  if (type === 'extra') {
    if (typeof native === 'function') return [...native('extra')];
    const bundled = new Set(rootCertificates.flatMap((p) => readCertificates(p).map((c) => toPem(c.der))));
    return defaultCaCertificates().filter((p) => !bundled.has(p));
  }
  throw Object.assign(new TypeError(`The argument 'type' must be one of: 'default', 'bundled', 'extra', 'system'. Received '${String(type)}'`), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
}

/** Defines DEFAULT_CIPHERS, DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION, DEFAULT_ECDH_CURVE on a module object. */
export function defineDefaults<T extends object>(target: T): T {
  const names = { DEFAULT_CIPHERS: 'ciphers', DEFAULT_MIN_VERSION: 'minVersion', DEFAULT_MAX_VERSION: 'maxVersion', DEFAULT_ECDH_CURVE: 'ecdhCurve' } as const;
  for (const [prop, key] of Object.entries(names)) {
    Object.defineProperty(target, prop, {
      enumerable: true,
      configurable: true,
      get: () => defaults[key],
      set: (value: unknown) => setDefault(key, value),
    });
  }
  return target;
}
