// Every option of node:tls's tls.connect() and tls.createSecureContext() and of net.connect()
// (Node 20 and 24), with what tlskit does with it: honoured (as node does) or refused (a TypeError
// naming the option and what to do instead). One table, read by the code that checks options and
// by test/node/options-table.test.ts; docs/node-compat.md shows it to users. Keys node does not
// know are ignored, as node ignores them (libraries pass their own options objects through).
import * as crypto from 'node:crypto';
import { TrustStore } from '../x509/trust-store.js';

export type OptionScope = 'tls.connect' | 'tls.createSecureContext' | 'net.connect';

export interface OptionEntry {
  readonly scope: OptionScope;
  readonly status: 'honoured' | 'refused';
  /** Honoured: how. Refused: why, and what to do instead (the error says it). */
  readonly note: string;
  /**
   * For an option honoured for some values only: whether this value is refused (the error then
   * carries `note`'s second sentence). For a refused option: values that count as absent pass.
   */
  readonly refuses?: (value: unknown) => boolean;
}

const absent = (v: unknown) => v === undefined || v === null || v === false;
const notAbsent = (v: unknown) => !absent(v);

export const OPTION_TABLE: Readonly<Record<string, OptionEntry>> = {
  // tls.connect()
  enableTrace: {
    scope: 'tls.connect',
    status: 'honoured',
    note: "prints the handshake to stderr as TLSSocket#enableTrace() does: tlskit's decoded trace, not OpenSSL's format",
  },
  host: { scope: 'tls.connect', status: 'honoured', note: "where to connect (default 'localhost'); the SNI and identity-check name unless servername" },
  port: { scope: 'tls.connect', status: 'honoured', note: 'the TCP port (RangeError ERR_SOCKET_BAD_PORT when invalid, as node)' },
  path: { scope: 'tls.connect', status: 'honoured', note: 'connects to this Unix socket; host still names the server for SNI and the certificate check' },
  socket: { scope: 'tls.connect', status: 'honoured', note: 'runs TLS over this Duplex instead of opening a connection' },
  allowHalfOpen: {
    scope: 'tls.connect',
    status: 'honoured',
    note: "stays writable after the server's close_notify and FIN (the TCP socket is half-open too), as node",
  },
  rejectUnauthorized: {
    scope: 'tls.connect',
    status: 'honoured',
    note: 'false keeps an unverified connection open, authorized false and authorizationError set',
  },
  pskCallback: { scope: 'tls.connect', status: 'honoured', note: 'TLS 1.3 external PSK (psk_dhe_ke, SHA-256); TLS 1.2 PSK suites are refused' },
  ALPNProtocols: { scope: 'tls.connect', status: 'honoured', note: 'array of strings or buffers, or one wire-format buffer' },
  servername: { scope: 'tls.connect', status: 'honoured', note: 'SNI and the name checked against the certificate' },
  checkServerIdentity: { scope: 'tls.connect', status: 'honoured', note: "replaces the host name check, gets node's certificate object" },
  session: { scope: 'tls.connect', status: 'honoured', note: "resumes the session of an earlier 'session' event (only under the same trust settings)" },
  requestOCSP: { scope: 'tls.connect', status: 'honoured', note: "asks for a stapled OCSP response ('OCSPResponse' event)" },
  minDHSize: {
    scope: 'tls.connect',
    status: 'honoured',
    note: 'validated as node; tlskit has no finite-field DHE suites, so every key exchange is ECDHE or a hybrid KEM and the bound always holds',
  },
  highWaterMark: { scope: 'tls.connect', status: 'honoured', note: "the TLSSocket's buffer sizes" },
  secureContext: {
    scope: 'tls.connect',
    status: 'honoured',
    note: "a context from tlskit's createSecureContext() supplies ca, cert, key, ciphers... (the options' own are then ignored, as node, except that a ca, crl or verifier differing from the context's is refused rather than dropped; options that are not context options, such as rejectUnauthorized, never come from the context). A node:tls SecureContext is refused: create it with tlskit's createSecureContext() instead",
  },
  onread: {
    scope: 'tls.connect',
    status: 'honoured',
    note: 'data goes into onread.buffer and onread.callback(nread, buffer); a callback returning false pauses the socket',
  },
  timeout: { scope: 'tls.connect', status: 'honoured', note: "socket.setTimeout(timeout): the socket emits 'timeout' after that many idle milliseconds" },

  // tls.createSecureContext()
  allowPartialTrustChain: {
    scope: 'tls.createSecureContext',
    status: 'honoured',
    note: 'every certificate in ca is a trust anchor (RFC 5280 §6.1.1(d)); tlskit accepts a chain ending at an intermediate in ca with or without this flag',
  },
  ca: { scope: 'tls.createSecureContext', status: 'honoured', note: 'replaces the default trust (bundled roots + NODE_EXTRA_CA_CERTS), as node' },
  cert: { scope: 'tls.createSecureContext', status: 'honoured', note: 'PEM chains, leaf first; null/undefined mean none' },
  key: { scope: 'tls.createSecureContext', status: 'honoured', note: 'PEM or DER keys, also { pem, passphrase } and encrypted PEM; false/null mean none' },
  passphrase: { scope: 'tls.createSecureContext', status: 'honoured', note: 'decrypts encrypted PEM keys and pfx' },
  pfx: {
    scope: 'tls.createSecureContext',
    status: 'honoured',
    note: 'PKCS#12 as OpenSSL 3 writes it (PBES2/PBKDF2/AES-CBC, HMAC-SHA-2 MAC) and 3DES/SHA-1 legacy files; RC2 and RC4 encryption are refused with how to re-export',
  },
  crl: { scope: 'tls.createSecureContext', status: 'honoured', note: 'revocation lists, every certificate of the chain then needs one' },
  ciphers: {
    scope: 'tls.createSecureContext',
    status: 'honoured',
    note: 'an OpenSSL cipher string as node reads it; a part selecting no suite tlskit implements throws ERR_SSL_NO_CIPHER_MATCH',
  },
  sigalgs: { scope: 'tls.createSecureContext', status: 'honoured', note: 'signature schemes, IANA or OpenSSL names' },
  ecdhCurve: { scope: 'tls.createSecureContext', status: 'honoured', note: "groups separated by ':', or 'auto'" },
  minVersion: { scope: 'tls.createSecureContext', status: 'honoured', note: "'TLSv1.2' or 'TLSv1.3' ('TLSv1'/'TLSv1.1' mean TLS 1.2: RFC 8996)" },
  maxVersion: { scope: 'tls.createSecureContext', status: 'honoured', note: "'TLSv1.2' or 'TLSv1.3'" },
  secureProtocol: {
    scope: 'tls.createSecureContext',
    status: 'honoured',
    note: "TLS_method, SSLv23_method (and _client_/_server_ forms), TLSv1_2_method, TLSv1_3_method are honoured as version bounds. SSLv3 and TLS 1.0/1.1 methods are refused (RFC 8996): use minVersion 'TLSv1.2'",
  },
  secureOptions: {
    scope: 'tls.createSecureContext',
    status: 'honoured',
    note: 'SSL_OP_NO_SSLv2/SSLv3/TLSv1/TLSv1_1, NO_RENEGOTIATION, NO_COMPRESSION (tlskit never does these), NO_TLSv1_2 and NO_TLSv1_3 (version bounds), CIPHER_SERVER_PREFERENCE and NO_TICKET (server) are honoured. Other bits are refused: say what you need with minVersion/maxVersion/ciphers',
  },
  honorCipherOrder: { scope: 'tls.createSecureContext', status: 'honoured', note: "server's suite order wins (server side; no effect on a client, as node)" },
  dhparam: {
    scope: 'tls.createSecureContext',
    status: 'refused',
    refuses: (v) => notAbsent(v) && v !== 'auto',
    note: 'tlskit has no finite-field DHE suites (ECDHE only): leave out dhparam',
  },
  clientCertEngine: {
    scope: 'tls.createSecureContext',
    status: 'refused',
    refuses: notAbsent,
    note: 'OpenSSL engines are not available: pass the key as key, or sign with a remote key through the signer option',
  },
  privateKeyEngine: {
    scope: 'tls.createSecureContext',
    status: 'refused',
    refuses: notAbsent,
    note: 'OpenSSL engines are not available: pass the key as key, or sign with a remote key through the signer option',
  },
  privateKeyIdentifier: {
    scope: 'tls.createSecureContext',
    status: 'refused',
    refuses: notAbsent,
    note: 'OpenSSL engines are not available: pass the key as key, or sign with a remote key through the signer option',
  },
  sessionIdContext: { scope: 'tls.createSecureContext', status: 'honoured', note: 'server side; no effect on a client, as node' },
  ticketKeys: { scope: 'tls.createSecureContext', status: 'honoured', note: 'server side (48 bytes, as node); no effect on a client' },
  sessionTimeout: { scope: 'tls.createSecureContext', status: 'honoured', note: 'server side; no effect on a client, as node' },

  // net.connect() / new net.Socket()
  fd: { scope: 'net.connect', status: 'refused', refuses: notAbsent, note: 'wrap the descriptor yourself: tls.connect({ socket: new net.Socket({ fd }) })' },
  readable: {
    scope: 'net.connect',
    status: 'refused',
    refuses: notAbsent,
    note: 'applies to an fd socket only: pass socket: new net.Socket({ fd, readable, writable })',
  },
  writable: {
    scope: 'net.connect',
    status: 'refused',
    refuses: notAbsent,
    note: 'applies to an fd socket only: pass socket: new net.Socket({ fd, readable, writable })',
  },
  signal: { scope: 'net.connect', status: 'honoured', note: "aborting destroys the socket with node's AbortError (code ABORT_ERR)" },
  noDelay: { scope: 'net.connect', status: 'honoured', note: 'setNoDelay on the TCP socket' },
  keepAlive: { scope: 'net.connect', status: 'honoured', note: 'setKeepAlive on the TCP socket' },
  keepAliveInitialDelay: { scope: 'net.connect', status: 'honoured', note: 'setKeepAlive delay on the TCP socket' },
  blockList: { scope: 'net.connect', status: 'refused', refuses: notAbsent, note: 'Node 20 would ignore it: check addresses in a lookup function instead' },
  localAddress: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect' },
  localPort: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect' },
  family: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect' },
  hints: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect (dns.lookup hints)' },
  lookup: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect: resolves host' },
  autoSelectFamily: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect (happy eyeballs)' },
  autoSelectFamilyAttemptTimeout: { scope: 'net.connect', status: 'honoured', note: 'passed to net.connect' },
};

