// PostgreSQL over tlskit through the `pg` client's `stream` option: a stream that opens TCP, asks
// for TLS with an SSLRequest (PostgreSQL protocol §55.2.10), runs a tlskit handshake and then
// carries pg's protocol. pg itself must not ask for TLS again (its `ssl` stays false).
//
//   new pg.Client({ host, user, password, stream: pgStream({ ca }) })
//
// `sslmode` follows libpq's meaning of the modes that always encrypt; verify-full is the default.
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from './tls-socket.js';
import { negotiateStartTls } from './starttls.js';
import { upgrade, type ClientUpgradeOptions } from './upgrade.js';
import { connect } from './connect.js';
import type { ChannelBindingType } from '../engine/channel-binding.js';

/**
 * libpq's sslmode values that always encrypt (libpq §34.19.1):
 * - 'verify-full' (default): the chain must lead to a trusted root (`ca`, else node's bundled
 *   roots) and the certificate must name the host (or `servername`).
 * - 'verify-ca': the chain must lead to `ca`, which is then required (as libpq with
 *   sslrootcert=system, a public root program makes this mode meaningless); the name is not checked.
 * - 'require': encrypt; with `ca` the chain is checked as in verify-ca (libpq does so when a root
 *   certificate file is present), without it the certificate is not checked at all.
 * 'disable', 'allow' and 'prefer' may run without TLS, which this stream never does: refused.
 */
export type PgSslMode = 'verify-full' | 'verify-ca' | 'require';
const SSL_MODES: readonly string[] = ['verify-full', 'verify-ca', 'require'];

export interface PgStreamOptions extends Omit<ClientUpgradeOptions, 'host' | 'head' | 'isServer' | 'rejectUnauthorized'> {
  /** Default 'verify-full'. */
  sslmode?: PgSslMode;
  /**
   * 'postgres' (default): SSLRequest first, then TLS. 'direct' (PostgreSQL 17+): TLS at once, with
   * ALPN 'postgresql' as the server then requires.
   */
  sslnegotiation?: 'postgres' | 'direct';
  /** Milliseconds for the SSLRequest answer and the handshake together (default 10000). */
  timeout?: number;
}

/** What pg hands a `stream` function: its connection settings (we read `ssl`). */
interface PgConnectionConfig {
  ssl?: unknown;
}

// verify-ca: the chain is checked, the name is not. One function for every stream, so that a
// session authenticated under it resumes only under the same (see connect.ts identityCheckFor).
const noHostCheck = (): undefined => undefined;

/** tlskit connect() options for an sslmode, with the mode's checks of the arguments. */
function tlsOptionsFor(options: PgStreamOptions): Omit<ClientUpgradeOptions, 'host' | 'head' | 'isServer'> {
  const { sslmode = 'verify-full', sslnegotiation: _n, timeout: _t, ...tls } = options;
  if (!SSL_MODES.includes(sslmode)) {
    const plain = ['disable', 'allow', 'prefer'].includes(sslmode as string);
    throw new TypeError(
      plain
        ? `pgStream: sslmode '${sslmode}' may connect without TLS, which this stream never does; use 'verify-full' (the default), 'verify-ca' or 'require', or pg without pgStream for a plaintext connection`
        : `pgStream: unknown sslmode '${String(sslmode)}'; use 'verify-full' (the default), 'verify-ca' or 'require'`,
    );
  }
  if (sslmode === 'verify-full') return tls;
  if (tls.checkServerIdentity !== undefined) {
    throw new TypeError(`pgStream: checkServerIdentity checks the host name, which sslmode '${sslmode}' does not; use sslmode 'verify-full' with it`);
  }
  if (sslmode === 'verify-ca') {
    if (tls.ca === undefined)
      throw new TypeError(
        "pgStream: sslmode 'verify-ca' needs `ca`: any certificate from a public root program would pass without a name check; give the CA that issued the server's certificate, or use 'verify-full'",
      );
    return { ...tls, checkServerIdentity: noHostCheck };
  }
  // require
  return tls.ca !== undefined ? { ...tls, checkServerIdentity: noHostCheck } : { ...tls, rejectUnauthorized: false };
}

/**
 * A function for pg's `stream` option (pg.Client and pg.Pool): each connection gets a new stream
 * that reaches the server over tlskit TLS. Throws a TypeError now for an sslmode it cannot honour,
 * and when pg is also asked for TLS (`ssl`, or PGSSLMODE in the environment), which would run a
 * second handshake inside ours.
 */
