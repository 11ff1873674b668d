// STARTTLS as openssl s_client knows it (-starttls PROTO), against real servers from Debian started
// here on 127.0.0.1: Dovecot (IMAP, POP3, LMTP, ManageSieve), vsftpd (FTP), Prosody (XMPP), slapd
// (LDAP), MariaDB (MySQL); NNTP against a scripted peer (Debian's inn2 is a whole news system).
// Each case runs negotiateStartTls() and upgrade(), then speaks the protocol over TLS to show the
// session goes on there; and `tlskit client --starttls PROTO` against the same server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import nodeTls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { upgrade } from '../../src/node/upgrade.js';
import { negotiateStartTls, StartTlsError, type StartTlsOptions, type StartTlsProtocol } from '../../src/node/starttls.js';
import { writeStartTlsRequest, readExtendedResponse } from '../../src/node/starttls/ldap.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { serverMissing, startMariaDbTls, type RunningServer } from './helpers/libraries.js';
import { onceEvent, startPeer, tempDir, withTimeout } from './helpers/peers.js';
import { DOVECOT_PASSWORD, fileMissing, startDovecot, startProsody, startSlapd, startVsftpd, type StartedServer } from './helpers/starttls-servers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const tlsFiles = { certPem: pki.chainPem, keyPem: pki.keyPem, caPem: pki.caPem };
const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const files = tempDir('tlskit-starttls-');
const caFile = join(files.path, 'ca.pem');
writeFileSync(caFile, pki.caPem);
after(() => files.remove());

