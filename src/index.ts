// tlskit: a TLS 1.3 and 1.2 stack in TypeScript. The Node entry point (other runtimes: src/web/index.ts).
import './crypto/node/register.js'; // node:crypto becomes defaultProvider() on Node
export { TlsError } from './errors.js';
export type { AlertName } from './protocol/alerts.js';
export { connect, type ConnectOptions } from './node/connect.js';
export { createServer, Server, type TlsServerOptions } from './node/server.js';
export { TLSSocket, type PeerCertificate, type CipherInfo, type EphemeralKeyInfo } from './node/tls-socket.js';
export type { ClientOptions, ServerOptions, CommonOptions } from './engine/options.js';
export { resolveClientOptions, resolveServerOptions, type SecureContext } from './engine/options.js';
export { createSecureContext } from './node/server.js';
export { createClientConnection, createServerConnection } from './engine/endpoints.js';
export { Connection } from './engine/connection.js';
export type { ConnectionHandlers, TlsEvent, HandshakeStep } from './engine/events.js';
export type { PeerVerifier, VerificationContext, VerificationOutcome } from './engine/config.js';
export { MemorySessionStore, type MemorySessionStoreOptions, type SessionStore } from './handshake/session.js';
export type { CryptoProvider } from './crypto/provider.js';
export { nodeCryptoProvider, NodeCryptoProvider, nodeMlKemImplementation } from './crypto/node/provider.js';
export { PortableCryptoProvider, portableCryptoProvider, type PortableProviderOptions, type RsaOperations, type RsaSignatureAlgorithm } from './crypto/portable/provider.js';
export type { SubtleRsa } from './crypto/portable/webcrypto-rsa.js';
export { defaultProvider } from './crypto/default-provider.js';
export {
  connectStream, acceptStream,
  type ByteStreamPair, type StreamOptions, type StreamClientOptions, type StreamServerOptions, type TlsStream,
} from './web/streams.js';
export { createHttpsServer, HttpsServer, HttpsAgent, undiciConnector, type HttpsServerOptions, type HttpsAgentOptions, type UndiciConnector, type UndiciConnectTarget } from './node/https.js';
export { RedisAntiReplayStore, RedisTicketKeys, type RedisClientLike, type RedisAntiReplayOptions, type RedisTicketKeysOptions, type RedisTicketKeysEvent } from './node/redis-store.js';
export { MemoryAntiReplayStore, type AntiReplayStore } from './handshake/anti-replay.js';
export type { TicketKeySource } from './handshake/tickets.js';
export { upgrade, type ClientUpgradeOptions, type ServerUpgradeOptions } from './node/upgrade.js';
export { pgStream, PgTlsStream, type PgStreamOptions, type PgSslMode } from './node/pg.js';
export { IoRedisConnector, type IoRedisConnectorOptions } from './node/ioredis.js';
export { http2Connect, acceptHttp2, type Http2ConnectOptions } from './node/http2.js';
export { negotiateStartTls, StartTlsError, type StartTlsProtocol, type StartTlsOptions } from './node/starttls.js';
export { HandshakeTracer, type TracedMessage, type TraceField } from './engine/trace.js';
export { webSocketTransport, type WebSocketLike } from './web/websocket.js';
