// An FTPS client (RFC 4217, explicit TLS): AUTH TLS on the control connection, login over TLS,
// PBSZ 0 and PROT P so that every data connection is TLS too, passive mode (EPSV, RFC 2428, else
// PASV), and data connections that resume the control connection's TLS session, as servers such
// as vsftpd (require_ssl_reuse) demand: the resumption shows the data connection comes from the
// client that logged in (RFC 4217 §10.2's concern, connection stealing).
//
//   const ftp = await connectFtps({ host, user, password, ca });
//   const listing = await ftp.list();
//   const bytes = await ftp.download('file.bin');
//   await ftp.quit();
import * as net from 'node:net';
import { StartTlsError, quote } from './starttls/conversation.js';
import { readCodedReply } from './starttls/lines.js';
import { negotiateStartTls } from './starttls.js';
import type { TlsEvent } from '../engine/events.js';
import type { TLSSocket } from './tls-socket.js';
import { connect } from './connect.js';
import { upgrade, type ClientUpgradeOptions } from './upgrade.js';

/** Control-connection text the server may send unasked before we read it. */
const MAX_CONTROL_BYTES = 64 * 1024;
const DEFAULT_MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024;
const CLOSE_NOTIFY = 0;

export interface FtpsConnectOptions extends Omit<ClientUpgradeOptions, 'head' | 'isServer' | 'session' | 'host'> {
  readonly host: string;
  /** Default 21. */
  readonly port?: number;
  /** Default 'anonymous'. */
  readonly user?: string;
  /** Default 'anonymous@' (what an anonymous login expects). */
  readonly password?: string;
  /** Milliseconds for each step: a reply, a connection, a handshake, a transfer's silence (default 15000). */
  readonly timeout?: number;
  /** The largest file or listing accepted (default 1 GiB): a server sending more is cut off. */
  readonly maxBytes?: number;
  /** Each command and reply on the control connection, for a transcript (PASS is masked). */
  readonly onExchange?: (direction: 'sent' | 'received', text: string) => void;
}

export interface FtpReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The lines joined with " / ", as error messages quote them. */
  readonly text: string;
}

/** What the last data connection was. */
export interface DataTransfer {
  /** Whether its TLS handshake resumed the control connection's session. */
  readonly resumed: boolean;
  readonly protocol: string | null;
  readonly bytes: number;
}

/** The FTP server said no, or the FTP exchange broke; `reply` is the server's reply when there was one. */
export class FtpsError extends Error {
  override readonly name = 'FtpsError';
  constructor(
    message: string,
    readonly reply?: FtpReply,
  ) {
    super(message);
  }
}

function bounded<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new FtpsError(`no ${what} within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function once(socket: net.Socket | TLSSocket, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onEvent = (): void => {
      socket.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      socket.off(event, onEvent);
      reject(err);
    };
    socket.once(event, onEvent).once('error', onError);
  });
}

/** Replies read off the control connection, one at a time, in order. */
class ReplyReader {
  private buffered = Buffer.alloc(0);
  private ended: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length > MAX_CONTROL_BYTES) this.end(new FtpsError(`the FTP server sent more than ${MAX_CONTROL_BYTES} bytes of replies unasked`));
      this.waiter?.();
    });
    socket.on('end', () => this.end(new FtpsError('the FTP server closed the control connection')));
    socket.on('error', (err: Error) => this.end(err));
  }

  private end(err: Error): void {
    this.ended ??= err;
    this.waiter?.();
  }

  next(): Promise<FtpReply> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let reply;
        try {
          reply = readCodedReply(this.buffered, 'FTP', 'ftp');
        } catch (err) {
          this.waiter = undefined;
          return reject(new FtpsError((err as StartTlsError).message));
        }
        if (reply) {
          this.waiter = undefined;
          this.buffered = this.buffered.subarray(reply.consumed);
          return resolve({ code: reply.code, lines: reply.lines, text: reply.lines.join(' / ') });
        }
        if (this.ended) {
          this.waiter = undefined;
          reject(this.ended);
        }
      };
      this.waiter = check;
      check();
    });
  }
}

/** RFC 2428 §3: "229 text (|||port|)", the delimiter being the character after the parenthesis. */
function epsvPort(reply: FtpReply): number {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(reply.text);
  const port = m ? Number(m[2]) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new FtpsError(`the FTP server's EPSV reply names no port: ${quote(reply.text)}`, reply);
  return port;
}

