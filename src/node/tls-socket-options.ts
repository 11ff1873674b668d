// node:tls's `new TLSSocket(socket, options)`: its options turned into the socket's internal start
// (what connect() and the server give it). STARTTLS code builds sockets this way on both sides.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createServerConnection } from '../engine/endpoints.js';
import { resolveServerOptions } from '../engine/options.js';
import { withPskOwner } from '../engine/external-psk-options.js';
import { clientSocketInit, contextOptionsFor, type ConnectOptions } from './connect.js';
import { withCheckedSniCallback } from './secure-context.js';
import type { TlsServerOptions } from './server.js';
import type { TlsSocketInit } from './tls-socket.js';

/**
 * The options of `new TLSSocket(socket, options)`: node's (isServer, requestCert,
 * rejectUnauthorized, ALPNProtocols, SNICallback, session, requestOCSP, enableTrace, and the key,
 * certificate and trust options) plus tlskit's for each side. `server` (node: the net.Server whose
 * session and OCSP events the socket raises) is accepted; tlskit raises no such events.
 */
export type TLSSocketOptions = Omit<ConnectOptions, 'socket' | 'port'> &
  TlsServerOptions & {
    isServer?: boolean;
    server?: unknown;
    enableTrace?: boolean;
  };

/** Whether the second constructor argument is node's options rather than tlskit's internal start. */
export function isPublicInit(options: TLSSocketOptions | TlsSocketInit): options is TLSSocketOptions {
  return typeof (options as Partial<TlsSocketInit>).createConnection !== 'function';
}

/** `owner`: the TLSSocket being built, which a server's pskCallback gets as its first argument (node's). */
export function publicSocketInit(socket: Duplex | undefined, options: TLSSocketOptions, owner: () => unknown = () => undefined): TlsSocketInit {
  if (socket === undefined || socket === null || typeof (socket as Partial<Duplex>).on !== 'function') {
    throw new TypeError(
      'new TLSSocket(socket, options) needs the connected socket (a net.Socket or Duplex) to run TLS over; to open a connection, use tls.connect()',
    );
  }
  if (options === null || typeof options !== 'object') throw new TypeError('new TLSSocket(socket, options): options must be an object');
  const { isServer, server: _server, ...rest } = options;
  if (isServer) {
    // secureContext, pfx, secureProtocol... as the server and tls.createSecureContext() read them.
    const server = withCheckedSniCallback(contextOptionsFor(rest) as typeof rest);
    const config = withPskOwner(resolveServerOptions(server, server.provider ?? nodeCryptoProvider), owner);
    return {
      isServer: true,
      createConnection: (handlers) => createServerConnection(config, handlers),
      ...(rest.handshakeTimeout !== undefined ? { handshakeTimeout: rest.handshakeTimeout } : {}),
      ...(rest.enableTrace ? { enableTrace: true } : {}),
    };
  }
  // The name the server's certificate must carry: servername, host, else the address the socket is
  // connected to (as upgrade()). node:tls checks no name at all on sockets built this way; tlskit
  // verifies as tls.connect() does, so with none to check it refuses rather than check only the
  // chain (which would let `authorized` say true for any certificate from a trusted CA), unless
  // checkServerIdentity does the checking (it then gets '' as the name, and no SNI is sent).
  const host = rest.host ?? rest.servername ?? (socket as Partial<Socket>).remoteAddress;
  if ((host === undefined || host === '') && !rest.checkServerIdentity) {
    throw new TypeError(
      'new TLSSocket(socket, { isServer: false }): give servername (the name the server certificate must carry), ' +
        'since the socket has no remote address to check it against; or checkServerIdentity to check it yourself',
    );
  }
  // secureContext, pfx, secureProtocol... as tls.connect() reads them.
  return clientSocketInit({ ...contextOptionsFor(rest), host: host ?? '' });
}
