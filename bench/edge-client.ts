// The client half of bench/edge.ts, run in each runtime (Node from dist; Deno, Bun and workerd from
// a `bun build` bundle): against bench/edge.ts's node:tls server (it reads a 4-byte length, sends
// that many bytes and ends), time full handshakes (TCP connect to handshake complete, one at a time)
// and the rate of one download, for tlskit's portable build (connectTls, @noble provider) and,
// where the runtime has one, its own TLS with the same CA. No Node built-ins: the runtime's own
// TLS is reached through what it offers (Deno.connectTls, Bun.connect({ tls }), node:tls through
// an injected function, Workers' connect with secureTransport 'on').
import { connectTls, type TlsConnectTarget } from '../src/web/socket.js';
import type { ByteStreamPair } from '../src/web/streams.js';

export interface EdgeBenchRequest {
  readonly port: number;
  readonly ca: string;
  readonly handshakes: number;
  readonly downloadBytes: number;
}

export interface EdgeBenchRow {
  readonly impl: string;
  /** Milliseconds, median of `handshakes` sequential connections (TCP connect included). */
  readonly handshakeMedianMs?: number;
  readonly handshakeP90Ms?: number;
  /** MiB/s of one download of downloadBytes. */
  readonly downloadMiBps?: number;
  /** The cipher suite of the download, where the implementation says. */
  readonly suite?: string;
  readonly error?: string;
}

/** Opens a TLS connection (handshake done) as a byte stream pair. */
export type TlsOpener = (port: number, ca: string) => Promise<ByteStreamPair & { close?(): unknown; suite?: string }>;

const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();

function lengthPrefix(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

async function exchange(stream: ByteStreamPair, n: number): Promise<number> {
  const writer = stream.writable.getWriter();
  await writer.write(lengthPrefix(n));
  writer.releaseLock();
  const reader = stream.readable.getReader();
  let got = 0;
  while (got < n) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
  }
  reader.releaseLock();
  return got;
}

const median = (xs: number[], q = 0.5): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * q))]! * 100) / 100;
};

export async function benchOne(impl: string, open: TlsOpener, request: EdgeBenchRequest): Promise<EdgeBenchRow> {
  try {
    const times: number[] = [];
    for (let i = 0; i < request.handshakes; i++) {
      const started = now();
      const s = await open(request.port, request.ca);
      times.push(now() - started);
      await exchange(s, 1);
      await Promise.resolve(s.close?.()).catch(() => undefined);
    }
    const s = await open(request.port, request.ca);
    const started = now();
    const got = await exchange(s, request.downloadBytes);
    const seconds = (now() - started) / 1000;
    await Promise.resolve(s.close?.()).catch(() => undefined);
    if (got !== request.downloadBytes) throw new Error(`download ended after ${got} of ${request.downloadBytes} bytes`);
    return {
      impl,
      handshakeMedianMs: median(times),
      handshakeP90Ms: median(times, 0.9),
      downloadMiBps: Math.round((request.downloadBytes / 1048576 / seconds) * 10) / 10,
      ...(s.suite ? { suite: s.suite } : {}),
    };
  } catch (err) {
    return { impl, error: err instanceof Error ? err.message : String(err) };
  }
}

/** tlskit's portable build over the runtime's TCP (`connect`: Workers' or an injected one). */
export function tlskitOpener(connect?: TlsConnectTarget['connect'], ciphers?: string): TlsOpener {
  return async (port, ca) => {
    const socket = await connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca, ...(connect ? { connect } : {}), ...(ciphers ? { ciphers } : {}) });
    return { readable: socket.readable, writable: socket.writable, close: () => socket.close(), suite: socket.tls.info.cipherSuite?.name ?? '?' };
  };
}

/** ChaCha20-Poly1305 only: the portable provider's fastest AEAD in pure JavaScript. */
export const CHACHA = 'TLS_CHACHA20_POLY1305_SHA256';

interface DenoTls {
  connectTls(o: { hostname: string; port: number; caCerts: string[] }): Promise<ByteStreamPair & { close(): void; handshake(): Promise<unknown> }>;
}

/** The runtime's own TLS, where there is one we can give a CA to. */
export function nativeOpener(): { name: string; open: TlsOpener } | undefined {
  const g = globalThis as { Deno?: DenoTls; Bun?: unknown };
  if (g.Deno) {
    const deno = g.Deno;
    return {
      name: 'Deno.connectTls (rustls)',
      open: async (port, ca) => {
        // The bench certificate names 127.0.0.1 too (rustls checks IP addresses).
        const conn = await deno.connectTls({ hostname: '127.0.0.1', port, caCerts: [ca] });
        await conn.handshake();
        return conn;
      },
    };
  }
  return undefined;
}
