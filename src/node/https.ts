// HTTPS with node's http module over tlskit: a server whose requests `http` parses (keep-alive and
// pipelining are http's, unchanged), an http.Agent for http.request / https.request, and a
// connector for undici so that fetch() runs over tlskit. All offer ALPN http/1.1 by default.
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type ConnectOptions } from './connect.js';
import { TLSServer, type TlsServerOptions } from './server.js';
import { callableClass, type CallableClass } from './callable.js';
import type { TLSSocket } from './tls-socket.js';

const HTTP_1_1 = ['http/1.1'];

/**
 * `options` offering http/1.1 by ALPN unless they name protocols. A key present with the value
 * undefined (got passes `ALPNProtocols: undefined`) counts as absent, as in node's https.
 */
function withHttpAlpn<T extends { ALPNProtocols?: unknown; ALPNCallback?: unknown }>(options: T): T {
  // An ALPNCallback chooses instead (node's https.Server offers no default then either).
  if (options.ALPNCallback !== undefined && options.ALPNCallback !== null) return options;
  return { ...options, ALPNProtocols: options.ALPNProtocols ?? HTTP_1_1 };
}

export interface HttpsServerOptions extends TlsServerOptions, Omit<http.ServerOptions, keyof TlsServerOptions> {
  /**
   * Requests that arrived, even partly, as TLS 1.3 0-RTT data (with maxEarlyData) can be replayed
   * by an attacker. By default they are answered 425 Too Early (RFC 8470 §5.2), which the client
   * may retry once the handshake completed; true, or a predicate answering true for a request,
   * lets them through to the handlers, which see `req.tlsEarlyData === true`.
   */
  allowEarlyDataRequests?: boolean | ((req: http.IncomingMessage) => boolean);
}

declare module 'node:http' {
  interface IncomingMessage {
    /** createHttpsServer: the request arrived, even partly, as TLS 1.3 0-RTT data (replayable, RFC 8470). */
    tlsEarlyData?: boolean;
  }
}

/**
 * Where a connection's reading stands relative to its 0-RTT bytes (the first `length` bytes the
 * socket delivers; TLSSocket.earlyDataLength). http parses each delivered chunk at once and emits
 * the requests it completes, and early chunks are delivered apart from later ones, so a request
 * emitted while an early chunk is parsed began early; so did the first one completed after the
 * last early chunk, unless the early bytes end exactly between two requests.
 */
interface EarlyDataTracker {
  readonly length: number;
  delivered: number;
  inEarlyChunk: boolean;
  /** An early chunk was parsed and no request completed since: the next one may have begun in it. */
  earlyTail: boolean;
  /** The early bytes (at most maxEarlyData), to see whether they end between two requests. */
  earlyChunks: Buffer[];
}

/**
 * Whether `bytes` are whole requests, each with no body or a Content-Length one, and nothing after
 * them. Anything else (chunked bodies, several or odd lengths, a partial request, lines not ended
 * by CRLF or folded) answers false:
 * the request after them is then treated as early, never the other way.
 */
function wholeRequests(bytes: Buffer): boolean {
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) return false;
    const head = bytes.toString('latin1', at, end + 2);
    // Only the strict grammar is read here: CRLF line ends, no folded lines. A head that a parser
    // could read otherwise (http's insecureHTTPParser ends lines at a bare LF, and so may find a
    // Content-Length we would miss) is not counted whole.
    if (
      head
        .slice(0, -2)
        .split('\r\n')
        .some((line, i) => /[\r\n]/.test(line) || (i > 0 && /^[ \t]/.test(line)))
    )
      return false;
    if (/\r\ntransfer-encoding\s*:/i.test(head)) return false;
    const lengths = [...head.matchAll(/\r\ncontent-length[ \t]*:[ \t]*([^\r]*)\r\n/gi)];
    if (lengths.length > 1 || (lengths.length === 1 && !/^\d{1,9}$/.test(lengths[0]![1]!.trim()))) return false;
    at = end + 4 + (lengths.length === 1 ? Number(lengths[0]![1]!.trim()) : 0);
  }
  return at === bytes.length;
}

