// TLS 1.2 on the in-memory pair: every suite, resumption, RSA key transport's padding-oracle
// resistance, downgrade protection and refused versions (issue 4).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { readClientHello, buildClientHello } from '../../src/messages/client-hello.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { DOWNGRADE_TLS12, ExtensionType, HandshakeType } from '../../src/protocol/constants.js';
import { decodeSession, encodeSession } from '../../src/handshake/session.js';
import { Reader } from '../../src/wire/reader.js';
import { equalBytes } from '../../src/wire/bytes.js';
import { makePair, serverConfigFor, testPki } from '../helpers/engine.js';
import { joined, pump, pumpRecords, type WireRecord } from '../helpers/pair.js';
import { needsSynchronousRsa } from '../helpers/provider.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decoded = (chunks: readonly Uint8Array[]): string => new TextDecoder().decode(joined(chunks));

function exchange(pair: ReturnType<typeof makePair>): void {
  pump(pair.client, pair.server);
  assert.deepEqual(pair.c.errors, [], 'client errors');
  assert.deepEqual(pair.s.errors, [], 'server errors');
  pair.client.write(text('ping'));
  pair.server.write(text('pong'));
  pump(pair.client, pair.server);
  assert.equal(decoded(pair.s.received), 'ping');
  assert.equal(decoded(pair.c.received), 'pong');
}

