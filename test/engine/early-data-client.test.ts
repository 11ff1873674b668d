// The client's side of 0-RTT acceptance (RFC 8446 §4.2.10): a server that says it took our early
// data must have resumed our ticket with the ticket's cipher suite and application protocol, or
// the data we sent was protected for a different connection. Anything else is illegal_parameter.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionType } from '../../src/protocol/constants.js';
import { writeAlpnList } from '../../src/messages/extensions/alpn.js';
import { encode } from '../../src/wire/writer.js';
import { utf8 } from '../../src/wire/bytes.js';
import { MemoryAntiReplayStore } from '../../src/handshake/anti-replay.js';
import { assertAborted, assertNoErrors, hooks, newPair, type PairOptions, type RecordHook } from '../helpers/engine-harness.js';
import { editEncryptedExtensions, editServerHello, without } from '../helpers/message-edits.js';

const ticketKeys = new Uint8Array(48).fill(9);
const ALPN = ['h2', 'http/1.1'];
// ticketKeys with maxEarlyData need an anti-replay store (issue 13, point 6).
const server = { ticketKeys, maxEarlyData: 1024, ALPNProtocols: ALPN, antiReplay: new MemoryAntiReplayStore() };

/** A ticket for 0-RTT, from a first handshake (TLS_AES_128_GCM_SHA256, ALPN h2). */
function ticket(): Uint8Array {
  const first = newPair({ client: { ALPNProtocols: ALPN }, server }).handshake();
  assert.equal(first.client.connection.info.alpnProtocol, 'h2');
  assert.equal(first.client.connection.info.cipherSuite?.name, 'TLS_AES_128_GCM_SHA256');
  return first.client.sessions[0]!;
}

function earlyPair(tamper?: RecordHook, extra: PairOptions = {}) {
  const pair = newPair({ client: { ALPNProtocols: ALPN, session: ticket(), earlyData: true }, server, ...extra, ...(tamper ? { tamper } : {}) });
  assert.ok(pair.client.connection.earlyDataRoom > 0, 'the client may send early data');
  pair.client.connection.writeEarly(utf8('early!'));
  pair.pump();
  return pair;
}

const alpnExtension = (name: string) => ({ type: ExtensionType.application_layer_protocol_negotiation, body: encode((w) => writeAlpnList(w, [utf8(name)])) });

describe('client: the server accepting 0-RTT (RFC 8446 §4.2.10)', () => {
  test("accepted with the ticket's suite and ALPN: the handshake completes", () => {
    const pair = earlyPair();
    assertNoErrors(pair);
    assert.equal(pair.client.connection.info.earlyData, 'accepted');
    assert.equal(Buffer.concat(pair.server.received).toString(), 'early!');
  });

  test("accepted with another application protocol than the ticket's: illegal_parameter", () => {
    const pair = earlyPair(
      editEncryptedExtensions((list) => [...without(ExtensionType.application_layer_protocol_negotiation)(list), alpnExtension('http/1.1')]),
    );
    assertAborted(pair, 'client', 'illegal_parameter', /early data.*application protocol "http\/1\.1".*"h2"/);
    assert.equal(pair.client.completed, false);
  });

  test('accepted with no application protocol, where the ticket has one: illegal_parameter', () => {
    const pair = earlyPair(editEncryptedExtensions(without(ExtensionType.application_layer_protocol_negotiation)));
    assertAborted(pair, 'client', 'illegal_parameter', /early data.*no application protocol.*"h2"/);
  });

  test("accepted with another cipher suite (same hash) than the ticket's: illegal_parameter", () => {
    const pair = earlyPair(editServerHello((sh) => ({ ...sh, cipherSuite: 0x1303 }), 'server-hello'));
    assert.equal(pair.client.connection.info.cipherSuite?.name, 'TLS_CHACHA20_POLY1305_SHA256');
    assertAborted(pair, 'client', 'illegal_parameter', /early data.*TLS_CHACHA20_POLY1305_SHA256.*TLS_AES_128_GCM_SHA256/);
  });

  test('a different suite without early_data is only a rejection of 0-RTT', () => {
    // The suite check concerns accepted early data only: the same tamper minus early_data fails
    // later (the server's keys differ), not with the early-data error.
    const pair = earlyPair(
      hooks(
        editServerHello((sh) => ({ ...sh, cipherSuite: 0x1303 }), 'server-hello'),
        editEncryptedExtensions(without(ExtensionType.early_data)),
      ),
    );
    assert.equal(pair.client.errors.length, 1);
    assert.doesNotMatch(pair.client.errors[0]!.message, /early data/);
  });
});
