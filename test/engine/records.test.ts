// The record layer under bad input: oversized, unknown, plaintext-protocol, tampered, empty,
// interleaved and badly split records, to each side. Every case asserts the local error and the
// alert the peer got; the good cases (any split, any coalescing) must still work.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import { MAX_CLIENT_HELLO } from '../../src/protocol/limits.js';
import { concat, utf8 } from '../../src/wire/bytes.js';
import { buildKeyUpdate } from '../../src/messages/key-update.js';
import {
  assertAborted,
  assertNoErrors,
  assertOnlyTlsErrors,
  newPair,
  plainRecord,
  recordHeader,
  sentAlerts,
  type Pair,
  type PairOptions,
  type RecordHook,
  type Side,
} from '../helpers/engine-harness.js';
import { deterministicProvider } from '../helpers/deterministic-provider.js';
import { flipBit } from '../helpers/message-edits.js';
import { pinnedVerifier, testIdentity } from '../helpers/engine-pki.js';
import { fcParameters } from '../helpers/fast-check.js';

/** A pair where the client's ClientHello was lost: the server waits for its first record. */
function freshServer(options: PairOptions = {}): Pair {
  const pair = newPair(options);
  pair.client.connection.takeOutput();
  return pair;
}

/** A pair where the client sent its ClientHello and nothing came back yet. */
function waitingClient(options: PairOptions = {}): Pair {
  const pair = newPair({ ...options, tamper: (r) => (r.from === 'server' ? [] : undefined) });
  pair.pump();
  pair.tamper = undefined;
  return pair;
}

/** Moves bytes both ways without the man in the middle, each flight cut by `split`. */
function pumpDirect(pair: Pair, split: (bytes: Uint8Array, from: Side) => Uint8Array[]): void {
  for (let round = 0; round < 100; round++) {
    const c = concat(...pair.client.connection.takeOutput());
    const s = concat(...pair.server.connection.takeOutput());
    if (c.length === 0 && s.length === 0) return;
    for (const piece of c.length ? split(c, 'client') : []) pair.server.connection.receive(piece);
    for (const piece of s.length ? split(s, 'server') : []) pair.client.connection.receive(piece);
  }
  throw new Error('pump did not settle');
}

function exchangeData(pair: Pair, pump: () => void): void {
  pair.client.connection.write(utf8('ping '.repeat(1000)));
  pair.server.connection.write(utf8('pong '.repeat(5000)));
  pump();
  assertNoErrors(pair);
  const atServer = Buffer.concat(pair.server.received).toString();
  const atClient = Buffer.concat(pair.client.received).toString();
  assert.ok(atServer === 'ping '.repeat(1000), `server received ${atServer.length} bytes: ${atServer.slice(0, 40)}...`);
  assert.ok(atClient === 'pong '.repeat(5000), `client received ${atClient.length} bytes: ${atClient.slice(0, 40)}...`);
}

/**
 * A peer that does not speak TLS (its first bytes are no TLS record header): `by` fails with
 * `alert` named and a message that says so, but sends no alert, as OpenSSL; the other side got none.
 */
function assertNotTlsRefused(pair: Pair, by: Side, alert: string, message: RegExp): void {
  const p = pair.peer(by);
  assertOnlyTlsErrors(p);
  assert.equal(p.errors.length, 1);
  const err = p.errors[0]!;
  assert.equal(`${err.origin} ${err.alert}`, `local ${alert}`);
  assert.match(err.message, message);
  assert.equal(err.peerNotTls, true);
  assert.ok(p.connection.closed);
  assert.deepEqual(sentAlerts(p), []);
  assert.deepEqual(
    pair.peer(by === 'client' ? 'server' : 'client').errors.filter((e) => e.origin === 'peer'),
    [],
  );
}

