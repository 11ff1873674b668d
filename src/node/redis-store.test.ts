// The Redis stores with stand-in clients: the two client shapes (ioredis's call, node-redis's
// sendCommand), claims that only a plain 'OK' grants, and a slow or failing Redis refusing 0-RTT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { RedisAntiReplayStore, RedisTicketKeys, type RedisTicketKeysEvent } from './redis-store.js';
import { TicketKeyring } from '../handshake/tickets.js';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { equalBytes } from '../wire/bytes.js';

/** A tiny in-memory Redis answering SET (NX, PX) and MGET. */
function fakeRedis(): { commands: string[][]; reply(args: string[]): unknown } {
  const data = new Map<string, string>();
  const commands: string[][] = [];
  return {
    commands,
    reply(args) {
      commands.push(args);
      const [command, ...rest] = args;
      if (command === 'SET') {
        const [key, value] = rest as [string, string];
        if (rest.includes('NX') && data.has(key)) return null;
        data.set(key, value);
        return 'OK';
      }
      if (command === 'MGET') return rest.map((k) => data.get(k) ?? null);
      throw new Error(`unexpected ${command}`);
    },
  };
}

test('RedisAntiReplayStore: the first claim of an id wins with SET NX PX, through ioredis- or node-redis-shaped clients', async () => {
  const redis = fakeRedis();
  const ioredisLike = new RedisAntiReplayStore({ call: async (command: string, ...args: string[]) => redis.reply([command, ...args]) });
  const nodeRedisLike = new RedisAntiReplayStore({ sendCommand: async (args: string[]) => redis.reply(args) });
  const id = Uint8Array.of(1, 2, 3);
  assert.equal(await ioredisLike.claim(id, 61_000, 1_000), true);
  assert.equal(await nodeRedisLike.claim(id, 61_000, 1_000), false);
  assert.equal(await nodeRedisLike.claim(Uint8Array.of(4), 61_000, 1_000), true);
  assert.deepEqual(redis.commands[0], ['SET', 'tlskit:0rtt:010203', '1', 'PX', '60000', 'NX']);
});

test('RedisAntiReplayStore: a slow, failing or odd Redis refuses (never accepts), and says so', async () => {
  const errors: string[] = [];
  const onError = (err: Error): void => void errors.push(err.message);
  const slow = new RedisAntiReplayStore({ call: () => new Promise(() => {}) }, { timeoutMs: 50, onError });
  const started = Date.now();
  assert.equal(await slow.claim(Uint8Array.of(1), 10_000, 0), false);
  assert.ok(Date.now() - started < 2_000);
  const failing = new RedisAntiReplayStore({ call: () => Promise.reject(new Error('Connection is closed.')) }, { onError });
  assert.equal(await failing.claim(Uint8Array.of(1), 10_000, 0), false);
  const odd = new RedisAntiReplayStore({ call: async () => 'QUEUED' });
  assert.equal(await odd.claim(Uint8Array.of(1), 10_000, 0), false);
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /no answer/);
  assert.throws(() => new RedisAntiReplayStore({} as never), /call\(\) \(ioredis\) or sendCommand\(\)/);
});

test('RedisTicketKeys: processes agree on the keys of a period (first SET NX wins); nothing is invented when Redis is away', async () => {
  const redis = fakeRedis();
  const shared = { call: async (command: string, ...args: string[]) => redis.reply([command, ...args]) };
  const one = new RedisTicketKeys(shared, { rotationSeconds: 3600 });
  const two = new RedisTicketKeys(shared, { rotationSeconds: 3600 });
  await one.start();
  await two.start();
  one.stop();
  two.stop();
  assert.equal(one.ticketKeys().length, 2, 'current and next period');
  assert.deepEqual(one.ticketKeys(), two.ticketKeys());
  assert.equal(one.ticketKeys()[0]!.length, 48);

  const events: string[] = [];
  const down = new RedisTicketKeys(
    { call: () => Promise.reject(new Error('ECONNREFUSED')) },
    { onEvent: (e) => events.push(e.kind === 'error' ? `error shared=${e.shared}` : e.kind) },
  );
  await assert.rejects(down.start(), /could not be loaded/);
  down.stop();
  assert.deepEqual(down.ticketKeys(), [], "no shared keys: the server's own random key serves, only it can open those tickets");
  assert.deepEqual(events, ['error shared=false']);
});

