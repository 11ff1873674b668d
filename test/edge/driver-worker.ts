// A Worker running porsager's `postgres` (its workerd build) over tlskit: postgresSocket with
// cloudflare:sockets' connect. Needs Node compatibility in workerd (the driver imports node:os,
// node:crypto, ...: the default from compatibility date 2026-08-04); tlskit itself does not.
// @ts-expect-error: a Workers built-in module, resolved by workerd at run time
import { connect } from 'cloudflare:sockets';
import { Buffer } from 'node:buffer';
import type { EdgeRequest } from './edge-query.js';
import { driverQuery } from './postgres-driver.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const outcome = await driverQuery((await request.json()) as EdgeRequest, 'workerd', { connect: connect as never, Buffer });
    return new Response(JSON.stringify(outcome), { headers: { 'content-type': 'application/json' } });
  },
};
