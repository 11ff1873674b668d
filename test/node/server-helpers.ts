// Helpers for the server tests: a tlskit or node:tls server on 127.0.0.1 port 0, clients with
// bounded timeouts, and what each connection showed.
import { once } from 'node:events';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import type { AddressInfo } from 'node:net';

export const TIMEOUT_MS = 5_000;

export async function listening<S extends net.Server>(server: S): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export function closeAll(servers: net.Server[]): void {
  for (const s of servers) {
    (s as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    s.close();
  }
}

export function withTimeout<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms);
    }),
  ]);
}

export interface ClientOutcome {
  readonly error?: Error & { code?: string };
  readonly resumed: boolean;
  readonly session?: Buffer;
  readonly alpnProtocol?: string | false;
  readonly received: string;
}

/**
 * A node:tls client (the reference peer): connects, writes `send`, reads until the server closes
 * (or an error), and keeps the last session it got.
 */
export function nodeClient(port: number, options: nodeTls.ConnectionOptions = {}, send = 'hello'): Promise<ClientOutcome> {
  return withTimeout(
    new Promise((resolve) => {
      let session: Buffer | undefined;
      let error: Error | undefined;
      let received = '';
      let alpnProtocol: string | false | undefined;
      let resumed = false;
      const socket = nodeTls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
        alpnProtocol = socket.alpnProtocol ?? false;
        resumed = socket.isSessionReused();
        if (send) socket.write(send);
      });
      socket.on('session', (s: Buffer) => (session = s));
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', (err) => (error = err));
      socket.on('close', () =>
        resolve({
          ...(error ? { error } : {}),
          resumed,
          ...(session ? { session } : {}),
          ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
          received,
        }),
      );
    }),
    'node:tls client',
  );
}

/** Writes raw bytes over TCP and gathers what comes back until the server closes. */
export function rawExchange(port: number, bytes: string | Buffer): Promise<{ reply: Buffer; closed: boolean }> {
  return withTimeout(
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', () => {});
      socket.on('close', () => resolve({ reply: Buffer.concat(chunks), closed: true }));
    }),
    'raw exchange',
  );
}