const TOO_EARLY = 425;

/**
 * An http.Server whose connections are TLS, like node's https.Server: 'request' and every other
 * http.Server feature, plus 'secureConnection', 'tlsClientError' and 'handshakeStart' (before the
 * handshake, for watching its events) from the TLS side.
 */
export class HTTPSServer extends http.Server {
  /** The TLS side: it handshakes each TCP connection before http sees it. */
  readonly tls: TLSServer;
  private readonly earlyTrackers = new WeakMap<object, EarlyDataTracker>();
  private readonly allowEarlyDataRequests: NonNullable<HttpsServerOptions['allowEarlyDataRequests']>;

  constructor(options?: HttpsServerOptions | http.RequestListener | null, requestListener?: http.RequestListener) {
    // As node's https.Server: (options, listener), (listener) or ().
    if (typeof options === 'function') {
      requestListener = options;
      options = {};
    }
    options ??= {};
    super(options, requestListener);
    this.allowEarlyDataRequests = options.allowEarlyDataRequests ?? false;
    // http.Server parses requests from whatever its 'connection' listener is handed. That listener
    // gets the TLSSocket once the handshake is done, instead of the raw TCP socket (node's own
    // https.Server does the same through tls.Server).
    const serveHttp = this.listeners('connection') as ((this: http.Server, socket: Duplex) => void)[];
    this.removeAllListeners('connection');
    this.tls = new TLSServer(withHttpAlpn(options));
    // 'keylog', 'newSession' and 'resumeSession' are this server's events, as on node's https.Server.
    this.tls.eventOwner = this;
    this.on('connection', (raw: net.Socket) => this.tls.emit('connection', raw));
    this.tls.on('handshakeStart', (socket: TLSSocket) => this.emit('handshakeStart', socket));
    this.tls.on('tlsClientError', (err: Error, socket: TLSSocket) => this.emit('tlsClientError', err, socket));
    this.tls.on('secureConnection', (socket: TLSSocket) => {
      this.emit('secureConnection', socket);
      // The handshake is complete: every 0-RTT byte is already queued, at the head of the stream.
      const tracker = socket.earlyDataLength > 0 ? this.trackEarlyData(socket) : undefined;
      for (const listener of serveHttp) listener.call(this, socket);
      if (tracker) {
        socket.on('data', () => {
          if (tracker.inEarlyChunk) {
            // After the last early chunk: the next request began early unless they ended between requests.
            const last = tracker.delivered >= tracker.length;
            tracker.earlyTail = !last || !wholeRequests(Buffer.concat(tracker.earlyChunks));
            if (last) tracker.earlyChunks = [];
          }
          tracker.inEarlyChunk = false;
        });
      }
    });
  }

  private trackEarlyData(socket: TLSSocket): EarlyDataTracker {
    const tracker: EarlyDataTracker = { length: socket.earlyDataLength, delivered: 0, inEarlyChunk: false, earlyTail: false, earlyChunks: [] };
    this.earlyTrackers.set(socket, tracker);
    // Runs before http's parser for each chunk (and the listener above, after it). TLSSocket
    // delivers early chunks apart from later ones, so a chunk is all early or not at all.
    socket.prependListener('data', (chunk: Buffer) => {
      tracker.inEarlyChunk = tracker.delivered < tracker.length;
      tracker.delivered += chunk.length;
      if (tracker.inEarlyChunk) tracker.earlyChunks.push(chunk);
    });
    return tracker;
  }

