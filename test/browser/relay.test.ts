// The WebSocket-to-TCP relay (examples/websocket-relay/relay.mjs), spoken to byte by byte:
// the RFC 6455 handshake, masked and fragmented frames, ping/pong, close, and refusals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import type { Relay, startRelay as StartRelay } from '../../examples/websocket-relay/relay.mjs';
import { repositoryRoot } from '../helpers/browser.js';

const TIMEOUT_MS = 5_000;
let relay: Relay;
let echo: net.Server;
let echoPort: number;
const received: Buffer[] = [];

before(async () => {
  const { startRelay } = (await import(new URL('examples/websocket-relay/relay.mjs', repositoryRoot).href)) as { startRelay: typeof StartRelay };
  echo = net.createServer((socket) => {
    socket.on('data', (d) => {
      received.push(d);
      socket.write(d);
    });
    socket.on('end', () => socket.end());
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as net.AddressInfo).port;
  relay = await startRelay();
});

after(async () => {
  await relay?.close();
  echo?.close();
});

/** A client frame: FIN as given, masked (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Uint8Array, { fin = true, masked = true } = {}): Buffer {
  const length = payload.length;
  const header: number[] = [(fin ? 0x80 : 0) | opcode];
  if (length < 126) header.push((masked ? 0x80 : 0) | length);
  else header.push((masked ? 0x80 : 0) | 126, length >> 8, length & 0xff);
  const mask = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([Buffer.from(header), mask, body]);
}

/** Reads what the relay sends: the HTTP response head, then frames. */
class Peer {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  private async until<T>(take: () => T | undefined): Promise<T> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.ended) throw new Error('the relay closed the connection');
      if (Date.now() > deadline) throw new Error('timed out waiting for the relay');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  head(): Promise<string> {
    return this.until(() => {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const text = this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 4);
      return text;
    });
  }
  frame(): Promise<{ opcode: number; payload: Buffer }> {
    return this.until(() => {
      const b = this.buffer;
      if (b.length < 2) return undefined;
      assert.equal(b[1]! & 0x80, 0, 'server frames are not masked');
      let length = b[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return undefined;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return undefined;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + length) return undefined;
      this.buffer = b.subarray(at + length);
      return { opcode: b[0]! & 0x0f, payload: b.subarray(at, at + length) };
    });
  }
}

async function open(query: string): Promise<{ peer: Peer; head: string; key: string }> {
  const socket = net.connect(relay.port, '127.0.0.1');
  await once(socket, 'connect');
  const key = randomBytes(16).toString('base64');
  const peer = new Peer(socket);
  socket.write(
    `GET /${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return { peer, head: await peer.head(), key };
}

test('relay: the opening handshake (RFC 6455 §4.2.2 accept value), then bytes both ways, fragmented or not', async () => {
  const { peer, head, key } = await open(`?host=127.0.0.1&port=${echoPort}`);
  try {
    assert.match(head, /^HTTP\/1\.1 101 /);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(head, new RegExp(`sec-websocket-accept: ${accept.replace(/[+/]/g, '\\$&')}`, 'i'));
    received.length = 0;
    peer.socket.write(clientFrame(0x2, Buffer.from('hello ')));
    // A message in two fragments (binary, then continuation) reaches TCP as one payload.
    peer.socket.write(Buffer.concat([clientFrame(0x2, Buffer.from('frag'), { fin: false }), clientFrame(0x0, Buffer.from('mented'))]));
    let echoed = '';
    while (echoed.length < 'hello fragmented'.length) {
      const f = await peer.frame();
      assert.equal(f.opcode, 0x2, 'the relay answers with binary messages');
      echoed += f.payload.toString();
    }
    assert.equal(echoed, 'hello fragmented');
    assert.equal(Buffer.concat(received).toString(), 'hello fragmented');
    // Larger than 125 bytes: the 16-bit length form.
    const big = randomBytes(40_000);
    peer.socket.write(clientFrame(0x2, big));
    const chunks: Buffer[] = [];
    while (Buffer.concat(chunks).length < big.length) chunks.push((await peer.frame()).payload);
    assert.ok(Buffer.concat(chunks).equals(big));
    // Ping → pong with the same payload.
    peer.socket.write(clientFrame(0x9, Buffer.from('are you there')));
    const pong = await peer.frame();
    assert.deepEqual([pong.opcode, pong.payload.toString()], [0xa, 'are you there']);
    // Close: echoed with the code, and the TCP side ends.
    peer.socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    const close = await peer.frame();
    assert.equal(close.opcode, 0x8);
    assert.equal(close.payload.readUInt16BE(0), 1000);
  } finally {
    peer.socket.destroy();
  }
});

test('relay: an unmasked client frame is a protocol error (close 1002)', async () => {
  const { peer } = await open(`?host=127.0.0.1&port=${echoPort}`);
  try {
    peer.socket.write(clientFrame(0x2, Buffer.from('x'), { masked: false }));
    const close = await peer.frame();
    assert.equal(close.opcode, 0x8);
    assert.equal(close.payload.readUInt16BE(0), 1002);
  } finally {
    peer.socket.destroy();
  }
});

test('relay: targets other than 127.0.0.1 are refused (403), a missing port is 400, a closed port 502', async () => {
  for (const [query, status] of [
    ['?host=192.0.2.1&port=443', 403],
    ['?host=localhost&port=443', 403],
    ['?host=127.0.0.1', 400],
  ] as const) {
    const { peer, head } = await open(query);
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), query);
    peer.socket.destroy();
  }
  const unused = net.createServer().listen(0, '127.0.0.1');
  await once(unused, 'listening');
  const port = (unused.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => unused.close(() => resolve()));
  const { peer, head } = await open(`?host=127.0.0.1&port=${port}`);
  assert.match(head, /^HTTP\/1\.1 502 /);
  peer.socket.destroy();
});
