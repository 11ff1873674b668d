// Types for relay.mjs (a runnable example in plain JavaScript).
export interface RelayTarget {
  readonly host: string;
  /** A port number, or '*' for every port. */
  readonly port: string;
}

export interface RelayOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where to listen; default 127.0.0.1. */
  host?: string;
  /** Targets the relay may connect to; default every port on 127.0.0.1. */
  allow?: readonly RelayTarget[];
  log?: (line: string) => void;
  connectTimeoutMs?: number;
}

export interface Relay {
  readonly port: number;
  /** ws://host:port/ — add ?host=...&port=... for the target. */
  readonly url: string;
  close(): Promise<void>;
}

export function startRelay(options?: RelayOptions): Promise<Relay>;