  /** Whether the request http is emitting now arrived, even partly, as 0-RTT data. */
  private arrivedEarly(req: http.IncomingMessage): boolean {
    if (req.tlsEarlyData !== undefined) return req.tlsEarlyData;
    const tracker = this.earlyTrackers.get(req.socket);
    let early = false;
    if (tracker) {
      early = tracker.inEarlyChunk || tracker.earlyTail;
      if (!tracker.inEarlyChunk) tracker.earlyTail = false;
    }
    req.tlsEarlyData = early;
    return early;
  }

  private earlyRequestAllowed(req: http.IncomingMessage): boolean {
    const allow = this.allowEarlyDataRequests;
    return typeof allow === 'function' ? allow(req) === true : allow === true;
  }

  /**
   * RFC 8470 §5.2: a request that came in early data, unless the application takes those, gets
   * 425 Too Early before any handler sees it.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' || event === 'checkContinue' || event === 'checkExpectation') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      if (this.arrivedEarly(req) && !this.earlyRequestAllowed(req)) {
        res.writeHead(TOO_EARLY, { 'content-type': 'text/plain' }).end('Too Early: retry after the TLS handshake (RFC 8470)\n');
        return true;
      }
    } else if (event === 'upgrade' || event === 'connect') {
      const [req, socket] = args as [http.IncomingMessage, Duplex];
      if (this.arrivedEarly(req) && !this.earlyRequestAllowed(req)) {
        socket.end('HTTP/1.1 425 Too Early\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
    }
    return (super.emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
  }

  /** New key, certificate or TLS options for new connections. */
  setSecureContext(options: TlsServerOptions): void {
    this.tls.setSecureContext(withHttpAlpn(options));
  }

  /** As node's https.Server (tls.Server's): certificates for a server name (SNI). */
  addContext(hostname: string, context: Parameters<TLSServer['addContext']>[1]): void {
    this.tls.addContext(hostname, context);
  }

  getTicketKeys(): Buffer {
    return this.tls.getTicketKeys();
  }

  setTicketKeys(keys: Uint8Array): void {
    this.tls.setTicketKeys(keys);
  }
}

/** node's https.Server: a class, also callable without `new`. */
export const HttpsServer: CallableClass<typeof HTTPSServer> = callableClass(HTTPSServer);
export type HttpsServer = HTTPSServer;

export function createHttpsServer(options?: HttpsServerOptions, requestListener?: http.RequestListener): HttpsServer;
export function createHttpsServer(requestListener?: http.RequestListener): HttpsServer;
export function createHttpsServer(a?: HttpsServerOptions | http.RequestListener, b?: http.RequestListener): HttpsServer {
  return typeof a === 'function' ? new HTTPSServer({}, a) : new HTTPSServer(a ?? {}, b);
}

export interface HttpsAgentOptions extends http.AgentOptions, Omit<ConnectOptions, keyof http.AgentOptions> {
  /** TLS sessions kept for resumption, one per connection name (node's https.Agent default: 100). */
  maxCachedSessions?: number;
}

// Identities for option values that are objects or functions (a TrustStore, a Buffer, a
// checkServerIdentity), for getName().
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
function optionKey(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' || typeof value === 'function') {
    let id = objectIds.get(value);
    if (id === undefined) objectIds.set(value, (id = nextObjectId++));
    return `#${id}`;
  }
  return String(value);
}

/** Options that make two TLS connections to the same host:port not interchangeable. */
const identityOptions = [
  'servername',
  'ca',
  'cert',
  'key',
  'passphrase',
  'crl',
  'dangerouslyRelaxCrlCheck',
  'rejectUnauthorized',
  'minVersion',
  'maxVersion',
  'ciphers',
  'ecdhCurve',
  'sigalgs',
  'ALPNProtocols',
  'verifier',
  'provider',
  'checkServerIdentity',
] as const;

/**
 * An http.Agent whose connections are tlskit TLS: pass it as `agent` to https.request or
 * http.request (with protocol 'https:'). Keep-alive and socket pooling are http.Agent's; TLS
 * options given to the agent or to a request (ca, servername, ...) reach tlskit's connect().
 */
