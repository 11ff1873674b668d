// Resource limits of the engine (issue 7), each with its default and its option: handshake message
// size (which bounds a certificate chain's total size: the chain is one Certificate message), chain
// length, empty records, warning alerts and ChangeCipherSpec in a row, post-handshake messages
// without data, and nothing buffered without bound while the peer keeps sending. TLS 1.3 cases
// already in records.test.ts are repeated here only for TLS 1.2.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import {
  DEFAULT_MAX_CHAIN_LENGTH,
  DEFAULT_MAX_EMPTY_RECORDS,
  DEFAULT_MAX_HANDSHAKE_MESSAGE,
  MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA,
  MAX_WARNING_ALERTS_IN_A_ROW,
} from '../../src/protocol/limits.js';
import type { Connection } from '../../src/engine/connection.js';
import { utf8 } from '../../src/wire/bytes.js';
import { assertAborted, assertLocalError, assertNoErrors, handshakeBytes, newPair, type Pair } from '../helpers/engine-harness.js';
import { testIdentity } from '../helpers/engine-pki.js';

const versions = ['TLSv1.3', 'TLSv1.2'] as const;

/** Seals a record as `sender` would, with its current write keys (test-only reach into the engine). */
function sealAs(sender: Connection, type: number, data: Uint8Array): void {
  const engine = sender as unknown as {
    flushHandshake(): void;
    writeProtection: { seal(t: number, d: Uint8Array, out: Uint8Array[]): void };
    output: Uint8Array[];
  };
  engine.flushHandshake();
  engine.writeProtection.seal(type, data, engine.output);
}

/** What the engine holds in memory for input it has not finished with. */
function buffered(connection: Connection): number {
  const engine = connection as unknown as { records: { bufferedLength: number }; handshakeReader: { pending?: Uint8Array }; output: Uint8Array[] };
  return engine.records.bufferedLength + (engine.handshakeReader.pending?.length ?? 0) + engine.output.reduce((n, c) => n + c.length, 0);
}

describe('certificate chains: length and total size', () => {
  const id = testIdentity('ed25519');
  const chainOf = (n: number): string => Array.from({ length: n }, () => id.certPem).join('');

  for (const version of versions) {
    test(`${version}: a server chain longer than the default ${DEFAULT_MAX_CHAIN_LENGTH} certificates: bad_certificate, before any verification`, () => {
      const ok = newPair({ client: { maxVersion: version }, server: { cert: chainOf(DEFAULT_MAX_CHAIN_LENGTH) } });
      ok.pump();
      assertNoErrors(ok);
      const pair = newPair({ client: { maxVersion: version }, server: { cert: chainOf(DEFAULT_MAX_CHAIN_LENGTH + 1) } });
      pair.pump();
      assertAborted(pair, 'client', 'bad_certificate', new RegExp(`certificate chain has more than ${DEFAULT_MAX_CHAIN_LENGTH} certificates`));
    });

    test(`${version}: maxCertificateChainLength on both sides`, () => {
      const client = newPair({ client: { maxVersion: version, maxCertificateChainLength: 2 }, server: { cert: chainOf(3) } });
      client.pump();
      assertAborted(client, 'client', 'bad_certificate', /more than 2 certificates/);
      const other = testIdentity('ec');
      const server = newPair({
        client: { maxVersion: version, key: other.keyPem, cert: Array.from({ length: 3 }, () => other.certPem).join('') },
        server: { requestCert: true, rejectUnauthorized: false, maxCertificateChainLength: 2 },
      });
      server.pump();
      assertAborted(server, 'server', 'bad_certificate', /more than 2 certificates/);
    });

    test(`${version}: maxHandshakeMessageSize bounds the chain's total size (the Certificate message)`, () => {
      const certificateSize = 7 + 3 + id.certDer.length + (version === 'TLSv1.3' ? 2 : 0);
      const fits = newPair({ client: { maxVersion: version, maxHandshakeMessageSize: 2 * certificateSize + 8 }, server: { cert: chainOf(2) } });
      fits.pump();
      assertNoErrors(fits);
      const pair = newPair({ client: { maxVersion: version, maxHandshakeMessageSize: 3 * certificateSize }, server: { cert: chainOf(4) } });
      pair.pump();
      assertAborted(pair, 'client', 'illegal_parameter', /certificate of \d+ bytes, more than the \d+ we accept/);
      assert.equal(DEFAULT_MAX_HANDSHAKE_MESSAGE, 65536);
    });
  }
});

