// TLS over Web Streams: the sans-I/O engine between any pair of byte streams (WebSocketStream,
// Cloudflare's connect(), Deno.connect(), a Node socket through Duplex.toWeb) and a plaintext
// pair for the application. No Node built-ins.
//
// Backpressure: the transport is read only while the handshake runs or the application's
// readable wants more (pull), and a write completes once the transport accepted its records.
// Closing the writable sends close_notify and closes the transport's writable. An error on
// either side errors both plaintext streams and tears the transport down.
import { TlsError } from '../errors.js';
import type { Connection } from '../engine/connection.js';
import { createClientConnection, createServerConnection } from '../engine/endpoints.js';
import type { ConnectionHandlers, TlsEvent } from '../engine/events.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from '../engine/options.js';
import type { ConnectionInfo } from '../handshake/state.js';
import type { ChannelBindingType } from '../engine/channel-binding.js';
import { defaultProvider } from '../crypto/default-provider.js';

/** A bidirectional byte stream, as WebSocketStream and socket APIs expose it. */
export interface ByteStreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface StreamOptions {
  /** Aborts the handshake or, later, the connection (no alert is sent). */
  signal?: AbortSignal;
  /** Diagnostics: handshake messages, steps, alerts. */
  onEvent?: (event: TlsEvent) => void;
  /** NSS key log lines; key logging is off unless this is set. */
  onKeylog?: (line: string) => void;
  /** Decrypted bytes buffered ahead of the application's reads (default 16 KiB). */
  readableHighWaterMark?: number;
}

export type StreamClientOptions = ClientOptions & StreamOptions;
export type StreamServerOptions = ServerOptions & StreamOptions;

/** A connected TLS stream. */
export interface TlsStream extends ByteStreamPair {
  /** What the handshake negotiated (live: later facts such as the peer closing show up here). */
  readonly info: ConnectionInfo;
  /** The engine, for key updates and diagnostics. */
  readonly connection: Connection;
  /** Sends close_notify (if the writable did not already), closes the transport and stops reading. */
  close(): Promise<void>;
  /** A channel binding (RFC 5929, RFC 9266) for SCRAM-SHA-256-PLUS and the like; throws TlsError when unavailable. */
  getChannelBinding(type: ChannelBindingType): Uint8Array;
}

const DEFAULT_READABLE_HIGH_WATER_MARK = 16 * 1024;

/** Runs a TLS client over `transport`; resolves once the handshake completed. */
export async function connectStream(transport: ByteStreamPair, options: StreamClientOptions = {}): Promise<TlsStream> {
  const config = resolveClientOptions(options, options.provider ?? defaultProvider());
  return new StreamSession(transport, options, (handlers) => createClientConnection(config, handlers)).handshake();
}

/** Runs a TLS server over `transport` (one accepted connection); resolves once the handshake completed. */
export async function acceptStream(transport: ByteStreamPair, options: StreamServerOptions): Promise<TlsStream> {
  const config = resolveServerOptions(options, options.provider ?? defaultProvider());
  return new StreamSession(transport, options, (handlers) => createServerConnection(config, handlers)).handshake();
}

function noop(): void {}

