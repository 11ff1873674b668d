// The portable provider against the node provider: same inputs, same outputs; what one signs or
// shares the other verifies or agrees with; known-answer vectors; full handshakes mixing both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodeCrypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { NodeCryptoProvider, nodeMlKemImplementation } from '../node/provider.js';
import { PortableCryptoProvider, type RsaOperations } from './provider.js';
import type { AeadName, CryptoProvider, GroupName, HashName, SignatureAlgorithm } from '../provider.js';
import { aeadKeyLength } from '../provider.js';
import { Secret } from '../secret.js';
import { TlsError } from '../../errors.js';
import { fromHex, toHex } from '../../wire/bytes.js';
import { EarlySecret, deriveTrafficKeys } from '../../handshake/key-schedule.js';
import { resolveClientOptions, resolveServerOptions } from '../../engine/options.js';
import { createClientConnection, createServerConnection } from '../../engine/endpoints.js';
import { AlertDescription } from '../../protocol/alerts.js';
import { CertificateFolder, opensslAvailable, type CertKind } from '../../../test/helpers/certs.js';
import { endpointHandlers, joined, newEndpointState, pump, pumpAsync } from '../../../test/helpers/pair.js';

const N = new NodeCryptoProvider();
const P = new PortableCryptoProvider();
const providers = { node: N, portable: P } as const;

// Cross-check tallies, printed at the end (and quoted in reviews).
const tally = new Map<string, number>();
function count(area: string, n = 1): void {
  tally.set(area, (tally.get(area) ?? 0) + n);
}
after(() => {
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  console.log(`portable provider cross-checks: ${total} (${[...tally].map(([k, v]) => `${k} ${v}`).join(', ')}); node ML-KEM: ${nodeMlKemImplementation()}`);
});

function sameBytes(area: string, a: Uint8Array, b: Uint8Array, message?: string): void {
  assert.equal(toHex(a), toHex(b), message);
  count(area);
}

