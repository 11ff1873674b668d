// Building blocks for the feature interop tests (issue 4: TLS 1.2 resumption and the extended
// master secret; issue 5: TLS 1.3 features): our client and server with every TLS event recorded,
// small data exchanges with a peer process, the KeyUpdate driver, and readers for what peers say
// about a session. Every wait is bounded (see ../helpers/peers.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import { createServer, type Server, type TlsServerOptions } from '../../src/node/server.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import type { TlsEvent } from '../../src/engine/events.js';
import { ByteSink, MiB, STEP_TIMEOUT_MS, collect, once, startServerPeer, until, withTimeout, writeAll, type PeerProcess, type Sink } from '../helpers/peers.js';
import { CELL_CONCURRENCY, explained } from './exchange.js';

export { until } from '../helpers/peers.js';

/** Bounds: a feature cell takes a second or two; these only stop hangs on a loaded machine. */
export const FEATURE_TIMEOUT_MS = 40_000;
export const FEATURE_CONCURRENCY = CELL_CONCURRENCY;
/** Bytes each way on a connection of a feature cell. */
export const SMALL_BYTES = 64 * 1024;
/** The KeyUpdate cells: this much arrives from the peer, and we update our keys every KEY_UPDATE_EVERY. */
export const LONG_BYTES = 16 * MiB;
export const KEY_UPDATE_EVERY = 2 * MiB;
const KEY_UPDATE_MARKER_BYTES = 4 * 1024;

const HANDSHAKE_TYPE_KEY_UPDATE = 24;

/**
 * `size` bytes of decimal digits in 64-character lines: text every peer passes through unchanged,
 * and no command for an interactive `openssl s_server`/`s_client` (they act on lines starting with
 * letters such as Q, R or k) nor for `gnutls-serv --echo`.
 */
export function digitPayload(size: number): Buffer {
  const out = randomBytes(size);
  for (let i = 0; i < size; i++) out[i] = i % 65 === 64 || i === size - 1 ? 0x0a : 0x30 + (out[i]! % 10);
  return out;
}

/** Waits until `sink` holds `data` somewhere (peers that also print other things: interactive openssl). */
export function untilContains(sink: Sink, data: Buffer, what: string, ms = STEP_TIMEOUT_MS, peer?: PeerProcess): Promise<void> {
  return until(
    () => sink.bytes().includes(data),
    `${what}: ${data.length} bytes to show up (have ${sink.length})`,
    ms,
    () => peer?.describe() ?? '',
  );
}

/** Count of `re` in `text`. */
export function count(text: string, re: RegExp): number {
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))].length;
}

// ---- our side ----

/** One of our sockets, with what it received and every TLS event it emitted. */
export interface OurEnd {
  readonly socket: TLSSocket;
  readonly received: ByteSink;
  readonly events: TlsEvent[];
  readonly errors: Error[];
}

function record(socket: TLSSocket, what: string): OurEnd {
  const events: TlsEvent[] = [];
  const errors: Error[] = [];
  socket.on('tlsEvent', (e: TlsEvent) => events.push(e));
  socket.on('error', (err: Error) => errors.push(err));
  return { socket, received: collect(socket, what), events, errors };
}

/** Whether a HelloRetryRequest went by (either side emits the step), and the group it asked for. */
export function helloRetry(end: OurEnd): { group?: string } | undefined {
  const step = end.events.find((e) => e.kind === 'step' && e.step === 'hello-retry-request');
  return step?.kind === 'step' && step.step === 'hello-retry-request' ? (step.group ? { group: step.group } : {}) : undefined;
}

/** The KeyUpdate messages in `end`'s events, in order, by direction. */
export function keyUpdates(end: OurEnd): ('sent' | 'received')[] {
  return end.events.flatMap((e) => (e.kind === 'handshake-message' && e.type === HANDSHAKE_TYPE_KEY_UPDATE ? [e.direction] : []));
}

/** The KeyUpdate messages in `end`'s events, in order: who sent each, and whether it asked for an answer. */
export function keyUpdateMessages(end: OurEnd): { direction: 'sent' | 'received'; requested: boolean }[] {
  // RFC 8446 §4.6.3: KeyUpdateRequest request_update, the one byte of the body (1: update_requested).
  return end.events.flatMap((e) =>
    e.kind === 'handshake-message' && e.type === HANDSHAKE_TYPE_KEY_UPDATE ? [{ direction: e.direction, requested: e.raw[e.raw.length - 1] === 1 }] : [],
  );
}

/**
 * A peer asked us for a KeyUpdate (update_requested): we must have answered with our own
 * (update_not_requested, RFC 8446 §4.6.3) and sent nothing else of our own.
 */