/** Reads text off a stream until a pattern matches, bounded. */
class Reader {
  private text = '';
  private waiters: (() => void)[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      for (const w of this.waiters) w();
    });
  }
  /** The text up to the end of the first match of `pattern`, which is then consumed. */
  until(pattern: RegExp, what: string, ms = 10_000): Promise<string> {
    return withTimeout(
      new Promise<string>((resolve) => {
        const check = (): void => {
          const m = pattern.exec(this.text);
          if (!m) return;
          this.waiters = this.waiters.filter((w) => w !== check);
          const upTo = this.text.slice(0, m.index + m[0].length);
          this.text = this.text.slice(m.index + m[0].length);
          resolve(upTo);
        };
        this.waiters.push(check);
        check();
      }),
      ms,
      what,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; have ${JSON.stringify(this.text.slice(0, 500))}`);
    });
  }
}

/** STARTTLS on a fresh connection, then a verified handshake for "localhost"; the transcript too. */
async function startTls(
  port: number,
  protocol: StartTlsProtocol,
  options: StartTlsOptions = {},
): Promise<{ tls: TLSSocket; reader: Reader; exchange: string[] }> {
  const exchange: string[] = [];
  const raw = net.connect(port, '127.0.0.1');
  await onceEvent(raw, 'connect', 'TCP connect');
  try {
    const head = await negotiateStartTls(raw, protocol, { ...options, onExchange: (d, t) => exchange.push(`${d === 'sent' ? 'C' : 'S'}: ${t}`) });
    const tls = upgrade(raw, { servername: 'localhost', ca: pki.caPem, head });
    const reader = new Reader(tls);
    await onceEvent(tls, 'secureConnect', `TLS handshake after ${protocol} STARTTLS`);
    assert.equal(tls.authorized, true);
    return { tls, reader, exchange };
  } catch (err) {
    raw.destroy();
    throw err;
  }
}

/**
 * `tlskit client 127.0.0.1:PORT --starttls PROTO`, verified against our CA, `input` on stdin; stdin
 * stays open until the output shows `until` (servers drop commands that arrive with the close).
 */
async function cli(port: number, protocol: StartTlsProtocol, input: string, until: RegExp): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const peer = await startPeer(process.execPath, [main, 'client', `127.0.0.1:${port}`, '--starttls', protocol, '--servername', 'localhost', '--ca', caFile], {
    env: { PATH: process.env['PATH'] ?? '', HOME: files.path },
  });
  let stdout = '';
  let stderr = '';
  peer.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  peer.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  try {
    peer.child.stdin!.write(input);
    await peer.waitFor(until, `tlskit client --starttls ${protocol} to print ${until}`);
    peer.child.stdin!.end();
    return { status: await peer.exited(10_000), stdout, stderr };
  } finally {
    await peer.stop();
  }
}

const dovecotMissing =
  fileMissing('/usr/sbin/dovecot', 'dovecot-imapd') ||
  fileMissing('/usr/lib/dovecot/imap-login', 'dovecot-imapd') ||
  fileMissing('/usr/lib/dovecot/pop3-login', 'dovecot-pop3d') ||
  fileMissing('/usr/lib/dovecot/lmtp', 'dovecot-lmtpd') ||
  fileMissing('/usr/lib/dovecot/managesieve-login', 'dovecot-managesieved');

describe('STARTTLS against Dovecot: IMAP, POP3, LMTP, ManageSieve', { skip: dovecotMissing }, () => {
  let dovecot: Awaited<ReturnType<typeof startDovecot>>;
  before(async () => {
    dovecot = await startDovecot(tlsFiles);
  });
  after(async () => {
    await dovecot?.stop();
  });

  test('IMAP (RFC 9051 §6.2.1): CAPABILITY from the greeting, STARTTLS, then LOGIN over TLS', async () => {
    const { tls, reader, exchange } = await startTls(dovecot.ports.imap, 'imap');
    assert.match(exchange.join('\n'), /^S: \* OK \[CAPABILITY [^\]]*STARTTLS[^\]]*\] .*\nC: a2 STARTTLS\nS: a2 OK /);
    tls.write(`a3 LOGIN alice ${DOVECOT_PASSWORD}\r\n`);
    assert.match(await reader.until(/^a3 .*\r\n/m, 'LOGIN over TLS'), /^a3 OK /m);
    tls.write('a4 LOGOUT\r\n');
    await reader.until(/^a4 OK/m, 'LOGOUT');
    tls.destroy();
  });

  test('POP3 (RFC 2595 §4): CAPA lists STLS, STLS, then USER/PASS over TLS', async () => {
    const { tls, reader, exchange } = await startTls(dovecot.ports.pop3, 'pop3');
    assert.match(exchange.join('\n'), /^S: \+OK .*\nC: CAPA\nS: \+OK[\s\S]*\nS: STLS\n[\s\S]*S: \.\nC: STLS\nS: \+OK /);
    tls.write('CAPA\r\n');
    assert.doesNotMatch(await reader.until(/^\.\r\n/m, 'CAPA over TLS'), /^STLS/m, 'STLS is not offered again');
    tls.write(`USER alice\r\nPASS ${DOVECOT_PASSWORD}\r\n`);
    assert.match(await reader.until(/\r\n/, 'USER'), /^\+OK/);
    assert.match(await reader.until(/\r\n/, 'PASS'), /^\+OK Logged in/);
    tls.destroy();
  });

  test('LMTP (RFC 2033): LHLO, STARTTLS, LHLO over TLS', async () => {
    const { tls, reader, exchange } = await startTls(dovecot.ports.lmtp, 'lmtp', { ehloName: 'client.test' });
    assert.match(exchange.join('\n'), /^S: 220 .*\nC: LHLO client\.test\n(S: 250-.*\n)*S: 250[- ]STARTTLS\n[\s\S]*C: STARTTLS\nS: 220 /);
    tls.write('LHLO client.test\r\n');
    const reply = await reader.until(/^250 .*\r\n/m, 'LHLO over TLS');
    assert.doesNotMatch(reply, /STARTTLS/);
    tls.destroy();
  });

  test('ManageSieve (RFC 5804 §2.2): capabilities, STARTTLS, capabilities again over TLS', async () => {
    const { tls, reader, exchange } = await startTls(dovecot.ports.sieve, 'sieve');
    assert.match(exchange.join('\n'), /^S: "IMPLEMENTATION" .*\n[\s\S]*S: "STARTTLS"\n[\s\S]*S: OK .*\nC: STARTTLS\nS: OK/);
    const again = await reader.until(/^OK.*\r\n/m, 'capabilities over TLS');
    assert.match(again, /^"SASL" "PLAIN"/m, 'PLAIN is offered once TLS protects it');
    assert.doesNotMatch(again, /^"STARTTLS"/m);
    tls.destroy();
  });

  test('tlskit client --starttls imap, pop3, lmtp, sieve', async () => {
    const imap = await cli(dovecot.ports.imap, 'imap', `a3 LOGIN bob ${DOVECOT_PASSWORD}\r\na4 LOGOUT\r\n`, /a4 OK/);
    assert.equal(imap.status, 0, imap.stderr);
    assert.match(
      imap.stderr,
      /STARTTLS \(imap\), in plaintext:\n {2}S: \* OK .*\n {2}C: a2 STARTTLS\n {2}S: a2 OK .*\nConnected to 127\.0\.0\.1:\d+, server name localhost\n {2}protocol +TLSv1\.3/,
    );
    assert.match(imap.stderr, /certificate +trusted/);
    assert.match(imap.stdout, /^a3 OK .*Logged in/m);
    const pop3 = await cli(dovecot.ports.pop3, 'pop3', `USER bob\r\nPASS ${DOVECOT_PASSWORD}\r\nQUIT\r\n`, /Logging out/);
    assert.equal(pop3.status, 0, pop3.stderr);
    assert.match(pop3.stderr, /C: STLS\n {2}S: \+OK/);
    assert.match(pop3.stdout, /^\+OK Logged in/m);
    const lmtp = await cli(dovecot.ports.lmtp, 'lmtp', 'LHLO after.tls\r\nQUIT\r\n', /^221 /m);
    assert.equal(lmtp.status, 0, lmtp.stderr);
    assert.match(lmtp.stderr, /C: LHLO localhost\n/);
    assert.match(lmtp.stdout, /^250 /m);
    assert.match(lmtp.stdout, /^221 /m);
    const sieve = await cli(dovecot.ports.sieve, 'sieve', 'LOGOUT\r\n', /^OK "?Logout/im);
    assert.equal(sieve.status, 0, sieve.stderr);
    assert.match(sieve.stderr, /C: STARTTLS\n {2}S: OK/);
    assert.match(sieve.stdout, /^"SASL" "PLAIN"/m);
  });
});

describe('STARTTLS against vsftpd: FTP AUTH TLS (RFC 4217 §4)', { skip: serverMissing('vsftpd', 'vsftpd') }, () => {
  let vsftpd: Awaited<ReturnType<typeof startVsftpd>>;
  before(async () => {
    vsftpd = await startVsftpd(tlsFiles, {});
  });
  after(async () => {
    await vsftpd?.stop();
  });

  test('AUTH TLS → 234, then USER/PASS over TLS', async () => {
    const { tls, reader, exchange } = await startTls(vsftpd.ports.ftp, 'ftp');
    assert.match(exchange.join('\n'), /^S: 220 \(vsFTPd [\d.]+\)\nC: AUTH TLS\nS: 234 Proceed with negotiation\.$/);
    tls.write('USER anonymous\r\n');
    assert.match(await reader.until(/\r\n/, 'USER'), /^331 /);
    tls.write('PASS tlskit@\r\n');
    assert.match(await reader.until(/^230 .*\r\n/m, 'PASS'), /230 Login successful/);
    tls.destroy();
  });

  test('tlskit client --starttls ftp', async () => {
    const r = await cli(vsftpd.ports.ftp, 'ftp', 'USER anonymous\r\nPASS tlskit@\r\nQUIT\r\n', /^221 /m);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /C: AUTH TLS\n {2}S: 234 /);
    assert.match(r.stdout, /^230 Login successful/m);
    assert.match(r.stdout, /^221 /m);
  });
});

describe('STARTTLS against Prosody: XMPP (RFC 6120 §5.4)', { skip: serverMissing('prosody', 'prosody') }, () => {
  let prosody: StartedServer<{ c2s: number }>;
  before(async () => {
    prosody = await startProsody(tlsFiles);
  });
  after(async () => {
    await prosody?.stop();
  });

  const streamHeader =
    "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

  test('stream features offer <starttls/>, <proceed/>, then a new stream over TLS offers SASL', async () => {
    const { tls, reader, exchange } = await startTls(prosody.ports.c2s, 'xmpp', { xmppDomain: 'localhost' });
    const text = exchange.join('\n');
    assert.match(text, /^C: <\?xml version='1\.0'\?><stream:stream to='localhost'/);
    assert.match(text, /S: <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required\/><\/starttls>/);
    assert.match(text, /\nC: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/>\nS: <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/>$/);
    // RFC 6120 §5.4.3.3: over TLS the client opens a new stream; now SASL is offered, STARTTLS not.
    tls.write(streamHeader);
    const features = await reader.until(/<\/stream:features>/, 'stream features over TLS');
    assert.match(features, /<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>.*<mechanism>PLAIN<\/mechanism>/);
    assert.doesNotMatch(features, /xmpp-tls/);
    tls.destroy();
  });

  test('a domain the server does not serve: the stream error, in plain words', async () => {
    await assert.rejects(startTls(prosody.ports.c2s, 'xmpp', { xmppDomain: 'elsewhere.test' }), (err: Error) => {
      assert.ok(err instanceof StartTlsError, String(err));
      assert.match(err.message, /^the XMPP server ended the stream with the error host-unknown/);
      return true;
    });
  });

  test('tlskit client --starttls xmpp (the stream goes to --servername)', async () => {
    const r = await cli(prosody.ports.c2s, 'xmpp', streamHeader, /<\/mechanisms>/);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /C: <\?xml version='1\.0'\?><stream:stream to='localhost'/);
    assert.match(r.stderr, /S: <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'\/>\nConnected to /);
    assert.match(r.stdout, /<mechanism>PLAIN<\/mechanism>/);
  });
});

describe('STARTTLS against slapd: LDAP StartTLS (RFC 4511 §4.14)', { skip: serverMissing('slapd', 'slapd') }, () => {
  let slapd: StartedServer<{ ldap: number }>;
  before(async () => {
    slapd = await startSlapd(tlsFiles);
  });
  after(async () => {
    await slapd?.stop();
  });

  test('ExtendedRequest StartTLS → success, then a Who am I? (RFC 4532) over TLS', async () => {
    const { tls, exchange } = await startTls(slapd.ports.ldap, 'ldap');
    assert.deepEqual(exchange, ['C: ExtendedRequest StartTLS (1.3.6.1.4.1.1466.20037), messageID 1', 'S: ExtendedResponse messageID 1, resultCode 0 success']);
    let bytes = Buffer.alloc(0);
    const answered = new Promise<NonNullable<ReturnType<typeof readExtendedResponse>>>((resolve) => {
      tls.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        const r = readExtendedResponse(bytes);
        if (r) resolve(r);
      });
    });
    tls.write(writeStartTlsRequest('1.3.6.1.4.1.4203.1.11.3', 2));
    const { response } = await withTimeout(answered, 10_000, 'the Who am I? answer over TLS');
    assert.equal(response.messageId, 2);
    assert.equal(response.resultCode, 0);
    tls.destroy();
  });

  test('an answer to another message is not taken for the go-ahead', async () => {
    const raw = net.connect(slapd.ports.ldap, '127.0.0.1');
    await onceEvent(raw, 'connect', 'TCP connect');
    try {
      // A StartTLS request of someone else's (message 9) first: slapd's success for it is not ours.
      raw.write(writeStartTlsRequest('1.3.6.1.4.1.1466.20037', 9));
      // Its answer is in our buffer, unread, before ours is sent (else slapd may refuse ours as
      // outstanding alongside it).
      await withTimeout(new Promise((resolve) => raw.once('readable', resolve)), 5_000, "slapd's answer to message 9");
      await assert.rejects(negotiateStartTls(raw, 'ldap', { timeout: 5_000 }), (err: Error) => {
        assert.ok(err instanceof StartTlsError, String(err));
        assert.match(err.message, /^the LDAP server answered message 9, but we sent message 1$/);
        return true;
      });
    } finally {
      raw.destroy();
    }
  });

  test('tlskit client --starttls ldap', async () => {
    const r = await cli(slapd.ports.ldap, 'ldap', '', /^---$/m);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /S: ExtendedResponse messageID 1, resultCode 0 success/);
    assert.match(r.stderr, /certificate +trusted/);
  });
});

describe('STARTTLS against MariaDB: MySQL SSLRequest', { skip: serverMissing('mariadbd', 'mariadb-server') }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startMariaDbTls(tlsFiles);
  });
  after(async () => {
    await server?.stop();
  });

  test('greeting with CLIENT_SSL, SSLRequest, then the login (HandshakeResponse41) over TLS gets OK', async () => {
    const { tls, exchange } = await startTls(server.port, 'mysql');
    assert.match(exchange[0]!, /^S: greeting: server \S*MariaDB\S*, capabilities 0x[0-9a-f]+$/);
    assert.equal(exchange[1], 'C: SSLRequest (sequence id 1)');
    let bytes = Buffer.alloc(0);
    const answered = new Promise<Buffer>((resolve) => {
      tls.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (bytes.length >= 4 && bytes.length >= 4 + bytes.readUIntLE(0, 3)) resolve(bytes);
      });
    });
    // HandshakeResponse41 (sequence id 2): the capabilities of the SSLRequest, user root, no
    // password (the test server skips grant tables), mysql_native_password.
    const payload = Buffer.concat([
      Buffer.from([0x05, 0xa2, 0x0a, 0x00]),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from([45]),
      Buffer.alloc(23),
      Buffer.from('root\0'),
      Buffer.from([0]),
      Buffer.from('mysql_native_password\0'),
    ]);
    tls.write(Buffer.concat([Buffer.from([payload.length, 0, 0, 2]), payload]));
    const reply = await withTimeout(answered, 10_000, 'the answer to the login over TLS');
    assert.equal(reply[3], 3, 'sequence id 3');
    assert.equal(reply[4], 0x00, `an OK packet, not ${reply.subarray(4).toString('latin1')}`);
    tls.destroy();
  });

  test('tlskit client --starttls mysql', async () => {
    const r = await cli(server.port, 'mysql', '', /^---$/m);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /C: SSLRequest \(sequence id 1\)\nConnected to /);
    assert.match(r.stderr, /certificate +trusted/);
  });
});

/** A scripted NNTP server (RFC 3977, RFC 4642): greeting, CAPABILITIES, STARTTLS → 382, then node:tls. */
async function startNntpPeer(options: { offer?: boolean; answer?: string } = {}): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write('200 news.test InterNetNews NNRP server ready (posting ok)\r\n');
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      for (let eol = text.indexOf('\r\n'); eol >= 0; eol = text.indexOf('\r\n')) {
        const line = text.slice(0, eol);
        text = text.slice(eol + 2);
        if (line === 'CAPABILITIES')
          socket.write(`101 Capability list:\r\nVERSION 2\r\nREADER\r\n${options.offer === false ? '' : 'STARTTLS\r\n'}LIST ACTIVE NEWSGROUPS\r\n.\r\n`);
        else if (line === 'STARTTLS' && options.answer) socket.write(options.answer);
        else if (line === 'STARTTLS') {
          socket.off('data', onData);
          socket.write('382 Continue with TLS negotiation\r\n');
          const tls = new nodeTls.TLSSocket(socket, { isServer: true, key: pki.keyPem, cert: pki.chainPem });
          tls.on('error', () => undefined);
          tls.on('data', (c: Buffer) => {
            if (c.toString().startsWith('CAPABILITIES')) tls.write('101 Capability list:\r\nVERSION 2\r\nREADER\r\nAUTHINFO USER\r\n.\r\n');
            if (c.toString().includes('QUIT')) tls.end('205 bye\r\n');
          });
          return;
        } else socket.write('500 What?\r\n');
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('STARTTLS for NNTP (RFC 4642) against a scripted server', () => {
  test('CAPABILITIES lists STARTTLS, STARTTLS → 382, then CAPABILITIES over TLS offers AUTHINFO', async () => {
    const peer = await startNntpPeer();
    try {
      const { tls, reader, exchange } = await startTls(peer.port, 'nntp');
      assert.equal(
        exchange.join('\n'),
        [
          'S: 200 news.test InterNetNews NNRP server ready (posting ok)',
          'C: CAPABILITIES',
          'S: 101 Capability list:',
          'S: VERSION 2',
          'S: READER',
          'S: STARTTLS',
          'S: LIST ACTIVE NEWSGROUPS',
          'S: .',
          'C: STARTTLS',
          'S: 382 Continue with TLS negotiation',
        ].join('\n'),
      );
      tls.write('CAPABILITIES\r\n');
      assert.match(await reader.until(/^\.\r\n/m, 'CAPABILITIES over TLS'), /AUTHINFO USER/);
      tls.destroy();
    } finally {
      peer.close();
    }
  });

  test('not offered; refused (580) in plain words', async () => {
    const quiet = await startNntpPeer({ offer: false });
    const refusing = await startNntpPeer({ answer: '580 Can not initiate TLS negotiation\r\n' });
    try {
      await assert.rejects(startTls(quiet.port, 'nntp'), /the NNTP server does not offer STARTTLS in its capabilities/);
      await assert.rejects(startTls(refusing.port, 'nntp'), /the NNTP server refused STARTTLS: "580 Can not initiate TLS negotiation"/);
    } finally {
      quiet.close();
      refusing.close();
    }
  });

  test('tlskit client --starttls nntp', async () => {
    const peer = await startNntpPeer();
    try {
      const r = await cli(peer.port, 'nntp', 'CAPABILITIES\r\nQUIT\r\n', /205 bye/);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /C: STARTTLS\n {2}S: 382 Continue with TLS negotiation\nConnected to /);
      assert.match(r.stdout, /AUTHINFO USER/);
    } finally {
      peer.close();
    }
  });
});

describe('negotiateStartTls(): options it cannot use, the timeout, an abort signal', () => {
  test('xmpp without xmppDomain, an unknown protocol, a bad timeout: TypeError at once', () => {
    const socket = new net.Socket();
    assert.throws(() => negotiateStartTls(socket, 'xmpp'), { name: 'TypeError', message: /xmpp needs xmppDomain/ });
    assert.throws(() => negotiateStartTls(socket, 'gopher' as StartTlsProtocol), {
      name: 'TypeError',
      message: /unknown protocol "gopher"; use one of smtp, lmtp, imap/,
    });
    assert.throws(() => negotiateStartTls(socket, 'imap', { timeout: 0 }), { name: 'TypeError', message: /timeout must be a positive number/ });
    socket.destroy();
  });

  test('a silent server: the timeout names the protocol and what the server last sent; an abort signal ends the wait', async () => {
    const silent = net.createServer((s) => {
      s.on('error', () => undefined);
      s.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n');
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const sockets: net.Socket[] = [];
    const open = async (): Promise<net.Socket> => {
      const raw = net.connect(port, '127.0.0.1');
      sockets.push(raw);
      await onceEvent(raw, 'connect', 'TCP connect');
      return raw;
    };
    try {
      await assert.rejects(negotiateStartTls(await open(), 'imap', { timeout: 300 }), (err: Error) => {
        assert.ok(err instanceof StartTlsError);
        assert.equal(err.message, 'no STARTTLS go-ahead from the IMAP server within 300 ms');
        return true;
      });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error('stopped by the caller')), 100);
      await assert.rejects(negotiateStartTls(await open(), 'imap', { signal: controller.signal }), /stopped by the caller/);
      assert.ok(Date.now() - started < 5_000);
      await assert.rejects(negotiateStartTls(await open(), 'imap', { signal: AbortSignal.abort() }), { name: 'AbortError' });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
