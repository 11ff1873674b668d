// RFC 5705 exporter of a TLS 1.2 handshake that just finished (the exporter itself: ../exporter.ts).
import { Secret } from '../../crypto/secret.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { tls12Exporter, type KeyingMaterialExporter } from '../exporter.js';
import type { HandshakeIO } from '../state.js';

/** The TLS 1.2 exporter of a handshake that just finished, over its own copy of the master secret. */
export function tls12ExporterFor(
  io: HandshakeIO,
  suite: CipherSuite,
  master: Secret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): KeyingMaterialExporter {
  return tls12Exporter(
    io.provider,
    suite.hash,
    new Secret(Uint8Array.from(master.expose())),
    clientRandom,
    serverRandom,
    io.info.extendedMasterSecret === true,
  );
}
