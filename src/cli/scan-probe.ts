// `tlskit scan`'s crafted ClientHellos: one TCP connection per question, a hand-built ClientHello
// from the messages codec, and the server's first flight read in plaintext up to what answers the
// question (a ServerHello or HelloRetryRequest, the CCS after it, and in TLS 1.2 the Certificate,
// CertificateStatus and ServerKeyExchange). Probe-only code lives here, in the CLI: the library
// is never loosened for it. Every probe is bounded in time and in bytes read.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { buildClientHello } from '../messages/client-hello.js';
import { readServerHello, type ServerHelloMessage } from '../messages/server-hello.js';
import type { Extension } from '../messages/extensions/extension.js';
import { writeAlpnList } from '../messages/extensions/alpn.js';
import { writeEcPointFormats } from '../messages/extensions/ec-point-formats.js';
import { writeKeyShareClient } from '../messages/extensions/key-share.js';
import { writeRenegotiationInfo } from '../messages/extensions/renegotiation-info.js';
import { writeServerNameClient } from '../messages/extensions/server-name.js';
import { writeSignatureSchemes } from '../messages/extensions/signature-algorithms.js';
import { writeStatusRequest } from '../messages/extensions/status-request.js';
import { writeSupportedGroups } from '../messages/extensions/supported-groups.js';
import { writeSupportedVersionsClient } from '../messages/extensions/supported-versions.js';
import { ContentType, ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { encode } from '../wire/writer.js';

/** What one probe offers. */
export interface HelloOffer {
  /** 0x0304: a TLS 1.3 hello (supported_versions, an empty key_share); otherwise the legacy_version of a hello without supported_versions. */
  readonly version: number;
  readonly suites: readonly number[];
  readonly groups: readonly number[];
  readonly sigalgs: readonly number[];
  readonly serverName?: string;
  readonly alpn?: readonly string[];
  /** A 32-byte legacy_session_id (RFC 8446 §D.4 middlebox compatibility mode). */
  readonly sessionId?: boolean;
  readonly statusRequest?: boolean;
  /** TLS 1.2 and older: offer renegotiation_info (RFC 5746 §3.4, empty on a first handshake). */
  readonly renegotiationInfo?: boolean;
}

export type HelloAnswer =
  | {
      readonly kind: 'hello';
      readonly hello: ServerHelloMessage;
      /** The version chosen: supported_versions when present, else legacy_version. */
      readonly version: number;
      /** A change_cipher_spec record came right after the ServerHello/HelloRetryRequest. */
      readonly ccsAfterHello: boolean;
      /** TLS 1.2 and older: the server's chain, the stapled OCSP response, its ECDHE group and signature scheme. */
      readonly certificates?: readonly Uint8Array[];
      readonly ocspStapled?: boolean;
      readonly kxGroup?: number;
      readonly kxScheme?: number;
    }
  | { readonly kind: 'alert'; readonly description: number }
  | { readonly kind: 'failed'; readonly reason: string };

// A server's first flight is tens of kilobytes at most; a probe reads no more than this.
const MAX_PROBE_BYTES = 256 * 1024;
// The CCS of RFC 8446 §D.4 comes in the same flight as the server's hello: this is ample.
const CCS_GRACE_MS = 1_000;

export function buildOffer(offer: HelloOffer): Uint8Array {
  const tls13 = offer.version === 0x0304;
  const ext = (type: number, write: Parameters<typeof encode>[0]): Extension => ({ type, body: encode(write) });
  const extensions: Extension[] = [];
  if (offer.serverName) extensions.push(ext(E.server_name, (w) => writeServerNameClient(w, offer.serverName!)));
  if (offer.groups.length > 0) {
    extensions.push(ext(E.supported_groups, (w) => writeSupportedGroups(w, offer.groups)));
    extensions.push(ext(E.ec_point_formats, (w) => writeEcPointFormats(w)));
  }
  if (offer.sigalgs.length > 0 && offer.version >= 0x0303) extensions.push(ext(E.signature_algorithms, (w) => writeSignatureSchemes(w, offer.sigalgs)));
  if (offer.alpn && offer.alpn.length > 0)
    extensions.push(
      ext(E.application_layer_protocol_negotiation, (w) =>
        writeAlpnList(
          w,
          offer.alpn!.map((p) => new TextEncoder().encode(p)),
        ),
      ),
    );
  if (offer.statusRequest) extensions.push(ext(E.status_request, (w) => writeStatusRequest(w)));
  if (!tls13 && offer.renegotiationInfo) extensions.push(ext(E.renegotiation_info, (w) => writeRenegotiationInfo(w, new Uint8Array(0))));
  if (!tls13) extensions.push({ type: E.session_ticket, body: new Uint8Array(0) });
  if (tls13) {
    extensions.push(ext(E.supported_versions, (w) => writeSupportedVersionsClient(w, [0x0304])));
    // No share at all: a server that accepts one of our groups must answer with a
    // HelloRetryRequest naming it (RFC 8446 §4.1.4), which tells version, suite and group without
    // any key agreement.
    extensions.push(ext(E.key_share, (w) => writeKeyShareClient(w, [])));
    extensions.push(ext(E.psk_key_exchange_modes, (w) => w.vector(1, (l) => l.u8(1))));
  }
  const hello = buildClientHello({
    legacyVersion: Math.min(offer.version, 0x0303),
    random: randomBytes(32),
    sessionId: offer.sessionId ? randomBytes(32) : new Uint8Array(0),
    cipherSuites: offer.suites,
    extensions,
  });
  // RFC 8446 §5.1: the first record's legacy_record_version may be 0x0301 for compatibility.
  const recordVersion = Math.min(offer.version, 0x0301);
  return encode((w) => {
    w.u8(ContentType.handshake).u16(recordVersion).vectorBytes(2, hello.raw);
  });
}

/** Sends one crafted ClientHello and reads the answer. Never throws. */
export function probeHello(host: string, port: number, offer: HelloOffer, timeoutMs: number, options: { waitForCcs?: boolean } = {}): Promise<HelloAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffered = Buffer.alloc(0);
    let handshake = Buffer.alloc(0);
    let total = 0;
    let hello: ServerHelloMessage | undefined;
    let version = 0;
    let ccsAfterHello = false;
    let recordsAfterHello = 0;
    const tls12: { certificates?: Uint8Array[]; ocspStapled?: boolean; kxGroup?: number; kxScheme?: number } = {};
    let settled = false;
    const finish = (answer: HelloAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const answerNow = (): void => {
      if (hello) finish({ kind: 'hello', hello, version, ccsAfterHello, ...tls12 });
    };
    const timer = setTimeout(() => (hello ? answerNow() : finish({ kind: 'failed', reason: `no answer within ${timeoutMs / 1000} s` })), timeoutMs);
    socket.once('connect', () => socket.write(buildOffer(offer)));
    socket.on('error', (err) => (hello ? answerNow() : finish({ kind: 'failed', reason: err.message })));
    socket.on('close', () => (hello ? answerNow() : finish({ kind: 'failed', reason: 'the server closed the connection without answering' })));
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > MAX_PROBE_BYTES) return hello ? answerNow() : finish({ kind: 'failed', reason: 'the first flight is too large' });
      buffered = Buffer.concat([buffered, chunk]);
      try {
        while (buffered.length >= 5 && !settled) {
          const type = buffered[0]!;
          const length = buffered.readUInt16BE(3);
          if (buffered.length < 5 + length) break;
          const body = buffered.subarray(5, 5 + length);
          buffered = buffered.subarray(5 + length);
          if (hello) recordsAfterHello++;
          if (type === ContentType.alert) {
            if (hello) return answerNow();
            return finish({ kind: 'alert', description: body[1] ?? 0 });
          }
          if (type === ContentType.change_cipher_spec) {
            if (hello && recordsAfterHello === 1) ccsAfterHello = true;
            // TLS 1.3: after the hello and its CCS, everything is encrypted; TLS 1.2 never gets here before ServerHelloDone.
            return answerNow();
          }
          if (type !== ContentType.handshake)
            return hello ? answerNow() : finish({ kind: 'failed', reason: `not a TLS handshake answer (record type ${type})` });
          handshake = Buffer.concat([handshake, body]);
          while (handshake.length >= 4) {
            const hsLength = handshake.readUIntBE(1, 3);
            if (handshake.length < 4 + hsLength) break;
            const raw = new Uint8Array(handshake.subarray(0, 4 + hsLength));
            handshake = handshake.subarray(4 + hsLength);
            const msg = { type: raw[0]!, body: raw.subarray(4), raw };
            if (!hello) {
              if (msg.type !== HandshakeType.server_hello) return finish({ kind: 'failed', reason: `the server answered with handshake message ${msg.type}` });
              hello = readServerHello(msg);
              version = hello.selectedVersion ?? hello.legacyVersion;
              // TLS 1.3: what follows the hello is one CCS at most, then encrypted records. Only the
              // middlebox question waits for it, and briefly: a server without one (after a
              // HelloRetryRequest) says nothing more until our second ClientHello.
              if (version === 0x0304) {
                if (!options.waitForCcs || handshake.length > 0) return answerNow();
                setTimeout(answerNow, Math.min(CCS_GRACE_MS, timeoutMs)).unref();
              }
              continue;
            }
            readTls12Message(msg.type, msg.body, tls12);
            if (msg.type === HandshakeType.server_hello_done) return answerNow();
          }
          if (hello && version === 0x0304 && recordsAfterHello > 0) return answerNow();
        }
      } catch (err) {
        if (hello) return answerNow();
        finish({ kind: 'failed', reason: `unreadable answer: ${(err as Error).message}` });
      }
      return undefined;
    });
  });
}

