// An in-memory client/server pair with a man in the middle that can read and rewrite every record,
// protected ones included. It learns each side's traffic secrets from the opt-in keylog hook (and the
// 'keys' steps, for KeyUpdate), decrypts what a side sends with that side's write keys and re-encrypts
// it with the receiver's read keys. So a test can tamper with EncryptedExtensions or Finished and the
// receiver still sees a well-protected record: only the message inside is wrong.
import assert from 'node:assert/strict';
import type { Aead, CryptoProvider } from '../../src/crypto/provider.js';
import { testProvider } from './provider.js';
import { Secret } from '../../src/crypto/secret.js';
import type { Connection } from '../../src/engine/connection.js';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import type { TlsEvent } from '../../src/engine/events.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../../src/engine/options.js';

const CLASSIC_GROUPS = 'X25519:P-256:P-384';
import { TlsError } from '../../src/errors.js';
import { deriveTrafficKeys, nextTrafficSecret } from '../../src/handshake/key-schedule.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../../src/messages/handshake.js';
import { AlertDescription, AlertLevel, type AlertName } from '../../src/protocol/alerts.js';
import type { CipherSuite } from '../../src/protocol/cipher-suites.js';
import { ContentType } from '../../src/protocol/constants.js';
import { concat, fromHex } from '../../src/wire/bytes.js';
import { pinnedVerifier, testIdentity, type KeyKind } from './engine-pki.js';

export type Side = 'client' | 'server';
export const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

export interface Peer {
  readonly side: Side;
  connection: Connection;
  readonly received: Uint8Array[];
  readonly errors: TlsError[];
  readonly events: TlsEvent[];
  completed: boolean;
  peerClosed: boolean;
  /** Traffic secrets as this side installed them, in order: what it reads with, what it writes with. */
  readonly readSecrets: Uint8Array[];
  readonly writeSecrets: Uint8Array[];
  /** Sessions this side was given (the client's 'session' events). */
  readonly sessions: Uint8Array[];
}

// ---- records seen by the man in the middle ----

export interface RecordView {
  readonly from: Side;
  /** Records this side has sent so far (0 for its first). */
  readonly index: number;
  /** Whether it arrived protected (and `type` is the inner content type). */
  readonly protected: boolean;
  readonly type: number;
  readonly data: Uint8Array;
  /** The record as the sender put it on the wire. */
  readonly wire: Uint8Array;
}

export type RecordOut =
  /** A record of this type and content; protected with the receiver's read keys unless protect is false. */
  | { readonly type: number; readonly data: Uint8Array; readonly protect?: boolean; readonly padding?: number }
  /** TLSInnerPlaintext given verbatim (content type and padding included), protected. */
  | { readonly inner: Uint8Array }
  /** Bytes put on the wire as they are. */
  | { readonly wire: Uint8Array };

/** Returns the records to deliver instead of `record` ([] drops it), or undefined to leave it alone. */
export type RecordHook = (record: RecordView) => readonly RecordOut[] | undefined;

export interface PairOptions {
  client?: ClientOptions;
  server?: ServerOptions;
  /** The server certificate's key (default ed25519). */
  kind?: KeyKind;
  clientProvider?: CryptoProvider;
  serverProvider?: CryptoProvider;
  tamper?: RecordHook;
  /** Sender-side rewrites of each handshake message (config.dangerouslyRewriteHandshake): the sender protects what it returns. */
  clientRewrite?: (msg: HandshakeMessage) => HandshakeMessage;
  serverRewrite?: (msg: HandshakeMessage) => HandshakeMessage;
}

export interface TrafficKeys {
  readonly aead: Aead;
  readonly iv: Uint8Array;
}

const clientLabels = {
  write: ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0'],
  read: ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'],
};
const serverLabels = { write: clientLabels.read, read: clientLabels.write };

function newPeer(side: Side): Peer {
  return {
    side,
    connection: undefined as unknown as Connection,
    received: [],
    errors: [],
    events: [],
    completed: false,
    peerClosed: false,
    readSecrets: [],
    writeSecrets: [],
    sessions: [],
  };
}

