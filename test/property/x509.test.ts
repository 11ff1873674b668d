// Random and mutated input into the X.509 decoders: only TlsError('bad_certificate') may come out.
import { strict as assert } from 'node:assert';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { TlsError } from '../../src/errors.js';
import { parseCertificate, parseCrl } from '../../src/x509/index.js';
import { rsaPublicExponentViolation } from '../../src/crypto/public-key-info.js';
import { standardChain, TestPki } from '../x509/fixtures.js';

const pki = new TestPki();
after(() => pki.cleanup());
const { intermediate, leaf } = standardChain(pki, ['DNS:www.example.com', 'IP:192.0.2.1']);
const crl = pki.crl(intermediate, [leaf]).der;

function onlyTlsErrors(parse: (der: Uint8Array) => unknown, der: Uint8Array): void {
  try {
    parse(der);
  } catch (err) {
    assert.ok(err instanceof TlsError && err.alert === 'bad_certificate', `unexpected ${String(err)}`);
  }
}

test('random bytes into parseCertificate and parseCrl', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      onlyTlsErrors(parseCertificate, bytes);
      onlyTlsErrors(parseCrl, bytes);
    }),
    { numRuns: 2000 },
  );
});

test('a valid certificate and CRL with bytes flipped, inserted or removed', () => {
  const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('flip', 'insert', 'delete') });
  const mutate = (base: Uint8Array, m: { at: number; value: number; kind: string }): Uint8Array => {
    const at = m.at % base.length;
    if (m.kind === 'flip') return Uint8Array.from(base, (b, i) => (i === at ? b ^ (m.value || 1) : b));
    if (m.kind === 'insert') return new Uint8Array([...base.subarray(0, at), m.value, ...base.subarray(at)]);
    return new Uint8Array([...base.subarray(0, at), ...base.subarray(at + 1)]);
  };
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      onlyTlsErrors(parseCertificate, mutations.reduce(mutate, leaf.der));
      onlyTlsErrors(parseCrl, mutations.reduce(mutate, crl));
    }),
    { numRuns: 3000 },
  );
});

test('the RSA exponent rule: bytes and bigint agree, and only odd 3 ≤ e ≤ 2^32 pass (src/crypto/public-key-info.ts)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 9 }), (bytes) => {
      let e = 0n;
      for (const b of bytes) e = (e << 8n) | BigInt(b);
      const fromBytes = rsaPublicExponentViolation(bytes);
      assert.equal(fromBytes, rsaPublicExponentViolation(e));
      assert.equal(fromBytes === undefined, e >= 3n && e <= 1n << 32n && e % 2n === 1n, `e = ${e}`);
    }),
    { numRuns: 3000 },
  );
});
