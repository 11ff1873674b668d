// Real TLS peers (openssl, gnutls, node:tls) as child processes on 127.0.0.1, for interop tests.
// Every wait here is bounded: a peer that hangs, dies or never listens fails the test with its
// command line and stderr, never stalls it. Tests kill their peers in a `finally`.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { runtimePath } from './runtimes.js';

/** Default bound for one step (a handshake, a transfer, a process exit). */
export const STEP_TIMEOUT_MS = 10_000;

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const MiB = 1024 * 1024;

/** `size` random bytes. */
export function randomPayload(size = MiB): Buffer {
  return randomBytes(size);
}

/**
 * `size` random bytes as base64 in 76-character lines: for peers that treat data as text
 * (gnutls-serv --echo stops at NUL bytes and reads lines as commands).
 */
export function randomTextPayload(size = MiB): Buffer {
  const b64 = randomBytes(size).toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < b64.length; at += 76) lines.push(b64.slice(at, at + 76));
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}

/** Bytes received from somewhere, and a bounded wait until enough have arrived. */
export interface Sink {
  readonly what: string;
  readonly length: number;
  /** Resolves once at least `n` bytes arrived; rejects at the timeout or when no more can come. */
  atLeast(n: number, ms?: number): Promise<void>;
  bytes(): Buffer;
  text(): string;
}

/** Collects bytes and lets callers wait, bounded, until enough have arrived. */
export class ByteSink implements Sink {
  private chunks: Buffer[] = [];
  private total = 0;
  private closedBecause: string | undefined;
  private waiters: { n: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(readonly what: string) {}

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    this.waiters = this.waiters.filter((w) => {
      if (this.total < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** No more bytes will come: pending waits fail now instead of at their timeout. */
  close(reason: string): void {
    this.closedBecause ??= reason;
    for (const w of this.waiters) w.reject(this.shortError(w.n));
    this.waiters = [];
  }

  private shortError(n: number): Error {
    return new Error(`${this.what}: got ${this.total} of ${n} bytes, then ${this.closedBecause}`);
  }

  /** Resolves once at least `n` bytes arrived. */
  atLeast(n: number, ms = STEP_TIMEOUT_MS): Promise<void> {
    if (this.total >= n) return Promise.resolve();
    if (this.closedBecause !== undefined) return Promise.reject(this.shortError(n));
    const wait = new Promise<void>((resolve, reject) => this.waiters.push({ n, resolve, reject }));
    return withTimeout(wait, ms, `${this.what}: waiting for ${n} bytes (have ${this.total})`).catch((err: Error) => {
      throw new Error(`${err.message} (have ${this.total})`);
    });
  }

  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }
}

/** Everything `stream` emits, in a sink that closes when the stream ends or fails. */
export function collect(stream: Readable, what: string): ByteSink {
  const sink = new ByteSink(what);
  stream.on('data', (chunk: Buffer) => sink.push(chunk));
  stream.once('end', () => sink.close('the stream ended'));
  stream.once('error', (err: Error) => sink.close(`the stream failed: ${err.message}`));
  stream.once('close', () => sink.close('the stream closed'));
  return sink;
}

/** Writes `data` and waits until the stream accepted all of it. */
export function writeAll(stream: Writable, data: Uint8Array, what: string, ms = STEP_TIMEOUT_MS): Promise<void> {
  const written = new Promise<void>((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
  return withTimeout(written, ms, what);
}

/** The first `event` from `emitter`; an 'error' first rejects. */
export function once<T extends unknown[] = unknown[]>(emitter: NodeJS.EventEmitter, event: string, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let cleanup = (): void => {};
  const fired = new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      cleanup();
      resolve(args as T);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`closed before '${event}'`));
    };
    cleanup = () => {
      emitter.off(event, onEvent);
      emitter.off('error', onError);
      emitter.off('close', onClose);
    };
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
    if (event !== 'close') emitter.on('close', onClose);
  });
  return withTimeout(fired, ms, what).finally(() => cleanup());
}

/** A port that was free a moment ago on 127.0.0.1 (for peers that cannot listen on port 0). */
export function freePort(): Promise<number> {
  const found = new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  return withTimeout(found, STEP_TIMEOUT_MS, 'finding a free port');
}

/**
 * A peer's output written straight to a file, for peers that write it a byte per system call
 * (gnutls-cli): through a pipe into this process, that costs an event per byte.
 */