function handlersFor(peer: Peer, suiteOf: () => CipherSuite | undefined) {
  const labels = peer.side === 'client' ? clientLabels : serverLabels;
  const pending: { read?: Uint8Array; write?: Uint8Array } = {};
  return {
    data: (chunk: Uint8Array) => peer.received.push(chunk),
    error: (err: TlsError) => peer.errors.push(err),
    session: (session: Uint8Array) => peer.sessions.push(session),
    handshakeComplete: () => {
      peer.completed = true;
    },
    peerClosed: () => {
      peer.peerClosed = true;
    },
    keylog: (line: string) => {
      const [label, , secret] = line.trim().split(' ');
      if (labels.read.includes(label!)) pending.read = fromHex(secret!);
      if (labels.write.includes(label!)) pending.write = fromHex(secret!);
    },
    event: (ev: TlsEvent) => {
      peer.events.push(ev);
      if (ev.kind !== 'step' || ev.step !== 'keys') return;
      const list = ev.direction === 'read' ? peer.readSecrets : peer.writeSecrets;
      let secret = pending[ev.direction];
      pending[ev.direction] = undefined;
      if (!secret) {
        // TLS 1.2 has no traffic secrets (its key log line is the master secret): records pass untouched.
        if (list.length === 0) return;
        // No keylog line: a KeyUpdate, the next secret in the chain (RFC 8446 §7.2).
        const suite = suiteOf()!;
        secret = nextTrafficSecret(testProvider, suite.hash, new Secret(list[list.length - 1]!)).expose();
      }
      list.push(secret);
    },
  };
}

/** Splits a handshake record's data into whole messages (undefined if it ends inside one). */
export function splitMessages(data: Uint8Array): HandshakeMessage[] | undefined {
  const out: HandshakeMessage[] = [];
  for (let at = 0; at < data.length; ) {
    if (data.length - at < HANDSHAKE_HEADER_LENGTH) return undefined;
    const length = (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
    const end = at + HANDSHAKE_HEADER_LENGTH + length;
    if (end > data.length) return undefined;
    const raw = data.subarray(at, end);
    out.push({ type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw });
    at = end;
  }
  return out;
}

/** A handshake message with this type and body, as on the wire. */
export function handshakeBytes(type: number, body: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(type, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff), body);
}

/**
 * A hook over the handshake messages `from` sends: `rewrite` returns the messages (raw bytes) to put
 * in their place, or undefined to keep one. The record keeps its protection.
 */
export function onHandshake(from: Side, rewrite: (msg: HandshakeMessage, record: RecordView) => readonly Uint8Array[] | undefined): RecordHook {
  return (record) => {
    if (record.from !== from || record.type !== ContentType.handshake) return undefined;
    const messages = splitMessages(record.data);
    if (!messages) return undefined;
    let changed = false;
    const parts: Uint8Array[] = [];
    for (const msg of messages) {
      const replaced = rewrite(msg, record);
      if (replaced === undefined) parts.push(msg.raw);
      else {
        changed = true;
        parts.push(...replaced);
      }
    }
    if (!changed) return undefined;
    if (parts.length === 0) return [];
    return [{ type: ContentType.handshake, data: concat(...parts) }];
  };
}

/** Runs hooks in order; the first that rewrites a record wins. */
export function hooks(...list: RecordHook[]): RecordHook {
  return (record) => {
    for (const h of list) {
      const out = h(record);
      if (out !== undefined) return out;
    }
    return undefined;
  };
}

class Direction {
  pending: Uint8Array = new Uint8Array(0);
  sent = 0;
  decKey = -1;
  decSeq = 0;
  encKey = -1;
  encSeq = 0;
  constructor(
    readonly from: Peer,
    readonly to: Peer,
  ) {}
}

const keyCache = new WeakMap<Uint8Array, TrafficKeys>();