describe('TLS 1.2 suites', () => {
  const cases: [string, 'ec-p256' | 'rsa-2048' | 'ed25519'][] = [
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ec-p256'],
    ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ec-p256'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ec-p256'],
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ed25519'],
    ['ECDHE-RSA-AES128-GCM-SHA256', 'rsa-2048'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'rsa-2048'],
    ['ECDHE-RSA-CHACHA20-POLY1305', 'rsa-2048'],
    ['AES128-GCM-SHA256', 'rsa-2048'],
    ['AES256-GCM-SHA384', 'rsa-2048'],
  ];
  for (const [cipher, key] of cases) {
    test(`${cipher} with a ${key} certificate`, { skip: key === 'rsa-2048' && needsSynchronousRsa }, () => {
      const pki = testPki({ leafKey: key });
      const pair = makePair({ maxVersion: 'TLSv1.2', ciphers: cipher }, { ciphers: cipher }, pki);
      exchange(pair);
      assert.equal(pair.client.info.version, 'TLSv1.2');
      assert.equal(pair.client.info.cipherSuite?.opensslName, cipher);
      assert.equal(pair.server.info.cipherSuite?.opensslName, cipher);
      assert.equal(pair.client.info.extendedMasterSecret, true);
    });
  }

  test('RSA key transport is not offered or chosen unless named in ciphers', () => {
    const pki = testPki({ leafKey: 'rsa-2048' });
    const pair = makePair({ maxVersion: 'TLSv1.2' }, {}, pki);
    const hello = readClientHello(firstHandshake(pair.client.takeOutput()));
    assert.ok(!hello.cipherSuites.includes(0x009c) && !hello.cipherSuites.includes(0x009d));
    // A client that offers only RSA key transport gets handshake_failure from a default server.
    const rsaOnly = makePair({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' }, {}, pki);
    const only = readClientHello(firstHandshake(rsaOnly.client.takeOutput()));
    assert.deepEqual(
      only.cipherSuites.filter((s) => s < 0x1300),
      [0x009c, 0x009d],
    );
    const fresh = makePair({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' }, {}, pki);
    pump(fresh.client, fresh.server);
    assert.equal(fresh.s.errors[0]?.alert, 'handshake_failure');
    assert.match(fresh.s.errors[0]!.message, /no TLS 1\.2 cipher suite/);
    assert.equal(fresh.c.errors[0]?.alert, 'handshake_failure');
    assert.equal(fresh.c.errors[0]?.origin, 'peer');
  });

  // Found by interop: `openssl s_client -tls1_2 -groups X25519` aborted with illegal_parameter when
  // our server signed with a P-256 certificate (RFC 8422 §5.3: the curve must be one the client lists).
  test('an ECDSA certificate on a curve the client does not list is not used (RFC 8422 §5.3)', { skip: needsSynchronousRsa }, () => {
    const ec = testPki({ leafKey: 'ec-p256' });
    const rsa = testPki({ leafKey: 'rsa-2048' });
    const client = { maxVersion: 'TLSv1.2' as const, ecdhCurve: 'X25519', ca: [ec.caPem, rsa.caPem] };
    // With the RSA certificate as well, the server goes for ECDHE-RSA...
    const both = makePair(client, { key: [ec.keyPem, rsa.keyPem], cert: [ec.chainPem, rsa.chainPem] }, ec);
    exchange(both);
    assert.equal(both.server.info.cipherSuite?.authentication, 'rsa');
    // ...and with only the P-256 one, it has nothing to offer: handshake_failure, from us.
    const ecOnly = makePair(client, {}, ec);
    pump(ecOnly.client, ecOnly.server);
    assert.equal(ecOnly.s.errors[0]?.alert, 'handshake_failure');
    assert.equal(ecOnly.s.errors[0]?.origin, 'local');
    // A client that lists P-256 (not for the key exchange: x25519 comes first) gets the ECDSA one.
    const listed = makePair({ ...client, ecdhCurve: 'X25519:P-256' }, {}, ec);
    exchange(listed);
    assert.equal(listed.server.info.cipherSuite?.authentication, 'ecdsa');
    assert.equal(listed.server.info.group?.name, 'x25519');
  });
});

/** The first handshake message in a client's first flight. */
function firstHandshake(chunks: readonly Uint8Array[]) {
  const bytes = joined(chunks);
  const length = (bytes[3]! << 8) | bytes[4]!;
  const body = bytes.subarray(5, 5 + length);
  const r = new Reader(body);
  const type = r.u8();
  const len = r.u24();
  return { type, body: body.subarray(4, 4 + len), raw: body.subarray(0, 4 + len) };
}

describe('TLS 1.2 resumption', () => {
  test('by ticket: the second connection resumes, both sides agree', () => {
    const server = serverConfigFor();
    const first = makePair({ maxVersion: 'TLSv1.2' }, server);
    exchange(first);
    assert.equal(first.client.info.resumed, false);
    assert.equal(first.c.sessions.length, 1);
    const session = decodeSession(first.c.sessions[0]!);
    assert.ok(session.ticket && session.ticket.length > 0, 'the session carries a ticket');
    const second = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]! }, server);
    exchange(second);
    assert.equal(second.client.info.resumed, true);
    assert.equal(second.server.info.resumed, true);
  });

  test('by session id when tickets are off', () => {
    const server = serverConfigFor({ tickets: false });
    const first = makePair({ maxVersion: 'TLSv1.2' }, server);
    exchange(first);
    const session = decodeSession(first.c.sessions[0]!);
    assert.equal(session.ticket, undefined);
    assert.equal(session.sessionId?.length, 32);
    const second = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]! }, server);
    exchange(second);
    assert.equal(second.client.info.resumed, true);
    assert.equal(second.server.info.resumed, true);
  });

  test('a tampered ticket falls back to a full handshake', () => {
    const server = serverConfigFor();
    const first = makePair({ maxVersion: 'TLSv1.2' }, server);
    exchange(first);
    const session = decodeSession(first.c.sessions[0]!);
    const ticket = session.ticket!.slice();
    ticket[ticket.length - 1]! ^= 1;
    const second = makePair({ maxVersion: 'TLSv1.2', session: encodeSession({ ...session, ticket }) }, server);
    exchange(second);
    assert.equal(second.client.info.resumed, false);
    assert.equal(second.server.info.resumed, false);
  });

  test('another server (other ticket keys) does not resume; shared ticket keys do', () => {
    const keys = crypto.randomBytes(48);
    const a = serverConfigFor({ ticketKeys: keys });
    const b = serverConfigFor({ ticketKeys: keys });
    const other = serverConfigFor();
    const first = makePair({ maxVersion: 'TLSv1.2' }, a);
    exchange(first);
    const onB = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]! }, b);
    exchange(onB);
    assert.equal(onB.server.info.resumed, true);
    const onOther = makePair({ maxVersion: 'TLSv1.2', session: first.c.sessions[0]! }, other);
    exchange(onOther);
    assert.equal(onOther.server.info.resumed, false);
  });

  test('a session without the extended master secret is not offered (RFC 7627 §5.3)', () => {
    const server = serverConfigFor();
    const first = makePair({ maxVersion: 'TLSv1.2' }, server);
    exchange(first);
    const session = decodeSession(first.c.sessions[0]!);
    const second = makePair({ maxVersion: 'TLSv1.2', session: encodeSession({ ...session, extendedMasterSecret: false }) }, server);
    const hello = readClientHello(firstHandshake(second.client.takeOutput()));
    const ticketExtension = hello.extensions.find((e) => e.type === ExtensionType.session_ticket);
    assert.equal(ticketExtension?.body.length, 0, 'no ticket offered');
  });
});