/** RFC 959 §4.1.2: "227 text (h1,h2,h3,h4,p1,p2)"; only the port is used. */
function pasvPort(reply: FtpReply): number {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(reply.text);
  const port = m ? Number(m[5]) * 256 + Number(m[6]) : NaN;
  if (!m || Number(m[5]) > 255 || Number(m[6]) > 255 || !(port >= 1))
    throw new FtpsError(`the FTP server's PASV reply names no port: ${quote(reply.text)}`, reply);
  return port;
}

export class FtpsClient {
  private session: Buffer | undefined;
  private last: DataTransfer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly replies: ReplyReader;
  private readonly timeout: number;
  private readonly maxBytes: number;

  /** Use connectFtps(). */
  constructor(
    readonly control: TLSSocket,
    private readonly options: FtpsConnectOptions,
  ) {
    this.replies = new ReplyReader(control);
    this.timeout = options.timeout ?? 15_000;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    // TLS 1.3 tickets come after the handshake (the latest is resumed); a TLS 1.2 session came
    // with it, before this listener: getSession() has it (see controlSession()).
    control.on('session', (session: Buffer) => (this.session = session));
  }

  /** The control connection's session to resume: its latest ticket, else the TLS 1.2 session. */
  private controlSession(): Buffer | undefined {
    return this.session ?? this.control.getSession();
  }

  /** The last data connection: whether it resumed the control connection's session, its size. */
  get lastTransfer(): DataTransfer | undefined {
    return this.last;
  }

  /** The next reply on the control connection (after a command whose first reply was 1xx). */
  nextReply(): Promise<FtpReply> {
    return this.serial(() => this.readReply());
  }

  /** Sends one command and resolves with its first reply. */
  command(line: string): Promise<FtpReply> {
    return this.serial(() => this.send(line));
  }

  /** A command whose reply must have one of `codes`; otherwise an FtpsError quoting the reply. */
  expect(line: string, codes: readonly number[], what = line.split(' ')[0]!): Promise<FtpReply> {
    return this.serial(() => this.sendExpecting(line, codes, what));
  }

  /** LIST (RFC 959 §4.1.3) over a protected data connection: the listing as text. */
  async list(path?: string): Promise<string> {
    return (await this.serial(() => this.transfer(path === undefined ? 'LIST' : `LIST ${path}`))).toString('utf8');
  }

  /** RETR (RFC 959 §4.1.3) in binary: the file's bytes, over a protected data connection. */
  download(path: string): Promise<Buffer> {
    return this.serial(() => this.transfer(`RETR ${path}`));
  }

  /** QUIT, then the control connection's close_notify. */
  quit(): Promise<void> {
    return this.serial(async () => {
      try {
        await this.send('QUIT');
      } finally {
        this.control.end();
      }
    });
  }

  /** Runs operations one after another: the control connection carries one exchange at a time. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async readReply(): Promise<FtpReply> {
    const reply = await bounded(this.replies.next(), this.timeout, 'reply from the FTP server', () => this.control.destroy());
    for (const line of reply.lines) this.options.onExchange?.('received', line);
    return reply;
  }

  private send(line: string): Promise<FtpReply> {
    // A CR or LF (from a path, say) would smuggle in a second command.
    if (/[\r\n]/.test(line)) return Promise.reject(new TypeError('FtpsClient: a command or path is one line, without CR or LF'));
    this.options.onExchange?.('sent', /^PASS /i.test(line) ? 'PASS ****' : line);
    this.control.write(`${line}\r\n`);
    return this.readReply();
  }

  private async sendExpecting(line: string, codes: readonly number[], what: string): Promise<FtpReply> {
    const reply = await this.send(line);
    if (!codes.includes(reply.code)) throw new FtpsError(`the FTP server refused ${what}: ${quote(reply.text)}`, reply);
    return reply;
  }

  destroy(): void {
    this.control.destroy();
  }

  /** The port of a passive data connection: EPSV, or PASV where the server lacks it. */
  private async passivePort(): Promise<number> {
    const epsv = await this.send('EPSV');
    if (epsv.code === 229) return epsvPort(epsv);
    if (epsv.code !== 500 && epsv.code !== 502) throw new FtpsError(`the FTP server refused EPSV: ${quote(epsv.text)}`, epsv);
    const pasv = await this.send('PASV');
    if (pasv.code !== 227) throw new FtpsError(`the FTP server refused PASV: ${quote(pasv.text)}`, pasv);
    return pasvPort(pasv);
  }

