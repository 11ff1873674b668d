// Record protection from a TLS 1.3 traffic secret (RFC 8446 §7.3), with the key log line for it.
import type { CryptoProvider } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { Tls13Protection } from '../../record/protection.js';
import { deriveTrafficKeys } from '../key-schedule.js';
import type { HandshakeIO, KeyEpoch } from '../state.js';

export function tls13Protection(p: CryptoProvider, suite: CipherSuite, secret: Secret): Tls13Protection {
  const { key, iv } = deriveTrafficKeys(p, suite.hash, secret, suite.keyLength, suite.ivLength);
  const protection = new Tls13Protection(p.createAead(suite.aead, key), iv);
  key.wipe();
  return protection;
}

// NSS key log labels (the format SSLKEYLOGFILE readers such as Wireshark expect).
const keylogLabels = {
  client: { early: 'CLIENT_EARLY_TRAFFIC_SECRET', handshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', application: 'CLIENT_TRAFFIC_SECRET_0' },
  server: { early: 'SERVER_EARLY_TRAFFIC_SECRET', handshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', application: 'SERVER_TRAFFIC_SECRET_0' },
} as const;

/** Installs keys from `secret` for the direction in which `writer` sends. */
export function installTrafficSecret(
  io: HandshakeIO,
  suite: CipherSuite,
  secret: Secret,
  writer: 'client' | 'server',
  ourSide: 'client' | 'server',
  epoch: KeyEpoch,
): void {
  io.keylog(keylogLabels[writer][epoch], secret);
  const protection = tls13Protection(io.provider, suite, secret);
  if (writer === ourSide) io.setWriteKeys(protection, epoch);
  else io.setReadKeys(protection, epoch);
}
