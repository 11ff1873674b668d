// tls.createSecureContext() and the module-wide defaults of node:tls (DEFAULT_CIPHERS,
// DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION, DEFAULT_ECDH_CURVE), and the normalisation of the
// options a context is made of (pfx, key: false, secureProtocol, secureOptions), shared by
// connect() and createSecureContext().
import * as crypto from 'node:crypto';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createSecureContext as createContext, type CommonOptions, type SecureContext, type VersionName } from '../engine/options.js';
import { parseCipherString } from '../engine/cipher-string.js';
import { readPkcs12 } from '../devcert/pkcs12.js';
import { toPem } from './default-trust.js';
import { boundsOfSecureOptions, boundsOfSecureProtocol, checkArgumentTypes, refuseUnsupported } from './option-table.js';

/** tlskit's default `ciphers`: every suite it enables by default, TLS 1.3 first (node's DEFAULT_CIPHERS counterpart). */
export const TLSKIT_DEFAULT_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The settable module defaults, as node:tls's (read when a context is made). */
export const defaults = {
  ciphers: TLSKIT_DEFAULT_CIPHERS,
  minVersion: 'TLSv1.2' as VersionName,
  maxVersion: 'TLSv1.3' as VersionName,
  ecdhCurve: 'auto',
};

const VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'];

/** Setters with node's checks, for the module's DEFAULT_* properties. */
export function setDefault(name: 'ciphers' | 'minVersion' | 'maxVersion' | 'ecdhCurve', value: unknown): void {
  if (name === 'ciphers') {
    if (typeof value !== 'string')
      throw Object.assign(new TypeError('The "tls.DEFAULT_CIPHERS" property must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' });
    parseCipherString(value, 'tls.DEFAULT_CIPHERS'); // refuse now what every later connection would refuse
    defaults.ciphers = value;
  } else if (name === 'minVersion' || name === 'maxVersion') {
    if (typeof value !== 'string' || !VERSIONS.includes(value)) {
      throw Object.assign(new TypeError(`"${String(value)}" is not a valid ${name === 'minVersion' ? 'minimum' : 'maximum'} TLS protocol version`), {
        code: 'ERR_TLS_INVALID_PROTOCOL_VERSION',
      });
    }
    defaults[name] = value as VersionName;
  } else {
    if (typeof value !== 'string')
      throw Object.assign(new TypeError('The "tls.DEFAULT_ECDH_CURVE" property must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' });
    defaults.ecdhCurve = value;
  }
}

/** Options a secure context is made of (node's createSecureContext options, plus tlskit's). */
export type SecureContextOptions = CommonOptions & {
  pfx?: PfxInput | readonly PfxInput[];
  secureProtocol?: string;
  secureOptions?: number;
};
export type PfxInput = string | Uint8Array | { readonly buf: string | Uint8Array; readonly passphrase?: string };

/** The options behind each context tlskit's createSecureContext() made. */
const contextOptions = new WeakMap<object, SecureContextOptions>();

/** Keys of the options a context carries (node ignores them next to a secureContext). */
export const CONTEXT_KEYS = [
  'ca',
  'cert',
  'key',
  'passphrase',
  'pfx',
  'crl',
  'ciphers',
  'sigalgs',
  'ecdhCurve',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'secureOptions',
  'honorCipherOrder',
  'sessionIdContext',
  'ticketKeys',
  'sessionTimeout',
  'dhparam',
  'allowPartialTrustChain',
  'clientCertEngine',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'signer',
  'ocspResponse',
  'provider',
  'verifier',
  'dangerouslyRelaxCrlCheck',
] as const;

/**
 * Context options in tlskit's terms: refused options checked, pfx opened into key and cert, key:
 * false and cert: null taken as absent (as node), version bounds from secureProtocol/secureOptions
 * and the module defaults filled in.
 */