describe('record framing', () => {
  test('a plaintext record over 2^14 bytes: record_overflow, from the header alone', () => {
    const pair = freshServer();
    pair.raw('server', recordHeader(ContentType.handshake, 16385, 0x0301));
    pair.pump();
    assertAborted(pair, 'server', 'record_overflow', /record of 16385 bytes, more than the 16384 allowed/);
  });

  test('a plaintext record of exactly 2^14 bytes is waited for', () => {
    const pair = freshServer();
    pair.raw('server', recordHeader(ContentType.handshake, 16384, 0x0301));
    assert.equal(pair.server.errors.length, 0);
    assert.ok(pair.server.connection.isHandshaking);
  });

  test('a plaintext record over 2^14 bytes to the client: record_overflow', () => {
    const pair = waitingClient();
    pair.raw('client', recordHeader(ContentType.handshake, 0xffff));
    pair.pump();
    assertAborted(pair, 'client', 'record_overflow', /record of 65535 bytes, more than the 16384 allowed/);
  });

  test('a protected record over 2^14 + 256 bytes: record_overflow; exactly that is waited for', () => {
    const pair = newPair().handshake();
    pair.raw('client', recordHeader(ContentType.application_data, 16640));
    assert.equal(pair.client.errors.length, 0);
    const over = newPair().handshake();
    over.raw('client', recordHeader(ContentType.application_data, 16641));
    over.pump();
    assertAborted(over, 'client', 'record_overflow', /record of 16641 bytes, more than the 16640 allowed/);
  });

  test('a protected record with more than 2^14 bytes of plaintext: record_overflow; exactly 2^14 passes', () => {
    const ok = newPair().handshake();
    ok.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(16384).fill(1) }]);
    assertNoErrors(ok);
    assert.equal(ok.client.received[0]!.length, 16384);
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(16385) }]);
    pair.pump();
    assertAborted(pair, 'client', 'record_overflow', /inner plaintext of 16386 bytes/);
  });

  // RFC 8446 §5.4: the limit is on TLSInnerPlaintext (content, type byte and padding together).
  for (const [content, padding] of [
    [16384, 1],
    [16000, 385],
    [0, 16385],
  ] as const) {
    test(`a protected record whose inner plaintext is 2^14 + 2 bytes (${content} of content, ${padding} of padding): record_overflow`, () => {
      const pair = newPair().handshake();
      pair.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(content).fill(1), padding }]);
      pair.pump();
      assertAborted(pair, 'client', 'record_overflow', /inner plaintext of 16386 bytes, more than the 16385 allowed/);
      assert.equal(pair.client.received.length, 0, 'nothing of the record reaches the application');
    });

    test(`a protected record whose inner plaintext is exactly 2^14 + 1 bytes (${content} of content, ${padding - 1} of padding) passes`, () => {
      const pair = newPair().handshake();
      pair.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(content).fill(1), padding: padding - 1 }]);
      pair.inject('client', [{ type: ContentType.application_data, data: utf8('after') }]);
      assertNoErrors(pair);
      assert.equal(Buffer.concat(pair.client.received).length, content + 5);
    });
  }

  // RFC 8449 §4: in TLS 1.3 the advertised record_size_limit counts the whole TLSInnerPlaintext,
  // content type and padding included; padding does not buy room past it either.
  test('with record_size_limit 256 advertised, an inner plaintext of 257 bytes (200 of content, 56 of padding): record_overflow', () => {
    const pair = newPair({ client: { recordSizeLimit: 256 }, server: { recordSizeLimit: 256 } }).handshake();
    pair.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(200).fill(1), padding: 55 }]);
    assertNoErrors(pair);
    assert.equal(pair.client.received[0]!.length, 200, '256 bytes in all pass');
    pair.inject('client', [{ type: ContentType.application_data, data: new Uint8Array(200).fill(1), padding: 56 }]);
    pair.pump();
    assertAborted(pair, 'client', 'record_overflow', /inner plaintext of 257 bytes, more than the 256 we asked for/);
    assert.equal(pair.client.received.length, 1, 'nothing of the record reaches the application');
  });

  test('a handshake record whose inner plaintext is 2^14 + 2 bytes, to the server: record_overflow', () => {
    // The client's protected Finished flight padded one byte past the limit.
    const pair = newPair({
      tamper: (r) =>
        r.from === 'client' && r.protected && r.type === ContentType.handshake ? [{ type: r.type, data: r.data, padding: 16385 - r.data.length }] : undefined,
    });
    pair.pump();
    assertAborted(pair, 'server', 'record_overflow', /inner plaintext of 16386 bytes/);
  });

  for (const type of [0, 19, 24, 0x7f, 0xff]) {
    test(`an unknown content type (${type}): unexpected_message`, () => {
      const pair = freshServer();
      pair.raw('server', plainRecord(type, Uint8Array.of(1, 2, 3)));
      pair.pump();
      assertAborted(pair, 'server', 'unexpected_message', new RegExp(`record of unknown content type ${type}`));
    });
  }

  test('an unknown content type after the handshake: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.raw('client', plainRecord(24, Uint8Array.of(1, 2, 3)));
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /unknown content type 24/);
  });

  for (const text of ['GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 'POST /api HTTP/1.1\r\n', 'HEAD / HTTP/1.0\r\n\r\n', 'EHLO mail.example.com\r\n']) {
    test(`plain text to a server (${JSON.stringify(text.slice(0, 8))}): unexpected_message that says so`, () => {
      const pair = freshServer();
      pair.raw('server', utf8(text));
      pair.pump();
      // Not TLS at all: no alert is sent to it (as OpenSSL), the error is ours.
      // The message quotes the first bytes; an HTTP request is named as such (issue 17: either side may meet text).
      assertNotTlsRefused(
        pair,
        'server',
        'unexpected_message',
        new RegExp(
          `peer sent plain text, not TLS \\("${text
            .slice(0, 8)
            .replace(/[^\x20-\x7e]/g, '.')
            .replace(/[/.*+?()]/g, '\\$&')}"\\)${text.startsWith('EHLO') ? '$' : ': an HTTP client\\?'}`,
        ),
      );
    });
  }

  test('plain text answered to a client (an HTTP server on a TLS port): unexpected_message', () => {
    const pair = waitingClient();
    pair.raw('client', utf8('HTTP/1.1 400 Bad Request\r\n\r\n'));
    pair.pump();
    assertNotTlsRefused(pair, 'client', 'unexpected_message', /plain text, not TLS/);
  });

  for (const greeting of ['220 mail.example.com ESMTP\r\n', '* OK IMAP4rev1 ready\r\n', '+OK POP3 ready\r\n', '200 news.example.com\r\n']) {
    test(`a plain-text greeting answered to a client (${JSON.stringify(greeting.slice(0, 8))}): plain text, quoted, not an unknown content type`, () => {
      const pair = waitingClient();
      pair.raw('client', utf8(greeting));
      pair.pump();
      assertNotTlsRefused(
        pair,
        'client',
        'unexpected_message',
        new RegExp(
          `^peer sent plain text, not TLS \\("${greeting
            .slice(0, 8)
            .replace(/[\r\n]/g, '.')
            .replace(/[*+.]/g, '\\$&')}"\\)$`,
        ),
      );
    });
  }

  test('a record version that is not 3.x: protocol_version', () => {
    const pair = freshServer();
    pair.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(1, 0, 0, 0), 0x0200));
    pair.pump();
    assertNotTlsRefused(pair, 'server', 'protocol_version', /record with version 0x200, which is not TLS/);
  });

  test('an SSLv2-style ClientHello: unexpected_message', () => {
    const pair = freshServer();
    pair.raw('server', Uint8Array.of(0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00));
    pair.pump();
    assertNotTlsRefused(pair, 'server', 'unexpected_message', /unknown content type 128/);
  });
});

