// 0-RTT anti-replay (RFC 8446 §8): every ticket opens early data at most once. Early data is not
// protected against replay by the handshake itself, so the server must remember which tickets
// already opened it, and that memory must be shared by every server that can open the same
// tickets (the same ticket keys): a ClientHello replayed to another server of the fleet, or to
// this server after its configuration changed, must find the ticket already claimed.

/**
 * Where the tickets that opened early data are remembered. `claim` answers true exactly once per
 * id until `expiresAt` (milliseconds since the epoch: the ticket's end of life plus the clock skew
 * tolerated between servers, SESSION_CLOCK_SKEW_MS, by the claiming server's clock); it may answer
 * asynchronously (a shared store across processes). Anything but `true` (false, a rejection, an
 * answer that never comes within the handshake's time) refuses the early data: the handshake goes
 * on without it (RFC 8446 §4.2.10), it never accepts.
 */
export interface AntiReplayStore {
  claim(id: Uint8Array, expiresAt: number, now: number): boolean | Promise<boolean>;
}

/**
 * The in-memory store: one process only. A bounded memory of claimed tickets; when it is full
 * (of tickets still alive), early data is refused.
 */
export class MemoryAntiReplayStore implements AntiReplayStore {
  private readonly used = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time a ticket (by digest) is presented before `expiresAt`; false on a replay or when full. */
  claim(digest: Uint8Array, expiresAt: number, now: number): boolean {
    const key = String.fromCharCode(...digest);
    const previous = this.used.get(key);
    if (previous !== undefined && previous > now) return false;
    if (this.used.size >= this.capacity) {
      for (const [k, expiry] of this.used) if (expiry <= now) this.used.delete(k);
      if (this.used.size >= this.capacity) return false;
    }
    this.used.set(key, expiresAt);
    return true;
  }

  get size(): number {
    return this.used.size;
  }
}

/** The former name of the in-memory store. */
export const SingleUseTickets = MemoryAntiReplayStore;
export type SingleUseTickets = MemoryAntiReplayStore;

/** RFC 8446 §8.3: the client's idea of the ticket's age and ours may differ by at most this much. */
export const MAX_TICKET_AGE_SKEW_MS = 10_000;
