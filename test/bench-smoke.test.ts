// The benchmark harness runs end to end (bench/run.ts with a tiny configuration) and writes
// well-formed results. Proves the benchmark works; no timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRows } from '../bench/scenarios.js';
import type { RowResult } from '../bench/report.js';

const runScript = fileURLToPath(new URL('../bench/run.js', import.meta.url));

test('bench --list names every row of issue 8 once', () => {
  const ids = execFileSync(process.execPath, [runScript, '--list'], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(new Set(ids).size, ids.length);
  const pairs = ['tlskit-tlskit', 'tlskit-node', 'node-tlskit', 'node-node'];
  for (const suite of ['tls13-aes128gcm', 'tls13-aes256gcm', 'tls13-chacha20', 'tls12-ecdhe-rsa-aes128gcm']) {
    for (const dir of ['c2s', 's2c']) for (const p of pairs) assert.ok(ids.includes(`bulk:${suite}:${dir}:${p}`), `bulk:${suite}:${dir}:${p}`);
  }
  for (const hs of ['tls13-x25519-ecdsa', 'tls13-x25519-rsa2048', 'tls12-ecdhe-rsa', 'tls13-resume', 'tls13-x25519mlkem768-ecdsa']) {
    for (const mode of ['seq', 'c8']) for (const p of pairs) assert.ok(ids.includes(`hs:${hs}:${mode}:${p}`), `hs:${hs}:${mode}:${p}`);
  }
  for (const p of pairs) assert.ok(ids.includes(`echo:tls13-aes128gcm:1byte:${p}`));
  for (const id of ['mem:idle:server:node-tlskit', 'mem:idle:server:node-node', 'mem:idle:client:tlskit-node', 'mem:idle:client:node-node'])
    assert.ok(ids.includes(id), id);
  // Then the portable provider's sections (bench/portable.ts), printed after the table.
  assert.deepEqual(ids, [...allRows().map((r) => r.id), 'portable:node', 'portable:chromium']);
});

test('bench runs a tiny configuration and writes well-formed JSON', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-bench-smoke-'));
  try {
    const json = join(dir, 'results.json');
    const only = [
      'bulk:tls13-aes128gcm:c2s',
      'hs:tls13-x25519-ecdsa:seq',
      'hs:tls13-resume:seq',
      'hs:tls13-x25519mlkem768-ecdsa:seq',
      'echo:',
      'mem:',
      'portable:node',
    ];
    execFileSync(
      process.execPath,
      [
        runScript,
        '--quick',
        '--only',
        only.join(','),
        '--json',
        json,
        '--reps',
        '1',
        '--mem-reps',
        '1',
        '--bulk-mib',
        '2',
        '--hs-seconds',
        '0.1',
        '--echo-count',
        '20',
        '--mem-connections',
        '20',
        '--mem-idle',
        '0',
        '--timeout',
        '60',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const results = JSON.parse(readFileSync(json, 'utf8')) as {
      version: number;
      mode: string;
      machine: { nproc: number; cpuModel: string; worker: { node: string } };
      rows: RowResult[];
      portable?: { sections: string[]; output: string };
    };
    assert.equal(results.version, 1);
    assert.equal(results.mode, 'quick');
    assert.ok(results.machine.nproc > 0 && results.machine.cpuModel.length > 0 && results.machine.worker.node.startsWith('v'));

    const expected = allRows().filter((r) => only.some((s) => r.id.includes(s)));
    assert.deepEqual(
      results.rows.map((r) => r.id),
      expected.map((r) => r.id),
    );
    for (const [i, r] of results.rows.entries()) {
      const row = expected[i]!;
      assert.notEqual(r.status, 'error', `${r.id}: ${r.reason}`);
      if (r.status === 'n/a') {
        // Only rows that wait for a feature may be missing, and they say why.
        assert.ok(row.feature, `${r.id} is n/a but needs no feature: ${r.reason}`);
        assert.match(r.reason ?? '', /not (implemented|supported)/);
        continue;
      }
      assert.ok(r.samples.length >= 1, r.id);
      for (const v of [...r.samples, r.median!, r.min!, r.max!]) assert.ok(Number.isFinite(v) && v > 0, `${r.id}: ${v}`);
      assert.ok(r.min! <= r.median! && r.median! <= r.max!, r.id);
      if (r.kind !== 'mem') assert.ok(r.clientCpu!.median > 0 && r.serverCpu!.median > 0, `${r.id}: CPU per operation`);
      const base = results.rows.find((b) => b.id === r.baseline)!;
      if (base.status === 'ok') assert.ok(r.ratio! > 0, `${r.id}: ratio`);
    }
    // The portable provider against node:crypto: a row per provider, five positive figures each.
    assert.deepEqual(results.portable?.sections, ['portable:node']);
    for (const provider of ['node', 'portable']) {
      const line: string | undefined = results.portable!.output.split('\n').find((l) => l.startsWith(`${provider} `));
      assert.ok(line, `portable section has a ${provider} row:\n${results.portable!.output}`);
      const figures: number[] = line.trim().split(/\s+/).slice(1).map(Number);
      assert.equal(figures.length, 5, line);
      for (const f of figures) assert.ok(Number.isFinite(f) && f > 0, line);
    }
    // node:tls at both ends always runs, except where this Node lacks the feature (X25519MLKEM768 before OpenSSL 3.5).
    for (const r of results.rows.filter((x) => x.id.endsWith('node-node') && !x.id.includes('mlkem'))) assert.equal(r.status, 'ok', `${r.id}: ${r.reason}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
