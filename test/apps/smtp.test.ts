// SMTP with STARTTLS (RFC 3207) against real peers: the smtp-server package as the server with our
// client, nodemailer as the client with our server, and openssl s_client -starttls smtp.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { upgrade } from '../../src/node/upgrade.js';
import { negotiateStartTls, StartTlsError } from '../../src/node/starttls.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { missing, onceEvent, run, tempDir, withTimeout } from './helpers/peers.js';
import { SmtpConversation, startSmtpServer } from './helpers/smtp.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const tlsServerOptions = { key: pki.keyPem, cert: pki.chainPem };

/** Our client: EHLO, STARTTLS, upgrade, EHLO, MAIL, RCPT, DATA, QUIT; returns the TLS socket. */
async function sendMail(port: number, options: { minVersion?: 'TLSv1.3'; maxVersion?: 'TLSv1.2' } = {}): Promise<{ tls: TLSSocket; exchange: string[] }> {
  const exchange: string[] = [];
  const raw = net.connect(port, '127.0.0.1');
  await onceEvent(raw, 'connect', 'TCP connect');
  const head = await negotiateStartTls(raw, 'smtp', { ehloName: 'client.test', onExchange: (d, t) => exchange.push(`${d === 'sent' ? 'C' : 'S'}: ${t}`) });
  const tls = upgrade(raw, { servername: 'localhost', ca: pki.caPem, head, ...options });
  await onceEvent(tls, 'secureConnect', 'TLS handshake after STARTTLS');
  const smtp = new SmtpConversation(tls);
  const ehlo = await smtp.command('EHLO client.test', 250);
  assert.ok(!ehlo.some((l) => /STARTTLS/i.test(l)), 'STARTTLS is not offered again over TLS');
  await smtp.command('MAIL FROM:<alice@example.test>', 250);
  await smtp.command('RCPT TO:<bob@example.test>', 250);
  await smtp.command('DATA', 354);
  await smtp.command('Subject: over tlskit\r\n\r\nhello from a tlskit client\r\n.', 250);
  await smtp.command('QUIT', 221);
  return { tls, exchange };
}

describe('SMTP STARTTLS: the smtp-server package as the server, tlskit as the client', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`EHLO, STARTTLS, EHLO, MAIL/RCPT/DATA over ${version}`, async () => {
      const received: { secure: boolean; data: string; protocol?: string }[] = [];
      const server = new SMTPServer({
        ...tlsServerOptions,
        secure: false,
        authOptional: true,
        disabledCommands: ['AUTH'],
        logger: false,
        onData(stream, session, callback) {
          let data = '';
          stream.on('data', (c: Buffer) => (data += c.toString()));
          stream.on('end', () => {
            received.push({ secure: session.secure, data, protocol: (session as { tlsOptions?: { version?: string } }).tlsOptions?.version });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.server.address() as net.AddressInfo;
        const { tls, exchange } = await sendMail(port, version === 'TLSv1.3' ? { minVersion: 'TLSv1.3' } : { maxVersion: 'TLSv1.2' });
        assert.equal(tls.getProtocol(), version);
        assert.ok(tls.authorized);
        assert.match(exchange.join('\n'), /^S: 220 .*\nC: EHLO client\.test\nS: 250-.*\n(S: 250.*\n)*S: 250[- ]STARTTLS[\s\S]*C: STARTTLS\nS: 220 /m);
        assert.equal(received.length, 1);
        assert.equal(received[0]!.secure, true, 'smtp-server saw the session as secure');
        assert.match(received[0]!.data, /hello from a tlskit client/);
        assert.equal(received[0]!.protocol, version);
      } finally {
        await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), 5_000, 'smtp-server to close');
      }
    });
  }
});