describe('splitting and coalescing', () => {
  test('every flight delivered one byte at a time, both ways', () => {
    const pair = newPair();
    const bytes = (b: Uint8Array) => Array.from(b, (x) => Uint8Array.of(x));
    pumpDirect(pair, bytes);
    assertNoErrors(pair);
    assert.ok(pair.client.completed && pair.server.completed);
    exchangeData(pair, () => pumpDirect(pair, bytes));
  });

  test("each side's output coalesced into one chunk per flight, and the client Finished with its first data", () => {
    const pair = newPair();
    const whole = (b: Uint8Array) => [b];
    // Hold the client's Finished until it has written: Finished and data then arrive in one receive().
    pair.server.connection.receive(concat(...pair.client.connection.takeOutput()));
    pair.client.connection.receive(concat(...pair.server.connection.takeOutput()));
    assert.ok(pair.client.completed);
    pair.client.connection.write(utf8('early bird'));
    pair.server.connection.receive(concat(...pair.client.connection.takeOutput()));
    assertNoErrors(pair);
    assert.ok(pair.server.completed);
    assert.equal(Buffer.concat(pair.server.received).toString(), 'early bird');
    pair.server.received.length = 0;
    exchangeData(pair, () => pumpDirect(pair, whole));
  });

  test('the server flight split in two at every byte boundary (replayed with a seeded provider)', () => {
    // Record one conversation; with the same seed every new client sends the same ClientHello, so
    // the recorded server flight is valid for each of them.
    const options = (): PairOptions => ({ clientProvider: deterministicProvider('split-client'), serverProvider: deterministicProvider('split-server') });
    const recording = newPair(options());
    const clientHello = concat(...recording.client.connection.takeOutput());
    recording.server.connection.receive(clientHello);
    const flight = concat(...recording.server.connection.takeOutput());
    for (let at = 1; at < flight.length; at++) {
      const pair = newPair(options());
      assert.deepEqual(concat(...pair.client.connection.takeOutput()), clientHello);
      pair.client.connection.receive(flight.subarray(0, at));
      pair.client.connection.receive(flight.subarray(at));
      assertOnlyTlsErrors(pair.client);
      assert.ok(pair.client.completed && pair.client.errors.length === 0, `split at ${at}: ${pair.client.errors[0]?.message}`);
    }
  });

  test('random splits of every flight and of application data (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        const pair = newPair();
        let i = 0;
        const split = (b: Uint8Array): Uint8Array[] => {
          const out: Uint8Array[] = [];
          for (let at = 0; at < b.length; ) {
            const n = sizes[i++ % sizes.length]!;
            out.push(b.subarray(at, at + n));
            at += n;
          }
          return out;
        };
        pumpDirect(pair, split);
        assertNoErrors(pair);
        assert.ok(pair.client.completed && pair.server.completed);
        exchangeData(pair, () => pumpDirect(pair, split));
      }),
      fcParameters(40),
    );
  });

  for (const size of [1, 3, 100]) {
    test(`handshake messages fragmented into records of ${size} bytes, both ways (client certificate included)`, () => {
      const fragment: RecordHook = (r) => {
        if (r.type !== ContentType.handshake) return undefined;
        const out = [];
        for (let at = 0; at < r.data.length; at += size) out.push({ type: r.type, data: r.data.subarray(at, at + size), protect: r.protected });
        return out;
      };
      const id = testIdentity('ec');
      const pair = newPair({
        tamper: fragment,
        client: { key: id.keyPem, cert: id.certPem },
        server: { requestCert: true, verifier: pinnedVerifier(id.certDer) },
      }).handshake();
      assert.ok(pair.server.connection.info.authorized);
      exchangeData(pair, () => pair.pump());
    });
  }
});

