// Random and mutated input into Connection.receive() on both sides (issue 2: "bad input never
// wins"). The only allowed outcomes are: nothing happens yet, the handshake goes on or completes, or
// one TlsError through the error handler, after which the connection is closed. Nothing may throw out
// of receive(), no JavaScript exception may surface as internal_error, and buffers stay bounded.
//
// Mutated handshakes are replayed: seeded providers and an Ed25519 certificate make a conversation
// byte-for-byte reproducible, so a recorded flight is valid for a fresh endpoint, and protected
// messages can be decrypted, mutated and re-encrypted with the recorded traffic keys.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Connection } from '../../src/engine/connection.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import type { ConnectionHandlers, TlsEvent } from '../../src/engine/events.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../../src/engine/options.js';

const CLASSIC_GROUPS = 'X25519:P-256:P-384';
import type { ClientConfig, ServerConfig } from '../../src/handshake/config.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { TlsError } from '../../src/errors.js';
import { ContentType } from '../../src/protocol/constants.js';
import type { CipherSuite } from '../../src/protocol/cipher-suites.js';
import { MAX_CIPHERTEXT_13, RECORD_HEADER_LENGTH } from '../../src/protocol/limits.js';
import type { RecordReader } from '../../src/record/record-reader.js';
import { concat, fromHex } from '../../src/wire/bytes.js';
import { deterministicProvider } from '../helpers/deterministic-provider.js';
import { openRecord, sealRecord, trafficKeys, type Side } from '../helpers/engine-harness.js';
import { pinnedVerifier, testIdentity } from '../helpers/engine-pki.js';
import { fcParameters } from '../helpers/fast-check.js';

const RUNS = 300;

// ---- an endpoint under test ----

interface Probe {
  readonly side: Side;
  readonly connection: Connection;
  readonly errors: unknown[];
  readonly events: TlsEvent[];
}

interface Scenario {
  readonly name: string;
  readonly client?: ClientOptions;
  readonly server?: ServerOptions;
  readonly tls12?: boolean;
}

const id = () => testIdentity('ed25519');
const scenarios: readonly Scenario[] = [
  { name: 'basic' },
  // The client shares X25519; a P-256-only server asks for P-256 with a HelloRetryRequest.
  { name: 'hello-retry', server: { ecdhCurve: 'P-256' } },
  // The server asks for a certificate; the client's Certificate and CertificateVerify are mutated too.
  { name: 'client-auth', client: { key: id().keyPem, cert: id().certPem }, server: { requestCert: true, verifier: pinnedVerifier(id().certDer) } },
  // TLS 1.2 (ECDHE, Ed25519 signatures): only whole-flight mutations, its records are not TLS 1.3's.
  { name: 'tls12', client: { maxVersion: 'TLSv1.2' }, tls12: true },
];

const configCache = new Map<string, { client: ClientConfig; server: ServerConfig }>();

/** Resolved once per scenario (key import is the slow part); each probe gets fresh seeded randomness. */
function configsFor(scenario: Scenario): { client: ClientConfig; server: ServerConfig } {
  let c = configCache.get(scenario.name);
  if (!c) {
    c = {
      // Classic groups: ML-KEM encapsulation draws its own randomness, so a X25519MLKEM768
      // handshake cannot be recorded once and replayed byte for byte.
      client: resolveClientOptions(
        { servername: 'localhost', verifier: pinnedVerifier(id().certDer), ecdhCurve: CLASSIC_GROUPS, ...scenario.client },
        nodeCryptoProvider,
      ),
      server: resolveServerOptions({ key: id().keyPem, cert: id().certPem, ecdhCurve: CLASSIC_GROUPS, ...scenario.server }, nodeCryptoProvider),
    };
    configCache.set(scenario.name, c);
  }
  return c;
}

/**
 * An endpoint from the scenario's cached configuration and a fresh seeded provider: every endpoint
 * built this way, the recording's included, draws the same randomness in the same order.
 */
function endpoint(side: Side, scenario: Scenario, handlers: ConnectionHandlers): Connection {
  const configs = configsFor(scenario);
  return side === 'client'
    ? createClientConnection({ ...configs.client, provider: deterministicProvider('property-client') }, handlers)
    : createServerConnection({ ...configs.server, provider: deterministicProvider('property-server') }, handlers);
}

function probe(side: Side, scenario: Scenario = scenarios[0]!): Probe {
  const errors: unknown[] = [];
  const events: TlsEvent[] = [];
  const connection = endpoint(side, scenario, {
    error: (e: TlsError) => errors.push(e),
    event: (e: TlsEvent) => {
      if (e.kind === 'alert') events.push(e);
    },
  });
  connection.takeOutput(); // the client's ClientHello: the "peer" below already knows it
  return { side, connection, errors, events };
}

