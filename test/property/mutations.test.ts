// Mutated handshakes (issue 7): valid conversations, recorded with seeded providers so that a fresh
// endpoint replays them byte for byte, are fed back to fresh endpoints after bit flips, truncation
// at every position, length fields off by one, and every way of splitting and coalescing records.
// Both versions, both sides. The only acceptable outcomes are success with exactly the recorded
// application bytes, a connection still waiting for more bytes (having delivered a prefix of them),
// or one TlsError with an alert; anything thrown, any JavaScript error behind an internal_error,
// or a run that takes seconds fails the test.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat } from '../../src/wire/bytes.js';
import { Reader } from '../../src/wire/reader.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { assertOnlyTlsErrors, newPair, type Pair, type PairOptions, type Peer, type Side } from '../helpers/engine-harness.js';
import { deterministicProvider } from '../helpers/deterministic-provider.js';
import { fcParameters } from '../helpers/fast-check.js';

type Version = 'TLSv1.3' | 'TLSv1.2';

interface Recording {
  readonly version: Version;
  readonly receiver: Side;
  /** Everything the receiver got, in order: the handshake, application data, close_notify. */
  readonly stream: Uint8Array;
  /** Where the handshake part ends (the first byte after the peer's last handshake flight). */
  readonly handshakeEnd: number;
  /** The application bytes the receiver must end up with. */
  readonly expected: Uint8Array;
}

const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

function options(version: Version): PairOptions {
  return {
    client: { maxVersion: version },
    clientProvider: deterministicProvider(`mutations-client-${version}`),
    serverProvider: deterministicProvider(`mutations-server-${version}`),
  };
}

function appData(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + salt) & 0xff);
}

const recordings = new Map<string, Recording>();

/** Records a conversation: handshake, 700 bytes from the client, 1500 from the server, close_notify both ways. */
function recording(version: Version, receiver: Side): Recording {
  const key = `${version}/${receiver}`;
  const cached = recordings.get(key);
  if (cached) return cached;
  const pair = newPair(options(version));
  const got: Record<Side, Uint8Array[]> = { client: [], server: [] };
  const pumpDirect = (): void => {
    for (let round = 0; round < 100; round++) {
      const c = pair.client.connection.takeOutput();
      const s = pair.server.connection.takeOutput();
      if (c.length === 0 && s.length === 0) return;
      for (const chunk of c) {
        got.server.push(chunk);
        pair.server.connection.receive(chunk);
      }
      for (const chunk of s) {
        got.client.push(chunk);
        pair.client.connection.receive(chunk);
      }
    }
  };
  pumpDirect();
  const handshakeEnd = concat(...got[receiver]).length;
  const toServer = appData(700, 1);
  const toClient = appData(1500, 2);
  pair.client.connection.write(toServer);
  pair.server.connection.write(toClient);
  pair.client.connection.close();
  pair.server.connection.close();
  pumpDirect();
  assert.equal(pair.client.errors.length + pair.server.errors.length, 0);
  const rec: Recording = {
    version,
    receiver,
    handshakeEnd,
    stream: concat(...got[receiver]),
    expected: receiver === 'server' ? toServer : toClient,
  };
  assert.deepEqual(concat(...pair.peer(receiver).received), rec.expected);
  recordings.set(key, rec);
  return rec;
}

/** A fresh receiver that will see the recorded conversation (its own first flight is discarded). */
function freshReceiver(rec: Recording): Peer {
  const pair = newPair(options(rec.version));
  pair.client.connection.takeOutput();
  return pair.peer(rec.receiver);
}

interface Outcome {
  readonly peer: Peer;
  readonly ms: number;
}

function feed(rec: Recording, chunks: readonly Uint8Array[]): Outcome {
  const peer = freshReceiver(rec);
  const start = performance.now();
  for (const chunk of chunks) {
    // receive() itself must never throw: everything goes through the error handler.
    peer.connection.receive(chunk);
  }
  return { peer, ms: performance.now() - start };
}

function startsWith(whole: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > whole.length) return false;
  for (let i = 0; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}

