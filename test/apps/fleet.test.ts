// A fleet of tlskit servers, each its own process, sharing ticket keys (with rotation) and 0-RTT
// anti-replay through a real redis-server (started here, no persistence): a ticket from one
// resumes on another (TLS 1.3 and TLS 1.2), an old ticket still resumes on another process during
// a rotation's grace window and no longer after it, a captured ClientHello with early data
// replayed to every server opens early data exactly once across the fleet, and with Redis down
// 0-RTT is refused while handshakes go on (RFC 8446 §8).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect, type ConnectOptions } from '../../src/node/connect.js';
import { once } from '../helpers/peers.js';
import { captureEarlyFlight, replayFlight, sessionFrom } from '../helpers/zero-rtt.js';
import { startPeer, tempDir, type Peer } from './helpers/peers.js';
import { redisMissing, startRedis, type RedisServer } from './helpers/redis.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const script = fileURLToPath(new URL('./helpers/fleet-server.js', import.meta.url));
const client: ConnectOptions = { ca: pki.caPem, servername: 'localhost' };

interface Member {
  readonly name: string;
  readonly port: number;
  readonly peer: Peer;
}

interface FleetEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** What a member printed, from character `from` of its output on. */
function eventsOf(member: Member, from = 0): FleetEvent[] {
  return member.peer
    .output()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FleetEvent);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects (optionally resuming `session`), exchanges a line, and says whether the session was reused. */
async function roundTrip(port: number, options: ConnectOptions = {}): Promise<{ reused: boolean; earlyData: string | undefined; text: string }> {
  const socket = connect({ host: '127.0.0.1', port, ...client, ...options });
  try {
    await once(socket, 'secureConnect', `a handshake with port ${port}`);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write('ping');
    await once(socket, 'end', `the echo from port ${port}`);
    return { reused: socket.isSessionReused(), earlyData: socket.info.earlyData, text };
  } finally {
    socket.destroy();
  }
}

