// A Worker running porsager's `postgres` (its workerd build) or `pg` over tlskit: postgresSocket with
// cloudflare:sockets' connect. Needs Node compatibility in workerd (the driver imports node:os,
// node:crypto, ...: the default from compatibility date 2026-08-04); tlskit itself does not.
// @ts-expect-error: a Workers built-in module, resolved by workerd at run time
import { connect } from 'cloudflare:sockets';
import { Buffer } from 'node:buffer';
import type { EdgeRequest } from './edge-query.js';
import { driverQuery } from './postgres-driver.js';
import { pgQuery } from './pg-driver.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const body = (await request.json()) as EdgeRequest & { driver?: 'pg' | 'postgres' };
    const extra = { connect: connect as never, Buffer };
    const outcome = body.driver === 'pg' ? await pgQuery(body, 'workerd', extra) : await driverQuery(body, 'workerd', extra);
    return new Response(JSON.stringify(outcome), { headers: { 'content-type': 'application/json' } });
  },
};