/** Deterministic pseudo-random bytes (the inputs need variety, not secrecy). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function assertTlsError(fn: () => unknown, alert: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TlsError, `expected TlsError, got ${String(err)}`);
    assert.equal(err.alert, alert);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const HASHES: HashName[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const LENGTHS = [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000, 70_000];

// ---- hashes, HMAC, HKDF ----

test('hashes: one-shot digests equal node:crypto for every hash and block-boundary lengths', () => {
  for (const h of HASHES) {
    for (const [i, len] of LENGTHS.entries()) {
      const data = bytes(len, i + 1);
      sameBytes('hash', P.hash(h, data), N.hash(h, data), `${h} of ${len} bytes`);
    }
  }
});

test('hashes: incremental contexts peek, clone and diverge like node:crypto', () => {
  for (const h of HASHES) {
    const p = P.createHash(h);
    const n = N.createHash(h);
    sameBytes('hash-incremental', p.peek(), n.peek(), `${h} empty`);
    for (let i = 0; i < 12; i++) {
      const chunk = bytes((i * 37) % 150, 100 + i);
      p.update(chunk);
      n.update(chunk);
      sameBytes('hash-incremental', p.peek(), n.peek(), `${h} after ${i + 1} updates`);
      sameBytes('hash-incremental', p.peek(), n.peek(), `${h}: peek does not end the context`);
    }
    const pc = p.clone();
    const nc = n.clone();
    pc.update(Uint8Array.of(1));
    nc.update(Uint8Array.of(1));
    p.update(Uint8Array.of(2));
    n.update(Uint8Array.of(2));
    sameBytes('hash-incremental', pc.peek(), nc.peek(), `${h} clone`);
    sameBytes('hash-incremental', p.peek(), n.peek(), `${h} original after clone`);
    assert.notEqual(toHex(pc.peek()), toHex(p.peek()));
  }
});

test('HMAC equals node:crypto across key lengths around the block size', () => {
  for (const h of HASHES) {
    for (const keyLength of [0, 1, 20, 32, 64, 65, 128, 129, 300]) {
      const key = bytes(keyLength, keyLength + 7);
      const data = bytes(keyLength * 3 + 1, keyLength + 9);
      sameBytes('hmac', P.hmac(h, key, data), N.hmac(h, key, data), `${h} key ${keyLength}`);
    }
  }
});

test('HKDF extract and expand equal node:crypto; RFC 5869 A.1 known answer', () => {
  for (const h of HASHES) {
    for (const [i, saltLength] of [0, 1, 32, 64, 200].entries()) {
      const salt = bytes(saltLength, 50 + i);
      const ikm = bytes(32 + i, 60 + i);
      const prkP = P.hkdfExtract(h, salt, ikm);
      const prkN = N.hkdfExtract(h, salt, ikm);
      sameBytes('hkdf', prkP.expose(), prkN.expose(), `${h} extract salt ${saltLength}`);
      for (const length of [1, 16, 32, 42, 64, 255 * (h === 'sha1' ? 20 : h === 'sha256' ? 32 : h === 'sha384' ? 48 : 64)]) {
        const info = bytes(i * 5, 70 + length);
        sameBytes('hkdf', P.hkdfExpand(h, prkP, info, length).expose(), N.hkdfExpand(h, prkN, info, length).expose(), `${h} expand ${length}`);
      }
      assert.throws(() => P.hkdfExpand(h, prkP, new Uint8Array(0), 255 * 64 + 1), RangeError);
    }
  }
  // RFC 5869 Appendix A.1 (SHA-256, basic test case).
  const prk = P.hkdfExtract('sha256', fromHex('000102030405060708090a0b0c'), fromHex('0b'.repeat(22)));
  assert.equal(toHex(prk.expose()), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
  const okm = P.hkdfExpand('sha256', prk, fromHex('f0f1f2f3f4f5f6f7f8f9'), 42);
  assert.equal(toHex(okm.expose()), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  count('known-answer', 2);
});

// ---- AEAD ----

const AEADS: AeadName[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

function sealAll(p: CryptoProvider, name: AeadName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const out: Uint8Array[] = [];
  p.createAead(name, new Secret(key.slice())).seal(nonce, aad, parts, out);
  return joined(out);
}

test('AEAD: seal output equals node:crypto, each opens the other, tampering yields null', () => {
  const partLists = (seed: number): Uint8Array[][] => [
    [],
    [new Uint8Array(0)],
    [bytes(1, seed)],
    [bytes(16, seed), bytes(0, seed), bytes(17, seed + 1)],
    [bytes(16384, seed)],
    [bytes(5, seed), bytes(16379, seed + 2), bytes(1, seed + 3)],
  ];
  for (const name of AEADS) {
    const key = bytes(aeadKeyLength[name], name.length);
    for (const [i, parts] of partLists(3).entries()) {
      const nonce = bytes(12, 90 + i);
      const aad = bytes(i === 0 ? 0 : 5 + i, 95 + i);
      const sealedP = sealAll(P, name, key, nonce, aad, parts);
      const sealedN = sealAll(N, name, key, nonce, aad, parts);
      sameBytes('aead-seal', sealedP, sealedN, `${name} parts #${i}`);
      const plaintext = joined(parts);
      const ct = sealedN.subarray(0, sealedN.length - 16);
      const tag = sealedN.subarray(sealedN.length - 16);
      const aeadP = P.createAead(name, new Secret(key.slice()));
      const aeadN = N.createAead(name, new Secret(key.slice()));
      // Adjacent views of one buffer (the record layer's case) and separate copies.
      sameBytes('aead-open', aeadP.open(nonce, aad, ct, tag)!, plaintext, `${name} #${i} adjacent`);
      sameBytes('aead-open', aeadP.open(nonce, aad, ct.slice(), tag.slice())!, plaintext, `${name} #${i} separate`);
      sameBytes(
        'aead-open',
        aeadN.open(nonce, aad, sealedP.subarray(0, sealedP.length - 16), sealedP.subarray(sealedP.length - 16))!,
        plaintext,
        `${name} #${i} node opens portable`,
      );
      // Tampering: every part of the input matters, and a bad tag is null, never an exception.
      const flipped = (b: Uint8Array, at: number) => {
        const c = b.slice();
        c[at]! ^= 1;
        return c;
      };
      assert.equal(aeadP.open(nonce, aad, ct, flipped(tag, 15)), null);
      if (ct.length > 0) assert.equal(aeadP.open(nonce, aad, flipped(ct, 0), tag), null);
      if (aad.length > 0) assert.equal(aeadP.open(nonce, flipped(aad, 0), ct, tag), null);
      assert.equal(aeadP.open(flipped(nonce, 11), aad, ct, tag), null);
      assert.equal(aeadP.open(nonce, aad, ct, tag.subarray(0, 15)), null);
      count('aead-tamper', 5);
    }
  }
});

test('AEAD: a key of the wrong length is refused, as node:crypto does', () => {
  assert.throws(() => P.createAead('aes-128-gcm', new Secret(new Uint8Array(32))), RangeError);
  assert.throws(() => P.createAead('aes-256-gcm', new Secret(new Uint8Array(16))), RangeError);
  assert.throws(() => P.createAead('chacha20-poly1305', new Secret(new Uint8Array(16))), RangeError);
});

test('AEAD: the key is copied (the key schedule wipes its Secret after createAead)', () => {
  for (const name of AEADS) {
    const secret = new Secret(bytes(aeadKeyLength[name], 5));
    const aead = P.createAead(name, secret);
    const before: Uint8Array[] = [];
    aead.seal(new Uint8Array(12), new Uint8Array(0), [Uint8Array.of(1, 2, 3)], before);
    secret.wipe();
    const afterWipe: Uint8Array[] = [];
    aead.seal(new Uint8Array(12), new Uint8Array(0), [Uint8Array.of(1, 2, 3)], afterWipe);
    assert.equal(toHex(joined(afterWipe)), toHex(joined(before)));
  }
});

test('AEAD known answers: AES-GCM (GCM spec test case 3 prefix), ChaCha20-Poly1305 (RFC 8439 §2.8.2)', () => {
  // McGrew & Viega, GCM spec, test case 2: zero key, zero IV, one zero block.
  const tc2 = sealAll(P, 'aes-128-gcm', new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), [new Uint8Array(16)]);
  assert.equal(toHex(tc2), '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf');
  // RFC 8439 §2.8.2.
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = fromHex('070000004041424344454647');
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const text = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed = sealAll(P, 'chacha20-poly1305', key, nonce, aad, [text]);
  assert.equal(toHex(sealed.subarray(0, 16)), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.equal(toHex(sealed.subarray(sealed.length - 16)), '1ae10b594f09e26a7e902ecbd0600691');
  count('known-answer', 2);
});

// ---- key exchange ----

const EC_GROUPS: GroupName[] = ['x25519', 'x448', 'secp256r1', 'secp384r1', 'secp521r1'];

test('key exchange: portable and node shares agree both ways for every group', () => {
  for (const group of EC_GROUPS) {
    for (let i = 0; i < 4; i++) {
      const a = P.generateKeyShare(group);
      const b = N.generateKeyShare(group);
      sameBytes('key-exchange', a.agree(b.publicKey).expose(), b.agree(a.publicKey).expose(), `${group} portable x node`);
      const c = P.generateKeyShare(group);
      sameBytes('key-exchange', a.agree(c.publicKey).expose(), c.agree(a.publicKey).expose(), `${group} portable x portable`);
    }
    assert.ok(P.supportsGroup(group));
  }
});

test('key exchange: keyShareFromPrivate gives the same public value as node:crypto', () => {
  const privateLength: Record<string, number> = { x25519: 32, x448: 56, secp256r1: 32, secp384r1: 48, secp521r1: 66 };
  for (const group of EC_GROUPS) {
    for (let i = 0; i < 3; i++) {
      let priv = bytes(privateLength[group]!, 300 + i);
      if (group === 'secp521r1') priv[0]! &= 0x01; // below the P-521 order
      sameBytes('key-exchange', P.keyShareFromPrivate(group, priv).publicKey, N.keyShareFromPrivate(group, priv).publicKey, `${group} from private`);
    }
  }
});

test('key exchange: RFC 7748 §6.1 X25519 known answer', () => {
  const alice = P.keyShareFromPrivate('x25519', fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const bob = P.keyShareFromPrivate('x25519', fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  assert.equal(toHex(alice.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHex(bob.publicKey), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(alice.agree(bob.publicKey).expose()), shared);
  assert.equal(toHex(bob.agree(alice.publicKey).expose()), shared);
  count('known-answer', 4);
});

test('key exchange: RFC 7748 §6.2 X448 known answer, in both providers', () => {
  for (const provider of [P, N]) {
    const alice = provider.keyShareFromPrivate(
      'x448',
      fromHex('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b'),
    );
    const bob = provider.keyShareFromPrivate(
      'x448',
      fromHex('1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d'),
    );
    assert.equal(toHex(alice.publicKey), '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0');
    assert.equal(toHex(bob.publicKey), '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609');
    const shared = '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
    assert.equal(toHex(alice.agree(bob.publicKey).expose()), shared);
    assert.equal(toHex(bob.agree(alice.publicKey).expose()), shared);
    assert.equal(alice.group, 'x448');
    count('known-answer', 4);
  }
});

test('key exchange: X448 low-order and wrong-length peer values are illegal_parameter in both providers', () => {
  const p448 = 'fe' + 'ff'.repeat(27) + 'fe' + 'ff'.repeat(27); // p - 1, little-endian
  const lowOrder = [new Uint8Array(56), fromHex(`01${'00'.repeat(55)}`), fromHex(p448)];
  for (const provider of [P, N]) {
    const share = provider.generateKeyShare('x448');
    assert.equal(share.publicKey.length, 56);
    for (const point of lowOrder) {
      assertTlsError(() => share.agree(point), 'illegal_parameter', /low-order/);
      count('key-exchange-reject');
    }
    assertTlsError(() => share.agree(new Uint8Array(55)), 'illegal_parameter', /55 bytes/);
    assertTlsError(() => share.agree(new Uint8Array(32)), 'illegal_parameter', /32 bytes, expected 56/);
    count('key-exchange-reject', 2);
  }
});

test('key exchange: malformed and low-order peer values are illegal_parameter in both providers', () => {
  const p25519 = (last: string) => fromHex(`${last.slice(0, 2)}${'ff'.repeat(30)}7f`);
  const lowOrder = [
    new Uint8Array(32),
    fromHex(`01${'00'.repeat(31)}`),
    fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
    fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
    p25519('ec'), // p - 1
    p25519('ed'), // p, non-canonical 0
    p25519('ee'), // p + 1, non-canonical 1
  ];
  for (const provider of [P, N]) {
    const share = provider.generateKeyShare('x25519');
    for (const point of lowOrder) {
      assertTlsError(() => share.agree(point), 'illegal_parameter', /low-order/);
      count('key-exchange-reject');
    }
    assertTlsError(() => share.agree(new Uint8Array(31)), 'illegal_parameter', /31 bytes/);
    assertTlsError(() => share.agree(new Uint8Array(33)), 'illegal_parameter');
    for (const group of ['secp256r1', 'secp384r1', 'secp521r1'] as const) {
      const ec = provider.generateKeyShare(group);
      const other = P.generateKeyShare(group).publicKey;
      const compressed = Uint8Array.of(0x02 | (other[other.length - 1]! & 1), ...other.subarray(1, 1 + (other.length - 1) / 2));
      const offCurve = other.slice();
      offCurve[offCurve.length - 1]! ^= 1;
      const zeros = new Uint8Array(other.length);
      zeros[0] = 0x04;
      const hybrid = other.slice();
      hybrid[0] = 0x06;
      assertTlsError(() => ec.agree(compressed), 'illegal_parameter', /uncompressed/);
      assertTlsError(() => ec.agree(offCurve), 'illegal_parameter', /on the curve/);
      assertTlsError(() => ec.agree(zeros), 'illegal_parameter');
      assertTlsError(() => ec.agree(hybrid), 'illegal_parameter');
      assertTlsError(() => ec.agree(other.subarray(0, other.length - 1)), 'illegal_parameter');
      count('key-exchange-reject', 5);
    }
  }
});

// ---- X25519MLKEM768 ----

test('X25519MLKEM768: client and server interoperate across providers; secret is ML-KEM || X25519', () => {
  for (const [clientName, client] of Object.entries(providers)) {
    for (const [serverName, server] of Object.entries(providers)) {
      const share = client.generateKeyShare('X25519MLKEM768');
      assert.equal(share.publicKey.length, 1216);
      const enc = server.encapsulate!('X25519MLKEM768', share.publicKey);
      assert.equal(enc.publicKey.length, 1120);
      assert.equal(enc.sharedSecret.length, 64);
      sameBytes('mlkem-hybrid', share.agree(enc.publicKey).expose(), enc.sharedSecret.expose(), `${clientName} client, ${serverName} server`);
    }
  }
  // The layout, from known private values: ML-KEM seed || X25519 key.
  const seed = bytes(64, 1);
  const xPriv = bytes(32, 2);
  const priv = Uint8Array.of(...seed, ...xPriv);
  const fromP = P.keyShareFromPrivate('X25519MLKEM768', priv);
  const fromN = N.keyShareFromPrivate('X25519MLKEM768', priv);
  sameBytes('mlkem-hybrid', fromP.publicKey, fromN.publicKey, `keyShareFromPrivate (node ML-KEM: ${nodeMlKemImplementation()})`);
  const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(seed);
  const xShare = N.keyShareFromPrivate('x25519', xPriv);
  sameBytes('mlkem-hybrid', fromP.publicKey, Uint8Array.of(...ek, ...xShare.publicKey), 'client share = encapsulation key || x25519');
  const enc = N.encapsulate!('X25519MLKEM768', fromP.publicKey);
  const secret = fromP.agree(enc.publicKey).expose();
  const kemSecret = ml_kem768.decapsulate(enc.publicKey.subarray(0, 1088), dk);
  const ecdhSecret = xShare.agree(enc.publicKey.subarray(1088)).expose();
  sameBytes('mlkem-hybrid', secret, Uint8Array.of(...kemSecret, ...ecdhSecret), 'secret = ML-KEM secret || X25519 secret');
  sameBytes('mlkem-hybrid', fromN.agree(enc.publicKey).expose(), secret, 'node client from the same private key');
});

test('X25519MLKEM768: malformed shares are illegal_parameter', () => {
  for (const provider of [P, N]) {
    const client = provider.generateKeyShare('X25519MLKEM768');
    const enc = provider.encapsulate!('X25519MLKEM768', client.publicKey);
    assertTlsError(() => client.agree(enc.publicKey.subarray(0, 1119)), 'illegal_parameter', /1119 bytes/);
    assertTlsError(() => client.agree(Uint8Array.of(...enc.publicKey, 0)), 'illegal_parameter');
    // The X25519 half must not be low-order.
    const lowOrder = enc.publicKey.slice();
    lowOrder.fill(0, 1088);
    assertTlsError(() => client.agree(lowOrder), 'illegal_parameter', /low-order/);
    // Server side: wrong length, invalid ML-KEM key (coefficients >= q), low-order X25519.
    assertTlsError(() => provider.encapsulate!('X25519MLKEM768', client.publicKey.subarray(1)), 'illegal_parameter');
    const badKey = client.publicKey.slice();
    badKey.fill(0xff, 0, 1184);
    assertTlsError(() => provider.encapsulate!('X25519MLKEM768', badKey), 'illegal_parameter', /encapsulation key/);
    const badX = client.publicKey.slice();
    badX.fill(0, 1184);
    assertTlsError(() => provider.encapsulate!('X25519MLKEM768', badX), 'illegal_parameter', /low-order/);
    // A server that hands the client's share to agree() gets a clear internal error.
    assertTlsError(() => provider.generateKeyShare('X25519MLKEM768').agree(client.publicKey), 'internal_error', /encapsulate/);
    assertTlsError(() => provider.encapsulate!('x25519', client.publicKey), 'internal_error');
    count('mlkem-reject', 8);
  }
  assert.ok(P.supportsGroup('X25519MLKEM768'));
  assert.ok(N.supportsGroup('X25519MLKEM768'));
});

// ---- keys and signatures ----

const certs = opensslAvailable() ? new CertificateFolder() : undefined;
after(() => certs?.remove());
const skipNoOpenssl = certs ? false : 'the openssl CLI is not installed';

const SIGNING_KINDS: { kind: CertKind; algorithms: SignatureAlgorithm[] }[] = [
  { kind: 'p256', algorithms: HASHES.map((hash) => ({ kind: 'ecdsa', hash })) },
  { kind: 'p384', algorithms: HASHES.map((hash) => ({ kind: 'ecdsa', hash })) },
  { kind: 'p521', algorithms: HASHES.map((hash) => ({ kind: 'ecdsa', hash })) },
  { kind: 'ed25519', algorithms: [{ kind: 'ed25519' }] },
  { kind: 'ed448', algorithms: [{ kind: 'ed448' }] },
];

test('keys: imported keys match node:crypto (SPKI bytes, type, curve); signatures cross-verify', { skip: skipNoOpenssl }, () => {
  for (const { kind, algorithms } of SIGNING_KINDS) {
    const { key } = certs!.get(kind);
    const kp = P.importPrivateKey(key);
    const kn = N.importPrivateKey(key);
    sameBytes('keys', kp.publicKey.spki, kn.publicKey.spki, `${kind} SPKI`);
    assert.equal(kp.type, kn.type);
    assert.equal(kp.curve, kn.curve);
    assert.equal(String(kp), `[PrivateKey ${kp.type}]`);
    const pubP = P.importPublicKey(kn.publicKey.spki);
    const pubN = N.importPublicKey(kn.publicKey.spki);
    assert.equal(pubP.type, pubN.type);
    assert.equal(pubP.curve, pubN.curve);
    for (const algorithm of algorithms) {
      for (const length of [0, 1, 100, 5000]) {
        const message = bytes(length, length + 11);
        const byP = P.sign(kp, algorithm, message);
        const byN = N.sign(kn, algorithm, message);
        assert.ok(N.verify(pubN, algorithm, message, byP), `${kind} ${JSON.stringify(algorithm)}: node verifies portable`);
        assert.ok(P.verify(pubP, algorithm, message, byN), `${kind} ${JSON.stringify(algorithm)}: portable verifies node`);
        assert.ok(P.verify(pubP, algorithm, message, byP));
        count('signatures', 3);
        const other = Uint8Array.of(...message, 0);
        assert.equal(P.verify(pubP, algorithm, other, byN), false);
        assert.equal(P.verify(pubP, algorithm, message, byN.subarray(0, byN.length - 1)), false);
        assert.equal(P.verify(pubP, algorithm, message, new Uint8Array(0)), false);
        assert.equal(P.verify(pubP, algorithm, message, bytes(byN.length, 5)), false);
        count('signatures-reject', 4);
      }
    }
    // EdDSA signatures are deterministic: byte-identical to OpenSSL's.
    if (kind === 'ed25519' || kind === 'ed448') {
      const m = bytes(77, 1);
      sameBytes('signatures', P.sign(kp, algorithms[0]!, m), N.sign(kn, algorithms[0]!, m), `${kind} deterministic`);
    }
  }
});

test('keys: ECDSA accepts high-S signatures (X.509 and TLS do not require low S)', { skip: skipNoOpenssl }, () => {
  const curves = { p256, p384, p521 };
  for (const kind of ['p256', 'p384', 'p521'] as const) {
    const kn = N.importPrivateKey(certs!.get(kind).key);
    const pubP = P.importPublicKey(kn.publicKey.spki);
    const algorithm: SignatureAlgorithm = { kind: 'ecdsa', hash: 'sha256' };
    const curve = curves[kind];
    for (let i = 0; i < 4; i++) {
      const message = bytes(40, i);
      const der = N.sign(kn, algorithm, message);
      const sig = curve.Signature.fromBytes(der, 'der');
      const flipped = new curve.Signature(sig.r, curve.Point.Fn.ORDER - sig.s).toBytes('der');
      assert.ok(P.verify(pubP, algorithm, message, flipped), `${kind}: the other half of s verifies`);
      assert.ok(N.verify(kn.publicKey, algorithm, message, flipped), `${kind}: OpenSSL agrees`);
      count('signatures', 2);
    }
  }
});

test('keys: PKCS#8 and SEC1 in PEM and DER, encrypted PKCS#8, all give the same key', { skip: skipNoOpenssl }, () => {
  const f = certs!;
  for (const kind of ['p256', 'p384', 'p521', 'ed25519'] as const) {
    const c = f.get(kind);
    const expected = N.importPrivateKey(c.key).publicKey.spki;
    const forms: [string, string | Uint8Array, string?][] = [
      ['pkcs8 pem', c.key],
      ['pkcs8 der', f.openssl('pkey', '-in', c.keyPath, '-outform', 'DER')],
      ['pkcs8 der as bytes of pem', new TextEncoder().encode(c.key)],
      ['pkcs8 aes-256-cbc sha256', f.openssl('pkcs8', '-topk8', '-in', c.keyPath, '-v2', 'aes-256-cbc', '-passout', 'pass:s3cret').toString(), 's3cret'],
      [
        'pkcs8 aes-128-cbc sha1',
        f.openssl('pkcs8', '-topk8', '-in', c.keyPath, '-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1', '-passout', 'pass:pw').toString(),
        'pw',
      ],
    ];
    if (kind !== 'ed25519') {
      forms.push(['sec1 pem', f.openssl('ec', '-in', c.keyPath).toString()]);
      forms.push(['sec1 der', f.openssl('ec', '-in', c.keyPath, '-outform', 'DER')]);
      forms.push(['sec1 pem without public key', f.openssl('ec', '-in', c.keyPath, '-no_public').toString()]);
      const curve = { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[kind];
      const generated = f.openssl('ecparam', '-name', curve, '-genkey').toString(); // EC PARAMETERS then EC PRIVATE KEY
      assert.equal(toHex(P.importPrivateKey(generated).publicKey.spki), toHex(N.importPrivateKey(generated).publicKey.spki));
      count('keys');
    }
    for (const [name, input, passphrase] of forms) {
      sameBytes('keys', P.importPrivateKey(input, passphrase).publicKey.spki, expected, `${kind} ${name}`);
    }
    assert.throws(() => P.importPrivateKey(forms[3]![1]), /no passphrase/);
    assert.throws(() => P.importPrivateKey(forms[3]![1], 'wrong'), /wrong passphrase/);
  }
  const legacy = f.openssl('ec', '-in', f.get('p256').keyPath, '-aes128', '-passout', 'pass:x').toString();
  assert.throws(() => P.importPrivateKey(legacy, 'x'), /legacy encrypted PEM/);
});

test('keys: RSA is refused clearly without WebCrypto or an RSA backend; its public keys still import', { skip: skipNoOpenssl }, async () => {
  const noWebCrypto = new PortableCryptoProvider({ subtle: null });
  for (const kind of ['rsa', 'rsa-pss'] as const) {
    const c = certs!.get(kind);
    assert.throws(
      () => noWebCrypto.importPrivateKey(c.key),
      (err: unknown) => err instanceof TypeError && /WebCrypto/.test(err.message),
    );
    const kn = N.importPrivateKey(c.key);
    const pub = noWebCrypto.importPublicKey(kn.publicKey.spki);
    assert.equal(pub.type, kn.type);
    assert.equal(pub.bits, 2048);
    const algorithm: SignatureAlgorithm = kind === 'rsa' ? { kind: 'rsa-pkcs1', hash: 'sha256' } : { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 };
    // RSA is asynchronous in the portable provider: verify() says so, verifyAsync() says WebCrypto is missing.
    assertTlsError(() => noWebCrypto.verify(pub, algorithm, new Uint8Array(1), new Uint8Array(256)), 'unsupported_certificate', /WebCrypto/);
    await assert.rejects(
      noWebCrypto.verifyAsync(pub, algorithm, new Uint8Array(1), new Uint8Array(256)),
      (err: unknown) => err instanceof TlsError && err.alert === 'unsupported_certificate' && /crypto\.subtle/.test(err.message),
    );
    assertTlsError(() => P.rsaEncryptPkcs1(pub, new Uint8Array(48)), 'handshake_failure', /RSA key transport/);
    // A key of one type never verifies a signature of another.
    assert.equal(noWebCrypto.verify(pub, { kind: 'ecdsa', hash: 'sha256' }, new Uint8Array(1), new Uint8Array(70)), false);
  }
});

/** RSA through node:crypto, plugged into the portable provider's extension point (the WebCrypto path will sit here). */
const nodeRsa: RsaOperations = {
  verify(spki, algorithm, message, signature) {
    const key = nodeCrypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const padding =
      algorithm.kind === 'rsa-pss'
        ? { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }
        : { padding: nodeCrypto.constants.RSA_PKCS1_PADDING };
    return nodeCrypto.verify(algorithm.hash, message, { key, ...padding }, signature);
  },
  sign(pkcs8, algorithm, message) {
    const key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8.expose()), format: 'der', type: 'pkcs8' });
    const padding =
      algorithm.kind === 'rsa-pss'
        ? { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }
        : { padding: nodeCrypto.constants.RSA_PKCS1_PADDING };
    return nodeCrypto.sign(algorithm.hash, message, { key, ...padding });
  },
  encryptPkcs1(spki, message) {
    const key = nodeCrypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return nodeCrypto.publicEncrypt({ key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, message);
  },
  decryptRaw(pkcs8, ciphertext) {
    const key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8.expose()), format: 'der', type: 'pkcs8' });
    return nodeCrypto.privateDecrypt({ key, padding: nodeCrypto.constants.RSA_NO_PADDING }, ciphertext);
  },
};

