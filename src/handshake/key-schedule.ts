// RFC 8446 §7.1: the TLS 1.3 key schedule, one class per stage. Each stage offers only its own
// derivations, and wipes its secret when it moves on to the next.
import type { CryptoProvider, HashName } from '../crypto/provider.js';
import { hashLength } from '../crypto/provider.js';
import { Secret } from '../crypto/secret.js';
import { utf8 } from '../wire/bytes.js';
import { constantTimeEqual } from '../wire/bytes.js';

const labelPrefix = utf8('tls13 ');
const labelCache = new Map<string, Uint8Array>();

function label(name: string): Uint8Array {
  let bytes = labelCache.get(name);
  if (!bytes) {
    bytes = utf8(name);
    labelCache.set(name, bytes);
  }
  return bytes;
}

// RFC 8446 §7.1: HkdfLabel = uint16 length, opaque label<7..255> = "tls13 " + Label, opaque context<0..255>.
export function hkdfExpandLabel(p: CryptoProvider, hash: HashName, secret: Secret, name: string, context: Uint8Array, length: number): Secret {
  const l = label(name);
  const info = new Uint8Array(2 + 1 + labelPrefix.length + l.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length;
  info[2] = labelPrefix.length + l.length;
  info.set(labelPrefix, 3);
  info.set(l, 3 + labelPrefix.length);
  info[3 + labelPrefix.length + l.length] = context.length;
  info.set(context, 4 + labelPrefix.length + l.length);
  return p.hkdfExpand(hash, secret, info, length);
}

/** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
export function deriveSecret(p: CryptoProvider, hash: HashName, secret: Secret, name: string, transcriptHash: Uint8Array): Secret {
  return hkdfExpandLabel(p, hash, secret, name, transcriptHash, hashLength[hash]);
}

const emptyHashes = new Map<string, Uint8Array>();
function emptyHash(p: CryptoProvider, hash: HashName): Uint8Array {
  const key = `${p.name}/${hash}`;
  let h = emptyHashes.get(key);
  if (!h) {
    h = p.hash(hash, new Uint8Array(0));
    emptyHashes.set(key, h);
  }
  return h;
}

/** Traffic keys from a traffic secret (RFC 8446 §7.3). */
export interface TrafficKeys {
  readonly key: Secret;
  readonly iv: Uint8Array;
}

export function deriveTrafficKeys(p: CryptoProvider, hash: HashName, secret: Secret, keyLength: number, ivLength: number): TrafficKeys {
  const key = hkdfExpandLabel(p, hash, secret, 'key', new Uint8Array(0), keyLength);
  const iv = hkdfExpandLabel(p, hash, secret, 'iv', new Uint8Array(0), ivLength).expose();
  return { key, iv };
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash). */
export function computeFinished(p: CryptoProvider, hash: HashName, baseKey: Secret, transcriptHash: Uint8Array): Uint8Array {
  const finishedKey = hkdfExpandLabel(p, hash, baseKey, 'finished', new Uint8Array(0), hashLength[hash]);
  const mac = p.hmac(hash, finishedKey.expose(), transcriptHash);
  finishedKey.wipe();
  return mac;
}

export function verifyFinished(p: CryptoProvider, hash: HashName, baseKey: Secret, transcriptHash: Uint8Array, received: Uint8Array): boolean {
  return constantTimeEqual(computeFinished(p, hash, baseKey, transcriptHash), received);
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
export function nextTrafficSecret(p: CryptoProvider, hash: HashName, secret: Secret): Secret {
  return hkdfExpandLabel(p, hash, secret, 'traffic upd', new Uint8Array(0), hashLength[hash]);
}

/** Early Secret = HKDF-Extract(0, PSK): the stage for binders and 0-RTT keys. */
export class EarlySecret {
  private readonly secret: Secret;

  constructor(
    private readonly p: CryptoProvider,
    readonly hash: HashName,
    psk?: Secret,
  ) {
    const zeros = new Uint8Array(hashLength[hash]);
    this.secret = p.hkdfExtract(hash, zeros, psk ? psk.expose() : zeros);
  }

  /** RFC 8446 §4.2.11.2: the binder key, "res binder" for tickets and "ext binder" for external PSKs. */
  binderKey(external: boolean): Secret {
    return deriveSecret(this.p, this.hash, this.secret, external ? 'ext binder' : 'res binder', emptyHash(this.p, this.hash));
  }

  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'c e traffic', clientHelloHash);
  }

  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'e exp master', clientHelloHash);
  }

  wipe(): void {
    this.secret.wipe();
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE). Wipes this stage. */
  toHandshakeSecret(sharedSecret: Secret | undefined): HandshakeSecret {
    const derived = deriveSecret(this.p, this.hash, this.secret, 'derived', emptyHash(this.p, this.hash));
    const ikm = sharedSecret ? sharedSecret.expose() : new Uint8Array(hashLength[this.hash]);
    const next = new HandshakeSecret(this.p, this.hash, this.p.hkdfExtract(this.hash, derived.expose(), ikm));
    derived.wipe();
    this.secret.wipe();
    return next;
  }
}

export class HandshakeSecret {
  constructor(
    private readonly p: CryptoProvider,
    readonly hash: HashName,
    private readonly secret: Secret,
  ) {}

  /** Transcript hash over ClientHello..ServerHello. */
  clientTrafficSecret(helloHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'c hs traffic', helloHash);
  }

  serverTrafficSecret(helloHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 's hs traffic', helloHash);
  }

  wipe(): void {
    this.secret.wipe();
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). Wipes this stage. */
  toMasterSecret(): MasterSecret {
    const derived = deriveSecret(this.p, this.hash, this.secret, 'derived', emptyHash(this.p, this.hash));
    const next = new MasterSecret(this.p, this.hash, this.p.hkdfExtract(this.hash, derived.expose(), new Uint8Array(hashLength[this.hash])));
    derived.wipe();
    this.secret.wipe();
    return next;
  }
}

export class MasterSecret {
  constructor(
    private readonly p: CryptoProvider,
    readonly hash: HashName,
    private readonly secret: Secret,
  ) {}

  /** Transcript hash over ClientHello..server Finished. */
  clientTrafficSecret(serverFinishedHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'c ap traffic', serverFinishedHash);
  }

  serverTrafficSecret(serverFinishedHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 's ap traffic', serverFinishedHash);
  }

  exporterMasterSecret(serverFinishedHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'exp master', serverFinishedHash);
  }

  /** Transcript hash over ClientHello..client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Secret {
    return deriveSecret(this.p, this.hash, this.secret, 'res master', clientFinishedHash);
  }

  wipe(): void {
    this.secret.wipe();
  }
}

/** RFC 8446 §4.6.1: the PSK of a ticket = HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, Hash.length). */
export function ticketPsk(p: CryptoProvider, hash: HashName, resumptionMasterSecret: Secret, nonce: Uint8Array): Secret {
  return hkdfExpandLabel(p, hash, resumptionMasterSecret, 'resumption', nonce, hashLength[hash]);
}

export { Secret };