  /**
   * One transfer to us: a passive data connection to the control connection's peer (never to the
   * address a PASV reply names, so a server cannot point us elsewhere), TLS resuming the control
   * session, `command`, then the data until the server's close_notify, then its 226.
   */
  private async transfer(command: string): Promise<Buffer> {
    const port = await this.passivePort();
    const host = this.control.remoteAddress ?? this.options.host;
    const raw = net.connect(port, host);
    await bounded(once(raw, 'connect'), this.timeout, `data connection to ${host}:${port}`, () => raw.destroy());
    const { host: _h, port: _p, user: _u, password: _pw, timeout: _t, maxBytes: _m, onExchange: _o, ...tls } = this.options;
    const session = this.controlSession();
    const data = connect({ ...tls, host: this.options.host, socket: raw, ...(session ? { session } : {}) });
    const received = this.receive(data);
    received.catch(() => undefined);
    try {
      const first = await this.send(command);
      if (first.code !== 125 && first.code !== 150) throw new FtpsError(`the FTP server refused ${command.split(' ')[0]}: ${quote(first.text)}`, first);
      let bytes: Buffer;
      try {
        bytes = await received;
      } catch (err) {
        // The server says why it dropped the data connection (vsftpd: 522, session reuse required).
        const why = await this.readReply().catch(() => undefined);
        if (why) throw new FtpsError(`the FTP server refused the protected data connection: ${quote(why.text)}`, why);
        throw err;
      }
      const done = await this.readReply();
      if (done.code !== 226 && done.code !== 250) throw new FtpsError(`the FTP server did not complete ${command.split(' ')[0]}: ${quote(done.text)}`, done);
      this.last = { resumed: data.isSessionReused(), protocol: data.getProtocol(), bytes: bytes.length };
      return bytes;
    } finally {
      data.destroy();
    }
  }

  /** The data connection's bytes, once the server ended it with close_notify (RFC 4217 §9: else it may be cut short). */
  private receive(data: TLSSocket): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      let closeNotify = false;
      let timer = setTimeout(() => stall(), this.timeout);
      const stall = (): void => {
        data.destroy();
        reject(new FtpsError(`the data connection was silent for ${this.timeout} ms`));
      };
      data.on('tlsEvent', (event: TlsEvent) => {
        if (event.kind === 'alert' && event.direction === 'received' && event.description === CLOSE_NOTIFY) closeNotify = true;
      });
      data.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > this.maxBytes) {
          data.destroy();
          reject(new FtpsError(`the transfer is larger than maxBytes (${this.maxBytes})`));
          return;
        }
        chunks.push(chunk);
        clearTimeout(timer);
        timer = setTimeout(() => stall(), this.timeout);
      });
      data.once('end', () => {
        clearTimeout(timer);
        if (!closeNotify) return reject(new FtpsError('the data connection ended without close_notify: the transfer may be cut short'));
        data.end();
        resolve(Buffer.concat(chunks, length));
      });
      data.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      // Destroyed by us (a refused command) or closed before its end: no timer outlives it.
      data.once('close', () => {
        clearTimeout(timer);
        reject(new FtpsError('the data connection closed before the transfer ended'));
      });
    });
  }
}

/**
 * Connects, starts TLS with AUTH TLS, checks the server's certificate as connect() does, logs in
 * and protects the data channel (PBSZ 0, PROT P, RFC 4217 §8-9), in binary mode (TYPE I).
 */
export async function connectFtps(options: FtpsConnectOptions): Promise<FtpsClient> {
  if (typeof options.host !== 'string' || options.host === '') throw new TypeError('connectFtps: host is required');
  const timeout = options.timeout ?? 15_000;
  const raw = net.connect(options.port ?? 21, options.host);
  let control: TLSSocket | undefined;
  try {
    await bounded(once(raw, 'connect'), timeout, `connection to ${options.host}`, () => raw.destroy());
    const head = await negotiateStartTls(raw, 'ftp', { timeout, ...(options.onExchange ? { onExchange: options.onExchange } : {}) });
    const { port: _p, user: _u, password: _pw, timeout: _t, maxBytes: _m, onExchange: _o, ...tls } = options;
    control = upgrade(raw, { ...tls, head });
    await bounded(once(control, 'secureConnect'), timeout, 'TLS handshake on the control connection', () => control!.destroy());
    const client = new FtpsClient(control, options);
    // RFC 959 §4.1.1: 230 logged in; 331 wants the password (332 an account, not supported).
    const user = await client.expect(`USER ${options.user ?? 'anonymous'}`, [230, 331], 'the user name');
    if (user.code === 331) await client.expect(`PASS ${options.password ?? 'anonymous@'}`, [230, 202], 'the login');
    await client.expect('PBSZ 0', [200]);
    await client.expect('PROT P', [200]);
    await client.expect('TYPE I', [200]);
    return client;
  } catch (err) {
    (control ?? raw).destroy();
    raw.destroy();
    throw err;
  }
}
