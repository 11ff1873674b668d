// ws over tlskit on both ends: the client with an HttpsAgent (agent: new HttpsAgent({ ca })), the
// server on createHttpsServer (new WebSocketServer({ server })). Messages go both ways over
// verified TLS; a server that never answers trips handshakeTimeout and the socket is destroyed;
// a certificate from another CA fails with a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { createHttpsServer, HttpsAgent, TLSSocket, type HttpsServer } from '../../../src/index.js';
import { loadLibrary, startSilentPeer } from '../helpers/libraries.js';
import { onceEvent, withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const wsLib = await loadLibrary('ws');

describe('ws over tlskit: client (agent: HttpsAgent) and server (WebSocketServer on createHttpsServer)', { skip: wsLib.missing }, () => {
  const { WebSocket, WebSocketServer } = wsLib.lib!.default as { WebSocket: any; WebSocketServer: any };
  let server: HttpsServer;
  let wss: any;
  let url: string;
  const serverSides: TLSSocket[] = [];
  before(async () => {
    server = createHttpsServer({ key: pki.keyPem, cert: pki.chainPem });
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws: any, req: { socket: TLSSocket }) => {
      serverSides.push(req.socket);
      ws.on('message', (data: Buffer) => ws.send(`echo: ${data.toString()} (${req.socket.getProtocol()})`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `wss://127.0.0.1:${(server.address() as net.AddressInfo).port}/chat`;
  });
  after(async () => {
    for (const client of wss?.clients ?? []) client.terminate();
    wss?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a message each way over verified TLS, tlskit on both ends', async () => {
    const agent = new HttpsAgent({ ca: pki.caPem });
    const ws = new WebSocket(url, { agent });
    try {
      await onceEvent(ws, 'open', 'WebSocket open');
      assert.ok(ws._socket instanceof TLSSocket);
      assert.equal(ws._socket.authorized, true);
      const reply = onceEvent<[Buffer]>(ws, 'message', 'WebSocket echo');
      ws.send('hello over tlskit');
      assert.equal((await reply)[0].toString(), 'echo: hello over tlskit (TLSv1.3)');
      assert.ok(serverSides.at(-1) instanceof TLSSocket);
    } finally {
      ws.terminate();
      agent.destroy();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca)', async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    const ws = new WebSocket(url, { agent });
    try {
      const [err] = await onceEvent<[Error & { alert?: string }]>(ws, 'error', 'WebSocket error');
      assert.equal(err.alert, 'unknown_ca');
      assert.match(err.message, /trusted|issuer/);
    } finally {
      ws.terminate();
      agent.destroy();
    }
  });

  test("bad CA: node's code", async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    const ws = new WebSocket(url, { agent });
    try {
      const [err] = await onceEvent<[NodeJS.ErrnoException]>(ws, 'error', 'WebSocket error');
      assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      ws.terminate();
      agent.destroy();
    }
  });

  test('a server that accepts TCP and never answers: handshakeTimeout fires and the socket is destroyed', async () => {
    const silent = await startSilentPeer();
    const agent = new HttpsAgent({ ca: pki.caPem });
    const ws = new WebSocket(`wss://127.0.0.1:${silent.port}/`, { agent, handshakeTimeout: 300 });
    try {
      const [err] = await onceEvent<[Error]>(ws, 'error', 'WebSocket handshake timeout', 5_000);
      // ws's handshakeTimeout reaches tlskit's connect() too, where it bounds the TLS handshake: either fires first.
      assert.match(err.message, /Opening handshake has timed out|TLS handshake did not complete within 300 ms/);
      await withTimeout(silent.closedByClient(), 3_000, 'socket closed');
    } finally {
      ws.terminate();
      agent.destroy();
      await silent.close();
    }
  });
});