export function pgStream(options: PgStreamOptions = {}): (config?: PgConnectionConfig) => PgTlsStream {
  const tls = tlsOptionsFor(options);
  const settings = { negotiation: options.sslnegotiation ?? 'postgres', timeout: options.timeout ?? 10_000 } as const;
  if (settings.negotiation !== 'postgres' && settings.negotiation !== 'direct') {
    throw new TypeError(`pgStream: unknown sslnegotiation '${String(settings.negotiation)}'; use 'postgres' (the default) or 'direct'`);
  }
  return (config) => {
    if (config?.ssl) {
      throw new TypeError(
        "pgStream does TLS itself: leave pg's `ssl` option out (or false) and unset PGSSLMODE; give TLS settings (ca, sslmode, ...) to pgStream",
      );
    }
    return new PgTlsStream(tls, settings);
  };
}

/**
 * The stream pg talks to. connect(port, host) starts TCP, the SSLRequest and the handshake; 'connect'
 * is emitted once the handshake completed, and pg's messages flow only then. Failures destroy it
 * with the error (pg reports it); so does pg's connectionTimeoutMillis.
 */
export class PgTlsStream extends Duplex {
  private raw: net.Socket | undefined;
  /** The TLS connection, once its handshake completed. */
  tls: TLSSocket | undefined;
  private handshaking: TLSSocket | undefined;
  private noDelay = true;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly tlsOptions: Omit<ClientUpgradeOptions, 'host' | 'head' | 'isServer'>,
    private readonly settings: { readonly negotiation: 'postgres' | 'direct'; readonly timeout: number },
  ) {
    super({ allowHalfOpen: false });
  }

  /** As net.Socket#connect, the form pg uses: (port, host); a Unix socket path is refused. */
  connect(port: number | string, host?: string): this {
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      process.nextTick(() => this.destroy(new TypeError(`pgStream: PostgreSQL does not run TLS over a Unix socket (${port}); connect over TCP`)));
      return this;
    }
    const target = host ?? 'localhost';
    const { timeout } = this.settings;
    if (timeout > 0) {
      this.timer = setTimeout(() => this.destroy(new Error(`pgStream: no TLS connection to ${target}:${port} within ${timeout} ms`)), timeout);
      this.timer.unref?.();
    }
    if (this.settings.negotiation === 'direct') {
      // PostgreSQL 17 direct TLS: the handshake starts the connection, and ALPN says it is PostgreSQL.
      const tls = connect({ ...this.tlsOptions, host: target, port: Number(port), ALPNProtocols: ['postgresql'] });
      tls.setNoDelay(this.noDelay);
      this.secure(tls);
      return this;
    }
    const raw = net.connect({ port: Number(port), host: target, noDelay: this.noDelay });
    this.raw = raw;
    raw.once('error', (err) => this.destroy(err));
    raw.once('connect', () => {
      negotiateStartTls(raw, 'postgres', { timeout: timeout > 0 ? timeout + 1_000 : 10_000 }).then(
        (head) => {
          if (this.destroyed) return;
          this.secure(upgrade(raw, { ...this.tlsOptions, host: target, head }));
        },
        (err: Error) => this.destroy(err),
      );
    });
    return this;
  }

  private secure(tls: TLSSocket): void {
    this.handshaking = tls;
    tls.on('error', (err: Error) => this.destroy(err));
    tls.once('close', () => this.destroy());
    tls.once('secureConnect', () => {
      if (this.timer) clearTimeout(this.timer);
      if (this.settings.negotiation === 'direct' && tls.alpnProtocol !== 'postgresql') {
        this.destroy(new Error("pgStream: the server did not select ALPN 'postgresql' for direct TLS (not PostgreSQL 17 or later?)"));
        return;
      }
      this.tls = tls;
      tls.on('data', (chunk: Buffer) => {
        if (!this.push(chunk)) tls.pause();
      });
      tls.on('end', () => this.push(null));
      this.emit('connect');
    });
  }

  override _read(): void {
    this.tls?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.tls) return callback(new Error('pgStream: write before the TLS connection is up'));
    this.tls.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.tls) this.tls.end(() => callback());
    else callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.handshaking?.destroy();
    this.raw?.destroy();
    callback(err);
  }

  /** pg's SCRAM-SHA-256-PLUS (enableChannelBinding) hashes the server's certificate (RFC 5929 tls-server-end-point). */
  getPeerCertificate(detailed?: boolean): PeerCertificate | Record<string, never> {
    return this.tls?.getPeerCertificate(detailed) ?? {};
  }

  /** The TLS connection's channel binding (TLSSocket#getChannelBinding), for drivers that ask the stream. */
  getChannelBinding(type: ChannelBindingType): Buffer {
    if (!this.tls) throw new Error('pgStream: getChannelBinding before the TLS connection is up');
    return this.tls.getChannelBinding(type);
  }

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    (this.raw ?? this.handshaking)?.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    (this.raw ?? this.handshaking)?.setKeepAlive(enable, delay);
    return this;
  }

  ref(): this {
    (this.raw ?? this.handshaking)?.ref();
    return this;
  }

  unref(): this {
    (this.raw ?? this.handshaking)?.unref();
    return this;
  }
}
