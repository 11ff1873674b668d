// bench/edge.ts's client as a Worker in workerd: POST the request, get the rows. tlskit over
// connect(); Workers' own TLS is connect() with secureTransport 'on' (workerd's network service
// is told to trust the bench CA in bench/edge.ts's config, which Cloudflare's does not offer).
// @ts-expect-error: a Workers built-in module, resolved by workerd at run time
import { connect } from 'cloudflare:sockets';
import { CHACHA, benchOne, tlskitOpener, type EdgeBenchRequest, type EdgeBenchRow } from './edge-client.js';

type Connect = (
  a: { hostname: string; port: number },
  o?: { secureTransport?: string },
) => { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } & { opened: Promise<unknown>; close(): Promise<void> };
const workersConnect = connect as Connect;

export default {
  async fetch(request: Request): Promise<Response> {
    const body = (await request.json()) as EdgeBenchRequest;
    const rows: EdgeBenchRow[] = [
      await benchOne('tlskit (portable)', tlskitOpener(workersConnect as never), body),
      await benchOne('tlskit (portable), ChaCha20 only', tlskitOpener(workersConnect as never, CHACHA), body),
    ];
    rows.push(
      await benchOne(
        'Workers connect() secureTransport on (BoringSSL)',
        async (port) => {
          const s = workersConnect({ hostname: 'localhost', port }, { secureTransport: 'on' });
          await s.opened;
          return { readable: s.readable, writable: s.writable, close: () => s.close() };
        },
        body,
      ),
    );
    return new Response(JSON.stringify({ runtime: 'workerd', rows }), { headers: { 'content-type': 'application/json' } });
  },
};
