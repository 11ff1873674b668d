// 0-RTT from the outside: a session to resume, a real client's first flight (ClientHello and its
// early data, the raw bytes it sent) captured on the wire, and that flight replayed over a plain
// TCP socket, as an attacker on the path would. Every wait is bounded.
import * as net from 'node:net';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import type { TlsEvent } from '../../src/engine/events.js';
import { once, withTimeout, STEP_TIMEOUT_MS } from './peers.js';

/** A resumable TLS 1.3 (or 1.2) session from a full handshake with the server on `port`. */
export async function sessionFrom(port: number, options: ConnectOptions = {}): Promise<Uint8Array> {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
  socket.on('error', () => {});
  try {
    const [session] = await once<[Uint8Array]>(socket, 'session', `a session ticket from port ${port}`);
    return session;
  } finally {
    socket.destroy();
  }
}

export interface CapturedFlight {
  /** The client's bytes before the server answered: ClientHello, compatibility CCS, 0-RTT records. */
  readonly flight: Buffer;
  readonly socket: TLSSocket;
}

/**
 * Connects with `session` and earlyData, writes `early` before the handshake completes (0-RTT when
 * the server allows it), and records what the client sent before the server's first byte. Resolves
 * once the handshake completed; the caller ends the socket.
 */
export async function captureEarlyFlight(port: number, session: Uint8Array, early: string | Buffer, options: ConnectOptions = {}): Promise<CapturedFlight> {
  const raw = net.connect({ port, host: '127.0.0.1' });
  const sent: Buffer[] = [];
  let serverSpoke = false;
  raw.prependListener('data', () => {
    serverSpoke = true;
  });
  const write = raw.write.bind(raw) as (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean;
  raw.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    if (!serverSpoke) sent.push(Buffer.from(chunk));
    return write(chunk, ...(rest as [])) as boolean;
  }) as typeof raw.write;
  const socket = connect({ socket: raw, servername: 'localhost', session, earlyData: true, ...options });
  socket.on('error', () => {});
  socket.write(early);
  await once(socket, 'secureConnect', `0-RTT handshake with port ${port}`);
  return { flight: Buffer.concat(sent), socket };
}

/**
 * Sends `flight` as is to the server on `port` over plain TCP and waits (bounded) for its answer:
 * by then the server has decided whether the early data is accepted. Resolves with the bytes.
 */
export async function replayFlight(port: number, flight: Buffer, ms = STEP_TIMEOUT_MS): Promise<Buffer> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const got: Buffer[] = [];
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => {
          got.push(chunk);
          resolve();
        });
        socket.once('error', reject);
        socket.once('close', () => resolve());
        socket.write(flight);
      }),
      ms,
      `the server on port ${port} answering a replayed ClientHello`,
    );
    // Let the server's records after the first (and the early data it may decrypt) be processed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return Buffer.concat(got);
  } finally {
    socket.destroy();
  }
}

/** Counts, on a server's sockets, the connections that installed 0-RTT read keys (accepted early data). */
export function countAcceptedEarlyData(server: NodeJS.EventEmitter): { readonly accepted: number } {
  const counts = { accepted: 0 };
  server.on('handshakeStart', (socket: TLSSocket) => {
    socket.on('tlsEvent', (event: TlsEvent) => {
      if (event.kind === 'step' && event.step === 'keys' && event.direction === 'read' && event.epoch === 'early') counts.accepted++;
    });
  });
  return counts;
}
