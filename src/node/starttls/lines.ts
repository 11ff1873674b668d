// The line-based STARTTLS protocols: SMTP, LMTP, FTP, IMAP, POP3, NNTP and ManageSieve. Each is a
// short script of commands; a reply is read whole (all its lines) before the next move, every line
// bounded by MAX_LINE_BYTES.
import { MAX_LINE_BYTES, StartTlsError, quote, type Conversation, type Step } from './conversation.js';

/** One line ending in LF (a CR before it dropped), from `at`; undefined until it is complete. */
function readLine(buffered: Buffer, at: number, server: string): { line: string; next: number } | undefined {
  const eol = buffered.indexOf(0x0a, at);
  const length = (eol < 0 ? buffered.length : eol) - at;
  if (length > MAX_LINE_BYTES) throw new StartTlsError(`the ${server} server sent a line longer than ${MAX_LINE_BYTES} bytes`);
  if (eol < 0) return undefined;
  return { line: buffered.subarray(at, eol).toString('latin1').replace(/\r$/, ''), next: eol + 1 };
}

interface Reply {
  readonly lines: string[];
  readonly consumed: number;
}

/** Lines from the start of `buffered` up to and including the first for which `last` holds. */
function readReply(buffered: Buffer, server: string, last: (line: string, index: number) => boolean): Reply | undefined {
  const lines: string[] = [];
  for (let at = 0; ; ) {
    const read = readLine(buffered, at, server);
    if (!read) return undefined;
    lines.push(read.line);
    at = read.next;
    if (last(read.line, lines.length - 1)) return { lines, consumed: at };
  }
}

const said = (lines: readonly string[]): string => quote(lines.join(' / '));

/**
 * A reply of three-digit codes: RFC 5321 §4.2 (SMTP, LMTP: every line "ddd-text", the last
 * "ddd text") and RFC 959 §4.2 (FTP: the first line "ddd-", then any text until a line starting
 * with the same code and a space).
 */
export function readCodedReply(buffered: Buffer, server: string, style: 'smtp' | 'ftp'): (Reply & { code: number }) | undefined {
  let code = -1;
  const reply = readReply(buffered, server, (line, i) => {
    if (i === 0 || style === 'smtp') {
      if (!/^\d{3}([ -]|$)/.test(line)) throw new StartTlsError(`the server's reply is not ${server}: ${quote(line, 80)}`);
      if (i === 0) code = Number(line.slice(0, 3));
      return line[3] !== '-';
    }
    return line.startsWith(`${code} `) || line === String(code);
  });
  return reply && { ...reply, code };
}

/** Sends a command next, having consumed `reply`. */
const send = (reply: Reply, command: string): Step => ({
  kind: 'send',
  consumed: reply.consumed,
  received: reply.lines,
  bytes: `${command}\r\n`,
  text: command,
});
const done = (reply: Reply): Step => ({ kind: 'done', consumed: reply.consumed, received: reply.lines });
const needMore: Step = { kind: 'need-more' };

/**
 * SMTP (RFC 3207) and LMTP (RFC 2033 §4.1, the same with LHLO): greeting 220, EHLO/LHLO → 250
 * with a STARTTLS line, STARTTLS → 220, then the TLS handshake.
 */
export function smtp(helloName: string, protocol: 'SMTP' | 'LMTP'): Conversation {
  const hello = protocol === 'SMTP' ? 'EHLO' : 'LHLO';
  let stage: 'greeting' | 'hello' | 'starttls' = 'greeting';
  return {
    start: () => undefined,
    next(buffered) {
      const reply = readCodedReply(buffered, protocol, 'smtp');
      if (!reply) return needMore;
      const { code, lines } = reply;
      switch (stage) {
        case 'greeting':
          if (code !== 220) throw new StartTlsError(`the ${protocol} server's greeting is not 220: ${said(lines)}`);
          stage = 'hello';
          return send(reply, `${hello} ${helloName}`);
        case 'hello':
          if (code !== 250) throw new StartTlsError(`the ${protocol} server refused ${hello}: ${said(lines)}`);
          if (!lines.some((l) => /^250[ -]STARTTLS\s*$/i.test(l)))
            throw new StartTlsError(`the ${protocol} server does not offer STARTTLS in its ${hello} reply`);
          stage = 'starttls';
          return send(reply, 'STARTTLS');
        case 'starttls':
          if (code !== 220) throw new StartTlsError(`the ${protocol} server refused STARTTLS: ${said(lines)}`);
          return done(reply);
      }
    },
  };
}