class FileSink implements Sink {
  constructor(
    readonly what: string,
    private readonly path: string,
    private readonly ended: () => string | undefined,
  ) {}

  get length(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  async atLeast(n: number, ms = STEP_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const length = this.length;
      if (length >= n) return;
      const ended = this.ended();
      // One more look after the writer ended: its last bytes may have landed meanwhile.
      if (ended !== undefined && this.length < n) throw new Error(`${this.what}: got ${this.length} of ${n} bytes, then ${ended}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${this.what}: waiting for ${n} bytes (have ${length})`);
      await sleep(20);
    }
  }

  bytes(): Buffer {
    return readFileSync(this.path);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

const STDERR_KEEP = 64 * 1024;

/** A spawned peer: stdin to write, stdout collected, stderr kept (its tail) for diagnostics. */
export class PeerProcess {
  readonly child: ChildProcess;
  readonly stdout: Sink;
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private stderr = '';

  private readonly stderrFile: string | undefined;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: readonly string[],
    options: {
      env?: NodeJS.ProcessEnv;
      /** Send stdout to this file instead of a pipe (see FileSink). */
      stdoutFile?: string;
      /**
       * Send stderr to this file instead of a pipe: node:tls enableTrace writes OpenSSL's trace to
       * fd 2 with C stdio, which drops text when fd 2 is a pipe libuv made non-blocking.
       */
      stderrFile?: string;
    } = {},
  ) {
    const stdoutFd = options.stdoutFile !== undefined ? openSync(options.stdoutFile, 'w') : undefined;
    const stderrFd = options.stderrFile !== undefined ? openSync(options.stderrFile, 'w') : undefined;
    this.stderrFile = options.stderrFile;
    try {
      this.child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', stdoutFd ?? 'pipe', stderrFd ?? 'pipe'] });
    } finally {
      // The child has its own copies.
      if (stdoutFd !== undefined) closeSync(stdoutFd);
      if (stderrFd !== undefined) closeSync(stderrFd);
    }
    const pipeSink = new ByteSink(`${name} stdout`);
    this.stdout =
      options.stdoutFile !== undefined
        ? new FileSink(`${name} stdout`, options.stdoutFile, () => (this.status ? `${name} exited (${this.describeStatus()})` : undefined))
        : pipeSink;
    this.child.stdout?.on('data', (chunk: Buffer) => pipeSink.push(chunk));
    this.child.stderr?.setEncoding('latin1');
    this.child.stderr?.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEEP);
    });
    // A peer that exits early must fail our writes, not crash the test process with EPIPE.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.status ??= { code: null, signal: null, error };
        pipeSink.close(`${name} could not start: ${error.message}`);
        resolve(this.status);
      });
      this.child.once('close', (code, signal) => {
        this.status ??= { code, signal };
        pipeSink.close(`${name} exited (${this.describeStatus()})`);
        resolve(this.status);
      });
    });
  }

  get hasExited(): boolean {
    return this.status !== undefined;
  }

  /** The end of what the peer wrote to stderr (all of it with stderrFile). */
  get stderrText(): string {
    if (this.stderrFile === undefined) return this.stderr;
    try {
      return readFileSync(this.stderrFile, 'latin1');
    } catch {
      return '';
    }
  }

  private describeStatus(): string {
    const s = this.status;
    if (!s) return 'running';
    if (s.error) return `spawn error: ${s.error.message}`;
    return s.signal ? `signal ${s.signal}` : `exit code ${s.code}`;
  }

  /** The command line, its status and the end of its stderr: for failure messages. */
  describe(): string {
    const tail = this.stderrText.slice(-2000).trimEnd();
    return `${this.name} [${this.describeStatus()}]: ${this.command} ${this.args.join(' ')}${tail ? `\n--- stderr (end) ---\n${tail}` : ''}`;
  }

  /** Writes to the peer's stdin (not closing it), bounded. */
  write(data: Uint8Array, ms = STEP_TIMEOUT_MS): Promise<void> {
    return writeAll(this.child.stdin!, data, `writing ${data.length} bytes to ${this.name}'s stdin`, ms);
  }

  /** Closes the peer's stdin and waits for it to exit by itself: false if it did not in time. */
  async finish(ms = STEP_TIMEOUT_MS): Promise<boolean> {
    this.child.stdin!.end();
    return withTimeout(this.exited, ms, `${this.name} to exit`).then(
      () => true,
      () => false,
    );
  }

  /** Ends the peer: SIGTERM, then SIGKILL if it lingers. Never throws, never waits unbounded. */
  async kill(): Promise<ExitStatus | undefined> {
    if (this.status) return this.status;
    this.child.stdin!.destroy();
    this.child.kill('SIGTERM');
    const term = await withTimeout(this.exited, 2_000, `${this.name} to exit on SIGTERM`).catch(() => undefined);
    if (term) return term;
    this.child.kill('SIGKILL');
    return withTimeout(this.exited, 2_000, `${this.name} to exit on SIGKILL`).catch(() => undefined);
  }
}