export async function answeredPeerKeyUpdate(end: OurEnd, peer: PeerProcess): Promise<void> {
  await until(
    () => keyUpdateMessages(end).length >= 2,
    `${peer.name}'s KeyUpdate, and our answer`,
    undefined,
    () => `${JSON.stringify(keyUpdateMessages(end))}\n${peer.describe()}`,
  );
  assert.deepEqual(
    keyUpdateMessages(end),
    [
      { direction: 'received', requested: true },
      { direction: 'sent', requested: false },
    ],
    'the KeyUpdates on our side',
  );
}

/** Our client, connected and past its handshake; `beforeSecure` runs at once (0-RTT writes). */
export async function connectOurs(port: number, options: ConnectOptions, what: string, beforeSecure?: (socket: TLSSocket) => void): Promise<OurEnd> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  const end = record(socket, what);
  beforeSecure?.(socket);
  try {
    await once(socket, 'secureConnect', `${what}: the handshake`);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return end;
}

/** Closes our side (close_notify, then FIN) and waits until the connection is gone; no errors on the way. */
export async function closeOurs(end: OurEnd, what: string): Promise<void> {
  if (!end.socket.closed) {
    const closed = once(end.socket, 'close', `${what} to close`);
    end.socket.end();
    await closed;
  }
  assert.deepEqual(
    end.errors.map((e) => e.message),
    [],
    `errors on ${what}`,
  );
}

/** Our server for one cell: each connection recorded from its first byte, handed out in order. */
export class OurServer {
  private readonly accepted: OurEnd[] = [];
  private readonly failures: Error[] = [];
  private taken = 0;

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: TlsServerOptions): Promise<OurServer> {
    const server = createServer({ handshakeTimeout: STEP_TIMEOUT_MS, ...options });
    server.on('connection', (raw) => raw.on('error', () => {}));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening', 'our server to listen');
    const ours = new OurServer(server, (server.address() as AddressInfo).port);
    // From the first message on: early data and events come before 'secureConnection'.
    server.on('handshakeStart', (socket: TLSSocket) => {
      const end = record(socket, `our server's connection #${ours.accepted.length + 1}`);
      socket.once('secure', () => ours.accepted.push(end));
    });
    server.on('tlsClientError', (err: Error) => ours.failures.push(err));
    return ours;
  }

  /** The next connection that completed its handshake; a failed handshake fails this at once. */
  async next(what: string, ms = STEP_TIMEOUT_MS, peer?: PeerProcess): Promise<OurEnd> {
    const failedBefore = this.failures.length;
    await until(
      () => this.accepted.length > this.taken || this.failures.length > failedBefore,
      what,
      ms,
      () => peer?.describe() ?? '',
    );
    if (this.accepted.length <= this.taken)
      throw new Error(`our server failed the handshake (${what}): ${this.failures.at(-1)!.message}`, { cause: this.failures.at(-1) });
    return this.accepted[this.taken++]!;
  }

  async close(): Promise<void> {
    for (const end of this.accepted) end.socket.destroy();
    await withTimeout(new Promise<void>((resolve) => this.server.close(() => resolve())), 2_000, 'our server to close').catch(() => {});
  }
}

// ---- data ----

/**
 * One small exchange with a peer that prints what it receives and sends its stdin: we send
 * `size` bytes, which must show up on the peer's output; the peer sends `size` bytes, which we must
 * receive exactly (on top of what this connection got before).
 */
export async function exchangeStdio(
  ours: OurEnd,
  peer: PeerProcess,
  { size = SMALL_BYTES, sequential = false }: { size?: number; sequential?: boolean } = {},
): Promise<void> {
  const down = digitPayload(size);
  const up = digitPayload(size);
  const before = ours.received.length;
  const ourWay = [
    writeAll(ours.socket, down, `our side sending ${size} bytes to ${peer.name}`),
    untilContains(peer.stdout, down, `${peer.name} printing what we sent`, STEP_TIMEOUT_MS, peer),
  ];
  // sequential: the peer's stdin only once it printed what we sent (so its handshake is done).
  if (sequential) await Promise.all(ourWay);
  await Promise.all([...ourWay, peer.write(up), ours.received.atLeast(before + up.length)]);
  assert.ok(ours.received.bytes().subarray(before).equals(up), `the bytes ${peer.name} sent us`);
}

/** One small exchange with an echo peer (gnutls-serv --echo): what we send comes back. */
export async function exchangeEcho(ours: OurEnd, peerName: string, size = SMALL_BYTES): Promise<void> {
  const data = digitPayload(size);
  const before = ours.received.length;
  await Promise.all([writeAll(ours.socket, data, `our side sending ${size} bytes to ${peerName}`), ours.received.atLeast(before + data.length)]);
  assert.ok(ours.received.bytes().subarray(before).equals(data), `the bytes ${peerName} echoed`);
}

