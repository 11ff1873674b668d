#!/usr/bin/env node
// A WebSocket-to-TCP relay with no dependencies: each WebSocket connection becomes one TCP
// connection, binary messages are written to it as they are and whatever it sends comes back as
// binary messages. This is how a page (which has no TCP) reaches a TLS server: tlskit runs TLS
// in the page, end to end, and the relay only ever sees ciphertext.
//
//   node examples/websocket-relay/relay.mjs [--port 8080] [--allow 127.0.0.1:4433,...]
//   then from the page: new WebSocket('ws://127.0.0.1:8080/?host=127.0.0.1&port=4433')
//
// By default it listens on 127.0.0.1 and relays only to 127.0.0.1: an open relay would let any
// page reach any host. --allow lists more targets (host:port, or host:* for every port).
//
// RFC 6455: the opening handshake (§4.2), framing (§5.2) with masked client frames (§5.3),
// fragmentation (§5.4), ping/pong (§5.5.2-3) and the closing handshake (§5.5.1, §7).
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };
/** The largest message we accept from the page; TLS records are at most 16 KiB + 256. */
const MAX_MESSAGE = 1 << 20;

/** One WebSocket frame header and payload (RFC 6455 §5.2). */
function frame(opcode, payload = new Uint8Array(0)) {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = 0x80 | opcode; // FIN, no extensions
  if (length < 126) {
    out[1] = length;
  } else if (length < 0x10000) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  out.set(payload, header);
  return out;
}

/**
 * Reads frames from the client: calls onMessage(opcode, payload) per complete message or control
 * frame. Throws (with a close code) on a protocol violation.
 */
class FrameReader {
  #buffer = Buffer.alloc(0);
  #fragments = [];
  #fragmentsLength = 0;
  #fragmentOpcode = 0;

  constructor(onMessage) {
    this.onMessage = onMessage;
  }