describe('protection', () => {
  test("a flipped bit in the server's first protected record: bad_record_mac", () => {
    let seen = false;
    const pair = newPair({
      tamper: (r) => {
        if (r.from !== 'server' || !r.protected || seen) return undefined;
        seen = true;
        return [{ wire: flipBit(r.wire, r.wire.length - 20) }];
      },
    });
    pair.pump();
    assertAborted(pair, 'client', 'bad_record_mac', /a record failed authentication/);
  });

  test('any ciphertext or tag byte of an application data record flipped: bad_record_mac', () => {
    const probe = newPair().handshake();
    probe.server.connection.write(utf8('hi'));
    const length = concat(...probe.server.connection.takeOutput()).length;
    for (let at = 5; at < length; at++) {
      const pair = newPair().handshake();
      pair.tamper = (r) => (r.from === 'server' && r.type === ContentType.application_data ? [{ wire: flipBit(r.wire, at, at % 8) }] : undefined);
      pair.server.connection.write(utf8('hi'));
      pair.pump();
      assertAborted(pair, 'client', 'bad_record_mac', /failed authentication/);
    }
  });

  test('a changed record header (it is the AAD): bad_record_mac', () => {
    const pair = newPair().handshake();
    pair.tamper = (r) => {
      if (r.from !== 'client' || r.type !== ContentType.application_data) return undefined;
      const wire = r.wire.slice();
      wire[2] = 0x01; // legacy_record_version 0x0301
      return [{ wire }];
    };
    pair.client.connection.write(utf8('hello'));
    pair.pump();
    assertAborted(pair, 'server', 'bad_record_mac', /failed authentication/);
  });

  test('a protected record too short to hold a tag: bad_record_mac', () => {
    const pair = newPair().handshake();
    pair.raw('client', plainRecord(ContentType.application_data, new Uint8Array(16)));
    pair.pump();
    assertAborted(pair, 'client', 'bad_record_mac', /failed authentication/);
  });

  test('a record replayed (same sequence number twice): bad_record_mac', () => {
    const pair = newPair().handshake();
    pair.server.connection.write(utf8('once'));
    const wire = concat(...pair.server.connection.takeOutput());
    pair.raw('client', wire);
    pair.raw('client', wire);
    pair.pump();
    assertAborted(pair, 'client', 'bad_record_mac', /failed authentication/);
    assert.equal(Buffer.concat(pair.client.received).toString(), 'once');
  });

  test('an inner plaintext of zeros only (no content type): unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ inner: new Uint8Array(12) }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /protected record with no content type/);
  });

  test('an inner plaintext of zeros only, during the handshake: unexpected_message', () => {
    const pair = newPair({ tamper: (r) => (r.from === 'server' && r.protected ? [{ inner: new Uint8Array(1) }] : undefined) });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /protected record with no content type/);
  });

  for (const inner of [0x42, ContentType.change_cipher_spec, 0]) {
    test(`an inner content type of ${inner}: unexpected_message`, () => {
      const pair = newPair().handshake();
      pair.inject('server', [{ inner: concat(Uint8Array.of(1), Uint8Array.of(inner), inner === 0 ? Uint8Array.of(0x99) : new Uint8Array(0)) }]);
      pair.pump();
      assertAborted(
        pair,
        'server',
        'unexpected_message',
        inner === 0 ? /protected record of content type 153/ : new RegExp(`protected record of content type ${inner}`),
      );
    });
  }

  test('an unprotected handshake record after the key change: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: buildKeyUpdate(false).raw, protect: false }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /unprotected handshake record after keys were set/);
  });

  test('an unprotected alert to the client after its key change: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.alert, data: Uint8Array.of(2, 40), protect: false }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /unprotected alert record after keys were set/);
  });

  test('an unprotected alert to the server once the client has sent protected records: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('server', [{ type: ContentType.alert, data: Uint8Array.of(2, 40), protect: false }]);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /unprotected alert record after keys were set/);
  });
});