/** The property: a TlsError, or bytes that are (a prefix of, when `complete`: exactly) the recorded ones. */
function checkOutcome({ peer, ms }: Outcome, rec: Recording, complete: boolean, what: string): 'error' | 'success' | 'waiting' {
  assert.ok(ms < 5000, `${what}: took ${ms.toFixed(0)} ms`);
  assertOnlyTlsErrors(peer);
  const data = concat(...peer.received);
  if (peer.errors.length > 0) {
    assert.equal(peer.errors.length, 1, `${what}: one error, not ${peer.errors.length}`);
    assert.ok(peer.connection.closed, `${what}: closed after its error`);
    assert.ok(startsWith(rec.expected, data), `${what}: the bytes delivered before the error are the recorded ones`);
    return 'error';
  }
  if (complete) {
    assert.ok(peer.completed, `${what}: the handshake completed`);
    assert.deepEqual(data, rec.expected, `${what}: identical application bytes`);
    return 'success';
  }
  assert.ok(startsWith(rec.expected, data), `${what}: a prefix of the recorded application bytes`);
  return peer.completed && data.length === rec.expected.length ? 'success' : 'waiting';
}

const cases: [Version, Side][] = [
  ['TLSv1.3', 'client'],
  ['TLSv1.3', 'server'],
  ['TLSv1.2', 'client'],
  ['TLSv1.2', 'server'],
];

/** Record boundaries in a stream of whole records. */
function recordStarts(stream: Uint8Array): number[] {
  const starts: number[] = [];
  for (let at = 0; at + 5 <= stream.length; at += 5 + ((stream[at + 3]! << 8) | stream[at + 4]!)) starts.push(at);
  return starts;
}

/**
 * Positions within 3 bytes of a record start or of a plaintext handshake message start: where the
 * record and handshake readers switch between header and body. (Every other position takes the same
 * path; the byte-by-byte pass checks all of them.)
 */
function nearBoundaries(rec: Recording): number[] {
  const marks = new Set<number>();
  for (const start of recordStarts(rec.stream)) {
    marks.add(start);
    marks.add(start + 5);
    const type = rec.stream[start]!;
    const length = (rec.stream[start + 3]! << 8) | rec.stream[start + 4]!;
    if (type !== 22) continue;
    // Plaintext handshake records: each message header too (protected ones are opaque here).
    for (let at = start + 5; at + 4 <= start + 5 + length; at += 4 + ((rec.stream[at + 1]! << 16) | (rec.stream[at + 2]! << 8) | rec.stream[at + 3]!)) {
      marks.add(at);
      marks.add(at + 4);
    }
  }
  const out = new Set<number>();
  for (const m of marks) for (let d = -3; d <= 3; d++) if (m + d > 0 && m + d < rec.stream.length) out.add(m + d);
  return [...out].sort((a, b) => a - b);
}

