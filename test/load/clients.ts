// The load test's client process (run by load.test.ts): LOAD_PORT, LOAD_CA (PEM) and LOAD_COUNT in
// the environment. Warms up, prints {"warm":true}, waits for "go" on stdin, then holds LOAD_COUNT
// connections at once, each sending and receiving a random amount of checked data and half-closing,
// alongside faulty clients: resets in the middle of the handshake and of the transfer, a client that
// sends its ClientHello one byte every 100 ms, and one that sends its data that way. Prints a report.
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { randomInt } from 'node:crypto';
import { connect } from '../../src/index.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { createClientConnection } from '../../src/engine/endpoints.js';
import { resolveClientOptions } from '../../src/engine/options.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { header, matches, pattern } from './protocol.js';

const port = Number(process.env.LOAD_PORT);
const ca = process.env.LOAD_CA!;
const count = Number(process.env.LOAD_COUNT ?? 1000);
const maxBytes = Number(process.env.LOAD_MAX_BYTES ?? 40000);
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const report = {
  ok: 0,
  failed: 0,
  failures: {} as Record<string, number>,
  resetHandshake: 0,
  resetTransfer: 0,
  slowHello: '',
  slowData: '',
  bytesToServer: 0,
  bytesToClient: 0,
  heldAtOnce: 0,
};
const fail = (why: string): void => {
  report.failed++;
  report.failures[why] = (report.failures[why] ?? 0) + 1;
};

function open(): TLSSocket {
  return connect({ port, host: '127.0.0.1', servername: 'localhost', ca });
}

/** One checked exchange; `barrier` resolves when every client is connected. */
function exchange(barrier: Promise<void> | undefined, onSecure: () => void, slow = false): Promise<boolean> {
  return new Promise((resolve) => {
    const toServer = slow ? 30 : randomInt(0, maxBytes + 1);
    const toClient = slow ? 30 : randomInt(0, maxBytes + 1);
    const seed = randomInt(0, 2 ** 32);
    const socket = open();
    let got = 0;
    let good = true;
    let verdict = '';
    let error: Error | undefined;
    socket.on('error', (err) => (error ??= err));
    socket.on('data', (chunk: Buffer) => {
      const data = chunk.subarray(0, Math.max(0, Math.min(chunk.length, toClient - got)));
      if (!matches(seed ^ 0x5a5a5a5a, got, data)) good = false;
      got += data.length;
      verdict += chunk.subarray(data.length).toString('latin1');
    });
    socket.on('close', () => {
      if (error) fail(`error ${(error as { code?: string }).code ?? error.message.slice(0, 50)}`);
      else if (got !== toClient || !good) fail('bad data from the server');
      else if (verdict !== 'K') fail(`server verdict ${JSON.stringify(verdict)}`);
      else {
        report.ok++;
        report.bytesToServer += toServer;
        report.bytesToClient += toClient;
        resolve(true);
        return;
      }
      resolve(false);
    });
    socket.once('secureConnect', async () => {
      onSecure();
      if (barrier) await barrier;
      socket.write(header(toServer, toClient, seed));
      if (slow) {
        for (let i = 0; i < toServer && !socket.destroyed; i++) {
          socket.write(pattern(seed, i, 1));
          await delay(100);
        }
      } else {
        for (let at = 0; at < toServer; at += 16384) {
          if (!socket.write(pattern(seed, at, Math.min(16384, toServer - at)))) await new Promise((r) => socket.once('drain', r));
        }
      }
      socket.end(); // half-close: the answer is still read
    });
  });
}

/** Half a ClientHello, then a TCP reset. */
async function resetInHandshake(): Promise<void> {
  const hello = Buffer.concat(createClientConnection(resolveClientOptions({ servername: 'localhost', ca }, nodeCryptoProvider)).takeOutput());
  const raw = net.connect(port, '127.0.0.1');
  raw.on('error', () => undefined);
  await new Promise((r) => raw.once('connect', r));
  raw.write(hello.subarray(0, hello.length >> 1));
  await delay(randomInt(10, 200));
  raw.resetAndDestroy();
  report.resetHandshake++;
}

/** Some data, then a TCP reset in the middle of the transfer. */
function resetInTransfer(): Promise<void> {
  return new Promise((resolve) => {
    const socket = open();
    socket.on('error', () => undefined);
    socket.once('secureConnect', () => {
      socket.write(header(100000, 100000, 1));
      socket.write(pattern(1, 0, 20000));
      setTimeout(
        () => {
          (socket.transport as net.Socket).resetAndDestroy();
          socket.destroy();
          report.resetTransfer++;
          resolve();
        },
        randomInt(10, 200),
      );
    });
    socket.on('close', () => resolve());
  });
}

/**
 * A ClientHello one byte every 100 ms, for as long as the load lasts (at least 3 s); then it gives up
 * and closes. (The server's handshake timeout cutting such a client off is tested on its own.)
 */
function slowHello(loadDone: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const hello = Buffer.concat(createClientConnection(resolveClientOptions({ servername: 'localhost', ca }, nodeCryptoProvider)).takeOutput());
    const raw = net.connect(port, '127.0.0.1');
    let sent = 0;
    let gaveUp = false;
    raw.on('error', (err) => (report.slowHello = `error ${(err as { code?: string }).code}`));
    const timer = setInterval(() => {
      if (sent < hello.length) raw.write(hello.subarray(sent, ++sent));
    }, 100);
    void Promise.all([loadDone, delay(3000)]).then(() => {
      gaveUp = true;
      clearInterval(timer);
      raw.end();
    });
    raw.on('close', () => {
      clearInterval(timer);
      report.slowHello ||= gaveUp ? `sent ${sent} bytes, one every 100 ms, then closed` : `closed by the server after ${sent} bytes`;
      resolve();
    });
  });
}

async function main(): Promise<void> {
  // Warm-up: code paths, caches and JIT, so that the server's memory baseline is taken after them.
  for (let i = 0; i < 20; i++) await exchange(undefined, () => undefined);
  report.ok = 0;
  report.bytesToServer = report.bytesToClient = 0;
  console.log(JSON.stringify({ warm: true }));
  await new Promise<void>((resolve) => {
    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      if (line.trim() === 'go') {
        input.close();
        resolve();
      }
    });
  });
  let connected = 0;
  let release!: () => void;
  const barrier = new Promise<void>((r) => (release = r));
  // Should some clients never connect, the others go ahead after a while (and the report says so).
  const giveUp = setTimeout(release, 60_000);
  const onSecure = (): void => {
    if (++connected === count) {
      report.heldAtOnce = connected;
      clearTimeout(giveUp);
      release();
    }
  };
  const normal: Promise<boolean>[] = [];
  for (let i = 0; i < count; i++) normal.push(exchange(barrier, onSecure));
  const faults = [
    ...Array.from({ length: 25 }, () => resetInHandshake()),
    ...Array.from({ length: 25 }, () => resetInTransfer()),
    slowHello(Promise.all(normal)),
    exchange(undefined, () => undefined, true).then((ok) => {
      report.slowData = ok ? 'completed' : 'failed';
    }),
  ];
  await Promise.all([...normal, ...faults]);
  if (!report.heldAtOnce) report.heldAtOnce = connected;
  await delay(50);
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
  console.log(JSON.stringify({ ...report, resources }));
  process.exit(0);
}

void main();
