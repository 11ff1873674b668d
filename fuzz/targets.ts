// Fuzz targets (issue 7): each takes arbitrary bytes and returns normally, or throws when it found a
// bug: an exception other than TlsError out of a parser, receive() throwing, or an engine failure
// that is a JavaScript exception dressed as internal_error. Inputs are deterministic: the endpoints
// draw their randomness from fixed seeds, so a saved input replays the same run.
import { TlsError } from '../src/errors.js';
import { nodeCryptoProvider } from '../src/crypto/node/provider.js';
import { createClientConnection, createServerConnection } from '../src/engine/endpoints.js';
import { resolveClientOptions, resolveServerOptions } from '../src/engine/options.js';
import type { ClientConfig, ServerConfig } from '../src/handshake/config.js';
import type { Connection } from '../src/engine/connection.js';
import type { HandshakeMessage } from '../src/messages/handshake.js';
import { readClientHello } from '../src/messages/client-hello.js';
import { readServerHello } from '../src/messages/server-hello.js';
import { readEncryptedExtensions } from '../src/messages/encrypted-extensions.js';
import { readCertificate12, readCertificate13 } from '../src/messages/certificate.js';
import { readCertificateRequest13 } from '../src/messages/certificate-request.js';
import { readCertificateVerify } from '../src/messages/certificate-verify.js';
import { readNewSessionTicket13 } from '../src/messages/new-session-ticket.js';
import { readKeyUpdate } from '../src/messages/key-update.js';
import { readFinished } from '../src/messages/finished.js';
import { readEndOfEarlyData } from '../src/messages/end-of-early-data.js';
import {
  readCertificateRequest12,
  readClientKeyExchange,
  readHelloRequest,
  readNewSessionTicket12,
  readServerHelloDone,
  readServerKeyExchange,
} from '../src/messages/tls12.js';
import { readCertificateStatus } from '../src/messages/extensions/status-request.js';
import { decodeSession } from '../src/handshake/session.js';
import { parseCertificate, parseCrl } from '../src/x509/index.js';
import { leafPublicKeyInfo } from '../src/x509/leaf-key.js';
import { HANDSHAKE_HEADER_LENGTH } from '../src/messages/handshake.js';
import { pinnedVerifier, testIdentity } from '../test/helpers/engine-pki.js';
import { deterministicProvider } from '../test/helpers/deterministic-provider.js';

export type Target = (data: Uint8Array) => void;

/** A parser may refuse its input only with a TlsError. */
function onlyTlsError(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (err instanceof TlsError) return;
    throw err;
  }
}

// ---- record: bytes into a fresh engine, as the first thing its peer sends ----

const identity = testIdentity('ed25519');
const ticketKeys = new Uint8Array(48).fill(9);
let configs: { server13: ServerConfig; server12: ServerConfig; client13: ClientConfig; client12: ClientConfig } | undefined;

function endpointConfigs() {
  configs ??= {
    server13: resolveServerOptions({ key: identity.keyPem, cert: identity.certPem, ticketKeys }, nodeCryptoProvider),
    server12: resolveServerOptions({ key: identity.keyPem, cert: identity.certPem, ticketKeys, maxVersion: 'TLSv1.2' }, nodeCryptoProvider),
    client13: resolveClientOptions({ servername: 'localhost', verifier: pinnedVerifier(identity.certDer) }, nodeCryptoProvider),
    client12: resolveClientOptions({ servername: 'localhost', verifier: pinnedVerifier(identity.certDer), maxVersion: 'TLSv1.2' }, nodeCryptoProvider),
  };
  return configs;
}

/**
 * The endpoint a record-target input talks to: bit 0 of its first byte picks the side (0: a server,
 * the rest is what a client sends; 1: a client, the rest is what a server answers), bit 1 limits it
 * to TLS 1.2. Each has a seeded provider: the client always sends the same ClientHello.
 */
export function recordEndpoint(mode: number): Connection {
  const c = endpointConfigs();
  const client = (mode & 1) === 1;
  const tls12 = (mode & 2) === 2;
  if (client) return createClientConnection({ ...(tls12 ? c.client12 : c.client13), provider: deterministicProvider('fuzz-client') });
  return createServerConnection({ ...(tls12 ? c.server12 : c.server13), provider: deterministicProvider('fuzz-server') });
}

function checkEngine(connection: Connection): void {
  const err = connection.error;
  if (!err) return;
  if (!(err instanceof TlsError)) throw new Error(`engine reported a non-TlsError: ${String(err)}`);
  if (err.alert === 'internal_error' && err.origin === 'local' && err.cause !== undefined && !(err.cause instanceof TlsError)) {
    throw err.cause instanceof Error ? err.cause : new Error(String(err.cause));
  }
}

