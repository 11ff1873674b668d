// Keying material exporters (RFC 8446 §7.5, RFC 5705) between our own client and server; the
// interop tests check the same values against node:tls (OpenSSL) and openssl s_client.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TlsError } from '../../src/errors.js';
import { tls12Exporter } from '../../src/handshake/exporter.js';
import { Secret } from '../../src/crypto/secret.js';
import { toHex } from '../../src/wire/bytes.js';
import { makePair, serverConfigFor } from '../helpers/engine.js';
import { pump } from '../helpers/pair.js';
import { testProvider } from '../helpers/provider.js';

const LABEL = 'EXPERIMENTAL-tlskit-test';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function connected(version: 'TLSv1.2' | 'TLSv1.3', session?: Uint8Array, server = serverConfigFor()) {
  const pair = makePair({ minVersion: version, maxVersion: version, ...(session ? { session } : {}) }, server);
  pump(pair.client, pair.server);
  assert.deepEqual([...pair.c.errors, ...pair.s.errors], []);
  assert.ok(pair.client.isConnected && pair.server.isConnected);
  return pair;
}

function refuses(f: () => unknown, message: RegExp): void {
  assert.throws(f, (err: unknown) => err instanceof TlsError && err.alert === 'internal_error' && message.test(err.message));
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`exportKeyingMaterial, ${version}`, () => {
    test('both sides derive the same bytes; label, context and length change them', () => {
      const { client, server } = connected(version);
      const same = (length: number, label: string, context?: Uint8Array): string => {
        const c = toHex(client.exportKeyingMaterial(length, label, context));
        assert.equal(c, toHex(server.exportKeyingMaterial(length, label, context)), `${label} ${context ? toHex(context) : 'no context'} ${length}`);
        assert.equal(c.length, length * 2);
        return c;
      };
      const base = same(32, LABEL);
      const values = [base, same(32, 'EXPERIMENTAL-other'), same(32, LABEL, text('context')), same(32, LABEL, text('other context'))];
      assert.equal(new Set(values).size, values.length, 'every input gives other bytes');
      // A longer output starts differently: the length is part of HkdfLabel in TLS 1.3; the TLS 1.2
      // PRF is a stream, so there the shorter output is a prefix of the longer.
      const long = same(100, LABEL);
      assert.equal(long.startsWith(base), version === 'TLSv1.2');
      // RFC 8446 §7.5: no context and an empty context are the same; RFC 5705 §4 tells them apart.
      assert.equal(same(32, LABEL, new Uint8Array(0)) === base, version === 'TLSv1.3');
    });

    test('another connection exports other bytes, and so does a resumed one', () => {
      const server = serverConfigFor();
      const first = connected(version, undefined, server);
      const second = connected(version, undefined, server);
      const resumed = connected(version, first.c.sessions.at(-1), server);
      assert.equal(resumed.client.info.resumed, true);
      const values = [first, second, resumed].map((p) => toHex(p.client.exportKeyingMaterial(32, LABEL)));
      assert.equal(toHex(resumed.server.exportKeyingMaterial(32, LABEL)), values[2]);
      assert.equal(new Set(values).size, 3);
    });

    test('not before the handshake completes, and not after the keys were wiped', () => {
      const pair = makePair({ minVersion: version, maxVersion: version });
      refuses(() => pair.client.exportKeyingMaterial(32, LABEL), /handshake has not completed/);
      refuses(() => pair.server.exportKeyingMaterial(32, LABEL), /handshake has not completed/);
      pump(pair.client, pair.server);
      pair.client.close();
      pump(pair.client, pair.server);
      pair.server.close();
      pump(pair.client, pair.server);
      refuses(() => pair.client.exportKeyingMaterial(32, LABEL), /keys were wiped/);
    });

    test('lengths out of range are refused; the connection goes on', () => {
      const pair = connected(version);
      refuses(() => pair.client.exportKeyingMaterial(0, LABEL), /length must be a whole number/);
      refuses(() => pair.client.exportKeyingMaterial(1.5, LABEL), /length must be a whole number/);
      refuses(() => pair.client.exportKeyingMaterial(version === 'TLSv1.3' ? 255 * 32 + 1 : 65536, LABEL), /length must be a whole number/);
      pair.client.write(text('still open'));
      pump(pair.client, pair.server);
      assert.equal(new TextDecoder().decode(pair.s.received.at(-1)), 'still open');
    });
  });
}

describe('exportKeyingMaterial, rules of each version', () => {
  test('TLS 1.3: a label longer than HkdfLabel allows (249 bytes after "tls13 ") is refused', () => {
    const { client } = connected('TLSv1.3');
    assert.equal(client.exportKeyingMaterial(16, 'x'.repeat(249)).length, 16);
    refuses(() => client.exportKeyingMaterial(16, 'x'.repeat(250)), /label is 250 bytes/);
  });

  test('TLS 1.2: labels of the key schedule itself are refused (RFC 5705 §4)', () => {
    const { client } = connected('TLSv1.2');
    for (const label of ['client finished', 'server finished', 'master secret', 'extended master secret', 'key expansion']) {
      refuses(() => client.exportKeyingMaterial(32, label), /label of the TLS key schedule/);
    }
  });

  test('TLS 1.2 without the extended master secret exports nothing (RFC 7627)', () => {
    const random = new Uint8Array(32);
    const withEms = tls12Exporter(testProvider, 'sha256', new Secret(new Uint8Array(48).fill(7)), random, random, true);
    assert.equal(withEms.export(LABEL, undefined, 32).length, 32);
    const withoutEms = tls12Exporter(testProvider, 'sha256', new Secret(new Uint8Array(48).fill(7)), random, random, false);
    refuses(() => withoutEms.export(LABEL, undefined, 32), /did not negotiate the extended master secret/);
  });
});
