// Server-side session tickets (RFC 5077 §4's recommended construction, with an AEAD): a ticket is
// key_name(16) || nonce(12) || AEAD(state) || tag, so any server holding the keys can resume it.
// Keys rotate: new tickets use the current key; tickets under recent keys are still accepted.
import type { CryptoProvider } from '../crypto/provider.js';
import { Secret } from '../crypto/secret.js';
import { concat, constantTimeEqual, utf8 } from '../wire/bytes.js';

const NAME_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** node's ticket key format: a 16-byte name and 32 bytes of key material. */
const MATERIAL_LENGTH = 48;

interface TicketKey {
  readonly name: Uint8Array;
  readonly key: Secret;
  /** The 48 bytes the key was made from (node's ticket key format): what getTicketKeys() gives. */
  readonly material: Secret;
  readonly createdAt: number;
}

/**
 * The current ticket keys, newest first, asked for at every seal and open: keys that change over
 * time (a fleet's shared keys, rotated elsewhere). Must answer synchronously from what it holds.
 */
export type TicketKeySource = () => readonly Uint8Array[];

/** Keys derived from a source's material, kept so that each is derived once. */
const MAX_DERIVED_SOURCE_KEYS = 16;

export interface TicketKeyringOptions {
  /**
   * Application-supplied keys, e.g. shared by several servers: 48 bytes each, like node:tls's
   * `ticketKeys` (16-byte name, 32 bytes of key material). The first one issues new tickets.
   * Without them, random keys are made here and rotated every `rotationSeconds`. A function is
   * asked for the current list each time (an empty list: this keyring's own random key serves).
   */
  readonly keys?: readonly Uint8Array[] | TicketKeySource;
  readonly rotationSeconds?: number;
  /** How many retired keys still open tickets. */
  readonly retainedKeys?: number;
}

export class TicketKeyring {
  private keys: TicketKey[];
  private supplied: boolean;
  private readonly rotationMs: number;
  private readonly retained: number;
  private source: TicketKeySource | undefined;
  private sourceList: readonly Uint8Array[] | undefined;
  private readonly derived = new Map<string, TicketKey>();
  /** With a source: our own random keys (rotating), which serve whenever the source gives none. */
  private own: TicketKey[] = [];

  constructor(
    private readonly provider: CryptoProvider,
    options: TicketKeyringOptions = {},
    now = Date.now(),
  ) {
    this.rotationMs = (options.rotationSeconds ?? 12 * 3600) * 1000;
    this.retained = options.retainedKeys ?? 2;
    const keys = options.keys;
    this.source = typeof keys === 'function' ? keys : undefined;
    this.supplied = this.source !== undefined || (keys?.length ?? 0) > 0;
    this.keys = this.supplied && !this.source ? (keys as readonly Uint8Array[]).map((k) => this.fromMaterial(k, now)) : [this.randomKey(now)];
    if (this.source) this.own = this.keys;
  }

  /**
   * With a source: the keys it gives now (derived once each); its first one seals. When it gives
   * none (nothing shared yet, or its keys went stale and were withdrawn), our own random keys serve
   * again, rotating as without a source: keys the source no longer gives never open or seal here.
   */
  private refreshFromSource(now: number): void {
    const list = this.source!();
    if (list.length === 0) {
      this.sourceList = list;
      if (now - this.own[0]!.createdAt >= this.rotationMs) this.own = [this.randomKey(now), ...this.own].slice(0, 1 + this.retained);
      this.keys = this.own;
      return;
    }
    if (list === this.sourceList) return;
    this.sourceList = list;
    if (this.derived.size > MAX_DERIVED_SOURCE_KEYS) this.derived.clear();
    this.keys = list.map((material) => {
      const id = String.fromCharCode(...material);
      let key = this.derived.get(id);
      if (!key) this.derived.set(id, (key = this.fromMaterial(material, now)));
      return key;
    });
  }

  private fromMaterial(material: Uint8Array, now: number): TicketKey {
    if (material.length !== MATERIAL_LENGTH) throw new TypeError('ticket keys must be 48 bytes each');
    // The 32 key bytes go through HKDF so that any well-mixed input makes a proper AEAD key.
    const prk = this.provider.hkdfExtract('sha256', utf8('tlskit ticket key'), material.subarray(NAME_LENGTH));
    const key = this.provider.hkdfExpand('sha256', prk, utf8('aes-256-gcm'), 32);
    prk.wipe();
    return { name: material.slice(0, NAME_LENGTH), key, material: new Secret(material.slice()), createdAt: now };
  }

  private randomKey(now: number): TicketKey {
    return this.fromMaterial(this.provider.randomBytes(MATERIAL_LENGTH), now);
  }

  /**
   * The key new tickets are sealed with, as the 48 bytes it was made from (node's getTicketKeys()):
   * given to another keyring, it opens this one's tickets.
   */
  currentKeyMaterial(now = Date.now()): Uint8Array {
    this.rotate(now);
    return this.keys[0]!.material.expose().slice();
  }

  /**
   * Replaces every key with `keys` (48 bytes each, newest first; node's setTicketKeys()): from now
   * on only they seal and open, and they do not rotate. Tickets under the keys before no longer open.
   */
  replaceKeys(keys: readonly Uint8Array[], now = Date.now()): void {
    if (keys.length === 0) throw new TypeError('ticket keys: give at least one 48-byte key');
    const replaced = keys.map((k) => this.fromMaterial(k, now));
    this.source = undefined;
    this.sourceList = undefined;
    this.supplied = true;
    this.own = [];
    this.keys = replaced;
  }

  private rotate(now: number): void {
    if (this.source) this.refreshFromSource(now);
    if (this.supplied || now - this.keys[0]!.createdAt < this.rotationMs) return;
    this.keys = [this.randomKey(now), ...this.keys].slice(0, 1 + this.retained);
  }

  seal(state: Uint8Array, now: number): Uint8Array {
    this.rotate(now);
    const current = this.keys[0]!;
    const nonce = this.provider.randomBytes(NONCE_LENGTH);
    const chunks: Uint8Array[] = [current.name, nonce];
    this.provider.createAead('aes-256-gcm', current.key).seal(nonce, current.name, [state], chunks);
    return concat(...chunks);
  }

  /** The state inside a ticket, or undefined if it is not ours, was tampered with, or its key is retired. */
  open(ticket: Uint8Array, now: number): Uint8Array | undefined {
    this.rotate(now);
    if (ticket.length < NAME_LENGTH + NONCE_LENGTH + TAG_LENGTH) return undefined;
    const name = ticket.subarray(0, NAME_LENGTH);
    const key = this.keys.find((k) => constantTimeEqual(k.name, name));
    if (!key) return undefined;
    const nonce = ticket.subarray(NAME_LENGTH, NAME_LENGTH + NONCE_LENGTH);
    const body = ticket.subarray(NAME_LENGTH + NONCE_LENGTH, ticket.length - TAG_LENGTH);
    const tag = ticket.subarray(ticket.length - TAG_LENGTH);
    return this.provider.createAead('aes-256-gcm', key.key).open(nonce, name, body, tag) ?? undefined;
  }
}
