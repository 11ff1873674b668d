// A WebSocket as a byte stream pair, for connectStream(): what a page or a worker uses to reach a
// TLS server through a WebSocket-to-TCP relay (examples/websocket-relay/). Binary messages carry
// the bytes; message boundaries mean nothing. No Node built-ins: the runtime's WebSocket is used.
import type { ByteStreamPair } from './streams.js';

/** The part of the WebSocket API we use (browsers, workers, Deno, Bun, Node 22+). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** Bytes queued by send() and not yet sent; writes wait while it is high. */
  readonly bufferedAmount?: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
}

const OPEN = 1;
const CLOSING = 2;
/** send() has no backpressure of its own: a write waits while more than this is queued. */
const MAX_BUFFERED = 1 << 20;
/** How often a waiting write looks at bufferedAmount again (WebSocket has no drain event). */
const BUFFER_POLL_MS = 5;

/**
 * Wraps a WebSocket (or opens one to `url`). The writable waits for the connection to open, and
 * while more than 1 MiB is queued to send; the readable ends when the socket closes cleanly and
 * errors when it fails (a WebSocket cannot be paused: what arrives is queued). Closing the
 * writable closes the socket (a WebSocket cannot half-close).
 */
export function webSocketTransport(socket: WebSocketLike | string | URL): ByteStreamPair {
  const ws: WebSocketLike = typeof socket === 'string' || socket instanceof URL ? openWebSocket(socket) : socket;
  ws.binaryType = 'arraybuffer';
  let failed: Error | undefined;
  let isOpen = ws.readyState === OPEN;
  const opened = new Promise<void>((resolve, reject) => {
    if (isOpen) resolve();
    ws.addEventListener('open', () => {
      isOpen = true;
      resolve();
    });
    ws.addEventListener('error', () => {
      if (!isOpen) reject((failed ??= new Error('WebSocket connection failed')));
    });
    ws.addEventListener('close', (e) => {
      if (!isOpen) reject((failed ??= new Error(`WebSocket closed before it opened (${e.code ?? ''} ${e.reason ?? ''})`.replace(' )', ')'))));
    });
  });
  opened.catch(() => {}); // reported through the streams

  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      ws.addEventListener('message', (e) => {
        const data = e.data;
        if (data instanceof ArrayBuffer) controller.enqueue(new Uint8Array(data));
        else if (ArrayBuffer.isView(data)) controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        // Text messages are not ours: a relay sends binary only.
      });
      ws.addEventListener('close', (e) => {
        try {
          // 1000 (normal) and 1001 (going away) end the stream; anything else is a failure.
          if (e.code === 1000 || e.code === 1001 || e.code === 1005) controller.close();
          else controller.error(failed ?? new Error(`WebSocket closed: ${e.code ?? ''} ${e.reason ?? ''}`.trim()));
        } catch {
          // already closed or errored
        }
      });
      ws.addEventListener('error', () => {
        try {
          controller.error((failed ??= new Error('WebSocket failed')));
        } catch {
          // already closed
        }
      });
    },
    cancel() {
      if (ws.readyState < CLOSING) ws.close(1000);
    },
  });

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await opened;
      if (ws.readyState !== OPEN) throw failed ?? new Error('WebSocket is closed');
      ws.send(chunk);
      while ((ws.bufferedAmount ?? 0) > MAX_BUFFERED && ws.readyState === OPEN) {
        await new Promise<void>((resolve) => setTimeout(resolve, BUFFER_POLL_MS));
      }
    },
    close() {
      if (ws.readyState < CLOSING) ws.close(1000);
    },
    abort() {
      if (ws.readyState < CLOSING) ws.close(1000);
    },
  });
  return { readable, writable };
}

function openWebSocket(url: string | URL): WebSocketLike {
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string | URL) => WebSocketLike }).WebSocket;
  if (!WebSocketClass) throw new TypeError('this runtime has no WebSocket: pass a WebSocket object instead of a URL');
  return new WebSocketClass(url);
}
