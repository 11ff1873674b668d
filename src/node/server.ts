// tls.createServer(), shaped like node:tls's: a net.Server whose connections become TLSSockets.
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { createServerConnection } from '../engine/endpoints.js';
import { createSecureContext as createContext, resolveServerOptions, type SecureContext, type ServerOptions } from '../engine/options.js';
import type { CertifiedKey, ServerConfig } from '../handshake/config.js';
import { MemoryAntiReplayStore } from '../handshake/anti-replay.js';
import { TicketKeyring } from '../handshake/tickets.js';
import { TlsError } from '../errors.js';
import { callableClass, type CallableClass } from './callable.js';
import { invalidServerArg, refuseUnsupportedServerOptions } from './server-option-table.js';
import { CONTEXT_KEYS, normalizeContextOptions, sniContextTrustProblem, withCheckedSniCallback } from './secure-context.js';
import { SessionEventStore, sessionEventsWanted } from './session-events.js';
import { SniContexts } from './sni-contexts.js';
import { TLSSocket } from './tls-socket.js';
import { withPskOwner } from '../engine/external-psk-options.js';

/** What node's ALPNCallback gets. */
export interface AlpnCallbackArgs {
  readonly servername: string | undefined;
  readonly protocols: string[];
}

export interface TlsServerOptions extends ServerOptions {
  /** Milliseconds a client has to complete the handshake (node:tls default: 120000). */
  handshakeTimeout?: number;
  allowHalfOpen?: boolean;
  /** As node:tls: the handshake runs, and the socket in 'secureConnection' starts paused. */
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
  /** A net.BlockList: connections from addresses it blocks are closed before the handshake. */
  blockList?: net.BlockList;
  /** Chooses the protocol among the client's ALPN offer (node:tls; exclusive with ALPNProtocols). */
  ALPNCallback?: (args: AlpnCallbackArgs) => string | undefined;
}

const TICKET_KEY_LENGTH = 48;

function ticketKeyringFor(options: TlsServerOptions, provider: CryptoProvider): TicketKeyring {
  const keys = options.ticketKeys;
  if (keys === undefined) return new TicketKeyring(provider);
  return new TicketKeyring(provider, { keys: typeof keys === 'function' ? keys : keys instanceof Uint8Array ? [keys] : [...keys] });
}

/** node's checks of createServer()'s own arguments, then tlskit's refusals (server-option-table.ts). */
function checkServerOptions(options: TlsServerOptions): void {
  refuseUnsupportedServerOptions(options);
  if (options.handshakeTimeout !== undefined && typeof options.handshakeTimeout !== 'number') {
    throw invalidServerArg('options.handshakeTimeout', 'of type number', options.handshakeTimeout);
  }
  if (options.SNICallback !== undefined && typeof options.SNICallback !== 'function') {
    throw invalidServerArg('options.SNICallback', 'of type function', options.SNICallback);
  }
  if (options.ALPNCallback !== undefined && options.ALPNCallback !== null) {
    if (typeof options.ALPNCallback !== 'function') throw invalidServerArg('options.ALPNCallback', 'of type function', options.ALPNCallback);
    if (options.ALPNProtocols !== undefined && options.ALPNProtocols !== null) {
      throw Object.assign(new TypeError('The ALPNCallback and ALPNProtocols TLS options are mutually exclusive'), {
        code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
      });
    }
  }
  if (options.blockList !== undefined && typeof (options.blockList as Partial<net.BlockList>).check !== 'function') {
    throw invalidServerArg('options.blockList', 'an instance of net.BlockList', options.blockList);
  }
}

/**
 * RFC 8446 §8: ticket keys other servers hold (setTicketKeys, ticketKeys) with 0-RTT on need an
 * anti-replay store those servers share: each would otherwise accept the same replayed early data.
 */
function refuseUnsharedReplayStore(options: TlsServerOptions, what: 'setTicketKeys' | 'setSecureContext'): void {
  if ((options.maxEarlyData ?? 0) === 0 || options.antiReplay) return;
  throw new TypeError(
    `${what === 'setTicketKeys' ? 'setTicketKeys with maxEarlyData' : 'setSecureContext: maxEarlyData with ticket keys given by setTicketKeys or ticketKeys'} ` +
      'needs an antiReplay store shared by every server holding those keys: ' +
      'each would otherwise accept the same replayed early data (RFC 8446 §8). Pass antiReplay in the options, or set maxEarlyData to 0',
  );
}