/** FTP (RFC 4217 §4): greeting 220 (after any 120 "ready soon"), AUTH TLS → 234, then TLS. */
export function ftp(): Conversation {
  let stage: 'greeting' | 'auth' = 'greeting';
  return {
    start: () => undefined,
    next(buffered) {
      const reply = readCodedReply(buffered, 'FTP', 'ftp');
      if (!reply) return needMore;
      const { code, lines } = reply;
      if (stage === 'greeting') {
        // RFC 959 §4.2: 120 says the service will be ready in a while; 220 follows.
        if (code === 120) return { kind: 'read', consumed: reply.consumed, received: lines };
        if (code !== 220) throw new StartTlsError(`the FTP server's greeting is not 220: ${said(lines)}`);
        stage = 'auth';
        return send(reply, 'AUTH TLS');
      }
      // RFC 4217 §4.1: 234 accepts; 334 would start another mechanism's exchange (RFC 2228 ADAT).
      if (code !== 234) throw new StartTlsError(`the FTP server refused AUTH TLS: ${said(lines)}`);
      return done(reply);
    },
  };
}

/**
 * IMAP (RFC 9051 §6.2.1, RFC 3501 §6.2.1): greeting "* OK"; CAPABILITY unless the greeting listed
 * them; STARTTLS → tagged OK, then TLS. A PREAUTH greeting means the session is already
 * authenticated in plaintext, where STARTTLS is not allowed: refused (the PREAUTH downgrade).
 */
export function imap(): Conversation {
  let stage: 'greeting' | 'capability' | 'starttls' = 'greeting';
  const offersStartTls = (capabilities: string): boolean => /(^|\s)STARTTLS(\s|$)/i.test(capabilities);
  const startTls = (reply: Reply): Step => {
    stage = 'starttls';
    return send(reply, 'a2 STARTTLS');
  };
  return {
    start: () => undefined,
    next(buffered) {
      if (stage === 'greeting') {
        const reply = readReply(buffered, 'IMAP', () => true);
        if (!reply) return needMore;
        const greeting = reply.lines[0]!;
        if (/^\* PREAUTH\b/i.test(greeting))
          throw new StartTlsError(`the IMAP server greeted with PREAUTH (already logged in, in plaintext), where STARTTLS is not allowed: ${quote(greeting)}`);
        if (!/^\* OK\b/i.test(greeting)) {
          if (/^\* BYE\b/i.test(greeting)) throw new StartTlsError(`the IMAP server refused the connection: ${quote(greeting)}`);
          throw new StartTlsError(`the server's greeting is not IMAP: ${quote(greeting, 80)}`);
        }
        const listed = /^\* OK \[CAPABILITY ([^\]]*)\]/i.exec(greeting);
        if (listed) {
          if (!offersStartTls(listed[1]!)) throw new StartTlsError('the IMAP server does not offer STARTTLS in its capabilities');
          return startTls(reply);
        }
        stage = 'capability';
        return send(reply, 'a1 CAPABILITY');
      }
      const tag = stage === 'capability' ? 'a1' : 'a2';
      const reply = readReply(buffered, 'IMAP', (line) => line.startsWith(`${tag} `) || /^\* BYE\b/i.test(line));
      if (!reply) return needMore;
      const status = reply.lines[reply.lines.length - 1]!;
      if (/^\* BYE\b/i.test(status)) throw new StartTlsError(`the IMAP server closed the session: ${quote(status)}`);
      const ok = /^\S+ OK\b/i.test(status);
      if (stage === 'capability') {
        if (!ok) throw new StartTlsError(`the IMAP server refused CAPABILITY: ${quote(status)}`);
        const capabilities = reply.lines.filter((l) => /^\* CAPABILITY /i.test(l)).join(' ');
        if (!offersStartTls(capabilities)) throw new StartTlsError('the IMAP server does not offer STARTTLS in its capabilities');
        return startTls(reply);
      }
      if (!ok) throw new StartTlsError(`the IMAP server refused STARTTLS: ${quote(status)}`);
      return done(reply);
    },
  };
}

/** A multi-line response (RFC 1939 §3, RFC 3977 §3.1.1): lines until one holding only ".". */
function readDotTerminated(buffered: Buffer, server: string): Reply | undefined {
  return readReply(buffered, server, (line, i) => i > 0 && line === '.');
}

/**
 * POP3 (RFC 2595 §4): greeting +OK; CAPA (RFC 2449), which must list STLS when it answers; STLS
 * → +OK, then TLS. A server without CAPA is asked STLS all the same.
 */
export function pop3(): Conversation {
  let stage: 'greeting' | 'capa' | 'stls' = 'greeting';
  return {
    start: () => undefined,
    next(buffered) {
      if (stage === 'capa') {
        // +OK starts a multi-line answer; -ERR is one line.
        const first = readLine(buffered, 0, 'POP3');
        if (!first) return needMore;
        if (!first.line.startsWith('+OK')) {
          stage = 'stls';
          return send({ lines: [first.line], consumed: first.next }, 'STLS');
        }
        const reply = readDotTerminated(buffered, 'POP3');
        if (!reply) return needMore;
        if (!reply.lines.some((l) => /^STLS\s*$/i.test(l))) throw new StartTlsError('the POP3 server does not offer STLS in its capabilities');
        stage = 'stls';
        return send(reply, 'STLS');
      }
      const reply = readReply(buffered, 'POP3', () => true);
      if (!reply) return needMore;
      const line = reply.lines[0]!;
      if (stage === 'greeting') {
        if (!line.startsWith('+OK')) {
          if (line.startsWith('-ERR')) throw new StartTlsError(`the POP3 server refused the connection: ${quote(line)}`);
          throw new StartTlsError(`the server's greeting is not POP3: ${quote(line, 80)}`);
        }
        stage = 'capa';
        return send(reply, 'CAPA');
      }
      if (!line.startsWith('+OK')) throw new StartTlsError(`the POP3 server refused STLS: ${quote(line)}`);
      return done(reply);
    },
  };
}