export const record: Target = (data) => {
  const connection = recordEndpoint(data[0] ?? 0);
  connection.takeOutput();
  // Bits 2-7 of the first byte cut the rest in two (0: whole), so that reassembly is exercised too.
  const input = data.subarray(1);
  const cut = ((data[0] ?? 0) >> 2) * 37;
  if (cut > 0 && cut < input.length) {
    connection.receive(input.subarray(0, cut));
    connection.receive(input.subarray(cut));
  } else {
    connection.receive(input);
  }
  connection.takeOutput();
  checkEngine(connection);
};

// ---- handshake: one message body into one parser ----

const limits = { maxChainLength: 10 };
const parsers: readonly [number, (msg: HandshakeMessage) => unknown][] = [
  [1, readClientHello],
  [2, readServerHello],
  [8, readEncryptedExtensions],
  [11, (m) => readCertificate13(m, limits)],
  [11, (m) => readCertificate12(m, limits)],
  [13, readCertificateRequest13],
  [13, readCertificateRequest12],
  [15, readCertificateVerify],
  [4, readNewSessionTicket13],
  [4, readNewSessionTicket12],
  [24, readKeyUpdate],
  [20, (m) => readFinished(m, 32)],
  [5, readEndOfEarlyData],
  [12, readServerKeyExchange],
  [16, (m) => readClientKeyExchange(m, 'ecdhe')],
  [16, (m) => readClientKeyExchange(m, 'rsa')],
  [14, readServerHelloDone],
  [0, readHelloRequest],
  [22, readCertificateStatus],
  [0, (m) => decodeSession(m.body)],
];

export const handshake: Target = (data) => {
  const [type, parse] = parsers[(data[0] ?? 0) % parsers.length]!;
  const body = data.subarray(1);
  const raw = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
  raw.set([type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff]);
  raw.set(body, HANDSHAKE_HEADER_LENGTH);
  onlyTlsError(() => parse({ type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw }));
};

/** The first byte of a handshake-target input that selects the parser for a message of `type`. */
export function handshakeSelector(type: number): number[] {
  return parsers.flatMap(([t], i) => (t === type ? [i] : []));
}

// ---- der: X.509 and CRL decoding ----

const derParsers: readonly ((der: Uint8Array) => unknown)[] = [parseCertificate, parseCrl, leafPublicKeyInfo];

export const der: Target = (data) => {
  const parse = derParsers[(data[0] ?? 0) % derParsers.length]!;
  onlyTlsError(() => parse(data.subarray(1)));
};

export const targets: Record<string, Target> = { record, handshake, der };

// ---- seeds: valid inputs for each target, from recorded conversations ----

function conversation(mode: number): { received: Uint8Array; messages: Uint8Array[]; session?: Uint8Array } {
  const c = endpointConfigs();
  const tls12 = (mode & 2) === 2;
  const messages: Uint8Array[] = [];
  let session: Uint8Array | undefined;
  const event = (e: { kind: string; raw?: Uint8Array; direction?: string }): void => {
    if (e.kind === 'handshake-message' && e.direction === 'sent' && e.raw) messages.push(e.raw.slice());
  };
  const client = createClientConnection(
    { ...(tls12 ? c.client12 : c.client13), provider: deterministicProvider('fuzz-client') },
    { event, session: (s) => (session = s) },
  );
  const server = createServerConnection({ ...(tls12 ? c.server12 : c.server13), provider: deterministicProvider('fuzz-server') }, { event });
  const received: Uint8Array[] = [];
  const me = (mode & 1) === 1 ? client : server;
  const pump = (): void => {
    for (let round = 0; round < 50; round++) {
      const fromClient = client.takeOutput();
      const fromServer = server.takeOutput();
      if (fromClient.length + fromServer.length === 0) return;
      for (const chunk of fromClient) {
        if (me === server) received.push(chunk.slice());
        server.receive(chunk);
      }
      for (const chunk of fromServer) {
        if (me === client) received.push(chunk.slice());
        client.receive(chunk);
      }
    }
  };
  pump();
  client.write(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
  server.write(new TextEncoder().encode('HTTP/1.1 200 OK\r\n\r\n'));
  client.close();
  server.close();
  pump();
  const total = received.reduce((n, r) => n + r.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const r of received) {
    joined.set(r, at);
    at += r.length;
  }
  return { received: joined, messages, ...(session ? { session } : {}) };
}

export function seeds(): Record<string, Uint8Array[]> {
  const out: Record<string, Uint8Array[]> = { record: [], handshake: [], der: [] };
  for (const mode of [0, 1, 2, 3]) {
    const { received, messages, session } = conversation(mode);
    out.record!.push(Uint8Array.of(mode, ...received));
    if (mode & 1) continue; // each conversation's messages once
    for (const raw of messages) {
      for (const selector of handshakeSelector(raw[0]!)) out.handshake!.push(Uint8Array.of(selector, ...raw.subarray(HANDSHAKE_HEADER_LENGTH)));
    }
    if (session) out.handshake!.push(Uint8Array.of(parsers.length - 1, ...session));
  }
  for (const [i] of derParsers.entries()) if (i !== 1) out.der!.push(Uint8Array.of(i, ...identity.certDer));
  return out;
}
