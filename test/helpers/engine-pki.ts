// Self-signed certificates for engine tests, minted in-process with node:crypto (no openssl CLI,
// no files): a minimal X.509 v3 DER encoder is enough, because the engine only reads the leaf's
// SubjectPublicKeyInfo and tests pin the certificate with their own verifier.
import * as crypto from 'node:crypto';
import { TlsError } from '../../src/errors.js';
import type { PeerVerifier } from '../../src/handshake/config.js';
import { concat, equalBytes } from '../../src/wire/bytes.js';

export type KeyKind = 'ed25519' | 'ec' | 'rsa';

export interface TestIdentity {
  readonly kind: KeyKind;
  readonly certDer: Uint8Array;
  readonly certPem: string;
  readonly keyPem: string;
}

// ---- a little DER ----

function len(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return Buffer.concat([Uint8Array.of(tag), len(body.length), body]);
}

const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);

function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift((v & 0x7f) | (chunk.length > 0 ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

const utf8String = (s: string): Uint8Array => tlv(0x0c, Buffer.from(s, 'utf8'));
const generalizedTime = (d: Date): Uint8Array => tlv(0x18, Buffer.from(`${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
const NULL = Uint8Array.of(0x05, 0x00);

function name(commonName: string): Uint8Array {
  return seq(tlv(0x31, seq(oid('2.5.4.3'), utf8String(commonName))));
}

function signatureAlgorithm(kind: KeyKind): { algorithmId: Uint8Array; hash: string | null } {
  switch (kind) {
    case 'ed25519':
      return { algorithmId: seq(oid('1.3.101.112')), hash: null };
    case 'ec':
      return { algorithmId: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' }; // ecdsa-with-SHA256
    case 'rsa':
      return { algorithmId: seq(oid('1.2.840.113549.1.1.11'), NULL), hash: 'sha256' }; // sha256WithRSAEncryption
  }
}

function generate(kind: KeyKind, rsaBits: number): crypto.KeyPairKeyObjectResult {
  switch (kind) {
    case 'ed25519':
      return crypto.generateKeyPairSync('ed25519');
    case 'ec':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'rsa':
      return crypto.generateKeyPairSync('rsa', { modulusLength: rsaBits });
  }
}

/** A self-signed v3 certificate for `dnsName`, valid from yesterday for ten years. */
/** `extensions`: more Extension DER to put beside the subjectAltName; `rsaBits`: an RSA key's size. */
export function mintSelfSigned(kind: KeyKind, dnsName = 'localhost', extensions: readonly Uint8Array[] = [], rsaBits = 2048): TestIdentity {
  const { publicKey, privateKey } = generate(kind, rsaBits);
  const { algorithmId, hash } = signatureAlgorithm(kind);
  const now = Date.now();
  const subject = name(dnsName);
  const san = seq(oid('2.5.29.17'), tlv(0x04, seq(tlv(0x82, Buffer.from(dnsName, 'ascii')))));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Uint8Array.of(2))), // [0] version v3
    tlv(0x02, Uint8Array.of(0x01, ...crypto.randomBytes(8))), // positive serial
    algorithmId,
    subject,
    seq(generalizedTime(new Date(now - 86_400_000)), generalizedTime(new Date(now + 10 * 365 * 86_400_000))),
    subject,
    publicKey.export({ format: 'der', type: 'spki' }),
    tlv(0xa3, seq(san, ...extensions)),
  );
  const signature = crypto.sign(hash, tbs, privateKey);
  const certDer = new Uint8Array(seq(tbs, algorithmId, tlv(0x03, Uint8Array.of(0), signature)));
  // Sanity: node's own X.509 parser accepts it and the self-signature verifies.
  if (!new crypto.X509Certificate(certDer).verify(publicKey)) throw new Error(`minted ${kind} certificate does not verify`);
  const b64 = Buffer.from(certDer)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return {
    kind,
    certDer,
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

const cache = new Map<KeyKind, TestIdentity>();

/** One identity per key kind per process (RSA generation is the slow part). */
export function testIdentity(kind: KeyKind = 'ed25519'): TestIdentity {
  let id = cache.get(kind);
  if (!id) {
    id = mintSelfSigned(kind);
    cache.set(kind, id);
  }
  return id;
}

/**
 * Accepts exactly the given leaf certificates: what a pinned test client trusts. Two such verifiers
 * pinning the same certificates judge alike, so sessions resume across them (trustDescription).
 */
export function pinnedVerifier(...trusted: readonly Uint8Array[]): PeerVerifier {
  return {
    trustDescription: () =>
      concat(
        new TextEncoder().encode('pinned test certificates'),
        ...trusted.flatMap((t) => [Uint8Array.of(t.length >>> 24, t.length >>> 16, t.length >>> 8, t.length), t]),
      ),
    verify(chain) {
      const leaf = chain[0];
      if (leaf && trusted.some((t) => equalBytes(t, leaf))) return { ok: true, detail: 'pinned test certificate' };
      return { ok: false, error: new TlsError('bad_certificate', 'certificate is not the pinned test certificate') };
    },
  };
}
