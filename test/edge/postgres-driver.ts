// porsager's `postgres` over tlskit (postgresSocket as its `socket` option): one query, the outcome
// as EdgeOutcome. Shared by the Deno/Bun script and the driver Worker.
import postgres from 'postgres';
import { postgresSocket, type PostgresSocketOptions } from '../../src/web/postgres.js';
import type { EdgeOutcome, EdgeRequest } from './edge-query.js';

export async function driverQuery(request: EdgeRequest, runtime: string, extra: Pick<PostgresSocketOptions, 'connect' | 'Buffer'> = {}): Promise<EdgeOutcome> {
  const sql = postgres({
    host: '127.0.0.1',
    port: request.port,
    user: request.user,
    database: request.database ?? 'postgres',
    ...(request.password ? { password: request.password } : {}),
    channel_binding: request.channelBinding ?? 'prefer',
    max: 1,
    connect_timeout: 10,
    idle_timeout: 1,
    socket: postgresSocket({
      ...extra,
      servername: request.servername ?? 'localhost',
      ca: request.ca,
      minVersion: request.version,
      maxVersion: request.version,
      ...(request.cert ? { cert: request.cert, key: request.key } : {}),
    }),
  } as never);
  try {
    const rows = (await sql.unsafe(request.sql).values()) as unknown as (string | null)[][];
    return { ok: true, runtime, rows };
  } catch (err) {
    const e = err as Error & { code?: string; alert?: string };
    return { ok: false, runtime, error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.alert ? { alert: e.alert } : {}) } };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}
