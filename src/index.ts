// tlskit: a TLS 1.3 and 1.2 stack in TypeScript. The Node entry point.
export { TlsError } from './errors.js';
export type { AlertName } from './protocol/alerts.js';
export { connect, type ConnectOptions } from './node/connect.js';
export { createServer, Server, type TlsServerOptions } from './node/server.js';
export { TLSSocket, type PeerCertificate, type CipherInfo } from './node/tls-socket.js';
export type { ClientOptions, ServerOptions, CommonOptions } from './engine/options.js';
export { resolveClientOptions, resolveServerOptions, type SecureContext } from './engine/options.js';
export { createSecureContext } from './node/server.js';
export { createClientConnection, createServerConnection } from './engine/endpoints.js';
export { Connection } from './engine/connection.js';
export type { ConnectionHandlers, TlsEvent, HandshakeStep } from './engine/events.js';
export type { PeerVerifier, VerificationContext, VerificationOutcome } from './engine/config.js';
export type { CryptoProvider } from './crypto/provider.js';
export { nodeCryptoProvider, NodeCryptoProvider } from './crypto/node/provider.js';
