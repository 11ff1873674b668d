// RFC 8448 traces replayed byte for byte (STYLE.md "Tests"): our client and our server, fed the
// RFC's randomness through the replay provider, must put the RFC's records on the wire. Every key,
// transcript hash, Finished, signature input and record below is computed by our code; the only
// substitutions are messages that carry the trace's policy rather than a computation (the RFC's
// ClientHello, EncryptedExtensions, CertificateRequest, and the HelloRetryRequest's cookie), made
// through the test-only dangerouslyRewriteHandshake hook; on the §3 server, the RFC's
// NewSessionTicket, queued by hand because our server issues none yet; and on the §4 server, a
// stand-in keyring that opens the RFC's (opaque) ticket. Each is explained where done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import type { PrivateKey } from '../../src/crypto/provider.js';
import { ReplayCryptoProvider, type RecordedSignature } from '../../src/crypto/test/replay-provider.js';
import type { CertifiedKey, ClientConfig, PeerVerifier, ServerConfig } from '../../src/handshake/config.js';
import type { Connection } from '../../src/engine/connection.js';
import type { ConnectionHandlers } from '../../src/engine/events.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import { certificatesFrom, resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../../src/engine/options.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { Secret } from '../../src/crypto/secret.js';
import { decodeSession, encodeSession } from '../../src/handshake/session.js';
import type { TicketKeyring } from '../../src/handshake/tickets.js';
import { binderTranscriptHash, computeBinder } from '../../src/handshake/tls13/psk.js';
import { Transcript } from '../../src/handshake/transcript.js';
import { readEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { readNewSessionTicket13, type NewSessionTicket13 } from '../../src/messages/new-session-ticket.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../../src/messages/handshake.js';
import { buildServerHello, readServerHello } from '../../src/messages/server-hello.js';
import { TLS_AES_128_GCM_SHA256 } from '../../src/protocol/cipher-suites.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../../src/protocol/constants.js';
import { RECORD_HEADER_LENGTH } from '../../src/protocol/limits.js';
import { equalBytes, fromHex, toHex } from '../../src/wire/bytes.js';
import { leafPublicKeyInfo } from '../../src/x509/leaf-key.js';
import { endpointHandlers, joined, newEndpointState } from '../helpers/pair.js';
import * as F from './rfc8448-fixtures.js';

// ---- helpers ----

const bytes = (hex: string): Uint8Array => fromHex(hex);
const hex = (fixture: string): string => toHex(fromHex(fixture));

/** The one handshake message in a plaintext handshake record (RFC 8446 §5.1). */
function recordMessage(recordHex: string): HandshakeMessage {
  return message(toHex(fromHex(recordHex).subarray(RECORD_HEADER_LENGTH)));
}

function message(messageHex: string): HandshakeMessage {
  const raw = fromHex(messageHex);
  return { type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
}

/**
 * The RFC's certificates are self-signed test certificates (1024-bit RSA, validity ending in July
 * 2026, names that are not "server"): no trust anchor could validate them, so these tests, and only
 * these, accept any chain. CertificateVerify is still checked with the certificate's key.
 */
const acceptAnyChain: PeerVerifier = { verify: () => ({ ok: true, detail: 'RFC 8448 test certificate, accepted without validation' }) };

/**
 * Replaces outgoing handshake messages of the given types, in order, with the RFC's, and keeps
 * ours so the test can check what our code would have sent.
 */
class Substitution {
  readonly ours: HandshakeMessage[] = [];
  private readonly queues: Map<number, HandshakeMessage[]>;

  constructor(replacements: readonly HandshakeMessage[]) {
    this.queues = new Map();
    for (const m of replacements) this.queues.set(m.type, [...(this.queues.get(m.type) ?? []), m]);
  }

  readonly hook = (msg: HandshakeMessage): HandshakeMessage => {
    const next = this.queues.get(msg.type)?.shift();
    if (!next) return msg;
    this.ours.push(msg);
    return next;
  };

  get done(): boolean {
    return [...this.queues.values()].every((q) => q.length === 0);
  }
}

interface Side {
  readonly connection: Connection;
  readonly state: ReturnType<typeof newEndpointState>;
  readonly provider: ReplayCryptoProvider;
}

function replayProvider(pool: string, signatures: readonly RecordedSignature[] = []): ReplayCryptoProvider {
  return new ReplayCryptoProvider(nodeCryptoProvider, { pool: bytes(pool), signatures });
}

function replayClient(
  provider: ReplayCryptoProvider,
  rewrite: ClientConfig['dangerouslyRewriteHandshake'],
  options: ClientOptions,
  extra: Partial<ClientConfig> = {},
  handlers: ConnectionHandlers = {},
): Side {
  const config: ClientConfig = {
    ...resolveClientOptions({ servername: 'server', minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256:P-384', verifier: acceptAnyChain, ...options }, provider),
    ...extra,
    ...(rewrite ? { dangerouslyRewriteHandshake: rewrite } : {}),
  };
  const state = newEndpointState();
  return { connection: createClientConnection(config, { ...endpointHandlers(state), ...handlers }), state, provider };
}

function replayServer(
  provider: ReplayCryptoProvider,
  rewrite: ServerConfig['dangerouslyRewriteHandshake'],
  options: ServerOptions,
  extra: Partial<ServerConfig> = {},
): Side {
  const config: ServerConfig = {
    // No tickets of our own: their keys and age_add would draw randomness the RFC's pools do not
    // hold, and the RFC's ticket (opaque server bytes) is queued by the §3 test itself.
    ...resolveServerOptions({ minVersion: 'TLSv1.3', verifier: acceptAnyChain, tickets: false, ...options }, provider),
    ...extra,
    ...(rewrite ? { dangerouslyRewriteHandshake: rewrite } : {}),
  };
  const state = newEndpointState();
  return { connection: createServerConnection(config, endpointHandlers(state)), state, provider };
}

/** Everything the side queued since the last call, as one hex string. */
function output(side: Side): string {
  return toHex(joined(side.connection.takeOutput()));
}

function assertHealthy(side: Side, what: string): void {
  assert.deepEqual(
    side.state.errors.map((e) => `${e.alert}: ${e.message}`),
    [],
    `${what}: no error`,
  );
}

/** Our ClientHello drew its random, session id and key shares from the pool: the RFC's carries the same. */
function assertSameOffer(ours: HandshakeMessage, rfc: HandshakeMessage, what: string): void {
  const a = readClientHello(ours);
  const b = readClientHello(rfc);
  assert.equal(toHex(a.random), toHex(b.random), `${what}: random`);
  assert.equal(toHex(a.sessionId), toHex(b.sessionId), `${what}: legacy_session_id`);
  assert.deepEqual(
    a.keyShares?.map((s) => [s.group, toHex(s.keyExchange)]),
    b.keyShares?.map((s) => [s.group, toHex(s.keyExchange)]),
    `${what}: key shares`,
  );
}

/** A PrivateKey object for a certificate whose private key the RFC does not publish (signatures are recorded). */
function standInKey(certificatePem: string): CertifiedKey {
  const chain = certificatesFrom(certificatePem);
  const publicKey = nodeCryptoProvider.importPublicKey(leafPublicKeyInfo(chain[0]!));
  const key: PrivateKey = {
    type: publicKey.type,
    ...(publicKey.curve ? { curve: publicKey.curve } : {}),
    ...(publicKey.bits ? { bits: publicKey.bits } : {}),
    publicKey,
  };
  return { chain, key };
}

function receivedMessages(side: Side, type: number): string[] {
  return side.state.events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === 'received' && e.type === type ? [toHex(e.raw)] : []));
}

// ---- RFC 8448 §3: Simple 1-RTT Handshake ----

test('RFC 8448 §3 simple 1-RTT, client: ClientHello, Finished, application data, close_notify byte for byte', () => {
  const T = F.SIMPLE_1RTT;
  // Our client offers fewer extensions than the RFC's (ffdhe groups, session_ticket,
  // psk_key_exchange_modes, record_size_limit...): the RFC's ClientHello goes on the wire instead
  // of ours, and our client then judges the server's answer against that one.
  const rfcHello = recordMessage(T.recordClientHello);
  const sub = new Substitution([rfcHello]);
  const client = replayClient(replayProvider(T.clientRngPool), sub.hook, { middleboxCompatibility: false });

  // §3 {client} send handshake record: the ClientHello record (version 0x0301, as the RFC's).
  assert.equal(output(client), hex(T.recordClientHello), '§3 ClientHello record');
  // §3 {client} create an ephemeral x25519 key pair: ours, from the pool, is the RFC's.
  assertSameOffer(sub.ours[0]!, rfcHello, '§3 ClientHello');
  assert.equal(client.provider.remaining, 0, '§3 the client drew exactly its pool');

  // §3 {server} ServerHello and the protected flight: processed by our real client states.
  client.connection.receive(bytes(T.recordServerHello));
  client.connection.receive(bytes(T.recordServerFlight));
  assertHealthy(client, '§3 client after the server flight');
  // §3 {client} send handshake record: the client Finished.
  assert.equal(output(client), hex(T.recordClientFinished), '§3 client Finished record');
  assert.ok(client.state.completed, '§3 client handshake complete');

  // §3 {server} send handshake record: NewSessionTicket, read under the server application keys.
  client.connection.receive(bytes(T.recordNewSessionTicket));
  assertHealthy(client, '§3 client after NewSessionTicket');
  assert.deepEqual(receivedMessages(client, HandshakeType.new_session_ticket), [hex(T.newSessionTicket)], '§3 NewSessionTicket decrypts to the RFC message');

  // §3 {client} send application_data record.
  client.connection.write(bytes(T.clientAppData));
  assert.equal(output(client), hex(T.recordClientAppData), '§3 client application_data record');
  // §3 {server} send application_data record: decrypted to the RFC's payload.
  client.connection.receive(bytes(T.recordServerAppData));
  assert.equal(toHex(joined(client.state.received)), hex(T.serverAppData), '§3 server application data');
  // §3 {client} send alert record: close_notify.
  client.connection.close();
  assert.equal(output(client), hex(T.recordClientCloseNotify), '§3 client close_notify record');
  // §3 {server} send alert record: close_notify.
  client.connection.receive(bytes(T.recordServerCloseNotify));
  assertHealthy(client, '§3 client at the end');
  assert.ok(client.state.peerClosed, '§3 server close_notify received');
});

test('RFC 8448 §3 simple 1-RTT, server: ServerHello, encrypted flight, application data, close_notify byte for byte', () => {
  const T = F.SIMPLE_1RTT;
  // The RFC's server sends supported_groups and record_size_limit in EncryptedExtensions; ours
  // acknowledges server_name and answers record_size_limit: the RFC's message goes out instead.
  const sub = new Substitution([message(T.encryptedExtensions)]);
  const provider = replayProvider(T.serverRngPool, [{ message: bytes(T.serverSignatureInput), signature: bytes(T.serverSignature) }]);
  const server = replayServer(provider, sub.hook, { key: F.SERVER_KEY_PEM, cert: F.SERVER_CERTIFICATE_PEM });

  // §3 {client} send handshake record: the RFC's ClientHello.
  server.connection.receive(bytes(T.recordClientHello));
  assertHealthy(server, '§3 server after the ClientHello');
  // §3 {server} send handshake record (ServerHello), then the protected record carrying
  // EncryptedExtensions, Certificate, CertificateVerify and Finished: one record, as the RFC's.
  assert.equal(output(server), hex(T.recordServerHello) + hex(T.recordServerFlight), '§3 ServerHello record and server flight record');
  assert.ok(sub.done, '§3 EncryptedExtensions substituted');
  // Ours acknowledges server_name and answers the ClientHello's record_size_limit (RFC 8449), as the RFC's does.
  assert.deepEqual(
    readEncryptedExtensions(sub.ours[0]!).extensions.map((e) => e.type),
    [ExtensionType.server_name, ExtensionType.record_size_limit],
    '§3 our EncryptedExtensions: server_name and record_size_limit',
  );
  // The last 4 pool bytes are the NewSessionTicket's ticket_age_add, which our server does not draw.
  assert.equal(provider.remaining, 4, '§3 the server drew its random and x25519 key, in that order');

  // §3 {client} send handshake record: the client Finished completes our server.
  server.connection.receive(bytes(T.recordClientFinished));
  assertHealthy(server, '§3 server after the client Finished');
  assert.ok(server.state.completed, '§3 server handshake complete');
  assert.equal(output(server), '', '§3 nothing more from the server');

  // §3 {server} send handshake record: NewSessionTicket. This server issues no tickets of its own
  // (tickets: false, see above: a ticket is opaque server state and ours could not be the RFC's),
  // so the test queues the RFC's message through the connection's handshake path: the record layer must protect it into the RFC's record, and the application
  // data that follows then uses the sequence numbers of the RFC's.
  server.connection.send(message(T.newSessionTicket));
  assert.equal(output(server), hex(T.recordNewSessionTicket), '§3 NewSessionTicket record');

  // §3 {client} send application_data record: decrypted to the RFC's payload.
  server.connection.receive(bytes(T.recordClientAppData));
  assert.equal(toHex(joined(server.state.received)), hex(T.clientAppData), '§3 client application data');
  // §3 {server} send application_data record.
  server.connection.write(bytes(T.serverAppData));
  assert.equal(output(server), hex(T.recordServerAppData), '§3 server application_data record');
  // §3 {client} send alert record: close_notify.
  server.connection.receive(bytes(T.recordClientCloseNotify));
  assert.ok(server.state.peerClosed, '§3 client close_notify received');
  // §3 {server} send alert record: close_notify.
  server.connection.close();
  assert.equal(output(server), hex(T.recordServerCloseNotify), '§3 server close_notify record');
  assertHealthy(server, '§3 server at the end');
});

// The test above queues the RFC's NewSessionTicket by hand and checks its record protection: the
// ticket itself is opaque server state (ours is sealed under our own ticket key), so a ticket our
// server issues cannot equal the RFC's bytes; test/engine/tls13-features.test.ts covers ours.

// ---- RFC 8448 §4: Resumed 0-RTT Handshake ----

/** RFC 8448 §3's NewSessionTicket, read by our codec: the ticket that §4 resumes. */
function section3Ticket(): NewSessionTicket13 {
  return readNewSessionTicket13(message(F.SIMPLE_1RTT.newSessionTicket));
}

/**
 * The session our §3 client keeps from the RFC's NewSessionTicket (RFC 8448 §3), received at
 * RESUMED_0RTT.ticketIssuedAt: the §3 client replay above, up to the ticket.
 */
function sessionFromSection3(): Uint8Array {
  const S = F.SIMPLE_1RTT;
  const sessions: Uint8Array[] = [];
  const sub = new Substitution([recordMessage(S.recordClientHello)]);
  const client = replayClient(
    replayProvider(S.clientRngPool),
    sub.hook,
    { middleboxCompatibility: false, now: () => new Date(F.RESUMED_0RTT.ticketIssuedAt) },
    {},
    { session: (s) => sessions.push(s) },
  );
  assert.equal(output(client), hex(S.recordClientHello), '§3 ClientHello record');
  client.connection.receive(bytes(S.recordServerHello));
  client.connection.receive(bytes(S.recordServerFlight));
  assert.equal(output(client), hex(S.recordClientFinished), '§3 client Finished record');
  client.connection.receive(bytes(S.recordNewSessionTicket));
  assertHealthy(client, '§3 client after NewSessionTicket');
  assert.equal(sessions.length, 1, '§3 NewSessionTicket: one session to resume');
  return sessions[0]!;
}

/**
 * RFC 8446 §4.2.11.2 through our psk.ts, as the client computes it: the binder of `hello`'s one
 * PSK, over `hello` up to its binders list (the first message, so nothing precedes it).
 */
function binderOver(hello: HandshakeMessage, psk: Secret): string {
  const offered = readClientHello(hello).preSharedKey!;
  const truncatedHash = binderTranscriptHash(new Transcript(nodeCryptoProvider), hello.raw, offered.bindersLength, 'sha256');
  return toHex(computeBinder(nodeCryptoProvider, 'sha256', psk, truncatedHash));
}

/**
 * The RFC's ticket is opaque bytes sealed by the RFC's server under keys it does not publish. This
 * stand-in keyring opens that ticket, and no other, to the session RFC 8448 §3 left its server
 * with: §4's PSK, TLS_AES_128_GCM_SHA256, the name "server" (§3's SNI), and the lifetime,
 * ticket_age_add and max_early_data_size of §3's NewSessionTicket, issued (and authenticated) at
 * ticketIssuedAt. It seals nothing: the §4 server issues no ticket.
 */
function rfcTicketKeyring(ticket: NewSessionTicket13): Pick<TicketKeyring, 'seal' | 'open'> {
  const T = F.RESUMED_0RTT;
  const state = (): Uint8Array =>
    encodeSession({
      version: ProtocolVersion.TLSv1_3,
      cipherSuite: TLS_AES_128_GCM_SHA256.id,
      secret: new Secret(bytes(T.psk)),
      extendedMasterSecret: false,
      issuedAt: T.ticketIssuedAt,
      // §3's full handshake, which issued the ticket, is the authentication it carries.
      authenticatedAt: T.ticketIssuedAt,
      lifetime: ticket.lifetime,
      serverName: 'server',
      peerCertificates: [],
      authorized: false,
      ageAdd: ticket.ageAdd,
      maxEarlyData: ticket.maxEarlyDataSize ?? 0,
    });
  return {
    open: (identity) => (equalBytes(identity, ticket.ticket) ? state() : undefined),
    seal: () => {
      throw new Error('the RFC 8448 §4 server issues no ticket');
    },
  };
}

test('RFC 8448 §4 resumed 0-RTT, client: ClientHello and PSK binder, early data, EndOfEarlyData + Finished, application data, close_notify byte for byte', () => {
  const T = F.RESUMED_0RTT;
  const ticket = section3Ticket();
  const saved = sessionFromSection3();
  const session = decodeSession(saved);
  // §4 {client} extract secret "early": its IKM is the PSK our client derived from §3's ticket.
  assert.equal(toHex(session.secret.expose()), hex(T.psk), '§4 PSK from the §3 ticket (ticket_nonce 0000)');
  assert.equal(toHex(session.ticket!), toHex(ticket.ticket), "§4 the session holds §3's ticket");
  assert.equal(session.maxEarlyData, 1024, "§4 §3's ticket allows 1024 bytes of early data");

  // Our ClientHello offers less than the RFC's (no ffdhe groups, renegotiation_info or padding)
  // and in another extension order: the RFC's goes on the wire instead. It carries the RFC's
  // binder; ours, computed over our own ClientHello, stays in sub.ours and is checked below.
  const rfcHello = recordMessage(T.recordClientHello);
  const sub = new Substitution([rfcHello]);
  const provider = replayProvider(T.clientRngPool);
  // The RFC's client asks for a record_size_limit of 2^14+1 (RFC 8449); ours does with the option.
  // Our clock stands T.ticketAgeMs after the ticket arrived, as the RFC's obfuscated age says.
  const client = replayClient(provider, sub.hook, {
    middleboxCompatibility: false,
    recordSizeLimit: 16385,
    session: saved,
    earlyData: true,
    now: () => new Date(T.ticketIssuedAt + T.ticketAgeMs),
  });

  // §4 {client} send handshake record: the ClientHello record.
  assert.equal(output(client), hex(T.recordClientHello), '§4 ClientHello record');
  // §4 {client} create an ephemeral x25519 key pair: ours, from the pool, is the RFC's.
  assertSameOffer(sub.ours[0]!, rfcHello, '§4 ClientHello');
  assert.equal(provider.remaining, 0, '§4 the client drew exactly its pool');
  const ours = readClientHello(sub.ours[0]!);
  const rfc = readClientHello(rfcHello);
  // §4 {client} construct a ClientHello: ours offers early data and §3's ticket at the RFC's
  // obfuscated_ticket_age (age 6 ms + ticket_age_add), for psk_dhe_ke.
  assert.ok(ours.earlyData && rfc.earlyData, '§4 early_data offered');
  assert.deepEqual(ours.pskModes, rfc.pskModes, '§4 psk_key_exchange_modes');
  const identities = (h: typeof ours): string[][] => h.preSharedKey!.identities.map((i) => [toHex(i.identity), i.obfuscatedTicketAge.toString(16)]);
  assert.deepEqual(identities(ours), identities(rfc), "§4 pre_shared_key identity: §3's ticket and obfuscated_ticket_age");
  // §4 PSK binder. Our client MACs its own truncated ClientHello with the binder key of the PSK
  // (and put the result in the right place); the same computation (psk.ts, the session's PSK) over
  // the RFC's truncated ClientHello gives the RFC's binder.
  assert.equal(toHex(ours.preSharedKey!.binders[0]!), binderOver(sub.ours[0]!, session.secret), '§4 our binder covers our truncated ClientHello');
  assert.equal(toHex(rfc.preSharedKey!.binders[0]!), hex(T.binder), "§4 the RFC's ClientHello ends with its binder");
  assert.equal(binderOver(rfcHello, session.secret), hex(T.binder), "§4 binder over the RFC's truncated ClientHello");

  // §4 {client} send application_data record: 0-RTT data under the client_early_traffic_secret,
  // which our client derived from the PSK and the ClientHello as sent.
  assert.equal(client.connection.earlyDataRoom, 1024, '§4 early data room: max_early_data_size of the ticket');
  client.connection.writeEarly(bytes(T.clientEarlyAppData));
  assert.equal(output(client), hex(T.recordClientEarlyAppData), '§4 early application_data record');

  // §4 {server} ServerHello selecting the PSK, then EncryptedExtensions (early_data) and Finished.
  client.connection.receive(bytes(T.recordServerHello));
  client.connection.receive(bytes(T.recordServerFlight));
  assertHealthy(client, '§4 client after the server flight');
  assert.ok(client.connection.info.resumed, '§4 resumed');
  assert.equal(client.connection.info.earlyData, 'accepted', '§4 early data accepted');
  // §4 {client} send handshake record, twice: EndOfEarlyData under the early traffic keys, then
  // Finished under the client handshake traffic keys.
  assert.equal(output(client), hex(T.recordClientFinished), '§4 EndOfEarlyData and client Finished records');
  assert.ok(client.state.completed, '§4 client handshake complete');

  // §4 {client} send application_data record.
  client.connection.write(bytes(T.clientAppData));
  assert.equal(output(client), hex(T.recordClientAppData), '§4 client application_data record');
  // §4 {server} send application_data record: decrypted to the RFC's payload.
  client.connection.receive(bytes(T.recordServerAppData));
  assert.equal(toHex(joined(client.state.received)), hex(T.serverAppData), '§4 server application data');
  // §4 {client} send alert record: close_notify.
  client.connection.close();
  assert.equal(output(client), hex(T.recordClientCloseNotify), '§4 client close_notify record');
  // §4 {server} send alert record: close_notify.
  client.connection.receive(bytes(T.recordServerCloseNotify));
  assertHealthy(client, '§4 client at the end');
  assert.ok(client.state.peerClosed, '§4 server close_notify received');
});

test('RFC 8448 §4 resumed 0-RTT, server: ServerHello with pre_shared_key, EncryptedExtensions + Finished, early data, application data, close_notify byte for byte', () => {
  const T = F.RESUMED_0RTT;
  const ticket = section3Ticket();
  // The RFC's server lists its supported_groups in EncryptedExtensions, which ours never sends,
  // and orders the extensions otherwise: the RFC's message goes out instead of ours.
  const sub = new Substitution([message(T.encryptedExtensions)]);
  const provider = replayProvider(T.serverRngPool);
  const server = replayServer(
    provider,
    sub.hook,
    {
      key: F.SERVER_KEY_PEM,
      cert: F.SERVER_CERTIFICATE_PEM,
      // As much 0-RTT data as the ticket promised. Ours would otherwise issue a NewSessionTicket
      // after the handshake; the RFC's sends none in §4.
      maxEarlyData: 1024,
      ticketCount: 0,
      // The ticket is T.ticketAgeMs old, as the client's obfuscated age says: fresh enough for 0-RTT.
      now: () => new Date(T.ticketIssuedAt + T.ticketAgeMs),
    },
    { ticketKeyring: rfcTicketKeyring(ticket) },
  );

  // §4 {client} send handshake record: the ClientHello, offering §3's ticket and early data; our
  // server checks its binder with the PSK.
  server.connection.receive(bytes(T.recordClientHello));
  assertHealthy(server, '§4 server after the ClientHello');
  // §4 {server} send handshake record: ServerHello (pre_shared_key, key_share, supported_versions),
  // then EncryptedExtensions and Finished in one protected record, as the RFC's.
  assert.equal(output(server), hex(T.recordServerHello) + hex(T.recordServerFlight), '§4 ServerHello record and server flight record');
  assert.ok(sub.done, '§4 EncryptedExtensions substituted');
  // Ours holds the rest of the RFC's: record_size_limit, the server_name acknowledgement, early_data.
  const besidesGroups = (m: HandshakeMessage): string[] =>
    readEncryptedExtensions(m)
      .extensions.filter((e) => e.type !== ExtensionType.supported_groups)
      .map((e) => `${e.type}:${toHex(e.body)}`)
      .sort();
  assert.deepEqual(
    besidesGroups(sub.ours[0]!),
    besidesGroups(message(T.encryptedExtensions)),
    "§4 our EncryptedExtensions: the RFC's but for supported_groups",
  );
  assert.equal(provider.remaining, 0, '§4 the server drew its random and x25519 key, in that order');
  assert.ok(server.connection.info.resumed, '§4 resumed');
  assert.equal(server.connection.info.earlyData, 'accepted', '§4 early data accepted');

  // §4 {client} send application_data record: the 0-RTT data, read under the early traffic keys.
  server.connection.receive(bytes(T.recordClientEarlyAppData));
  assertHealthy(server, '§4 server after the early data');
  assert.equal(toHex(joined(server.state.received)), hex(T.clientEarlyAppData), '§4 early application data delivered');
  assert.ok(!server.state.completed, '§4 early data arrives before the handshake completes');
  // §4 {client} send handshake record, twice: EndOfEarlyData (early keys), then Finished (handshake keys).
  server.connection.receive(bytes(T.recordClientFinished));
  assertHealthy(server, '§4 server after EndOfEarlyData and the client Finished');
  assert.ok(server.state.completed, '§4 server handshake complete');
  assert.equal(output(server), '', '§4 nothing more from the server');

  // §4 {client} send application_data record: decrypted to the RFC's payload.
  server.state.received.length = 0;
  server.connection.receive(bytes(T.recordClientAppData));
  assert.equal(toHex(joined(server.state.received)), hex(T.clientAppData), '§4 client application data');
  // §4 {server} send application_data record.
  server.connection.write(bytes(T.serverAppData));
  assert.equal(output(server), hex(T.recordServerAppData), '§4 server application_data record');
  // §4 {client} send alert record: close_notify.
  server.connection.receive(bytes(T.recordClientCloseNotify));
  assert.ok(server.state.peerClosed, '§4 client close_notify received');
  // §4 {server} send alert record: close_notify.
  server.connection.close();
  assert.equal(output(server), hex(T.recordServerCloseNotify), '§4 server close_notify record');
  assertHealthy(server, '§4 server at the end');
});

// ---- RFC 8448 §5: HelloRetryRequest ----

test('RFC 8448 §5 HelloRetryRequest, client: both ClientHellos, Finished, close_notify byte for byte', () => {
  const T = F.HELLO_RETRY_REQUEST;
  // Both ClientHellos are the RFC's on the wire (it offers more than ours; the second one also
  // carries a padding extension to 512 bytes); ours must hold the same random and key shares.
  const rfcHello1 = recordMessage(T.recordClientHello1);
  const rfcHello2 = recordMessage(T.recordClientHello2);
  const sub = new Substitution([rfcHello1, rfcHello2]);
  const client = replayClient(replayProvider(T.clientRngPool), sub.hook, { middleboxCompatibility: false });

  // §5 {client} send handshake record: the first ClientHello, with an x25519 share only.
  assert.equal(output(client), hex(T.recordClientHello1), '§5 first ClientHello record');
  assertSameOffer(sub.ours[0]!, rfcHello1, '§5 first ClientHello');

  // §5 {server} send handshake record: HelloRetryRequest for secp256r1, with a cookie.
  client.connection.receive(bytes(T.recordHelloRetryRequest));
  assertHealthy(client, '§5 client after the HelloRetryRequest');
  // §5 {client} send handshake record: the second ClientHello (record version 0x0303, RFC 8446 §5.1).
  assert.equal(output(client), hex(T.recordClientHello2), '§5 second ClientHello record');
  // §5 {client} create an ephemeral secp256r1 key pair: ours, from the pool, is the RFC's; and our
  // second ClientHello echoes the server's cookie.
  assertSameOffer(sub.ours[1]!, rfcHello2, '§5 second ClientHello');
  assert.equal(toHex(readClientHello(sub.ours[1]!).cookie!), toHex(readClientHello(rfcHello2).cookie!), '§5 cookie echoed');
  assert.equal(client.provider.remaining, 0, '§5 the client drew exactly its pool');

  // §5 {server} ServerHello and the protected flight.
  client.connection.receive(bytes(T.recordServerHello));
  client.connection.receive(bytes(T.recordServerFlight));
  assertHealthy(client, '§5 client after the server flight');
  // §5 {client} send handshake record: the client Finished (over a transcript starting with message_hash).
  assert.equal(output(client), hex(T.recordClientFinished), '§5 client Finished record');
  assert.ok(client.state.completed, '§5 client handshake complete');

  // §5 {client} send alert record: close_notify; {server} send alert record: close_notify.
  client.connection.close();
  assert.equal(output(client), hex(T.recordClientCloseNotify), '§5 client close_notify record');
  client.connection.receive(bytes(T.recordServerCloseNotify));
  assertHealthy(client, '§5 client at the end');
  assert.ok(client.state.peerClosed, '§5 server close_notify received');
});

test('RFC 8448 §5 HelloRetryRequest, server: HelloRetryRequest, ServerHello, encrypted flight, close_notify byte for byte', () => {
  const T = F.HELLO_RETRY_REQUEST;
  const sub = new Substitution([message(T.encryptedExtensions)]);
  // The RFC's server adds a cookie to its HelloRetryRequest; ours keeps its state instead and sends
  // none (stateless retry is not implemented, and it does not check the cookie it gets back). The
  // RFC's cookie extension is inserted into our HelloRetryRequest, which is otherwise ours.
  const rfcRetry = readServerHello(recordMessage(T.recordHelloRetryRequest));
  const cookie = rfcRetry.extensions.find((e) => e.type === ExtensionType.cookie)!;
  let ourRetry: HandshakeMessage | undefined;
  const rewrite = (msg: HandshakeMessage): HandshakeMessage => {
    if (msg.type !== HandshakeType.server_hello || !readServerHello(msg).isRetryRequest) return sub.hook(msg);
    ourRetry = msg;
    const hrr = readServerHello(msg);
    const [first, ...rest] = hrr.extensions;
    return buildServerHello({ random: hrr.random, sessionId: hrr.sessionId, cipherSuite: hrr.cipherSuite, extensions: [first!, cookie, ...rest] });
  };
  const provider = replayProvider(T.serverRngPool, [{ message: bytes(T.serverSignatureInput), signature: bytes(T.serverSignature) }]);
  // Our server takes any group it has a share for rather than spend a round trip; the RFC's server
  // wanted secp256r1 although the client sent x25519. Offering only secp256r1 makes ours ask too.
  const server = replayServer(provider, rewrite, { key: F.SERVER_KEY_PEM, cert: F.SERVER_CERTIFICATE_PEM, ecdhCurve: 'P-256' });

  // §5 {client} send handshake record: the first ClientHello.
  server.connection.receive(bytes(T.recordClientHello1));
  assertHealthy(server, '§5 server after the first ClientHello');
  // §5 {server} send handshake record: the HelloRetryRequest (ours, plus the RFC's cookie).
  assert.equal(output(server), hex(T.recordHelloRetryRequest), '§5 HelloRetryRequest record');
  assert.deepEqual(
    readServerHello(ourRetry!).extensions.map((e) => e.type),
    [ExtensionType.key_share, ExtensionType.supported_versions],
    '§5 our HelloRetryRequest: key_share (secp256r1) and supported_versions',
  );
  assert.equal(provider.remaining, 64, '§5 nothing drawn for the HelloRetryRequest');

  // §5 {client} send handshake record: the second ClientHello.
  server.connection.receive(bytes(T.recordClientHello2));
  assertHealthy(server, '§5 server after the second ClientHello');
  // §5 {server} send handshake record: ServerHello, then the protected flight in one record.
  assert.equal(output(server), hex(T.recordServerHello) + hex(T.recordServerFlight), '§5 ServerHello record and server flight record');
  assert.ok(sub.done, '§5 EncryptedExtensions substituted');
  assert.equal(provider.remaining, 0, '§5 the server drew its random and secp256r1 key, in that order');

  // §5 {client} send handshake record: the client Finished.
  server.connection.receive(bytes(T.recordClientFinished));
  assertHealthy(server, '§5 server after the client Finished');
  assert.ok(server.state.completed, '§5 server handshake complete');

  // §5 {client} close_notify; {server} send alert record: close_notify.
  server.connection.receive(bytes(T.recordClientCloseNotify));
  assert.ok(server.state.peerClosed, '§5 client close_notify received');
  server.connection.close();
  assert.equal(output(server), hex(T.recordServerCloseNotify), '§5 server close_notify record');
  assertHealthy(server, '§5 server at the end');
});

// ---- RFC 8448 §6: Client Authentication ----

test('RFC 8448 §6 client authentication, client: ClientHello, Certificate + CertificateVerify + Finished, close_notify byte for byte', () => {
  const T = F.CLIENT_AUTHENTICATION;
  const rfcHello = recordMessage(T.recordClientHello);
  const sub = new Substitution([rfcHello]);
  const provider = replayProvider(T.clientRngPool, [{ message: bytes(T.clientSignatureInput), signature: bytes(T.clientSignature) }]);
  // The RFC does not publish the client's private key: a stand-in holds the certificate's public
  // key, and the recorded signature is what our client must ask for.
  const client = replayClient(provider, sub.hook, { middleboxCompatibility: false }, { certificates: [standInKey(F.CLIENT_CERTIFICATE_PEM)] });

  // §6 {client} send handshake record: the ClientHello.
  assert.equal(output(client), hex(T.recordClientHello), '§6 ClientHello record');
  assertSameOffer(sub.ours[0]!, rfcHello, '§6 ClientHello');
  assert.equal(provider.remaining, 0, '§6 the client drew exactly its pool');

  // §6 {server} ServerHello and the protected flight (with CertificateRequest and a P-256 certificate).
  client.connection.receive(bytes(T.recordServerHello));
  client.connection.receive(bytes(T.recordServerFlight));
  assertHealthy(client, '§6 client after the server flight');
  // §6 {client} send handshake record: Certificate, CertificateVerify and Finished in one record.
  assert.equal(output(client), hex(T.recordClientFinished), '§6 client Certificate, CertificateVerify, Finished record');
  assert.ok(client.state.completed, '§6 client handshake complete');

  client.connection.close();
  assert.equal(output(client), hex(T.recordClientCloseNotify), '§6 client close_notify record');
  client.connection.receive(bytes(T.recordServerCloseNotify));
  assertHealthy(client, '§6 client at the end');
  assert.ok(client.state.peerClosed, '§6 server close_notify received');
});

test('RFC 8448 §6 client authentication, server: ServerHello, encrypted flight with CertificateRequest, close_notify byte for byte', () => {
  const T = F.CLIENT_AUTHENTICATION;
  // EncryptedExtensions and CertificateRequest carry the RFC server's policy (its groups, record
  // size limit, and a signature_algorithms list with SHA-1 and DSA that ours would never offer).
  const sub = new Substitution([message(T.encryptedExtensions), message(T.certificateRequest)]);
  const provider = replayProvider(T.serverRngPool, [{ message: bytes(T.serverSignatureInput), signature: bytes(T.serverSignature) }]);
  // §6's server presents a P-256 certificate whose private key the RFC does not publish.
  const server = replayServer(provider, sub.hook, { requestCert: true }, { certificates: [standInKey(F.SERVER_CERTIFICATE_CLIENT_AUTH_PEM)] });

  // §6 {client} send handshake record: the ClientHello.
  server.connection.receive(bytes(T.recordClientHello));
  assertHealthy(server, '§6 server after the ClientHello');
  // §6 {server} send handshake record: ServerHello, then EncryptedExtensions, CertificateRequest,
  // Certificate, CertificateVerify and Finished in one protected record.
  assert.equal(output(server), hex(T.recordServerHello) + hex(T.recordServerFlight), '§6 ServerHello record and server flight record');
  assert.ok(sub.done, '§6 EncryptedExtensions and CertificateRequest substituted');
  assert.equal(provider.remaining, 0, '§6 the server drew its random and x25519 key, in that order');

  // §6 {client} send handshake record: the client's Certificate, CertificateVerify (checked with
  // the client certificate's key) and Finished.
  server.connection.receive(bytes(T.recordClientFinished));
  assertHealthy(server, '§6 server after the client flight');
  assert.ok(server.state.completed, '§6 server handshake complete');
  assert.equal(server.connection.info.peerCertificates.length, 1, '§6 client certificate received');

  server.connection.receive(bytes(T.recordClientCloseNotify));
  assert.ok(server.state.peerClosed, '§6 client close_notify received');
  server.connection.close();
  assert.equal(output(server), hex(T.recordServerCloseNotify), '§6 server close_notify record');
  assertHealthy(server, '§6 server at the end');
});

// ---- RFC 8448 §7: Middlebox Compatibility Mode ----

test('RFC 8448 §7 middlebox compatibility, client: ClientHello with session id, CCS + Finished, close_notify byte for byte', () => {
  const T = F.MIDDLEBOX_COMPATIBILITY;
  const rfcHello = recordMessage(T.recordClientHello);
  const sub = new Substitution([rfcHello]);
  const client = replayClient(replayProvider(T.clientRngPool), sub.hook, { middleboxCompatibility: true });

  // §7 {client} send handshake record: the ClientHello, whose legacy_session_id came from the pool.
  assert.equal(output(client), hex(T.recordClientHello), '§7 ClientHello record');
  assertSameOffer(sub.ours[0]!, rfcHello, '§7 ClientHello');
  assert.equal(client.provider.remaining, 0, '§7 the client drew random, session id and x25519 key, in that order');

  // §7 {server} ServerHello, change_cipher_spec (dropped), and the protected flight.
  client.connection.receive(bytes(T.recordServerHello));
  client.connection.receive(bytes(T.recordServerFlight));
  assertHealthy(client, '§7 client after the server flight');
  // §7 {client} send change_cipher_spec record, then the client Finished record.
  assert.equal(output(client), hex(T.recordClientFinished), '§7 client change_cipher_spec and Finished records');
  assert.ok(client.state.completed, '§7 client handshake complete');

  client.connection.close();
  assert.equal(output(client), hex(T.recordClientCloseNotify), '§7 client close_notify record');
  client.connection.receive(bytes(T.recordServerCloseNotify));
  assertHealthy(client, '§7 client at the end');
  assert.ok(client.state.peerClosed, '§7 server close_notify received');
});

test('RFC 8448 §7 middlebox compatibility, server: ServerHello, CCS, encrypted flight, close_notify byte for byte', () => {
  const T = F.MIDDLEBOX_COMPATIBILITY;
  const sub = new Substitution([message(T.encryptedExtensions)]);
  const provider = replayProvider(T.serverRngPool, [{ message: bytes(T.serverSignatureInput), signature: bytes(T.serverSignature) }]);
  const server = replayServer(provider, sub.hook, { key: F.SERVER_KEY_PEM, cert: F.SERVER_CERTIFICATE_PEM });

  // §7 {client} send handshake record: a ClientHello with a 32-byte legacy_session_id.
  server.connection.receive(bytes(T.recordClientHello));
  assertHealthy(server, '§7 server after the ClientHello');
  // §7 {server} ServerHello echoing the session id, change_cipher_spec, then the protected flight.
  assert.equal(output(server), hex(T.recordServerHello) + hex(T.recordServerFlight), '§7 ServerHello, change_cipher_spec and server flight records');
  assert.ok(sub.done, '§7 EncryptedExtensions substituted');
  assert.equal(provider.remaining, 0, '§7 the server drew its random and x25519 key, in that order');

  // §7 {client} change_cipher_spec (dropped) and the client Finished.
  server.connection.receive(bytes(T.recordClientFinished));
  assertHealthy(server, '§7 server after the client Finished');
  assert.ok(server.state.completed, '§7 server handshake complete');

  server.connection.receive(bytes(T.recordClientCloseNotify));
  assert.ok(server.state.peerClosed, '§7 client close_notify received');
  server.connection.close();
  assert.equal(output(server), hex(T.recordServerCloseNotify), '§7 server close_notify record');
  assertHealthy(server, '§7 server at the end');
});

// ---- Not RFC 8448 ----

// Not replayed: the two traces ../shared/rfc8448 adds beyond the RFC (from the Botan project,
// Externally_Provided_PSK_with_Ephemeral_Key and RawPublicKey_With_Client_Authentication) need
// external PSKs and raw public keys (RFC 7250), which tlskit does not implement.
