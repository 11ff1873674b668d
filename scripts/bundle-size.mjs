#!/usr/bin/env node
// Minified + gzipped size of the browser builds, bundled by Bun (`npm run setup:runtimes` installs
// it; scripts/runtimes.mjs finds it): the whole web entry (dist/src/web/index.js) and a client-only build (what a page
// that calls connectStream() over webSocketTransport() ships: server states are tree-shaken away).
// gzip is zlib level 9. Prints the largest contributors of the client-only build.
// Usage: npm run build && node scripts/bundle-size.mjs [--json]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runtimePath, RUNTIMES } from './runtimes.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const bun = runtimePath('bun');
if (!bun) {
  console.error(`bundle-size: Bun is missing (npm run setup:runtimes installs it; ${RUNTIMES.bun.env} names a binary)`);
  process.exit(2);
}
const web = join(root, 'dist', 'src', 'web', 'index.js');
if (!existsSync(web)) {
  console.error('bundle-size: dist/src/web/index.js is missing (npm run build)');
  process.exit(2);
}
const scratch = mkdtempSync(join(tmpdir(), 'tlskit-bundle-size-'));
try {
  const clientEntry = join(scratch, 'client.mjs');
  writeFileSync(clientEntry, `export { connectStream, webSocketTransport } from ${JSON.stringify(web)};\n`);
  const measure = (name, entry) => {
    const out = join(scratch, `${name}.js`);
    const meta = join(scratch, `${name}.meta.json`);
    const r = spawnSync(bun, ['build', entry, '--minify', '--target=browser', '--format=esm', `--outfile=${out}`, `--metafile=${meta}`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`bun build failed: ${r.stderr}`);
    const code = readFileSync(out);
    const inputs = Object.values(JSON.parse(readFileSync(meta, 'utf8')).outputs)[0].inputs;
    const parts = {};
    for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
      const part = file.includes('node_modules/')
        ? file.split('node_modules/')[1].split('/').slice(0, 2).join('/')
        : `src/${file
            .replace(/.*dist\/src\//, '')
            .split('/')[0]
            .replace(/\.js$/, '')}`;
      parts[part] = (parts[part] ?? 0) + bytesInOutput;
    }
    return { name, minified: code.length, gzip: gzipSync(code, { level: 9 }).length, parts };
  };
  const results = [measure('web entry (client and server)', web), measure('client only (connectStream + webSocketTransport)', clientEntry)];
  const bunVersion = spawnSync(bun, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ bundler: `bun ${bunVersion}`, results }, null, 2));
  } else {
    console.log(`bundled with bun ${bunVersion} build --minify --target=browser; gzip -9`);
    for (const r of results)
      console.log(`  ${r.name.padEnd(50)} ${(r.minified / 1024).toFixed(1).padStart(7)} KiB minified ${(r.gzip / 1024).toFixed(1).padStart(6)} KiB gzipped`);
    const client = results[1];
    console.log('  client only, minified bytes by part:');
    for (const [part, bytes] of Object.entries(client.parts).sort((a, b) => b[1] - a[1])) {
      if (bytes > 0) console.log(`    ${part.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(6)} KiB`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