describe('RSA key transport resists padding oracles (RFC 5246 §7.4.7.1)', { skip: needsSynchronousRsa }, () => {
  const pki = testPki({ leafKey: 'rsa-2048' });
  const publicKey = crypto.createPublicKey(pki.leaf.pem);
  const k = 256;

  /** Encrypts an arbitrary 256-byte block with the raw RSA operation. */
  const rawEncrypt = (block: Uint8Array): Uint8Array => crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING }, block);

  function pkcs1Block(mutate: (b: Uint8Array) => void = () => undefined): Uint8Array {
    const block = new Uint8Array(k);
    block[0] = 0;
    block[1] = 2;
    const padding = crypto.randomBytes(k - 3 - 48);
    for (let i = 0; i < padding.length; i++) block[2 + i] = padding[i]! | 1; // non-zero
    block[k - 49] = 0;
    block[k - 48] = 3;
    block[k - 47] = 3;
    block.set(crypto.randomBytes(46), k - 46);
    mutate(block);
    return block;
  }

  const variants: [string, () => Uint8Array][] = [
    ['a wrong but well-formed secret', () => rawEncrypt(pkcs1Block())],
    [
      'first byte not zero',
      () =>
        rawEncrypt(
          pkcs1Block((b) => {
            b[0] = 1;
          }),
        ),
    ],
    [
      'block type not 2',
      () =>
        rawEncrypt(
          pkcs1Block((b) => {
            b[1] = 1;
          }),
        ),
    ],
    [
      'no zero separator',
      () =>
        rawEncrypt(
          pkcs1Block((b) => {
            b[k - 49] = 7;
          }),
        ),
    ],
    [
      'separator too early (secret too long)',
      () =>
        rawEncrypt(
          pkcs1Block((b) => {
            b[20] = 0;
          }),
        ),
    ],
    [
      'wrong version bytes',
      () =>
        rawEncrypt(
          pkcs1Block((b) => {
            b[k - 48] = 3;
            b[k - 47] = 1;
          }),
        ),
    ],
    ['wrong ciphertext length', () => crypto.randomBytes(k - 1)],
    ['ciphertext above the modulus', () => new Uint8Array(k).fill(0xff)],
  ];

  for (const [name, makeCiphertext] of variants) {
    test(`${name}: the server fails only at Finished, with bad_record_mac`, () => {
      const cipher = 'AES128-GCM-SHA256';
      const pair = makePair({ maxVersion: 'TLSv1.2', ciphers: cipher }, { ciphers: cipher }, pki);
      const statesAtFailure: string[] = [];
      pumpRecords(
        pair.client,
        pair.server,
        (from, records) => (from === 'client' ? records.map(replaceKeyExchange(makeCiphertext())) : records),
        (to, record) => {
          if (to === 'server' && pair.s.errors.length > 0 && statesAtFailure.length === 0) statesAtFailure.push(`${record.type}`);
        },
      );
      assert.equal(pair.s.errors.length, 1);
      // The failure is on the protected Finished record (type 22 under the new keys), never on the key exchange.
      assert.equal(pair.s.errors[0]!.alert, 'bad_record_mac');
      assert.deepEqual(statesAtFailure, ['22']);
      assert.equal(pair.c.errors[0]?.alert, 'bad_record_mac');
      assert.equal(pair.c.errors[0]?.origin, 'peer');
    });
  }

  /** Replaces the EncryptedPreMasterSecret in a ClientKeyExchange record. */
  function replaceKeyExchange(encrypted: Uint8Array): (r: WireRecord) => WireRecord {
    return (r) => {
      if (r.type !== 22 || r.payload[0] !== HandshakeType.client_key_exchange) return r;
      const bodyLength = 2 + encrypted.length;
      const payload = new Uint8Array(4 + bodyLength);
      payload.set([HandshakeType.client_key_exchange, 0, bodyLength >>> 8, bodyLength & 0xff, encrypted.length >>> 8, encrypted.length & 0xff]);
      payload.set(encrypted, 6);
      return { type: 22, payload };
    };
  }
});

