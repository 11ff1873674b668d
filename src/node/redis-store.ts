// Fleets of servers on a shared Redis: 0-RTT anti-replay claims and session ticket keys (with
// rotation) that every process sees alike, so that a ticket from one server resumes on another and
// opens early data once across the fleet (RFC 8446 §8). The engine stays synchronous: claims go
// through its asynchronous-step mechanism, ticket keys are a local snapshot refreshed in the
// background. No Redis package is a dependency: callers pass their own client (ioredis or
// node-redis), which we drive through the one generic command call each offers.
//
// Redis holds the ticket keys, which are secrets (whoever reads them can decrypt every ticket, and
// with it resume as any client): it must be trusted and protected (ACL, TLS, private network).
import { randomBytes } from 'node:crypto';
import type { AntiReplayStore } from '../handshake/anti-replay.js';
import type { TicketKeySource } from '../handshake/tickets.js';

/**
 * The part of a Redis client we use: ioredis's `call(command, ...args)` or node-redis's
 * `sendCommand([command, ...args])`; both resolve with Redis's reply.
 */
export type RedisClientLike = { call(command: string, ...args: string[]): Promise<unknown> } | { sendCommand(args: string[]): Promise<unknown> };

type Command = (args: string[]) => Promise<unknown>;

function commandOf(client: RedisClientLike): Command {
  // ioredis has a sendCommand too, of another shape: its call() comes first.
  if (typeof (client as { call?: unknown }).call === 'function') {
    const c = client as { call(command: string, ...args: string[]): Promise<unknown> };
    return (args) => c.call(args[0]!, ...args.slice(1));
  }
  if (typeof (client as { sendCommand?: unknown }).sendCommand === 'function') {
    const c = client as { sendCommand(args: string[]): Promise<unknown> };
    return (args) => c.sendCommand(args);
  }
  throw new TypeError('a Redis client with call() (ioredis) or sendCommand() (node-redis) is needed');
}

/** The reply, or a rejection once `ms` have passed without one. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis: no answer to ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * A client's error as we report it: its message alone, with any key material we sent cut out. The
 * client's own error object may carry the command it failed on with its arguments (ioredis's
 * ReplyError has `command.args`), which for a ticket key's SET is the key itself: an application
 * logging the error (util.inspect, JSON loggers) would write the fleet's ticket key to its logs.
 */
function publicError(err: unknown, secrets: readonly string[]): Error {
  let message = err instanceof Error ? err.message : String(err);
  for (const secret of secrets) message = message.split(secret).join('[redacted]');
  const error = new Error(message);
  if (err instanceof Error && err.name !== 'Error') error.name = err.name;
  return error;
}

export interface RedisAntiReplayOptions {
  /** Prefix of our Redis keys (default 'tlskit'). */
  readonly prefix?: string;
  /** Milliseconds to wait for Redis before refusing the early data (default 250). */
  readonly timeoutMs?: number;
  /** Told about each claim that failed (Redis down or slow): the early data was refused. */
  readonly onError?: (err: Error) => void;
}

/**
 * 0-RTT anti-replay across processes: a ticket's first claim wins with an atomic
 * `SET key 1 PX ttl NX`, kept until the ticket expires. Redis down, slow (past `timeoutMs`) or
 * answering anything else: the claim fails and the early data is refused; the handshake goes on.
 * A client configured to fail fast while disconnected (ioredis: enableOfflineQueue false) keeps
 * those refusals immediate.
 */
export class RedisAntiReplayStore implements AntiReplayStore {
  private readonly command: Command;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly onError: ((err: Error) => void) | undefined;

  constructor(client: RedisClientLike, options: RedisAntiReplayOptions = {}) {
    this.command = commandOf(client);
    this.prefix = options.prefix ?? 'tlskit';
    this.timeoutMs = options.timeoutMs ?? 250;
    this.onError = options.onError;
  }

  async claim(id: Uint8Array, expiresAt: number, now: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAt - now));
    const key = `${this.prefix}:0rtt:${Buffer.from(id).toString('hex')}`;
    try {
      const reply = await withDeadline(this.command(['SET', key, '1', 'PX', String(ttl), 'NX']), this.timeoutMs, 'an anti-replay claim');
      return reply === 'OK';
    } catch (err) {
      this.onError?.(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }
}

/** What a RedisTicketKeys reports (public facts only, never key material). */
export type RedisTicketKeysEvent =
  /** Keys were loaded; `period` is the current rotation period, `keys` how many open tickets. */
  | { readonly kind: 'loaded'; readonly period: number; readonly keys: number }
  /** Loading failed; `shared` says whether keys loaded earlier are still used (else local ones). */
  | { readonly kind: 'error'; readonly error: Error; readonly shared: boolean };

export interface RedisTicketKeysOptions {
  /** Prefix of our Redis keys (default 'tlskit'). */
  readonly prefix?: string;
  /** A new key issues tickets every this many seconds (default 12 hours). */
  readonly rotationSeconds?: number;
  /** How many earlier periods' keys still open tickets (default 2): the grace window of a rotation. */
  readonly retainedKeys?: number;
  /** Milliseconds between refreshes of the local snapshot (default a quarter period, at most a minute). */
  readonly refreshMs?: number;
  /** Milliseconds to wait for Redis in a refresh (default 1000). */
  readonly timeoutMs?: number;
  readonly onEvent?: (event: RedisTicketKeysEvent) => void;
}

