// The plaintext part of STARTTLS for a client, protocol by protocol: what is said on a fresh
// connection until the server agrees to start TLS. It leaves the socket paused and returns the
// bytes read past that point, ready for upgrade(socket, { head }).
import type { Duplex } from 'node:stream';

export type StartTlsProtocol = 'smtp' | 'postgres';
export const START_TLS_PROTOCOLS: readonly StartTlsProtocol[] = ['smtp', 'postgres'];

export interface StartTlsOptions {
  /** SMTP: the name in EHLO (default 'localhost'). */
  readonly ehloName?: string;
  /** Milliseconds for the whole exchange (default 10000). */
  readonly timeout?: number;
  /** Each line (SMTP) or message (PostgreSQL) of the exchange, for a transcript. */
  readonly onExchange?: (direction: 'sent' | 'received', text: string) => void;
}

/** Something in the plaintext exchange that keeps TLS from starting, in plain words. */
export class StartTlsError extends Error {
  override readonly name = 'StartTlsError';
}

// PostgreSQL protocol §55.2.10: SSLRequest is Int32 length 8, Int32 code 80877103.
const SSL_REQUEST = Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);
const MAX_PREAMBLE_BYTES = 64 * 1024;

/**
 * Runs the plaintext exchange of `protocol` on a connected `socket`. Resolves with the bytes
 * read after the server's go-ahead (usually none); the socket is left paused and unread.
 */
export function negotiateStartTls(socket: Duplex, protocol: StartTlsProtocol, options: StartTlsOptions = {}): Promise<Buffer> {
  const conversation = protocol === 'smtp' ? smtp(options.ehloName ?? 'localhost') : postgres();
  return new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (err: Error | undefined, head?: Buffer): void => {
      // Pausing first stops a flowing socket from emitting more 'data' before upgrade() listens.
      socket.pause();
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(head ?? Buffer.alloc(0));
    };
    const send = (bytes: Uint8Array | string, text: string): void => {
      options.onExchange?.('sent', text);
      socket.write(bytes);
    };
    const step = (): void => {
      try {
        for (;;) {
          const r = conversation.next(buffered);
          if (r.kind === 'need-more') return;
          buffered = buffered.subarray(r.consumed);
          for (const text of r.received) options.onExchange?.('received', text);
          if (r.kind === 'send') send(r.bytes, r.text);
          else return finish(undefined, Buffer.from(buffered));
        }
      } catch (err) {
        finish(err as Error);
      }
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_PREAMBLE_BYTES) return finish(new StartTlsError(`the server sent more than ${MAX_PREAMBLE_BYTES} bytes before agreeing to start TLS`));
      step();
    };
    const onEnd = (): void => finish(new StartTlsError(`the server closed the connection before agreeing to start TLS (${protocol})`));
    const onError = (err: Error): void => finish(err);
    const timeout = options.timeout ?? 10_000;
    const timer = setTimeout(() => finish(new StartTlsError(`no STARTTLS go-ahead from the server within ${timeout} ms (${protocol})`)), timeout);
    socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    const first = conversation.start();
    if (first) send(first.bytes, first.text);
  });
}

type Step =
  | { kind: 'need-more' }
  | { kind: 'send'; consumed: number; received: string[]; bytes: Uint8Array | string; text: string }
  | { kind: 'done'; consumed: number; received: string[] };

interface Conversation {
  /** What the client says first, if it speaks first. */
  start(): { bytes: Uint8Array | string; text: string } | undefined;
  /** Given the unread bytes, the next move. */
  next(buffered: Buffer): Step;
}

/** RFC 5321 §4.2: a reply is lines "ddd-text" ending with a line "ddd text"; the code, the lines and their length. */
function readSmtpReply(buffered: Buffer): { code: number; lines: string[]; consumed: number } | undefined {
  const lines: string[] = [];
  let at = 0;
  for (;;) {
    const eol = buffered.indexOf('\n', at);
    if (eol < 0) return undefined;
    const line = buffered.subarray(at, eol).toString('latin1').replace(/\r$/, '');
    at = eol + 1;
    lines.push(line);
    if (!/^\d{3}[ -]?/.test(line)) throw new StartTlsError(`the server's reply is not SMTP: "${line.slice(0, 80)}"`);
    if (line[3] !== '-') return { code: Number(line.slice(0, 3)), lines, consumed: at };
  }
}

// RFC 3207: greeting 220, EHLO → 250 with a STARTTLS line, STARTTLS → 220, then the TLS handshake.
function smtp(ehloName: string): Conversation {
  let stage: 'greeting' | 'ehlo' | 'starttls' = 'greeting';
  return {
    start: () => undefined,
    next(buffered) {
      const reply = readSmtpReply(buffered);
      if (!reply) return { kind: 'need-more' };
      const { code, lines, consumed } = reply;
      const said = lines.join(' / ');
      switch (stage) {
        case 'greeting':
          if (code !== 220) throw new StartTlsError(`the SMTP server's greeting is not 220: "${said}"`);
          stage = 'ehlo';
          return { kind: 'send', consumed, received: lines, bytes: `EHLO ${ehloName}\r\n`, text: `EHLO ${ehloName}` };
        case 'ehlo':
          if (code !== 250) throw new StartTlsError(`the SMTP server refused EHLO: "${said}"`);
          if (!lines.some((l) => /^250[ -]STARTTLS\s*$/i.test(l))) throw new StartTlsError('the SMTP server does not offer STARTTLS in its EHLO reply');
          stage = 'starttls';
          return { kind: 'send', consumed, received: lines, bytes: 'STARTTLS\r\n', text: 'STARTTLS' };
        case 'starttls':
          if (code !== 220) throw new StartTlsError(`the SMTP server refused STARTTLS: "${said}"`);
          return { kind: 'done', consumed, received: lines };
      }
    },
  };
}

// PostgreSQL §55.2.10: SSLRequest → one byte, 'S' (go ahead with TLS) or 'N' (no TLS here).
function postgres(): Conversation {
  return {
    start: () => ({ bytes: SSL_REQUEST, text: 'SSLRequest' }),
    next(buffered) {
      if (buffered.length === 0) return { kind: 'need-more' };
      const answer = buffered[0]!;
      if (answer === 0x53) return { kind: 'done', consumed: 1, received: ["'S': the server is willing to start TLS"] };
      if (answer === 0x4e) throw new StartTlsError("the PostgreSQL server answered the SSLRequest with 'N': it does not accept TLS (ssl = off)");
      if (answer === 0x45) throw new StartTlsError('the PostgreSQL server answered the SSLRequest with an error message (a server older than 7.2?)');
      throw new StartTlsError(`the server's answer to an SSLRequest is not PostgreSQL's (first byte 0x${answer.toString(16).padStart(2, '0')})`);
    },
  };
}
