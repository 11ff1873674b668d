// A crypto provider whose randomness comes from a seed: two connections built with the same seed and
// options send the same bytes, so a recorded conversation can be replayed (and mutated) against fresh
// endpoints. Everything else is the test provider (./provider.ts). With an Ed25519 certificate (deterministic
// signatures) the whole handshake is byte-for-byte reproducible.
import { createHash } from 'node:crypto';
import type { CryptoProvider, GroupName, KeyShare } from '../../src/crypto/provider.js';
import { testProvider } from './provider.js';

// Importing a private key is the slow part of a share, and replays ask for the same ones again and
// again; shares are stateless (agree() only reads the private key), so they can be reused.
const shareCache = new Map<string, KeyShare>();

const privateKeyLength: Record<GroupName, number> = { x25519: 32, x448: 56, secp256r1: 32, secp384r1: 48, secp521r1: 66, X25519MLKEM768: 96 }; // ML-KEM seed (64) || X25519 key (32)

export function deterministicProvider(seed: string): CryptoProvider {
  const base = testProvider;
  let counter = 0;
  const randomBytes = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - at)), at);
    }
    return out;
  };
  const provider: CryptoProvider = Object.create(base) as CryptoProvider;
  return Object.assign(provider, {
    name: `deterministic(${seed})`,
    randomBytes,
    generateKeyShare(group: GroupName): KeyShare {
      const priv = randomBytes(privateKeyLength[group]);
      if (group === 'secp521r1') priv[0]! &= 0x01; // below the group order
      const key = `${group}/${Buffer.from(priv).toString('hex')}`;
      let share = shareCache.get(key);
      if (!share) {
        share = base.keyShareFromPrivate(group, priv);
        shareCache.set(key, share);
      }
      return share;
    },
  });
}
