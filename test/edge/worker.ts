// A Cloudflare Worker (run by workerd in test/edge/workerd.test.ts): POST an EdgeRequest as JSON,
// get the EdgeOutcome. TCP comes from cloudflare:sockets' connect(), TLS from tlskit.
// @ts-expect-error: a Workers built-in module, resolved by workerd at run time
import { connect } from 'cloudflare:sockets';
import { edgeQuery, type EdgeRequest } from './edge-query.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const body = (await request.json()) as EdgeRequest;
    const outcome = await edgeQuery(body, 'workerd', connect as never);
    return new Response(JSON.stringify(outcome), { headers: { 'content-type': 'application/json' } });
  },
};
