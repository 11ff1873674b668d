// Load and faults on 127.0.0.1 (issue 7): a tlskit server in one process, 1,000 tlskit clients held at
// once in another (each transferring a random amount both ways, checked byte for byte, and
// half-closing), with clients that reset in the middle of the handshake and of the transfer, one
// that sends its ClientHello a byte every 100 ms and one that sends its data that way. The server
// keeps serving; every connection ends cleanly or with an error; afterwards the server has no
// socket, timer or extra listener left and its heap is back near its baseline.
// Separate processes keep each below the usual 1024 file descriptors; both raise the soft limit
// when they can anyway. TLSKIT_LOAD_CONNECTIONS changes the count.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const count = Number(process.env.TLSKIT_LOAD_CONNECTIONS ?? 1000);

/** Starts `script` under bash with a raised descriptor limit; lines of JSON it prints come through `next()`. */
function start(
  script: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): { child: ChildProcessWithoutNullStreams; next: () => Promise<Record<string, unknown>> } {
  const command = `ulimit -n 8192 2>/dev/null || ulimit -n $(ulimit -Hn) 2>/dev/null; exec "${process.execPath}" ${nodeFlags.join(' ')} "${join(here, script)}"`;
  const child = spawn('bash', ['-c', command], { env: { ...process.env, ...env } });
  const lines: Record<string, unknown>[] = [];
  const waiters: ((v: Record<string, unknown>) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const w = waiters.shift();
    if (w) w(value);
    else lines.push(value);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const v = lines.shift();
    if (v) return Promise.resolve(v);
    return new Promise((resolve, reject) => {
      waiters.push(resolve);
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) early: ${stderr.slice(-2000)}`)));
    });
  };
  return { child, next };
}

test(`${count} concurrent connections, resets, slow clients and half-closes against one server`, { timeout: 150_000 }, async (t: TestContext) => {
  // A generous handshake timeout: 1,000 handshakes at once on a busy 2-core machine take a while.
  const server = start('server.js', { LOAD_HANDSHAKE_TIMEOUT: '90000' }, ['--expose-gc']);
  let clients: ReturnType<typeof start> | undefined;
  try {
    // The server made its own test PKI: the clients trust its CA.
    const { port, ca } = (await server.next()) as { port: number; ca: string };
    clients = start('clients.js', { LOAD_PORT: String(port), LOAD_CA: ca, LOAD_COUNT: String(count) });
    assert.deepEqual(await clients.next(), { warm: true });
    server.child.stdin.write('baseline\n');
    clients.child.stdin.write('go\n');
    const started = Date.now();
    const c = (await clients.next()) as Record<string, unknown> & { ok: number; failed: number; heldAtOnce: number; resources: string[] };
    server.child.stdin.write('report\n');
    const s = (await server.next()) as Record<string, unknown> & {
      secure: number;
      clean: number;
      badData: number;
      peakOpen: number;
      resources: string[];
      listeners: string;
      listenersAtStart: string;
      heapBaseline: number;
      heapAfter: number;
      open: number;
    };
    t.diagnostic(
      `connections held at once: ${c.heldAtOnce} (server peak ${s.peakOpen}); ${c.ok} exchanges checked, ${c.bytesToServer} + ${c.bytesToClient} bytes, in ${Date.now() - started} ms`,
    );
    t.diagnostic(`clients: ${JSON.stringify(c)}`);
    t.diagnostic(`server: ${JSON.stringify(s)}`);
    assert.equal(c.failed, 0, `client failures: ${JSON.stringify(c.failures)}`);
    assert.equal(c.ok, count + 1, 'every normal client and the slow one got all its data and the verdict');
    assert.equal(c.heldAtOnce, count);
    assert.ok(s.peakOpen >= count, `the server held ${s.peakOpen} connections at once`);
    assert.equal(s.badData, 0, 'the server received every byte as sent');
    assert.ok(s.clean >= count + 1, `${s.clean} clean closes`);
    assert.match(String(c.slowHello), /one every 100 ms, then closed/);
    assert.equal(c.slowData, 'completed');
    assert.equal(s.open, 0, 'every connection ended');
    assert.deepEqual(s.resources, ['TCPServerWrap'], 'no socket or timer left on the server');
    assert.equal(s.listeners, s.listenersAtStart, 'no listener left behind');
    assert.deepEqual(c.resources, [], 'no socket or timer left in the clients');
    const growth = s.heapAfter - s.heapBaseline;
    assert.ok(growth < 16 * 1024 * 1024, `server heap grew by ${(growth / 1048576).toFixed(1)} MiB`);
  } finally {
    server.child.kill();
    clients?.child.kill();
  }
});
