// Key material as a type (STYLE.md "Crypto and secrets"): it cannot be printed, serialised or
// inspected; expose() is the one greppable way to reach the bytes.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  #bytes: Uint8Array;
  #wiped = false;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** The raw bytes, for the crypto provider and the opt-in key log only. */
  expose(): Uint8Array {
    if (this.#wiped) throw new Error('secret used after it was wiped');
    return this.#bytes;
  }

  /** Overwrites the bytes with zeros (best effort: the runtime may hold other copies). */
  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  toString(): string {
    return `[Secret ${this.#bytes.length} bytes]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}
