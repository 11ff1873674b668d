// One interop cell, both shapes: our client against a server peer, a client peer against our
// server. Each moves ≥ 1 MiB of random bytes each way and compares SHA-256 on the receiving side,
// checks what our socket negotiated, and what the peer says it negotiated; then both sides close
// cleanly. TLSKIT_INTEROP_VERBOSE=1 prints each peer's command line and stderr.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect } from '../../src/node/connect.js';
import { createServer } from '../../src/node/server.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import {
  collect,
  once,
  randomPayload,
  randomTextPayload,
  sha256,
  startServerPeer,
  withTimeout,
  writeAll,
  STEP_TIMEOUT_MS,
  type PeerProcess,
} from '../helpers/peers.js';
import type { TestPki } from '../helpers/pki.js';
import { ourCellOptions, type Cell, type PeerView, type PeerViewField } from './cells.js';

/**
 * Bounds. A cell takes well under 2 s on an idle machine; these only stop hangs, and leave room for
 * a loaded CI machine (gnutls-cli spends a second of CPU writing 1 MiB to stdout, a byte per write).
 */
export const TRANSFER_TIMEOUT_MS = 30_000;
export const CELL_TIMEOUT_MS = 45_000;
/** Cells run at once per test file (node:test runs two files at a time); TLSKIT_INTEROP_CONCURRENCY overrides. */
export const CELL_CONCURRENCY = Number(process.env.TLSKIT_INTEROP_CONCURRENCY) || 3;

export interface ServerPeer {
  /** Starts the peer listening on `port` for this cell. */
  spawn(port: number): PeerProcess;
  /**
   * 'stdio': what we send comes out of the peer's stdout, and what we write to its stdin comes to us.
   * 'echo': the peer sends back what it receives (text only: see randomTextPayload).
   */
  readonly data: 'stdio' | 'echo';
  /** What the peer says it negotiated, read once the data went through, and which fields it must report. */
  view?(peer: PeerProcess): PeerView | Promise<PeerView>;
  readonly reports?: readonly PeerViewField[];
}

export interface ClientPeer {
  /** Starts the peer connecting to our server on `port` for this cell; stdin/stdout carry the data. */
  spawn(port: number): PeerProcess;
  view?(peer: PeerProcess): PeerView | Promise<PeerView>;
  readonly reports?: readonly PeerViewField[];
}

/** How much each side sends: 1 MiB of random bytes. */
const PAYLOAD_BYTES = 1024 * 1024;

/** OpenSSL-style SHA-256 fingerprint (AA:BB:...) of the PEM certificate at `path`, as getPeerCertificate() gives it. */
function fingerprint256(path: string): string {
  return new X509Certificate(readFileSync(path)).fingerprint256;
}

function checkOurs(socket: TLSSocket, cell: Cell, side: 'client' | 'server'): void {
  assert.equal(socket.getProtocol(), cell.version, 'our negotiated version');
  assert.equal(socket.getCipher()?.standardName, cell.suite.name, 'our negotiated cipher suite');
  if (side === 'client') {
    // node:tls reports the group by OpenSSL's short name, with its size in bits; {} without one (RSA key transport).
    const expected = cell.group ? { type: 'ECDH', name: cell.group.nodeName, size: cell.group.nodeSize } : {};
    assert.deepEqual(socket.getEphemeralKeyInfo(), expected, 'our getEphemeralKeyInfo()');
    assert.equal(socket.authorized, true, `our client did not authorize the server: ${socket.info.authorizationError?.message}`);
  } else {
    assert.equal(socket.info.group?.name, cell.group?.name, 'our negotiated group');
  }
}

function checkPeerView(view: PeerView, reports: readonly PeerViewField[], cell: Cell, peer: PeerProcess): void {
  const context = `as the peer reports it\n${peer.describe()}`;
  // Without a group (RSA key transport) the peer must not report one.
  for (const field of reports.filter((f) => f !== 'group' || cell.group)) {
    assert.notEqual(view[field], undefined, `the peer's report has no ${field} we could read\n${peer.describe()}`);
  }
  if (view.version !== undefined) assert.equal(view.version, cell.version, `version ${context}`);
  if (view.suite !== undefined) assert.equal(view.suite, cell.suite.name, `cipher suite ${context}`);
  if (cell.group === undefined) assert.equal(view.group, undefined, `a group where none was used, ${context}`);
  else if (view.group !== undefined) assert.equal(view.group, cell.group.name, `group ${context}`);
}

function checkBytes(what: string, got: Buffer, sent: Buffer): void {
  assert.equal(got.length, sent.length, `${what}: byte count`);
  assert.equal(sha256(got), sha256(sent), `${what}: SHA-256 of the bytes`);
}

/** Adds the peer's command line and stderr to whatever went wrong. */
export async function explained<T>(peer: PeerProcess, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    const e = err as Error;
    if (!e.message.includes(peer.command)) e.message += `\n${peer.describe()}`;
    throw e;
  }
}

