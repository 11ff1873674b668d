// Installing TLS 1.2 record protection from the master secret (RFC 5246 §6.3).
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import type { Secret } from '../../crypto/secret.js';
import { Tls12Protection } from '../../record/protection.js';
import type { HandshakeIO } from '../state.js';
import { deriveKeyBlock, type KeyBlock } from './prf.js';

export function keyBlockFor(io: HandshakeIO, suite: CipherSuite, master: Secret, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  return deriveKeyBlock(io.provider, suite.hash, master, clientRandom, serverRandom, suite.keyLength, suite.ivLength);
}

/** Protection for what `writer` sends. */
export function tls12Protection(io: HandshakeIO, suite: CipherSuite, block: KeyBlock, writer: 'client' | 'server'): Tls12Protection {
  const key = writer === 'client' ? block.clientKey : block.serverKey;
  const iv = writer === 'client' ? block.clientIv : block.serverIv;
  const protection = new Tls12Protection(io.provider.createAead(suite.aead, key), iv);
  key.wipe();
  return protection;
}

/** NSS key log: TLS 1.2 sessions are identified by the master secret. */
export function keylogMaster(io: HandshakeIO, master: Secret): void {
  io.keylog('CLIENT_RANDOM', master);
}
