// ioredis over tlskit through its `Connector` option: ioredis builds the connector with its own
// options and asks it for a stream on every (re)connection. This one opens tlskit TLS with the
// options' `tls` settings, where ioredis's own connector calls node:tls.
//
//   new Redis({ host, port, tls: { ca }, Connector: IoRedisConnector })
import type { Duplex } from 'node:stream';
import { connect, type ConnectOptions } from './connect.js';
import type { TLSSocket } from './tls-socket.js';

/** What IoRedisConnector reads of ioredis's options. */
export interface IoRedisConnectorOptions {
  host?: string;
  port?: number;
  path?: string;
  /** tlskit connect() options (as node:tls's for ioredis's own connector); required. */
  tls?: ConnectOptions;
  /** Milliseconds disconnect() waits for a clean close before destroying the socket (ioredis's option). */
  disconnectTimeout?: number;
}

/**
 * An ioredis connector (`Connector` option) whose connections are tlskit TLS. ioredis waits for
 * 'secureConnect' and applies its `connectTimeout` as with node:tls, because `tls` is set.
 */
export class IoRedisConnector {
  /** The connection's first error, which ioredis reports when the stream is already gone. */
  firstError: Error | undefined;
  protected connecting = false;
  protected stream: TLSSocket | undefined;
  private readonly options: IoRedisConnectorOptions;

  constructor(options: unknown) {
    this.options = (options ?? {}) as IoRedisConnectorOptions;
    if (this.options.path) {
      throw new TypeError(
        `IoRedisConnector: a Unix socket path (${this.options.path}) is not run over TLS; connect over TCP (host, port), or drop the Connector`,
      );
    }
    if (!this.options.tls || typeof this.options.tls !== 'object') {
      // Without `tls`, ioredis would wait for 'connect' rather than 'secureConnect'.
      throw new TypeError('IoRedisConnector: set the `tls` option (e.g. tls: { ca }), which ioredis needs to wait for the TLS handshake');
    }
  }

  /** ioredis's AbstractConnector#check: every server is acceptable (no sentinel roles here). */
  check(): boolean {
    return true;
  }

  connect(): Promise<Duplex> {
    this.connecting = true;
    const { host = 'localhost', port = 6379, tls } = this.options;
    // As ioredis's own connector: the stream is created on the next tick, unless disconnect() came first.
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error('Connection is closed.'));
          return;
        }
        let stream: TLSSocket;
        try {
          stream = connect({ ...tls, host, port });
        } catch (err) {
          reject(err as Error);
          return;
        }
        this.stream = stream;
        this.firstError = undefined;
        stream.once('error', (err: Error) => {
          this.firstError = err;
        });
        resolve(stream);
      });
    });
  }

  /** Ends the connection with close_notify, destroying it if it is not closed within disconnectTimeout. */
  disconnect(): void {
    this.connecting = false;
    const stream = this.stream;
    if (!stream) return;
    const timer = setTimeout(() => stream.destroy(), this.options.disconnectTimeout ?? 2000);
    stream.once('close', () => clearTimeout(timer));
    stream.end();
  }
}
