// The handshake trace decoder over real handshakes between two in-memory engines, and over
// malformed bytes (a truncated or garbled message is reported, never thrown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { createTestPki } from '../devcert/test-pki.js';
import { createClientConnection, createServerConnection } from './endpoints.js';
import { resolveClientOptions, resolveServerOptions, type ClientOptions, type ServerOptions } from './options.js';
import type { Connection } from './connection.js';
import type { TlsEvent } from './events.js';
import { HandshakeTracer, type TraceField, type TracedMessage } from './trace.js';

const pki = createTestPki({ intermediate: true, names: ['localhost'] });
const rsaPki = createTestPki({ leafKey: 'rsa-2048', caKey: 'ec-p256', names: ['localhost'] });

type MessageEvent = Extract<TlsEvent, { kind: 'handshake-message' }>;

/** Runs a handshake in memory; returns the client's handshake-message events in order. */
function handshake(client: ClientOptions = {}, server: ServerOptions = {}, chain = pki): MessageEvent[] {
  const events: MessageEvent[] = [];
  const s = createServerConnection(
    resolveServerOptions({ key: chain.keyPem, cert: chain.chainPem, ALPNProtocols: ['http/1.1'], ...server }, nodeCryptoProvider),
  );
  const c = createClientConnection(
    resolveClientOptions({ servername: 'localhost', ca: chain.caPem, ALPNProtocols: ['h2', 'http/1.1'], ...client }, nodeCryptoProvider),
    {
      event: (e) => {
        if (e.kind === 'handshake-message') events.push(e);
      },
    },
  );
  pump(c, s);
  assert.ok(c.isConnected, `handshake failed: ${c.error?.message ?? s.error?.message}`);
  return events;
}

function pump(a: Connection, b: Connection): void {
  for (let i = 0; i < 50; i++) {
    const x = a.takeOutput();
    const y = b.takeOutput();
    if (x.length === 0 && y.length === 0) return;
    for (const chunk of x) b.receive(chunk);
    for (const chunk of y) a.receive(chunk);
  }
}

const find = (fields: readonly TraceField[], name: string): TraceField => {
  const f = fields.find((x) => x.name === name);
  assert.ok(f, `no field ${name} in ${fields.map((x) => x.name).join(', ')}`);
  return f;
};

function traceAll(events: readonly MessageEvent[]): TracedMessage[] {
  const tracer = new HandshakeTracer();
  return events.map((e) => tracer.decode(e));
}

test('trace: a TLS 1.3 handshake, every message decoded with named fields', () => {
  const traced = traceAll(handshake());
  assert.deepEqual(
    traced.map((m) => `${m.direction} ${m.name}`),
    [
      'sent ClientHello',
      'received ServerHello',
      'received EncryptedExtensions',
      'received Certificate',
      'received CertificateVerify',
      'received Finished',
      'sent Finished',
      'received NewSessionTicket',
      'received NewSessionTicket',
    ].slice(0, traced.length),
  );
  for (const m of traced) assert.equal(m.error, undefined, `${m.name}: ${m.error}`);
  const [ch, sh, ee, cert, cv, fin] = traced as [TracedMessage, TracedMessage, TracedMessage, TracedMessage, TracedMessage, TracedMessage];
  assert.match(find(ch.fields, 'cipher_suites').value, /^TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_/);
  const chExt = find(ch.fields, 'extensions').fields!;
  assert.equal(find(chExt, 'server_name').value, 'localhost');
  assert.equal(find(chExt, 'supported_versions').value, 'TLSv1.3 (0x0304), TLSv1.2 (0x0303)');
  assert.equal(find(chExt, 'key_share').value, 'X25519MLKEM768 (1216 bytes), x25519 (32 bytes)');
  assert.equal(find(chExt, 'application_layer_protocol_negotiation').value, 'h2, http/1.1');
  assert.equal(find(sh.fields, 'cipher_suite').value, 'TLS_AES_128_GCM_SHA256');
  assert.equal(find(find(sh.fields, 'extensions').fields!, 'supported_versions').value, 'TLSv1.3 (0x0304)');
  assert.equal(find(find(ee.fields, 'extensions').fields!, 'application_layer_protocol_negotiation').value, 'http/1.1');
  const list = find(cert.fields, 'certificate_list');
  assert.equal(list.value, '2 certificates');
  assert.equal(list.fields![0]!.value, 'CN=localhost, O=tlskit test');
  assert.equal(find(list.fields![0]!.fields!, 'names').value, 'localhost');
  assert.equal(find(list.fields![1]!.fields!, 'issuer').value, 'CN=tlskit test root CA, O=tlskit test');
  assert.equal(find(cv.fields, 'algorithm').value, 'ecdsa_secp256r1_sha256');
  assert.equal(find(fin.fields, 'verify_data').value, '32 bytes');
});

