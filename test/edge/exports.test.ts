// The `workerd` and `worker` export conditions pick the portable build, even where the resolver
// also sets `node` (bundlers for Workers with Node compatibility do): resolved by Node itself with
// --conditions, through the package's self-reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

for (const condition of ['workerd', 'worker'] as const) {
  test(`--conditions=${condition}: 'tlskit' resolves to the web entry, not the Node one`, () => {
    const r = spawnSync(process.execPath, [`--conditions=${condition}`, '--input-type=module', '-e', "console.log(import.meta.resolve('tlskit'))"], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /\/dist\/src\/web\/index\.js$/);
  });
}

test('without a condition of ours, Node gets the Node entry (the check is not vacuous)', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('tlskit'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /\/dist\/src\/index\.js$/);
});