test('keys: an RsaOperations backend gets keys as spki/pkcs8 DER (PKCS#1 input is wrapped)', { skip: skipNoOpenssl }, () => {
  const withRsa = new PortableCryptoProvider({ rsa: nodeRsa });
  const c = certs!.get('rsa');
  const pkcs1 = certs!.openssl('pkey', '-in', c.keyPath, '-traditional').toString();
  assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
  for (const input of [c.key, pkcs1, certs!.openssl('rsa', '-in', c.keyPath, '-traditional', '-outform', 'DER')]) {
    const kp = withRsa.importPrivateKey(input);
    const kn = N.importPrivateKey(c.key);
    sameBytes('keys', kp.publicKey.spki, kn.publicKey.spki, 'RSA SPKI');
    assert.equal(kp.bits, 2048);
    const algorithm: SignatureAlgorithm = { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 };
    assert.ok(N.verify(kn.publicKey, algorithm, Uint8Array.of(1), withRsa.sign(kp, algorithm, Uint8Array.of(1))));
    count('signatures');
  }
  const pss = certs!.get('rsa-pss');
  const kp = withRsa.importPrivateKey(pss.key);
  sameBytes('keys', kp.publicKey.spki, N.importPrivateKey(pss.key).publicKey.spki, 'RSA-PSS SPKI keeps its algorithm identifier');
  assert.equal(kp.type, 'rsa-pss');
});