describe('TLS 1.2: records and messages that carry nothing', () => {
  const handshake12 = (options: Parameters<typeof newPair>[0] = {}): Pair =>
    newPair({ ...options, client: { maxVersion: 'TLSv1.2', ...options.client } }).handshake();

  test(`${MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row are ignored, one more is unexpected_message (BoGo SendWarningAlerts-TooMany)`, () => {
    const pair = handshake12();
    for (let i = 0; i < MAX_WARNING_ALERTS_IN_A_ROW; i++) sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 100));
    pair.pump();
    assertNoErrors(pair);
    sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 100));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 4 warning alerts in a row/);
  });

  test('warning alerts between empty records: the empty-record bound still applies', () => {
    const pair = handshake12();
    for (let i = 0; i < DEFAULT_MAX_EMPTY_RECORDS; i++) {
      if (i % 4 === 0) sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 100));
      else sealAs(pair.client.connection, ContentType.application_data, new Uint8Array(0));
    }
    pair.pump();
    assertNoErrors(pair);
    sealAs(pair.client.connection, ContentType.application_data, new Uint8Array(0));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 32 empty application data records in a row/);
  });

  test('empty application data records, with maxEmptyRecords; data resets the count', () => {
    const pair = handshake12({ server: { maxEmptyRecords: 4 } });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) sealAs(pair.client.connection, ContentType.application_data, new Uint8Array(0));
      sealAs(pair.client.connection, ContentType.application_data, utf8('x'));
    }
    pair.pump();
    assertNoErrors(pair);
    for (let i = 0; i < 5; i++) sealAs(pair.client.connection, ContentType.application_data, new Uint8Array(0));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 4 empty application data records in a row/);
  });

  test('a flood of renegotiation requests (ClientHello, HelloRequest) is cut off', () => {
    for (const [from, type] of [
      ['client', HandshakeType.client_hello],
      ['server', HandshakeType.hello_request],
    ] as const) {
      const pair = handshake12();
      const sender = pair.peer(from).connection;
      const to = from === 'client' ? pair.server : pair.client;
      // Delivered one way only: the flooder does not read the warnings (it would stop at 32 of them).
      const deliver = (): void => {
        for (const c of sender.takeOutput()) to.connection.receive(c);
      };
      for (let i = 0; i < MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA; i++) sealAs(sender, ContentType.handshake, handshakeBytes(type, new Uint8Array(0)));
      deliver();
      assertNoErrors(pair);
      // Each one was answered with a no_renegotiation warning (RFC 5746).
      assert.equal(
        to.events.filter((e) => e.kind === 'alert' && e.direction === 'sent' && e.description === 100).length,
        MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA,
      );
      to.events.splice(0, to.events.length, ...to.events.filter((e) => !(e.kind === 'alert' && e.direction === 'sent' && e.level === 1)));
      sealAs(sender, ContentType.handshake, handshakeBytes(type, new Uint8Array(0)));
      deliver();
      assertLocalError(to, 'unexpected_message', /more than 32 post-handshake messages without application data/);
    }
  });
});

describe('nothing grows while the peer keeps sending', () => {
  for (const version of versions) {
    test(`${version}: 16 MiB of application data in odd-sized chunks: the engine holds at most one record`, () => {
      const pair = newPair({ client: { maxVersion: version } }).handshake();
      let delivered = 0;
      let peak = 0;
      const chunk = new Uint8Array(1 << 20).fill(0x61);
      const server = pair.server.connection;
      for (let i = 0; i < 16; i++) {
        pair.client.connection.write(chunk);
        const wire = Buffer.concat(pair.client.connection.takeOutput());
        for (let at = 0; at < wire.length; at += 7001) {
          server.receive(wire.subarray(at, at + 7001));
          peak = Math.max(peak, buffered(server));
        }
        delivered += pair.server.received.reduce((n, c) => n + c.length, 0);
        pair.server.received.length = 0; // the application took it
      }
      assertNoErrors(pair);
      assert.equal(delivered, 16 << 20);
      assert.ok(peak <= 16384 + 2048 + 5, `the engine held ${peak} bytes at most`);
    });

    test(`${version}: a never-ending handshake message is refused at the limit; a record header at most a record`, () => {
      const pair = newPair({ client: { maxVersion: version } }).handshake();
      // A post-handshake message that declares the largest length we accept, sent a record at a time.
      const header = handshakeBytes(HandshakeType.key_update, new Uint8Array(0));
      header.set([0x00, 0xff, 0xff], 1);
      sealAs(pair.client.connection, ContentType.handshake, header);
      let peak = 0;
      for (let i = 0; i < 9 && pair.server.errors.length === 0; i++) {
        sealAs(pair.client.connection, ContentType.handshake, new Uint8Array(8000));
        for (const c of pair.client.connection.takeOutput()) pair.server.connection.receive(c);
        peak = Math.max(peak, buffered(pair.server.connection));
      }
      assert.ok(peak <= DEFAULT_MAX_HANDSHAKE_MESSAGE + 4, `held ${peak} bytes`);
      // Once its 65535 bytes are in, the message is judged (a KeyUpdate that long is malformed).
      assert.equal(pair.server.errors.length, 1);
      assert.equal(pair.server.errors[0]!.alert, version === 'TLSv1.3' ? 'decode_error' : 'unexpected_message');
      assert.equal(
        buffered(pair.server.connection) - pair.server.connection.takeOutput().reduce((n, c) => n + c.length, 0),
        0,
        'nothing kept after the failure',
      );
    });
  }
});
