// webSocketTransport() over a scripted WebSocket: writes wait for open, binary messages become
// chunks, clean closes end the readable and others error it. (The real thing runs in Chromium:
// test/browser/browser.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSocketTransport, type WebSocketLike } from './websocket.js';

type Listener = (event: { data?: unknown; code?: number; reason?: string }) => void;

class FakeWebSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: number | undefined;
  private readonly listeners = new Map<string, Listener[]>();
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: Parameters<Listener>[0] = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    for (const l of this.listeners.get(type) ?? []) l(event);
  }
  send(data: Uint8Array): void {
    this.sent.push(data.slice());
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
}

test('webSocketTransport: binary mode; a write waits for open; messages in, chunks out; a clean close ends the readable', async () => {
  const ws = new FakeWebSocket();
  const { readable, writable } = webSocketTransport(ws);
  assert.equal(ws.binaryType, 'arraybuffer');
  const writer = writable.getWriter();
  const writing = writer.write(Uint8Array.of(1, 2, 3));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(ws.sent.length, 0, 'nothing is sent before the socket opens');
  ws.emit('open');
  await writing;
  assert.deepEqual(ws.sent, [Uint8Array.of(1, 2, 3)]);
  const reader = readable.getReader();
  ws.emit('message', { data: Uint8Array.of(9, 8).buffer });
  ws.emit('message', { data: 'text is not ours' });
  ws.emit('message', { data: new DataView(Uint8Array.of(0, 7, 0).buffer, 1, 1) });
  assert.deepEqual((await reader.read()).value, Uint8Array.of(9, 8));
  assert.deepEqual((await reader.read()).value, Uint8Array.of(7));
  ws.emit('close', { code: 1000 });
  assert.equal((await reader.read()).done, true);
});

test('webSocketTransport: an abnormal close errors the readable; a failure before open fails writes; closing the writable closes the socket', async () => {
  const ws = new FakeWebSocket();
  const { readable } = webSocketTransport(ws);
  ws.emit('open');
  const reader = readable.getReader();
  ws.emit('close', { code: 1006, reason: '' });
  await assert.rejects(reader.read(), /WebSocket closed: 1006/);

  const refused = new FakeWebSocket();
  const transport = webSocketTransport(refused);
  const writer = transport.writable.getWriter();
  refused.emit('error');
  refused.emit('close', { code: 1006 });
  await assert.rejects(writer.write(Uint8Array.of(1)), /WebSocket connection failed/);

  const closing = new FakeWebSocket();
  const pair = webSocketTransport(closing);
  closing.emit('open');
  await pair.writable.getWriter().close();
  assert.equal(closing.closedWith, 1000);
});

test('webSocketTransport: a write waits while more than 1 MiB is queued', async () => {
  const ws = new FakeWebSocket();
  const writer = webSocketTransport(ws).writable.getWriter();
  ws.emit('open');
  ws.bufferedAmount = 2 << 20;
  let done = false;
  const writing = writer.write(Uint8Array.of(1)).then(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(done, false, 'still waiting for the queue to drain');
  ws.bufferedAmount = 0;
  await writing;
  assert.equal(ws.sent.length, 1);
});