/** AEAD and IV for a TLS 1.3 traffic secret (RFC 8446 §7.3), cached per secret. */
export function trafficKeys(secret: Uint8Array, suite: CipherSuite): TrafficKeys {
  let keys = keyCache.get(secret);
  if (!keys) {
    const { key, iv } = deriveTrafficKeys(testProvider, suite.hash, new Secret(secret), suite.keyLength, suite.ivLength);
    keys = { aead: testProvider.createAead(suite.aead, key), iv };
    keyCache.set(secret, keys);
  }
  return keys;
}

function nonce(iv: Uint8Array, seq: number): Uint8Array {
  const n = iv.slice();
  for (let i = 0, v = seq; i < 8; i++, v = Math.floor(v / 256)) n[n.length - 1 - i]! ^= v & 0xff;
  return n;
}

export function recordHeader(type: number, length: number, version = 0x0303): Uint8Array {
  return Uint8Array.of(type, version >>> 8, version & 0xff, length >>> 8, length & 0xff);
}

/** A plaintext record. */
export function plainRecord(type: number, data: Uint8Array, version = 0x0303): Uint8Array {
  return concat(recordHeader(type, data.length, version), data);
}

export function sealRecord(keys: TrafficKeys, seq: number, inner: Uint8Array): Uint8Array {
  const header = recordHeader(ContentType.application_data, inner.length + 16);
  const out: Uint8Array[] = [header];
  keys.aead.seal(nonce(keys.iv, seq), header, [inner], out);
  return concat(...out);
}

/** Opens a protected record; undefined when it does not authenticate or has no content type. */
export function openRecord(keys: TrafficKeys, seq: number, wire: Uint8Array): { type: number; data: Uint8Array } | undefined {
  if (wire.length < 5 + 17) return undefined;
  const plain = keys.aead.open(nonce(keys.iv, seq), wire.subarray(0, 5), wire.subarray(5, wire.length - 16), wire.subarray(wire.length - 16));
  if (!plain) return undefined;
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0) return undefined;
  return { type: plain[end]!, data: plain.subarray(0, end) };
}

export class Pair {
  readonly client: Peer = newPeer('client');
  readonly server: Peer = newPeer('server');
  tamper: RecordHook | undefined;
  private readonly toServer = new Direction(this.client, this.server);
  private readonly toClient = new Direction(this.server, this.client);

  constructor(options: PairOptions = {}) {
    const id = testIdentity(options.kind ?? 'ed25519');
    // Classic groups unless a test asks otherwise: ML-KEM encapsulation draws its own randomness
    // (recordings would not replay), and its 1.2 KB shares change the message sizes tests reason about.
    const serverResolved = resolveServerOptions(
      { key: id.keyPem, cert: id.certPem, ecdhCurve: CLASSIC_GROUPS, ...options.server },
      options.serverProvider ?? testProvider,
    );
    const clientResolved = resolveClientOptions(
      { servername: 'localhost', verifier: pinnedVerifier(id.certDer), ecdhCurve: CLASSIC_GROUPS, ...options.client },
      options.clientProvider ?? testProvider,
    );
    const serverConfig = options.serverRewrite ? { ...serverResolved, dangerouslyRewriteHandshake: options.serverRewrite } : serverResolved;
    const clientConfig = options.clientRewrite ? { ...clientResolved, dangerouslyRewriteHandshake: options.clientRewrite } : clientResolved;
    this.tamper = options.tamper;
    // The server first: the client's constructor already runs its first step.
    this.server.connection = createServerConnection(
      serverConfig,
      handlersFor(this.server, () => this.server.connection.info.cipherSuite),
    );
    this.client.connection = createClientConnection(
      clientConfig,
      handlersFor(this.client, () => this.client.connection.info.cipherSuite),
    );
  }

  peer(side: Side): Peer {
    return side === 'client' ? this.client : this.server;
  }

