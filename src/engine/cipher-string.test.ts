// The `ciphers` string as node:tls and OpenSSL read it (src/engine/cipher-string.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { parseCipherString } from './cipher-string.js';
import { DEFAULT_CIPHER_SUITES } from '../protocol/cipher-suites.js';

const names = (s: string | undefined) => parseCipherString(s).suites.map((x) => x.opensslName);
const tls12 = (s: string) => names(s).filter((n) => !n.startsWith('TLS_'));
const DEFAULT13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

test('absent or empty: the defaults', () => {
  assert.deepEqual(
    names(undefined),
    DEFAULT_CIPHER_SUITES.map((s) => s.opensslName),
  );
  assert.deepEqual(names(''), names(undefined));
});

test('TLS 1.2 names only: TLS 1.3 suites stay at their defaults (node passes no TLS_ names to OpenSSL)', () => {
  assert.deepEqual(names('ECDHE-RSA-AES128-GCM-SHA256'), [...DEFAULT13, 'ECDHE-RSA-AES128-GCM-SHA256']);
  assert.equal(parseCipherString('ECDHE-RSA-AES128-GCM-SHA256').tls13Only, false);
});

test('TLS_ names only: those TLS 1.3 suites, no TLS 1.2 suite (the minimum becomes TLS 1.3)', () => {
  const parsed = parseCipherString('TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384');
  assert.deepEqual(
    parsed.suites.map((s) => s.name),
    ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'],
  );
  assert.equal(parsed.tls13Only, true);
  // Names OpenSSL does not know are skipped when another matches, as OpenSSL does.
  assert.deepEqual(names('TLS_NOPE:TLS_AES_128_GCM_SHA256'), ['TLS_AES_128_GCM_SHA256']);
});

test('OpenSSL list syntax: aliases, +, !, -, + move, @STRENGTH', () => {
  assert.deepEqual(
    tls12('HIGH'),
    DEFAULT_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.2').map((s) => s.opensslName),
  );
  assert.deepEqual(tls12('kRSA'), ['AES128-GCM-SHA256', 'AES256-GCM-SHA384']);
  assert.deepEqual(tls12('ECDHE+AESGCM+aECDSA'), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
  assert.deepEqual(tls12('HIGH:!aRSA'), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
  assert.deepEqual(tls12('aECDSA:-AES128:AES128'), [
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ]);
  assert.deepEqual(tls12('aECDSA:!AES128:AES128'), ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'], '! is for good');
  assert.deepEqual(tls12('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:+AES128'), [
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
  ]);
  assert.deepEqual(tls12('aECDSA:@STRENGTH'), ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
  assert.deepEqual(tls12('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), ['ECDHE-RSA-AES128-GCM-SHA256'], 'IANA names of TLS 1.2 suites too');
  assert.ok(tls12('DEFAULT@SECLEVEL=2').length > 0);
});

test("node's own DEFAULT_CIPHERS string reads as tlskit's forward-secret suites", () => {
  assert.deepEqual(new Set(names(nodeTls.DEFAULT_CIPHERS)), new Set(DEFAULT_CIPHER_SUITES.map((s) => s.opensslName)));
});

test('a part selecting no implemented suite: ERR_SSL_NO_CIPHER_MATCH naming it and listing what is supported', () => {
  for (const bad of [
    'no-such-cipher',
    '!aNULL',
    '-ALL',
    'AES128-SHA:DES-CBC3-SHA',
    'TLS_AES_128_CCM_8_SHA256',
    'TLS_NOPE',
    'TLS_AES_128_GCM_SHA256:AES128-SHA',
  ]) {
    assert.throws(
      () => parseCipherString(bad),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_SSL_NO_CIPHER_MATCH' && /no cipher match/.test(err.message) && /supported: .*ECDHE-RSA-AES128-GCM-SHA256/.test(err.message),
      bad,
    );
  }
  assert.throws(() => parseCipherString(':'), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => parseCipherString('DEFAULT@SECLEVEL=3'), /SECLEVEL=3 is not supported/);
  assert.throws(() => parseCipherString('HIGH@FOO'), /unsupported directive @FOO/);
});
