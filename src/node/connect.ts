// tls.connect(), shaped like node:tls's.
import * as net from 'node:net';
import { addAbortSignal, type Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createClientConnection } from '../engine/endpoints.js';
import { resolveClientOptions, type ClientOptions } from '../engine/options.js';
import { decodeSession } from '../handshake/session.js';
import type { ServerIdentityCheck } from '../handshake/config.js';
import { TLSSocket, describePeerChain, type PeerCertificate, type TlsSocketInit } from './tls-socket.js';
import type { TrustStore } from '../x509/trust-store.js';
import type { SecureContext } from '../engine/options.js';
import { defaultTrustStore } from './default-trust.js';
import { UnsupportedOptionError, checkArgumentTypes, refuseUnsupported } from './option-table.js';
import { CONTEXT_KEYS, TRUST_KEYS, normalizeContextOptions, optionsOfSecureContext, sameOptionValue, type PfxInput } from './secure-context.js';

export interface ConnectOptions extends ClientOptions {
  port?: number;
  host?: string;
  /** Connect to this Unix socket instead of host and port (host still names the server). */
  path?: string;
  /** Run TLS over this existing stream instead of opening a TCP connection. */
  socket?: Duplex;
  /** Milliseconds to complete the handshake (default: no limit beyond the transport's). */
  handshakeTimeout?: number;
  timeout?: number;
  /**
   * As node:tls: replaces the host name check, after the chain validated, with this function of
   * the name and getPeerCertificate(true)'s object (`tls.checkServerIdentity(host, cert)` is the
   * default; add checks such as key pinning on `cert.pubkey` around it). An Error it returns fails
   * the handshake with bad_certificate, or leaves the socket unauthorized with rejectUnauthorized: false.
   */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** Print the handshake to stderr (see TLSSocket#enableTrace). */
  enableTrace?: boolean;
  /** A context from createSecureContext(): its ca, cert, key, ciphers... replace the options' own (as node). */
  secureContext?: SecureContext;
  pfx?: PfxInput | readonly PfxInput[];
  secureProtocol?: string;
  secureOptions?: number;
  /** Stay writable after the server ended its side (TLS 1.3 half-close; the TCP socket is half-open too). */
  allowHalfOpen?: boolean;
  /** Destroys the socket with node's AbortError when aborted. */
  signal?: AbortSignal;
  highWaterMark?: number;
  onread?: { buffer: Uint8Array | (() => Uint8Array); callback: (bytes: number, buffer: Uint8Array) => boolean | void };
  // Passed to net.connect() when tlskit opens the connection.
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  family?: number;
  hints?: number;
  localAddress?: string;
  localPort?: number;
  lookup?: net.LookupFunction;
  autoSelectFamily?: boolean;
  autoSelectFamilyAttemptTimeout?: number;
  minDHSize?: number;
}

/** Options with node's defaults filled in: the trust store is node's default trust when `ca` is absent. */
export function withNodeDefaults<T extends ClientOptions>(options: T): T {
  return { ...options, ca: options.ca ?? nodeRootStore(), provider: options.provider ?? nodeCryptoProvider };
}

/**
 * Node's default trust: the bundled Mozilla roots (a curated root program: see TrustStoreOptions),
 * NODE_EXTRA_CA_CERTS and, with --use-system-ca, the system store (src/node/default-trust.ts).
 */
export function nodeRootStore(): TrustStore {
  return defaultTrustStore();
}

const NET_KEYS = [
  'allowHalfOpen',
  'noDelay',
  'keepAlive',
  'keepAliveInitialDelay',
  'family',
  'hints',
  'localAddress',
  'localPort',
  'lookup',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'timeout',
] as const;

/** The net.connect() options: path, or host and port, with the socket options node passes on. */
function netOptions(options: ConnectOptions, host: string): net.NetConnectOpts {
  // As net: an empty or null path (http.Agent passes the request's null one) means host and port.
  const out: Record<string, unknown> = options.path ? { path: options.path } : { port: options.port ?? 443, host };
  for (const k of NET_KEYS) if (options[k] !== undefined && k !== 'timeout') out[k] = options[k];
  return out as unknown as net.NetConnectOpts;
}

/** The TLS options of a connection: a secureContext's, else the options' own, normalised (pfx, defaults...). */
export function contextOptionsFor(options: ConnectOptions): ConnectOptions {
  if (options.secureContext === undefined || options.secureContext === null) return normalizeContextOptions(options);
  const all = optionsOfSecureContext(options.secureContext) as Record<string, unknown>;
  // Only what a context is made of comes from it: options createSecureContext() was also given
  // (rejectUnauthorized, checkServerIdentity, servername, host: one options object passed to both)
  // mean nothing there, as in node, and must never override the connection's own.
  const fromContext: Record<string, unknown> = {};
  for (const k of CONTEXT_KEYS) if (k in all) fromContext[k] = all[k];
  // The connection's own trust options would be replaced by the context's (node does so silently):
  // one that differs is refused rather than dropped, since dropping it can widen trust.
  for (const k of TRUST_KEYS) {
    const given = (options as Record<string, unknown>)[k];
    if (given === undefined || given === null || given === false) continue;
    if (!sameOptionValue(given, fromContext[k])) {
      throw new UnsupportedOptionError(
        k,
        `with secureContext, the context's ${k} is used and this one would be ignored; ` +
          `give ${k} to createSecureContext() instead, or leave it out of these options`,
      );
    }
  }
  const rest: Record<string, unknown> = { ...options };
  for (const k of CONTEXT_KEYS) delete rest[k];
  return { ...rest, ...fromContext } as ConnectOptions;
}

export function connect(options: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(path: string, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options: given, listener } = normalizeArgs(args);
  checkArgumentTypes(given as Record<string, unknown>);
  refuseUnsupported(given as Record<string, unknown>, ['tls.connect', 'net.connect']);
  const options = contextOptionsFor(given);
  const host = options.host ?? 'localhost';
  // Options are checked before any connection is opened.
  const init = clientSocketInit({ ...options, host });
  // A socket still connecting (or not yet asked to) is waited for: the TLSSocket starts on its 'connect'.
  const transport = options.socket ?? net.connect(netOptions(options, host));
  const socket = new TLSSocket(transport, { ...init, ownsTransport: !options.socket });
  if (options.timeout !== undefined) socket.setTimeout(options.timeout);
  if (options.signal) addAbortSignal(options.signal, socket);
  if (options.onread) deliverInto(socket, options.onread);
  if (listener) socket.once('secureConnect', listener);
  return socket;
}

/** The client side of a TLSSocket for these options (connect(), and new TLSSocket(socket, options)). */
export function clientSocketInit(options: ConnectOptions & { host: string }): TlsSocketInit {
  const host = options.host;
  // node:tls sends the host as SNI unless it is an IP address or servername says otherwise.
  const servername = options.servername ?? (net.isIP(host) ? undefined : host);
  const resolved = withNodeDefaults({ ...options, host, ...(servername !== undefined ? { servername } : {}) });
  // The name checked against the certificate: servername, else the host (IP addresses included).
  // An empty servername (http.Agent passes '' for IP hosts) means the host too, as in node:tls.
  const check = options.checkServerIdentity;
  const config = resolveClientOptions(
    {
      ...resolved,
      servername: servername || host,
      ...(check ? { serverIdentity: identityCheckFor(check) } : {}),
    },
    resolved.provider!,
  );
  return {
    isServer: false,
    // setServername() before the start changes the SNI (sent only for a DNS name) and the name checked.
    // setSession() likewise replaces the session offered (decoded as the option is).
    createConnection: (handlers, overrides) =>
      createClientConnection(
        {
          ...config,
          ...(overrides?.servername ? { serverName: overrides.servername } : {}),
          ...(overrides?.session ? { session: decodeSession(overrides.session) } : {}),
        },
        handlers,
      ),
    ...(options.handshakeTimeout !== undefined ? { handshakeTimeout: options.handshakeTimeout } : {}),
    ...(options.session !== undefined ? { session: options.session } : {}),
    ...(options.enableTrace ? { enableTrace: true } : {}),
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    ...(options.allowHalfOpen ? { allowHalfOpen: true } : {}),
  };
}

/**
 * node's `onread`: each chunk of plaintext is copied into the caller's buffer (a fresh one from the
 * function form for each chunk) and handed to the callback, in pieces when it is larger; a callback
 * returning false pauses the socket (resume() continues), as in net.
 */
function deliverInto(socket: TLSSocket, onread: NonNullable<ConnectOptions['onread']>): void {
  socket.on('data', (chunk: Buffer) => {
    for (let at = 0; at < chunk.length; ) {
      const buffer = typeof onread.buffer === 'function' ? onread.buffer() : onread.buffer;
      const n = Math.min(buffer.length, chunk.length - at);
      if (n === 0) throw new RangeError('onread.buffer has no room');
      buffer.set(chunk.subarray(at, at + n));
      at += n;
      if (onread.callback(n, buffer) === false) socket.pause();
    }
  });
}

type CheckServerIdentity = NonNullable<ConnectOptions['checkServerIdentity']>;
const identityChecks = new WeakMap<CheckServerIdentity, ServerIdentityCheck>();

/**
 * The engine's identity check for a checkServerIdentity function: one per function, so that a
 * session authenticated under it resumes under the same function and no other
 * (src/handshake/trust-binding.ts).
 */
function identityCheckFor(check: CheckServerIdentity): ServerIdentityCheck {
  let wrapped = identityChecks.get(check);
  if (!wrapped) {
    wrapped = (name, chain) => check(name, describePeerChain(chain, true) as PeerCertificate);
    identityChecks.set(check, wrapped);
  }
  return wrapped;
}

/** node's argument forms: (options, cb), (port, host?, options?, cb?), (path, options?, cb?). */
function normalizeArgs(args: unknown[]): { options: ConnectOptions; listener?: () => void } {
  let options: ConnectOptions = {};
  let listener: (() => void) | undefined;
  const rest = [...args];
  if (typeof rest[0] === 'number' || (typeof rest[0] === 'string' && /^\d+$/.test(rest[0]))) {
    options.port = Number(rest.shift());
    if (typeof rest[0] === 'string') options.host = rest.shift() as string;
  } else if (typeof rest[0] === 'string') {
    options.path = rest.shift() as string;
  }
  if (typeof rest[0] === 'object' && rest[0] !== null) options = { ...(rest.shift() as ConnectOptions), ...options };
  if (typeof rest[0] === 'function') listener = rest.shift() as () => void;
  return listener ? { options, listener } : { options };
}