describe('replayed conversations, mutated', () => {
  for (const [version, receiver] of cases) {
    const name = `${version}, to the ${receiver}`;

    test(`${name}: the recording replays as is (one chunk, then one byte at a time, checking every prefix)`, (t: TestContext) => {
      const rec = recording(version, receiver);
      checkOutcome(feed(rec, [rec.stream]), rec, true, 'whole');
      // Truncation at every position, all in one pass: after each byte the receiver has either
      // delivered a prefix of the data or is waiting, never in error.
      const peer = freshReceiver(rec);
      for (let at = 0; at < rec.stream.length; at++) {
        peer.connection.receive(rec.stream.subarray(at, at + 1));
        const state = checkOutcome({ peer, ms: 0 }, rec, false, `prefix of ${at + 1} bytes`);
        assert.notEqual(state, 'error');
      }
      checkOutcome({ peer, ms: 0 }, rec, true, 'byte by byte');
      t.diagnostic(`mutations: ${rec.stream.length} prefixes checked`);
    });

    test(`${name}: truncated, each prefix to a fresh endpoint, around every record and message boundary`, (t: TestContext) => {
      const rec = recording(version, receiver);
      let tried = 0;
      const truncate = (at: number): void => {
        const state = checkOutcome(feed(rec, [rec.stream.subarray(0, at)]), rec, false, `truncated to ${at}`);
        assert.notEqual(state, 'error', `truncated to ${at}: a prefix is not an error`);
        tried++;
      };
      for (const at of nearBoundaries(rec)) truncate(at);
      fc.assert(fc.property(fc.integer({ min: 0, max: rec.stream.length }), truncate), fcParameters(40));
      t.diagnostic(`mutations: ${tried} truncations`);
    });

    test(`${name}: split in two around every record and message boundary, and cut and coalesced at random`, (t: TestContext) => {
      const rec = recording(version, receiver);
      let tried = 0;
      for (const at of nearBoundaries(rec)) {
        checkOutcome(feed(rec, [rec.stream.subarray(0, at), rec.stream.subarray(at)]), rec, true, `split at ${at}`);
        tried++;
      }
      // Random cuts anywhere: several records per chunk, records across chunks, empty chunks.
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: rec.stream.length }), { maxLength: 40 }), (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), rec.stream.length];
          const chunks = points.slice(1).map((end, i) => rec.stream.subarray(points[i]!, end));
          checkOutcome(feed(rec, chunks), rec, true, `cut at ${cuts.join(',')}`);
          tried++;
        }),
        fcParameters(40),
      );
      t.diagnostic(`mutations: ${tried} splits`);
    });

    test(`${name}: bit flips anywhere (fast-check)`, (t: TestContext) => {
      const rec = recording(version, receiver);
      const outcomes = { error: 0, success: 0, waiting: 0 };
      fc.assert(
        fc.property(fc.integer({ min: 0, max: rec.stream.length - 1 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (at, bit, inHandshake) => {
          // Half the flips land in the handshake, where most of the parsing is.
          const pos = inHandshake ? at % rec.handshakeEnd : at;
          const mutated = rec.stream.slice();
          mutated[pos]! ^= 1 << bit;
          outcomes[checkOutcome(feed(rec, [mutated]), rec, false, `bit ${bit} of byte ${pos} flipped`)]++;
        }),
        fcParameters(250),
      );
      assert.ok(outcomes.error > 0);
      t.diagnostic(`mutations: 250 bit flips (${JSON.stringify(outcomes)})`);
    });

    test(`${name}: record lengths off by one, and record types and versions changed`, (t: TestContext) => {
      const rec = recording(version, receiver);
      let tried = 0;
      for (const start of recordStarts(rec.stream)) {
        const length = (rec.stream[start + 3]! << 8) | rec.stream[start + 4]!;
        for (const delta of [-1, 1]) {
          const mutated = rec.stream.slice();
          const value = length + delta;
          mutated[start + 3] = value >>> 8;
          mutated[start + 4] = value & 0xff;
          checkOutcome(feed(rec, [mutated]), rec, false, `record at ${start}: length ${value}`);
          tried++;
        }
        for (const type of [0, 20, 21, 22, 23, 24, 255]) {
          if (type === rec.stream[start]) continue;
          const mutated = rec.stream.slice();
          mutated[start] = type;
          assert.equal(checkOutcome(feed(rec, [mutated]), rec, false, `record at ${start}: type ${type}`), 'error');
          tried++;
        }
        for (const v of [0x0300, 0x0301, 0x0304, 0x0203, 0xffff]) {
          const mutated = rec.stream.slice();
          mutated[start + 1] = v >>> 8;
          mutated[start + 2] = v & 0xff;
          checkOutcome(feed(rec, [mutated]), rec, false, `record at ${start}: version ${v.toString(16)}`);
          tried++;
        }
      }
      t.diagnostic(`mutations: ${tried} record header changes`);
    });
  }
});

// ---- length fields inside handshake messages, protected ones included ----