/** A 48-byte buffer, as node's setTicketKeys() takes. */
function checkedTicketKeys(keys: unknown): Uint8Array {
  if (!(keys instanceof Uint8Array)) throw invalidServerArg('keys', 'an instance of Buffer, TypedArray, or DataView', keys);
  if (keys.length !== TICKET_KEY_LENGTH) {
    throw Object.assign(new TypeError(`Session ticket keys must be a 48-byte buffer (got ${keys.length} bytes)`), { code: 'ERR_INVALID_ARG_VALUE' });
  }
  return keys;
}

/**
 * node's tls.Server: createServer(options, secureConnectionListener); also callable without
 * `new` (as `Server`). Events as node's: 'secureConnection', 'tlsClientError', 'keylog',
 * 'newSession'/'resumeSession' (TLS 1.2 session ids), plus 'handshakeStart' (socket) before the
 * handshake, for watching its events.
 */
export class TLSServer extends net.Server {
  private config!: ServerConfig;
  private options!: TlsServerOptions;
  private readonly handshakeTimeout: number;
  /**
   * The tickets that opened 0-RTT here, when the options name no store: the server's, not a
   * configuration's, so that a ticket replayed after setSecureContext() is still recognised.
   */
  private readonly antiReplay = new MemoryAntiReplayStore();
  /** The server's ticket keys (getTicketKeys/setTicketKeys): kept across setSecureContext() unless it names ticketKeys. */
  private ticketKeyring: TicketKeyring | undefined;
  private ticketKeyProvider: CryptoProvider | undefined;
  /** The keyring holds keys given to us (ticketKeys, setTicketKeys): other servers may hold them too. */
  private ticketKeysShared = false;
  private readonly sniContexts = new SniContexts();
  private readonly pauseOnConnectOption: boolean;
  private readonly allowHalfOpenOption: boolean;
  private readonly blockList: net.BlockList | undefined;
  /**
   * Internal: the server whose listeners get 'keylog', 'newSession' and 'resumeSession' (this one,
   * or the HttpsServer this one serves, as node's https.Server is itself a tls.Server).
   */
  eventOwner: EventEmitter = this;

  constructor(options?: TlsServerOptions | ((socket: TLSSocket) => void) | null, secureConnectionListener?: (socket: TLSSocket) => void) {
    if (typeof options === 'function') {
      secureConnectionListener = options;
      options = {};
    } else if (options === undefined || options === null) {
      options = {};
    } else if (typeof options !== 'object') {
      throw invalidServerArg('options', 'of type object', options);
    }
    checkServerOptions(options);
    const { allowHalfOpen = false, pauseOnConnect = false, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark } = options;
    super({
      allowHalfOpen,
      pauseOnConnect,
      ...(noDelay !== undefined ? { noDelay } : {}),
      ...(keepAlive !== undefined ? { keepAlive } : {}),
      ...(keepAliveInitialDelay !== undefined ? { keepAliveInitialDelay } : {}),
      ...(highWaterMark !== undefined ? { highWaterMark } : {}),
    });
    this.pauseOnConnectOption = pauseOnConnect;
    this.allowHalfOpenOption = allowHalfOpen;
    this.blockList = options.blockList;
    this.configure(options);
    this.handshakeTimeout = options.handshakeTimeout || 120_000;
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
    this.on('connection', (raw: net.Socket) => this.accept(raw));
  }

  /**
   * As node's: replaces the secure-context options (key, cert, ca, ciphers...: those absent go back
   * to their defaults) for new connections; the server's own (requestCert, rejectUnauthorized,
   * SNICallback, ALPN, pskCallback...) stay unless these options name them.
   */
  setSecureContext(options: TlsServerOptions): void {
    if (options === null || typeof options !== 'object') throw invalidServerArg('options', 'of type object', options);
    checkServerOptions(options);
    const kept: Record<string, unknown> = { ...this.givenOptions };
    for (const k of CONTEXT_KEYS) delete kept[k];
    this.configure({ ...kept, ...options } as TlsServerOptions);
  }

