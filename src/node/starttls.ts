// The plaintext part of STARTTLS for a client, protocol by protocol: what is said on a fresh
// connection until the server agrees to start TLS. It leaves the socket paused and returns the
// bytes read past that point, ready for upgrade(socket, { head }). The conversations themselves
// (./starttls/) are synchronous: bytes in, the next move out; this file owns the socket, the
// timeout and the bounds. docs/starttls.md describes each protocol.
import type { Duplex } from 'node:stream';
import { MAX_PREAMBLE_BYTES, StartTlsError, quote, type Conversation } from './starttls/conversation.js';
import { ftp, imap, nntp, pop3, sieve, smtp } from './starttls/lines.js';
import { ldap } from './starttls/ldap.js';
import { mysql } from './starttls/mysql.js';
import { postgres } from './starttls/postgres.js';
import { xmpp } from './starttls/xmpp.js';

export { StartTlsError };

export type StartTlsProtocol = 'smtp' | 'lmtp' | 'imap' | 'pop3' | 'ftp' | 'xmpp' | 'ldap' | 'mysql' | 'postgres' | 'nntp' | 'sieve';
export const START_TLS_PROTOCOLS: readonly StartTlsProtocol[] = ['smtp', 'lmtp', 'imap', 'pop3', 'ftp', 'xmpp', 'ldap', 'mysql', 'postgres', 'nntp', 'sieve'];

const NAMES: Readonly<Record<StartTlsProtocol, string>> = {
  smtp: 'SMTP',
  lmtp: 'LMTP',
  imap: 'IMAP',
  pop3: 'POP3',
  ftp: 'FTP',
  xmpp: 'XMPP',
  ldap: 'LDAP',
  mysql: 'MySQL',
  postgres: 'PostgreSQL',
  nntp: 'NNTP',
  sieve: 'ManageSieve',
};

export interface StartTlsOptions {
  /** SMTP and LMTP: the name in EHLO or LHLO (default 'localhost'). */
  readonly ehloName?: string;
  /** XMPP (required there): the domain the stream is opened to, its `to` (RFC 6120 §4.7.2). */
  readonly xmppDomain?: string;
  /** Milliseconds for the whole exchange (default 10000). */
  readonly timeout?: number;
  /** Aborts the exchange: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Each line or message of the exchange, for a transcript. */
  readonly onExchange?: (direction: 'sent' | 'received', text: string) => void;
}

function conversationFor(protocol: StartTlsProtocol, options: StartTlsOptions): Conversation {
  switch (protocol) {
    case 'smtp':
      return smtp(options.ehloName ?? 'localhost', 'SMTP');
    case 'lmtp':
      return smtp(options.ehloName ?? 'localhost', 'LMTP');
    case 'imap':
      return imap();
    case 'pop3':
      return pop3();
    case 'ftp':
      return ftp();
    case 'nntp':
      return nntp();
    case 'sieve':
      return sieve();
    case 'ldap':
      return ldap();
    case 'mysql':
      return mysql();
    case 'postgres':
      return postgres();
    case 'xmpp': {
      const domain = options.xmppDomain;
      if (typeof domain !== 'string' || !/^[^\s<>&'"\x00-\x1f]+$/.test(domain)) {
        throw new TypeError(
          `negotiateStartTls: xmpp needs xmppDomain, the domain the server serves (the stream's 'to'), not ${domain === undefined ? 'nothing' : quote(String(domain))}`,
        );
      }
      return xmpp(domain);
    }
    default:
      throw new TypeError(`negotiateStartTls: unknown protocol ${quote(String(protocol))}; use one of ${START_TLS_PROTOCOLS.join(', ')}`);
  }
}

/**
 * Runs the plaintext exchange of `protocol` on a connected `socket`. Resolves with the bytes
 * read after the server's go-ahead (usually none); the socket is left paused and unread. Rejects
 * with a StartTlsError naming the protocol and quoting the server when it will not start TLS.
 * A TypeError for options it cannot use is thrown at once.
 */
export function negotiateStartTls(socket: Duplex, protocol: StartTlsProtocol, options: StartTlsOptions = {}): Promise<Buffer> {
  const conversation = conversationFor(protocol, options);
  const name = NAMES[protocol];
  const timeout = options.timeout ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new TypeError(`negotiateStartTls: timeout must be a positive number of milliseconds, not ${String(timeout)}`);
  return new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | undefined, head?: Buffer): void => {
      if (settled) return;
      settled = true;
      // Pausing first stops a flowing socket from emitting more 'data' before upgrade() listens.
      socket.pause();
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
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
          else if (r.kind === 'done') {
            if (r.bytes) send(r.bytes, r.text ?? '');
            return finish(undefined, Buffer.from(buffered));
          }
        }
      } catch (err) {
        finish(err as Error);
      }
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_PREAMBLE_BYTES)
        return finish(new StartTlsError(`the ${name} server sent more than ${MAX_PREAMBLE_BYTES} bytes before agreeing to start TLS`));
      step();
    };
    const unanswered = (): string => (buffered.length > 0 ? `; it had last sent ${quote(buffered.toString('latin1'))}` : '');
    const onEnd = (): void => finish(new StartTlsError(`the ${name} server closed the connection before agreeing to start TLS${unanswered()}`));
    const onError = (err: Error): void => finish(err);
    const onAbort = (): void =>
      finish(options.signal!.reason instanceof Error ? options.signal!.reason : new StartTlsError(`the ${name} STARTTLS exchange was aborted`));
    const timer = setTimeout(() => finish(new StartTlsError(`no STARTTLS go-ahead from the ${name} server within ${timeout} ms${unanswered()}`)), timeout);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    const first = conversation.start();
    if (first) send(first.bytes, first.text);
  });
}
