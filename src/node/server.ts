// tls.createServer(), shaped like node:tls's: a net.Server whose connections become TLSSockets.
import * as net from 'node:net';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createServerConnection } from '../engine/endpoints.js';
import { createSecureContext as createContext, resolveServerOptions, type SecureContext, type ServerOptions } from '../engine/options.js';
import type { ServerConfig } from '../engine/config.js';
import { MemoryAntiReplayStore } from '../handshake/anti-replay.js';
import { TlsError } from '../errors.js';
import { TLSSocket } from './tls-socket.js';
import { withPskOwner } from '../engine/external-psk-options.js';

export interface TlsServerOptions extends ServerOptions {
  /** Milliseconds a client has to complete the handshake (node:tls default: 120000). */
  handshakeTimeout?: number;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
}

export class Server extends net.Server {
  private config: ServerConfig;
  private readonly handshakeTimeout: number;
  /**
   * The tickets that opened 0-RTT here, when the options name no store: the server's, not a
   * configuration's, so that a ticket replayed after setSecureContext() is still recognised.
   */
  private readonly antiReplay = new MemoryAntiReplayStore();

  constructor(options: TlsServerOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, pauseOnConnect: options.pauseOnConnect ?? false });
    this.config = resolveServerOptions(options, options.provider ?? nodeCryptoProvider, this.antiReplay);
    this.handshakeTimeout = options.handshakeTimeout ?? 120_000;
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
    this.on('connection', (raw: net.Socket) => this.accept(raw));
  }

  /** Replaces the configuration for new connections (like node's setSecureContext). */
  setSecureContext(options: TlsServerOptions): void {
    this.config = resolveServerOptions(options, options.provider ?? nodeCryptoProvider, this.antiReplay);
  }

  private accept(raw: net.Socket): void {
    // pskCallback gets this connection's TLSSocket, as in node:tls.
    const config = withPskOwner(this.config, () => socket);
    const socket: TLSSocket = new TLSSocket(raw, {
      isServer: true,
      createConnection: (handlers) => createServerConnection(config, handlers),
      handshakeTimeout: this.handshakeTimeout,
    });
    // Before the handshake: lets a caller watch its events ('tlsEvent') from the first message.
    this.emit('handshakeStart', socket);
    let secure = false;
    socket.once('secure', () => {
      secure = true;
      this.emit('secureConnection', socket);
    });
    socket.on('error', (err: Error) => {
      // Like node:tls: handshake failures go to 'tlsClientError'; later ones to the socket's owner.
      if (!secure) this.emit('tlsClientError', err instanceof TlsError ? err : Object.assign(err, {}), socket);
    });
  }
}

export function createServer(options?: TlsServerOptions, secureConnectionListener?: (socket: TLSSocket) => void): Server;
export function createServer(secureConnectionListener?: (socket: TLSSocket) => void): Server;
export function createServer(a?: TlsServerOptions | ((socket: TLSSocket) => void), b?: (socket: TLSSocket) => void): Server {
  return typeof a === 'function' ? new Server({}, a) : new Server(a ?? {}, b);
}

/** Certificates and keys for an SNICallback answer, like node:tls's createSecureContext. */
export function createSecureContext(options: Parameters<typeof createContext>[0]): SecureContext {
  return createContext(options, options.provider ?? nodeCryptoProvider);
}
