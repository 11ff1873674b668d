// Behaviour BoringSSL's test runner (BoGo, test/bogo) found wrong, each pinned by a test of our own:
// the runner finds, these guard.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import { buildEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { newPair, onHandshake, assertAborted, assertNoErrors, type RecordView } from '../helpers/engine-harness.js';
import { MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA, MAX_WARNING_ALERTS_IN_A_ROW } from '../../src/protocol/limits.js';
import type { Connection } from '../../src/engine/connection.js';

describe('TLS 1.3 middlebox compatibility (RFC 8446 Appendix D.4)', () => {
  test('a client rejecting the server\'s encrypted flight sends its change_cipher_spec before the protected alert', () => {
    const fromClient: RecordView[] = [];
    const reject = onHandshake('server', (msg) => {
      if (msg.type !== HandshakeType.encrypted_extensions) return undefined;
      // EncryptedExtensions carrying a second, unknown extension body of the wrong shape
      return [buildEncryptedExtensions([{ type: 0x0010, body: Uint8Array.of(0) }]).raw];
    });
    const pair = newPair({
      tamper: (r) => {
        if (r.from === 'client') fromClient.push(r);
        return reject(r);
      },
    });
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /./);
    const after = fromClient.slice(1); // after the ClientHello
    assert.deepEqual(after.map((r) => [r.type, r.protected]), [[ContentType.change_cipher_spec, false], [ContentType.alert, true]]);
  });
});

/** Seals a record as `sender` would, with its current write keys (test-only reach into the engine). */
function sealAs(sender: Connection, type: number, data: Uint8Array): void {
  const engine = sender as unknown as { flushHandshake(): void; writeProtection: { seal(t: number, d: Uint8Array, out: Uint8Array[]): void }; output: Uint8Array[] };
  engine.flushHandshake();
  engine.writeProtection.seal(type, data, engine.output);
}

describe('floods BoringSSL bounds (BoGo TooManyKeyUpdates, SendUserCanceledAlerts-TooMany-TLS13)', () => {
  test('32 KeyUpdates in a row are answered, a 33rd before any data is unexpected_message', () => {
    const pair = newPair().handshake();
    for (let i = 0; i < MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA; i++) pair.client.connection.updateKeys(false);
    pair.pump();
    assertNoErrors(pair);
    pair.client.connection.updateKeys(false);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 32 post-handshake messages/);
  });

  test('TLS 1.3: 4 user_canceled alerts in a row are ignored, a 5th is unexpected_message', () => {
    const pair = newPair().handshake();
    for (let i = 0; i < MAX_WARNING_ALERTS_IN_A_ROW; i++) sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 90));
    pair.pump();
    assertNoErrors(pair);
    sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 90));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 4 warning alerts in a row/);
  });
});