describe('a fleet of tlskit server processes sharing ticket keys and 0-RTT anti-replay through Redis', { skip: redisMissing }, () => {
  const files = tempDir('tlskit-fleet-');
  const certFile = join(files.path, 'cert.pem');
  const keyFile = join(files.path, 'key.pem');
  let redis: RedisServer | undefined;
  const members: Member[] = [];

  async function startMember(name: string, rotationSeconds: number): Promise<Member> {
    const peer = await startPeer(process.execPath, [script, String(redis!.port), certFile, keyFile, String(rotationSeconds)], {
      ready: /"event":"listening","port":(\d+)/,
      ms: 15_000,
      stdin: 'ignore',
    });
    const port = Number(/"event":"listening","port":(\d+)/.exec(peer.output())![1]);
    const member = { name, port, peer };
    members.push(member);
    return member;
  }

  let a: Member, b: Member, c: Member;

  before(async () => {
    writeFileSync(certFile, pki.chainPem);
    writeFileSync(keyFile, pki.keyPem);
    redis = await startRedis();
    [a, b, c] = await Promise.all([startMember('A', 3600), startMember('B', 3600), startMember('C', 3600)]);
  });

  after(async () => {
    await Promise.all(members.map((m) => m.peer.stop().catch(() => undefined)));
    await redis?.stop().catch(() => undefined);
    files.remove();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`a ${version} ticket from server A resumes on servers B and C`, async () => {
      const versions: ConnectOptions = version === 'TLSv1.3' ? { minVersion: 'TLSv1.3' } : { maxVersion: 'TLSv1.2' };
      for (const other of [b, c]) {
        const session = await sessionFrom(a.port, { ...client, ...versions });
        const r = await roundTrip(other.port, { ...versions, session });
        assert.equal(r.reused, true, `server ${other.name} resumed A's ${version} ticket`);
        assert.equal(r.text, 'hiecho:ping');
      }
    });
  }

  test('a ClientHello with early data, replayed to every server, opens early data exactly once across the fleet', async () => {
    const session = await sessionFrom(a.port, { ...client, minVersion: 'TLSv1.3' });
    await sleep(300); // the lines of earlier connections reached us
    const marks = [a, b, c].map((m) => m.peer.output().length);
    const { flight, socket } = await captureEarlyFlight(a.port, session, 'GET /once', client);
    assert.equal(socket.info.earlyData, 'accepted', "the genuine client's early data is accepted");
    socket.destroy();
    for (const target of [a, b, c, b]) assert.ok((await replayFlight(target.port, flight)).length > 0, `server ${target.name} answered the replay`);
    await sleep(300); // the children's last lines
    const events = [a, b, c].map((m, i) => eventsOf(m, marks[i]));
    const accepted = events.map((e) => e.filter((x) => x.event === 'early-accepted').length);
    assert.deepEqual(accepted, [1, 0, 0], 'early data accepted once, by A, for the genuine client only');
    // The replays were resumptions (each server could open the ticket): only anti-replay refused them.
    assert.deepEqual(
      events.map((e) => e.filter((x) => x.event === 'server-hello').map((x) => x['resumed'])),
      [[true, true], [true, true], [true]],
    );
  });

  test('key rotation: a ticket from before a rotation resumes on another process in the grace window, and not after it', async () => {
    const rotationSeconds = 2;
    const [r1, r2] = await Promise.all([startMember('R1', rotationSeconds), startMember('R2', rotationSeconds)]);
    const period = (): number => Math.floor(Date.now() / (rotationSeconds * 1000));
    // A fresh period, so that the ticket's key is the current one for a whole period.
    const start = period();
    while (period() === start) await sleep(50);
    const issued = period();
    const session = await sessionFrom(r1.port, { ...client, minVersion: 'TLSv1.3' });
    const session2 = await sessionFrom(r1.port, { ...client, minVersion: 'TLSv1.3' });
    while (period() === issued) await sleep(50);
    await sleep(300); // both refreshed past the rotation
    assert.ok(
      eventsOf(r2).some((e) => e.event === 'keys-loaded' && (e['period'] as number) > issued),
      "R2 loaded the new period's keys",
    );
    const inGrace = await roundTrip(r2.port, { minVersion: 'TLSv1.3', session });
    assert.equal(inGrace.reused, true, "the previous period's ticket resumes on R2 after the rotation");
    // Past the grace window (current plus two retained periods), the key is gone everywhere.
    while (period() <= issued + 2) await sleep(100);
    await sleep(300);
    const expired = await roundTrip(r2.port, { minVersion: 'TLSv1.3', session: session2 });
    assert.equal(expired.reused, false, 'a ticket whose key was retired makes a full handshake');
    assert.equal(expired.text, 'hiecho:ping');
  });

  test('with Redis down, 0-RTT is refused (the data goes after the handshake) and handshakes, resumptions included, go on', async () => {
    const session = await sessionFrom(a.port, { ...client, minVersion: 'TLSv1.3' });
    const session2 = await sessionFrom(a.port, { ...client, minVersion: 'TLSv1.3' });
    const mark = a.peer.output().length;
    await redis!.stop();
    redis = undefined;
    const early = await roundTrip(a.port, { session, earlyData: true });
    assert.equal(early.earlyData, 'rejected', '0-RTT refused without the anti-replay store');
    assert.equal(early.reused, true, 'the resumption itself goes on (keys from the local snapshot)');
    assert.equal(early.text, 'hiecho:ping', 'the data written as early data arrives after the handshake');
    assert.ok(
      eventsOf(a, mark).some((e) => e.event === 'claim-error'),
      'A reported the failed claim',
    );
    const resumedElsewhere = await roundTrip(b.port, { minVersion: 'TLSv1.3', session: session2 });
    assert.equal(resumedElsewhere.reused, true);
    const full = await roundTrip(c.port);
    assert.equal(full.reused, false);
    assert.equal(full.text, 'hiecho:ping');
  });
});