describe('SMTP STARTTLS: tlskit as the server', () => {
  test('nodemailer (node:tls) delivers a message after STARTTLS', async () => {
    const { close, port, mails } = await startSmtpServer(tlsServerOptions);
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        requireTLS: true,
        name: 'nodemailer.test',
        tls: { ca: pki.caPem, servername: 'localhost' },
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 5_000,
      });
      const info = await withTimeout(
        transport.sendMail({ from: 'carol@example.test', to: 'dave@example.test', subject: 'hi', text: 'sent by nodemailer' }),
        10_000,
        'nodemailer sendMail',
      );
      assert.deepEqual(info.accepted, ['dave@example.test']);
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.from, 'carol@example.test');
      assert.equal(mails[0]!.ehlo, 'nodemailer.test');
      assert.equal(mails[0]!.protocol, 'TLSv1.3');
      assert.match(mails[0]!.data, /sent by nodemailer/);
      transport.close();
    } finally {
      close();
    }
  });

  test('our client against our server, TLS 1.2', async () => {
    const { close, port, mails } = await startSmtpServer(tlsServerOptions);
    try {
      const { tls } = await sendMail(port, { maxVersion: 'TLSv1.2' });
      assert.equal(tls.getProtocol(), 'TLSv1.2');
      assert.equal(mails[0]!.protocol, 'TLSv1.2');
    } finally {
      close();
    }
  });

  test('openssl s_client -starttls smtp', { skip: missing('openssl', ['version']) }, async () => {
    const { close, port, mails } = await startSmtpServer(tlsServerOptions);
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'ca.pem'), pki.caPem);
      const input = 'EHLO openssl.test\nMAIL FROM:<erin@example.test>\nRCPT TO:<frank@example.test>\nDATA\nSubject: s_client\n\nsent by openssl\n.\nQUIT\n';
      const r = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-starttls',
          'smtp',
          '-servername',
          'localhost',
          '-CAfile',
          join(dir.path, 'ca.pem'),
          '-verify_return_error',
          '-crlf',
          '-quiet',
        ],
        { input },
      );
      assert.match(r.stdout, /250 2\.0\.0 queued/, r.stdout + r.stderr);
      assert.match(r.stdout, /221 2\.0\.0 bye/);
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.from, 'erin@example.test');
      assert.equal(mails[0]!.protocol, 'TLSv1.3');
      assert.match(mails[0]!.data, /sent by openssl/);
    } finally {
      close();
      dir.remove();
    }
  });

  test('MAIL before STARTTLS is refused: the plaintext side carries no mail', async () => {
    const { close, port, mails } = await startSmtpServer(tlsServerOptions);
    try {
      const raw = net.connect(port, '127.0.0.1');
      const smtp = new SmtpConversation(raw);
      assert.equal((await smtp.reply()).code, 220);
      await smtp.command('EHLO plain.test', 250);
      await smtp.command('MAIL FROM:<mallory@example.test>', 530);
      raw.destroy();
      assert.equal(mails.length, 0);
    } finally {
      close();
    }
  });
});

/**
 * A client that does not wait for the server's go-ahead: its first write (the ClientHello) leaves
 * in one packet with "STARTTLS", and the server's "220" line is taken off the incoming bytes.
 */
