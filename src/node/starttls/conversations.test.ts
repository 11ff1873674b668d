// The STARTTLS conversations without sockets: server bytes in, the client's moves out. Refusals
// must name the protocol and quote the server; bounds must hold; a partial answer waits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StartTlsError, quote, type Conversation } from './conversation.js';
import { ftp, imap, nntp, pop3, sieve, smtp } from './lines.js';
import { ldap, readExtendedResponse, writeStartTlsRequest } from './ldap.js';
import { mysql } from './mysql.js';
import { xmpp } from './xmpp.js';

/** Feeds the server's `replies` one per client move; the client's lines and the outcome. */
function drive(conversation: Conversation, replies: readonly (string | Uint8Array)[]): { sent: string[]; outcome: 'tls' | 'waiting'; head: Buffer } {
  const sent: string[] = [];
  const first = conversation.start();
  if (first) sent.push(first.text);
  let buffered = Buffer.alloc(0);
  for (const reply of replies) {
    buffered = Buffer.concat([buffered, typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply]);
    for (;;) {
      const step = conversation.next(buffered);
      if (step.kind === 'need-more') break;
      buffered = buffered.subarray(step.consumed);
      if (step.kind === 'send') sent.push(step.text);
      if (step.kind === 'done') {
        if (step.text) sent.push(step.text);
        return { sent, outcome: 'tls', head: buffered };
      }
    }
  }
  return { sent, outcome: 'waiting', head: buffered };
}

const refused =
  (pattern: RegExp) =>
  (err: Error): boolean => {
    assert.ok(err instanceof StartTlsError, String(err));
    assert.match(err.message, pattern);
    return true;
  };

