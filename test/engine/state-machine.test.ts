// State machine conformance (issue 7), both sides, both versions: every handshake message type
// arriving in every state where it is not allowed is unexpected_message; so is a ChangeCipherSpec
// where none belongs, application data before the handshake completes, and a TLS 1.2 handshake
// message split around another record type (RFC 8446 §5.1). TLS 1.3 cases already covered one by
// one in handshake.test.ts and records.test.ts are here swept over every state.
//
// Each scenario lists, for each side, the points of the handshake as the receiver goes through
// them: what handshake types it accepts there, what a ChangeCipherSpec does there, and which event
// of the valid handshake comes next. A message of type T "arrives at point i" by making the sender
// put it right before event i (or right after the event before it), inside the same record, under
// the keys the sender uses there: config.dangerouslyRewriteHandshake on the sender does that, so
// protected positions of both versions are reached without a man in the middle.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType, type HandshakeTypeName } from '../../src/protocol/constants.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import type { Connection } from '../../src/engine/connection.js';
import { concat, utf8 } from '../../src/wire/bytes.js';
import {
  assertAborted,
  assertNoErrors,
  assertOnlyTlsErrors,
  handshakeBytes,
  newPair,
  splitMessages,
  type Pair,
  type PairOptions,
  type RecordHook,
  type RecordOut,
  type Side,
} from '../helpers/engine-harness.js';
import { pinnedVerifier, testIdentity } from '../helpers/engine-pki.js';
import { MemoryAntiReplayStore } from '../../src/handshake/anti-replay.js';

type Ccs = 'unexpected' | 'dropped' | 'expected';
interface Point {
  /** The event of the valid handshake that arrives next (undefined: the handshake is over). */
  readonly next?: HandshakeTypeName | 'ccs';
  readonly accepts: readonly HandshakeTypeName[];
  readonly ccs: Ccs;
}
const at = (next: Point['next'], accepts: readonly HandshakeTypeName[], ccs: Ccs = 'unexpected'): Point => ({ next, accepts, ccs });

interface Scenario {
  readonly name: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly options: () => PairOptions;
  /** Points of what the client receives, then what the server receives, in order; the last is "connected". */
  readonly client: readonly Point[];
  readonly server: readonly Point[];
}

const ticketKeys = new Uint8Array(48).fill(7);
const clientId = testIdentity('ec');
const clientAuth = { client: { key: clientId.keyPem, cert: clientId.certPem }, server: { requestCert: true, verifier: pinnedVerifier(clientId.certDer) } };
const ocsp = new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]);

/** A session from a first handshake with the same ticket keys (cached per option set). */
const sessions = new Map<string, Uint8Array>();
function sessionFor(version: 'TLSv1.3' | 'TLSv1.2', maxEarlyData = 0): Uint8Array {
  const key = `${version}/${maxEarlyData}`;
  let s = sessions.get(key);
  if (!s) {
    const first = newPair({ client: { maxVersion: version }, server: { ticketKeys, maxEarlyData, antiReplay: new MemoryAntiReplayStore() } }).handshake();
    s = first.client.sessions[0]!;
    assert.ok(s, 'the first handshake gave a session');
    sessions.set(key, s);
  }
  return s;
}

// TLS 1.3 (RFC 8446 §2): a CCS is dropped from the first ClientHello until the peer's Finished.
const connected13Client = at(undefined, ['new_session_ticket', 'key_update']);
const connected13Server = at(undefined, ['key_update']);
// A client that has a certificate offers post-handshake authentication (RFC 8446 §4.6.2): the
// server may then send it a CertificateRequest after the handshake.
const connected13ClientWithCertificate = at(undefined, ['new_session_ticket', 'key_update', 'certificate_request']);
// TLS 1.2 after the handshake: renegotiation requests get a no_renegotiation warning (RFC 5746).
const connected12Client = at(undefined, ['hello_request']);
const connected12Server = at(undefined, ['client_hello']);
/**
 * RFC 5246 §7.4.1.1: once the ServerHello chose TLS 1.2, a HelloRequest is ignored until the
 * handshake completes (the first point, before the version is known, and the last keep theirs).
 */
function ignoringHelloRequest(points: readonly Point[]): Point[] {
  return points.map((p, i) => (i === 0 || i === points.length - 1 ? p : { ...p, accepts: [...p.accepts, 'hello_request'] }));
}

