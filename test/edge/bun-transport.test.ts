// bunTransport under Bun: a peer that sends far more than anyone reads is held back (the socket is
// paused once 64 KiB are queued), never buffered without limit. A Bun server pumps 48 MiB into a
// connection whose readable nobody reads for a while: the server must have got only what the
// kernel's socket buffers take, and all of it must still arrive once the reader reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run, tempDir } from '../apps/helpers/peers.js';
import { missingRuntime, runtimePath } from '../helpers/runtimes.js';

const bun = runtimePath('bun') ?? 'bun';
const socketModule = pathToFileURL(fileURLToPath(new URL('../../src/web/socket.js', import.meta.url))).href;

const TOTAL = 48 * 1024 * 1024;

const script = `
import { bunTransport } from ${JSON.stringify(socketModule)};
const TOTAL = ${TOTAL};
const chunk = new Uint8Array(64 * 1024);
let sent = 0;
const pump = (s) => {
  while (sent < TOTAL) {
    const n = s.write(chunk.subarray(0, Math.min(chunk.length, TOTAL - sent)));
    sent += n;
    if (n === 0) return;
  }
  s.end();
};
const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { open: pump, drain: pump, data() {} } });
const transport = await bunTransport({ hostname: '127.0.0.1', port: server.port });
await Bun.sleep(1500);
const sentWhileUnread = sent;
const reader = transport.readable.getReader();
let received = 0;
for (;;) {
  const { value, done } = await reader.read();
  if (done) break;
  received += value.byteLength;
}
server.stop(true);
console.log(JSON.stringify({ sentWhileUnread, received }));
`;

test('bunTransport: an unread connection pauses the Bun socket (no unbounded queue); everything arrives once read', {
  skip: missingRuntime('bun') ?? false,
  timeout: 60_000,
}, async () => {
  const dir = tempDir('tlskit-bun-');
  try {
    const file = join(dir.path, 'flood.mjs');
    writeFileSync(file, script);
    const r = await run(bun, [file], { ms: 45_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, `bun: ${r.stdout}${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { sentWhileUnread: number; received: number };
    // Unpaused, Bun hands everything to data() and the queue takes all 48 MiB.
    assert.ok(out.sentWhileUnread < 16 * 1024 * 1024, `the server got ${out.sentWhileUnread} bytes out while nobody read`);
    assert.equal(out.received, TOTAL);
  } finally {
    dir.remove();
  }
});
