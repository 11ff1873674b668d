// How long resumption may rely on one authentication (RFC 8446 §4.6.1; BoringSSL's auth_timeout):
// a session renewed on a resumed connection (a TLS 1.3 NewSessionTicket after a PSK handshake, a
// TLS 1.2 ticket on resumption) keeps the time of the original full handshake's authentication,
// and neither side resumes once that is older than MAX_AUTHENTICATION_AGE_MS (7 days), however
// often the session was resumed within its sessionTimeout. Sessions without that time (written
// before it existed) are not resumed. Clocks are injected: each side's can move on its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySessionStore, decodeSession, encodeSession, type SessionState } from '../../src/handshake/session.js';
import type { ServerConfig } from '../../src/handshake/config.js';
import { makePair, serverConfigFor } from '../helpers/engine.js';
import { pump } from '../helpers/pair.js';

const DAY = 24 * 3600 * 1000;
const versions = ['TLSv1.3', 'TLSv1.2'] as const;
// A fixed ticket key: no rotation while the server's clock moves days ahead.
const ticketKeys = new Uint8Array(48).fill(9);

type Version = (typeof versions)[number];

/** The session sealed in a ticket the server issued (its own clock's `now`). */
function serverSession(server: ServerConfig, clientBlob: Uint8Array, now: number): SessionState {
  const sealed = server.ticketKeyring!.open(decodeSession(clientBlob).ticket!, now);
  assert.ok(sealed, 'the ticket opens');
  return decodeSession(sealed);
}

/** Connects with the client's session (if any) and returns the pair once the handshake is over. */
function connect(version: Version, server: ServerConfig, clientNow: number, session?: Uint8Array): ReturnType<typeof makePair> {
  const pair = makePair({ maxVersion: version, now: () => new Date(clientNow), ...(session ? { session } : {}) }, server);
  pump(pair.client, pair.server);
  assert.deepEqual(pair.c.errors, []);
  assert.deepEqual(pair.s.errors, []);
  return pair;
}

describe('a chain of renewed sessions stops resuming once the original authentication is 7 days old', () => {
  for (const version of versions) {
    test(`${version} server: resumed daily within sessionTimeout, renewed tickets keep authenticatedAt; past 7 days, a full handshake`, () => {
      const t0 = Date.now();
      let serverNow = t0;
      // The client's clock stands still: it always finds its session fresh and offers it, so what
      // refuses is the server.
      const server = serverConfigFor({ ticketKeys, sessionTimeout: 36 * 3600, now: () => new Date(serverNow) });
      const first = connect(version, server, t0);
      let blob = first.c.sessions.at(-1)!;
      assert.equal(serverSession(server, blob, serverNow).authenticatedAt, t0);
      for (let day = 1; day <= 6; day++) {
        serverNow = t0 + day * DAY;
        const pair = connect(version, server, t0, blob);
        assert.equal(pair.server.info.resumed, true, `day ${day}: resumed`);
        assert.equal(pair.server.info.authenticatedAt, t0, `day ${day}: the connection relies on the original authentication`);
        blob = pair.c.sessions.at(-1)!;
        const renewed = serverSession(server, blob, serverNow);
        assert.equal(renewed.issuedAt, serverNow, `day ${day}: a renewed ticket`);
        assert.equal(renewed.authenticatedAt, t0, `day ${day}: which keeps the original authentication time`);
      }
      // Renewed on day 6: its lifetime ends with the authentication's 7 days, not 36 hours later.
      assert.equal(serverSession(server, blob, serverNow).lifetime, DAY / 1000);
      assert.equal(decodeSession(blob).lifetime, DAY / 1000, 'and the client was told so');
      serverNow = t0 + 7 * DAY + 60_000; // the last ticket is 1 day old, within sessionTimeout
      const late = connect(version, server, t0, blob);
      assert.equal(late.server.info.resumed, false, 'the original authentication is over 7 days old');
      assert.equal(late.client.info.authorized, true);
      assert.equal(late.server.info.authenticatedAt, serverNow, 'a full handshake authenticates again');
      assert.equal(serverSession(server, late.c.sessions.at(-1)!, serverNow).authenticatedAt, serverNow);
    });

    test(`${version} client: resumed daily within the ticket lifetime, its sessions keep authenticatedAt; past 7 days, not offered`, () => {
      const t0 = Date.now();
      let clientNow = t0;
      // The server's clock stands still: it would resume any of these tickets, so what refuses is
      // the client.
      const server = serverConfigFor({ ticketKeys, sessionTimeout: 36 * 3600, now: () => new Date(t0) });
      const first = connect(version, server, clientNow);
      let blob = first.c.sessions.at(-1)!;
      assert.equal(decodeSession(blob).authenticatedAt, t0);
      for (let day = 1; day <= 6; day++) {
        clientNow = t0 + day * DAY;
        const pair = connect(version, server, clientNow, blob);
        assert.equal(pair.client.info.resumed, true, `day ${day}: resumed`);
        assert.equal(pair.client.info.authenticatedAt, t0, `day ${day}: the connection relies on the original authentication`);
        blob = pair.c.sessions.at(-1)!;
        const renewed = decodeSession(blob);
        assert.equal(renewed.issuedAt, clientNow, `day ${day}: a renewed session`);
        assert.equal(renewed.authenticatedAt, t0, `day ${day}: which keeps the original authentication time`);
      }
      clientNow = t0 + 7 * DAY + 60_000; // the last session is 1 day old, within its 36-hour lifetime
      const late = connect(version, server, clientNow, blob);
      assert.equal(late.client.info.resumed, false, 'the original authentication is over 7 days old: not offered');
      assert.equal(late.server.info.resumed, false);
      assert.equal(late.client.info.authorized, true, 'the server was authenticated again');
      assert.equal(decodeSession(late.c.sessions.at(-1)!).authenticatedAt, clientNow);
    });
  }
});