const scenarios: Scenario[] = [
  {
    name: 'TLS 1.3 full handshake',
    version: 'TLSv1.3',
    options: () => ({ server: { ticketKeys } }),
    client: [
      at('server_hello', ['server_hello'], 'dropped'),
      at('encrypted_extensions', ['encrypted_extensions'], 'dropped'),
      at('certificate', ['certificate_request', 'certificate'], 'dropped'),
      at('certificate_verify', ['certificate_verify'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      at('new_session_ticket', connected13Client.accepts),
      connected13Client,
    ],
    server: [at('client_hello', ['client_hello']), at('finished', ['finished'], 'dropped'), connected13Server],
  },
  {
    name: 'TLS 1.3 with a client certificate',
    version: 'TLSv1.3',
    options: () => ({ ...clientAuth, server: { ...clientAuth.server, ticketKeys } }),
    client: [
      at('server_hello', ['server_hello'], 'dropped'),
      at('encrypted_extensions', ['encrypted_extensions'], 'dropped'),
      at('certificate_request', ['certificate_request', 'certificate'], 'dropped'),
      at('certificate', ['certificate'], 'dropped'),
      at('certificate_verify', ['certificate_verify'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      at('new_session_ticket', connected13ClientWithCertificate.accepts),
      connected13ClientWithCertificate,
    ],
    server: [
      at('client_hello', ['client_hello']),
      at('certificate', ['certificate'], 'dropped'),
      at('certificate_verify', ['certificate_verify'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      connected13Server,
    ],
  },
  {
    name: 'TLS 1.3 after a HelloRetryRequest',
    version: 'TLSv1.3',
    options: () => ({ client: { ecdhCurve: 'P-256:X25519' }, server: { ticketKeys, ecdhCurve: 'X25519' } }),
    client: [
      at('server_hello', ['server_hello'], 'dropped'),
      at('server_hello', ['server_hello'], 'dropped'),
      at('encrypted_extensions', ['encrypted_extensions'], 'dropped'),
      at('certificate', ['certificate_request', 'certificate'], 'dropped'),
      at('certificate_verify', ['certificate_verify'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      at('new_session_ticket', connected13ClientWithCertificate.accepts),
      connected13ClientWithCertificate,
    ],
    server: [at('client_hello', ['client_hello']), at('client_hello', ['client_hello'], 'dropped'), at('finished', ['finished'], 'dropped'), connected13Server],
  },
  {
    name: 'TLS 1.3 resumed with a ticket',
    version: 'TLSv1.3',
    options: () => ({ client: { session: sessionFor('TLSv1.3') }, server: { ticketKeys } }),
    client: [
      at('server_hello', ['server_hello'], 'dropped'),
      at('encrypted_extensions', ['encrypted_extensions'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      at('new_session_ticket', connected13Client.accepts),
      connected13Client,
    ],
    server: [at('client_hello', ['client_hello']), at('finished', ['finished'], 'dropped'), connected13Server],
  },
  {
    name: 'TLS 1.3 with 0-RTT accepted',
    version: 'TLSv1.3',
    options: () => ({
      client: { session: sessionFor('TLSv1.3', 1024), earlyData: true },
      server: { ticketKeys, maxEarlyData: 1024, antiReplay: new MemoryAntiReplayStore() },
    }),
    client: [
      at('server_hello', ['server_hello'], 'dropped'),
      at('encrypted_extensions', ['encrypted_extensions'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      at('new_session_ticket', connected13Client.accepts),
      connected13Client,
    ],
    server: [
      at('client_hello', ['client_hello']),
      at('end_of_early_data', ['end_of_early_data'], 'dropped'),
      at('finished', ['finished'], 'dropped'),
      connected13Server,
    ],
  },
  {
    name: 'TLS 1.2 full handshake (ECDHE, ticket)',
    version: 'TLSv1.2',
    options: () => ({ client: { maxVersion: 'TLSv1.2' }, server: { ticketKeys } }),
    client: ignoringHelloRequest([
      // Before the ServerHello the version is not known: a CCS is dropped as TLS 1.3 would.
      at('server_hello', ['server_hello'], 'dropped'),
      at('certificate', ['certificate']),
      at('server_key_exchange', ['server_key_exchange']),
      at('server_hello_done', ['certificate_request', 'server_hello_done']),
      at('new_session_ticket', ['new_session_ticket'], 'expected'),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Client,
    ]),
    server: [
      at('client_hello', ['client_hello']),
      at('client_key_exchange', ['client_key_exchange']),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Server,
    ],
  },
  {
    name: 'TLS 1.2 with a client certificate',
    version: 'TLSv1.2',
    options: () => ({ client: { ...clientAuth.client, maxVersion: 'TLSv1.2' }, server: { ...clientAuth.server, ticketKeys } }),
    client: ignoringHelloRequest([
      at('server_hello', ['server_hello'], 'dropped'),
      at('certificate', ['certificate']),
      at('server_key_exchange', ['server_key_exchange']),
      at('certificate_request', ['certificate_request', 'server_hello_done']),
      at('server_hello_done', ['server_hello_done']),
      at('new_session_ticket', ['new_session_ticket'], 'expected'),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Client,
    ]),
    server: [
      at('client_hello', ['client_hello']),
      at('certificate', ['certificate']),
      at('client_key_exchange', ['client_key_exchange']),
      at('certificate_verify', ['certificate_verify']),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Server,
    ],
  },
  {
    name: 'TLS 1.2 with a stapled OCSP response',
    version: 'TLSv1.2',
    options: () => ({ client: { maxVersion: 'TLSv1.2', requestOCSP: true }, server: { ticketKeys, ocspResponse: ocsp } }),
    client: ignoringHelloRequest([
      at('server_hello', ['server_hello'], 'dropped'),
      at('certificate', ['certificate']),
      at('certificate_status', ['certificate_status', 'server_key_exchange']),
      at('server_key_exchange', ['server_key_exchange']),
      at('server_hello_done', ['certificate_request', 'server_hello_done']),
      at('new_session_ticket', ['new_session_ticket'], 'expected'),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Client,
    ]),
    server: [
      at('client_hello', ['client_hello']),
      at('client_key_exchange', ['client_key_exchange']),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Server,
    ],
  },
  {
    name: 'TLS 1.2 resumed with a ticket (abbreviated)',
    version: 'TLSv1.2',
    options: () => ({ client: { maxVersion: 'TLSv1.2', session: sessionFor('TLSv1.2') }, server: { ticketKeys } }),
    client: ignoringHelloRequest([
      at('server_hello', ['server_hello'], 'dropped'),
      at('new_session_ticket', ['new_session_ticket'], 'expected'),
      at('ccs', [], 'expected'),
      at('finished', ['finished']),
      connected12Client,
    ]),
    server: [at('client_hello', ['client_hello']), at('ccs', [], 'expected'), at('finished', ['finished']), connected12Server],
  },
];

/** Every handshake type we know, and a few we do not. */
const allTypes: number[] = [...new Set([...Object.values(HandshakeType), 3, 6, 99, 255])];
const typeName = (t: number): string => Object.entries(HandshakeType).find(([, v]) => v === t)?.[0] ?? `type ${t}`;

/** Where the sender puts something that must arrive at point `i`: before its message number `index`, or after it. */
function placement(points: readonly Point[], i: number): { index: number; where: 'before' | 'after' } | undefined {
  let messages = 0;
  for (let k = 0; k < i; k++) if (points[k]!.next !== 'ccs') messages++;
  const event = points[i]!.next;
  if (event !== undefined && event !== 'ccs') return { index: messages, where: 'before' };
  return messages > 0 ? { index: messages - 1, where: 'after' } : undefined;
}

/** A sender-side rewrite that adds `extra` before or after the sender's handshake message number `index`. */
function insertAt(index: number, where: 'before' | 'after', extra: Uint8Array): (msg: HandshakeMessage) => HandshakeMessage {
  let count = 0;
  return (msg) => {
    if (count++ !== index) return msg;
    return { ...msg, raw: where === 'before' ? concat(extra, msg.raw) : concat(msg.raw, extra) };
  };
}

const receiverOf = (side: Side): Side => side;
const senderOf = (receiver: Side): Side => (receiver === 'client' ? 'server' : 'client');

function pairWith(
  s: Scenario,
  receiver: Side,
  rewrite: ((msg: HandshakeMessage) => HandshakeMessage) | undefined,
  tamper?: RecordHook,
  compatibility = true,
): Pair {
  const scenario = s.options();
  const options = compatibility ? scenario : { ...scenario, client: { ...scenario.client, middleboxCompatibility: false } };
  const sender = senderOf(receiver);
  const pair = newPair({
    ...options,
    ...(rewrite ? (sender === 'client' ? { clientRewrite: rewrite } : { serverRewrite: rewrite }) : {}),
    ...(tamper ? { tamper } : {}),
  });
  if (s.name.includes('0-RTT') && pair.client.connection.earlyDataRoom > 0) pair.client.connection.writeEarly(utf8('early'));
  return pair;
}

/** Injects a handshake message after the handshake, under the receiver's current read keys. */
function injectConnected(pair: Pair, receiver: Side, record: RecordOut): void {
  pair.inject(receiver, [record]);
  pair.pump();
}

describe('state machine conformance: every handshake type in every state', () => {
  for (const s of scenarios) {
    test(`${s.name}: the valid handshake goes through the points listed`, () => {
      for (const receiver of ['client', 'server'] as const) {
        const pair = pairWith(s, receiver, undefined).handshake();
        const points = s[receiver];
        const expected = points.flatMap((p) => (p.next && p.next !== 'ccs' ? [p.next] : []));
        const got = pair.peer(receiver).events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === 'received' ? [typeName(e.type)] : []));
        assert.deepEqual(got, expected, `${receiver} received`);
        points.forEach((p, i) => {
          if (p.next && p.next !== 'ccs') assert.ok(p.accepts.includes(p.next), `point ${i} must accept its own message`);
        });
      }
    });

    for (const receiver of ['client', 'server'] as const) {
      test(`${s.name}: the ${receiver} answers any other message type with unexpected_message`, (t: TestContext) => {
        const points = s[receiver];
        let tried = 0;
        for (let i = 0; i < points.length; i++) {
          const point = points[i]!;
          for (const t of allTypes) {
            if (point.accepts.some((name) => HandshakeType[name] === t)) continue;
            const extra = handshakeBytes(t, new Uint8Array(0));
            let pair: Pair;
            const place = placement(points, i);
            const last = i === points.length - 1;
            if (last && s.version === 'TLSv1.3') {
              // After a TLS 1.3 Finished the reader changes keys: what follows comes in a record of its own.
              pair = pairWith(s, receiver, undefined).handshake();
              injectConnected(pair, receiverOf(receiver), { type: ContentType.handshake, data: extra });
            } else {
              assert.ok(place, `point ${i} has a message to ride with`);
              pair = pairWith(s, receiver, insertAt(place.index, place.where, extra));
              pair.pump();
            }
            assertAborted(pair, receiver, 'unexpected_message', /.+/);
            tried++;
          }
        }
        assert.ok(tried > points.length * 10);
        t.diagnostic(`mutations: ${tried} out-of-place messages`);
      });

      // RFC 8446 Appendix D.4: in compatibility mode each side sends one CCS of its own, so one more
      // anywhere is a second (unexpected_message); without it, the one injected is dropped.
      for (const compatibility of s.version === 'TLSv1.3' ? [true, false] : [true]) {
        test(`${s.name}: a change_cipher_spec at each point of the ${receiver}'s handshake${s.version === 'TLSv1.3' ? (compatibility ? ' (compatibility mode: a second one)' : ' (no compatibility mode: the only one)') : ''}`, () => {
          const points = s[receiver];
          const sender = senderOf(receiver);
          const ccsRecord: RecordOut = { type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false };
          for (let i = 0; i < points.length; i++) {
            const point = points[i]!;
            if (point.next === 'ccs') continue; // the real one
            let pair: Pair;
            let injected = true;
            if (i === points.length - 1) {
              pair = pairWith(s, receiver, undefined, undefined, compatibility).handshake();
              injectConnected(pair, receiver, ccsRecord);
            } else {
              // Split the sender's records into one message each and put the CCS before message number m.
              const m = placement(points, i)!.index;
              let count = 0;
              let encrypted12 = false;
              injected = false;
              const tamper: RecordHook = (r) => {
                if (r.from !== sender) return undefined;
                if (r.type === ContentType.change_cipher_spec) {
                  if (s.version === 'TLSv1.2') encrypted12 = true;
                  return undefined;
                }
                if (r.type !== ContentType.handshake) return undefined;
                const messages = encrypted12 ? undefined : splitMessages(r.data);
                const parts = messages ? messages.map((msg) => msg.raw) : [r.data];
                const out: RecordOut[] = [];
                for (const part of parts) {
                  if (count++ === m) {
                    out.push(ccsRecord);
                    injected = true;
                  }
                  out.push(encrypted12 ? { wire: r.wire } : { type: ContentType.handshake, data: part, ...(r.protected ? {} : { protect: false }) });
                }
                return out;
              };
              pair = pairWith(s, receiver, undefined, tamper, compatibility);
              pair.pump();
            }
            // A message the man in the middle cannot read (EndOfEarlyData under the early keys) has no
            // CCS put before it: nothing changes there.
            const ccs = point.ccs === 'dropped' && s.version === 'TLSv1.3' && compatibility && injected ? 'unexpected' : point.ccs;
            if (ccs === 'unexpected') {
              assertAborted(pair, receiver, 'unexpected_message', /change_cipher_spec/);
            } else if (ccs === 'expected') {
              // The state machine takes it, and changes keys early: what follows no longer authenticates.
              assertOnlyTlsErrors(pair.client, pair.server);
              assert.ok(pair.peer(receiver).errors.length === 1 && !pair.peer(receiver).completed, `${s.name}: an early CCS at point ${i} must fail`);
            } else {
              assertNoErrors(pair);
              assert.ok(pair.client.completed && pair.server.completed, `${s.name}: a CCS at point ${i} is dropped`);
            }
          }
        });
      }
    }
  }
});

describe('TLS 1.2: records that do not belong in the handshake', () => {
  const tls12 = scenarios.filter((s) => s.version === 'TLSv1.2');

  for (const s of tls12) {
    for (const receiver of ['client', 'server'] as const) {
      test(`${s.name}: application data at each point before the ${receiver}'s handshake completes`, () => {
        const points = s[receiver];
        const sender = senderOf(receiver);
        for (let i = 0; i < points.length - 1; i++) {
          const place = placement(points, i);
          let pair: Pair;
          if (place && place.where === 'before' && sender === 'client' && place.index === 0) {
            // Before the ClientHello: a plaintext record to a fresh server.
            pair = pairWith(s, receiver, undefined);
            pair.client.connection.takeOutput();
            pair.raw('server', plainAppData());
            pair.pump();
          } else if (place && place.where === 'before') {
            // Sealed by the sender itself, under whatever keys it has then (after its CCS: the new ones).
            let count = 0;
            let target: Connection | undefined;
            pair = pairWith(s, receiver, (msg) => {
              if (count++ === place.index) sealAs(target!, ContentType.application_data, utf8('too soon'));
              return msg;
            });
            target = pair.peer(sender).connection;
            pair.pump();
          } else {
            // Before a CCS: a plaintext record in front of it.
            let sent = false;
            pair = pairWith(s, receiver, undefined, (r) => {
              if (r.from !== sender || r.type !== ContentType.change_cipher_spec || sent) return undefined;
              sent = true;
              return [{ wire: plainAppData() }, { wire: r.wire }];
            });
            pair.pump();
          }
          assertAborted(pair, receiver, 'unexpected_message', /application data before the handshake completed/);
        }
      });
    }
  }

  const full = tls12[0]!;
  for (const [name, middle] of [
    ['a warning alert', { type: ContentType.alert, data: Uint8Array.of(1, 90) }],
    ['application data', { type: ContentType.application_data, data: utf8('x') }],
    ['a change_cipher_spec', { type: ContentType.change_cipher_spec, data: Uint8Array.of(1) }],
  ] as const) {
    for (const from of ['client', 'server'] as const) {
      test(`a ${from} flight split inside a handshake message with ${name} in between: unexpected_message (RFC 5246 §6.2.1)`, () => {
        let done = false;
        const pair = pairWith(full, senderOf(from), undefined, (r) => {
          if (r.from !== from || r.type !== ContentType.handshake || done) return undefined;
          if (from === 'client' && r.index === 0) return undefined; // past the ClientHello: the version is known
          done = true;
          return [
            { type: r.type, data: r.data.subarray(0, 9), protect: false },
            { ...middle, protect: false },
            { type: r.type, data: r.data.subarray(9), protect: false },
          ];
        });
        pair.pump();
        assertAborted(pair, senderOf(from), 'unexpected_message', /interleaved another record type inside a fragmented handshake message/);
      });
    }
  }
});

function plainAppData(): Uint8Array {
  const data = utf8('too soon');
  return concat(Uint8Array.of(ContentType.application_data, 3, 3, 0, data.length), data);
}

/** Seals a record as `sender` would, with its current write keys and sequence number (test-only reach into the engine). */
function sealAs(sender: Connection, type: number, data: Uint8Array): void {
  const engine = sender as unknown as {
    flushHandshake(): void;
    writeProtection: { seal(t: number, d: Uint8Array, out: Uint8Array[]): void };
    output: Uint8Array[];
  };
  engine.flushHandshake();
  engine.writeProtection.seal(type, data, engine.output);
}
