// A resumed session carries the outcome of the original authentication, and only stands for a
// connection that trusts the same way and asks no more (issue 13, point 1): a session from a lax
// connection, or from another trust, never lets a strict connection skip validation. Client side
// (the server's chain) and server side (client certificates), TLS 1.3 and TLS 1.2, through
// connect() and createServer() on 127.0.0.1.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, TlsError, type ConnectOptions, type Server, type TlsServerOptions } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { MemorySessionStore } from '../../src/handshake/session.js';
import { createTestPki } from '../../src/devcert/test-pki.js';

const TIMEOUT_MS = 5_000;
const VERSIONS = ['TLSv1.3', 'TLSv1.2'] as const;

/** The server's CA; `stranger` is a CA that trusts none of the certificates here. */
const pki = createTestPki();
const stranger = createTestPki();
/** Client certificates: one from a CA the server may trust, one self-signed. */
const clientPki = createTestPki({ names: ['client.test'] });
const selfSigned = createTestPki({ names: ['client.test'] });
const ticketKeys = Buffer.alloc(48, 0x5a);

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

interface ServerView {
  readonly port: number;
  readonly server: Server;
  /** Per accepted connection: whether it resumed and whether the client was authorized. */
  readonly accepted: { resumed: boolean; authorized: boolean }[];
  readonly refused: Error[];
}

async function listen(options: TlsServerOptions): Promise<ServerView> {
  const accepted: ServerView['accepted'] = [];
  const refused: Error[] = [];
  const server = createServer({ key: pki.keyPem, cert: pki.chainPem, ...options }, (socket) => {
    accepted.push({ resumed: socket.isSessionReused(), authorized: socket.authorized });
    socket.on('error', () => {});
    socket.end('hello');
  });
  server.on('tlsClientError', (err: Error) => refused.push(err));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server, accepted, refused };
}

interface Outcome {
  readonly error?: Error;
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly resumed: boolean;
  readonly session?: Buffer;
}

/** One connection, to its end: what the client saw, and the session it holds afterwards. */
function attempt(port: number, options: ConnectOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ...options });
    let error: Error | undefined;
    const done = (): void => {
      clearTimeout(timer);
      const session = socket.getSession();
      resolve({
        ...(error ? { error } : {}),
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: socket.authorizationError } : {}),
        resumed: socket.isSessionReused(),
        ...(session ? { session } : {}),
      });
    };
    const timer = setTimeout(() => {
      error ??= new Error('timed out');
      socket.destroy();
    }, TIMEOUT_MS);
    socket.on('error', (err: Error) => {
      error ??= err;
    });
    socket.on('data', () => {});
    socket.on('close', done);
  });
}

