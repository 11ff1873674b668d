// tlskit for the web and other non-Node runtimes (browsers, workers, Deno, Bun): the sans-I/O
// engine, the portable crypto provider and the Web Streams adapter. Nothing reachable from here
// imports a Node built-in (scripts/check-browser-build.mjs enforces it).
export { TlsError, type ErrorOrigin } from '../errors.js';
export type { AlertName } from '../protocol/alerts.js';

// The engine and its options.
export { Connection } from '../engine/connection.js';
export type { ChannelBindingType } from '../engine/channel-binding.js';
export { createClientConnection, createServerConnection } from '../engine/endpoints.js';
export { resolveClientOptions, resolveServerOptions, createSecureContext, type SecureContext } from '../engine/options.js';
export type { ClientOptions, ServerOptions, CommonOptions, KeyInput, PemOrDer, VersionName } from '../engine/options.js';
export { MemoryAntiReplayStore, type AntiReplayStore } from '../handshake/anti-replay.js';
export { X509Verifier, trustStoreFor } from '../engine/x509-verifier.js';
export { TrustStore, parseCertificate, verifyCertificateChain, verifyCertificateChainAsync } from '../x509/index.js';
export type { ClientConfig, ServerConfig, PeerVerifier, VerificationContext, VerificationOutcome } from '../handshake/config.js';
export type { ConnectionHandlers, TlsEvent, HandshakeStep } from '../engine/events.js';
export type { ConnectionInfo } from '../handshake/state.js';

// Crypto.
export type {
  CryptoProvider,
  Aead,
  AeadName,
  HashName,
  HashContext,
  GroupName,
  KeyShare,
  Encapsulation,
  SignatureAlgorithm,
  PublicKey,
  PrivateKey,
  KeyInfo,
  KeyType,
  CurveName,
} from '../crypto/provider.js';
export { Secret } from '../crypto/secret.js';
export {
  PortableCryptoProvider,
  portableCryptoProvider,
  type PortableProviderOptions,
  type RsaOperations,
  type RsaSignatureAlgorithm,
} from '../crypto/portable/provider.js';
export type { SubtleRsa } from '../crypto/portable/webcrypto-rsa.js';
export { defaultProvider } from '../crypto/default-provider.js';

// Web Streams.
export {
  connectStream,
  acceptStream,
  type ByteStreamPair,
  type StreamOptions,
  type StreamClientOptions,
  type StreamServerOptions,
  type TlsStream,
} from './streams.js';
export { webSocketTransport, type WebSocketLike } from './websocket.js';

// TLS sockets over a runtime's TCP (Workers, Deno, Bun), STARTTLS for PostgreSQL.
export {
  startTls,
  connectTls,
  bunTransport,
  postgresSslRequest,
  describePeerCertificate,
  StartTlsRefused,
  type TlsSocket,
  type TlsSocketOptions,
  type TlsConnectTarget,
  type WebPeerCertificate,
} from './socket.js';
export { postgresSocket, PostgresTlsStream, type PostgresSocketOptions, type PostgresSocketFactory } from './postgres.js';
export { pgWebStream, PgWebStream } from './pg.js';
