// The same query from Deno or Bun (test/edge/runtimes.test.ts): the EdgeRequest as JSON in the
// first argument, the EdgeOutcome as JSON on stdout. TCP from Deno.connect or Bun.connect
// (connectTls picks the runtime's), TLS from tlskit.
import { edgeQuery, type EdgeRequest } from './edge-query.js';

const g = globalThis as { Deno?: { args: string[] }; Bun?: unknown; process?: { argv: string[] } };
const runtime = g.Deno ? 'deno' : g.Bun ? 'bun' : 'unknown';
const arg = g.Deno ? g.Deno.args[0] : g.process?.argv[2];
const outcome = await edgeQuery(JSON.parse(arg ?? '{}') as EdgeRequest, runtime);
console.log(JSON.stringify(outcome));
