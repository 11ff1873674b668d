// tls.connect(), shaped like node:tls's.
import * as net from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createClientConnection } from '../engine/endpoints.js';
import { resolveClientOptions, type ClientOptions } from '../engine/options.js';
import type { ServerIdentityCheck } from '../engine/config.js';
import { TLSSocket, describePeerChain, type PeerCertificate, type TlsSocketInit } from './tls-socket.js';
import { trustStoreFor } from '../engine/x509-verifier.js';
import type { TrustStore } from '../x509/trust-store.js';

export interface ConnectOptions extends ClientOptions {
  port?: number;
  host?: string;
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
}

/** Options with node's defaults filled in: the trust store is Node's bundled roots when `ca` is absent. */
export function withNodeDefaults<T extends ClientOptions>(options: T): T {
  return { ...options, ca: options.ca ?? nodeRootStore(), provider: options.provider ?? nodeCryptoProvider };
}

/** Node's bundled Mozilla roots, parsed once per process (a curated root program: see TrustStoreOptions). */
export function nodeRootStore(): TrustStore {
  return trustStoreFor(rootCertificates, true);
}

export function connect(options: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options, listener } = normalizeArgs(args);
  const host = options.host ?? 'localhost';
  // Options are checked before any connection is opened.
  const init = clientSocketInit({ ...options, host });
  // A socket still connecting (or not yet asked to) is waited for: the TLSSocket starts on its 'connect'.
  const transport = options.socket ?? net.connect({ port: options.port ?? 443, host });
  const socket = new TLSSocket(transport, { ...init, ownsTransport: !options.socket });
  if (options.timeout !== undefined) socket.setTimeout(options.timeout);
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
  const config = resolveClientOptions({
    ...resolved,
    servername: servername || host,
    ...(check ? { serverIdentity: identityCheckFor(check) } : {}),
  }, resolved.provider!);
  return {
    isServer: false,
    // setServername() before the start changes the SNI (sent only for a DNS name) and the name checked.
    createConnection: (handlers, overrides) => createClientConnection(
      overrides?.servername ? { ...config, serverName: overrides.servername } : config, handlers),
    ...(options.handshakeTimeout !== undefined ? { handshakeTimeout: options.handshakeTimeout } : {}),
    ...(options.session !== undefined ? { session: options.session } : {}),
    ...(options.enableTrace ? { enableTrace: true } : {}),
  };
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

function normalizeArgs(args: unknown[]): { options: ConnectOptions; listener?: () => void } {
  let options: ConnectOptions = {};
  let listener: (() => void) | undefined;
  const rest = [...args];
  if (typeof rest[0] === 'number') {
    options.port = rest.shift() as number;
    if (typeof rest[0] === 'string') options.host = rest.shift() as string;
  }
  if (typeof rest[0] === 'object' && rest[0] !== null) options = { ...(rest.shift() as ConnectOptions), ...options };
  if (typeof rest[0] === 'function') listener = rest.shift() as () => void;
  return listener ? { options, listener } : { options };
}
