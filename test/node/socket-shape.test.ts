// The TLSSocket shape node code relies on (issue 14), side by side with node:tls: the same client
// code run with node:tls and with tlskit against one node:tls server must see the same state,
// events and method results. Everything on 127.0.0.1, port 0, bounded in time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect, createServer } from '../../src/index.js';
import { TLSSocket } from '../../src/node/tls-socket.js';

const pki = createTestPki();
const closers: (() => void)[] = [];
after(() => {
  for (const close of closers) close();
});

type AnySocket = tls.TLSSocket | TLSSocket;
type Version = 'TLSv1.2' | 'TLSv1.3';

async function nodeServer(
  options: tls.TlsOptions = {},
  onSecure: (s: tls.TLSSocket) => void = (s) => s.resume(),
): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer({ key: pki.keyPem, cert: pki.chainPem, ...options }, onSecure);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return { server, port: (server.address() as net.AddressInfo).port };
}

function shape(s: AnySocket): Record<string, unknown> {
  return {
    connecting: s.connecting,
    pending: s.pending,
    secureConnecting: (s as { secureConnecting?: boolean }).secureConnecting,
    readyState: s.readyState,
    encrypted: s.encrypted,
    alpnProtocol: s.alpnProtocol,
    servername: (s as { servername?: unknown }).servername,
    authorized: s.authorized,
  };
}

/** The events of interest, in order, each with the socket's shape at that moment. */
function watch(s: AnySocket): { order: string[]; shapes: Map<string, Record<string, unknown>> } {
  const order: string[] = [];
  const shapes = new Map<string, Record<string, unknown>>();
  for (const name of ['connect', 'ready', 'secure', 'secureConnect']) {
    s.on(name, () => {
      order.push(name);
      shapes.set(name, shape(s));
    });
  }
  return { order, shapes };
}

function settled(s: AnySocket, event = 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once(event, () => resolve());
    s.once('error', reject);
  });
}

const clients = { 'node:tls': tls.connect as unknown as typeof connect, tlskit: connect };

