// RFC 8446 §4.4.1: the transcript hash over the handshake messages as sent. The hash function is
// known only once the cipher suite is, so messages before that are held and hashed when it is set.
import type { CryptoProvider, HashContext, HashName } from '../crypto/provider.js';
import { HandshakeType } from '../protocol/constants.js';

export class Transcript {
  private context: HashContext | undefined;
  private held: Uint8Array[] | undefined = [];
  /**
   * TLS 1.2 CertificateVerify signs the messages themselves (RFC 5246 §7.4.8), with a hash that
   * may differ from the PRF's: the messages are kept (as references) until released.
   */
  private kept: Uint8Array[] | undefined = [];
  private hashName: HashName | undefined;

  constructor(private readonly provider: CryptoProvider) {}

  get hash(): HashName | undefined {
    return this.hashName;
  }

  setHash(name: HashName): void {
    if (this.hashName === name) return;
    if (this.context) throw new Error('transcript hash already chosen');
    this.hashName = name;
    this.context = this.provider.createHash(name);
    for (const m of this.held ?? []) this.context.update(m);
    this.held = undefined;
  }

  get messages(): readonly Uint8Array[] {
    if (!this.kept) throw new Error('transcript messages were not kept');
    return this.kept;
  }

  /** No CertificateVerify over the raw messages is coming: stop keeping them. */
  releaseMessages(): void {
    this.kept = undefined;
  }

  add(raw: Uint8Array): void {
    if (this.context) this.context.update(raw);
    else this.held!.push(raw);
    this.kept?.push(raw);
  }

  /** Transcript-Hash of everything added so far. */
  current(): Uint8Array {
    if (!this.context) throw new Error('transcript hash not chosen yet');
    return this.context.peek();
  }

  /**
   * The hash of the transcript followed by `extra`, without adding it (PSK binders hash a partial
   * ClientHello, RFC 8446 §4.2.11.2). Before the hash is chosen, `name` says which to use.
   */
  hashWith(extra: Uint8Array, name: HashName): Uint8Array {
    if (this.context) {
      if (name !== this.hashName) throw new Error(`transcript uses ${this.hashName}, not ${name}`);
      const fork = this.context.clone();
      fork.update(extra);
      return fork.peek();
    }
    const h = this.provider.createHash(name);
    for (const m of this.held ?? []) h.update(m);
    h.update(extra);
    return h.peek();
  }

  /** An independent copy from this point on (post-handshake authentication, RFC 8446 §4.4.1). */
  fork(): Transcript {
    if (!this.context) throw new Error('transcript hash not chosen yet');
    const copy = new Transcript(this.provider);
    copy.hashName = this.hashName;
    copy.context = this.context.clone();
    copy.held = undefined;
    copy.kept = undefined;
    return copy;
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, the first ClientHello is replaced by a synthetic
   * message_hash message holding its hash.
   */
  replaceWithMessageHash(): void {
    const hash = this.current();
    this.context = this.provider.createHash(this.hashName!);
    const header = Uint8Array.of(HandshakeType.message_hash, 0, 0, hash.length);
    this.context.update(header);
    this.context.update(hash);
    if (this.kept) this.kept = [header, hash];
  }
}