interface LengthField {
  /** Which handshake message of the sender (0 for its first). */
  readonly message: number;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * The length fields the receiver's parsers read in each handshake message, found by watching the
 * Reader during a valid handshake: each length prefix read from a message's bytes is one field.
 */
function lengthFields(version: Version, receiver: Side): LengthField[] {
  const log: { buf: Uint8Array; at: number; bytes: number }[] = [];
  const proto = Reader.prototype as unknown as { length(this: { buf: Uint8Array; pos: number }, n: number, field: string): number };
  const original = proto.length;
  proto.length = function (n: number, field: string): number {
    log.push({ buf: this.buf, at: this.pos, bytes: n });
    return original.call(this, n, field);
  };
  let pair: Pair;
  try {
    pair = newPair({ client: { maxVersion: version } }).handshake();
  } finally {
    proto.length = original;
  }
  const messages = pair.peer(receiver).events.flatMap((e) => (e.kind === 'handshake-message' && e.direction === 'received' ? [e.raw] : []));
  const fields: LengthField[] = [];
  messages.forEach((raw, message) => {
    fields.push({ message, offset: 1, bytes: 3 }); // the handshake header's own length
    for (const entry of log) {
      if (entry.buf.buffer !== raw.buffer) continue;
      const offset = entry.buf.byteOffset + entry.at - raw.byteOffset;
      if (offset >= 4 && offset < raw.length) fields.push({ message, offset, bytes: entry.bytes });
    }
  });
  return fields;
}

function readUint(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[at + i]!;
  return v;
}

function writeUint(b: Uint8Array, at: number, n: number, v: number): void {
  for (let i = n - 1; i >= 0; i--, v = Math.floor(v / 256)) b[at + i] = v & 0xff;
}

describe('length fields off by one, in every handshake message (protected ones rewritten by their sender)', () => {
  for (const [version, receiver] of cases) {
    test(`${version}, to the ${receiver}`, (t: TestContext) => {
      const fields = lengthFields(version, receiver);
      assert.ok(fields.length > 10, `found ${fields.length} length fields`);
      const outcomes = { error: 0, success: 0, waiting: 0 };
      for (const field of fields) {
        for (const delta of [-1, 1]) {
          let count = 0;
          let skipped = false;
          const rewrite = (msg: HandshakeMessage): HandshakeMessage => {
            if (count++ !== field.message) return msg;
            const raw = msg.raw.slice();
            const value = readUint(raw, field.offset, field.bytes) + delta;
            if (value < 0 || value >= 256 ** field.bytes) {
              skipped = true;
              return msg;
            }
            writeUint(raw, field.offset, field.bytes, value);
            return { type: raw[0]!, raw, body: raw.subarray(4) };
          };
          const sender = other(receiver);
          const pair = newPair({ client: { maxVersion: version }, ...(sender === 'client' ? { clientRewrite: rewrite } : { serverRewrite: rewrite }) });
          const start = performance.now();
          pair.pump();
          if (skipped) continue;
          const peer = pair.peer(receiver);
          assertOnlyTlsErrors(pair.client, pair.server);
          const ms = performance.now() - start;
          assert.ok(ms < 5000, `took ${ms} ms`);
          const what = `message ${field.message}, ${field.bytes}-byte length at ${field.offset} ${delta > 0 ? '+1' : '-1'}`;
          if (peer.errors.length > 0) {
            assert.equal(peer.errors.length, 1, what);
            outcomes.error++;
          } else if (peer.completed && pair.peer(sender).completed) {
            // Accepted (a length our parser does not depend on): then data must flow unchanged.
            const data = Uint8Array.of(1, 2, 3, 4, 5);
            pair.peer(sender).connection.write(data);
            pair.pump();
            assertOnlyTlsErrors(pair.client, pair.server);
            if (peer.errors.length > 0) {
              // A message still half-received (a length one too long): the data record now interleaves.
              assert.equal(peer.errors.length, 1, what);
              outcomes.error++;
            } else {
              assert.deepEqual(concat(...peer.received), data, `${what}: accepted, so data flows`);
              outcomes.success++;
            }
          } else {
            outcomes.waiting++;
          }
        }
      }
      assert.ok(outcomes.error > fields.length, JSON.stringify(outcomes));
      t.diagnostic(`mutations: ${fields.length * 2} length fields off by one (${JSON.stringify(outcomes)})`);
    });
  }
});