export class HttpsAgent extends http.Agent {
  private readonly sessions = new Map<string, Uint8Array>();
  private readonly maxCachedSessions: number;

  constructor(options: HttpsAgentOptions = {}) {
    super(options);
    const self = this as unknown as { defaultPort: number; protocol: string };
    self.defaultPort = 443;
    self.protocol = 'https:';
    this.maxCachedSessions = options.maxCachedSessions ?? 100;
  }

  override createConnection(options: http.ClientRequestArgs & ConnectOptions): Duplex {
    const name = this.getName(options);
    const session = this.sessions.get(name);
    const socket = connect({
      ...withHttpAlpn(options),
      host: options.host ?? options.hostname ?? 'localhost',
      port: Number(options.port) || 443,
      // http.Agent passes servername '' for IP hosts: no SNI, and the certificate checked against the host.
      ...(options.servername ? { servername: options.servername } : { servername: undefined }),
      ...(session ? { session } : {}),
    } as ConnectOptions);
    socket.on('session', (s: Uint8Array) => this.cacheSession(name, s));
    // 'keylog' (line, socket): http.Agent forwards each socket's 'keylog' itself (installListeners),
    // once it has a listener, as for node's https.Agent; forwarding here too repeated every line.
    // A session whose connection failed is not offered again.
    socket.once('error', () => this.sessions.delete(name));
    return socket;
  }

  override getName(options: http.ClientRequestArgs & ConnectOptions = {}): string {
    return [super.getName(options), ...identityOptions.map((k) => optionKey((options as Record<string, unknown>)[k]))].join(':');
  }

  private cacheSession(name: string, session: Uint8Array): void {
    if (this.maxCachedSessions === 0) return;
    this.sessions.delete(name);
    if (this.sessions.size >= this.maxCachedSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(name, session);
  }
}

/** What undici passes its connector (undici's buildConnector.Options). */
export interface UndiciConnectTarget {
  hostname: string;
  host?: string;
  protocol: string;
  port: string;
  servername?: string;
  localAddress?: string | null;
  socketPath?: string | null;
  /** An HTTP CONNECT tunnel to run TLS through. */
  httpSocket?: Duplex;
}

/** undici's connector callback; its types name net.Socket, of which undici uses the Duplex surface. */
export type UndiciConnectCallback = (...args: [null, net.Socket] | [Error, null]) => void;
export type UndiciConnector = (target: UndiciConnectTarget, callback: UndiciConnectCallback) => void;

/**
 * A connector for undici: `new undici.Agent({ connect: undiciConnector({ ca }) })`, then
 * `fetch(url, { dispatcher })`. https: origins get tlskit TLS with ALPN http/1.1 (undici speaks
 * HTTP/1.1 over it); http: origins a plain TCP connection.
 */
export function undiciConnector(options: ConnectOptions = {}): UndiciConnector {
  return (target, callback) => {
    let settled = false;
    const settle = (err: Error | null, socket: Duplex | null): void => {
      if (settled) return;
      settled = true;
      if (err) callback(err, null);
      else callback(null, socket as unknown as net.Socket);
    };
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const https = target.protocol === 'https:';
    const port = Number(target.port) || (https ? 443 : 80);
    if (!https) {
      const socket = net.connect({ host, port });
      socket.once('connect', () => settle(null, socket)).once('error', (err) => settle(err, null));
      return;
    }
    const servername = options.servername ?? (target.servername || (net.isIP(host) ? undefined : host));
    const socket = connect({
      handshakeTimeout: 10_000,
      ...withHttpAlpn(options),
      host,
      port,
      ...(servername !== undefined ? { servername } : {}),
      ...(target.httpSocket ? { socket: target.httpSocket } : {}),
    });
    socket.once('secureConnect', () => settle(null, socket)).once('error', (err: Error) => settle(err, null));
  };
}
