// pg (node-postgres) over tlskit (pgWebStream as its `stream` option): one query, the outcome as
// EdgeOutcome. Shared by the Deno/Bun script and the driver Worker.
import pg from 'pg';
import { pgWebStream } from '../../src/web/pg.js';
import type { PostgresSocketOptions } from '../../src/web/postgres.js';
import type { EdgeOutcome, EdgeRequest } from './edge-query.js';

export async function pgQuery(request: EdgeRequest, runtime: string, extra: Pick<PostgresSocketOptions, 'connect' | 'Buffer'> = {}): Promise<EdgeOutcome> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: request.port,
    user: request.user,
    database: request.database ?? 'postgres',
    ...(request.password ? { password: request.password } : {}),
    enableChannelBinding: request.channelBinding === 'require',
    connectionTimeoutMillis: 10_000,
    stream: pgWebStream({
      ...extra,
      servername: request.servername ?? 'localhost',
      ca: request.ca,
      minVersion: request.version,
      maxVersion: request.version,
      ...(request.cert ? { cert: request.cert, key: request.key } : {}),
    }) as never,
  });
  try {
    await client.connect();
    const r = await client.query({ text: request.sql, rowMode: 'array' });
    return { ok: true, runtime, rows: r.rows.map((row: unknown[]) => row.map((v) => (v === null ? null : String(v)))) };
  } catch (err) {
    const e = err as Error & { code?: string; alert?: string };
    return { ok: false, runtime, error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.alert ? { alert: e.alert } : {}) } };
  } finally {
    await client.end().catch(() => undefined);
  }
}