class EagerStartTls extends Duplex {
  private first = true;
  private reply: Buffer | undefined = Buffer.alloc(0);
  constructor(private readonly inner: net.Socket) {
    super();
    inner.on('data', (chunk: Buffer) => {
      if (this.reply) {
        this.reply = Buffer.concat([this.reply, chunk]);
        const eol = this.reply.indexOf('\r\n');
        if (eol < 0) return;
        if (!this.reply.subarray(0, 3).equals(Buffer.from('220'))) this.destroy(new Error(`STARTTLS refused: ${this.reply.toString()}`));
        chunk = this.reply.subarray(eol + 2);
        this.reply = undefined;
        if (chunk.length === 0) return;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.destroy());
  }
  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    const out = this.first ? Buffer.concat([Buffer.from('STARTTLS\r\n'), chunk]) : chunk;
    this.first = false;
    this.inner.write(out, callback);
  }
  override _final(callback: () => void): void {
    this.inner.end(callback);
  }
}

/** Reads plaintext off `socket` until `pattern` matches; leaves the socket paused. */
function readUntil(socket: net.Socket, pattern: RegExp): Promise<string> {
  let text = '';
  return withTimeout(
    new Promise<string>((resolve) => {
      const onData = (chunk: Buffer): void => {
        text += chunk.toString('latin1');
        if (!pattern.test(text)) return;
        socket.pause();
        socket.off('data', onData);
        resolve(text);
      };
      socket.on('data', onData);
      socket.resume();
    }),
    5_000,
    `a reply matching ${pattern}`,
  );
}

describe('upgrade(): bytes read before the upgrade are not lost', () => {
  test('server: a ClientHello that came in the same packet as STARTTLS is passed as head; mail goes through', async () => {
    let headLength = -1;
    const { close, port, mails } = await startSmtpServer(tlsServerOptions, { onUpgrade: (_tls, head) => (headLength = head.length) });
    try {
      const raw = net.connect(port, '127.0.0.1');
      await readUntil(raw, /^220 .*\r\n/m);
      raw.write('EHLO eager.test\r\n');
      await readUntil(raw, /^250 .*\r\n/m);
      const tls = upgrade(new EagerStartTls(raw), { servername: 'localhost', ca: pki.caPem });
      await onceEvent(tls, 'secureConnect', 'handshake with STARTTLS and ClientHello in one packet');
      assert.ok(headLength > 0, `the server's line reader held ${headLength} bytes of ClientHello`);
      const smtp = new SmtpConversation(tls);
      await smtp.command('EHLO eager.test', 250);
      await smtp.command('MAIL FROM:<eager@example.test>', 250);
      await smtp.command('RCPT TO:<bob@example.test>', 250);
      await smtp.command('DATA', 354);
      await smtp.command('pipelined\r\n.', 250);
      await smtp.command('QUIT', 221);
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.from, 'eager@example.test');
    } finally {
      close();
    }
  });

  test('client: head reaches the engine before anything else (a fatal alert there ends the handshake)', async () => {
    const silent = net.createServer((s) => s.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const raw = net.connect((silent.address() as net.AddressInfo).port, '127.0.0.1');
      await onceEvent(raw, 'connect', 'TCP connect');
      // An alert record (fatal handshake_failure) as if it had been read along with the go-ahead.
      const head = Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28);
      const tls = upgrade(raw, { servername: 'localhost', ca: pki.caPem, head });
      const [err] = await onceEvent<[Error & { alert?: string; origin?: string }]>(tls, 'error', 'the alert from head');
      assert.equal(err.alert, 'handshake_failure');
      assert.equal(err.origin, 'peer');
    } finally {
      silent.close();
    }
  });

  test('a socket that someone still reads is refused with a clear message', () => {
    const socket = new net.Socket();
    socket.on('data', () => undefined);
    assert.throws(() => upgrade(socket, { servername: 'localhost' }), /still has 1 'data' or 'readable' listener/);
    socket.destroy();
  });
});