test('trace: TLS 1.2 with ECDHE and with RSA key transport', () => {
  const ecdhe = traceAll(handshake({ maxVersion: 'TLSv1.2' }));
  assert.deepEqual(ecdhe.map((m) => m.name).slice(0, 5), ['ClientHello', 'ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone']);
  for (const m of ecdhe) assert.equal(m.error, undefined, `${m.name}: ${m.error}`);
  const ske = ecdhe[3]!;
  assert.equal(find(ske.fields, 'named_curve').value, 'x25519');
  assert.equal(find(ecdhe[5]!.fields, 'ecdh_Yc').value, '32 bytes');
  assert.equal(find(ecdhe[1]!.fields, 'legacy_version').value, 'TLSv1.2 (0x0303)');
  assert.equal(ecdhe[2]!.fields[0]!.value, '2 certificates');

  const rsa = traceAll(handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }, { ciphers: 'AES128-GCM-SHA256' }, rsaPki));
  const cke = rsa.find((m) => m.name === 'ClientKeyExchange')!;
  assert.equal(find(cke.fields, 'encrypted_premaster_secret').value, '256 bytes');
  assert.equal(find(rsa[1]!.fields, 'cipher_suite').value, 'TLS_RSA_WITH_AES_128_GCM_SHA256');
});

test('trace: a HelloRetryRequest is named and shows the group asked for', () => {
  const traced = traceAll(handshake({ ecdhCurve: 'X25519:P-256' }, { ecdhCurve: 'P-256' }));
  assert.equal(traced[1]!.name, 'HelloRetryRequest');
  assert.equal(find(find(traced[1]!.fields, 'extensions').fields!, 'key_share').value, 'selected_group secp256r1');
  assert.equal(traced[2]!.name, 'ClientHello');
});

test('trace: unknown and GREASE code points keep their numbers', () => {
  const tracer = new HandshakeTracer();
  // A ClientHello offering GREASE, a CBC suite, X25519MLKEM768 and an unknown extension 0x1234.
  const body = [
    0x03,
    0x03,
    ...new Array(32).fill(7),
    0x00,
    0x00,
    0x06,
    0x0a,
    0x0a,
    0xc0,
    0x13,
    0x13,
    0x01,
    0x01,
    0x00,
    0x00,
    0x0e,
    0x00,
    0x0a,
    0x00,
    0x06,
    0x00,
    0x04,
    0x11,
    0xec,
    0x00,
    0x1d,
    0x12,
    0x34,
    0x00,
    0x00,
  ];
  const raw = Uint8Array.from([1, 0, 0, body.length, ...body]);
  const m = tracer.decode({ direction: 'received', type: 1, raw });
  assert.equal(m.error, undefined);
  assert.equal(find(m.fields, 'cipher_suites').value, 'GREASE (0x0a0a), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_AES_128_GCM_SHA256');
  const ext = find(m.fields, 'extensions').fields!;
  assert.equal(find(ext, 'supported_groups').value, 'X25519MLKEM768, x25519');
  assert.equal(find(ext, 'extension_4660').value, '(empty)');
});

test('trace: every strict prefix of each message, and garbage, is reported as an error, not thrown', () => {
  const events = handshake();
  for (const event of events) {
    if (event.type === 20) continue; // Finished: verify_data has no inner structure to truncate
    for (let cut = 4; cut < event.raw.length; cut += Math.max(1, Math.floor(event.raw.length / 40))) {
      const tracer = new HandshakeTracer();
      if (event.type !== 1 && event.type !== 2) tracer.decode(events[1]!); // the version context
      const m = tracer.decode({ ...event, raw: event.raw.subarray(0, cut) });
      assert.ok(m.error, `${m.name} cut at ${cut} decoded without error`);
    }
  }
  const garbage = new HandshakeTracer().decode({ direction: 'received', type: 11, raw: Uint8Array.of(11, 0, 0, 5, 0, 0, 0, 2, 0) });
  assert.match(garbage.error ?? '', /certificate/);
  assert.deepEqual(garbage.fields, []);
});
