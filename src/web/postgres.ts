// tlskit under `postgres` (porsager's driver) through its `socket` option, in any runtime with
// TCP (Deno, Bun, Workers, Node): the driver gets a stream that already ran PostgreSQL's
// SSLRequest and a tlskit handshake with the options given here (a private CA, a client
// certificate, versions), so it does not ask for TLS itself; SCRAM-SHA-256-PLUS (its
// channel_binding) hashes the certificate our handshake verified.
//
//   postgres({ host, user, password, socket: postgresSocket({ ca }) })
//
// The stream is the node-socket shape the driver reads (on('data'|'drain'|'error'|'close'),
// write(), end(), destroy(), pause(), resume()) over Web Streams. Chunks are handed over as
// Buffers (the driver's frame parser needs them): the runtime's global Buffer, or `Buffer` here.
import { connectTls, type TlsConnectTarget, type TlsSocket, type TlsSocketOptions } from './socket.js';
import type { ChannelBindingType } from '../engine/channel-binding.js';

interface BufferClass {
  from(data: ArrayBuffer, byteOffset?: number, length?: number): Uint8Array;
}

export interface PostgresSocketOptions extends Omit<TlsSocketOptions, 'starttls'> {
  /** How to open TCP (Workers: cloudflare:sockets' connect); default Deno.connect / Bun.connect. */
  connect?: TlsConnectTarget['connect'];
  /** node:buffer's Buffer, where the runtime has no global one. */
  Buffer?: BufferClass;
}

type Listener = (...args: unknown[]) => void;

/** What the driver hands its `socket` function: its options, host and port. */
export type PostgresSocketFactory = (options: unknown, host: string, port: number) => Promise<PostgresTlsStream>;

/**
 * A function for postgres' `socket` option. Each connection opens TCP to the host and port the
 * driver asks for, sends the SSLRequest and completes a tlskit handshake (verify-full: the host, or
 * `servername`, must be named by a certificate chaining to `ca`) before the driver sees the stream.
 */
export function postgresSocket(options: PostgresSocketOptions = {}): PostgresSocketFactory {
  const { connect, Buffer: givenBuffer, ...tls } = options;
  const BufferCtor = givenBuffer ?? (globalThis as { Buffer?: BufferClass }).Buffer;
  if (!BufferCtor)
    throw new TypeError("postgresSocket: this runtime has no global Buffer; pass `Buffer` (the Buffer class of the runtime's node:buffer module)");
  if ('starttls' in options) throw new TypeError("postgresSocket: starttls is always 'postgres' here; leave it out");
  return async (_driverOptions, host, port) => {
    const socket = await connectTls({ host, port, ...(connect ? { connect } : {}), ...tls, starttls: 'postgres' });
    return new PostgresTlsStream(socket, BufferCtor);
  };
}

/** The TLS connection as the driver's socket. */
export class PostgresTlsStream {
  /** TLS is already on: the driver sends no SSLRequest of its own. */
  readonly secure = true;
  readonly negotiated = true;
  destroyed = false;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private paused = false;
  private wake: (() => void) | undefined;
  private pending = 0;
  private closed = false;
  /** end() was called: we are closing. */
  private ending = false;

  constructor(
    readonly tls: TlsSocket,
    private readonly BufferCtor: BufferClass,
  ) {
    this.writer = tls.writable.getWriter();
    void this.read();
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const once: Listener = (...args) => {
      this.off(event, once);
      listener(...args);
    };
    return this.on(event, once);
  }

  off(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }

  /** Queues the bytes; false once much is queued ('drain' follows), as a node socket. */
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    if (this.closed) {
      callback?.(new Error('the TLS stream is closed'));
      return false;
    }
    this.pending++;
    this.writer.write(data).then(
      () => {
        callback?.(null);
        if (--this.pending === 0) this.emit('drain');
      },
      (err: unknown) => {
        callback?.(err instanceof Error ? err : new Error(String(err)));
        this.fail(err);
      },
    );
    return this.pending < 16;
  }

  end(data?: Uint8Array): void {
    if (data) this.write(data);
    this.ending = true;
    this.writer.close().catch(() => undefined);
  }

  destroy(err?: unknown): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.writer.abort(err).catch(() => undefined);
    void this.tls.close().catch(() => undefined);
    this.finish();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** As node:tls (the driver's channel binding hashes `raw`). */
  getPeerCertificate(): { raw?: Uint8Array } {
    const cert = this.tls.getPeerCertificate();
    return 'raw' in cert ? { ...cert, raw: this.BufferCtor.from(cert.raw.buffer as ArrayBuffer, cert.raw.byteOffset, cert.raw.byteLength) } : {};
  }

  getChannelBinding(type: ChannelBindingType): Uint8Array {
    return this.tls.getChannelBinding(type);
  }

  private async read(): Promise<void> {
    const reader = this.tls.readable.getReader();
    try {
      for (;;) {
        if (this.paused) await new Promise<void>((resolve) => (this.wake = resolve));
        const { value, done } = await reader.read();
        if (done) break;
        this.emit('data', this.BufferCtor.from(value.buffer as ArrayBuffer, value.byteOffset, value.byteLength));
      }
    } catch (err) {
      // After end() some runtimes (Deno) close the whole TCP connection with the writing side, and
      // the read in progress fails: the end the driver asked for, not an error to report.
      if (this.ending) this.destroy();
      else this.fail(err);
      return;
    }
    this.finish();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.emit('error', err);
    this.destroy(err);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}
