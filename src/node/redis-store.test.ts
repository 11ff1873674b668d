// The Redis stores with stand-in clients: the two client shapes (ioredis's call, node-redis's
// sendCommand), claims that only a plain 'OK' grants, and a slow or failing Redis refusing 0-RTT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisAntiReplayStore, RedisTicketKeys } from './redis-store.js';

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
  const down = new RedisTicketKeys({ call: () => Promise.reject(new Error('ECONNREFUSED')) }, { onEvent: (e) => events.push(e.kind === 'error' ? `error shared=${e.shared}` : e.kind) });
  await assert.rejects(down.start(), /could not be loaded/);
  down.stop();
  assert.deepEqual(down.ticketKeys(), [], 'no shared keys: the server\'s own random key serves, only it can open those tickets');
  assert.deepEqual(events, ['error shared=false']);
});
