// A deterministic provider for tests that replay recorded handshakes (RFC 8448 traces): every
// random byte and every ephemeral private key comes from a recorded pool, in the order drawn, and
// signatures that are randomised (RSA-PSS) are served from a recording. Everything else is the
// wrapped provider's real computation. Never for production use: it is predictable by design.
import { equalBytes } from '../../wire/bytes.js';
import type { Aead, AeadName, CryptoProvider, GroupName, HashContext, HashName, KeyShare, PrivateKey, PublicKey, SignatureAlgorithm } from '../provider.js';
import type { Secret } from '../secret.js';

/** A signature made once over `message`, to be returned when the same message is signed again. */
export interface RecordedSignature {
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export interface ReplayRecording {
  /** The bytes the recorded side drew, in order: randomBytes() and key share private keys. */
  readonly pool: Uint8Array;
  readonly signatures?: readonly RecordedSignature[];
}

// Size of a private key drawn for a group: the X25519 and X448 scalars (RFC 7748 §5) and the SEC1 private
// scalar of each curve (the byte length of its order). Hybrid KEM groups are not replayable here.
const privateKeyLength: Partial<Record<GroupName, number>> = { x25519: 32, x448: 56, secp256r1: 32, secp384r1: 48, secp521r1: 66 };

export class ReplayCryptoProvider implements CryptoProvider {
  readonly name: string;
  private drawn = 0;

  constructor(
    private readonly inner: CryptoProvider,
    private readonly recording: ReplayRecording,
  ) {
    this.name = `replay(${inner.name})`;
  }

  /** Pool bytes not drawn yet: a test can assert the side drew exactly what was recorded. */
  get remaining(): number {
    return this.recording.pool.length - this.drawn;
  }

  private draw(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      throw new Error(`replay pool exhausted: ${what} needs ${length} bytes, ${this.remaining} left`);
    }
    const bytes = this.recording.pool.slice(this.drawn, this.drawn + length);
    this.drawn += length;
    return bytes;
  }

  randomBytes(length: number): Uint8Array {
    return this.draw(length, 'randomBytes');
  }

  generateKeyShare(group: GroupName): KeyShare {
    const length = privateKeyLength[group];
    if (length === undefined) throw new Error(`replay provider cannot replay key shares for ${group}`);
    return this.inner.keyShareFromPrivate(group, this.draw(length, `${group} private key`));
  }

  keyShareFromPrivate(group: GroupName, privateKey: Uint8Array): KeyShare {
    return this.inner.keyShareFromPrivate(group, privateKey);
  }

  supportsGroup(group: GroupName): boolean {
    return privateKeyLength[group] !== undefined && this.inner.supportsGroup(group);
  }

  sign(_key: PrivateKey, _algorithm: SignatureAlgorithm, message: Uint8Array): Uint8Array {
    // RSA-PSS draws a salt inside the signer: only a recorded signature reproduces a trace.
    const recorded = this.recording.signatures?.find((s) => equalBytes(s.message, message));
    if (!recorded) throw new Error('replay provider has no recorded signature for this input (the transcript differs from the recording)');
    return recorded.signature.slice();
  }

  // Everything below is the wrapped provider's.

  hash(name: HashName, data: Uint8Array): Uint8Array {
    return this.inner.hash(name, data);
  }

  createHash(name: HashName): HashContext {
    return this.inner.createHash(name);
  }

  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    return this.inner.hmac(name, key, data);
  }

  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Secret {
    return this.inner.hkdfExtract(name, salt, ikm);
  }

  hkdfExpand(name: HashName, prk: Secret, info: Uint8Array, length: number): Secret {
    return this.inner.hkdfExpand(name, prk, info, length);
  }

  createAead(name: AeadName, key: Secret): Aead {
    return this.inner.createAead(name, key);
  }

  importPublicKey(spki: Uint8Array): PublicKey {
    return this.inner.importPublicKey(spki);
  }

  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    return this.inner.importPrivateKey(key, passphrase);
  }

  verify(key: PublicKey, algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean {
    return this.inner.verify(key, algorithm, message, signature);
  }

  rsaEncryptPkcs1(key: PublicKey, message: Uint8Array): Uint8Array {
    // PKCS#1 v1.5 encryption pads with random bytes the wrapped provider draws: not replayable.
    return this.inner.rsaEncryptPkcs1(key, message);
  }

  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array {
    return this.inner.rsaDecryptRaw(key, ciphertext);
  }
}
