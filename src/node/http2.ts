// node:http2 over tlskit. http2 runs its framing in C++ and needs a socket with a native stream
// handle; a tlskit TLSSocket has none, so http2 wraps it in a plain net.Socket stand-in (node's
// JSStreamSocket) and reads the TLS facts from that stand-in: the session then says
// `encrypted === false` and `alpnProtocol === 'h2c'`, and `session.socket` / a compat request's
// `req.socket` lack remoteAddress, getPeerCertificate() and the rest.
//
// The two functions here put tlskit under http2 and give the session and its socket the facts of
// the tlskit socket: `encrypted`, `alpnProtocol` on the session; on the socket http2 shows, the
// addresses and the TLSSocket's TLS properties and methods (read from the tlskit socket, live).
//
//   client: http2Connect('https://example.test', { ca })
//   server: createServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => acceptHttp2(h2, socket))
//           with h2 = http2.createServer(options, onRequest)
import * as http2 from 'node:http2';
import { connect, type ConnectOptions } from './connect.js';
import type { TLSSocket } from './tls-socket.js';

/** The TLSSocket properties the socket http2 shows reads from the tlskit socket. */
const LIVE_PROPERTIES = [
  'encrypted',
  'alpnProtocol',
  'authorized',
  'authorizationError',
  'servername',
  'remoteAddress',
  'remotePort',
  'remoteFamily',
  'localAddress',
  'localPort',
] as const;

/** The TLSSocket methods it forwards. */
const FORWARDED_METHODS = [
  'getPeerCertificate',
  'getPeerX509Certificate',
  'getCertificate',
  'getX509Certificate',
  'getCipher',
  'getProtocol',
  'getSession',
  'isSessionReused',
  'exportKeyingMaterial',
  'getEphemeralKeyInfo',
] as const;

/**
 * The object behind `session.socket` (a Proxy whose function properties are bound to that object):
 * a function that returns `this`, put there and called through the Proxy, hands it back.
 */
function socketBehind(session: http2.Http2Session): Record<PropertyKey, unknown> | undefined {
  const shown = session.socket as unknown as Record<PropertyKey, unknown>;
  const probe = Symbol('tlskit: the socket behind http2 session.socket');
  try {
    shown[probe] = function self(this: unknown) {
      return this;
    };
    const behind = (shown[probe] as () => Record<PropertyKey, unknown>)();
    delete behind[probe];
    return behind;
  } catch {
    return undefined;
  }
}

/** Gives `session` and the socket it shows the TLS facts of `tls`. */
function showTlsFacts(session: http2.Http2Session, tls: TLSSocket): void {
  // Own properties in front of the prototype's getters, as http2 documents them for a TLS session.
  Object.defineProperty(session, 'encrypted', { configurable: true, enumerable: true, get: () => true });
  Object.defineProperty(session, 'alpnProtocol', { configurable: true, enumerable: true, get: () => tls.alpnProtocol || undefined });
  const behind = socketBehind(session);
  if (!behind || behind === (tls as unknown)) return; // a socket http2 did not wrap shows its own facts
  for (const name of LIVE_PROPERTIES) {
    Object.defineProperty(behind, name, { configurable: true, enumerable: true, get: () => tls[name] });
  }
  for (const name of FORWARDED_METHODS) {
    const method = tls[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(behind, name, { configurable: true, writable: true, value: (...args: unknown[]) => method.apply(tls, args) });
  }
}

export interface Http2ConnectOptions extends ConnectOptions, Omit<http2.ClientSessionOptions, 'createConnection'> {}

/**
 * http2.connect() over tlskit: `authority` is an https: URL; the TLS options (ca, servername,
 * minVersion, ...) go to tlskit's connect() with ALPN 'h2', the rest to http2. The session reports
 * `encrypted` true and the negotiated `alpnProtocol`, and its socket the TLS facts; a server that
 * does not select h2 fails the session.
 */
export function http2Connect(
  authority: string | URL,
  options: Http2ConnectOptions = {},
  listener?: (session: http2.ClientHttp2Session, socket: TLSSocket) => void,
): http2.ClientHttp2Session {
  const url = typeof authority === 'string' ? new URL(authority) : authority;
  if (url.protocol !== 'https:') throw new TypeError(`http2Connect: ${url.protocol} is not https:; tlskit carries only TLS (use http2.connect for h2c)`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port) || 443;
  let tls: TLSSocket | undefined;
  const session = http2.connect(url, {
    ...options,
    createConnection: () => (tls = connect({ ALPNProtocols: ['h2'], ...options, host, port })),
  } as http2.SecureClientSessionOptions);
  const socket = tls!;
  showTlsFacts(session, socket);
  socket.once('secureConnect', () => {
    // RFC 9113 §3.2: over TLS, HTTP/2 is what ALPN agreed on, or nothing.
    if (socket.alpnProtocol !== 'h2') {
      session.destroy(
        new Error(`http2Connect: the server did not select ALPN 'h2' (it selected ${socket.alpnProtocol === false ? 'nothing' : `'${socket.alpnProtocol}'`})`),
      );
    }
  });
  if (listener) session.once('connect', (s: http2.ClientHttp2Session) => listener(s, socket));
  return session;
}

/**
 * Hands a tlskit socket to an http2 server made by http2.createServer() (as its 'connection'
 * event), so that its session reports `encrypted` and `alpnProtocol` and its requests' socket the
 * TLS facts and the client's address. Offer ALPN 'h2' on the tlskit server (and 'http/1.1' too
 * with the http2 server's allowHTTP1).
 */
export function acceptHttp2(server: http2.Http2Server, socket: TLSSocket): void {
  // http2 creates the session and emits 'session' while it handles 'connection', synchronously.
  const onSession = (session: http2.ServerHttp2Session): void => showTlsFacts(session, socket);
  server.once('session', onSession);
  try {
    server.emit('connection', socket);
  } finally {
    server.off('session', onSession);
  }
}
