// Behaviour BoringSSL's test runner (BoGo, test/bogo) found wrong, each pinned by a test of our own:
// the runner finds, these guard.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import { buildEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { newPair, onHandshake, assertAborted, type RecordView } from '../helpers/engine-harness.js';

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