  /** Moves records both ways, through the tamper hook, until neither side has anything to send. */
  pump(): void {
    for (let round = 0; round < 100; round++) {
      const moved = this.flush(this.toServer) + this.flush(this.toClient);
      if (moved === 0) return;
    }
    throw new Error('pump did not settle in 100 rounds');
  }

  /** Pumps and checks that the handshake completed on both sides. */
  handshake(): this {
    this.pump();
    assertNoErrors(this);
    assert.ok(this.client.completed && this.server.completed, 'handshake did not complete');
    return this;
  }

  /** Delivers records to `to` as if its peer had sent them (sealed with its current read keys). */
  inject(to: Side, records: readonly RecordOut[]): void {
    const d = to === 'server' ? this.toServer : this.toClient;
    for (const r of records) this.deliver(d, r, undefined);
  }

  /** Delivers bytes to `to` verbatim, in one receive() call. */
  raw(to: Side, bytes: Uint8Array): void {
    this.peer(to).connection.receive(bytes);
  }

  /** Seals a record for `to` with its current read keys, without delivering it (for raw()). */
  seal(to: Side, inner: Uint8Array): Uint8Array {
    const d = to === 'server' ? this.toServer : this.toClient;
    const sealed = this.sealFor(d, inner);
    if (!sealed) throw new Error(`${to} has no read keys yet`);
    return sealed;
  }

  private flush(d: Direction): number {
    const chunks = d.from.connection.takeOutput();
    if (chunks.length === 0 && d.pending.length === 0) return 0;
    let buf = concat(d.pending, ...chunks);
    let moved = 0;
    while (buf.length >= 5) {
      const total = 5 + ((buf[3]! << 8) | buf[4]!);
      if (buf.length < total) break;
      const wire = buf.subarray(0, total);
      buf = buf.subarray(total);
      const view = this.open(d, wire);
      const out = this.tamper?.(view);
      const keep = view.protected && d.to.readSecrets.length > 0 ? { type: view.type, data: view.data } : { wire };
      if (out === undefined) this.deliver(d, keep, wire);
      else for (const r of out) this.deliver(d, r, undefined);
      moved++;
    }
    d.pending = buf.slice();
    return moved + chunks.length;
  }

  /** The record as the sender meant it: decrypted with the sender's write keys when protected. */
  private open(d: Direction, wire: Uint8Array): RecordView {
    const index = d.sent++;
    const plain = { from: d.from.side, index, protected: false, type: wire[0]!, data: wire.subarray(5), wire };
    const secrets = d.from.writeSecrets;
    const suite = d.from.connection.info.cipherSuite;
    if (wire[0] !== ContentType.application_data || secrets.length === 0 || !suite) return plain;
    const candidates: [number, number][] = [];
    if (d.decKey >= 0) candidates.push([d.decKey, d.decSeq]);
    for (let k = d.decKey + 1; k < secrets.length; k++) candidates.push([k, 0]);
    for (const [k, seq] of candidates) {
      const opened = openRecord(trafficKeys(secrets[k]!, suite), seq, wire);
      if (opened) {
        d.decKey = k;
        d.decSeq = seq + 1;
        return { ...plain, protected: true, type: opened.type, data: opened.data };
      }
    }
    return plain; // not ours to read (e.g. a record a hook built by hand)
  }

  private sealFor(d: Direction, inner: Uint8Array): Uint8Array | undefined {
    const secrets = d.to.readSecrets;
    const suite = d.to.connection.info.cipherSuite;
    if (secrets.length === 0 || !suite) return undefined;
    if (d.encKey < secrets.length - 1) {
      d.encKey = secrets.length - 1;
      d.encSeq = 0;
    }
    return sealRecord(trafficKeys(secrets[d.encKey]!, suite), d.encSeq++, inner);
  }

