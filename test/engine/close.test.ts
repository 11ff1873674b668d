// close_notify (RFC 8446 §6.1): an event, not an error, and a half-close. After close() our writes
// fail and reading goes on; after the peer's close_notify, whatever it sends is ignored.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TlsError } from '../../src/errors.js';
import { AlertDescription, AlertLevel } from '../../src/protocol/alerts.js';
import { ContentType } from '../../src/protocol/constants.js';
import { concat, utf8 } from '../../src/wire/bytes.js';
import { assertNoErrors, newPair, sentAlerts } from '../helpers/engine-harness.js';

const text = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks).toString();

describe('close_notify', () => {
  test('close() is reported to the peer as peerClosed, with no error on either side', () => {
    const pair = newPair().handshake();
    pair.client.connection.close();
    pair.pump();
    assertNoErrors(pair);
    assert.ok(pair.server.peerClosed && pair.server.connection.peerClosed);
    assert.ok(pair.client.connection.closed);
    assert.ok(!pair.server.connection.closed, 'the server has not closed its half');
    assert.deepEqual(sentAlerts(pair.client), [{ level: AlertLevel.warning, description: AlertDescription.close_notify }]);
  });

  test('after close(), writes fail with a TlsError and nothing is sent', () => {
    const pair = newPair().handshake();
    pair.client.connection.close();
    pair.pump();
    assert.throws(
      () => pair.client.connection.write(utf8('late')),
      (e: unknown) => e instanceof TlsError && /write after close/.test(e.message),
    );
    assert.equal(pair.client.connection.takeOutput().length, 0);
  });

  test('close() twice sends one close_notify', () => {
    const pair = newPair().handshake();
    pair.client.connection.close();
    pair.client.connection.close();
    pair.pump();
    assert.equal(sentAlerts(pair.client).length, 1);
    assertNoErrors(pair);
  });

  test('half-close: the side that closed still reads, the other still writes, then closes too', () => {
    const pair = newPair().handshake();
    pair.client.connection.close();
    pair.pump();
    pair.server.connection.write(utf8('still here'));
    pair.server.connection.close();
    pair.pump();
    assertNoErrors(pair);
    assert.equal(text(pair.client.received), 'still here');
    assert.ok(pair.client.peerClosed && pair.server.peerClosed);
  });

  test("records after the peer's close_notify are ignored, in the same chunk and later", () => {
    const pair = newPair().handshake();
    const closeNotify = pair.seal('server', Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify, ContentType.alert));
    const after = pair.seal('server', concat(utf8('ignored'), Uint8Array.of(ContentType.application_data)));
    const garbage = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    pair.raw('server', concat(closeNotify, after, garbage));
    pair.raw('server', utf8('GET / HTTP/1.1\r\n\r\n'));
    assertNoErrors(pair);
    assert.ok(pair.server.peerClosed);
    assert.equal(pair.server.received.length, 0);
    // The server may still write (and close) its own half.
    pair.server.connection.write(utf8('bye'));
    pair.server.connection.close();
    pair.tamper = undefined;
    pair.pump();
    assert.equal(text(pair.client.received), 'bye');
  });

  test("close_notify before the handshake completes: the peer reports close_notify with origin 'peer'", () => {
    const pair = newPair();
    pair.server.connection.receive(concat(...pair.client.connection.takeOutput()));
    pair.server.connection.takeOutput(); // the server's flight is lost
    pair.inject('server', [{ type: ContentType.alert, data: Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify), protect: false }]);
    assert.equal(pair.server.errors.length, 1);
    const err = pair.server.errors[0]!;
    assert.equal(`${err.origin} ${err.alert}`, 'peer close_notify');
    assert.match(err.message, /peer closed the connection before the handshake completed/);
    assert.ok(pair.server.connection.closed);
  });

  test('after a fatal error, close() sends nothing and write() throws that error', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ inner: new Uint8Array(3) }]);
    const err = pair.client.connection.error!;
    assert.equal(err.alert, 'unexpected_message');
    pair.client.connection.takeOutput();
    pair.client.connection.close();
    assert.equal(pair.client.connection.takeOutput().length, 0);
    assert.throws(
      () => pair.client.connection.write(utf8('x')),
      (e: unknown) => e === err,
    );
    // and receive() after the failure is a no-op
    pair.client.connection.receive(utf8('GET / HTTP/1.1\r\n'));
    assert.equal(pair.client.errors.length, 1);
  });

  test('write() before the handshake completes is refused, not queued silently', () => {
    const pair = newPair();
    assert.throws(
      () => pair.client.connection.write(utf8('early')),
      (e: unknown) => e instanceof TlsError && /before the handshake completed/.test(e.message),
    );
    pair.handshake();
  });
});