test('keys: malformed SubjectPublicKeyInfo is bad_certificate; unknown algorithms unsupported_certificate', { skip: skipNoOpenssl }, () => {
  for (const kind of ['p256', 'ed25519', 'rsa'] as const) {
    const spki = N.importPrivateKey(certs!.get(kind).key).publicKey.spki;
    // Every strict prefix fails, and so does a trailing byte.
    for (let cut = 0; cut < spki.length; cut++) {
      assertTlsError(() => P.importPublicKey(spki.subarray(0, cut)), 'bad_certificate');
    }
    assertTlsError(() => P.importPublicKey(Uint8Array.of(...spki, 0)), 'bad_certificate');
    count('keys-reject', spki.length + 1);
  }
  // An EC point off the curve.
  const ec = N.importPrivateKey(certs!.get('p256').key).publicKey.spki.slice();
  ec[ec.length - 1]! ^= 1;
  assertTlsError(() => P.importPublicKey(ec), 'bad_certificate');
  // Non-minimal length encoding (0x81 for a short length) is not DER.
  const ed = N.importPrivateKey(certs!.get('ed25519').key).publicKey.spki;
  const longForm = Uint8Array.of(0x30, 0x81, ed[1]!, ...ed.subarray(2));
  assertTlsError(() => P.importPublicKey(longForm), 'bad_certificate');
  // Ed448 and DSA: the first is ours, the second not.
  assert.equal(P.importPublicKey(N.importPrivateKey(certs!.get('ed448').key).publicKey.spki).type, 'ed448');
  const dsa = nodeCrypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey.export({ format: 'der', type: 'spki' });
  assertTlsError(() => P.importPublicKey(dsa), 'unsupported_certificate');
  const secp256k1 = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' });
  assertTlsError(() => P.importPublicKey(secp256k1), 'unsupported_certificate');
  assert.throws(() => P.importPrivateKey(bytes(100, 1)), TypeError);
  assert.throws(() => P.importPrivateKey('no key here'), /no PEM private key/);
  assertTlsError(
    () => P.sign(N.importPrivateKey(certs!.get('p256').key), { kind: 'ecdsa', hash: 'sha256' }, new Uint8Array(1)),
    'internal_error',
    /portable provider/,
  );
});