/** RFC 5246 §7.4.2, §7.4.3 and RFC 6066 §8: what the TLS 1.2 first flight says about the server. */
function readTls12Message(
  type: number,
  body: Uint8Array,
  into: { certificates?: Uint8Array[]; ocspStapled?: boolean; kxGroup?: number; kxScheme?: number },
): void {
  const b = Buffer.from(body.buffer, body.byteOffset, body.length);
  if (type === HandshakeType.certificate && b.length >= 3) {
    const certs: Uint8Array[] = [];
    let at = 3;
    const end = Math.min(b.length, 3 + b.readUIntBE(0, 3));
    while (at + 3 <= end) {
      const len = b.readUIntBE(at, 3);
      if (at + 3 + len > end) break;
      certs.push(new Uint8Array(b.subarray(at + 3, at + 3 + len)));
      at += 3 + len;
    }
    into.certificates = certs;
  } else if (type === HandshakeType.certificate_status) {
    into.ocspStapled = true;
  } else if (type === HandshakeType.server_key_exchange && b.length >= 4 && b[0] === 3) {
    // RFC 8422 §5.4: ECParameters (named_curve = 3, the group), the point, then the signature's scheme.
    into.kxGroup = b.readUInt16BE(1);
    const pointLength = b[3]!;
    if (b.length >= 4 + pointLength + 2) into.kxScheme = b.readUInt16BE(4 + pointLength);
  }
}

/** Runs `tasks` with at most `limit` at a time, in order of the results. */
export async function withConcurrency<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