describe('handshake messages and record boundaries', () => {
  function splitFirstRecord(from: Side, middle: { type: number; data: Uint8Array }): RecordHook {
    let done = false;
    return (r) => {
      if (r.from !== from || r.type !== ContentType.handshake || done || (from === 'server' && !r.protected)) return undefined;
      done = true;
      const half = 15; // inside a message: the ClientHello, or the Certificate after a 10-byte EncryptedExtensions
      return [
        { type: r.type, data: r.data.subarray(0, half), protect: r.protected },
        { ...middle, protect: r.protected },
        { type: r.type, data: r.data.subarray(half), protect: r.protected },
      ];
    };
  }

  for (const [name, middle] of [
    ['an alert', { type: ContentType.alert, data: Uint8Array.of(1, 0) }],
    ['application data', { type: ContentType.application_data, data: utf8('x') }],
    ['a change_cipher_spec', { type: ContentType.change_cipher_spec, data: Uint8Array.of(1) }],
  ] as const) {
    test(`a ClientHello split across records with ${name} in between: unexpected_message`, () => {
      const pair = newPair({ tamper: splitFirstRecord('client', middle) });
      pair.pump();
      assertAborted(pair, 'server', 'unexpected_message', /interleaved another record type inside a fragmented handshake message/);
    });

    if (middle.type !== ContentType.change_cipher_spec) {
      test(`the protected server flight split across records with ${name} in between: unexpected_message`, () => {
        const pair = newPair({ tamper: splitFirstRecord('server', middle) });
        pair.pump();
        assertAborted(pair, 'client', 'unexpected_message', /interleaved another record type inside a fragmented handshake message/);
      });
    }
  }

  test('ServerHello and EncryptedExtensions in one record (a key change inside a record): unexpected_message', () => {
    let serverHello: Uint8Array | undefined;
    const pair = newPair({
      tamper: (r) => {
        if (r.from !== 'server' || r.type !== ContentType.handshake) return undefined;
        if (!r.protected) {
          serverHello = r.data.slice();
          return [];
        }
        return [{ type: ContentType.handshake, data: concat(serverHello!, r.data), protect: false }];
      },
    });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /more handshake data in the record that ended its flight before a key change/);
  });

  test('ClientHello and more handshake bytes in one record: unexpected_message', () => {
    const pair = newPair({
      tamper: (r) =>
        r.from === 'client' && !r.protected && r.type === ContentType.handshake
          ? [{ type: r.type, data: concat(r.data, Uint8Array.of(HandshakeType.finished, 0)) }]
          : undefined,
    });
    pair.pump();
    // Caught when the server answers the ClientHello, before it changes keys (end of the client's flight).
    assertAborted(pair, 'server', 'unexpected_message', /more handshake data in the record that ended its flight/);
  });

  test('client Finished and a KeyUpdate in one record: unexpected_message', () => {
    const pair = newPair({
      tamper: (r) => {
        if (r.from !== 'client' || !r.protected || r.type !== ContentType.handshake) return undefined;
        return [{ type: r.type, data: concat(r.data, buildKeyUpdate(false).raw) }];
      },
    });
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /before a key change/);
  });

  test('a KeyUpdate followed by another message in the same record: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: concat(buildKeyUpdate(false).raw, buildKeyUpdate(false).raw) }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /before a key change/);
  });

  test('an empty handshake record: unexpected_message', () => {
    const pair = freshServer();
    pair.raw('server', plainRecord(ContentType.handshake, new Uint8Array(0)));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /empty handshake record/);
  });

  test('a handshake message longer than we accept: illegal_parameter, from its header alone', () => {
    // A ClientHello may be as long as its encoding allows (MAX_CLIENT_HELLO, issue 15), no longer.
    for (const length of [MAX_CLIENT_HELLO + 1, 0xffffff]) {
      const pair = freshServer();
      pair.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, length >>> 16, (length >>> 8) & 0xff, length & 0xff)));
      pair.pump();
      assertAborted(pair, 'server', 'illegal_parameter', new RegExp(`client_hello of ${length} bytes, more than the ${MAX_CLIENT_HELLO} we accept`));
    }
  });

  test('maxHandshakeMessageSize: a message of exactly the limit is waited for, one byte more is refused', () => {
    const ok = freshServer({ server: { maxHandshakeMessageSize: 1000 } });
    ok.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(1, 0, 0x03, 0xe8, ...new Array<number>(500).fill(0))));
    assert.equal(ok.server.errors.length, 0);
    const pair = freshServer({ server: { maxHandshakeMessageSize: 1000 } });
    pair.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(1, 0, 0x03, 0xe9)));
    pair.pump();
    assertAborted(pair, 'server', 'illegal_parameter', /client_hello of 1001 bytes, more than the 1000 we accept/);
  });

  test('an oversized post-handshake message, protected: illegal_parameter', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: Uint8Array.of(HandshakeType.new_session_ticket, 0x10, 0, 0) }]);
    pair.pump();
    assertAborted(pair, 'client', 'illegal_parameter', /new_session_ticket of 1048576 bytes/);
  });
});