// ---- randomness ----

test("randomBytes: lengths beyond WebCrypto's 64 KiB per call, and not constant", () => {
  const big = P.randomBytes(200_000);
  assert.equal(big.length, 200_000);
  assert.notEqual(toHex(big.subarray(0, 16)), toHex(big.subarray(100_000, 100_016)));
  assert.equal(P.randomBytes(0).length, 0);
  assert.notEqual(toHex(P.randomBytes(32)), toHex(P.randomBytes(32)));
});

// ---- RFC 8448 §3 ----

const shared = process.env.TLSKIT_SHARED ?? join(process.cwd(), '..', 'shared');
const vectors = join(shared, 'rfc8448', 'transcripts.vec');

function section(name: string): Map<string, string> {
  const text = readFileSync(vectors, 'utf8');
  const start = text.indexOf(`[${name}]`);
  const values = new Map<string, string>();
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.startsWith('[')) break;
    const m = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (m) values.set(m[1]!, m[2]!.replace(/\s+/g, ''));
  }
  return values;
}

test("RFC 8448 §3 simple 1-RTT: key shares, ECDHE secret and the server's encrypted flight, with each provider", {
  skip: existsSync(vectors) ? false : `RFC 8448 vectors not found at ${vectors} (set TLSKIT_SHARED)`,
}, () => {
  const v = section('Simple_1RTT_Handshake');
  const clientPrivate = fromHex(v.get('Client_RNG_Pool')!).subarray(32, 64);
  const serverPrivate = fromHex(v.get('Server_RNG_Pool')!).subarray(32, 64);
  const clientHello = fromHex(v.get('Record_ClientHello_1')!).subarray(5);
  const serverHello = fromHex(v.get('Message_ServerHello')!);
  const record = fromHex(v.get('Record_ServerHandshakeMessages')!);
  const flight = ['Message_EncryptedExtensions', 'Message_Server_Certificate', 'Message_Server_CertificateVerify', 'Message_Server_Finished']
    .map((k) => v.get(k)!)
    .join('');
  for (const p of [P, N]) {
    const client = p.keyShareFromPrivate('x25519', clientPrivate);
    const server = p.keyShareFromPrivate('x25519', serverPrivate);
    assert.ok(toHex(clientHello).includes(toHex(client.publicKey)), 'the client key share is in the ClientHello');
    assert.ok(toHex(serverHello).includes(toHex(server.publicKey)), 'the server key share is in the ServerHello');
    const ecdhe = client.agree(server.publicKey);
    // RFC 8448 §3: "{server} derive secret for handshake": IKM, the ECDHE output.
    assert.equal(toHex(ecdhe.expose()), '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
    const transcript = p.createHash('sha256');
    transcript.update(clientHello);
    transcript.update(serverHello);
    const handshake = new EarlySecret(p, 'sha256').toHandshakeSecret(ecdhe);
    const { key, iv } = deriveTrafficKeys(p, 'sha256', handshake.serverTrafficSecret(transcript.peek()), 16, 12);
    const aead = p.createAead('aes-128-gcm', key);
    // Sequence number 0: the nonce is the IV itself (RFC 8446 §5.3).
    const plaintext = aead.open(iv, record.subarray(0, 5), record.subarray(5, record.length - 16), record.subarray(record.length - 16));
    assert.ok(plaintext, `${p.name}: the server's encrypted flight opens`);
    assert.equal(toHex(plaintext), `${flight}16`, 'EncryptedExtensions..Finished, then the inner content type');
    count('known-answer', 5);
  }
});

// ---- full handshakes ----

interface HandshakeCase {
  client: CryptoProvider;
  server: CryptoProvider;
  kind: CertKind;
  /** Both sides' ecdhCurve, unless clientGroups or serverGroups says otherwise for one. */
  group?: string;
  clientGroups?: string;
  serverGroups?: string;
  ciphers?: string;
  version?: 'TLSv1.2';
}

function handshake(c: HandshakeCase) {
  const cert = certs!.get(c.kind);
  const serverGroups = c.serverGroups ?? c.group;
  const clientGroups = c.clientGroups ?? c.group;
  const version = c.version ? { minVersion: c.version, maxVersion: c.version } : {};
  const serverConfig = resolveServerOptions({ key: cert.key, cert: cert.cert, ...version, ...(serverGroups ? { ecdhCurve: serverGroups } : {}) }, c.server);
  const clientConfig = resolveClientOptions(
    {
      servername: 'localhost',
      rejectUnauthorized: false,
      ...version,
      ...(clientGroups ? { ecdhCurve: clientGroups } : {}),
      ...(c.ciphers ? { ciphers: c.ciphers } : {}),
    },
    c.client,
  );
  const s = newEndpointState();
  const cl = newEndpointState();
  const server = createServerConnection(serverConfig, endpointHandlers(s));
  const client = createClientConnection(clientConfig, endpointHandlers(cl));
  pump(client, server);
  return { client, server, c: cl, s };
}

function exchange(h: ReturnType<typeof handshake>, label: string): void {
  assert.deepEqual(h.c.errors, [], `${label}: client errors`);
  assert.deepEqual(h.s.errors, [], `${label}: server errors`);
  assert.ok(h.c.completed && h.s.completed, `${label}: both completed`);
  const up = bytes(40_000, 1);
  const down = bytes(70_000, 2);
  h.client.write(up);
  h.server.write(down);
  pump(h.client, h.server);
  assert.equal(toHex(joined(h.s.received)), toHex(up), `${label}: client to server`);
  assert.equal(toHex(joined(h.c.received)), toHex(down), `${label}: server to client`);
  if (h.client.info.version === 'TLSv1.3') h.client.updateKeys(true);
  h.client.write(Uint8Array.of(7));
  h.client.close();
  pump(h.client, h.server);
  assert.ok(h.s.peerClosed, `${label}: close_notify arrives after a key update`);
}

test('handshakes: portable on both sides and mixed with node, every certificate type, suite and group', { skip: skipNoOpenssl }, () => {
  const pairs: [string, CryptoProvider, CryptoProvider][] = [
    ['portable-portable', P, P],
    ['portable-node', P, N],
    ['node-portable', N, P],
  ];
  const suites = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
  const groups = ['X25519', 'X448', 'P-256', 'P-384', 'P-521'];
  let n = 0;
  for (const [pairName, client, server] of pairs) {
    for (const kind of ['p256', 'p384', 'p521', 'ed25519'] as const) {
      for (const [i, ciphers] of suites.entries()) {
        for (const [j, group] of groups.entries()) {
          if ((i + j + n) % 2 === 1 && pairName !== 'portable-portable') continue; // half the mixed matrix, rotating
          const label = `${pairName} ${kind} ${ciphers} ${group}`;
          const h = handshake({ client, server, kind, group, ciphers });
          exchange(h, label);
          assert.equal(h.client.info.cipherSuite?.name, ciphers);
          assert.equal(h.client.info.group?.opensslName, group);
          count('handshakes');
        }
      }
      n++;
    }
  }
});

test('handshakes: TLS 1.2 ECDHE over x448 and secp521r1 with a P-521 certificate, portable on either side', { skip: skipNoOpenssl }, () => {
  const pairs: [string, CryptoProvider, CryptoProvider][] = [
    ['portable-portable', P, P],
    ['portable-node', P, N],
    ['node-portable', N, P],
  ];
  for (const [pairName, client, server] of pairs) {
    // RFC 8422 §5.1.1: the client's supported_groups also vouch for the certificate's curve.
    for (const [group, clientGroups] of [
      ['X448', 'X448:P-521'],
      ['P-521', 'P-521'],
    ] as const) {
      const h = handshake({ client, server, kind: 'p521', version: 'TLSv1.2', serverGroups: group, clientGroups, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
      exchange(h, `${pairName} TLS 1.2 ${group}`);
      assert.equal(h.client.info.version, 'TLSv1.2');
      assert.equal(h.client.info.group?.opensslName, group);
      assert.equal(h.server.info.group?.opensslName, group);
      count('handshakes');
    }
  }
});

test('handshakes: a portable client without WebCrypto refuses an RSA server certificate with unsupported_certificate', { skip: skipNoOpenssl }, async () => {
  const h = handshake({ client: new PortableCryptoProvider({ subtle: null }), server: N, kind: 'rsa' });
  await pumpAsync(h.client, h.server);
  assert.equal(h.c.errors[0]?.alert, 'unsupported_certificate');
  assert.match(h.c.errors[0]!.message, /WebCrypto/);
  assert.equal(h.s.errors[0]?.alert, 'unsupported_certificate');
  assert.equal(h.s.errors[0]?.origin, 'peer');
  assert.ok(h.c.events.some((e) => e.kind === 'alert' && e.direction === 'sent' && e.description === AlertDescription.unsupported_certificate));
});

test('handshakes: RSA through the RsaOperations extension point, portable on both sides', { skip: skipNoOpenssl }, () => {
  const withRsa = new PortableCryptoProvider({ rsa: nodeRsa });
  for (const kind of ['rsa', 'rsa-pss'] as const) {
    for (const [client, server] of [
      [withRsa, withRsa],
      [withRsa, N],
      [N, withRsa],
    ] as const) {
      exchange(handshake({ client, server, kind }), `${kind} ${client.name}-${server.name}`);
      count('handshakes');
    }
  }
});

for (const [clientName, clientProvider, serverName, serverProvider] of [
  ['portable', P, 'node', N],
  ['node', N, 'portable', P],
] as const) {
  test(`handshakes: X25519MLKEM768, ${clientName} client and ${serverName} server (the server encapsulates)`, { skip: skipNoOpenssl }, () => {
    const { client, server, c } = handshake({ client: clientProvider, server: serverProvider, kind: 'p256', clientGroups: 'X25519MLKEM768:X25519' });
    assert.deepEqual(c.errors, []);
    assert.equal(client.info.group?.name, 'X25519MLKEM768');
    assert.equal(server.info.group?.name, 'X25519MLKEM768');
    assert.ok(!c.events.some((e) => e.kind === 'step' && e.step === 'hello-retry-request'));
    count('handshakes');
  });
}

test('handshakes: a server without X25519MLKEM768 answers the classic share the client sent alongside', { skip: skipNoOpenssl }, () => {
  const { client, c } = handshake({ client: P, server: N, kind: 'p256', serverGroups: 'X25519:P-256' });
  assert.deepEqual(c.errors, []);
  assert.equal(client.info.group?.name, 'x25519');
  assert.ok(!c.events.some((e) => e.kind === 'step' && e.step === 'hello-retry-request'), 'no retry: the x25519 share was there');
  count('handshakes');
});
