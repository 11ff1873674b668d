// A benchmark process: `worker.js server <config>` listens on 127.0.0.1 and serves one row;
// `worker.js client <config>` connects to it, runs the row's repetitions and reports samples.
// Both talk to the orchestrator over IPC (protocol.ts). Started with --expose-gc.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import type { FromWorker, MemoryReading, Runtime, Sample, ServerOp, ServerWindow, ToWorker, WorkerConfig } from './protocol.js';
import { connectTls, createTlsServer, loadImpl, readPems, type BenchSocket, type Pems } from './tls.js';
import type { TlsParams } from './scenarios.js';

const MiB = 1024 * 1024;
/** Bulk requests: a command byte and the byte count (uint32, big-endian). */
const UPLOAD = 0x55; // 'U': the client sends, the server acknowledges with one byte
const DOWNLOAD = 0x44; // 'D': the server sends
const REQUEST_LENGTH = 5;
const ACK = Buffer.from('K');

function send(msg: FromWorker): void {
  process.send!(msg);
}

function runtime(): Runtime {
  return { node: process.version, openssl: process.versions.openssl ?? '?', execPath: process.execPath };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const alert = (err as { alert?: string }).alert;
    return alert && !err.message.includes(alert) ? `${err.message} (${alert})` : err.message;
  }
  return String(err);
}

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('workers must run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(25);
  }
  return process.memoryUsage();
}

/** What V8 has committed to its young generation (the semispaces). */
function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Waits, at most `seconds`, until V8's memory reducer has given back the young generation a burst
 * of handshakes grew (up to 32 MiB whatever the number of connections, released once the process
 * is idle): what the reading shows then is what the connections hold. Both implementations go
 * through the same wait; one whose young generation never grew does not wait.
 */
async function untilIdleHeap(youngBefore: number, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (youngGenerationBytes() > youngBefore && Date.now() < deadline) await sleep(250);
}

/** Writes `total` bytes in `chunk`-sized application writes, honouring backpressure. */
async function sendBulk(socket: BenchSocket, total: number, chunk: Buffer): Promise<void> {
  for (let sent = 0; sent < total; ) {
    const n = Math.min(chunk.length, total - sent);
    sent += n;
    if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await once(socket, 'drain');
  }
}

/** Resolves once `total` bytes arrived (rejects on error or early close). */
function receiveBytes(socket: BenchSocket, total: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= total) {
        cleanup();
        resolve();
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onEnd = (): void => onError(new Error(`connection ended after ${got} of ${total} bytes`));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
  });
}

// ---------------------------------------------------------------- server