describe('records that carry nothing', () => {
  const empty = { type: ContentType.application_data, data: new Uint8Array(0) };

  test('32 empty application data records in a row are tolerated, the 33rd is unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject(
      'client',
      Array.from({ length: 32 }, () => empty),
    );
    assertNoErrors(pair);
    pair.inject('client', [empty]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /more than 32 empty application data records in a row/);
  });

  test('data in between resets the count', () => {
    const pair = newPair().handshake();
    for (let i = 0; i < 4; i++) pair.inject('server', [...Array.from({ length: 32 }, () => empty), { type: ContentType.application_data, data: utf8('x') }]);
    assertNoErrors(pair);
    assert.equal(pair.server.received.length, 4);
  });

  test('maxEmptyRecords is the limit', () => {
    const pair = newPair({ client: { maxEmptyRecords: 3 } }).handshake();
    pair.inject('client', [empty, empty, empty]);
    assertNoErrors(pair);
    pair.inject('client', [empty]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /more than 3 empty application data records/);
  });

  test('change_cipher_spec records in a row during the handshake: the second is unexpected_message', () => {
    const pair = waitingClient();
    const ccs = { type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false };
    pair.inject('client', [ccs]);
    assert.equal(pair.client.errors.length, 0);
    pair.inject('client', [ccs]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /second change_cipher_spec/);
  });

  test('a user_canceled flood: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject(
      'server',
      Array.from({ length: 5 }, () => ({ type: ContentType.alert, data: Uint8Array.of(1, 90) })),
    );
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 4 warning alerts in a row/);
  });
});