class StreamSession implements TlsStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly connection: Connection;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readController!: ReadableStreamDefaultController<Uint8Array>;
  private writeController!: WritableStreamDefaultController;
  /** The transport read in progress: one at a time, shared by the handshake and pull(). */
  private reading: Promise<void> | undefined;
  /** Data chunks handed to the readable so far (pull() reads until this moves). */
  private delivered = 0;
  private readableDone = false;
  private failure: unknown;
  /** Rejects with the failure: what the handshake waits on besides its own progress. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (err: unknown) => void;
  /** The application or the transport ended things: nothing more is sent, not even queued alerts. */
  private aborting = false;
  private closingWrite: Promise<void> | undefined;

  constructor(
    transport: ByteStreamPair,
    private readonly options: StreamOptions,
    create: (handlers: ConnectionHandlers) => Connection,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(noop);
    this.reader = transport.readable.getReader();
    this.writer = transport.writable.getWriter();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.readController = controller;
        },
        pull: () => this.pull(),
        cancel: () => {
          // The application reads no more; the transport is still read while closing.
          this.readableDone = true;
        },
      },
      { highWaterMark: options.readableHighWaterMark ?? DEFAULT_READABLE_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.writeController = controller;
      },
      write: (chunk) => this.write(chunk),
      close: () => this.closeWrite(),
      abort: (reason) => this.abort(reason),
    });
    this.connection = create(this.handlers());
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) this.abort(signal.reason);
      else signal.addEventListener('abort', () => this.abort(signal.reason), { once: true });
    }
  }

  get info(): ConnectionInfo {
    return this.connection.info;
  }

  getChannelBinding(type: ChannelBindingType): Uint8Array {
    return this.connection.getChannelBinding(type);
  }

  private handlers(): ConnectionHandlers {
    const { onEvent, onKeylog } = this.options;
    return {
      data: (chunk) => {
        if (this.readableDone) return;
        this.delivered++;
        this.readController.enqueue(chunk);
      },
      peerClosed: () => this.endReadable(),
      error: (err) => this.fail(err),
      ...(onEvent ? { event: onEvent } : {}),
      ...(onKeylog ? { keylog: onKeylog } : {}),
    };
  }

  /** Resolves once the handshake completed; rejects as soon as it failed (even mid-write). */
  async handshake(): Promise<TlsStream> {
    await Promise.race([this.driveHandshake(), this.failed]);
    return this;
  }

  /** Sends the ClientHello (client) and reads until the handshake completed or failed. */
  private async driveHandshake(): Promise<void> {
    await this.flush();
    await this.runTasks();
    while (this.failure === undefined && this.connection.isHandshaking) await this.readOnce();
    if (this.failure !== undefined) throw this.failure;
  }

  // ---- transport ----

  /** Reads one chunk from the transport and feeds it to the engine, then sends what it produced. */
  private readOnce(): Promise<void> {
    this.reading ??= this.readTransport().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readTransport(): Promise<void> {
    let result: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
    try {
      result = await this.reader.read();
    } catch (err) {
      this.transportFailed(err);
      return;
    }
    if (this.failure !== undefined) return;
    if (result.done) {
      this.transportEnded();
      return;
    }
    this.connection.receive(result.value);
    await this.flush();
    await this.runTasks();
  }

  /**
   * Runs the asynchronous steps the handshake waits for (a verifier, a signer, WebCrypto RSA),
   * one after another, sending what each lets the engine produce. Nothing is read meanwhile: the
   * engine would only buffer it.
   */
  private async runTasks(): Promise<void> {
    for (let task = this.connection.pendingTask; task && this.failure === undefined; task = this.connection.pendingTask) {
      let result: unknown;
      try {
        result = await task.start();
      } catch (err) {
        if (this.failure === undefined) this.connection.failTask(err);
        await this.flush();
        return;
      }
      if (this.failure !== undefined) return;
      this.connection.completeTask(result);
      await this.flush();
    }
  }

  /** Writes everything the engine queued; resolves when the transport accepted it. */
  private flush(): Promise<void> {
    const out = this.connection?.takeOutput() ?? [];
    if (out.length === 0) return Promise.resolve();
    let last: Promise<void> = Promise.resolve();
    for (const chunk of out) {
      last = this.writer.write(chunk);
      last.catch(noop); // failures are reported once, below
    }
    return last.then(noop, (err: unknown) => this.transportFailed(err));
  }

  private transportEnded(): void {
    if (this.connection.isHandshaking) {
      this.connection.abort(new TlsError('close_notify', 'peer closed the transport before the handshake completed', { origin: 'peer' }));
      return;
    }
    // The peer closed without close_notify: end of stream, as node:tls and our Node adapter treat it.
    this.endReadable();
  }

  private transportFailed(err: unknown): void {
    if (this.failure !== undefined) return;
    this.aborting = true;
    this.fail(err);
    this.connection?.abort(new TlsError('internal_error', `transport failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  }

  // ---- plaintext streams ----

  private async pull(): Promise<void> {
    const before = this.delivered;
    // A pull that returns without enqueuing is not called again: read until data, end or failure.
    while (this.delivered === before && !this.readableDone && this.failure === undefined) await this.readOnce();
  }

  private endReadable(): void {
    if (this.readableDone) return;
    this.readableDone = true;
    try {
      this.readController.close();
    } catch {
      // already closed or errored
    }
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.connection.write(chunk);
    await this.flush();
    if (this.failure !== undefined) throw this.failure;
  }

  /** close_notify, then the transport's writable ends (RFC 8446 §6.1: reading may go on). */
  private closeWrite(): Promise<void> {
    this.closingWrite ??= (async () => {
      if (this.failure !== undefined) throw this.failure;
      this.connection.close();
      await this.flush();
      await this.writer.close().catch(noop);
    })();
    return this.closingWrite;
  }

  private abort(reason: unknown): void {
    const err = reason instanceof Error ? reason : new TlsError('user_canceled', `connection aborted: ${String(reason)}`);
    this.aborting = true;
    this.fail(err);
    this.connection?.abort(err instanceof TlsError ? err : new TlsError('user_canceled', err.message, { cause: err }));
  }

  /** The one failure path: both plaintext streams error, the alert (if any) goes out, the transport closes. */
  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    if (!this.readableDone) {
      this.readableDone = true;
      this.readController.error(err);
    }
    this.writeController.error(err);
    this.rejectFailed(err);
    if (this.aborting) {
      this.writer.abort(err).catch(noop);
      this.reader.cancel(err).catch(noop);
      return;
    }
    // The engine queued a fatal alert for a local error: send it, then close the transport.
    void this.flush()
      .then(() => this.writer.close())
      .catch(noop)
      .finally(() => {
        this.reader.cancel(err).catch(noop);
      });
  }

  async close(): Promise<void> {
    if (this.failure === undefined) {
      if (!this.connection.closed) await this.closeWrite().catch(noop);
      try {
        this.writeController.error(new TypeError('the TLS stream was closed'));
      } catch {
        // already closed
      }
    }
    this.endReadable();
    await this.reader.cancel().catch(noop);
  }
}
