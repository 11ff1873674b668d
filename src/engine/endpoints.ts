// Client and server connections from resolved configuration.
import { unexpectedMessage } from '../errors.js';
import { handshakeTypeName } from '../protocol/constants.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { startClient } from '../handshake/client/expect-server-hello.js';
import { ExpectClientHello } from '../handshake/server/expect-client-hello.js';
import type { HandshakeState } from '../handshake/state.js';
import type { ClientConfig, ServerConfig } from '../handshake/config.js';
import { Connection } from './connection.js';
import type { ConnectionHandlers } from './events.js';

/** A client before its ClientHello is sent: nothing may arrive yet. */
class ClientStart implements HandshakeState {
  readonly kind = 'client-start';
  handle(msg: HandshakeMessage): HandshakeState {
    throw unexpectedMessage(`peer sent ${handshakeTypeName(msg.type)} before our client_hello`);
  }
}

/** A client connection; its ClientHello is queued at once (takeOutput() to send it). */
export function createClientConnection(config: ClientConfig, handlers: ConnectionHandlers = {}): Connection {
  // RFC 8446 §5.1: the first ClientHello's record may say TLS 1.0 for old middleboxes.
  const connection = new Connection(config, new ClientStart(), handlers, 0x0301);
  connection.start((io) => startClient(config, io));
  return connection;
}

export function createServerConnection(config: ServerConfig, handlers: ConnectionHandlers = {}): Connection {
  return new Connection(config, new ExpectClientHello(config), handlers);
}
