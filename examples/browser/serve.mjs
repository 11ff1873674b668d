#!/usr/bin/env node
// Serves the browser example (examples/browser/index.html) and the compiled tlskit modules it
// imports, with no bundler: the page's import map points 'tlskit' at dist/src/web/index.js and
// '@noble/*' at node_modules. Workers do not see a page's import map, so the server also
// resolves those package names in the modules it serves (the same table, below). Starts the
// WebSocket-to-TCP relay beside it.
//
//   npm run build && node examples/browser/serve.mjs [--port 8000] [--demo]
//   then open the printed address and connect to a TLS server on 127.0.0.1 (for instance
//   `openssl s_server -accept 127.0.0.1:4433 -cert cert.pem -key key.pem -WWW`). With --demo it
//   starts that server itself, with a fresh test CA (src/devcert), and fills in the form.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelay } from '../websocket-relay/relay.mjs';

const repository = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** What may be served: the page, the build, and the packages the build imports. */
const SERVED = ['examples/', 'dist/src/', 'bench/', 'node_modules/@noble/', 'node_modules/subtls/', 'node_modules/hextreme/'];

/** Package names → URLs, as in index.html's import map (a trailing / maps a prefix). */
export const IMPORTS = {
  tlskit: '/dist/src/web/index.js',
  '@noble/hashes/': '/node_modules/@noble/hashes/',
  '@noble/curves/': '/node_modules/@noble/curves/',
  '@noble/ciphers/': '/node_modules/@noble/ciphers/',
  '@noble/post-quantum/': '/node_modules/@noble/post-quantum/',
  subtls: '/node_modules/subtls/index.js',
  hextreme: '/node_modules/hextreme/index.mjs',
};

function resolveBare(specifier) {
  if (IMPORTS[specifier]) return IMPORTS[specifier];
  const prefix = Object.keys(IMPORTS).find((key) => key.endsWith('/') && specifier.startsWith(key));
  return prefix ? IMPORTS[prefix] + specifier.slice(prefix.length) : specifier;
}

/** Static imports and exports naming a package (`from '@noble/…'`, `import 'x'`, `import('x')`) get its URL. */
function resolveImports(source) {
  return source.replace(
    /(\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"./][^'"]*)\2/g,
    (all, keyword, quote, specifier) => `${keyword}${quote}${resolveBare(specifier)}${quote}`,
  );
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
};

/**
 * Starts the static server (and, unless relay is false, the relay); resolves to
 * { url, relayUrl, close() }. Listens on 127.0.0.1 only.
 */
export async function startExampleServer(options = {}) {
  const root = options.root ?? repository;
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
      if (path === '') path = 'examples/browser/';
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(root, path));
      if (!file.startsWith(root + sep) || !SERVED.some((p) => path.startsWith(p)) || !(await stat(file)).isFile()) throw new Error('not found');
      const type = extname(file);
      const body = type === '.js' || type === '.mjs' ? resolveImports(await readFile(file, 'utf8')) : await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  const relay = options.relay === false ? undefined : await startRelay(options.relayOptions ?? {});
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    relayUrl: relay?.url,
    close: async () => {
      server.closeAllConnections?.();
      await Promise.all([new Promise((done) => server.close(() => done())), relay?.close()]);
    },
  };
}

/** --demo: openssl s_server -WWW on 127.0.0.1 with a chain from a fresh test CA; resolves to { port, caPem, stop() }. */
async function startDemoServer() {
  const { createTestPki } = await import(new URL('dist/src/devcert/index.js', `file://${repository}/`).href);
  const pki = createTestPki({ intermediate: true });
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-demo-'));
  const [leaf, ...chain] = pki.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g);
  writeFileSync(join(dir, 'cert.pem'), leaf);
  writeFileSync(join(dir, 'chain.pem'), chain.join(''));
  writeFileSync(join(dir, 'key.pem'), pki.keyPem);
  writeFileSync(join(dir, 'index.html'), 'Hello from openssl s_server, over TLS that runs in your browser tab.\n');
  const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', 'cert.pem', '-cert_chain', 'chain.pem', '-key', 'key.pem', '-WWW'], {
    cwd: dir,
  });
  const port = await new Promise((done, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`openssl s_server did not start: ${output}`)), 10_000);
    const look = (chunk) => {
      output += chunk;
      const m = /ACCEPT\s+\S*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        done(Number(m[1]));
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('error', fail);
  });
  return {
    port,
    caPem: pki.caPem,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const demo = process.argv.includes('--demo') ? await startDemoServer() : undefined;
  const served = await startExampleServer({ port: i >= 0 ? Number(process.argv[i + 1]) : 8000 });
  const query = new URLSearchParams({ relay: served.relayUrl, ...(demo ? { port: String(demo.port), path: '/index.html', ca: demo.caPem } : {}) });
  console.log(`example: open ${served.url}examples/browser/?${query}`);
  if (demo) console.log(`example: openssl s_server -WWW is on 127.0.0.1:${demo.port}, its CA is in the link`);
  const stop = () => {
    demo?.stop();
    served.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