  private deliver(d: Direction, r: RecordOut, original: Uint8Array | undefined): void {
    let bytes: Uint8Array | undefined;
    if ('wire' in r) bytes = r.wire;
    else if ('inner' in r) bytes = this.sealFor(d, r.inner);
    else if (r.protect === false || (r.protect === undefined && d.to.readSecrets.length === 0)) bytes = plainRecord(r.type, r.data);
    else bytes = this.sealFor(d, concat(r.data, Uint8Array.of(r.type), new Uint8Array(r.padding ?? 0)));
    bytes ??= original;
    if (!bytes) throw new Error(`cannot protect a record for the ${d.to.side}: it has no read keys`);
    d.to.connection.receive(bytes);
  }
}

export function newPair(options: PairOptions = {}): Pair {
  return new Pair(options);
}

// ---- assertions ----

function describe(errors: readonly TlsError[]): string {
  return (
    errors.map((e) => `${e.origin} ${e.alert}: ${e.message}${e.cause ? ` (cause: ${String((e.cause as Error).stack ?? e.cause)})` : ''}`).join('; ') || 'none'
  );
}

/** Every error is a TlsError, and none is a JavaScript exception dressed as internal_error (an engine bug). */
export function assertOnlyTlsErrors(...peers: readonly Peer[]): void {
  for (const p of peers) {
    for (const err of p.errors) {
      assert.ok(err instanceof TlsError, `${p.side} reported a non-TlsError: ${String(err)}`);
      // An internal_error caused by a JavaScript exception is a bug; other alerts may carry the
      // exception that explains them (a key OpenSSL could not parse is bad_certificate).
      if (err.alert === 'internal_error' && err.origin === 'local' && err.cause !== undefined && !(err.cause instanceof TlsError)) {
        assert.fail(`${p.side}: a JavaScript exception escaped the protocol code as ${err.alert}: ${describe([err])}`);
      }
    }
  }
}

export function assertNoErrors(pair: Pair): void {
  assertOnlyTlsErrors(pair.client, pair.server);
  assert.equal(pair.client.errors.length + pair.server.errors.length, 0, `client: ${describe(pair.client.errors)}; server: ${describe(pair.server.errors)}`);
}

/** The alerts a side put on the wire, from its events. */
export function sentAlerts(p: Peer): { level: number; description: number }[] {
  return p.events.flatMap((e) => (e.kind === 'alert' && e.direction === 'sent' ? [{ level: e.level, description: e.description }] : []));
}

/** The one error `p` reported was raised locally with this alert, and its message matches. */
export function assertLocalError(p: Peer, alert: AlertName, message: RegExp): TlsError {
  assertOnlyTlsErrors(p);
  assert.equal(p.errors.length, 1, `${p.side} should report one error, got: ${describe(p.errors)}`);
  const err = p.errors[0]!;
  assert.equal(`${err.origin} ${err.alert}`, `local ${alert}`, `${p.side}: ${describe([err])}`);
  assert.match(err.message, message);
  assert.equal(p.connection.error, err);
  assert.ok(p.connection.closed, `${p.side} is still open after a fatal error`);
  // One fatal alert went out, and it names the error.
  assert.deepEqual(sentAlerts(p), [{ level: AlertLevel.fatal, description: AlertDescription[alert] }]);
  return err;
}

/** `p` got a fatal alert from its peer: its one error has origin 'peer'. */
export function assertPeerError(p: Peer, alert: AlertName): TlsError {
  assertOnlyTlsErrors(p);
  assert.equal(p.errors.length, 1, `${p.side} should report the peer's alert, got: ${describe(p.errors)}`);
  const err = p.errors[0]!;
  assert.equal(`${err.origin} ${err.alert}`, `peer ${alert}`, `${p.side}: ${describe([err])}`);
  assert.ok(err instanceof TlsError);
  assert.ok(p.connection.closed);
  return err;
}

/**
 * The test's main assertion: `by` detected the problem, raised `alert` with a helpful message, and
 * its peer received that alert (its error has origin 'peer' and the same alert).
 */
export function assertAborted(pair: Pair, by: Side, alert: AlertName, message: RegExp): TlsError {
  const err = assertLocalError(pair.peer(by), alert, message);
  assertPeerError(pair.peer(other(by)), alert);
  return err;
}
