// porsager's `postgres` in Deno or Bun over tlskit (postgresSocket as its `socket` option), run
// from dist by test/edge/postgres-edge.test.ts: EdgeRequest JSON in the first argument, the
// outcome as JSON on stdout.
import postgres from 'postgres';
import { postgresSocket } from '../../src/web/postgres.js';
import type { EdgeOutcome, EdgeRequest } from './edge-query.js';

const g = globalThis as { Deno?: { args: string[] }; Bun?: unknown; process?: { argv: string[] } };
const runtime = g.Deno ? 'deno' : g.Bun ? 'bun' : 'unknown';
const request = JSON.parse((g.Deno ? g.Deno.args[0] : g.process?.argv[2]) ?? '{}') as EdgeRequest;
let outcome: EdgeOutcome;
const sql = postgres({
  host: '127.0.0.1', port: request.port, user: request.user, database: request.database ?? 'postgres',
  ...(request.password ? { password: request.password } : {}),
  channel_binding: request.channelBinding ?? 'prefer', max: 1, connect_timeout: 10, idle_timeout: 1,
  socket: postgresSocket({
    servername: request.servername ?? 'localhost', ca: request.ca, minVersion: request.version, maxVersion: request.version,
    ...(request.cert ? { cert: request.cert, key: request.key } : {}),
  }),
} as never);
try {
  const rows = (await sql.unsafe(request.sql).values()) as unknown as (string | null)[][];
  outcome = { ok: true, runtime, rows };
} catch (err) {
  const e = err as Error & { code?: string; alert?: string };
  outcome = { ok: false, runtime, error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.alert ? { alert: e.alert } : {}) } };
} finally {
  await sql.end({ timeout: 1 }).catch(() => undefined);
}
console.log(JSON.stringify(outcome!));