async function runServer(cfg: WorkerConfig): Promise<void> {
  const { row } = cfg;
  await loadImpl(row.server);
  const pems = readPems(cfg.certs);
  const writeChunk = Buffer.alloc(cfg.writeBytes, 0x61);
  let handshakes = 0;
  let window = { cpu: 0, handshakes: 0 };
  let baseline: NodeJS.MemoryUsage | undefined;
  let youngBefore = 0;
  const open = new Set<BenchSocket>();

  const serveBulk = (socket: BenchSocket): void => {
    let request = Buffer.alloc(0);
    let uploadLeft = -1;
    socket.on('data', (d: Buffer) => {
      let data = d;
      if (request.length < REQUEST_LENGTH) {
        const need = REQUEST_LENGTH - request.length;
        request = Buffer.concat([request, data.subarray(0, need)]);
        data = data.subarray(need);
        if (request.length < REQUEST_LENGTH) return;
        const bytes = request.readUInt32BE(1);
        if (request[0] === DOWNLOAD) {
          sendBulk(socket, bytes, writeChunk).catch(() => socket.destroy());
          return;
        }
        uploadLeft = bytes;
      }
      if (uploadLeft > 0) {
        uploadLeft -= data.length;
        if (uploadLeft <= 0) socket.write(ACK);
      }
    });
  };

  let server;
  try {
    server = createTlsServer(row.server, row.tls, pems, (socket) => {
      handshakes++;
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined); // peers closing abruptly are not the server's problem here
      socket.setNoDelay(true);
      if (row.kind === 'bulk') serveBulk(socket);
      else if (row.kind === 'echo') socket.on('data', (d: Buffer) => socket.write(d));
      else socket.resume();
    });
  } catch (err) {
    send({ t: 'fail', stage: 'server setup', error: errorText(err) });
    return;
  }
  server.on('tlsClientError', () => undefined); // the client reports handshake failures
  server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 });
  await once(server, 'listening');

  const handle = async (op: ServerOp, arg: number | undefined): Promise<unknown> => {
    switch (op) {
      case 'begin':
        window = { cpu: cpuMs(), handshakes };
        return undefined;
      case 'end':
        return { cpuMs: cpuMs() - window.cpu, handshakes: handshakes - window.handshakes } satisfies ServerWindow;
      case 'baseline':
        baseline = await settledMemory();
        youngBefore = youngGenerationBytes();
        window = { cpu: 0, handshakes };
        return undefined;
      case 'measure': {
        const expected = arg ?? 0;
        const deadline = Date.now() + 30_000;
        while (handshakes - window.handshakes < expected && Date.now() < deadline) await sleep(10);
        await untilIdleHeap(youngBefore, cfg.memIdleSeconds);
        const m = await settledMemory();
        const b = baseline ?? m;
        return {
          connections: open.size,
          rssBytes: m.rss - b.rss,
          heapUsedBytes: m.heapUsed - b.heapUsed,
          externalBytes: m.external - b.external,
        } satisfies MemoryReading;
      }
    }
  };
  process.on('message', (msg: ToWorker) => {
    if (msg.t !== 'rpc') return;
    handle(msg.op, msg.arg).then(
      (result) => send({ t: 'rpc-reply', id: msg.id, result }),
      (err: unknown) => send({ t: 'rpc-reply', id: msg.id, error: errorText(err) }),
    );
  });
  send({ t: 'listening', port: (server.address() as AddressInfo).port, runtime: runtime() });
}

// ---------------------------------------------------------------- client

let nextRpc = 0;
const rpcWaiters = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function rpc<T>(op: ServerOp, arg?: number): Promise<T> {
  const id = ++nextRpc;
  send({ t: 'rpc', id, op, ...(arg !== undefined ? { arg } : {}) });
  return new Promise<T>((resolve, reject) => rpcWaiters.set(id, { resolve: resolve as (v: unknown) => void, reject }));
}

class Client {
  private session: Buffer | undefined;
  constructor(
    private readonly cfg: WorkerConfig,
    private readonly pems: Pems,
  ) {}

  private get tls(): TlsParams {
    return this.cfg.row.tls;
  }