/** Feeds `bytes` in pieces of the given sizes and checks the invariants after every call. */
function feed(p: Probe, bytes: Uint8Array, pieces: readonly number[] = []): void {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = pieces.length > 0 ? Math.max(1, pieces[i % pieces.length]!) : bytes.length;
    const chunk = bytes.subarray(at, at + n);
    at += n;
    try {
      p.connection.receive(chunk);
    } catch (err) {
      assert.fail(`receive() threw on the ${p.side}: ${String((err as Error).stack ?? err)}`);
    }
    checkInvariants(p);
  }
}

function checkInvariants(p: Probe): void {
  assert.ok(p.errors.length <= 1, `${p.side} reported ${p.errors.length} errors`);
  const err = p.errors[0];
  if (err !== undefined) {
    assert.ok(err instanceof TlsError, `${p.side} reported a non-TlsError: ${String(err)}`);
    // Bad input is the peer's fault, never ours: internal_error (a JS exception caught by the engine,
    // or a state the engine thought impossible) is a bug.
    if (err.alert === 'internal_error' && err.origin === 'local') {
      assert.fail(`${p.side}: internal_error from input: ${err.message}\n${String((err.cause as Error | undefined)?.stack ?? '')}`);
    }
    assert.ok(p.connection.closed, 'a failed connection must be closed');
    assert.equal(p.connection.error, err);
    const sent = p.events.filter((e) => e.kind === 'alert' && e.direction === 'sent');
    // A local error sends exactly one fatal alert; a peer's alert (or close_notify) sends none, and
    // so does a first record that is not TLS at all (peerNotTls, as OpenSSL).
    assert.equal(sent.length, err.origin === 'local' && !err.peerNotTls ? 1 : 0, `${p.side} sent ${sent.length} alerts for ${err.origin} ${err.alert}`);
  } else if (!p.connection.peerClosed) {
    // Nothing is buffered beyond one incomplete record.
    const buffered = (p.connection as unknown as { records: RecordReader }).records.bufferedLength;
    assert.ok(buffered < RECORD_HEADER_LENGTH + MAX_CIPHERTEXT_13, `${p.side} buffers ${buffered} bytes`);
  }
}

// ---- a recorded conversation ----

/** Everything each side sent in a complete, reproducible handshake, and the handshake keys. */
interface Recording {
  readonly fromClient: Uint8Array;
  readonly fromServer: Uint8Array;
  readonly serverHandshakeSecret: Uint8Array;
  readonly clientHandshakeSecret: Uint8Array;
  /** Application traffic secrets (nothing was sent under them in the recording). */
  readonly serverApplicationSecret: Uint8Array;
  readonly clientApplicationSecret: Uint8Array;
  readonly suite: CipherSuite;
}

const recordings = new Map<string, Recording>();

function record(scenario: Scenario): Recording {
  const cached = recordings.get(scenario.name);
  if (cached) return cached;
  const secrets = new Map<string, Uint8Array>();
  const keylog = (line: string) => {
    const [label, , secret] = line.trim().split(' ');
    secrets.set(label!, fromHex(secret!));
  };
  const failed = (side: Side) => (e: TlsError) => assert.fail(`the recorded ${scenario.name} handshake failed on the ${side}: ${e.alert}: ${e.message}`);
  const client = endpoint('client', scenario, { keylog, error: failed('client') });
  const server = endpoint('server', scenario, { keylog, error: failed('server') });
  const fromClient: Uint8Array[] = [];
  const fromServer: Uint8Array[] = [];
  for (let round = 0; round < 10; round++) {
    const c = concat(...client.takeOutput());
    fromClient.push(c);
    server.receive(c);
    const s = concat(...server.takeOutput());
    fromServer.push(s);
    client.receive(s);
  }
  assert.ok(client.isConnected && server.isConnected, `the recorded ${scenario.name} handshake must complete`);
  assert.equal(client.info.version, scenario.tls12 ? 'TLSv1.2' : 'TLSv1.3');
  const secret = (label: string) => {
    const value = secrets.get(label) ?? (scenario.tls12 ? new Uint8Array(0) : undefined); // TLS 1.2 logs CLIENT_RANDOM only
    assert.ok(value, `no ${label} in the key log`);
    return value;
  };
  const rec: Recording = {
    fromClient: concat(...fromClient),
    fromServer: concat(...fromServer),
    serverHandshakeSecret: secret('SERVER_HANDSHAKE_TRAFFIC_SECRET'),
    clientHandshakeSecret: secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET'),
    serverApplicationSecret: secret('SERVER_TRAFFIC_SECRET_0'),
    clientApplicationSecret: secret('CLIENT_TRAFFIC_SECRET_0'),
    suite: client.info.cipherSuite!,
  };
  // Replay sanity: fresh endpoints accept the recording as is.
  const c = probe('client', scenario);
  feed(c, rec.fromServer);
  assert.ok(c.connection.isConnected && c.errors.length === 0, `a fresh client accepts the recorded ${scenario.name} server flights`);
  const s = probe('server', scenario);
  feed(s, rec.fromClient);
  assert.ok(s.connection.isConnected && s.errors.length === 0, `a fresh server accepts the recorded ${scenario.name} client flights`);
  recordings.set(scenario.name, rec);
  return rec;
}