export function normalizeContextOptions<T extends SecureContextOptions>(input: T): T {
  checkArgumentTypes(input as Record<string, unknown>);
  refuseUnsupported(input as Record<string, unknown>, ['tls.createSecureContext']);
  const options: SecureContextOptions = { ...input };
  for (const k of ['key', 'cert', 'ca', 'pfx', 'crl', 'passphrase'] as const) {
    const v = options[k] as unknown;
    if (v === null || v === undefined || v === false) delete options[k];
  }
  if (options.pfx !== undefined) Object.assign(options, openPfx(options));
  for (const k of ['minVersion', 'maxVersion'] as const) {
    if (options[k] !== undefined && !VERSIONS.includes(options[k]!)) {
      throw Object.assign(new TypeError(`"${String(options[k])}" is not a valid ${k === 'minVersion' ? 'minimum' : 'maximum'} TLS protocol version`), {
        code: 'ERR_TLS_INVALID_PROTOCOL_VERSION',
      });
    }
  }
  let { minVersion, maxVersion } = options;
  if (options.secureProtocol !== undefined) {
    if (minVersion !== undefined || maxVersion !== undefined) {
      throw Object.assign(new TypeError(`options.minVersion/maxVersion cannot be combined with secureProtocol ${options.secureProtocol}`), {
        code: 'ERR_TLS_PROTOCOL_VERSION_CONFLICT',
      });
    }
    ({ minVersion, maxVersion } = boundsOfSecureProtocol(options.secureProtocol));
  }
  const fromBits = options.secureOptions ? boundsOfSecureOptions(options.secureOptions) : {};
  minVersion = fromBits.minVersion ?? minVersion ?? (options.secureProtocol === undefined ? defaults.minVersion : undefined);
  maxVersion = fromBits.maxVersion ?? maxVersion ?? (options.secureProtocol === undefined ? defaults.maxVersion : undefined);
  delete options.secureProtocol;
  delete options.secureOptions;
  return {
    ...options,
    ...(minVersion !== undefined ? { minVersion } : {}),
    ...(maxVersion !== undefined ? { maxVersion } : {}),
    ciphers: options.ciphers ?? defaults.ciphers,
    ecdhCurve: options.ecdhCurve ?? defaults.ecdhCurve,
  } as T;
}

/** Each pfx's keys (as PKCS#8 PEM) and chains (leaf first, PEM), added to key and cert. */
function openPfx(options: SecureContextOptions): Pick<CommonOptions, 'key' | 'cert'> {
  const keys = options.key === undefined ? [] : Array.isArray(options.key) ? [...options.key] : [options.key];
  const certs = options.cert === undefined ? [] : Array.isArray(options.cert) ? [...options.cert] : [options.cert];
  const pfxList = (Array.isArray(options.pfx) ? options.pfx : [options.pfx]) as PfxInput[];
  for (const item of pfxList) {
    const isObject = typeof item === 'object' && !ArrayBuffer.isView(item);
    const buf = isObject ? (item as { buf: string | Uint8Array }).buf : (item as string | Uint8Array);
    const passphrase = (isObject ? (item as { passphrase?: string }).passphrase : undefined) ?? options.passphrase;
    const der = typeof buf === 'string' ? Buffer.from(buf, 'latin1') : buf;
    const contents = readPkcs12(der, passphrase);
    const pfxError = (why: string): Error => Object.assign(new Error(`Unable to load PFX certificate: ${why}`), { code: 'ERR_CRYPTO_OPERATION_FAILED' });
    // As node (OpenSSL's PKCS12_parse, then the context's key): a pfx is a key with its
    // certificate. One without a key would leave a client silently without its certificate.
    if (contents.keys.length === 0) throw pfxError('no private key in it (export the key with its certificate)');
    const spkis = contents.certificates.map((c) => {
      try {
        return new crypto.X509Certificate(c).publicKey.export({ type: 'spki', format: 'der' });
      } catch (err) {
        throw pfxError(`a certificate in it cannot be read: ${(err as Error).message}`);
      }
    });
    for (const key of contents.keys) {
      const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
      const leaf = contents.certificates.find((_, i) => spkis[i]!.equals(spki));
      if (!leaf) throw pfxError('no certificate in it matches its private key');
      keys.push(key.export({ type: 'pkcs8', format: 'pem' }) as string);
      certs.push([leaf, ...contents.certificates.filter((c) => c !== leaf)].map(toPem).join(''));
    }
  }
  return { key: keys, cert: certs } as Pick<CommonOptions, 'key' | 'cert'>;
}

/**
 * As node:tls's createSecureContext(): certificates, keys and every other context option, checked
 * now. Pass it as `secureContext` to connect() or from an SNICallback.
 */
