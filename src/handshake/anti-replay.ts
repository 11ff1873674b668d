// 0-RTT anti-replay (RFC 8446 §8): every ticket opens early data at most once. A bounded memory
// of used tickets; when it is full, early data is refused (the handshake itself still proceeds).

export class SingleUseTickets {
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

/** RFC 8446 §8.3: the client's idea of the ticket's age and ours may differ by at most this much. */
export const MAX_TICKET_AGE_SKEW_MS = 10_000;
