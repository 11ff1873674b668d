// The server's side of the TLS 1.3 key exchange (RFC 8446 §4.2.8, §7.4): a key pair of its own
// for (EC)DH groups, an encapsulation to the client's key for KEM groups (X25519MLKEM768).
import { TlsError } from '../../errors.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { NamedGroup } from '../../protocol/groups.js';

export interface ServerKeyExchange {
  /** What goes in the ServerHello's key_share. */
  readonly serverShare: Uint8Array;
  readonly shared: Secret;
}

export function serverKeyExchange(p: CryptoProvider, group: NamedGroup, clientShare: Uint8Array): ServerKeyExchange {
  if (group.kem) {
    if (!p.encapsulate) throw new TlsError('internal_error', `the ${p.name} crypto provider cannot encapsulate for ${group.name}`);
    const { publicKey, sharedSecret } = p.encapsulate(group.name, clientShare);
    return { serverShare: publicKey, shared: sharedSecret };
  }
  const share = p.generateKeyShare(group.name);
  return { serverShare: share.publicKey, shared: share.agree(clientShare) };
}