  /** A new connection, handshake completed and checked against the row. */
  connect(resume = this.tls.resume === true): Promise<BenchSocket> {
    return new Promise((resolve, reject) => {
      let socket: BenchSocket;
      try {
        socket = connectTls(this.cfg.row.client, this.cfg.port!, this.tls, this.pems, resume ? this.session : undefined);
      } catch (err) {
        reject(err);
        return;
      }
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        socket.on('error', () => undefined); // after the handshake, callers watch for errors they care about
        try {
          this.check(socket, resume);
        } catch (err) {
          socket.destroy();
          reject(err);
          return;
        }
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
  }

  /** The negotiated parameters are the row's: a fallback would measure something else. */
  private check(socket: BenchSocket, resume: boolean): void {
    const protocol = socket.getProtocol();
    if (protocol !== this.tls.version) throw new Error(`negotiated ${protocol}, expected ${this.tls.version}`);
    const cipher = socket.getCipher();
    if (cipher?.standardName !== this.tls.standardName)
      throw new Error(`negotiated ${cipher?.standardName ?? cipher?.name}, expected ${this.tls.standardName}`);
    const group = (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name;
    if (group && group.toLowerCase() !== this.tls.group.toLowerCase()) throw new Error(`negotiated group ${group}, expected ${this.tls.group}`);
    if (resume && !socket.isSessionReused()) throw new Error('the server did not resume the session');
    if (!resume && socket.isSessionReused()) throw new Error('the session was resumed where a full handshake was expected');
  }

  /** Resumption rows: a full handshake whose ticket later handshakes resume from. */
  async takeSession(): Promise<void> {
    const socket = await this.connect(false);
    try {
      const [session] = (await Promise.race([
        once(socket, 'session'),
        sleep(3000).then(() => {
          throw new Error('no session ticket arrived within 3 s of the handshake');
        }),
      ])) as [Buffer];
      this.session = session;
    } finally {
      socket.end();
    }
  }

  async bulk(bytes: number): Promise<Sample> {
    const socket = await this.connect();
    const chunk = Buffer.alloc(this.cfg.writeBytes, 0x62);
    const request = Buffer.alloc(REQUEST_LENGTH);
    request[0] = this.cfg.row.direction === 'c2s' ? UPLOAD : DOWNLOAD;
    request.writeUInt32BE(bytes, 1);
    await rpc('begin');
    const cpu0 = cpuMs();
    const t0 = process.hrtime.bigint();
    if (this.cfg.row.direction === 'c2s') {
      const acked = receiveBytes(socket, 1);
      socket.write(request);
      await sendBulk(socket, bytes, chunk);
      await acked;
    } else {
      const received = receiveBytes(socket, bytes);
      socket.write(request);
      await received;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const clientCpu = cpuMs() - cpu0;
    const server = await rpc<ServerWindow>('end');
    socket.destroy();
    const mib = bytes / MiB;
    return { value: mib / seconds, clientCpu: clientCpu / mib, serverCpu: server.cpuMs / mib, detail: { seconds, bytes } };
  }

  async handshakes(seconds: number): Promise<Sample> {
    const concurrency = this.cfg.row.concurrency ?? 1;
    await rpc('begin');
    const cpu0 = cpuMs();
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    const loop = async (): Promise<number> => {
      let n = 0;
      while (performance.now() < deadline) {
        const socket = await this.connect();
        socket.end();
        n++;
      }
      return n;
    };
    const counts = await Promise.all(Array.from({ length: concurrency }, loop));
    const elapsed = (performance.now() - t0) / 1000;
    const clientCpu = cpuMs() - cpu0;
    await sleep(20); // the server finishes the last handshakes (it reads the client Finished last)
    const server = await rpc<ServerWindow>('end');
    const n = counts.reduce((a, b) => a + b, 0);
    return {
      value: n / elapsed,
      clientCpu: clientCpu / n,
      serverCpu: server.cpuMs / Math.max(1, server.handshakes),
      detail: { handshakes: n, serverHandshakes: server.handshakes, seconds: elapsed },
    };
  }

  async echo(count: number): Promise<Sample> {
    const socket = await this.connect();
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    socket.on('data', () => wake?.());
    socket.on('error', (err: Error) => {
      failure = err;
      wake?.();
    });
    const one = Buffer.from([0x2a]);
    const rtts: number[] = [];
    await rpc('begin');
    const cpu0 = cpuMs();
    for (let i = 0; i < count; i++) {
      const arrived = new Promise<void>((resolve) => (wake = resolve));
      const t0 = process.hrtime.bigint();
      socket.write(one);
      await arrived;
      if (failure) throw failure;
      rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    const clientCpu = cpuMs() - cpu0;
    const server = await rpc<ServerWindow>('end');
    socket.destroy();
    rtts.sort((a, b) => a - b);
    const at = (q: number): number => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))]!;
    return {
      value: at(0.5),
      clientCpu: (clientCpu * 1000) / count,
      serverCpu: (server.cpuMs * 1000) / count,
      detail: { p10: at(0.1), p90: at(0.9), p99: at(0.99), roundTrips: count },
    };
  }

  /** Opens `n` connections, at most 50 handshakes at a time, and keeps them. */
  private async openMany(n: number): Promise<BenchSocket[]> {
    const sockets: BenchSocket[] = [];
    let started = 0;
    const opener = async (): Promise<void> => {
      while (started < n) {
        started++;
        sockets.push(await this.connect());
      }
    };
    await Promise.all(Array.from({ length: Math.min(50, n) }, opener));
    return sockets;
  }

  async memory(): Promise<Sample> {
    const n = this.cfg.memConnections;
    const measuredHere = this.cfg.row.measured === 'client';
    // Warm up: whatever is set up once per process (code, contexts, caches) is not per connection.
    for (const s of await this.openMany(5)) s.destroy();
    await sleep(100);
    let before: NodeJS.MemoryUsage | undefined;
    const youngBefore = youngGenerationBytes();
    if (measuredHere) before = await settledMemory();
    else await rpc('baseline');
    const sockets = await this.openMany(n);
    await sleep(300); // tickets and other post-handshake messages arrive: the connections are idle now
    if (measuredHere) await untilIdleHeap(youngBefore, this.cfg.memIdleSeconds); // the server waits in 'measure'
    let reading: MemoryReading;
    if (measuredHere) {
      const m = await settledMemory();
      reading = {
        connections: sockets.length,
        rssBytes: m.rss - before!.rss,
        heapUsedBytes: m.heapUsed - before!.heapUsed,
        externalBytes: m.external - before!.external,
      };
    } else {
      reading = await rpc<MemoryReading>('measure', n);
    }
    if (reading.connections < n) throw new Error(`only ${reading.connections} of ${n} connections were established on the measured side`);
    for (const s of sockets) s.destroy();
    const perConnection = (bytes: number): number => bytes / reading.connections / 1024;
    return {
      value: perConnection(reading.rssBytes),
      detail: { connections: reading.connections, heapUsedKiB: perConnection(reading.heapUsedBytes), externalKiB: perConnection(reading.externalBytes) },
    };
  }
}

async function runClient(cfg: WorkerConfig): Promise<void> {
  const { row } = cfg;
  await loadImpl(row.client);
  const client = new Client(cfg, readPems(cfg.certs));
  let stage = 'handshake';
  const warmUp = async (): Promise<void> => {
    // The first handshake doubles as the probe: a missing feature shows up here.
    if (row.tls.resume) await client.takeSession();
    (await client.connect()).destroy();
    stage = 'warm-up';
    if (row.kind === 'bulk') await client.bulk(Math.max(MiB, Math.min(cfg.bulkBytes / 8, 32 * MiB)));
    if (row.kind === 'hs') await client.handshakes(Math.min(0.5, cfg.hsSeconds / 4));
    if (row.kind === 'echo') await client.echo(Math.max(20, Math.floor(cfg.echoCount / 10)));
  };
  const measure = (): Promise<Sample> => {
    switch (row.kind) {
      case 'bulk':
        return client.bulk(cfg.bulkBytes);
      case 'hs':
        return client.handshakes(cfg.hsSeconds);
      case 'echo':
        return client.echo(cfg.echoCount);
      case 'mem':
        return client.memory();
    }
  };
  process.on('message', (msg: ToWorker) => {
    switch (msg.t) {
      case 'rpc-reply': {
        const waiter = rpcWaiters.get(msg.id);
        rpcWaiters.delete(msg.id);
        if (msg.error !== undefined) waiter?.reject(new Error(`server: ${msg.error}`));
        else waiter?.resolve(msg.result);
        break;
      }
      case 'go':
        if (msg.step === 'warmup') {
          warmUp().then(
            () => send({ t: 'warm' }),
            (err: unknown) => send({ t: 'fail', stage, error: errorText(err) }),
          );
        } else {
          measure().then(
            (sample) => send({ t: 'sample', sample }),
            (err: unknown) => send({ t: 'fail', stage: 'measurement', error: errorText(err) }),
          );
        }
        break;
      default:
        break;
    }
  });
  send({ t: 'ready' });
}

// ---------------------------------------------------------------- main

process.on('message', (msg: ToWorker) => {
  if (msg.t === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
const [role, json] = process.argv.slice(2);
const config = JSON.parse(json ?? '{}') as WorkerConfig;
(role === 'server' ? runServer(config) : runClient(config)).catch((err: unknown) => {
  send({ t: 'fail', stage: `${role} worker`, error: errorText(err) });
});
