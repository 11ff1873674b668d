#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node:test and ends with its summary.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains a substring)
import { readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...walk('dist/src', []), ...walk('dist/test', [])].filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
// The tests run on the Node that runs npm unless told otherwise (TLSKIT_TEST_NODE). npm puts
// node_modules/.bin first on PATH, where a package may install another `node` (Node 24 and the
// other test runtimes live under runtimes/ for that reason: scripts/runtimes.mjs).
const node = process.env.TLSKIT_TEST_NODE || process.env.npm_node_execpath || process.execPath;
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`# running ${files.length} test files on Node ${version} (${node})`);
// Tests that start `node` by name get the same Node as the tests themselves.
const path = [dirname(node), ...(process.env.PATH ?? '').split(delimiter).filter((p) => !p.endsWith(join('node_modules', '.bin')))].join(delimiter);
const result = spawnSync(node, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, PATH: path } });
process.exit(result.status ?? 1);