describe('a session without authenticatedAt (written before it existed) is not resumed', () => {
  const withoutAuthTime = (s: SessionState): SessionState => {
    const { authenticatedAt: _dropped, ...old } = s;
    return old;
  };

  for (const version of versions) {
    test(`${version} client: such a session blob is not offered`, () => {
      const t0 = Date.now();
      const server = serverConfigFor({ ticketKeys, now: () => new Date(t0) });
      const first = connect(version, server, t0);
      const session = decodeSession(first.c.sessions.at(-1)!);
      const again = connect(version, server, t0, encodeSession(session));
      assert.equal(again.client.info.resumed, true, 'with it: resumed');
      const old = connect(version, server, t0, encodeSession(withoutAuthTime(session)));
      assert.equal(old.client.info.resumed, false);
      assert.equal(old.server.info.resumed, false);
    });

    test(`${version} server: such a ticket is not accepted (a full handshake)`, () => {
      const t0 = Date.now();
      const server = serverConfigFor({ ticketKeys, now: () => new Date(t0) });
      const first = connect(version, server, t0);
      const session = decodeSession(first.c.sessions.at(-1)!);
      const sealed = withoutAuthTime(serverSession(server, first.c.sessions.at(-1)!, t0));
      const oldTicket = server.ticketKeyring!.seal(encodeSession(sealed), t0);
      const old = connect(version, server, t0, encodeSession({ ...session, ticket: oldTicket }));
      assert.equal(old.server.info.resumed, false);
      assert.equal(old.client.info.resumed, false);
      assert.equal(old.client.info.authorized, true);
    });
  }

  test('TLSv1.2 server: such a session cache entry is not resumed', () => {
    const t0 = Date.now();
    const store = new MemorySessionStore();
    const server = serverConfigFor({ tickets: false, sessionStore: store, now: () => new Date(t0) });
    const first = connect('TLSv1.2', server, t0);
    const { sessionId } = decodeSession(first.c.sessions.at(-1)!);
    const entry = decodeSession(store.get(sessionId!, t0)!);
    assert.equal(entry.authenticatedAt, t0);
    store.set(sessionId!, encodeSession(withoutAuthTime(entry)), t0, t0 + 300_000);
    const old = connect('TLSv1.2', server, t0, first.c.sessions.at(-1)!);
    assert.equal(old.server.info.resumed, false);
    assert.equal(old.client.info.resumed, false);
  });
});