/** The random of the ServerHello at the start of a record payload (other messages may follow). */
function serverHelloRandom(payload: Uint8Array): Uint8Array {
  const length = (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!;
  const raw = payload.subarray(0, 4 + length);
  return readServerHello({ type: 2, body: raw.subarray(4), raw }).random;
}

describe('version negotiation and downgrade protection', () => {
  test('a TLS 1.3-capable server negotiating TLS 1.2 marks its random (RFC 8446 §4.1.3)', () => {
    const pair = makePair({ maxVersion: 'TLSv1.2' });
    const sh: Uint8Array[] = [];
    pumpRecords(pair.client, pair.server, (from, records) => {
      if (from === 'server') for (const r of records) if (r.type === 22 && r.payload[0] === HandshakeType.server_hello) sh.push(r.payload);
      return records;
    });
    assert.deepEqual(pair.c.errors, []);
    const random = serverHelloRandom(sh[0]!);
    assert.ok(equalBytes(random.subarray(24), DOWNGRADE_TLS12));
  });

  test('a TLS 1.2-only server does not mark its random', () => {
    const pair = makePair({ maxVersion: 'TLSv1.2' }, { maxVersion: 'TLSv1.2' });
    const sh: Uint8Array[] = [];
    pumpRecords(pair.client, pair.server, (from, records) => {
      if (from === 'server') for (const r of records) if (r.type === 22 && r.payload[0] === HandshakeType.server_hello) sh.push(r.payload);
      return records;
    });
    const random = serverHelloRandom(sh[0]!);
    assert.ok(!equalBytes(random.subarray(24), DOWNGRADE_TLS12));
  });

  test('a man in the middle stripping supported_versions is caught by the client (illegal_parameter)', () => {
    const pair = makePair();
    pumpRecords(pair.client, pair.server, (from, records) =>
      from !== 'client'
        ? records
        : records.map((r) => {
            if (r.type !== 22 || r.payload[0] !== HandshakeType.client_hello) return r;
            const hello = readClientHello({ type: 1, body: r.payload.subarray(4), raw: r.payload });
            const stripped = buildClientHello({ ...hello, extensions: hello.extensions.filter((e) => e.type !== ExtensionType.supported_versions) });
            return { type: 22, payload: stripped.raw };
          }),
    );
    assert.equal(pair.server.info.version, 'TLSv1.2', 'the server was fooled into TLS 1.2');
    assert.equal(pair.c.errors[0]?.alert, 'illegal_parameter');
    assert.match(pair.c.errors[0]!.message, /downgrade/);
    assert.equal(pair.s.errors[0]?.origin, 'peer');
  });

  test('TLS 1.1 and older are refused with protocol_version (RFC 8996)', () => {
    for (const version of [0x0300, 0x0301, 0x0302]) {
      const pair = makePair({ maxVersion: 'TLSv1.2' });
      pumpRecords(pair.client, pair.server, (from, records) =>
        from !== 'client'
          ? records
          : records.map((r) => {
              if (r.type !== 22 || r.payload[0] !== HandshakeType.client_hello) return r;
              const payload = r.payload.slice();
              payload[4] = version >> 8;
              payload[5] = version & 0xff;
              return { type: 22, payload };
            }),
      );
      assert.equal(pair.s.errors[0]?.alert, 'protocol_version', `0x${version.toString(16)}`);
      assert.match(pair.s.errors[0]!.message, /no shared protocol version/);
    }
  });

  test('a client limited to TLS 1.3 refuses a TLS 1.2 server with protocol_version', () => {
    const pair = makePair({ minVersion: 'TLSv1.3' }, { maxVersion: 'TLSv1.2' });
    pump(pair.client, pair.server);
    assert.equal(pair.s.errors[0]?.alert, 'protocol_version');
  });
});
