// What the edge runtimes run (a Worker in workerd, a Deno or Bun script): open TCP with the
// runtime's API, PostgreSQL STARTTLS and a tlskit handshake (connectTls, portable build), then one
// query through the minimal frontend (test/helpers/pg-wire.ts). Bundled from dist by
// test/edge/bundle.ts; no Node built-ins. The outcome, or the error's name, message, code and
// alert, comes back as JSON.
import { connectTls, type TlsConnectTarget } from '../../src/web/socket.js';
import { TlsError } from '../../src/errors.js';
import { pgWireQuery } from '../helpers/pg-wire.js';

export interface EdgeRequest {
  readonly port: number;
  /** What the certificate must name (verify-full); default 'localhost'. */
  readonly servername?: string;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
  readonly channelBinding?: 'require' | 'prefer' | 'disable';
  readonly sql: string;
}

export interface EdgeOutcome {
  readonly ok: boolean;
  readonly runtime: string;
  readonly mechanism?: string;
  readonly rows?: (string | null)[][];
  readonly authorized?: boolean;
  readonly protocol?: string | null;
  readonly bindingHex?: string;
  readonly error?: { name: string; message: string; code?: string; alert?: string };
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export async function edgeQuery(request: EdgeRequest, runtime: string, connect?: TlsConnectTarget['connect']): Promise<EdgeOutcome> {
  try {
    const socket = await connectTls({
      host: '127.0.0.1',
      port: request.port,
      ...(connect ? { connect } : {}),
      starttls: 'postgres',
      servername: request.servername ?? 'localhost',
      ca: request.ca,
      ...(request.cert ? { cert: request.cert, key: request.key } : {}),
      minVersion: request.version,
      maxVersion: request.version,
    });
    try {
      const r = await pgWireQuery(
        socket,
        {
          user: request.user,
          ...(request.password ? { password: request.password } : {}),
          database: request.database ?? 'postgres',
          channelBinding: request.channelBinding ?? 'prefer',
          getChannelBinding: (t) => socket.getChannelBinding(t),
        },
        request.sql,
      );
      return {
        ok: true,
        runtime,
        mechanism: r.mechanism,
        rows: r.rows,
        authorized: socket.authorized,
        protocol: socket.getProtocol(),
        bindingHex: hex(socket.getChannelBinding('tls-server-end-point')),
      };
    } finally {
      await socket.close().catch(() => undefined);
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    return {
      ok: false,
      runtime,
      error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(err instanceof TlsError ? { alert: err.alert } : {}) },
    };
  }
}