  /** The options the configuration was made from (setSecureContext keeps their server options). */
  private givenOptions: TlsServerOptions = {};

  private configure(given: TlsServerOptions): void {
    // The secure-context options as tls.createSecureContext() reads them: refusals, pfx, secureProtocol/secureOptions, DEFAULT_*.
    // An SNICallback context's ca/crl, which tlskit does not apply, refused rather than dropped.
    const options = withCheckedSniCallback(normalizeContextOptions(given));
    const provider = options.provider ?? nodeCryptoProvider;
    const resolved = resolveServerOptions(options, provider, this.antiReplay);
    // The server's keyring outlives configurations, so that getTicketKeys()/setTicketKeys() and
    // tickets already issued keep working; ticketKeys (or another provider) starts a new one.
    const newKeyring = resolved.ticketKeyring !== undefined && (!this.ticketKeyring || options.ticketKeys !== undefined || provider !== this.ticketKeyProvider);
    // RFC 8446 §8: kept keys that were given to us (ticketKeys, setTicketKeys) may be on other
    // servers too, so 0-RTT turned on now needs a shared anti-replay store, as when they were set.
    if (!newKeyring && resolved.ticketKeyring && this.ticketKeysShared) refuseUnsharedReplayStore(options, 'setSecureContext');
    if (newKeyring) {
      this.ticketKeyring = ticketKeyringFor(options, provider);
      this.ticketKeyProvider = provider;
      this.ticketKeysShared = options.ticketKeys !== undefined;
    }
    const alpnCallback = options.ALPNCallback;
    this.options = options;
    this.givenOptions = given;
    this.config = {
      ...resolved,
      ...(resolved.ticketKeyring && this.ticketKeyring ? { ticketKeyring: this.ticketKeyring } : {}),
      // Without an SNICallback, addContext()'s contexts choose the certificate (node's default).
      ...(options.SNICallback ? {} : { certificatesFor: (name: string | undefined) => this.certificatesFor(name, resolved.certificates) }),
      ...(alpnCallback
        ? { alpnCallback: (servername: string | undefined, protocols: readonly string[]) => alpnCallback({ servername, protocols: [...protocols] }) }
        : {}),
    };
  }

  private certificatesFor(serverName: string | undefined, defaults: readonly CertifiedKey[]): readonly CertifiedKey[] {
    if (serverName === undefined || this.sniContexts.size === 0) return defaults;
    return this.sniContexts.match(serverName) ?? defaults;
  }

  /**
   * As node's: certificates for clients asking for `hostname` by SNI ('*' matches within one
   * label; the last context added that matches wins), unless the options have an SNICallback.
   * `context`: createSecureContext()'s result, or its options.
   */
  addContext(hostname: string, context: SecureContext | Parameters<typeof createSecureContext>[0]): void {
    if (!hostname) throw Object.assign(new Error('"servername" is required parameter for Server.addContext'), { code: 'ERR_TLS_REQUIRED_SERVER_NAME' });
    if (typeof hostname !== 'string') throw invalidServerArg('servername', 'of type string', hostname);
    if (context === null || typeof context !== 'object') throw invalidServerArg('options', 'of type object', context);
    // Its trust options are not applied to client certificates (node's would be): refused if they differ.
    const problem = sniContextTrustProblem(context, this.options, `addContext("${hostname}")`);
    if (problem) throw problem;
    const certificates =
      'certificates' in context && Array.isArray(context.certificates)
        ? (context as SecureContext).certificates
        : createSecureContext(context as Parameters<typeof createSecureContext>[0]).certificates;
    if (certificates.length === 0) throw new TypeError(`addContext: the context for "${hostname}" has no certificate and key`);
    this.sniContexts.add(hostname, certificates);
  }

