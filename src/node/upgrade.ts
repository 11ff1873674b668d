// STARTTLS: turn a plain connection into a TLSSocket mid-stream, on either side (SMTP, IMAP,
// PostgreSQL's SSLRequest, ...). Bytes the application already read past the protocol's "go ahead"
// are handed back as `head` and reach the TLS engine first, so nothing the peer sent is lost.
//
// Handing them to the engine is safe where handing them to the application would not be (the
// STARTTLS injection bugs, CVE-2011-0411, CVE-2021-23222): the engine authenticates every byte, so
// plaintext an attacker slipped in before the handshake can only make it fail.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createServerConnection } from '../engine/endpoints.js';
import { resolveServerOptions } from '../engine/options.js';
import { withPskOwner } from '../engine/external-psk-options.js';
import { connect, contextOptionsFor, type ConnectOptions } from './connect.js';
import { withCheckedSniCallback } from './secure-context.js';
import type { TlsServerOptions } from './server.js';
import { TLSSocket } from './tls-socket.js';

interface UpgradeCommon {
  /** Bytes already read from `socket` after the point where TLS starts: fed to the TLS engine first. */
  head?: Uint8Array;
}

export interface ClientUpgradeOptions extends Omit<ConnectOptions, 'socket' | 'port'>, UpgradeCommon {
  isServer?: false;
}

export interface ServerUpgradeOptions extends TlsServerOptions, UpgradeCommon {
  isServer: true;
}

/**
 * Starts TLS on `socket`, which must not be read by anyone else from now on: remove your 'data'
 * and 'readable' listeners first (pausing the socket keeps what arrives meanwhile) and pass bytes
 * you read but did not use as `head`. The client emits 'secureConnect', the server 'secure'.
 *
 * The client checks the certificate against `servername`, else `host`, else the address the
 * socket is connected to.
 */
export function upgrade(socket: Duplex, options: ClientUpgradeOptions | ServerUpgradeOptions): TLSSocket {
  const readers = socket.listenerCount('data') + socket.listenerCount('readable');
  if (readers > 0) {
    throw new TypeError(
      `upgrade: the socket still has ${readers} 'data' or 'readable' listener(s), which would read TLS records; remove them and pass unread bytes as head`,
    );
  }
  const { head, ...rest } = options;
  // Unread bytes go back in front of the stream, so the TLSSocket reads them first, in order.
  if (head && head.length > 0) socket.unshift(head);
  let tls: TLSSocket;
  if (rest.isServer) {
    // The secure-context options as createServer() reads them (secureContext, pfx, secureProtocol,
    // secureOptions, refusals): resolved raw, those were silently dropped (a TLS 1.3-only server took TLS 1.2).
    const options = withCheckedSniCallback(contextOptionsFor(rest as ConnectOptions) as typeof rest);
    // pskCallback gets the TLSSocket, as in node:tls.
    const config = withPskOwner(resolveServerOptions(options, options.provider ?? nodeCryptoProvider), () => tls);
    tls = new TLSSocket(socket, {
      isServer: true,
      createConnection: (handlers) => createServerConnection(config, handlers),
      handshakeTimeout: rest.handshakeTimeout ?? 120_000,
    });
  } else {
    const host = rest.host ?? (socket as Partial<net.Socket>).remoteAddress ?? 'localhost';
    tls = connect({ ...rest, host, socket });
  }
  // A socket paused while the application handed it over would otherwise never deliver the handshake.
  if (socket.isPaused()) socket.resume();
  return tls;
}