/** Protected records in `flight` that open under `secret` (counting from sequence 0). */
function recordsUnder(flight: Uint8Array, secret: Uint8Array, suite: CipherSuite): number {
  const keys = trafficKeys(secret, suite);
  let seq = 0;
  for (const r of records(flight)) if (r.type === ContentType.application_data && openRecord(keys, seq, r.wire)) seq++;
  return seq;
}

interface RawRecordBytes {
  readonly type: number;
  readonly wire: Uint8Array;
}

function records(bytes: Uint8Array): RawRecordBytes[] {
  const out: RawRecordBytes[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const end = at + 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!);
    out.push({ type: bytes[at]!, wire: bytes.subarray(at, end) });
    at = end;
  }
  return out;
}

/** Positions of record and handshake length fields in a flight (for "length ±1" mutations). */
function lengthFields(bytes: Uint8Array): [number, 2 | 3][] {
  const fields: [number, 2 | 3][] = [];
  for (let at = 0; at + 5 <= bytes.length; at += 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!)) {
    fields.push([at + 3, 2]);
    if (bytes[at] === ContentType.handshake)
      for (const h of handshakeHeaders(bytes.subarray(at + 5, at + 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!)))) fields.push([at + 5 + h, 3]);
  }
  return fields;
}

/** Offsets of the 3-byte length of each handshake message in `data`. */
function handshakeHeaders(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 4 <= data.length; at += 4 + ((data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!)) out.push(at + 1);
  return out;
}

// ---- mutations ----

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'length'; readonly at: number; readonly size: 1 | 2 | 3; readonly delta: 1 | -1; readonly known: boolean }
  | { readonly kind: 'byte'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly value: number }
  | { readonly kind: 'delete'; readonly at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      at: fc.nat(),
      size: fc.constantFrom(1 as const, 2 as const, 3 as const),
      delta: fc.constantFrom(1 as const, -1 as const),
      known: fc.boolean(),
    }),
  },
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });
const piecesArb = fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }));

function mutate(input: Uint8Array, mutations: readonly Mutation[], known: readonly [number, 2 | 3][]): Uint8Array {
  let b: Uint8Array = input.slice();
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b[at]! ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'byte':
        b[at] = m.value;
        break;
      case 'insert':
        b = concat(b.subarray(0, at), Uint8Array.of(m.value), b.subarray(at));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + 1));
        break;
      case 'length': {
        const [pos, size] = m.known && known.length > 0 ? known[m.at % known.length]! : [at, m.size];
        if (pos + size > b.length) break;
        let v = 0;
        for (let i = 0; i < size; i++) v = v * 256 + b[pos + i]!;
        v = (v + m.delta + 256 ** size) % 256 ** size;
        for (let i = size - 1; i >= 0; i--, v = Math.floor(v / 256)) b[pos + i] = v & 0xff;
        break;
      }
    }
  }
  return b;
}

/**
 * Mutates the handshake messages inside the protected records of a flight, re-encrypting them with
 * the recorded keys, so the receiver decrypts fine and its message decoders see the damage.
 */
function mutateProtected(flight: Uint8Array, secret: Uint8Array, suite: CipherSuite, mutations: readonly Mutation[]): Uint8Array {
  const keys = trafficKeys(secret, suite);
  let seq = 0;
  return concat(
    ...records(flight).map((r) => {
      if (r.type !== ContentType.application_data) return r.wire;
      const opened = openRecord(keys, seq, r.wire);
      if (!opened) return r.wire; // under other keys (a NewSessionTicket after the handshake): left alone
      const data = mutate(
        opened.data,
        mutations,
        handshakeHeaders(opened.data).map((at) => [at, 3] as [number, 3]),
      );
      return sealRecord(keys, seq++, concat(data, Uint8Array.of(opened.type)));
    }),
  );
}

// ---- properties ----