  /**
   * The key new session tickets are sealed with, as node's 48 bytes: give it to another server's
   * setTicketKeys() (or ticketKeys option) to share resumption. tlskit's ticket format is its own.
   */
  getTicketKeys(): Buffer {
    if (!this.ticketKeyring) throw new TypeError('getTicketKeys: this server issues no tickets (tickets: false)');
    return Buffer.from(this.ticketKeyring.currentKeyMaterial());
  }

  /**
   * As node's: replaces the ticket keys with these 48 bytes; tickets sealed under the keys before
   * no longer resume. Servers given the same keys resume each other's tickets.
   */
  setTicketKeys(keys: Uint8Array): void {
    const material = checkedTicketKeys(keys);
    if (!this.ticketKeyring) throw new TypeError('setTicketKeys: this server issues no tickets (tickets: false)');
    // RFC 8446 §8: keys shared between servers need an anti-replay store they share too.
    refuseUnsharedReplayStore(this.options, 'setTicketKeys');
    this.ticketKeyring.replaceKeys([material]);
    this.ticketKeysShared = true;
  }

  private accept(raw: net.Socket): void {
    const family = raw.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4';
    if (this.blockList && raw.remoteAddress && this.blockList.check(raw.remoteAddress, family)) {
      raw.destroy();
      return;
    }
    // Reassigned below, once the socket exists; pskCallback and the session store call it only during the handshake.
    let socket: TLSSocket | undefined;
    // pskCallback gets this connection's TLSSocket, as in node:tls.
    let config = withPskOwner(this.config, () => socket);
    let sessionEvents: SessionEventStore | undefined;
    const owner = this.eventOwner;
    if (sessionEventsWanted(owner)) {
      sessionEvents = new SessionEventStore(owner, (err) => socket?.destroy(err));
      config = { ...config, sessionStore: sessionEvents };
    }
    const connectionConfig = config;
    socket = new TLSSocket(raw, {
      isServer: true,
      createConnection: (handlers) => createServerConnection(connectionConfig, handlers),
      handshakeTimeout: this.handshakeTimeout,
      allowHalfOpen: this.allowHalfOpenOption,
    });
    const tlsSocket = socket;
    if (this.pauseOnConnectOption) {
      // node:tls runs the handshake on a paused connection and hands over a paused socket: the
      // application's data waits until it calls resume().
      tlsSocket.pause();
      raw.resume();
    }
    // Like node:tls: 'keylog' (line, socket) on the server for every connection, while someone listens.
    if (owner.listenerCount('keylog') > 0) tlsSocket.on('keylog', (line: Buffer) => owner.emit('keylog', line, tlsSocket));
    // Before the handshake: lets a caller watch its events ('tlsEvent') from the first message.
    this.emit('handshakeStart', tlsSocket);
    let secure = false;
    tlsSocket.once('secure', () => {
      secure = true;
      const announce = (): void => {
        if (!tlsSocket.destroyed) this.emit('secureConnection', tlsSocket);
      };
      // Like node: 'secureConnection' waits for the 'newSession' listeners to call back.
      if (sessionEvents) sessionEvents.whenSaved(announce);
      else announce();
    });
    tlsSocket.on('error', (err: Error) => {
      // Like node:tls: handshake failures go to 'tlsClientError'; later ones to the socket's owner.
      if (!secure) this.emit('tlsClientError', err instanceof TlsError ? err : Object.assign(err, {}), tlsSocket);
    });
  }
}

/** node's tls.Server: a class, also callable without `new`. */
export const Server: CallableClass<typeof TLSServer> = callableClass(TLSServer);
export type Server = TLSServer;

export function createServer(options?: TlsServerOptions, secureConnectionListener?: (socket: TLSSocket) => void): Server;
export function createServer(secureConnectionListener?: (socket: TLSSocket) => void): Server;
export function createServer(a?: TlsServerOptions | ((socket: TLSSocket) => void), b?: (socket: TLSSocket) => void): Server {
  return typeof a === 'function' ? new TLSServer({}, a) : new TLSServer(a ?? {}, b);
}

/** Certificates and keys for an SNICallback answer, like node:tls's createSecureContext. */
export function createSecureContext(options: Parameters<typeof createContext>[0]): SecureContext {
  return createContext(options, options.provider ?? nodeCryptoProvider);
}
