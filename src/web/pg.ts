// tlskit under `pg` (node-postgres) outside Node through its `stream` option: what pg sees is a
// node-socket-shaped stream whose connect(port, host) opens TCP with the runtime's API, sends the
// SSLRequest and completes a tlskit handshake before emitting 'connect'; pg then speaks its
// protocol in the clear over it, and must not ask for TLS itself (its `ssl` stays off).
//
//   new pg.Client({ host, user, password, stream: pgWebStream({ ca }) })
//
// On Node, use pgStream (src/node/pg.ts) instead: same idea over node:net.
import { postgresSocket, type PostgresSocketOptions, type PostgresTlsStream } from './postgres.js';
import type { ChannelBindingType } from '../engine/channel-binding.js';

type Listener = (...args: unknown[]) => void;

/** pg's connection settings (we read `ssl`). */
interface PgConfig {
  ssl?: unknown;
}

/**
 * A function for pg's `stream` option. Verification as verify-full: the host (or `servername`)
 * must be named by a certificate chaining to `ca`. Throws when pg is asked for TLS as well.
 */
export function pgWebStream(options: PostgresSocketOptions = {}): (config?: PgConfig) => PgWebStream {
  const open = postgresSocket(options);
  return (config) => {
    if (config?.ssl) throw new TypeError("pgWebStream does TLS itself: leave pg's `ssl` option out (or false); give TLS settings (ca, ...) to pgWebStream");
    return new PgWebStream(open);
  };
}

/** The stream pg talks to; 'connect' once TLS is up. */
export class PgWebStream {
  writable = false;
  destroyed = false;
  private inner: PostgresTlsStream | undefined;
  private closeEmitted = false;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly open: ReturnType<typeof postgresSocket>) {}

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

  removeAllListeners(event?: string): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    const listeners = this.listeners.get(event) ?? [];
    for (const l of listeners) l(...args);
    return listeners.length > 0;
  }

  /** As net.Socket#connect(port, host). */
  connect(port: number | string, host?: string): this {
    this.open(undefined, host ?? 'localhost', Number(port)).then(
      (inner) => {
        if (this.destroyed) {
          inner.destroy();
          return;
        }
        this.inner = inner;
        this.writable = true;
        inner.on('data', (d) => this.emit('data', d));
        inner.on('drain', () => this.emit('drain'));
        inner.on('error', (err) => this.emit('error', err));
        inner.on('close', () => this.closed());
        this.emit('connect');
      },
      (err: unknown) => {
        this.emit('error', err);
        this.closed();
      },
    );
    return this;
  }

  private closed(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.writable = false;
    this.destroyed = true;
    this.emit('end');
    this.emit('close', false);
  }

  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    if (!this.inner) {
      callback?.(new Error('pgWebStream: write before the TLS connection is up'));
      return false;
    }
    return this.inner.write(data, callback);
  }

  end(callback?: () => void): this {
    this.writable = false;
    this.inner?.end();
    callback?.();
    return this;
  }

  destroy(err?: unknown): this {
    this.inner?.destroy(err);
    if (!this.inner) this.closed();
    this.destroyed = true;
    return this;
  }

  /** pg's SCRAM-SHA-256-PLUS (enableChannelBinding) hashes getPeerCertificate().raw. */
  getPeerCertificate(): { raw?: Uint8Array } {
    return this.inner?.getPeerCertificate() ?? {};
  }

  getChannelBinding(type: ChannelBindingType): Uint8Array {
    if (!this.inner) throw new Error('pgWebStream: getChannelBinding before the TLS connection is up');
    return this.inner.getChannelBinding(type);
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}