/**
 * The KeyUpdate driver (RFC 8446 §4.6.3): while LONG_BYTES arrive, at every KEY_UPDATE_EVERY bytes
 * we update our sending keys and ask the peer to update its own, then send a marker under the new
 * keys. The peer thus gets KeyUpdates in the middle of its own stream, must answer each while it is
 * sending, and must read our markers with the keys it derived. Returns the markers, in order.
 */
export function driveKeyUpdates(ours: OurEnd, sentLog?: Buffer[], total = LONG_BYTES, every = KEY_UPDATE_EVERY): { markers: Buffer[] } {
  const markers: Buffer[] = [];
  let next = every;
  ours.socket.on('data', () => {
    while (ours.received.length >= next && next < total) {
      ours.socket.updateKeys(true);
      const marker = digitPayload(KEY_UPDATE_MARKER_BYTES);
      markers.push(marker);
      sentLog?.push(marker);
      ours.socket.write(marker);
      next += every;
    }
  });
  return { markers };
}

/**
 * After a KeyUpdate transfer: we sent `expected` KeyUpdates asking for an answer, and the peer
 * answered after the last of them (RFC 8446 §4.6.3: before its next application data, which kept
 * coming). A peer may answer several requests with one update, so the count may be lower.
 */
export function checkKeyUpdates(ours: OurEnd, expected: number, peerName: string): { sent: number; received: number } {
  const updates = keyUpdates(ours);
  const sent = updates.filter((d) => d === 'sent').length;
  const received = updates.filter((d) => d === 'received').length;
  assert.equal(sent, expected, `KeyUpdates we sent (${updates.join(', ')})`);
  assert.ok(received >= 1, `${peerName} never answered our KeyUpdates (we sent ${sent})`);
  assert.equal(updates.lastIndexOf('received') > updates.lastIndexOf('sent'), true, `${peerName} did not answer our last KeyUpdate (${updates.join(', ')})`);
  return { sent, received };
}

/**
 * Writes `data` in pieces, each after the one before was taken, so KeyUpdates can go in between;
 * `sentLog` gets each piece in the order it went (with driveKeyUpdates' markers: the whole stream).
 */
export async function writeInPieces(socket: TLSSocket, data: Buffer, sentLog?: Buffer[], piece = 256 * 1024, ms = 30_000): Promise<void> {
  for (let at = 0; at < data.length; at += piece) {
    const chunk = data.subarray(at, at + piece);
    sentLog?.push(chunk);
    await writeAll(socket, chunk, `writing bytes ${at}.. of ${data.length}`, ms);
  }
}

// ---- what peers say about a session ----

/**
 * `openssl sess_id -text` of an OpenSSL SSL_SESSION (PEM, or DER such as node:tls getSession()
 * gives; a client's comes behind node's own header, which is skipped).
 */
export function opensslSessionText(session: Buffer | string): Promise<string> {
  let input: Buffer | string = session;
  let form = 'PEM';
  if (Buffer.isBuffer(session)) {
    form = 'DER';
    // Node 24 prefixes a client's session with "\0nodejs:tls:session:1\0" and the server name (u16 length).
    const magic = Buffer.from('\0nodejs:tls:session:1\0', 'latin1');
    if (session.subarray(0, magic.length).equals(magic)) {
      const nameLength = session.readUInt16BE(magic.length);
      input = session.subarray(magic.length + 2 + nameLength);
    }
  }
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['sess_id', '-inform', form, '-noout', '-text'], { timeout: 10_000, encoding: 'latin1' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openssl sess_id could not read the session: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}

/** "Extended master secret: yes" in openssl's description of a session (TLS 1.2 only). */
export function saysExtendedMasterSecret(text: string): boolean {
  return /Extended master secret: yes/.test(text);
}

/** The SSL_SESSION blocks an interactive `openssl s_server` printed, in order. */
export function opensslSessionBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN SSL SESSION PARAMETERS-----[\s\S]*?-----END SSL SESSION PARAMETERS-----\n/g)].map((m) => m[0]);
}

/** An `openssl -trace` log saw a HelloRetryRequest: a ServerHello carrying RFC 8446 §4.1.3's special random. */
export function traceHasHelloRetryRequest(trace: string): boolean {
  return /gmt_unix_time=0xCF21AD74\s+random_bytes \(len=28\): E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C/.test(trace);
}

