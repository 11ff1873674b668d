// The edge query in a page (test/edge/chromium.test.ts, bundled by `bun build`): TCP is a
// WebSocket to the relay (examples/websocket-relay/), which connects to the host and port asked.
import { webSocketTransport } from '../../src/web/websocket.js';
import { edgeQuery, type EdgeOutcome, type EdgeRequest } from './edge-query.js';

export function run(request: EdgeRequest, relayUrl: string): Promise<EdgeOutcome> {
  return edgeQuery(request, 'chromium', ({ hostname, port }) => webSocketTransport(`${relayUrl}?host=${encodeURIComponent(hostname)}&port=${port}`));
}
