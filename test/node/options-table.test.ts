// The option table (src/node/option-table.ts), option by option: each honoured option's effect is
// observed on a real connection (a node:tls server on 127.0.0.1 reports what it saw), each refused
// one gives the TypeError naming it. Every option in the table must have a case here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import { createSecureContext } from '../../src/node/secure-context.js';
import { OPTION_TABLE, UnsupportedOptionError } from '../../src/node/option-table.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { TrustStore } from '../../src/x509/trust-store.js';
import { TestPki as X509Pki, CA_EXTENSIONS } from '../x509/fixtures.js';

const pki = createTestPki();
const clientPki = createTestPki({ names: ['client.test'] });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlskit-options-'));
const x509 = new X509Pki();
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  x509.cleanup();
});

interface Seen {
  version: string;
  cipher: string;
  clientCn?: string;
  servername: string | false;
  alpn: string | false | null;
  remoteAddress?: string;
  remotePort?: number;
}

/** A node:tls server that tells each client what it saw, as one JSON line. */
async function withServer(body: (port: number, sockPath: string) => Promise<void>, extra: tls.TlsOptions = {}): Promise<void> {
  const server = tls.createServer(
    {
      key: pki.keyPem,
      cert: pki.chainPem,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
      ciphers: `${tls.DEFAULT_CIPHERS}:AES128-GCM-SHA256`,
      ...extra,
    },
    (s) => {
      s.on('error', () => {});
      const peer = s.getPeerCertificate();
      const seen: Seen = {
        version: s.getProtocol()!,
        cipher: s.getCipher().name,
        servername: (s as unknown as { servername: string | false }).servername,
        alpn: s.alpnProtocol,
        ...(peer?.subject?.CN ? { clientCn: String(peer.subject.CN) } : {}),
        remoteAddress: s.remoteAddress!,
        remotePort: s.remotePort!,
      };
      s.end(JSON.stringify(seen) + '\n');
    },
  );
  server.on('tlsClientError', () => {});
  const sockPath = path.join(dir, `s${Math.random().toString(16).slice(2)}.sock`);
  const unix = tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, (s) => {
    s.on('error', () => {});
    s.end(JSON.stringify({ version: s.getProtocol(), cipher: s.getCipher().name, unix: true }) + '\n');
  });
  // node:tls shows a client's OCSP request only through this event.
  server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer | null) => void) => {
    lastOcsp = true;
    cb(null, null);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => unix.listen(sockPath, resolve));
  try {
    await body((server.address() as net.AddressInfo).port, sockPath);
  } finally {
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => unix.close(r))]);
  }
}
let lastOcsp = false;

interface Outcome {
  socket: TLSSocket;
  seen?: Seen & { unix?: boolean };
  error?: Error & { code?: string };
}

function run(options: ConnectOptions, setup?: (s: TLSSocket) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let socket: TLSSocket;
    try {
      socket = connect({ host: '127.0.0.1', ca: pki.caPem, ...options });
    } catch (error) {
      resolve({ socket: undefined as unknown as TLSSocket, error: error as Error });
      return;
    }
    setup?.(socket);
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.endsWith('\n')) resolve({ socket, seen: JSON.parse(text) });
    });
    socket.once('error', (error) => resolve({ socket, error }));
    setTimeout(() => resolve({ socket, error: new Error('timed out') }), 5_000).unref();
  });
}

function refused(options: ConnectOptions, name: string): void {
  assert.throws(
    () => connect({ host: '127.0.0.1', port: 1, ...options }),
    (err: Error) => {
      assert.ok(err instanceof TypeError && err instanceof UnsupportedOptionError, `${name}: ${String(err)}`);
      assert.equal((err as UnsupportedOptionError).option, name);
      assert.match(err.message, new RegExp(name));
      return true;
    },
  );
}