describe('change_cipher_spec', () => {
  test('a change_cipher_spec other than the single byte 1: unexpected_message', () => {
    for (const data of [Uint8Array.of(2), Uint8Array.of(1, 1), new Uint8Array(0)]) {
      const pair = waitingClient();
      pair.inject('client', [{ type: ContentType.change_cipher_spec, data, protect: false }]);
      pair.pump();
      assertAborted(pair, 'client', 'unexpected_message', /malformed change_cipher_spec record/);
    }
  });

  test('a change_cipher_spec after the handshake: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('server', [{ type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false }]);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /change_cipher_spec after the handshake/);
  });

  test('a change_cipher_spec before the ClientHello: unexpected_message', () => {
    const pair = freshServer();
    pair.raw('server', plainRecord(ContentType.change_cipher_spec, Uint8Array.of(1)));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /change_cipher_spec before the client_hello/);
  });

  // RFC 8446 Appendix D.4: each side sends at most one compatibility CCS per handshake.
  for (const from of ['server', 'client'] as const) {
    const to = from === 'server' ? 'client' : 'server';
    test(`one change_cipher_spec from the ${from} during the handshake is dropped`, () => {
      let seen = 0;
      const pair = newPair({ tamper: (r) => (r.from === from && r.type === ContentType.change_cipher_spec ? (seen++, undefined) : undefined) });
      pair.handshake();
      assert.equal(seen, 1, `the ${from} sent its compatibility change_cipher_spec`);
    });

    test(`a second change_cipher_spec from the ${from} during the handshake: unexpected_message at the ${to}`, () => {
      const pair = newPair({
        tamper: (r) => (r.from === from && r.type === ContentType.change_cipher_spec ? [{ wire: r.wire }, { wire: r.wire }] : undefined),
      });
      pair.pump();
      assertAborted(pair, to, 'unexpected_message', /second change_cipher_spec/);
    });
  }

  test('a change_cipher_spec before the ServerHello and the compatibility one after it: unexpected_message at the client', () => {
    let injected = false;
    const pair = newPair({
      tamper: (r) => {
        if (r.from !== 'server' || r.type !== ContentType.handshake || injected) return undefined;
        injected = true;
        return [{ type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false }, { wire: r.wire }];
      },
    });
    pair.pump();
    assert.ok(injected);
    assertAborted(pair, 'client', 'unexpected_message', /second change_cipher_spec/);
  });

  test('after a HelloRetryRequest, a change_cipher_spec before the client Finished besides the one before the second ClientHello: unexpected_message', () => {
    let injected = false;
    const pair = newPair({
      client: { ecdhCurve: 'P-256:X25519' },
      server: { ecdhCurve: 'X25519' },
      tamper: (r) => {
        if (r.from !== 'client' || r.type !== ContentType.handshake || !r.protected || injected) return undefined;
        injected = true;
        return [
          { type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false },
          { type: r.type, data: r.data },
        ];
      },
    });
    pair.pump();
    assert.ok(injected);
    assertAborted(pair, 'server', 'unexpected_message', /second change_cipher_spec/);
  });

  test('without compatibility mode no change_cipher_spec is sent, and one injected is dropped', () => {
    let seen = 0;
    let injected = false;
    const pair = newPair({
      client: { middleboxCompatibility: false },
      tamper: (r) => {
        if (r.type === ContentType.change_cipher_spec) seen++;
        if (r.from !== 'server' || r.type !== ContentType.handshake || !r.protected || injected) return undefined;
        injected = true;
        return [
          { type: ContentType.change_cipher_spec, data: Uint8Array.of(1), protect: false },
          { type: r.type, data: r.data },
        ];
      },
    });
    pair.handshake();
    assert.equal(seen, 0);
    assert.ok(injected);
  });

  test('a protected change_cipher_spec during the handshake: unexpected_message', () => {
    const pair = newPair({
      tamper: (r) => (r.from === 'server' && r.protected ? [{ type: ContentType.change_cipher_spec, data: Uint8Array.of(1) }] : undefined),
    });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /protected record of content type 20/);
  });
});