describe('state and events of a client, as node:tls', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as Version[]) {
    test(`connect(): connecting/pending/secureConnecting/readyState and connect, ready, secure, secureConnect (${version})`, { timeout: 10_000 }, async () => {
      const { port } = await nodeServer({ maxVersion: version });
      const seen: Record<string, { initial: Record<string, unknown>; order: string[]; shapes: Map<string, Record<string, unknown>> }> = {};
      for (const [name, open] of Object.entries(clients)) {
        const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: version });
        const initial = shape(s);
        const w = watch(s);
        await settled(s);
        s.destroy();
        seen[name] = { initial, ...w };
      }
      const [theirs, ours] = [seen['node:tls']!, seen.tlskit!];
      assert.deepEqual(ours.initial, theirs.initial);
      assert.deepEqual(ours.order, theirs.order);
      assert.deepEqual(ours.order, ['connect', 'ready', 'secureConnect', 'secure']);
      for (const event of ['connect', 'ready', 'secureConnect']) assert.deepEqual(ours.shapes.get(event), theirs.shapes.get(event), event);
    });
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as Version[]) {
    test(`a server that writes and closes right after its handshake: the client still sees secureConnect, then data, end, close (${version})`, {
      timeout: 10_000,
    }, async () => {
      const { port } = await nodeServer({ maxVersion: version }, (s) => s.end('bye'));
      for (const open of Object.values(clients)) {
        const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: version });
        const order: string[] = [];
        for (const name of ['secureConnect', 'data', 'end', 'close']) s.on(name, () => order.push(name));
        await once(s, 'close');
        assert.deepEqual(order, ['secureConnect', 'data', 'end', 'close'], open === connect ? 'tlskit' : 'node:tls');
      }
    });
  }

  test('servername is false on both sides when the client connects to an IP address without servername', { timeout: 10_000 }, async () => {
    const names: unknown[] = [];
    const { port } = await nodeServer({}, (s) => {
      names.push(s.servername);
      s.resume();
    });
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, ca: pki.caPem });
      await settled(s);
      names.push(s.servername, s.alpnProtocol);
      s.destroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(names.slice(0, 3), [false, false, false]); // client, alpn, server of node:tls
    assert.deepEqual(
      names.filter((n) => n !== false),
      [],
    );
  });

  test('bytesRead and bytesWritten count plaintext, as node:tls', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer({}, (s) => s.once('data', (d: Buffer) => s.write(Buffer.concat([d, d, d]))));
    const counts: number[][] = [];
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      await settled(s);
      const before = [s.bytesRead, s.bytesWritten];
      s.write('0123456789');
      const queued = s.bytesWritten;
      await once(s, 'data');
      counts.push([...before, queued, s.bytesRead, s.bytesWritten]);
      s.destroy();
    }
    assert.deepEqual(counts[1], counts[0]);
    assert.deepEqual(counts[1], [0, 0, 10, 30, 10]);
  });

  test('timeout reflects setTimeout(), as net.Socket', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const seen: unknown[][] = [];
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      const row: unknown[] = [s.timeout];
      s.setTimeout(1234);
      row.push(s.timeout);
      s.setTimeout(0);
      row.push(s.timeout);
      seen.push(row);
      s.destroy();
    }
    assert.deepEqual(seen, [
      [undefined, 1234, 0],
      [undefined, 1234, 0],
    ]);
  });

  test('a server socket: state and events as node:tls (secure, no connect or ready)', { timeout: 10_000 }, async () => {
    const shapes: Record<string, unknown>[] = [];
    const events: string[][] = [];
    const serve = (s: AnySocket): void => {
      shapes.push({ ...shape(s), bytes: [s.bytesRead, s.bytesWritten] });
      s.once('data', () => {
        shapes.push({ bytesRead: s.bytesRead });
        s.end();
      });
    };
    const theirs = tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, serve);
    const ours = createServer({ key: pki.keyPem, cert: pki.chainPem }, serve);
    for (const server of [theirs, ours]) {
      const order: string[] = [];
      events.push(order);
      server.on('secureConnection', () => undefined);
      (server as net.Server).on('connection', () => undefined);
      if (server === ours) ours.on('handshakeStart', (s: TLSSocket) => ['connect', 'ready', 'secure'].forEach((e) => s.on(e, () => order.push(e))));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const c = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
      await settled(c);
      c.end('abc');
      await once(c, 'close');
      server.close();
    }
    assert.deepEqual(shapes[2], shapes[0]);
    assert.deepEqual(shapes[3], shapes[1]);
    assert.deepEqual(events[1], ['secure']);
  });
});

