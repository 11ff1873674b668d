// Keying material exporters: RFC 8446 §7.5 (TLS 1.3) and RFC 5705 (TLS 1.2). Protocols on top of
// TLS (EAP-TLS, token binding, WebRTC's DTLS-SRTP, application channel bindings) derive their own
// keys from the session this way, never from the traffic keys.
import { TlsError } from '../errors.js';
import type { CryptoProvider, HashName } from '../crypto/provider.js';
import { hashLength } from '../crypto/provider.js';
import { Secret } from '../crypto/secret.js';
import { concat, utf8 } from '../wire/bytes.js';
import { prf } from './tls12/prf.js';

export interface KeyingMaterialExporter {
  /**
   * `length` bytes for `label` and, optionally, `context`. Throws TlsError('internal_error') for a
   * request the RFCs do not allow (a reserved label, a length or context out of range).
   */
  export(label: string, context: Uint8Array | undefined, length: number): Uint8Array;
  wipe(): void;
}

function misuse(message: string): TlsError {
  return new TlsError('internal_error', `exportKeyingMaterial: ${message}`);
}

function checkLength(length: number, max: number): void {
  if (!Number.isInteger(length) || length < 1 || length > max) throw misuse(`length must be a whole number from 1 to ${max}, not ${length}`);
}

const TLS13_LABEL_PREFIX = utf8('tls13 ');

/** HKDF-Expand-Label (RFC 8446 §7.1) for a label given as bytes: exporter labels are the caller's. */
function expandLabel(p: CryptoProvider, hash: HashName, secret: Secret, label: Uint8Array, context: Uint8Array, length: number): Secret {
  const full = concat(TLS13_LABEL_PREFIX, label);
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return p.hkdfExpand(hash, secret, info, length);
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context, length) = HKDF-Expand-Label(Derive-Secret(
 * exporter_master_secret, label, ""), "exporter", Hash(context), length). No context and an empty
 * context give the same value.
 */
export function tls13Exporter(p: CryptoProvider, hash: HashName, exporterMasterSecret: Secret): KeyingMaterialExporter {
  const emptyHash = p.hash(hash, new Uint8Array(0));
  return {
    export(label, context, length) {
      // HkdfLabel.label is opaque<7..255> with the 6-byte "tls13 " prefix; length is a uint16 that
      // HKDF-Expand caps at 255 hash lengths (RFC 5869 §2.3).
      const labelBytes = utf8(label);
      if (labelBytes.length > 255 - TLS13_LABEL_PREFIX.length)
        throw misuse(`the label is ${labelBytes.length} bytes, more than the ${255 - TLS13_LABEL_PREFIX.length} TLS 1.3 allows`);
      checkLength(length, 255 * hashLength[hash]);
      const secret = expandLabel(p, hash, exporterMasterSecret, labelBytes, emptyHash, hashLength[hash]);
      try {
        const out = expandLabel(p, hash, secret, utf8('exporter'), p.hash(hash, context ?? new Uint8Array(0)), length);
        return Uint8Array.from(out.expose());
      } finally {
        secret.wipe();
      }
    },
    wipe: () => exporterMasterSecret.wipe(),
  };
}

/**
 * RFC 5705 §4 labels that name the TLS 1.2 key schedule's own PRF uses: exporting under them
 * would hand out the master secret's derivations (Finished values, the key block).
 */
const RESERVED_TLS12_LABELS = new Set(['client finished', 'server finished', 'master secret', 'extended master secret', 'key expansion']);

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ uint16 context length +
 * context]). With a context absent and with an empty one, the values differ (the length is in the
 * seed only with a context). Without the extended master secret the master secret is not bound to
 * the handshake (RFC 7627 §1: a man in the middle can make two sessions share it), so this refuses
 * to export, as Go's crypto/tls does.
 */
export function tls12Exporter(
  p: CryptoProvider,
  hash: HashName,
  masterSecret: Secret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  extendedMasterSecret: boolean,
): KeyingMaterialExporter {
  const randoms = concat(clientRandom, serverRandom);
  return {
    export(label, context, length) {
      if (!extendedMasterSecret)
        throw misuse(
          'this TLS 1.2 connection did not negotiate the extended master secret (RFC 7627), so its keying material could be shared with another connection',
        );
      if (RESERVED_TLS12_LABELS.has(label)) throw misuse(`"${label}" is a label of the TLS key schedule itself (RFC 5705 §4)`);
      checkLength(length, 65535);
      let seed = randoms;
      if (context !== undefined) {
        if (context.length > 0xffff) throw misuse(`the context is ${context.length} bytes, more than the 65535 RFC 5705 allows`);
        seed = concat(randoms, Uint8Array.of(context.length >>> 8, context.length), context);
      }
      return prf(p, hash, masterSecret.expose(), label, seed, length);
    },
    wipe: () => masterSecret.wipe(),
  };
}