/** A server that sends `greeting` (in parts, a moment apart), then answer(n) to the n-th chunk it gets (null: close). */
async function scripted(
  greeting: string | Uint8Array | readonly string[],
  answer: (n: number) => string | Uint8Array | null,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let n = 0;
    s.on('data', () => {
      const a = answer(n++);
      if (a === null) s.end();
      else s.write(a);
    });
    s.on('error', () => undefined);
    const parts = Array.isArray(greeting) ? greeting : [greeting];
    parts.forEach((part, i) => setTimeout(() => part.length > 0 && !s.destroyed && s.write(part), 20 * i));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

async function startTlsAgainst(
  protocol: 'smtp' | 'postgres',
  greeting: string | Uint8Array | readonly string[],
  answer: (n: number) => string | Uint8Array | null,
  timeout?: number,
): Promise<Buffer> {
  const peer = await scripted(greeting, answer);
  const raw = net.connect(peer.port, '127.0.0.1');
  try {
    return await negotiateStartTls(raw, protocol, timeout === undefined ? {} : { timeout });
  } finally {
    raw.destroy();
    peer.close();
  }
}

describe('negotiateStartTls(): malformed or unwilling servers fail in plain words', () => {
  const isStartTlsError =
    (pattern: RegExp) =>
    (err: Error): boolean => {
      assert.ok(err instanceof StartTlsError, String(err));
      assert.match(err.message, pattern);
      return true;
    };

  test('SMTP: no STARTTLS offered; refused; a greeting that is not 220; a reply that is not SMTP', async () => {
    await assert.rejects(
      startTlsAgainst('smtp', '220 old.test ESMTP\r\n', () => '250-old.test\r\n250 8BITMIME\r\n'),
      isStartTlsError(/does not offer STARTTLS/),
    );
    await assert.rejects(
      startTlsAgainst('smtp', '220 x\r\n', (n) => (n === 0 ? '250-x\r\n250 STARTTLS\r\n' : '454 4.7.0 TLS not available\r\n')),
      isStartTlsError(/refused STARTTLS: "454 4\.7\.0 TLS not available"/),
    );
    await assert.rejects(
      startTlsAgainst('smtp', '554 go away\r\n', () => null),
      isStartTlsError(/greeting is not 220: "554 go away"/),
    );
    await assert.rejects(
      startTlsAgainst('smtp', 'SSH-2.0-OpenSSH_9.2\r\n', () => null),
      isStartTlsError(/not SMTP: "SSH-2\.0-OpenSSH_9\.2"/),
    );
  });

  test('SMTP: a reply split across packets, then the go-ahead; bytes after it come back as head', async () => {
    const head = await startTlsAgainst('smtp', ['220-sp', 'lit\r\n220 greeting', '\r\n'], (n) =>
      n === 0 ? '250-a\r\n250 STARTTLS\r\n' : '220 go\r\n\x16\x03\x01',
    );
    assert.deepEqual([...head], [0x16, 0x03, 0x01]);
  });

  test('SMTP: a server that closes, one that never answers (bounded), one that sends without end', async () => {
    await assert.rejects(
      startTlsAgainst('smtp', '220 x\r\n', () => null),
      isStartTlsError(/closed the connection before agreeing to start TLS/),
    );
    await assert.rejects(
      startTlsAgainst('smtp', '', () => '', 200),
      isStartTlsError(/no STARTTLS go-ahead from the SMTP server within 200 ms/),
    );
    // One endless line stops at the line bound; endless short lines at the bound on the whole exchange.
    await assert.rejects(
      startTlsAgainst('smtp', `220-${'x'.repeat(70 * 1024)}`, () => null),
      isStartTlsError(/the SMTP server sent a line longer than 8192 bytes/),
    );
    await assert.rejects(
      startTlsAgainst('smtp', '220-more\r\n'.repeat(8 * 1024), () => null),
      isStartTlsError(/the SMTP server sent more than 65536 bytes/),
    );
  });

  test("PostgreSQL: 'N', an error message, something else", async () => {
    await assert.rejects(
      startTlsAgainst('postgres', '', () => 'N'),
      isStartTlsError(/answered the SSLRequest with 'N'/),
    );
    await assert.rejects(
      startTlsAgainst('postgres', '', () => 'EFATAL'),
      isStartTlsError(/with an error message/),
    );
    await assert.rejects(
      startTlsAgainst('postgres', '', () => 'HTTP/1.1 400'),
      isStartTlsError(/not PostgreSQL's \(first byte 0x48\)/),
    );
    const head = await startTlsAgainst('postgres', '', () => Uint8Array.of(0x53));
    assert.equal(head.length, 0);
  });
});