describe('connect({ socket }) and new TLSSocket(socket, options), as node:tls', () => {
  test('connect({ socket }) with a socket not yet connected waits for its connect (was ERR_SOCKET_CLOSED)', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const raw = new net.Socket();
    const s = connect({ socket: raw, servername: 'localhost', ca: pki.caPem });
    const w = watch(s);
    raw.connect(port, '127.0.0.1');
    await settled(s);
    assert.equal(s.authorized, true);
    assert.deepEqual(w.order, ['connect', 'secureConnect', 'secure']);
    s.destroy();
  });

  test("connect({ socket }) with a socket still connecting: 'connect' and no 'ready', as node:tls", { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const orders: string[][] = [];
    const initial: Record<string, unknown>[] = [];
    for (const open of Object.values(clients)) {
      const s = open({ socket: net.connect(port, '127.0.0.1'), servername: 'localhost', ca: pki.caPem });
      initial.push(shape(s));
      const w = watch(s);
      await settled(s);
      orders.push(w.order.filter((e) => e !== 'secure'));
      s.destroy();
    }
    assert.deepEqual(initial[1], initial[0]);
    assert.deepEqual(orders[1], orders[0]);
    assert.deepEqual(orders[1], ['connect', 'secureConnect']);
  });

  test('new TLSSocket(socket, { isServer: true, key, cert }) serves a node:tls client', { timeout: 10_000 }, async () => {
    const accepted = new Promise<TLSSocket>((resolve, reject) => {
      const plain = net.createServer((raw) => {
        try {
          const s = new TLSSocket(raw, { isServer: true, key: pki.keyPem, cert: pki.chainPem, ALPNProtocols: ['smtp'] });
          s.on('secure', () => resolve(s));
          s.on('error', reject);
          s.on('data', (d: Buffer) => s.end(d.toString().toUpperCase()));
        } catch (err) {
          reject(err as Error);
        }
      });
      closers.push(() => plain.close());
      plain.listen(0, '127.0.0.1', () => {
        const c = tls.connect({
          port: (plain.address() as net.AddressInfo).port,
          host: '127.0.0.1',
          servername: 'localhost',
          ca: pki.caPem,
          ALPNProtocols: ['smtp'],
        });
        c.on('secureConnect', () => c.write('hello'));
        c.on('data', (d: Buffer) => {
          assert.equal(d.toString(), 'HELLO');
          c.destroy();
        });
      });
    });
    const s = await accepted;
    assert.equal(s.servername, 'localhost');
    assert.equal(s.alpnProtocol, 'smtp');
  });

  test('new TLSSocket(socket, { isServer: true, requestCert, ca }): the client certificate is asked for and verified; a stranger is refused', {
    timeout: 10_000,
  }, async () => {
    const clientPki = createTestPki({ names: ['client.test'] });
    const stranger = createTestPki({ names: ['client.test'] });
    const outcomes: unknown[] = [];
    const plain = net.createServer((raw) => {
      const s = new TLSSocket(raw, { isServer: true, key: pki.keyPem, cert: pki.chainPem, requestCert: true, ca: clientPki.caPem });
      s.on('secure', () => {
        outcomes.push({ authorized: s.authorized, cn: (s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN });
        s.end();
      });
      s.on('error', (err: Error) => outcomes.push(err.message.length > 0 ? 'refused' : 'error'));
    });
    closers.push(() => plain.close());
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = (plain.address() as net.AddressInfo).port;
    for (const who of [clientPki, stranger]) {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem, key: who.keyPem, cert: who.chainPem });
      c.on('error', () => undefined); // the stranger gets unknown_ca
      c.resume();
      await new Promise((resolve) => c.on('close', resolve));
    }
    assert.deepEqual(outcomes, [{ authorized: true, cn: 'client.test' }, 'refused']);
  });

  test('new TLSSocket(socket, { isServer: false }) on a connected socket: verified handshake, secureConnect and secure', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    const s = new TLSSocket(raw, { isServer: false, servername: 'localhost', ca: pki.caPem });
    const w = watch(s);
    await settled(s);
    assert.equal(s.authorized, true);
    assert.deepEqual(w.order, ['secureConnect', 'secure']);
    s.destroy();
  });

  test('new TLSSocket(socket, { isServer: false }) verifies the server: a wrong CA fails (node:tls would not check at all)', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    const other = createTestPki();
    const s = new TLSSocket(raw, { servername: 'localhost', ca: other.caPem });
    await assert.rejects(settled(s), /certificate|issuer|trust/i);
  });

  test('new TLSSocket() without a socket, or a client over a Duplex with no name to check, is refused with a TypeError', () => {
    assert.throws(() => new TLSSocket(undefined as never, {}), /needs the connected socket/);
    const duplex = (): Duplex =>
      new Duplex({
        read() {},
        write(_c, _e, cb) {
          cb();
        },
      });
    assert.throws(() => new TLSSocket(duplex(), { ca: pki.caPem }), /give servername/);
    // Not even with rejectUnauthorized: false, where `authorized` would otherwise mean a chain check only.
    assert.throws(() => new TLSSocket(duplex(), { ca: pki.caPem, rejectUnauthorized: false }), /give servername/);
    new TLSSocket(duplex(), { ca: pki.caPem, checkServerIdentity: () => undefined }).destroy();
  });

  test('setServername() before the socket connected sets the SNI sent; afterwards it throws', { timeout: 10_000 }, async () => {
    let seen: string | undefined;
    const { port } = await nodeServer({
      SNICallback: (name, cb) => {
        seen = name;
        cb(null, undefined);
      },
    });
    const raw = new net.Socket();
    const s = connect({ socket: raw, servername: 'localhost', ca: pki.caPem, checkServerIdentity: () => undefined });
    s.setServername('other.example');
    raw.connect(port, '127.0.0.1');
    await settled(s);
    assert.equal(seen, 'other.example');
    assert.equal(s.servername, 'other.example');
    assert.throws(() => s.setServername('again.example'), { code: 'ERR_INVALID_STATE' });
    s.destroy();
  });
});