/** Our client against a server peer. */
export async function ourClientAgainst(server: ServerPeer, cell: Cell, pki: TestPki): Promise<void> {
  const up = server.data === 'echo' ? randomTextPayload(PAYLOAD_BYTES) : randomPayload(PAYLOAD_BYTES);
  const down = server.data === 'echo' ? up : randomPayload(PAYLOAD_BYTES);
  const { peer, port } = await startServerPeer((p) => server.spawn(p));
  let socket: TLSSocket | undefined;
  try {
    socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      // Our X.509 verifier validates the peer's chain to the test CA, for the name localhost.
      ca: pki.caPem,
      ...ourCellOptions(cell, 'client'),
    });
    const errors: Error[] = [];
    socket.on('error', (err: Error) => errors.push(err)); // also surfaced through the waits below
    const received = collect(socket, `our client (from ${peer.name})`);
    await explained(peer, once(socket, 'secureConnect', `our client's handshake with ${peer.name}`));
    checkOurs(socket, cell, 'client');
    // And the peer sent the very certificate we minted for this cell.
    assert.equal(socket.getPeerCertificate().fingerprint256, fingerprint256(pki.certs[cell.cert].cert), 'the server certificate we got');

    const steps: Promise<unknown>[] = [
      writeAll(socket, up, `our client sending ${up.length} bytes`, TRANSFER_TIMEOUT_MS),
      received.atLeast(down.length, TRANSFER_TIMEOUT_MS),
    ];
    if (server.data === 'stdio') steps.push(peer.write(down, TRANSFER_TIMEOUT_MS), peer.stdout.atLeast(up.length, TRANSFER_TIMEOUT_MS));
    await explained(peer, Promise.all(steps));
    checkBytes(`${peer.name} → our client`, received.bytes(), down);
    if (server.data === 'stdio') checkBytes(`our client → ${peer.name}`, peer.stdout.bytes(), up);
    if (server.view) checkPeerView(await server.view(peer), server.reports ?? [], cell, peer);

    // We close (close_notify, then FIN); the peer closes its side in turn, and nothing fails on the way.
    const closed = once(socket, 'close', `our client's connection to ${peer.name} to close after ours`);
    socket.end();
    await explained(peer, closed);
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      `errors on our client socket\n${peer.describe()}`,
    );
  } finally {
    socket?.destroy();
    await peer.kill();
    if (process.env.TLSKIT_INTEROP_VERBOSE) console.error(`--- ${peer.describe()}`);
  }
}

/** A client peer against our server. */
export async function clientAgainstOurServer(client: ClientPeer, cell: Cell, pki: TestPki): Promise<void> {
  const up = randomPayload(PAYLOAD_BYTES);
  const down = randomPayload(PAYLOAD_BYTES);
  const { key, cert } = pki.certs[cell.cert];
  const server = createServer({
    key: readFileSync(key, 'utf8'),
    cert: readFileSync(cert, 'utf8'),
    handshakeTimeout: STEP_TIMEOUT_MS,
    ...ourCellOptions(cell, 'server'),
  });
  const accepted: TLSSocket[] = [];
  const errors: Error[] = [];
  const secure = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
  const handshakeFailed = new Promise<never>((_, reject) => {
    server.once('tlsClientError', (err: Error) => reject(new Error(`our server failed the handshake: ${err.message}`, { cause: err })));
  });
  handshakeFailed.catch(() => {});
  server.on('connection', (raw) => raw.on('error', () => {}));
  server.on('secureConnection', (s: TLSSocket) => {
    accepted.push(s);
    s.on('error', (err: Error) => errors.push(err)); // also surfaced through the waits below
  });
  let peer: PeerProcess | undefined;
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening', 'our server to listen');
    const port = (server.address() as AddressInfo).port;
    peer = client.spawn(port);
    const p = peer;
    const peerGone = p.exited.then(() => {
      throw new Error(`${p.name} exited before the handshake completed`);
    });
    peerGone.catch(() => {});
    const uploading = p.write(up, TRANSFER_TIMEOUT_MS);
    uploading.catch(() => {});
    const socket = await explained(p, withTimeout(Promise.race([secure, handshakeFailed, peerGone]), STEP_TIMEOUT_MS, `${p.name}'s handshake with our server`));
    const received = collect(socket, `our server (from ${p.name})`);
    checkOurs(socket, cell, 'server');

    await explained(
      p,
      Promise.all([
        uploading,
        writeAll(socket, down, `our server sending ${down.length} bytes`, TRANSFER_TIMEOUT_MS),
        received.atLeast(up.length, TRANSFER_TIMEOUT_MS),
        p.stdout.atLeast(down.length, TRANSFER_TIMEOUT_MS),
      ]),
    );
    checkBytes(`${p.name} → our server`, received.bytes(), up);
    checkBytes(`our server → ${p.name}`, p.stdout.bytes(), down);

    // Both sides close (our close_notify, the peer's stdin EOF): the peer must then exit by itself,
    // which also flushes the logs it reports from.
    const closed: Promise<unknown> = socket.closed ? Promise.resolve() : once(socket, 'close', `our server's connection from ${p.name} to close`);
    socket.end();
    assert.ok(await p.finish(), `${p.name} did not exit after the connection was closed\n${p.describe()}`);
    await explained(p, closed);
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      `errors on our server socket\n${p.describe()}`,
    );
    if (client.view) checkPeerView(await client.view(p), client.reports ?? [], cell, p);
  } finally {
    await peer?.kill();
    if (process.env.TLSKIT_INTEROP_VERBOSE && peer) console.error(`--- ${peer.describe()}`);
    for (const s of accepted) s.destroy();
    await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), 2_000, 'our server to close').catch(() => {});
  }
}