  push(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      if ((b[0] & 0x70) !== 0) throw closeWith(1002, 'reserved bits set without an extension');
      const opcode = b[0] & 0x0f;
      if ((b[1] & 0x80) === 0) throw closeWith(1002, 'client frames must be masked'); // §5.1
      let length = b[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) throw closeWith(1009, 'message too big');
        length = Number(big);
        at = 10;
      }
      if (length > MAX_MESSAGE) throw closeWith(1009, 'message too big');
      if (b.length < at + 4 + length) return;
      const mask = b.subarray(at, at + 4);
      const payload = Buffer.from(b.subarray(at + 4, at + 4 + length)); // a copy: unmasked in place
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.#buffer = b.subarray(at + 4 + length);
      this.#frame(fin, opcode, payload);
    }
  }

  #frame(fin, opcode, payload) {
    if (opcode >= 0x8) {
      // §5.5: control frames are not fragmented and carry at most 125 bytes.
      if (!fin || payload.length > 125) throw closeWith(1002, 'bad control frame');
      this.onMessage(opcode, payload);
      return;
    }
    if (opcode === Opcode.continuation) {
      if (this.#fragments.length === 0) throw closeWith(1002, 'continuation without a message');
    } else {
      if (this.#fragments.length > 0) throw closeWith(1002, 'new message inside a fragmented one');
      if (opcode !== Opcode.text && opcode !== Opcode.binary) throw closeWith(1002, `unknown opcode ${opcode}`);
      this.#fragmentOpcode = opcode;
    }
    this.#fragments.push(payload);
    this.#fragmentsLength += payload.length;
    if (this.#fragmentsLength > MAX_MESSAGE) throw closeWith(1009, 'message too big');
    if (!fin) return;
    const message = this.#fragments.length === 1 ? this.#fragments[0] : Buffer.concat(this.#fragments);
    this.#fragments = [];
    this.#fragmentsLength = 0;
    this.onMessage(this.#fragmentOpcode, message);
  }
}

function closeWith(code, reason) {
  return Object.assign(new Error(reason), { closeCode: code });
}

function closePayload(code, reason = '') {
  const text = Buffer.from(reason.slice(0, 100));
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code, 0);
  out.set(text, 2);
  return out;
}

/** Parses --allow entries: ['127.0.0.1:4433', 'localhost:*']. */
function allowList(entries) {
  return entries.map((entry) => {
    const at = entry.lastIndexOf(':');
    if (at <= 0) throw new TypeError(`--allow ${entry}: expected host:port or host:*`);
    return { host: entry.slice(0, at), port: entry.slice(at + 1) };
  });
}

/**
 * Starts a relay; resolves to { url, port, close() } once it listens.
 * options: port (0: any free port), host ('127.0.0.1'), allow ([{ host, port }], default every
 * port on 127.0.0.1), log (a function, default silent), connectTimeoutMs (10 s).
 */
export function startRelay(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const allow = options.allow ?? [{ host: '127.0.0.1', port: '*' }];
  const log = options.log ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const sockets = new Set();
  const server = createServer((req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('WebSocket only\n');
  });

  server.on('upgrade', (req, socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const refuse = (status, why) => {
      log(`refused ${req.url}: ${why}`);
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${why}\n`);
    };
    // §4.2.1: a GET with Upgrade: websocket, version 13 and a 16-byte base64 key.
    const key = req.headers['sec-websocket-key'];
    if (
      req.method !== 'GET' ||
      req.headers.upgrade?.toLowerCase() !== 'websocket' ||
      req.headers['sec-websocket-version'] !== '13' ||
      typeof key !== 'string' ||
      Buffer.from(key, 'base64').length !== 16
    ) {
      refuse('400 Bad Request', 'not a WebSocket version 13 handshake');
      return;
    }
    const url = new URL(req.url ?? '/', 'ws://relay');
    const targetHost = url.searchParams.get('host') ?? '127.0.0.1';
    const targetPort = Number(url.searchParams.get('port'));
    if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) {
      refuse('400 Bad Request', 'say where to: ?host=...&port=...');
      return;
    }
    if (!allow.some((a) => a.host === targetHost && (a.port === '*' || Number(a.port) === targetPort))) {
      refuse('403 Forbidden', `${targetHost}:${targetPort} is not an allowed target`);
      return;
    }
    const tcp = connect({ host: targetHost, port: targetPort });
    sockets.add(tcp);
    const timer = setTimeout(() => tcp.destroy(new Error(`connecting to ${targetHost}:${targetPort} timed out`)), connectTimeoutMs);
    let closed = false;
    let connected = false;
    /** Ends both sides. `graceful`: TCP gets what was written before a FIN, not a reset (bounded wait). */
    const finish = (code, reason, graceful = false) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (!socket.destroyed) socket.end(frame(Opcode.close, closePayload(code, reason)));
      if (graceful && !tcp.destroyed) {
        tcp.end();
        setTimeout(() => tcp.destroy(), 5_000).unref();
      } else {
        tcp.destroy();
      }
      tcp.once('close', () => sockets.delete(tcp));
      log(`closed ${targetHost}:${targetPort}: ${code} ${reason}`);
    };
    tcp.on('connect', () => {
      clearTimeout(timer);
      connected = true;
      log(`relaying to ${targetHost}:${targetPort}`);
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    });
    tcp.on('error', (err) => {
      clearTimeout(timer);
      if (!connected) refuse('502 Bad Gateway', err.message);
      else finish(1011, err.message);
    });
    // TCP → page: one binary message per chunk. Each side is paused while the other's socket
    // buffers more than Node's high-water mark, so the relay's memory stays bounded.
    tcp.on('data', (chunk) => {
      if (!socket.write(frame(Opcode.binary, chunk))) tcp.pause();
    });
    socket.on('drain', () => tcp.resume());
    tcp.on('end', () => finish(1000, 'the server closed the connection', true));
    // Page → TCP.
    const reader = new FrameReader((opcode, payload) => {
      switch (opcode) {
        case Opcode.binary:
        case Opcode.text:
          if (!tcp.write(payload)) socket.pause();
          break;
        case Opcode.ping:
          socket.write(frame(Opcode.pong, payload));
          break;
        case Opcode.pong:
          break;
        case Opcode.close:
          // §5.5.1: echo the close; end TCP after what the page sent, so the server sees all of it.
          finish(payload.length >= 2 ? payload.readUInt16BE(0) : 1000, 'closed by the page', true);
          break;
      }
    });
    tcp.on('drain', () => socket.resume());
    socket.on('data', (chunk) => {
      try {
        reader.push(chunk);
      } catch (err) {
        finish(err.closeCode ?? 1011, err.message);
      }
    });
    socket.on('close', () => finish(1001, 'the page went away'));
    socket.setNoDelay(true);
    tcp.setNoDelay(true);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address();
      resolve({
        port,
        url: `ws://${host}:${port}/`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

// Run as a program.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const allow = value('--allow');
  const relay = await startRelay({
    port: Number(value('--port') ?? 8080),
    ...(allow ? { allow: allowList(allow.split(',')) } : {}),
    log: (line) => console.log(`relay: ${line}`),
  });
  console.log(`relay: listening on ${relay.url} (connect with ?host=127.0.0.1&port=N)`);
  const stop = () => relay.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