function openssl(args: string[]): boolean {
  try {
    execFileSync('openssl', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const keyFile = path.join(dir, 'client-key.pem');
const certFile = path.join(dir, 'client-cert.pem');
fs.writeFileSync(keyFile, clientPki.keyPem);
fs.writeFileSync(certFile, clientPki.leaf.pem + clientPki.caPem);

type Case = (port: number, sockPath: string) => Promise<void>;

/** What net.Socket recorded of noDelay/keepAlive for its handle (its own state, on Node 20 and 24). */
function netState(socket: TLSSocket, description: string): unknown {
  const transport = socket.transport as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(transport).find((k) => k.description === description);
  return key === undefined ? undefined : transport[key];
}

type LookupCallback = (err: null, address: string | { address: string; family: number }[], family?: number) => void;
/** A lookup answering 127.0.0.1 in both of dns.lookup's forms (net asks for all addresses under autoSelectFamily). */
function fakeLookup(record: (host: string, options: { hints?: number; all?: boolean }) => void) {
  return ((host: string, options: { hints?: number; all?: boolean }, cb: LookupCallback) => {
    record(host, options);
    if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  }) as never;
}

const cases: Record<string, Case> = {
  enableTrace: async (port) => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      assert.ok((await run({ port, enableTrace: true })).seen);
    } finally {
      process.stderr.write = write;
    }
    assert.ok(
      lines.some((l) => /tlskit trace \(client\): Sent ClientHello/.test(l)),
      lines.join(''),
    );
    lines.length = 0;
    assert.ok((await run({ port, enableTrace: false })).seen);
    assert.equal(lines.length, 0);
  },
  pskCallback: async () => {
    // A server with no certificate: only the external PSK can authenticate it.
    const key = Buffer.alloc(32, 7);
    const server = tls.createServer(
      { pskCallback: (_s, identity) => (identity === 'tlskit-table' ? key : null), ciphers: 'TLS_AES_128_GCM_SHA256', minVersion: 'TLSv1.3' },
      (s) => {
        s.on('error', () => {});
        s.end(JSON.stringify({ version: s.getProtocol(), cipher: s.getCipher().name }) + '\n');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const ok = await run({ port, pskCallback: () => ({ psk: key, identity: 'tlskit-table' }) });
      assert.equal(ok.seen?.version, 'TLSv1.3', String(ok.error));
      const wrong = await run({ port, pskCallback: () => ({ psk: Buffer.alloc(32, 8), identity: 'tlskit-table' }) });
      assert.ok(wrong.error, 'a wrong key must fail the handshake');
    } finally {
      await new Promise((r) => server.close(r));
    }
  },
  host: async (port) => {
    const { seen } = await run({ port, host: 'localhost', family: 4 });
    assert.equal(seen?.servername, 'localhost');
    assert.throws(() => connect({ host: 5 as unknown as string, port }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  port: async (port) => {
    assert.ok((await run({ port })).seen);
    assert.throws(() => connect({ port: 'abc' as unknown as number }), { name: 'RangeError', code: 'ERR_SOCKET_BAD_PORT' });
    assert.throws(() => connect({ port: 70000 }), { code: 'ERR_SOCKET_BAD_PORT' });
  },
  path: async (port, sockPath) => {
    const { seen } = await run({ path: sockPath, host: 'localhost' });
    assert.equal(seen?.unix, true);
    // http.Agent passes the request's path as null: host and port then, as net.
    assert.equal((await run({ port, path: null as never })).seen?.unix, undefined);
  },
  socket: async (port) => {
    const raw = net.connect(port, '127.0.0.1');
    assert.ok((await run({ socket: raw })).seen);
  },
  allowHalfOpen: async () => {
    // A node:tls server that ends first, then answers what the client still writes.
    const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem, allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => (received = text));
      s.end('bye');
    });
    let received: string | undefined;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, allowHalfOpen: true });
      client.on('data', () => {});
      await new Promise<void>((resolve, reject) => {
        client.on('error', reject);
        // Later than the 'end' event: a socket that is not half-open has ended its side by then.
        client.on('end', () => setTimeout(() => client.end('after the server ended'), 30));
        client.on('close', () => resolve());
        setTimeout(() => reject(new Error('timed out')), 5_000).unref();
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(received, 'after the server ended');
      // Without it, as node, the socket ends its side when the server does.
      const closing = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      closing.on('data', () => {});
      await new Promise<void>((resolve) => closing.on('close', () => resolve()));
      assert.equal(closing.writable, false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  },
  rejectUnauthorized: async (port) => {
    const strict = await run({ port, ca: clientPki.caPem });
    assert.ok(strict.error);
    const lax = await run({ port, ca: clientPki.caPem, rejectUnauthorized: false });
    assert.ok(lax.seen);
    assert.equal(lax.socket.authorized, false);
  },
  ALPNProtocols: async (port) => {
    const { seen, socket } = await run({ port, ALPNProtocols: ['http/1.1'] });
    assert.equal(seen?.alpn, 'http/1.1');
    assert.equal(socket.alpnProtocol, 'http/1.1');
    assert.throws(() => connect({ port, ALPNProtocols: 5 as unknown as string[] }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  },
  servername: async (port) => {
    const { seen } = await run({ port, servername: 'other.test', rejectUnauthorized: false });
    assert.equal(seen?.servername, 'other.test');
    assert.throws(() => connect({ port, servername: 5 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  checkServerIdentity: async (port) => {
    const { error } = await run({ port, checkServerIdentity: () => new Error('pinned key differs') });
    assert.match(String(error?.message), /pinned key differs/);
    assert.throws(() => connect({ port, checkServerIdentity: 5 as unknown as () => undefined }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  session: async (port) => {
    const first = await run({ port, maxVersion: 'TLSv1.2' });
    const session = (first.socket as unknown as { getSession(): Buffer | undefined }).getSession();
    assert.ok(session);
    const second = await run({ port, maxVersion: 'TLSv1.2', session });
    assert.equal(second.socket.isSessionReused(), true);
    assert.throws(() => connect({ port, session: 5 as unknown as Uint8Array }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  requestOCSP: async (port) => {
    lastOcsp = false;
    await run({ port });
    assert.equal(lastOcsp, false);
    await run({ port, requestOCSP: true });
    assert.equal(lastOcsp, true);
  },
  minDHSize: async (port) => {
    assert.ok((await run({ port, minDHSize: 4096 })).seen);
    assert.throws(() => connect({ port, minDHSize: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  },
  highWaterMark: async (port) => {
    const { socket } = await run({ port, highWaterMark: 1234 });
    assert.equal(socket.readableHighWaterMark, 1234);
    assert.equal(socket.writableHighWaterMark, 1234);
  },
  secureContext: async (port) => {
    // The context's ca, cert and key are used (the options' own ca is the same one here).
    const { seen, socket } = await run({
      port,
      ca: pki.caPem,
      secureContext: createSecureContext({ ca: pki.caPem, key: clientPki.keyPem, cert: clientPki.leaf.pem }),
    });
    assert.equal(socket.authorized, true);
    assert.equal(seen?.clientCn, 'client.test');
    // A different ca next to it would be ignored (node ignores it silently): refused, never dropped.
    refused({ ca: clientPki.caPem, secureContext: createSecureContext({ ca: pki.caPem }) }, 'ca');
    // Options a context was also given that are not context options (one options object passed to
    // createSecureContext() and connect()) never override the connection's: rejectUnauthorized
    // stays true (the default) and checkServerIdentity is not the context's.
    const lax = createSecureContext({ ca: clientPki.caPem, rejectUnauthorized: false } as never);
    const untrusted = await run({ port, ca: undefined, secureContext: lax });
    assert.ok(untrusted.error, 'the server is not trusted by the context, and rejectUnauthorized is true');
    assert.equal(untrusted.socket.authorized, false);
    const nameless = createSecureContext({ ca: pki.caPem, checkServerIdentity: () => undefined } as never);
    const wrongName = await run({ port, ca: undefined, servername: 'wrong.example', secureContext: nameless });
    assert.equal(wrongName.error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.throws(
      () => connect({ port, secureContext: tls.createSecureContext({}) as never }),
      (err: Error & { code?: string }) =>
        err instanceof TypeError && err.code === 'ERR_TLS_INVALID_CONTEXT' && /tlskit's createSecureContext/.test(err.message),
    );
    assert.throws(() => connect({ port, secureContext: {} as never }), { code: 'ERR_TLS_INVALID_CONTEXT' });
  },
  onread: async (port) => {
    const buffer = Buffer.alloc(8);
    const pieces: string[] = [];
    const { socket } = await run({ port, onread: { buffer, callback: (n, b) => void pieces.push(Buffer.from(b.subarray(0, n)).toString()) } });
    assert.ok(pieces.length >= 2, 'a reply longer than the buffer comes in buffer-sized pieces');
    assert.ok(pieces.every((p) => p.length <= 8));
    assert.ok(JSON.parse(pieces.join('')).version);
    socket.destroy();
  },
  timeout: async () => {
    // A TCP peer that accepts and never answers: 'timeout' fires.
    const held: net.Socket[] = [];
    const silent = net.createServer((c) => void held.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const socket = connect({ host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port, timeout: 100 });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('timeout', resolve));
    socket.destroy();
    held.forEach((c) => c.destroy());
    await new Promise((r) => silent.close(r));
  },
  allowPartialTrustChain: async () => {
    const chained = createTestPki({ intermediate: true });
    const server = tls.createServer({ key: chained.keyPem, cert: chained.chainPem }, (s) => s.end('{}\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { socket } = await run({
      port: (server.address() as net.AddressInfo).port,
      ca: chained.intermediate!.certificate.pem,
      allowPartialTrustChain: true,
    } as ConnectOptions);
    assert.equal(socket.authorized, true);
    await new Promise((r) => server.close(r));
  },
  ca: async (port) => {
    assert.equal((await run({ port })).socket.authorized, true);
    assert.ok((await run({ port, ca: clientPki.caPem })).error);
    assert.throws(() => connect({ port, ca: 5 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal((await run({ port, ca: TrustStore.from(pki.caPem) })).socket.authorized, true, "tlskit's own TrustStore");
  },
  cert: async (port) => {
    assert.equal((await run({ port, key: clientPki.keyPem, cert: clientPki.leaf.pem })).seen?.clientCn, 'client.test');
    assert.equal((await run({ port, key: false as never, cert: null as never })).seen?.clientCn, undefined, 'key: false and cert: null mean none, as node');
  },
  key: async (port) => {
    assert.equal((await run({ port, key: { pem: clientPki.keyPem }, cert: clientPki.leaf.pem })).seen?.clientCn, 'client.test');
    assert.throws(() => connect({ port, key: 5 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  passphrase: async (port) => {
    const encrypted = crypto.createPrivateKey(clientPki.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' }) as string;
    assert.equal((await run({ port, key: encrypted, passphrase: 'sesame', cert: clientPki.leaf.pem })).seen?.clientCn, 'client.test');
    assert.throws(() => connect({ port, key: encrypted, passphrase: 'wrong', cert: clientPki.leaf.pem }));
  },
  pfx: async (port, _sockPath) => {
    const modern = path.join(dir, 'modern.p12');
    if (!openssl(['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-out', modern, '-passout', 'pass:sesame'])) return;
    const seen = (await run({ port, pfx: fs.readFileSync(modern), passphrase: 'sesame' } as ConnectOptions)).seen;
    assert.equal(seen?.clientCn, 'client.test');
    assert.equal((await run({ port, pfx: [{ buf: fs.readFileSync(modern), passphrase: 'sesame' }] } as ConnectOptions)).seen?.clientCn, 'client.test');
    assert.throws(() => connect({ port, pfx: fs.readFileSync(modern), passphrase: 'wrong' } as ConnectOptions), /mac verify failure/);
    // Legacy forms: 3DES (node:crypto has it) is read; 40-bit RC2 is refused with how to re-export.
    const des = path.join(dir, 'des.p12');
    assert.ok(
      openssl([
        'pkcs12',
        '-export',
        '-in',
        certFile,
        '-inkey',
        keyFile,
        '-out',
        des,
        '-passout',
        'pass:sesame',
        '-certpbe',
        'PBE-SHA1-3DES',
        '-keypbe',
        'PBE-SHA1-3DES',
        '-macalg',
        'sha1',
      ]),
    );
    assert.equal((await run({ port, pfx: fs.readFileSync(des), passphrase: 'sesame' } as ConnectOptions)).seen?.clientCn, 'client.test');
    const legacy = path.join(dir, 'legacy.p12');
    if (openssl(['pkcs12', '-export', '-legacy', '-in', certFile, '-inkey', keyFile, '-out', legacy, '-passout', 'pass:sesame'])) {
      assert.throws(
        () => connect({ port, pfx: fs.readFileSync(legacy), passphrase: 'sesame' } as ConnectOptions),
        (err: Error) => /RC2/.test(err.message) && /openssl pkcs12 -export/.test(err.message),
      );
    }
  },
  crl: async (port) => {
    const otherCa = x509.cert({ subject: '/CN=Unrelated CRL CA', extensions: CA_EXTENSIONS, days: 30 });
    const { error } = await run({ port, crl: x509.crl(otherCa, []).pem });
    assert.match(String(error?.message), /CRL/i, 'with crl given, a chain without its CRL fails');
  },
  ciphers: async (port) => {
    const v12 = await run({ port, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    assert.equal(v12.seen?.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    // As node: a list of TLS 1.2 names only leaves the TLS 1.3 suites at their defaults.
    const still13 = await run({ port, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    assert.equal(still13.seen?.version, 'TLSv1.3');
    const only13 = await run({ port, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    assert.equal(only13.seen?.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    const syntax = await run({ port, maxVersion: 'TLSv1.2', ciphers: 'HIGH:!AES128:-CHACHA20:!aRSA:@STRENGTH' });
    assert.equal(syntax.seen?.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
    for (const bad of ['no-such-cipher', 'TLS_AES_128_CCM_8_SHA256', 'AES128-SHA', '!aNULL']) {
      assert.throws(
        () => connect({ port, ciphers: bad }),
        (err: Error & { code?: string }) =>
          err.code === 'ERR_SSL_NO_CIPHER_MATCH' && err.message.includes(bad) && err.message.includes('ECDHE-ECDSA-AES128-GCM-SHA256'),
        bad,
      );
    }
    assert.throws(() => connect({ port, ciphers: 'DEFAULT@SECLEVEL=3' }), TypeError);
  },
  sigalgs: async (port) => {
    assert.ok((await run({ port, sigalgs: 'ECDSA+SHA256' })).seen);
    assert.ok((await run({ port, sigalgs: 'RSA-PSS+SHA256' })).error, 'no scheme the EC server can sign with');
  },
  ecdhCurve: async (port) => {
    const { socket } = await run({ port, ecdhCurve: 'P-384' });
    assert.equal(socket.getEphemeralKeyInfo()?.name, 'secp384r1');
  },
  minVersion: async (port) => {
    assert.equal((await run({ port, minVersion: 'TLSv1.3' })).seen?.version, 'TLSv1.3');
    assert.throws(() => connect({ port, minVersion: 'x' as never }), { code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' });
  },
  maxVersion: async (port) => {
    assert.equal((await run({ port, maxVersion: 'TLSv1.2' })).seen?.version, 'TLSv1.2');
  },
  secureProtocol: async (port) => {
    assert.equal((await run({ port, secureProtocol: 'TLSv1_2_method' } as ConnectOptions)).seen?.version, 'TLSv1.2');
    assert.equal((await run({ port, secureProtocol: 'TLS_client_method' } as ConnectOptions)).seen?.version, 'TLSv1.3');
    refused({ secureProtocol: 'TLSv1_method' } as ConnectOptions, 'secureProtocol');
    assert.throws(() => connect({ port, secureProtocol: 'bogus' } as ConnectOptions), { code: 'ERR_TLS_INVALID_PROTOCOL_METHOD' });
  },
  secureOptions: async (port) => {
    const c = crypto.constants;
    assert.equal((await run({ port, secureOptions: c.SSL_OP_NO_TLSv1_3 | c.SSL_OP_NO_SSLv3 } as ConnectOptions)).seen?.version, 'TLSv1.2');
    refused({ secureOptions: c.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION } as ConnectOptions, 'secureOptions');
    assert.throws(() => connect({ port, secureOptions: 'x' } as never), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  honorCipherOrder: async (port) => assert.ok((await run({ port, honorCipherOrder: true } as ConnectOptions)).seen),
  dhparam: async (port) => {
    refused({ dhparam: 'x' } as unknown as ConnectOptions, 'dhparam');
    assert.ok((await run({ port, dhparam: 'auto' } as unknown as ConnectOptions)).seen);
  },
  clientCertEngine: async () => refused({ clientCertEngine: 'dynamic' } as unknown as ConnectOptions, 'clientCertEngine'),
  privateKeyEngine: async () => refused({ privateKeyEngine: 'pkcs11' } as unknown as ConnectOptions, 'privateKeyEngine'),
  privateKeyIdentifier: async () => refused({ privateKeyIdentifier: 'k' } as unknown as ConnectOptions, 'privateKeyIdentifier'),
  sessionIdContext: async (port) => assert.ok((await run({ port, sessionIdContext: 'x' } as unknown as ConnectOptions)).seen),
  ticketKeys: async (port) => assert.ok((await run({ port, ticketKeys: crypto.randomBytes(48) } as unknown as ConnectOptions)).seen),
  sessionTimeout: async (port) => assert.ok((await run({ port, sessionTimeout: 10 } as unknown as ConnectOptions)).seen),
  fd: async () => refused({ fd: 3 } as unknown as ConnectOptions, 'fd'),
  readable: async () => refused({ readable: true } as unknown as ConnectOptions, 'readable'),
  writable: async () => refused({ writable: true } as unknown as ConnectOptions, 'writable'),
  signal: async (port) => {
    const controller = new AbortController();
    const { error } = await run({ port, signal: controller.signal }, () => controller.abort());
    assert.equal(error?.name, 'AbortError');
    assert.equal(error?.code, 'ABORT_ERR');
    assert.throws(() => connect({ port, signal: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  noDelay: async (port) => {
    const { socket } = await run({ port, noDelay: true });
    assert.equal(netState(socket, 'kSetNoDelay'), true);
    assert.notEqual(netState((await run({ port })).socket, 'kSetNoDelay'), true);
  },
  keepAlive: async (port) => {
    const { socket } = await run({ port, keepAlive: true, keepAliveInitialDelay: 5000 });
    assert.equal(netState(socket, 'kSetKeepAlive'), true);
  },
  keepAliveInitialDelay: async (port) => {
    const { socket } = await run({ port, keepAlive: true, keepAliveInitialDelay: 7000 });
    assert.equal(netState(socket, 'kSetKeepAliveInitialDelay'), 7, 'seconds, as net keeps it');
  },
  blockList: async () => refused({ blockList: new net.BlockList() } as unknown as ConnectOptions, 'blockList'),
  localAddress: async (port) => {
    const { socket } = await run({ port, localAddress: '127.0.0.1' });
    assert.equal((socket.transport as net.Socket).localAddress, '127.0.0.1');
  },
  localPort: async (port) => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const { seen } = await run({ port, localPort: free });
    assert.equal(seen?.remotePort, free);
    assert.throws(() => connect({ port, localPort: 'x' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  },
  family: async (port) => {
    const { seen } = await run({ port, host: 'localhost', family: 4 });
    assert.match(String(seen?.remoteAddress), /127\.0\.0\.1/);
  },
  hints: async (port) => {
    let hints: unknown;
    await run({ port, host: 'localhost', hints: dns.V4MAPPED, lookup: fakeLookup((_h, o) => (hints = o.hints)) });
    assert.equal(hints, dns.V4MAPPED);
  },
  lookup: async (port) => {
    const asked: string[] = [];
    const { seen, socket } = await run({ port, host: 'server.invalid', rejectUnauthorized: false, lookup: fakeLookup((h) => asked.push(h)) });
    assert.deepEqual(asked, ['server.invalid']);
    assert.equal(seen?.servername, 'server.invalid');
    assert.equal(socket.authorized, false);
  },
  autoSelectFamily: async (port) => {
    let all: unknown;
    await run({ port, host: 'localhost', autoSelectFamily: true, lookup: fakeLookup((_h, o) => (all = o.all)) });
    assert.equal(all, true, 'happy eyeballs asks the resolver for every address');
    await run({ port, host: 'localhost', autoSelectFamily: false, lookup: fakeLookup((_h, o) => (all = o.all)) });
    assert.notEqual(all, true);
  },
  autoSelectFamilyAttemptTimeout: async (port) => {
    assert.ok((await run({ port, host: 'localhost', autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 250 })).seen);
  },
};

test('every option in the table has a case here, and every case is in the table', () => {
  assert.deepEqual(Object.keys(cases).sort(), Object.keys(OPTION_TABLE).sort());
});

test('docs/node-compat.md lists every option of the table with its status', () => {
  const doc = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/node-compat.md'), 'utf8');
  for (const [name, entry] of Object.entries(OPTION_TABLE)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    assert.ok(row, `${name} has a row`);
    assert.ok(row.includes(`| ${entry.scope} | ${entry.status}`), `${name}: ${row}`);
  }
});

for (const [name, entry] of Object.entries(OPTION_TABLE)) {
  test(`${entry.scope} ${name}: ${entry.status}`, { timeout: 30_000 }, async () => {
    await withServer(async (port, sockPath) => cases[name]!(port, sockPath));
  });
}