describe('engine receive(): random and mutated input (fast-check)', () => {
  const recordArb = fc
    .record({
      type: fc.oneof(fc.constantFrom(20, 21, 22, 23), fc.integer({ min: 0, max: 255 })),
      version: fc.constantFrom(0x0301, 0x0303, 0x0304, 0x0200),
      body: fc.uint8Array({ maxLength: 600 }),
      handshakeType: fc.integer({ min: 0, max: 30 }),
      asHandshake: fc.boolean(),
    })
    .map(({ type, version, body, handshakeType, asHandshake }) => {
      const payload = asHandshake && type === 22 ? concat(Uint8Array.of(handshakeType, 0, body.length >>> 8, body.length & 0xff), body) : body;
      return concat(Uint8Array.of(type, version >>> 8, version & 0xff, payload.length >>> 8, payload.length & 0xff), payload);
    });

  for (const side of ['server', 'client'] as const) {
    test(`${side}: random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), piecesArb, (bytes, pieces) => {
          feed(probe(side), bytes, pieces);
        }),
        fcParameters(RUNS),
      );
    });

    test(`${side}: random records (plausible headers, random handshake messages)`, () => {
      fc.assert(
        fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), piecesArb, (list, pieces) => {
          feed(probe(side), concat(...list), pieces);
        }),
        fcParameters(RUNS),
      );
    });
  }

  for (const scenario of scenarios) {
    const runs = scenario.name === 'basic' ? RUNS : RUNS / 3;

    test(`${scenario.name}, server: the client's flights mutated (bit flips, truncation, length fields ±1, bytes in and out)`, () => {
      const rec = record(scenario);
      const known = lengthFields(rec.fromClient);
      fc.assert(
        fc.property(mutationsArb, piecesArb, (mutations, pieces) => {
          feed(probe('server', scenario), mutate(rec.fromClient, mutations, known), pieces);
        }),
        fcParameters(runs),
      );
    });

    test(`${scenario.name}, client: the server's flights mutated`, () => {
      const rec = record(scenario);
      const known = lengthFields(rec.fromServer);
      fc.assert(
        fc.property(mutationsArb, piecesArb, (mutations, pieces) => {
          feed(probe('client', scenario), mutate(rec.fromServer, mutations, known), pieces);
        }),
        fcParameters(runs),
      );
    });

    if (scenario.tls12) continue;

    test(`${scenario.name}, client: the server's protected messages mutated and re-encrypted`, () => {
      const rec = record(scenario);
      fc.assert(
        fc.property(mutationsArb, piecesArb, (mutations, pieces) => {
          feed(probe('client', scenario), mutateProtected(rec.fromServer, rec.serverHandshakeSecret, rec.suite, mutations), pieces);
        }),
        fcParameters(runs),
      );
    });

    test(`${scenario.name}, server: the client's protected messages mutated and re-encrypted`, () => {
      const rec = record(scenario);
      fc.assert(
        fc.property(mutationsArb, piecesArb, (mutations, pieces) => {
          feed(probe('server', scenario), mutateProtected(rec.fromClient, rec.clientHandshakeSecret, rec.suite, mutations), pieces);
        }),
        fcParameters(runs),
      );
    });
  }

  test('after the handshake: random protected records of any inner type to either side', () => {
    const innerArb = fc.record({
      type: fc.oneof(fc.constantFrom(21, 22, 23), fc.integer({ min: 0, max: 255 })),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc
          .tuple(fc.constantFrom(4, 5, 20, 24, 0, 1, 2, 8, 11, 13, 15), fc.uint8Array({ maxLength: 60 }))
          .map(([t, b]) => concat(Uint8Array.of(t, 0, 0, b.length), b)),
      ),
      padding: fc.integer({ min: 0, max: 3 }),
    });
    const rec = record(scenarios[0]!);
    // Sequence numbers already used under the application keys (e.g. a server's NewSessionTickets).
    const first = {
      client: recordsUnder(rec.fromServer, rec.serverApplicationSecret, rec.suite),
      server: recordsUnder(rec.fromClient, rec.clientApplicationSecret, rec.suite),
    };
    fc.assert(
      fc.property(fc.constantFrom<Side>('client', 'server'), fc.array(innerArb, { minLength: 1, maxLength: 5 }), piecesArb, (to, list, pieces) => {
        // A connected endpoint, by replaying the recording; then records sealed with its read keys.
        const p = probe(to);
        feed(p, to === 'client' ? rec.fromServer : rec.fromClient);
        assert.ok(p.connection.isConnected);
        const keys = trafficKeys(to === 'client' ? rec.serverApplicationSecret : rec.clientApplicationSecret, rec.suite);
        const wire = concat(...list.map((r, i) => sealRecord(keys, first[to] + i, concat(r.data, Uint8Array.of(r.type), new Uint8Array(r.padding)))));
        feed(p, wire, pieces);
      }),
      fcParameters(RUNS),
    );
  });
});
