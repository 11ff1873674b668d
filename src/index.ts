// tlskit: a TLS 1.3 and 1.2 stack in TypeScript. The Node entry point (other runtimes: src/web/index.ts).
import './crypto/node/register.js'; // node:crypto becomes defaultProvider() on Node
export { TlsError } from './errors.js';
export type { AlertName } from './protocol/alerts.js';
export { connect, type ConnectOptions } from './node/connect.js';
export { createServer, Server, type TlsServerOptions } from './node/server.js';
export { TLSSocket, type PeerCertificate, type CipherInfo, type EphemeralKeyInfo } from './node/tls-socket.js';
export type { ClientOptions, ServerOptions, CommonOptions } from './engine/options.js';
export { resolveClientOptions, resolveServerOptions, type SecureContext } from './engine/options.js';
export { createSecureContext, type SecureContextOptions, type PfxInput } from './node/secure-context.js';
export { checkServerIdentity } from './node/check-server-identity.js';
export { rootCertificates, getCiphers, getCACertificates } from './node/module-surface.js';
export { OPTION_TABLE, UnsupportedOptionError, type OptionEntry } from './node/option-table.js';
export { NoCipherMatchError } from './engine/cipher-string.js';
export { readPkcs12, Pkcs12Error, type Pkcs12Contents } from './devcert/pkcs12.js';
export { createClientConnection, createServerConnection } from './engine/endpoints.js';
export { Connection } from './engine/connection.js';
export type { ChannelBindingType } from './engine/channel-binding.js';
export type { ConnectionHandlers, TlsEvent, HandshakeStep } from './engine/events.js';
export type { PeerVerifier, VerificationContext, VerificationOutcome } from './handshake/config.js';
export { MemorySessionStore, type MemorySessionStoreOptions, type SessionStore } from './handshake/session.js';
export type { CryptoProvider } from './crypto/provider.js';
export { nodeCryptoProvider, NodeCryptoProvider, nodeMlKemImplementation } from './crypto/node/provider.js';
export {
  PortableCryptoProvider,
  portableCryptoProvider,
  type PortableProviderOptions,
  type RsaOperations,
  type RsaSignatureAlgorithm,
} from './crypto/portable/provider.js';
export type { SubtleRsa } from './crypto/portable/webcrypto-rsa.js';
export { defaultProvider } from './crypto/default-provider.js';
export {
  connectStream,
  acceptStream,
  type ByteStreamPair,
  type StreamOptions,
  type StreamClientOptions,
  type StreamServerOptions,
  type TlsStream,
} from './web/streams.js';
export {
  createHttpsServer,
  HttpsServer,
  HttpsAgent,
  undiciConnector,
  type HttpsServerOptions,
  type HttpsAgentOptions,
  type UndiciConnector,
  type UndiciConnectTarget,
} from './node/https.js';
export {
  RedisAntiReplayStore,
  RedisTicketKeys,
  type RedisClientLike,
  type RedisAntiReplayOptions,
  type RedisTicketKeysOptions,
  type RedisTicketKeysEvent,
} from './node/redis-store.js';
export { MemoryAntiReplayStore, type AntiReplayStore } from './handshake/anti-replay.js';
export type { TicketKeySource } from './handshake/tickets.js';
export { upgrade, type ClientUpgradeOptions, type ServerUpgradeOptions } from './node/upgrade.js';
export { pgStream, PgTlsStream, type PgStreamOptions, type PgSslMode } from './node/pg.js';
export { IoRedisConnector, type IoRedisConnectorOptions } from './node/ioredis.js';
export { http2Connect, acceptHttp2, type Http2ConnectOptions } from './node/http2.js';
export { negotiateStartTls, StartTlsError, type StartTlsProtocol, type StartTlsOptions } from './node/starttls.js';
export { connectFtps, FtpsClient, FtpsError, type FtpsConnectOptions, type FtpReply, type DataTransfer } from './node/ftps.js';
export { HandshakeTracer, type TracedMessage, type TraceField } from './engine/trace.js';
export { webSocketTransport, type WebSocketLike } from './web/websocket.js';

// `import tls from 'tlskit'` in place of `import tls from 'node:tls'`: the same names, and the
// DEFAULT_* settings settable on it as on node:tls's module object.
import * as surface from './index.js';
import { defineDefaults } from './node/module-surface.js';
import { defaults as tlsDefaults } from './node/secure-context.js';
import type { VersionName } from './engine/options.js';
/** Read-only snapshots at import; set them through the default export (tls.DEFAULT_CIPHERS = ...). */
export const DEFAULT_CIPHERS = tlsDefaults.ciphers;
export const DEFAULT_MIN_VERSION = tlsDefaults.minVersion;
export const DEFAULT_MAX_VERSION = tlsDefaults.maxVersion;
export const DEFAULT_ECDH_CURVE = tlsDefaults.ecdhCurve;
const moduleObject: Record<string, unknown> = {};
for (const name of Reflect.ownKeys(surface))
  if (typeof name === 'string' && name !== 'default' && !name.startsWith('DEFAULT_')) moduleObject[name] = surface[name as keyof typeof surface];
type DefaultName = 'DEFAULT_CIPHERS' | 'DEFAULT_MIN_VERSION' | 'DEFAULT_MAX_VERSION' | 'DEFAULT_ECDH_CURVE';
/** The module object: every named export, and the DEFAULT_* settings, settable. */
export type TlsModule = Omit<typeof surface, 'default' | DefaultName> & {
  DEFAULT_CIPHERS: string;
  DEFAULT_MIN_VERSION: VersionName;
  DEFAULT_MAX_VERSION: VersionName;
  DEFAULT_ECDH_CURVE: string;
};
const tls = defineDefaults(moduleObject) as TlsModule;
export default tls;