describe('methods node code calls, as node:tls', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as Version[]) {
    test(`getFinished() and getPeerFinished() are the verify_data both ends computed (${version})`, { timeout: 10_000 }, async () => {
      const serverSide = new Promise<tls.TLSSocket>(
        (resolve) =>
          void nodeServer({ maxVersion: version }, resolve).then(({ port }) => {
            const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: version });
            closers.push(() => s.destroy());
            ours = s;
          }),
      );
      let ours: TLSSocket | undefined;
      const theirs = await serverSide;
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(ours);
      const finished = ours.getFinished();
      const peerFinished = ours.getPeerFinished();
      assert.ok(finished && peerFinished);
      assert.equal(finished.length, version === 'TLSv1.2' ? 12 : theirs.getFinished()!.length);
      assert.deepEqual(finished, theirs.getPeerFinished());
      assert.deepEqual(peerFinished, theirs.getFinished());
    });
  }

  test('getFinished() is undefined before the handshake, as node:tls', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      assert.equal(s.getFinished(), undefined);
      assert.equal(s.getPeerFinished(), undefined);
      await settled(s);
      s.destroy();
    }
  });

  test('getSharedSigalgs(): a server gets the client-offered schemes it accepts, named as node:tls; a client without a CertificateRequest, []', {
    timeout: 10_000,
  }, async () => {
    const lists: string[][] = [];
    const serve = (s: AnySocket): void => {
      lists.push(s.getSharedSigalgs());
      s.end();
    };
    const theirs = tls.createServer({ key: pki.keyPem, cert: pki.chainPem }, serve);
    const ours = createServer({ key: pki.keyPem, cert: pki.chainPem }, serve);
    const clientLists: string[][] = [];
    for (const server of [theirs, ours]) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const c = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.caPem });
      await settled(c);
      await once(c, 'close');
      server.close();
    }
    const { port } = await nodeServer();
    for (const open of Object.values(clients)) {
      const c = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      await settled(c);
      clientLists.push(c.getSharedSigalgs());
      c.destroy();
    }
    const [node, tlskit] = [lists[0]!, lists[1]!];
    assert.ok(tlskit.length >= 8, tlskit.join());
    // Ours are node's, in node's order, less the schemes tlskit does not verify (DSA, SHA-224,
    // brainpool, ML-DSA): a subsequence of node's list (OpenSSL names some schemes alike).
    let at = 0;
    for (const name of node) if (name === tlskit[at]) at++;
    assert.equal(at, tlskit.length, `${tlskit.join()} within ${node.join()}`);
    for (const name of ['ECDSA+SHA256', 'RSA-PSS+SHA256', 'Ed25519+UNDEF', 'RSA+SHA256']) assert.ok(tlskit.includes(name), name);
    assert.deepEqual(clientLists, [[], []]);
  });

  test('getSharedSigalgs() on a client the server asked for a certificate: from its CertificateRequest', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer({ requestCert: true, rejectUnauthorized: false });
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
    await settled(s);
    const shared = s.getSharedSigalgs();
    s.destroy();
    assert.ok(shared.includes('ECDSA+SHA256') && shared.includes('RSA-PSS+SHA256'), shared.join());
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as Version[]) {
    test(`getTLSTicket(): the latest ticket, when node:tls has one (${version})`, { timeout: 10_000 }, async () => {
      const { port } = await nodeServer({ maxVersion: version }, (s) => s.end('x'));
      const seen: unknown[][] = [];
      for (const open of Object.values(clients)) {
        const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: version });
        const row: unknown[] = [];
        seen.push(row);
        s.on('secureConnect', () => row.push(s.getTLSTicket()?.length));
        s.on('session', () => row.push(s.getTLSTicket()?.length));
        s.resume();
        await once(s, 'close');
      }
      assert.deepEqual(seen[1], seen[0]);
      assert.ok(seen[1]!.some((n) => typeof n === 'number' && n > 0));
    });
  }

  test('setMaxSendFragment(): node:tls results for each size, and records then carry at most that much', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const results: unknown[][] = [];
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      const row: unknown[] = [s.setMaxSendFragment(1024)];
      await settled(s);
      for (const size of [100, 511, 512, 16384, 16385]) row.push(s.setMaxSendFragment(size));
      for (const bad of ['x', 1.5]) {
        try {
          s.setMaxSendFragment(bad as number);
          row.push('no throw');
        } catch (err) {
          row.push((err as NodeJS.ErrnoException).code);
        }
      }
      results.push(row);
      s.destroy();
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[1], [true, false, false, true, true, false, 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);
  });

  test('setMaxSendFragment(512) bounds the plaintext of each application record sent', { timeout: 10_000 }, async () => {
    const received = new Promise<number>(
      (resolve) =>
        void nodeServer({}, (s) => {
          let n = 0;
          s.on('data', (d: Buffer) => {
            n += d.length;
            if (n === 4000) resolve(n);
          });
        }).then(({ port }) => {
          // A proxy that reads the record headers the client sends (RFC 8446 §5.1: type, version, length).
          const proxy = net.createServer((inbound) => {
            const outbound = net.connect(port, '127.0.0.1');
            let buffered = Buffer.alloc(0);
            inbound.on('data', (d: Buffer) => {
              outbound.write(d);
              buffered = Buffer.concat([buffered, d]);
              while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt16BE(3)) {
                if (buffered[0] === 23) sizes.push(buffered.readUInt16BE(3));
                buffered = buffered.subarray(5 + buffered.readUInt16BE(3));
              }
            });
            outbound.pipe(inbound);
            closers.push(() => {
              inbound.destroy();
              outbound.destroy();
            });
          });
          closers.push(() => proxy.close());
          proxy.listen(0, '127.0.0.1', () => {
            const s = connect({
              host: '127.0.0.1',
              port: (proxy.address() as net.AddressInfo).port,
              servername: 'localhost',
              ca: pki.caPem,
              maxVersion: 'TLSv1.3',
            });
            closers.push(() => s.destroy());
            s.on('secureConnect', () => {
              assert.equal(s.setMaxSendFragment(512), true);
              s.write(Buffer.alloc(4000, 1));
            });
          });
        }),
    );
    const sizes: number[] = [];
    assert.equal(await received, 4000);
    // The last records carry the 4000 bytes (before them, the client's Finished, also an
    // application_data record in TLS 1.3): at most 512 bytes of plaintext each, so 8 records, each
    // with a content type byte and a 16-byte tag (RFC 8446 §5.2).
    const data: number[] = [];
    for (let total = 0, i = sizes.length - 1; total < 4000 && i >= 0; i--) {
      data.unshift(sizes[i]! - 17);
      total += sizes[i]! - 17;
    }
    assert.equal(
      data.reduce((a, b) => a + b, 0),
      4000,
      sizes.join(),
    );
    assert.equal(data.length, 8, sizes.join());
    assert.ok(
      data.every((n) => n <= 512),
      sizes.join(),
    );
  });

  test('getSession() right after secureConnect in TLS 1.3: a Buffer, as node:tls, that offered again gives a full handshake; the ticket from session resumes', {
    timeout: 10_000,
  }, async () => {
    const { port } = await nodeServer({ maxVersion: 'TLSv1.3' }, (s) => s.end('x'));
    const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem };
    const early: unknown[] = [];
    for (const open of Object.values(clients)) {
      const s = open(options);
      await settled(s);
      early.push(Buffer.isBuffer(s.getSession()));
      s.destroy();
    }
    assert.deepEqual(early, [true, true]);
    const first = connect(options);
    await settled(first);
    const placeholder = first.getSession()!;
    const ticket = once(first, 'session');
    first.resume();
    const [session] = (await ticket) as [Buffer];
    assert.notDeepEqual(session, placeholder);
    const again = connect({ ...options, session: placeholder });
    await settled(again);
    assert.equal(again.isSessionReused(), false);
    assert.equal(again.authorized, true);
    again.destroy();
    const resumed = connect({ ...options, session });
    await settled(resumed);
    assert.equal(resumed.isSessionReused(), true);
    resumed.destroy();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as Version[]) {
    test(`'session' comes after 'secureConnect', as node:tls: a listener added there gets it (${version})`, { timeout: 10_000 }, async () => {
      const { port } = await nodeServer({ maxVersion: version }, (s) => setTimeout(() => s.end('x'), 20));
      const got: unknown[] = [];
      for (const open of Object.values(clients)) {
        const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, maxVersion: version });
        // node:tls reports sessions only once a 'session' listener exists, so one listens from the start.
        const order: string[] = [];
        s.on('session', () => order.push('session'));
        s.on('secureConnect', () => {
          order.push('secureConnect');
          s.on('session', () => order.push('late listener'));
        });
        s.resume();
        await once(s, 'close');
        got.push(order.slice(0, 3));
      }
      assert.deepEqual(got[1], got[0]);
      assert.deepEqual(got[1], ['secureConnect', 'session', 'late listener']);
    });
  }

  test('renegotiate(): false, and the callback gets an error that names renegotiation; bad arguments throw as node:tls', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer({ maxVersion: 'TLSv1.3' });
    const results: unknown[][] = [];
    for (const open of Object.values(clients)) {
      const s = open({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      await settled(s);
      const called = new Promise<Error>((resolve) => {
        const row: unknown[] = [s.renegotiate({}, (err) => resolve(err!))];
        row.push(s.disableRenegotiation());
        for (const args of [
          [null, undefined],
          [{}, 'x'],
        ]) {
          try {
            s.renegotiate(args[0] as object, args[1] as never);
            row.push('no throw');
          } catch (err) {
            row.push((err as NodeJS.ErrnoException).code);
          }
        }
        results.push(row);
      });
      const err = await called;
      assert.ok(err instanceof Error);
      if (open === connect) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ERR_TLS_RENEGOTIATION_DISABLED');
        assert.match(err.message, /renegotiation/);
      }
      s.destroy();
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[1], [false, undefined, 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
  });

  test('destroySoon() ends the socket after what was written went out, then destroys it', { timeout: 10_000 }, async () => {
    const got = new Promise<string>(
      (resolve) =>
        void nodeServer({}, (s) => {
          let text = '';
          s.on('data', (d: Buffer) => (text += d.toString()));
          s.on('end', () => resolve(text));
        }).then(({ port }) => {
          const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
          s.on('secureConnect', () => {
            s.write('last words');
            s.destroySoon();
            s.on('close', () => closed.push(s.destroyed));
          });
        }),
    );
    const closed: boolean[] = [];
    assert.equal(await got, 'last words');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(closed, [true]);
  });

  test('enableTrace() prints the handshake messages to stderr', { timeout: 10_000 }, async () => {
    const { port } = await nodeServer();
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem });
      s.enableTrace();
      await settled(s);
      s.destroy();
    } finally {
      process.stderr.write = write;
    }
    const text = lines.join('');
    for (const name of ['Sent ClientHello', 'Received ServerHello', 'Received Certificate', 'Sent Finished'])
      assert.ok(text.includes(name), `${name} in:\n${text}`);
  });
});

