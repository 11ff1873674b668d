// In-memory client/server pairs with test certificates, for engine tests.
import { testProvider } from './provider.js';
import { createTestPki, type TestPki, type TestPkiOptions } from '../../src/devcert/test-pki.js';
import type { ServerConfig } from '../../src/handshake/config.js';
import type { Connection } from '../../src/engine/connection.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../../src/engine/options.js';
import { endpointHandlers, newEndpointState, type Endpoint } from './pair.js';

const pkis = new Map<string, TestPki>();

/** A CA and leaf for localhost / 127.0.0.1, made once per process and key kind. */
export function testPki(options: TestPkiOptions = {}): TestPki {
  const key = JSON.stringify(options);
  let pki = pkis.get(key);
  if (!pki) {
    pki = createTestPki(options);
    pkis.set(key, pki);
  }
  return pki;
}

export function serverConfigFor(options: ServerOptions = {}, pki: TestPki = testPki()): ServerConfig {
  return resolveServerOptions({ key: pki.keyPem, cert: pki.chainPem, ...options }, testProvider);
}

export interface Pair {
  client: Connection;
  server: Connection;
  c: Omit<Endpoint, 'connection'> & { sessions: Uint8Array[] };
  s: Omit<Endpoint, 'connection'>;
}

/** A client and a server wired to record what happens; nothing has been exchanged yet. */
export function makePair(client: ClientOptions = {}, server: ServerConfig | ServerOptions = {}, pki: TestPki = testPki()): Pair {
  const serverConfig = 'side' in server ? (server as ServerConfig) : serverConfigFor(server as ServerOptions, pki);
  const clientConfig = resolveClientOptions({ servername: 'localhost', ca: pki.caPem, ...client }, testProvider);
  const c = { ...newEndpointState(), sessions: [] as Uint8Array[] };
  const s = newEndpointState();
  const serverConnection = createServerConnection(serverConfig, endpointHandlers(s));
  const clientConnection = createClientConnection(clientConfig, { ...endpointHandlers(c), session: (b) => c.sessions.push(b) });
  return { client: clientConnection, server: serverConnection, c, s };
}