/**
 * Session ticket keys shared through Redis, rotated by period: the key of period p (wall-clock time
 * divided by the rotation period) lives under `<prefix>:ticket-key:<p>`. Whoever needs it first
 * creates it with SET NX, and everyone then reads the winner's, so all processes agree without a
 * leader. Each server seals with the current period's key and opens with it, the next one's (made
 * in advance, for clocks slightly ahead) and `retainedKeys` earlier ones.
 *
 * Pass `ticketKeys` to createServer (with a shared `antiReplay` store when maxEarlyData is set).
 * The engine reads a local snapshot, refreshed every `refreshMs` and at once when a period ends;
 * which of its keys seal and open follows the clock, so a server cut off from Redis retires keys on
 * time and, once it holds no key for the current period, falls back to its own random key.
 * A server that never loaded keys (Redis unreachable from the start) does not invent shared ones:
 * it issues tickets under its own random key, which only it can open, and reports an 'error' event
 * with `shared: false`; once Redis answers, the shared keys take over.
 */
export class RedisTicketKeys {
  private readonly command: Command;
  private readonly prefix: string;
  private readonly rotationMs: number;
  private readonly retained: number;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  private readonly onEvent: ((event: RedisTicketKeysEvent) => void) | undefined;
  /** The keys loaded last, by rotation period. */
  private periodKeys = new Map<number, Uint8Array>();
  private snapshotPeriod: number | undefined;
  /** The list last given to the keyring, and the period it is for (the same array while unchanged). */
  private given: { readonly period: number; readonly keys: readonly Uint8Array[] } | undefined;
  private refreshing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(client: RedisClientLike, options: RedisTicketKeysOptions = {}) {
    this.command = commandOf(client);
    this.prefix = options.prefix ?? 'tlskit';
    const rotationSeconds = options.rotationSeconds ?? 12 * 3600;
    if (!(rotationSeconds > 0)) throw new TypeError('rotationSeconds must be positive');
    this.rotationMs = rotationSeconds * 1000;
    this.retained = options.retainedKeys ?? 2;
    this.refreshMs = options.refreshMs ?? Math.min(this.rotationMs / 4, 60_000);
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.onEvent = options.onEvent;
  }

  /** For createServer's `ticketKeys`: the current keys, newest first (empty until loaded). */
  readonly ticketKeys: TicketKeySource = () => {
    const period = this.periodAt(Date.now());
    // A period ended since the snapshot: fetch the new keys.
    if (this.snapshotPeriod !== undefined && period !== this.snapshotPeriod) void this.refresh();
    if (this.given?.period !== period) this.given = { period, keys: this.keysFor(period) };
    return this.given.keys;
  };

  /**
   * The loaded keys that serve in `period`, by the clock and not by when they were loaded: its own
   * key seals, the next one and `retainedKeys` earlier ones open. Keys are retired on time even
   * while Redis is unreachable; and without the period's own key (Redis away for a whole period)
   * the list is empty, so that the server's own random key serves rather than a retired one.
   */
  private keysFor(period: number): readonly Uint8Array[] {
    const current = this.periodKeys.get(period);
    if (!current) return [];
    const keys = [current];
    for (const p of [period + 1, ...Array.from({ length: this.retained }, (_, i) => period - 1 - i)]) {
      const key = this.periodKeys.get(p);
      if (key) keys.push(key);
    }
    return keys;
  }

  /** Whether keys were loaded from Redis at least once. */
  get loaded(): boolean {
    return this.snapshotPeriod !== undefined;
  }

  /** Loads the keys once (rejects if Redis did not answer), then refreshes them every refreshMs. */
  async start(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.refreshMs);
      this.timer.unref?.();
    }
    await this.refresh();
    if (!this.loaded) throw new Error('redis: the ticket keys could not be loaded');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private periodAt(now: number): number {
    return Math.floor(now / this.rotationMs);
  }

  /** Loads (creating where missing) the keys around the current period; never rejects. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private keyName(period: number): string {
    return `${this.prefix}:ticket-key:${period}`;
  }

  private async load(): Promise<void> {
    const period = this.periodAt(Date.now());
    const sent: string[] = [];
    try {
      // Current and next are made if missing (first writer wins); earlier ones are only read.
      const ttl = String((this.retained + 2) * this.rotationMs);
      for (const p of [period, period + 1]) {
        const material = randomBytes(48).toString('base64');
        sent.push(material);
        await this.run(['SET', this.keyName(p), material, 'PX', ttl, 'NX']);
      }
      const periods = [period, period + 1];
      for (let i = 1; i <= this.retained; i++) periods.push(period - i);
      const values = await this.run(['MGET', ...periods.map((p) => this.keyName(p))]);
      if (!Array.isArray(values) || values.length !== periods.length) throw new Error('redis: unexpected MGET reply');
      const keys = new Map<number, Uint8Array>();
      values.forEach((v, i) => {
        if (typeof v !== 'string') return;
        const material = Buffer.from(v, 'base64');
        if (material.length === 48) keys.set(periods[i]!, new Uint8Array(material));
      });
      if (!keys.has(period)) throw new Error('redis: the current ticket key is missing');
      this.periodKeys = keys;
      this.snapshotPeriod = period;
      this.given = undefined;
      this.onEvent?.({ kind: 'loaded', period, keys: keys.size });
    } catch (err) {
      this.onEvent?.({ kind: 'error', error: publicError(err, sent), shared: this.loaded });
    }
  }

  private run(args: string[]): Promise<unknown> {
    return withDeadline(this.command(args), this.timeoutMs, args[0]!);
  }
}