/** Runs `body` with Date.now() answering `clock.now`. */
async function withClock<T>(clock: { now: number }, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => clock.now;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

test("RedisTicketKeys: keys retire on time while Redis is unreachable; with no key for the period, the keyring's own random key serves", async () => {
  const hour = 3600_000;
  const clock = { now: 1000 * hour + 1 }; // the start of period 1000
  let up = true;
  const redis = fakeRedis();
  const client = { call: async (command: string, ...args: string[]) => (up ? redis.reply([command, ...args]) : Promise.reject(new Error('ECONNREFUSED'))) };
  await withClock(clock, async () => {
    const keys = new RedisTicketKeys(client, { rotationSeconds: 3600, retainedKeys: 1, onEvent: () => {} });
    await keys.start();
    keys.stop();
    const [k1000, k1001] = keys.ticketKeys();
    assert.ok(k1000 && k1001);
    const ring = new TicketKeyring(nodeCryptoProvider, { keys: keys.ticketKeys });
    const sealedIn1000 = ring.seal(Uint8Array.of(1, 2, 3), clock.now);
    up = false; // Redis goes away for good

    clock.now += hour; // period 1001: the next key seals, 1000's still opens
    assert.deepEqual(keys.ticketKeys(), [k1001, k1000]);
    await keys.refresh(); // fails: the snapshot stays, its use follows the clock
    assert.deepEqual([...(ring.open(sealedIn1000, clock.now) ?? [])], [1, 2, 3]);

    clock.now += hour; // period 1002: no key of ours for it; 1000's is retired (retainedKeys 1)
    assert.deepEqual(keys.ticketKeys(), [], 'no shared key for the period: none is given');
    assert.equal(ring.open(sealedIn1000, clock.now), undefined, 'a retired shared key opens nothing');
    const sealedIn1002 = ring.seal(Uint8Array.of(4), clock.now);
    assert.ok(
      ![k1000, k1001].some((k) => equalBytes(k.subarray(0, 16), sealedIn1002.subarray(0, 16))),
      "sealed with the keyring's own key, not a retired shared one",
    );
    assert.deepEqual([...(ring.open(sealedIn1002, clock.now) ?? [])], [4]);
  });
});

test("RedisTicketKeys: a failed SET of a ticket key is reported without the key, though the client's error carries the command's arguments (as ioredis's ReplyError does)", async () => {
  const sentMaterial: string[] = [];
  const client = {
    call: async (command: string, ...args: string[]): Promise<unknown> => {
      sentMaterial.push(args[1]!);
      // ioredis: a ReplyError with `command: { name, args }`.
      throw Object.assign(new Error(`READONLY You can't write against a read only replica. (${command} ${args.join(' ')})`), {
        name: 'ReplyError',
        command: { name: command.toLowerCase(), args },
      });
    },
  };
  const events: RedisTicketKeysEvent[] = [];
  const keys = new RedisTicketKeys(client, { onEvent: (e) => events.push(e) });
  await assert.rejects(keys.start());
  keys.stop();
  const error = events.find((e) => e.kind === 'error');
  assert.ok(error && error.kind === 'error');
  assert.match(error.error.message, /READONLY/);
  const shown = `${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error.error)} ${error.error.stack}`;
  assert.ok(sentMaterial.length > 0);
  for (const material of sentMaterial) assert.ok(!shown.includes(material), 'the ticket key material appears nowhere in the reported error');
});