describe('setSession()', () => {
  test("a client offers the session given before the handshake starts; afterwards it is node's ERR_INVALID_STATE", async () => {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      const server = createServer({ key: pki.keyPem, cert: pki.chainPem, maxVersion: version }, (s) => {
        s.on('error', () => {});
        s.end('hi');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const options = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem };
        const first = connect(options);
        first.resume();
        const closed = once(first, 'close');
        const [session] = (await once(first, 'session')) as [Buffer];
        await closed;
        const second = connect(options);
        second.setSession(session);
        second.resume();
        await once(second, 'secureConnect');
        assert.equal(second.isSessionReused(), true, version);
        assert.throws(() => second.setSession(session), { code: 'ERR_INVALID_STATE' });
        second.destroy();
      } finally {
        await new Promise((r) => server.close(r));
      }
    }
  });
});

describe('end() during the handshake, as node:tls', () => {
  /**
   * A TCP peer that reads and never answers: what it received before our FIN (the first byte of
   * it), whether the FIN came, and how the client ended.
   */
  async function endAgainstSilentPeer(
    open: (port: number) => AnySocket,
    when: 'at once' | 'on connect',
  ): Promise<{ firstByte: number | undefined; sawFin: boolean; code: string | undefined; hadError: boolean }> {
    let sawFin = false;
    const got: Buffer[] = [];
    const silent = net.createServer((c) => {
      c.on('data', (d: Buffer) => got.push(d));
      c.on('end', () => {
        sawFin = true;
        c.end();
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const s = open((silent.address() as net.AddressInfo).port);
      let code: string | undefined;
      s.on('error', (e: NodeJS.ErrnoException) => (code = e.code));
      if (when === 'at once') s.end();
      else s.once('connect', () => s.end());
      // (events.once would reject on the 'error' that comes first.)
      const hadError = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          s.destroy();
          reject(new Error('the socket did not close within 5 s of end()'));
        }, 5_000);
        s.on('close', (h: boolean) => {
          clearTimeout(timer);
          resolve(h);
        });
      });
      return { firstByte: Buffer.concat(got)[0], sawFin, code, hadError };
    } finally {
      await new Promise((r) => silent.close(r));
    }
  }

  // The handshake's ClientHello (0x16, a handshake record) goes out, then the FIN.
  for (const when of ['at once', 'on connect'] as const) {
    test(`end() ${when === 'at once' ? 'while still connecting' : "from a 'connect' listener"}: the ClientHello, then the FIN; the peer's close fails the handshake (ECONNRESET)`, async () => {
      const ours = await endAgainstSilentPeer((port) => connect({ host: '127.0.0.1', port, rejectUnauthorized: false }), when);
      const node = await endAgainstSilentPeer((port) => tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }), when);
      assert.deepEqual(ours, node);
      assert.deepEqual(ours, { firstByte: 0x16, sawFin: true, code: 'ECONNRESET', hadError: true });
    });
  }
});

test("a client that never reads sees 'end' and closes when the server ends, as node:tls (net's read(0) after the end of data)", {
  timeout: 10_000,
}, async () => {
  const { port } = await nodeServer({}, (s) => s.end());
  const outcome = async (open: typeof connect): Promise<string[]> => {
    const events: string[] = [];
    const s = open({ host: '127.0.0.1', port, rejectUnauthorized: false });
    s.on('error', (e: Error) => events.push(`error ${e.message}`));
    s.on('end', () => events.push('end'));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        events.push('still open');
        s.destroy();
        resolve();
      }, 1_000);
      s.on('close', () => {
        clearTimeout(timer);
        events.push('close');
        resolve();
      });
    });
    return events;
  };
  const node = await outcome(clients['node:tls']);
  const ours = await outcome(clients.tlskit);
  assert.deepEqual(ours, node);
  assert.deepEqual(ours, ['end', 'close']);
});
