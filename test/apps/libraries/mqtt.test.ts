// MQTT.js over tlskit (its stream builder: new MqttClient(() => connect(...), options)) against a
// real mosquitto with a TLS listener: subscribe and publish; a server that never answers trips
// connectTimeout and the socket is destroyed; a certificate from another CA fails clearly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { connect, TLSSocket } from '../../../src/index.js';
import { loadLibrary, serverMissing, startMosquittoTls, startSilentPeer, type RunningServer } from '../helpers/libraries.js';
import { onceEvent } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const mqttLib = await loadLibrary('mqtt');
const skip = mqttLib.missing || serverMissing('mosquitto', 'mosquitto');

describe('MQTT.js over tlskit (stream builder), mosquitto with a TLS listener', { skip }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startMosquittoTls({ certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem });
  });
  after(() => server?.stop());

  const open = (port: number, ca: string, options: Record<string, unknown> = {}) => {
    const sockets: TLSSocket[] = [];
    const client = new mqttLib.lib!.MqttClient(
      () => {
        const socket = connect({ host: '127.0.0.1', port, ca });
        sockets.push(socket);
        return socket;
      },
      { reconnectPeriod: 0, connectTimeout: 10_000, ...options },
    );
    return { client, sockets };
  };

  test('CONNECT, SUBSCRIBE, PUBLISH and the message comes back, over verified tlskit TLS', async () => {
    const { client, sockets } = open(server.port, pki.caPem);
    try {
      await onceEvent(client, 'connect', 'MQTT CONNACK');
      await client.subscribeAsync('tlskit/test');
      const message = onceEvent<[string, Buffer]>(client, 'message', 'MQTT message');
      await client.publishAsync('tlskit/test', 'over MQTT.js');
      const [topic, payload] = await message;
      assert.equal(topic, 'tlskit/test');
      assert.equal(payload.toString(), 'over MQTT.js');
      assert.equal(sockets.length, 1);
      assert.equal(sockets[0]!.authorized, true);
      assert.equal(sockets[0]!.getProtocol(), 'TLSv1.3');
    } finally {
      await client.endAsync(true);
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca), no CONNACK', async () => {
    const { client } = open(server.port, createTestPki().caPem);
    let connected = false;
    client.on('connect', () => (connected = true));
    try {
      const [err] = await onceEvent<[Error & { alert?: string }]>(client, 'error', 'MQTT.js error');
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer/);
      assert.equal(connected, false);
    } finally {
      await client.endAsync(true);
    }
  });

  test("bad CA: node's code", async () => {
    const { client } = open(server.port, createTestPki().caPem);
    try {
      const [err] = await onceEvent<[NodeJS.ErrnoException]>(client, 'error', 'MQTT.js error');
      assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN'); // mosquitto's OpenSSL sends the root from its cafile too
    } finally {
      await client.endAsync(true);
    }
  });

  test('a server that accepts TCP and never answers: connectTimeout fires and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    const { client } = open(silent.port, pki.caPem, { connectTimeout: 300 });
    try {
      const [err] = await onceEvent<[Error]>(client, 'error', 'MQTT.js connack timeout', 5_000);
      assert.match(err.message, /connack timeout/);
      await silent.closedByClient(3_000);
    } finally {
      await client.endAsync(true);
      await silent.close();
    }
  });
});