/** The named group of the last key_share in an `openssl -trace` ServerHello. */
export function traceServerHelloGroup(trace: string): string | undefined {
  const at = trace.lastIndexOf('ServerHello, Length=');
  if (at < 0) return undefined;
  return /NamedGroup: (\S+)/.exec(trace.slice(at))?.[1];
}

/** The KeyUpdate messages in an `openssl -trace` log, by direction and whether each asked for an answer. */
export function traceKeyUpdates(trace: string): { sent: { requested: number; notRequested: number }; received: { requested: number; notRequested: number } } {
  const tally = { sent: { requested: 0, notRequested: 0 }, received: { requested: 0, notRequested: 0 } };
  for (const m of trace.matchAll(
    /^(Sent|Received) Record\n(?:(?!(?:Sent|Received) Record\n)[\s\S])*?KeyUpdate, Length=1\n\s+(update_requested|update_not_requested)/gm,
  )) {
    const side = m[1] === 'Sent' ? tally.sent : tally.received;
    if (m[2] === 'update_requested') side.requested++;
    else side.notRequested++;
  }
  return tally;
}

// ---- cells ----

/**
 * Our client against a server peer: runs `body`, then kills the peer (VERBOSE: prints what it
 * said). The peer is ready once it accepts a probe connection, or once `ready` holds when given.
 */
export async function againstServer(
  start: (port: number) => PeerProcess,
  body: (port: number, peer: PeerProcess) => Promise<void>,
  ready?: (peer: PeerProcess) => boolean,
): Promise<void> {
  const { peer, port } = await startServerPeer(start, ready ? { ready } : {});
  try {
    await explained(peer, body(port, peer));
  } finally {
    await peer.kill();
    if (process.env.TLSKIT_INTEROP_VERBOSE) console.error(`--- ${peer.describe()}`);
  }
}

/** Client peers against our server: `body` starts the peer processes it needs, all killed at the end. */
export async function againstOurServer(
  options: TlsServerOptions,
  body: (server: OurServer, spawn: (start: (port: number) => PeerProcess) => PeerProcess) => Promise<void>,
): Promise<void> {
  const server = await OurServer.start(options);
  const peers: PeerProcess[] = [];
  try {
    await body(server, (start) => {
      const peer = start(server.port);
      peers.push(peer);
      return peer;
    });
  } catch (err) {
    const e = err as Error;
    for (const p of peers) if (!e.message.includes(p.command)) e.message += `\n${p.describe()}`;
    throw e;
  } finally {
    for (const p of peers) {
      await p.kill();
      if (process.env.TLSKIT_INTEROP_VERBOSE) console.error(`--- ${p.describe()}`);
    }
    await server.close();
  }
}

/**
 * The end of a client peer's connection: we close (close_notify), its stdin closes, and it must
 * exit by itself (which also completes the logs it writes).
 */
export async function closeWithClient(ours: OurEnd, peer: PeerProcess, what: string): Promise<void> {
  const closing = closeOurs(ours, `our server's connection from ${what}`);
  assert.ok(await peer.finish(), `${peer.name} did not exit after the connection closed\n${peer.describe()}`);
  await closing;
}

/** One connection of a client peer: its handshake, a small exchange, the close. */
export async function clientConnection(server: OurServer, peer: PeerProcess, what: string): Promise<OurEnd> {
  const ours = await server.next(`${what}: its handshake with our server`, undefined, peer);
  await exchangeStdio(ours, peer);
  await closeWithClient(ours, peer, what);
  return ours;
}

/**
 * Our client connects, exchanges (`exchange`, default: stdio with the peer, see exchangeStdio for
 * `sequential`; 'none': nothing), and closes; `resumable`: first waits until it holds a session to resume.
 */
export async function ourConnection(
  port: number,
  peer: PeerProcess,
  options: ConnectOptions,
  what: string,
  { resumable = true, exchange = 'stdio', sequential = false }: { resumable?: boolean; exchange?: 'stdio' | 'echo' | 'none'; sequential?: boolean } = {},
): Promise<OurEnd> {
  const ours = await connectOurs(port, options, what);
  if (exchange === 'stdio') await exchangeStdio(ours, peer, { sequential });
  else if (exchange === 'echo') await exchangeEcho(ours, peer.name);
  if (resumable) await until(() => ours.socket.getSession() !== undefined, `${what}: a session to resume`);
  await closeOurs(ours, what);
  return ours;
}

/** A peer's log file once the peer exited by itself (an openssl -msgfile is complete only then). */
export async function logAfterExit(peer: PeerProcess, file: string): Promise<string> {
  await withTimeout(peer.exited, STEP_TIMEOUT_MS, `${peer.name} to exit after its last connection`);
  return readFileSync(file, 'latin1');
}
