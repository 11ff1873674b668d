// Messages between the orchestrator (run.ts) and its worker processes (worker.ts), over the IPC
// channel. The orchestrator tells the client worker when to run each step (so that the rows of a
// scenario take turns); the client reaches the server worker through the orchestrator.
import type { BenchCertificates } from './certs.js';
import type { Row } from './scenarios.js';

export interface WorkerConfig {
  readonly role: 'server' | 'client';
  readonly row: Row;
  readonly certs: BenchCertificates;
  /** The server's port (client only). */
  readonly port?: number;
  readonly bulkBytes: number;
  /** Application write size for bulk transfers. */
  readonly writeBytes: number;
  readonly hsSeconds: number;
  readonly echoCount: number;
  readonly memConnections: number;
  /** At most this long, a memory reading waits for V8 to give back the young generation it grew. */
  readonly memIdleSeconds: number;
}

export interface Runtime {
  readonly node: string;
  readonly openssl: string;
  readonly execPath: string;
}

/** Server-side operations the client asks for around each measurement. */
export type ServerOp =
  | 'begin' // start counting CPU time and connections
  | 'end' // -> ServerWindow
  | 'baseline' // memory rows: collect garbage, note the resident size
  | 'measure'; // memory rows: -> MemoryReading once `arg` connections are established

export interface ServerWindow {
  readonly cpuMs: number;
  readonly handshakes: number;
}

export interface MemoryReading {
  readonly connections: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
}

/** One repetition's result, as the client worker reports it. */
export interface Sample {
  readonly value: number;
  /** CPU of each process per unit of work (metric-specific, see run.ts cpuUnits). */
  readonly clientCpu?: number;
  readonly serverCpu?: number;
  readonly detail?: Readonly<Record<string, number>>;
}

export type FromWorker =
  | { readonly t: 'listening'; readonly port: number; readonly runtime: Runtime }
  | { readonly t: 'rpc'; readonly id: number; readonly op: ServerOp; readonly arg?: number }
  | { readonly t: 'rpc-reply'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly t: 'ready' } // the client process is up: send it steps
  | { readonly t: 'warm' } // the probe handshake and warm-up are done
  | { readonly t: 'sample'; readonly sample: Sample }
  | { readonly t: 'fail'; readonly stage: string; readonly error: string };

export type ToWorker =
  | { readonly t: 'rpc'; readonly id: number; readonly op: ServerOp; readonly arg?: number }
  | { readonly t: 'rpc-reply'; readonly id: number; readonly result?: unknown; readonly error?: string }
  /** To the client: run the probe handshake and warm-up, or measured repetition n. */
  | { readonly t: 'go'; readonly step: 'warmup' | number }
  | { readonly t: 'exit' };
