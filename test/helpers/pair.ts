// An in-memory client/server pair: bytes move between two engines until both are idle.
import type { Connection } from '../../src/engine/connection.js';
import type { TlsError } from '../../src/errors.js';
import type { ConnectionHandlers, TlsEvent } from '../../src/engine/events.js';

export interface Endpoint {
  connection: Connection;
  received: Uint8Array[];
  errors: TlsError[];
  events: TlsEvent[];
  completed: boolean;
  peerClosed: boolean;
}

export function endpointHandlers(e: Omit<Endpoint, 'connection'>): ConnectionHandlers {
  return {
    data: (chunk) => e.received.push(chunk),
    error: (err) => e.errors.push(err),
    event: (ev) => e.events.push(ev),
    handshakeComplete: () => {
      e.completed = true;
    },
    peerClosed: () => {
      e.peerClosed = true;
    },
  };
}

export function newEndpointState(): Omit<Endpoint, 'connection'> {
  return { received: [], errors: [], events: [], completed: false, peerClosed: false };
}

/** Moves bytes both ways until nothing is left to move (bounded). `tamper` may rewrite any flight. */
export function pump(client: Connection, server: Connection, tamper?: (from: 'client' | 'server', bytes: Uint8Array) => Uint8Array): void {
  for (let round = 0; round < 100; round++) {
    const c = client.takeOutput();
    const s = server.takeOutput();
    if (c.length === 0 && s.length === 0) return;
    for (const chunk of c) server.receive(tamper ? tamper('client', chunk) : chunk);
    for (const chunk of s) client.receive(tamper ? tamper('server', chunk) : chunk);
  }
  throw new Error('pump did not settle in 100 rounds');
}

export function joined(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface WireRecord {
  type: number;
  payload: Uint8Array;
}

/** Splits a flight into records (the flight must hold whole records). */
export function splitRecords(bytes: Uint8Array): WireRecord[] {
  const records: WireRecord[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    records.push({ type: bytes[at]!, payload: bytes.slice(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return records;
}

export function joinRecords(records: readonly WireRecord[]): Uint8Array {
  return joined(records.map((r) => joined([Uint8Array.of(r.type, 3, 3, r.payload.length >>> 8, r.payload.length & 0xff), r.payload])));
}

/**
 * Like pump(), but each side's flight is handed to `tamper` as records and delivered one record at
 * a time, so a test can see where in a flight a connection fails.
 */
export function pumpRecords(
  client: Connection,
  server: Connection,
  tamper: (from: 'client' | 'server', records: WireRecord[]) => WireRecord[] = (_f, r) => r,
  afterEach?: (to: 'client' | 'server', record: WireRecord) => void,
): void {
  for (let round = 0; round < 100; round++) {
    const c = client.takeOutput();
    const s = server.takeOutput();
    if (c.length === 0 && s.length === 0) return;
    if (c.length > 0) {
      for (const r of tamper('client', splitRecords(joined(c)))) {
        server.receive(joinRecords([r]));
        afterEach?.('server', r);
      }
    }
    if (s.length > 0) {
      for (const r of tamper('server', splitRecords(joined(s)))) {
        client.receive(joinRecords([r]));
        afterEach?.('client', r);
      }
    }
  }
  throw new Error('pumpRecords did not settle in 100 rounds');
}

/** Like pump(), running any asynchronous handshake step either side waits for. */
export async function pumpAsync(client: Connection, server: Connection): Promise<void> {
  for (let round = 0; round < 100; round++) {
    pump(client, server);
    const waiting = [client, server].filter((c) => c.pendingTask);
    if (waiting.length === 0) return;
    for (const c of waiting) {
      const task = c.pendingTask!;
      try {
        c.completeTask(await task.start());
      } catch (err) {
        c.failTask(err);
      }
    }
  }
  throw new Error('pumpAsync did not settle in 100 rounds');
}
