// What a session keeps, and how long (issue 13, point 4): a chain that did not validate is not
// stored (its leaf alone is), the in-memory TLS 1.2 session cache is bounded in bytes as well as
// entries, its entries expire after sessionTimeout, and tickets (TLS 1.2 and 1.3) stay small
// whatever chain the client sends.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySessionStore, decodeSession, encodeSession } from '../../src/handshake/session.js';
import { DEFAULT_SESSION_CACHE_BYTES, DEFAULT_SESSION_CACHE_ENTRIES } from '../../src/protocol/limits.js';
import { createTestPki, testKeyPair } from '../../src/devcert/test-pki.js';
import { createCertificate } from '../../src/devcert/certificate-builder.js';
import { subjectAltNamesFor } from '../../src/devcert/names.js';
import type { ClientOptions } from '../../src/engine/options.js';
import { makePair, serverConfigFor, testPki } from '../helpers/engine.js';
import { pump } from '../helpers/pair.js';

const id = (n: number): Uint8Array => Uint8Array.of(n >>> 8, n & 0xff, ...new Uint8Array(30));
const blob = (size: number): Uint8Array => new Uint8Array(size).fill(7);

describe('MemorySessionStore', () => {
  test('bounded in entries: the oldest goes first', () => {
    const store = new MemorySessionStore({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) store.set(id(i), blob(10), 0, 1000);
    assert.equal(store.size, 3);
    assert.equal(store.get(id(0), 0), undefined);
    assert.equal(store.get(id(1), 0), undefined);
    assert.ok(store.get(id(4), 0));
  });

  test('bounded in bytes (sessions and ids): the oldest go until the new one fits', () => {
    const store = new MemorySessionStore({ maxBytes: 1000 });
    for (let i = 0; i < 10; i++) store.set(id(i), blob(200), 0, 1000);
    assert.ok(store.byteLength <= 1000, `holds ${store.byteLength} bytes`);
    assert.equal(store.size, 4, 'four of 232 bytes fit in 1000');
    assert.equal(store.get(id(5), 0), undefined);
    assert.ok(store.get(id(9), 0));
    // One session larger than the whole bound is not kept, and evicts nothing.
    store.set(id(99), blob(2000), 0, 1000);
    assert.equal(store.get(id(99), 0), undefined);
    assert.equal(store.size, 4);
    // Replacing an entry does not count it twice.
    store.set(id(9), blob(200), 0, 1000);
    assert.equal(store.byteLength, 4 * 232);
  });

  test('entries expire: get refuses them, set drops them', () => {
    const store = new MemorySessionStore();
    store.set(id(1), blob(100), 0, 300_000);
    store.set(id(2), blob(100), 1000, 301_000);
    assert.ok(store.get(id(1), 299_999));
    assert.equal(store.get(id(1), 300_000), undefined, 'expired at its time');
    assert.equal(store.size, 1, 'and dropped');
    store.set(id(3), blob(100), 301_000, 601_000);
    assert.equal(store.size, 1, 'a set drops what expired meanwhile');
    assert.equal(store.byteLength, 132);
  });

  test('the defaults are the limits of src/protocol/limits.ts', () => {
    const store = new MemorySessionStore();
    for (let i = 0; i < DEFAULT_SESSION_CACHE_ENTRIES + 10; i++) store.set(id(i), blob(1), 0, 1000);
    assert.equal(store.size, DEFAULT_SESSION_CACHE_ENTRIES);
    assert.ok(store.byteLength <= DEFAULT_SESSION_CACHE_BYTES);
  });
});

/** A client whose certificate is a self-signed leaf followed by certificates that have nothing to do with it. */
function junkChainClient(extra: number): ClientOptions & { leafDer: Uint8Array } {
  const own = createTestPki({ names: ['client.test'] });
  const junk = Array.from({ length: extra }, () => createTestPki({ leafKey: 'rsa-2048', names: ['junk.test'] }).leaf.pem).join('');
  return { cert: own.leaf.pem + own.ca.certificate.pem + junk, key: own.keyPem, leafDer: own.leaf.der };
}

describe('a client chain that does not validate is not stored (requestCert, rejectUnauthorized: false)', () => {
  const client = junkChainClient(7);
  const { leafDer, ...clientOptions } = client;
  const lax = { requestCert: true, rejectUnauthorized: false, maxCertificateChainLength: 10 };

  test('TLS 1.2 session cache: the leaf alone; resumption still shows it', () => {
    const store = new MemorySessionStore();
    const server = serverConfigFor({ ...lax, tickets: false, sessionStore: store });
    const first = makePair({ ...clientOptions, maxVersion: 'TLSv1.2' }, server);
    pump(first.client, first.server);
    assert.deepEqual(first.s.errors, []);
    assert.equal(first.server.info.authorized, false);
    assert.equal(first.server.info.peerCertificates.length, 9, 'the client sent its leaf, its CA and 7 more');
    assert.equal(store.size, 1);
    assert.ok(store.byteLength < leafDer.length + 512, `the entry holds ${store.byteLength} bytes for a ${leafDer.length}-byte leaf`);
    const second = makePair({ ...clientOptions, maxVersion: 'TLSv1.2', session: first.c.sessions[0]! }, server);
    pump(second.client, second.server);
    assert.deepEqual(second.s.errors, []);
    assert.equal(second.server.info.resumed, true);
    assert.equal(second.server.info.authorized, false);
    assert.deepEqual(second.server.info.peerCertificates, [leafDer]);
    assert.equal(second.server.info.authorizationError?.alert, first.server.info.authorizationError?.alert, 'why it was not authorized carries over');
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version} tickets: the leaf alone, so a client cannot make them large`, () => {
      const server = serverConfigFor({ ...lax, sessionStore: false });
      const pair = makePair({ ...clientOptions, maxVersion: version }, server);
      pump(pair.client, pair.server);
      assert.deepEqual(pair.s.errors, []);
      assert.equal(pair.server.info.peerCertificates.length, 9);
      const ticket = decodeSession(pair.c.sessions[0]!).ticket!;
      assert.ok(ticket.length < leafDer.length + 512, `a ${ticket.length}-byte ticket for a ${leafDer.length}-byte leaf`);
    });
  }
});

test('a server chain that does not validate: the client session keeps the leaf alone', () => {
  const pki = testPki();
  const junk = Array.from({ length: 5 }, () => createTestPki({ names: ['junk.test'] }).leaf.pem).join('');
  const server = serverConfigFor({ cert: pki.chainPem + junk, key: pki.keyPem });
  const pair = makePair({ rejectUnauthorized: false, ca: createTestPki().caPem }, server);
  pump(pair.client, pair.server);
  assert.deepEqual(pair.c.errors, []);
  assert.equal(pair.client.info.authorized, false);
  assert.equal(pair.client.info.peerCertificates.length, 6);
  assert.deepEqual(decodeSession(pair.c.sessions[0]!).peerCertificates, [pki.leaf.der]);
});

test('a validated chain keeps only the certificates of the validated path', () => {
  const pki = testPki({ intermediate: true });
  const junk = createTestPki({ names: ['junk.test'] }).leaf.pem;
  const server = serverConfigFor({ cert: pki.chainPem + junk, key: pki.keyPem }, pki);
  const pair = makePair({}, server, pki);
  pump(pair.client, pair.server);
  assert.deepEqual(pair.c.errors, []);
  assert.equal(pair.client.info.authorized, true);
  assert.equal(pair.client.info.peerCertificates.length, 3);
  assert.deepEqual(decodeSession(pair.c.sessions[0]!).peerCertificates, [pki.leaf.der, pki.intermediate!.certificate.der]);
});

test('TLS 1.2 session cache entries expire after sessionTimeout (injected clock)', () => {
  let now = Date.now();
  const store = new MemorySessionStore();
  const server = serverConfigFor({ tickets: false, sessionStore: store, sessionTimeout: 60, now: () => new Date(now) });
  const clock = { now: () => new Date(now) };
  const first = makePair({ maxVersion: 'TLSv1.2', ...clock }, server);
  pump(first.client, first.server);
  assert.equal(store.size, 1);
  now += 59_000;
  const resumed = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]!, ...clock }, server);
  pump(resumed.client, resumed.server);
  assert.equal(resumed.server.info.resumed, true, 'within sessionTimeout');
  now += 2_000;
  const other = makePair({ maxVersion: 'TLSv1.2', ...clock }, server);
  pump(other.client, other.server);
  assert.deepEqual(other.s.errors, []);
  assert.equal(store.size, 1, 'the expired entry is gone once another is stored');
  const late = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]!, ...clock, now: () => new Date(now - 5_000) }, server);
  pump(late.client, late.server);
  assert.equal(late.server.info.resumed, false);
});

test('a session whose server certificate has expired meanwhile is not offered: the full handshake refuses it', () => {
  const pki = testPki();
  const start = Date.now();
  let now = start;
  const leafKey = testKeyPair('ec-p256');
  const leaf = createCertificate({
    subject: 'CN=localhost',
    subjectKey: leafKey,
    issuer: pki.ca,
    subjectAltNames: subjectAltNamesFor(['localhost']),
    notBefore: new Date(start - 60_000),
    notAfter: new Date(start + 10 * 60_000),
  });
  const server = serverConfigFor({ key: leafKey.privateKeyPem, cert: leaf.pem, sessionTimeout: 3600, now: () => new Date(now) });
  const first = makePair({ now: () => new Date(now) }, server);
  pump(first.client, first.server);
  assert.deepEqual(first.c.errors, []);
  assert.equal(first.client.info.authorized, true);
  now = start + 20 * 60_000; // the ticket is fresh (an hour), the certificate is not
  const second = makePair({ session: first.c.sessions[0]!, now: () => new Date(now) }, server);
  pump(second.client, second.server);
  assert.equal(second.client.info.resumed, false);
  assert.equal(second.c.errors[0]?.alert, 'certificate_expired');
});

test('a session without a trust digest (written before there was one) is not offered; the new fields round-trip', () => {
  const server = serverConfigFor();
  const lax = { rejectUnauthorized: false, ca: createTestPki().caPem };
  const first = makePair(lax, server);
  pump(first.client, first.server);
  const session = decodeSession(first.c.sessions[0]!);
  assert.equal(session.trustDigest?.length, 32);
  assert.equal(session.authorizationError?.alert, first.client.info.authorizationError?.alert);
  assert.equal(session.authorizationError?.message, first.client.info.authorizationError?.message);
  const again = decodeSession(encodeSession(session));
  assert.deepEqual(again.trustDigest, session.trustDigest);
  assert.equal(again.authorizationError?.message, session.authorizationError?.message);
  const resumed = makePair({ ...lax, session: encodeSession(again) }, server);
  pump(resumed.client, resumed.server);
  assert.equal(resumed.client.info.resumed, true, 'with its digest: resumed');
  const { trustDigest: _dropped, ...old } = session;
  const second = makePair({ ...lax, session: encodeSession(old) }, server);
  pump(second.client, second.server);
  assert.deepEqual(second.c.errors, []);
  assert.equal(second.client.info.resumed, false);
});