describe('line protocols', () => {
  test('IMAP: CAPABILITY when the greeting lists none; PREAUTH, NO, BYE and no STARTTLS refused', () => {
    const ok = drive(imap(), ['* OK ready\r\n', '* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n', 'a2 OK go\r\n']);
    assert.deepEqual(ok, { sent: ['a1 CAPABILITY', 'a2 STARTTLS'], outcome: 'tls', head: Buffer.alloc(0) });
    assert.throws(() => drive(imap(), ['* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n']), refused(/greeted with PREAUTH .*STARTTLS is not allowed/));
    assert.throws(
      () => drive(imap(), ['* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n', 'a2 NO [UNAVAILABLE] no TLS today\r\n']),
      refused(/^the IMAP server refused STARTTLS: "a2 NO \[UNAVAILABLE\] no TLS today"$/),
    );
    assert.throws(() => drive(imap(), ['* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n']), refused(/IMAP server does not offer STARTTLS/));
    assert.throws(() => drive(imap(), ['* BYE too many connections\r\n']), refused(/refused the connection: "\* BYE too many connections"/));
    assert.throws(() => drive(imap(), ['220 smtp.test ESMTP\r\n']), refused(/greeting is not IMAP: "220 smtp\.test ESMTP"/));
  });

  test('POP3: CAPA, STLS; CAPA unknown still tries STLS; refusals', () => {
    assert.deepEqual(drive(pop3(), ['+OK hi\r\n', '+OK\r\nUSER\r\nSTLS\r\n.\r\n', '+OK go\r\n']).sent, ['CAPA', 'STLS']);
    assert.equal(drive(pop3(), ['+OK hi\r\n', '-ERR what?\r\n', '+OK go\r\n']).outcome, 'tls');
    assert.throws(() => drive(pop3(), ['+OK hi\r\n', '+OK\r\nUSER\r\n.\r\n']), refused(/POP3 server does not offer STLS/));
    assert.throws(
      () => drive(pop3(), ['+OK hi\r\n', '-ERR no\r\n', '-ERR [SYS/PERM] TLS not configured\r\n']),
      refused(/^the POP3 server refused STLS: "-ERR \[SYS\/PERM\] TLS not configured"$/),
    );
  });

  test('FTP: a multi-line greeting with free text, 120 then 220; refusal quotes the reply', () => {
    const ok = drive(ftp(), ['120 ready in 1 minute\r\n', '220-Welcome\r\n  free text\r\n220 ready\r\n', '234 go\r\n']);
    assert.deepEqual(ok.sent, ['AUTH TLS']);
    assert.equal(ok.outcome, 'tls');
    assert.throws(() => drive(ftp(), ['220 hi\r\n', '534 Policy requires SSL\r\n']), refused(/^the FTP server refused AUTH TLS: "534 Policy requires SSL"$/));
    assert.throws(() => drive(ftp(), ['421 Too many users\r\n']), refused(/FTP server's greeting is not 220: "421 Too many users"/));
  });

  test('LMTP: LHLO; no STARTTLS offered', () => {
    assert.deepEqual(drive(smtp('me.test', 'LMTP'), ['220 hi\r\n', '250-x\r\n250 STARTTLS\r\n', '220 go\r\n']).sent, ['LHLO me.test', 'STARTTLS']);
    assert.throws(
      () => drive(smtp('me.test', 'LMTP'), ['220 hi\r\n', '250-x\r\n250 PIPELINING\r\n']),
      refused(/LMTP server does not offer STARTTLS in its LHLO reply/),
    );
  });

  test('NNTP: no CAPABILITIES command still tries STARTTLS; 502 refused', () => {
    assert.equal(drive(nntp(), ['201 hi\r\n', '500 what\r\n', '382 go\r\n']).outcome, 'tls');
    assert.throws(() => drive(nntp(), ['200 hi\r\n', '500 what\r\n', '502 not for you\r\n']), refused(/^the NNTP server refused STARTTLS: "502 not for you"$/));
    assert.throws(() => drive(nntp(), ['400 closing\r\n']), refused(/NNTP server's greeting is not 200 or 201: "400 closing"/));
  });

  test('ManageSieve: capabilities with a literal; NO and no STARTTLS refused; not ManageSieve', () => {
    const ok = drive(sieve(), ['"IMPLEMENTATION" {7}\r\nexample\r\n"STARTTLS"\r\nOK\r\n', 'OK "go"\r\n']);
    assert.deepEqual(ok, { sent: ['STARTTLS'], outcome: 'tls', head: Buffer.alloc(0) });
    assert.throws(() => drive(sieve(), ['"SASL" "PLAIN"\r\nOK\r\n']), refused(/ManageSieve server does not offer STARTTLS/));
    assert.throws(
      () => drive(sieve(), ['"STARTTLS"\r\nOK\r\n', 'NO "TLS unavailable"\r\n']),
      refused(/^the ManageSieve server refused STARTTLS: "NO \\"TLS unavailable\\""$/),
    );
    assert.throws(() => drive(sieve(), ['* OK IMAP\r\n']), refused(/greeting is not ManageSieve/));
  });

  test('a line longer than 8192 bytes is refused before it ends; bytes after the go-ahead stay as head', () => {
    assert.throws(() => drive(imap(), [`* OK ${'x'.repeat(8200)}`]), refused(/IMAP server sent a line longer than 8192 bytes/));
    assert.deepEqual([...drive(ftp(), ['220 hi\r\n', '234 go\r\n\x16\x03\x03']).head], [0x16, 0x03, 0x03]);
  });
});

describe('XMPP', () => {
  const header =
    "<?xml version='1.0'?><stream:stream from='example.test' id='1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  const features = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";

  test('header, features, proceed, split anywhere', () => {
    const text = `${header}\n${features}`;
    const parts = [text.slice(0, 30), text.slice(30, 170), text.slice(170), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"];
    const r = drive(xmpp('example.test'), parts);
    assert.equal(r.outcome, 'tls');
    assert.match(r.sent[0]!, /^<\?xml version='1\.0'\?><stream:stream to='example\.test' version='1\.0'/);
    assert.equal(r.sent[1], "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  });

  test('failure, a stream error, no offer, a comment, not XMPP: each in plain words', () => {
    assert.throws(
      () => drive(xmpp('example.test'), [header + features, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"]),
      refused(/^the XMPP server refused STARTTLS: "<failure /),
    );
    assert.throws(
      () =>
        drive(xmpp('example.test'), [
          `${header}<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>not here</text></stream:error>`,
        ]),
      refused(/^the XMPP server ended the stream with the error host-unknown: "not here"$/),
    );
    assert.throws(
      () => drive(xmpp('example.test'), [`${header}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`]),
      refused(/does not offer STARTTLS in its stream features/),
    );
    // A <starttls/> in another namespace is not the offer.
    assert.throws(
      () => drive(xmpp('example.test'), [`${header}<stream:features><starttls xmlns='urn:example'/></stream:features>`]),
      refused(/does not offer STARTTLS/),
    );
    assert.throws(() => drive(xmpp('example.test'), [`${header}<!-- hi -->`]), refused(/comment or DTD, which XMPP forbids/));
    assert.throws(() => drive(xmpp('example.test'), ['HTTP/1.1 400 Bad Request\r\n']), refused(/answer is not XMPP: "HTTP\/1\.1 400 Bad Request\\x0d"/));
    assert.throws(() => drive(xmpp('example.test'), [`${header}</stream:stream>`]), refused(/closed the stream before agreeing/));
  });
});

describe('LDAP', () => {
  // LDAPMessage { 1, ExtendedResponse { resultCode, "", diagnostic, [responseName] } }
  function response(code: number, diagnostic: string, messageId = 1, name?: string): Buffer {
    const d = Buffer.from(diagnostic);
    const n = name === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x8a, name.length]), Buffer.from(name)]);
    const op = Buffer.concat([Buffer.from([0x0a, 1, code, 0x04, 0, 0x04, d.length]), d, n]);
    const body = Buffer.concat([Buffer.from([0x02, 1, messageId, 0x78, op.length]), op]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }

  test('the request as RFC 4511 §4.14.1 encodes it', () => {
    assert.equal(Buffer.from(writeStartTlsRequest()).toString('hex'), '301d02010177188016' + Buffer.from('1.3.6.1.4.1.1466.20037').toString('hex'));
  });

  test('success; every strict prefix waits; long-form lengths read', () => {
    const ok = response(0, '', 1, '1.3.6.1.4.1.1466.20037');
    assert.equal(drive(ldap(), [ok]).outcome, 'tls');
    for (let i = 0; i < ok.length; i++) assert.equal(readExtendedResponse(ok.subarray(0, i)), undefined, `prefix ${i}`);
    const long = Buffer.concat([Buffer.from([0x30, 0x81, ok[1]!]), ok.subarray(2)]);
    assert.equal(readExtendedResponse(long)!.consumed, long.length);
  });

  test('refusals, the notice of disconnection, bad encodings', () => {
    assert.throws(
      () => drive(ldap(), [response(2, 'unsupported extended operation')]),
      refused(/^the LDAP server refused StartTLS: resultCode 2 protocolError, "unsupported extended operation"$/),
    );
    assert.throws(
      () => drive(ldap(), [response(52, 'shutting down', 0, '1.3.6.1.4.1.1466.20036')]),
      refused(/^the LDAP server is disconnecting: resultCode 52 unavailable/),
    );
    assert.throws(() => drive(ldap(), [response(0, '', 1, '1.2.3')]), refused(/answered StartTLS as operation "1\.2\.3"/));
    assert.throws(() => drive(ldap(), [Buffer.from([0x30, 0x80, 0, 0])]), refused(/indefinite length/));
    assert.throws(() => drive(ldap(), [Buffer.from([0x30, 0x83, 0x01, 0x00, 0x00])]), refused(/longer than 16384 bytes/));
    assert.throws(() => drive(ldap(), ['220 smtp\r\n']), refused(/answer is not LDAP \(first byte 0x32\)/));
    const cut = response(0, 'x');
    cut[cut.length - 2] = 5; // diagnosticMessage length past the message
    assert.throws(() => drive(ldap(), [cut]), refused(/malformed: diagnosticMessage runs past its message/));
  });
});

describe('MySQL', () => {
  function greeting(capabilities: number, version = '10.11.6-MariaDB'): Buffer {
    const payload = Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from(`${version}\0`),
      Buffer.alloc(4),
      Buffer.alloc(8),
      Buffer.alloc(1),
      Buffer.from([capabilities & 0xff, (capabilities >> 8) & 0xff]),
      Buffer.from([45, 2, 0]),
      Buffer.from([(capabilities >> 16) & 0xff, (capabilities >>> 24) & 0xff]),
      Buffer.alloc(11),
      Buffer.alloc(13),
      Buffer.from('mysql_native_password\0'),
    ]);
    return Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
  }

  test('CLIENT_SSL offered: the SSLRequest is 32 bytes, sequence id 1, asking for TLS and protocol 4.1', () => {
    const conversation = mysql();
    const step = conversation.next(greeting(0xffff | 0x80000));
    assert.equal(step.kind, 'done');
    const request = Buffer.from((step as { bytes: Uint8Array }).bytes);
    assert.deepEqual([...request.subarray(0, 4)], [32, 0, 0, 1]);
    const flags = request.readUInt32LE(4);
    assert.equal(flags & 0x800, 0x800, 'CLIENT_SSL');
    assert.equal(flags & 0x200, 0x200, 'CLIENT_PROTOCOL_41');
    assert.equal(request[12], 45, "the server's character set");
    assert.ok(request.subarray(13).every((b) => b === 0));
  });

  test('no CLIENT_SSL, an error packet, another protocol, a huge first packet: refused', () => {
    assert.throws(() => drive(mysql(), [greeting(0xf7ff & ~0x800)]), refused(/MySQL server "10\.11\.6-MariaDB" does not offer TLS/));
    const error = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), Buffer.from("Host '10.0.0.1' is not allowed to connect")]);
    assert.throws(
      () => drive(mysql(), [Buffer.concat([Buffer.from([error.length, 0, 0, 0]), error])]),
      refused(/^the MySQL server refused the connection: error 1130 "Host '10\.0\.0\.1' is not allowed to connect"$/),
    );
    assert.throws(() => drive(mysql(), [Buffer.from([5, 0, 0, 0, 9, 0x33, 0, 0, 0])]), refused(/not MySQL's protocol 10 \(first byte 0x09\)/));
    assert.throws(() => drive(mysql(), [Buffer.from([0xff, 0xff, 0xff, 0])]), refused(/first packet is 16777215 bytes long/));
  });
});

test('quote(): control characters escaped, long text cut', () => {
  assert.equal(quote('a\x1b[31mb"c\\'), '"a\\x1b[31mb\\"c\\\\"');
  assert.equal(quote('x'.repeat(300)).length, 2 + 200 + 1);
});
