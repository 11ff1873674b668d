import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultProvider } from './default-provider.js';

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env.TLSKIT_PROVIDER;
  if (value === undefined) delete process.env.TLSKIT_PROVIDER;
  else process.env.TLSKIT_PROVIDER = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TLSKIT_PROVIDER;
    else process.env.TLSKIT_PROVIDER = saved;
  }
}

// Each test file runs in its own process: nothing has registered the node provider yet.
test('defaultProvider: portable until the Node entry registers node:crypto, then node unless forced', async () => {
  assert.equal(withEnv(undefined, defaultProvider).name, 'portable');
  assert.throws(() => withEnv('node', defaultProvider), /not loaded/);
  await import('./node/register.js');
  assert.equal(withEnv(undefined, defaultProvider).name, 'node');
  assert.equal(withEnv('node', defaultProvider).name, 'node');
  assert.equal(withEnv('portable', defaultProvider).name, 'portable');
});

test('defaultProvider: the Node entry registers node:crypto', async () => {
  const entry = await import('../index.js');
  assert.equal(withEnv(undefined, entry.defaultProvider).name, 'node');
  assert.equal(withEnv('portable', entry.defaultProvider), entry.portableCryptoProvider);
});