/** The error for a refused option: a TypeError that names it and says what to do. */
export class UnsupportedOptionError extends TypeError {
  readonly code = 'ERR_TLSKIT_UNSUPPORTED_OPTION';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`tlskit does not support the ${option} option: ${reason}`);
  }
}

/** Throws for each option of `options` the table refuses with the value given. */
export function refuseUnsupported(options: Record<string, unknown>, scopes: readonly OptionScope[]): void {
  for (const [name, entry] of Object.entries(OPTION_TABLE)) {
    if (!scopes.includes(entry.scope) || !(name in options)) continue;
    const value = options[name];
    const refused = entry.refuses ? entry.refuses(value) : entry.status === 'refused' && notAbsent(value);
    if (refused) throw new UnsupportedOptionError(name, entry.note);
  }
}

// ---- node's argument errors, same codes and messages -------------------------------------------

function describeReceived(value: unknown): string {
  if (value === null) return 'Received null';
  if (value === undefined) return 'Received undefined';
  if (typeof value === 'function') return `Received function ${(value as { name?: string }).name || '<anonymous>'}`;
  if (typeof value === 'object') return `Received an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  const shown = typeof value === 'string' ? `'${value.length > 25 ? `${value.slice(0, 25)}...` : value}'` : String(value);
  return `Received type ${typeof value} (${shown})`;
}

/** node's ERR_INVALID_ARG_TYPE. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  const what = name.includes('.') ? 'property' : 'argument';
  return Object.assign(new TypeError(`The "${name}" ${what} must be ${expected}. ${describeReceived(value)}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

const BYTES = 'of type string or an instance of Buffer, TypedArray, or DataView';
const isBytes = (v: unknown) => typeof v === 'string' || ArrayBuffer.isView(v);

/** node checks these types in tls.connect/createSecureContext before anything else. */
export function checkArgumentTypes(options: Record<string, unknown>): void {
  const present = (k: string) => options[k] !== undefined && options[k] !== null;
  for (const name of ['ca', 'cert', 'crl']) {
    if (!present(name)) continue;
    if (name === 'ca' && options.ca instanceof TrustStore) continue; // tlskit's own: a store built once
    const v = options[name];
    for (const item of Array.isArray(v) ? v : [v]) if (!isBytes(item)) throw invalidArgType(`options.${name}`, BYTES, item);
  }
  if (present('key') && options.key !== false) {
    const v = options.key;
    for (const item of Array.isArray(v) ? v : [v]) {
      const pem = typeof item === 'object' && item !== null && !ArrayBuffer.isView(item) ? (item as { pem?: unknown }).pem : item;
      if (!isBytes(pem)) throw invalidArgType('options.key', BYTES, pem);
    }
  }
  for (const name of [
    'ciphers',
    'ecdhCurve',
    'sigalgs',
    'passphrase',
    'path',
    'host',
    'servername',
    'secureProtocol',
    'privateKeyIdentifier',
    'privateKeyEngine',
    'clientCertEngine',
  ]) {
    if (present(name) && typeof options[name] !== 'string') throw invalidArgType(`options.${name}`, 'of type string', options[name]);
  }
  if (present('checkServerIdentity') && typeof options.checkServerIdentity !== 'function')
    throw invalidArgType('options.checkServerIdentity', 'of type function', options.checkServerIdentity);
  if (present('lookup') && typeof options.lookup !== 'function') throw invalidArgType('options.lookup', 'of type function', options.lookup);
  for (const name of ['localPort', 'timeout', 'secureOptions', 'minDHSize', 'sessionTimeout', 'keepAliveInitialDelay']) {
    if (present(name) && typeof options[name] !== 'number') throw invalidArgType(`options.${name}`, 'of type number', options[name]);
  }
  if (present('minDHSize') && !((options.minDHSize as number) > 0)) {
    throw Object.assign(new RangeError(`The value of "options.minDHSize" is out of range. It must be > 0. Received ${String(options.minDHSize)}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  if (present('session') && !ArrayBuffer.isView(options.session))
    throw Object.assign(new TypeError('Session must be a buffer'), { code: 'ERR_INVALID_ARG_TYPE' });
  if (present('signal') && !(options.signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', options.signal);
  if (present('highWaterMark') && !(Number.isInteger(options.highWaterMark) && (options.highWaterMark as number) >= 0)) {
    throw Object.assign(new TypeError(`The property 'options.highWaterMark' is invalid. Received ${String(options.highWaterMark)}`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  if (present('ALPNProtocols')) {
    const v = options.ALPNProtocols;
    const ok = ArrayBuffer.isView(v) || (Array.isArray(v) && v.every((p) => typeof p === 'string' || ArrayBuffer.isView(p)));
    if (!ok) throw invalidArgType('options.ALPNProtocols', 'an Array of strings or Buffers, or a Buffer', v);
  }
  if (present('onread')) {
    const o = options.onread as { buffer?: unknown; callback?: unknown };
    if (typeof o !== 'object' || !(ArrayBuffer.isView(o.buffer) || typeof o.buffer === 'function'))
      throw invalidArgType('options.onread.buffer', 'an instance of Buffer, TypedArray, DataView or a function', o?.buffer);
    if (typeof o.callback !== 'function') throw invalidArgType('options.onread.callback', 'of type function', o.callback);
  }
  if (options.port !== undefined && !options.path && options.socket === undefined) checkPort(options.port);
}

/** net's port check (RangeError ERR_SOCKET_BAD_PORT). */
export function checkPort(port: unknown): number {
  const n = typeof port === 'string' && port.trim() !== '' ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffff) {
    const shown = typeof port === 'string' ? `'${port}'` : String(port);
    throw Object.assign(new RangeError(`Port should be >= 0 and < 65536. Received type ${typeof port} (${shown}).`), { code: 'ERR_SOCKET_BAD_PORT' });
  }
  return n;
}

// ---- secureProtocol and secureOptions as version bounds ------------------------------------------

type Version = 'TLSv1.2' | 'TLSv1.3';
interface Bounds {
  minVersion?: Version;
  maxVersion?: Version;
}

/** OpenSSL method names (node's secureProtocol) as version bounds. */
export function boundsOfSecureProtocol(method: string): Bounds {
  const base = method.replace(/_(client|server)_method$/, '_method');
  switch (base) {
    case 'TLS_method':
    case 'SSLv23_method':
      return {};
    case 'TLSv1_2_method':
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
    case 'TLSv1_3_method':
      return { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
    case 'SSLv2_method':
    case 'SSLv3_method':
    case 'TLSv1_method':
    case 'TLSv1_1_method':
      throw new UnsupportedOptionError('secureProtocol', `${method} selects a protocol version tlskit never negotiates (RFC 8996): use minVersion 'TLSv1.2'`);
    default:
      throw Object.assign(new TypeError(`Unknown method: ${method}`), { code: 'ERR_TLS_INVALID_PROTOCOL_METHOD' });
  }
}

const op = crypto.constants as unknown as Record<string, number | undefined>;
/** secureOptions bits that ask for what tlskit always does (or only a server does). */
const HARMLESS_BITS = [
  'SSL_OP_NO_SSLv2',
  'SSL_OP_NO_SSLv3',
  'SSL_OP_NO_TLSv1',
  'SSL_OP_NO_TLSv1_1',
  'SSL_OP_NO_RENEGOTIATION',
  'SSL_OP_NO_COMPRESSION',
  'SSL_OP_CIPHER_SERVER_PREFERENCE',
  'SSL_OP_NO_TICKET',
  'SSL_OP_ALL',
  'SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION',
  'SSL_OP_LEGACY_SERVER_CONNECT',
];

/** secureOptions as version bounds; bits tlskit cannot honour are refused by name. */
export function boundsOfSecureOptions(bits: number): Bounds {
  let rest = BigInt(bits);
  const take = (name: string): boolean => {
    const b = op[name];
    if (b === undefined || b === 0) return false;
    const big = BigInt(b);
    if ((rest & big) !== big) return false;
    rest &= ~big;
    return true;
  };
  for (const name of HARMLESS_BITS) take(name);
  const no12 = take('SSL_OP_NO_TLSv1_2');
  const no13 = take('SSL_OP_NO_TLSv1_3');
  if (rest !== 0n) {
    const names = Object.entries(op)
      .filter(([k, v]) => k.startsWith('SSL_OP_') && v && (rest & BigInt(v)) !== 0n)
      .map(([k]) => k);
    throw new UnsupportedOptionError(
      'secureOptions',
      `${names.length > 0 ? names.join(', ') : `bits 0x${rest.toString(16)}`} cannot be honoured by tlskit: express the intent with minVersion, maxVersion or ciphers instead`,
    );
  }
  if (no12 && no13) throw new UnsupportedOptionError('secureOptions', 'SSL_OP_NO_TLSv1_2 and SSL_OP_NO_TLSv1_3 together leave no version tlskit implements');
  return { ...(no12 ? { minVersion: 'TLSv1.3' as const } : {}), ...(no13 ? { maxVersion: 'TLSv1.2' as const } : {}) };
}