/**
 * NNTP (RFC 4642 §2, RFC 3977 §5): greeting 200 or 201; CAPABILITIES → 101 and a list, which
 * must name STARTTLS; STARTTLS → 382, then TLS. A server that does not know CAPABILITIES is asked
 * STARTTLS all the same.
 */
export function nntp(): Conversation {
  let stage: 'greeting' | 'capabilities' | 'starttls' = 'greeting';
  const statusOf = (line: string): number => {
    if (!/^\d{3}( |$)/.test(line)) throw new StartTlsError(`the server's reply is not NNTP: ${quote(line, 80)}`);
    return Number(line.slice(0, 3));
  };
  return {
    start: () => undefined,
    next(buffered) {
      const first = readLine(buffered, 0, 'NNTP');
      if (!first) return needMore;
      const code = statusOf(first.line);
      const single: Reply = { lines: [first.line], consumed: first.next };
      switch (stage) {
        case 'greeting':
          if (code !== 200 && code !== 201) throw new StartTlsError(`the NNTP server's greeting is not 200 or 201: ${quote(first.line)}`);
          stage = 'capabilities';
          return send(single, 'CAPABILITIES');
        case 'capabilities': {
          const reply = code === 101 ? readDotTerminated(buffered, 'NNTP') : single;
          if (!reply) return needMore;
          if (code === 101 && !reply.lines.some((l) => /^STARTTLS(\s|$)/i.test(l)))
            throw new StartTlsError('the NNTP server does not offer STARTTLS in its capabilities');
          stage = 'starttls';
          return send(reply, 'STARTTLS');
        }
        case 'starttls':
          // RFC 4642 §2.2.2: 382 go ahead; 502 not allowed; 580 cannot start TLS.
          if (code !== 382) throw new StartTlsError(`the NNTP server refused STARTTLS: ${quote(first.line)}`);
          return done(single);
      }
    },
  };
}

/**
 * A ManageSieve response (RFC 5804 §4): lines until one starting OK, NO or BYE. A line ending in
 * a literal "{n}" or "{n+}" continues after n more bytes.
 */
function readSieveResponse(buffered: Buffer): (Reply & { status: string }) | undefined {
  const lines: string[] = [];
  let at = 0;
  let line = '';
  for (;;) {
    const read = readLine(buffered, at, 'ManageSieve');
    if (!read) return undefined;
    at = read.next;
    line += read.line;
    const literal = /\{(\d{1,5})\+?\}$/.exec(read.line);
    if (literal) {
      const n = Number(literal[1]);
      if (n > MAX_LINE_BYTES) throw new StartTlsError(`the ManageSieve server sent a string longer than ${MAX_LINE_BYTES} bytes`);
      if (buffered.length < at + n) return undefined;
      line += ` ${buffered
        .subarray(at, at + n)
        .toString('latin1')
        .replace(/\r?\n/g, ' ')}`;
      at += n;
      continue;
    }
    lines.push(line);
    if (/^(OK|NO|BYE)\b/i.test(line)) return { lines, consumed: at, status: line };
    line = '';
  }
}

/**
 * ManageSieve (RFC 5804 §2.2): the greeting lists the capabilities, "STARTTLS" among them, and
 * ends with OK; STARTTLS → OK, then TLS (the server lists its capabilities again over TLS).
 */
export function sieve(): Conversation {
  let stage: 'greeting' | 'starttls' = 'greeting';
  return {
    start: () => undefined,
    next(buffered) {
      const reply = readSieveResponse(buffered);
      if (!reply) {
        const first = readLine(buffered, 0, 'ManageSieve');
        if (first && !/^("|OK|NO|BYE|\{)/i.test(first.line)) throw new StartTlsError(`the server's greeting is not ManageSieve: ${quote(first.line, 80)}`);
        return needMore;
      }
      if (stage === 'greeting') {
        if (!/^OK\b/i.test(reply.status)) throw new StartTlsError(`the ManageSieve server refused the connection: ${quote(reply.status)}`);
        if (!reply.lines.some((l) => /^"STARTTLS"\s*$/i.test(l))) throw new StartTlsError('the ManageSieve server does not offer STARTTLS in its capabilities');
        stage = 'starttls';
        return send(reply, 'STARTTLS');
      }
      if (!/^OK\b/i.test(reply.status)) throw new StartTlsError(`the ManageSieve server refused STARTTLS: ${quote(reply.status)}`);
      return done(reply);
    },
  };
}