describe('client: a session stands only for the trust it was authenticated under', () => {
  for (const version of VERSIONS) {
    test(`${version}: a session from a lax connection is refused by a strict one, as a full handshake is`, { timeout: 3 * TIMEOUT_MS }, async () => {
      const { port } = await listen({ maxVersion: version });
      // The server's chain does not validate under `stranger`.
      const lax = await attempt(port, { maxVersion: version, ca: stranger.caPem, rejectUnauthorized: false });
      assert.equal(lax.error, undefined);
      assert.equal(lax.authorized, false);
      assert.ok(lax.session, 'the lax connection gave a session');
      const fresh = await attempt(port, { maxVersion: version, ca: stranger.caPem });
      assert.ok(fresh.error instanceof TlsError, String(fresh.error));
      const strict = await attempt(port, { maxVersion: version, ca: stranger.caPem, session: lax.session });
      assert.ok(strict.error instanceof TlsError, `refused, not resumed: ${String(strict.error)}`);
      assert.equal(strict.error.alert, fresh.error.alert);
      assert.equal(strict.error.message, fresh.error.message);
      assert.equal(strict.resumed, false);
      assert.equal(strict.authorized, false);
      // Another lax connection may still resume it, and learns why it is not authorized.
      const laxAgain = await attempt(port, { maxVersion: version, ca: stranger.caPem, rejectUnauthorized: false, session: lax.session });
      assert.equal(laxAgain.error, undefined);
      assert.equal(laxAgain.resumed, true);
      assert.equal(laxAgain.authorized, false);
      // node:tls's code for the failure, carried by the session as the full handshake found it.
      assert.equal(laxAgain.authorizationError, fresh.error.code);
      assert.equal(laxAgain.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    test(`${version}: strict then strict under the same trust resumes, authorized; under another ca, a full handshake`, {
      timeout: 3 * TIMEOUT_MS,
    }, async () => {
      const { port } = await listen({ maxVersion: version });
      const first = await attempt(port, { maxVersion: version });
      assert.equal(first.error, undefined);
      assert.equal(first.authorized, true);
      const same = await attempt(port, { maxVersion: version, session: first.session });
      assert.equal(same.error, undefined);
      assert.equal(same.resumed, true);
      assert.equal(same.authorized, true);
      // Trusting more (or other) anchors is other trust: the server is authenticated afresh.
      const widened = await attempt(port, { maxVersion: version, ca: [pki.caPem, stranger.caPem], session: first.session });
      assert.equal(widened.error, undefined);
      assert.equal(widened.resumed, false);
      assert.equal(widened.authorized, true);
      // A ca the server's chain does not validate under: refused, not resumed.
      const other = await attempt(port, { maxVersion: version, ca: stranger.caPem, session: first.session });
      assert.ok(other.error instanceof TlsError, String(other.error));
      assert.equal(other.resumed, false);
    });

    test(`${version}: another checkServerIdentity function gets its say (no resumption past it)`, { timeout: 3 * TIMEOUT_MS }, async () => {
      const { port } = await listen({ maxVersion: version });
      const accept = (): undefined => undefined;
      const first = await attempt(port, { maxVersion: version, checkServerIdentity: accept });
      assert.equal(first.error, undefined);
      const again = await attempt(port, { maxVersion: version, checkServerIdentity: accept, session: first.session });
      assert.equal(again.resumed, true, 'the same function: resumed');
      let asked = 0;
      const pinned = await attempt(port, {
        maxVersion: version,
        checkServerIdentity: () => (asked++, new Error('not the pinned key')),
        session: first.session,
      });
      assert.ok(pinned.error instanceof TlsError && pinned.error.alert === 'bad_certificate', String(pinned.error));
      assert.equal(asked, 1);
      assert.equal(pinned.resumed, false);
    });
  }
});

describe('server: a session stands only for the client authentication it records', () => {
  const clientCert = { cert: clientPki.leaf.pem, key: clientPki.keyPem };
  const strictServer = (version: string, ca: string): TlsServerOptions => ({
    maxVersion: version as TlsServerOptions['maxVersion'],
    requestCert: true,
    rejectUnauthorized: true,
    ca,
    ticketKeys,
  });

  const cases = [
    ...VERSIONS.map((version) => ({ name: `${version} ticket`, version, extra: {} as TlsServerOptions })),
    {
      name: 'TLSv1.2 session id (a shared session store)',
      version: 'TLSv1.2' as const,
      extra: { tickets: false, sessionStore: new MemorySessionStore() } as TlsServerOptions,
    },
  ];
  for (const { name, version, extra } of cases) {
    test(`${name}: a client certificate validated under another ca is not taken over (setSecureContext)`, { timeout: 3 * TIMEOUT_MS }, async () => {
      const view = await listen({ ...strictServer(version, clientPki.caPem), ...extra });
      const first = await attempt(view.port, { maxVersion: version, ...clientCert });
      assert.equal(first.error, undefined);
      assert.deepEqual(view.accepted, [{ resumed: false, authorized: true }]);
      const again = await attempt(view.port, { maxVersion: version, ...clientCert, session: first.session });
      assert.equal(again.resumed, true, 'same trust: resumed');
      assert.deepEqual(view.accepted[1], { resumed: true, authorized: true });
      // The server now trusts another CA only; the ticket keys (or the session store) stay.
      view.server.setSecureContext({ key: pki.keyPem, cert: pki.chainPem, ...strictServer(version, stranger.caPem), ...extra });
      const later = await attempt(view.port, { maxVersion: version, ...clientCert, session: first.session });
      assert.equal(later.resumed, false);
      assert.equal(view.accepted.length, 2, 'no connection accepted under the new trust');
      assert.equal(view.refused.length, 1, 'the full handshake refused the client certificate');
    });

    test(`${name}: a session whose client certificate did not validate is not resumed once one is required`, { timeout: 3 * TIMEOUT_MS }, async () => {
      const view = await listen({ ...strictServer(version, clientPki.caPem), rejectUnauthorized: false, ...extra });
      const first = await attempt(view.port, { maxVersion: version, cert: selfSigned.leaf.pem, key: selfSigned.keyPem });
      assert.equal(first.error, undefined);
      assert.deepEqual(view.accepted, [{ resumed: false, authorized: false }]);
      view.server.setSecureContext({ key: pki.keyPem, cert: pki.chainPem, ...strictServer(version, clientPki.caPem), ...extra });
      const later = await attempt(view.port, { maxVersion: version, cert: selfSigned.leaf.pem, key: selfSigned.keyPem, session: first.session });
      assert.equal(later.resumed, false);
      assert.equal(view.accepted.length, 1);
      assert.equal(view.refused.length, 1);
    });
  }
});