/**
 * Polls until something accepts TCP connections on 127.0.0.1:`port`, a bounded number of times;
 * fails early when the peer exits. The probe connects and closes: servers see a failed handshake.
 */
export async function waitForPort(port: number, peer: PeerProcess, attempts = 100, intervalMs = 50): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (peer.hasExited) throw new Error(`${peer.name} exited before listening on port ${port}\n${peer.describe()}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      const timer = setTimeout(() => done(false), 1_000);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (connected) return;
    await sleep(intervalMs);
  }
  throw new Error(`${peer.name} did not listen on port ${port} after ${attempts} attempts\n${peer.describe()}`);
}

/** Polls `check` every 20 ms until it holds; fails after `ms` with `what` and `explain()`. */
export async function until(check: () => boolean, what: string, ms = STEP_TIMEOUT_MS, explain: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}${explain() ? `\n${explain()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a server peer on a free port and waits until it listens: by probing its port, or, with
 * `ready`, until what it printed says so (a probe is a connection the peer sees and may stumble
 * on: interactive `openssl s_server -early_data` reads early data from it). A port taken between
 * our check and the peer's bind (another test got it) is retried with a fresh port, a few times.
 */
export async function startServerPeer(
  start: (port: number) => PeerProcess,
  options: { ready?: (peer: PeerProcess) => boolean; attempts?: number } = {},
): Promise<{ peer: PeerProcess; port: number }> {
  const { ready, attempts = 3 } = options;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    const peer = start(port);
    try {
      if (ready) {
        await until(() => ready(peer) || peer.hasExited, `${peer.name} to listen on port ${port}`);
        if (!ready(peer)) throw new Error(`${peer.name} exited before listening on port ${port}\n${peer.describe()}`);
      } else {
        await waitForPort(port, peer);
      }
      return { peer, port };
    } catch (err) {
      lastError = err;
      await peer.kill();
      if (!/address already in use|EADDRINUSE|bind/i.test(peer.stderrText)) break;
    }
  }
  throw lastError;
}

// ---- which peers exist here ----

/** Whether `command` is on PATH. */
export function hasCommand(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/**
 * Why a peer cannot run here, or undefined when it can. CI sets TLSKIT_INTEROP_REQUIRE_PEERS=1 so
 * that a missing peer fails the run instead of skipping its cells.
 */
export function missingPeerReason(available: boolean, reason: string): string | undefined {
  if (available) return undefined;
  if (process.env.TLSKIT_INTEROP_REQUIRE_PEERS === '1') throw new Error(`interop peer required but missing: ${reason}`);
  return reason;
}

function nodeMajor(binary: string): number | undefined {
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 }).trim();
    const m = /^v(\d+)\./.exec(version);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

let nodeBinaries: Map<number, string> | undefined;

/**
 * A Node.js binary of the given major version: the one running the tests, the one running npm,
 * any `node` on PATH, or the Node 24 that `npm run setup:runtimes` installs (./runtimes.ts).
 * TLSKIT_NODE<major> names one explicitly.
 */
export function nodeBinary(major: number): string | undefined {
  const explicit = process.env[`TLSKIT_NODE${major}`];
  if (explicit) return explicit;
  if (!nodeBinaries) {
    const candidates = [
      process.execPath,
      process.env.npm_node_execpath,
      ...(process.env.PATH ?? '')
        .split(delimiter)
        .filter((d) => d !== '')
        .map((d) => join(d, 'node')),
      '/usr/bin/node',
      '/usr/local/bin/node',
      runtimePath('node24'),
    ];
    nodeBinaries = new Map();
    for (const c of new Set(candidates)) {
      if (!c || !existsSync(c)) continue;
      const m = nodeMajor(c);
      if (m !== undefined && !nodeBinaries.has(m)) nodeBinaries.set(m, c);
    }
  }
  return nodeBinaries.get(major);
}
