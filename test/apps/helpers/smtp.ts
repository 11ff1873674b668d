// A minimal SMTP server with STARTTLS over tlskit (RFC 5321 and RFC 3207: enough for nodemailer
// and openssl s_client -starttls smtp), and a minimal SMTP client conversation over any Duplex.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { upgrade } from '../../../src/node/upgrade.js';
import type { TlsServerOptions } from '../../../src/node/server.js';
import type { TLSSocket } from '../../../src/node/tls-socket.js';
import { withTimeout, STEP_MS } from './peers.js';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly data: string;
  /** The EHLO name given after STARTTLS. */
  readonly ehlo: string;
  readonly protocol: string | null;
  readonly cipher: string | undefined;
}

export interface SmtpServerEvents {
  /** Called when a connection upgraded: the TLS socket and the bytes that came with STARTTLS. */
  onUpgrade?(socket: TLSSocket, head: Buffer): void;
}

/**
 * Listens on 127.0.0.1. Before STARTTLS only EHLO/HELO, NOOP, QUIT and STARTTLS are accepted
 * (MAIL is refused with 530), so a delivered message proves the upgrade happened.
 */
export interface SmtpTestServer {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Stops listening and drops every connection. */
  close(): void;
}

export function startSmtpServer(tls: TlsServerOptions, events: SmtpServerEvents = {}): Promise<SmtpTestServer> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(socket, null);
    socket.write('220 tlskit.test ESMTP ready\r\n');
  });

  function serve(stream: Duplex, secure: TLSSocket | null): void {
    let buffered = Buffer.alloc(0);
    let ehlo = '';
    let from: string | undefined;
    let to: string[] = [];
    let data: string[] | undefined;
    const reply = (text: string): void => {
      stream.write(`${text}\r\n`);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      let eol: number;
      while ((eol = buffered.indexOf('\n')) >= 0) {
        const line = buffered.subarray(0, eol).toString('utf8').replace(/\r$/, '');
        buffered = buffered.subarray(eol + 1);
        if (data) {
          if (line === '.') {
            mails.push({ from: from!, to, data: data.join('\n'), ehlo, protocol: secure?.getProtocol() ?? null, cipher: secure?.getCipher()?.standardName });
            data = undefined;
            from = undefined;
            to = [];
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.split(' ', 1)[0]!.toUpperCase();
        const arg = line.slice(verb.length).trim();
        switch (verb) {
          case 'EHLO':
            ehlo = arg;
            reply(`250-tlskit.test greets ${arg}`);
            if (!secure) reply('250-STARTTLS');
            reply('250-8BITMIME');
            reply('250 SMTPUTF8');
            break;
          case 'HELO':
            ehlo = arg;
            reply('250 tlskit.test');
            break;
          case 'STARTTLS': {
            if (secure) {
              reply('503 5.5.1 TLS already active');
              break;
            }
            // RFC 3207 §4.2: the client's EHLO state is forgotten. Stop reading plaintext; whatever
            // came after the command line already is the start of the TLS handshake.
            stream.pause();
            stream.off('data', onData);
            const head = buffered;
            reply('220 2.0.0 ready to start TLS');
            const tls = upgrade(stream, { isServer: true, ...tlsOptions, head });
            tls.on('error', () => undefined);
            events.onUpgrade?.(tls, head);
            tls.once('secure', () => serve(tls, tls));
            return;
          }
          case 'MAIL':
            if (!secure) {
              reply('530 5.7.0 must issue a STARTTLS command first');
              break;
            }
            from = /<([^>]*)>/.exec(arg)?.[1] ?? arg;
            reply('250 2.1.0 ok');
            break;
          case 'RCPT':
            if (!from) {
              reply('503 5.5.1 need MAIL first');
              break;
            }
            to.push(/<([^>]*)>/.exec(arg)?.[1] ?? arg);
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            if (to.length === 0) {
              reply('503 5.5.1 need RCPT first');
              break;
            }
            data = [];
            reply('354 end data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
            from = undefined;
            to = [];
            reply('250 2.0.0 ok');
            break;
          case 'NOOP':
            reply('250 2.0.0 ok');
            break;
          case 'QUIT':
            reply('221 2.0.0 bye');
            stream.end();
            return;
          default:
            reply('502 5.5.2 command not recognised');
        }
      }
    };
    stream.on('data', onData);
  }

  const tlsOptions = tls;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        mails,
        close: () => {
          server.close();
          for (const socket of sockets) socket.destroy();
        },
      }),
    );
  });
}

/** SMTP replies read off a stream: `command()` sends a line and returns the whole reply. */
export class SmtpConversation {
  private buffered = '';
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(private readonly stream: Duplex) {
    stream.setEncoding('latin1');
    stream.on('data', (chunk: string) => {
      this.buffered += chunk;
      this.waiting?.();
    });
    stream.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  /** The next reply: its code and lines. */
  async reply(ms = STEP_MS): Promise<{ code: number; lines: string[] }> {
    const take = (): { code: number; lines: string[] } | undefined => {
      const lines: string[] = [];
      let at = 0;
      for (;;) {
        const eol = this.buffered.indexOf('\r\n', at);
        if (eol < 0) return undefined;
        const line = this.buffered.slice(at, eol);
        lines.push(line);
        at = eol + 2;
        if (line[3] !== '-') {
          this.buffered = this.buffered.slice(at);
          return { code: Number(line.slice(0, 3)), lines };
        }
      }
    };
    const ready = new Promise<{ code: number; lines: string[] }>((resolve, reject) => {
      const check = (): void => {
        const r = take();
        if (r) {
          this.waiting = undefined;
          resolve(r);
        } else if (this.ended) {
          reject(new Error(`the connection closed; unread: ${JSON.stringify(this.buffered)}`));
        }
      };
      this.waiting = check;
      check();
    });
    return withTimeout(ready, ms, 'an SMTP reply');
  }

  async command(line: string, expectCode: number): Promise<string[]> {
    this.stream.write(`${line}\r\n`);
    const r = await this.reply();
    if (r.code !== expectCode) throw new Error(`${line.split(' ')[0]}: expected ${expectCode}, got ${r.lines.join(' / ')}`);
    return r.lines;
  }
}
