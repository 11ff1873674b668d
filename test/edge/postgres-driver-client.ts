// porsager's `postgres` or `pg` (driver: 'pg') in Deno or Bun over tlskit, run from dist (node_modules resolution) by
// test/edge/postgres-edge.test.ts: EdgeRequest JSON in the first argument, the outcome as JSON on
// stdout. TCP from Deno.connect or Bun.connect.
import type { EdgeRequest } from './edge-query.js';
import { driverQuery } from './postgres-driver.js';
import { pgQuery } from './pg-driver.js';

const g = globalThis as { Deno?: { args: string[] }; Bun?: unknown; process?: { argv: string[] } };
const request = JSON.parse((g.Deno ? g.Deno.args[0] : g.process?.argv[2]) ?? '{}') as EdgeRequest & { driver?: 'pg' | 'postgres' };
const runtime = g.Deno ? 'deno' : g.Bun ? 'bun' : 'unknown';
console.log(JSON.stringify(request.driver === 'pg' ? await pgQuery(request, runtime) : await driverQuery(request, runtime)));