export function createSecureContext(options: SecureContextOptions = {}): SecureContext {
  const normalized = normalizeContextOptions(options);
  parseCipherString(normalized.ciphers); // a cipher string that selects nothing fails here, as in node
  const context = createContext(normalized, normalized.provider ?? nodeCryptoProvider);
  contextOptions.set(context, normalized);
  return context;
}

/**
 * The options of a `secureContext` option: tlskit's contexts only. A node:tls SecureContext (its
 * state lives in OpenSSL, out of tlskit's reach) is refused with what to use instead.
 */
export function optionsOfSecureContext(context: unknown): SecureContextOptions {
  const known = typeof context === 'object' && context !== null ? contextOptions.get(context) : undefined;
  if (known) return known;
  const native = typeof context === 'object' && context !== null && 'context' in context && (context as object).constructor?.name === 'SecureContext';
  if (native) {
    throw Object.assign(
      new TypeError(
        "secureContext: this is a node:tls SecureContext, whose keys and trust live in OpenSSL where tlskit cannot read them: create it with tlskit's createSecureContext() (same options) instead",
      ),
      { code: 'ERR_TLS_INVALID_CONTEXT' },
    );
  }
  throw Object.assign(new TypeError("context must be a SecureContext (from tlskit's createSecureContext())"), { code: 'ERR_TLS_INVALID_CONTEXT' });
}

/** Context options that say whom to trust: never dropped silently in favour of a secureContext's. */
export const TRUST_KEYS = ['ca', 'crl', 'verifier', 'dangerouslyRelaxCrlCheck'] as const;

/** Whether two option values are the same (PEM text and DER bytes compared by content, lists in order, objects by identity). */
export function sameOptionValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
  const bytes = (v: unknown): Buffer | undefined =>
    typeof v === 'string' ? Buffer.from(v) : ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;
  const [x, y] = [list(a), list(b)];
  if (x.length !== y.length || x.length === 0) return false;
  return x.every((item, i) => {
    const [p, q] = [bytes(item), bytes(y[i])];
    return p && q ? p.equals(q) : item === y[i];
  });
}

/** The options behind a context tlskit's createSecureContext() made, if it made this one. */
export function knownContextOptions(context: unknown): SecureContextOptions | undefined {
  return typeof context === 'object' && context !== null ? contextOptions.get(context) : undefined;
}

/**
 * A certificate context for some server names (addContext, an SNICallback's answer) gives its
 * certificates only: its trust options are not applied to client certificates, where node:tls
 * would apply them. One whose ca, crl or verifier differs from the server's is refused (a TypeError
 * naming it), never dropped: dropping it would accept client certificates its ca excludes.
 */
export function sniContextTrustProblem(context: unknown, server: object, what: string): TypeError | undefined {
  // A context tlskit made, or the options addContext() was given to make one.
  const isContext = typeof context === 'object' && context !== null && Array.isArray((context as { certificates?: unknown }).certificates);
  const own = (isContext ? knownContextOptions(context) : context) as Record<string, unknown> | undefined;
  if (!own || typeof own !== 'object') return undefined;
  for (const k of TRUST_KEYS) {
    const v = own[k];
    if (v === undefined || v === null || v === false) continue;
    if (!sameOptionValue(v, (server as Record<string, unknown>)[k])) {
      return new TypeError(
        `${what}: the context's ${k} differs from the server's, and tlskit applies one ${k} to every client certificate ` +
          `(node:tls would switch to the context's): give the server the ${k} it should apply, and leave ${k} out of the per-name context`,
      );
    }
  }
  return undefined;
}

type SniCallback = (servername: string, callback: (err: Error | null, context?: unknown) => void) => void;

/** Server options whose SNICallback answers are checked by sniContextTrustProblem (a refused context fails that handshake). */
export function withCheckedSniCallback<T extends object>(options: T): T {
  const sni = (options as { SNICallback?: SniCallback }).SNICallback;
  if (typeof sni !== 'function') return options;
  const checked: SniCallback = (servername, callback) =>
    sni(servername, (err, context) => {
      const problem = !err && context ? sniContextTrustProblem(context, options, 'SNICallback') : undefined;
      if (problem) callback(problem);
      else callback(err, context);
    });
  return { ...options, SNICallback: checked };
}
