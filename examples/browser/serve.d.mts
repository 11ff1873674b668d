// Types for serve.mjs (a runnable example in plain JavaScript).
import type { RelayOptions } from '../websocket-relay/relay.mjs';

export interface ExampleServer {
  /** http://127.0.0.1:port/ — the page is at examples/browser/. */
  readonly url: string;
  /** ws://127.0.0.1:port/ of the relay, when one was started. */
  readonly relayUrl: string | undefined;
  close(): Promise<void>;
}

export function startExampleServer(options?: { root?: string; port?: number; relay?: boolean; relayOptions?: RelayOptions }): Promise<ExampleServer>;
