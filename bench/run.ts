// `npm run bench`: tlskit and node:tls side by side on 127.0.0.1, server and client in separate
// processes, one process pair per row (memory rows: per repetition). Prints a table of medians
// with min–max and the ratio tlskit / node:tls per row, and writes the same as JSON.
// Usage: node dist/bench/run.js [--quick] [--only a,b] [--json path] [--cpu-prof row] [--node path] ...
import { spawn, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintCertificates, removeCertificates, type BenchCertificates } from './certs.js';
import { allRows, type Row } from './scenarios.js';
import type { FromWorker, Runtime, Sample, ToWorker, WorkerConfig } from './protocol.js';
import { addRatios, formatTable, formatTargets, num, rowResult, type Machine, type RowResult } from './report.js';
import { formatHotFunctions } from './profile.js';

const MiB = 1024 * 1024;

interface Settings {
  quick: boolean;
  only: string[];
  json: string;
  cpuProf: string | undefined;
  profileDir: string;
  node: string;
  reps: number;
  memReps: number;
  bulkMiB: number;
  writeBytes: number;
  hsSeconds: number;
  echoCount: number;
  memConnections: number;
  memIdleSeconds: number;
  /** Seconds a process pair may take before the row counts as failed. */
  timeout: number;
  list: boolean;
}

const USAGE = `usage: npm run bench -- [options]
  --quick               a short run (about 2 minutes): smaller transfers, shorter handshake windows
  --only <s>[,<s>...]   only rows whose id contains one of the substrings (repeatable)
  --json <path>         where the results go (default bench-results.json)
  --cpu-prof <s>        profile rows whose id contains <s> (both processes, --cpu-prof) and list hot functions
  --profile-dir <dir>   where profiles go (default bench-profiles)
  --node <path>         run the server and client processes under this node binary
  --reps <n>            measured repetitions per row (default 3)
  --mem-reps <n>        repetitions of memory rows, each in fresh processes (default 3, quick 1)
  --bulk-mib <n>        MiB per bulk transfer (default 256, quick 16)
  --write-bytes <n>     application write size in bulk transfers (default 16384)
  --hs-seconds <s>      seconds per handshake repetition (default 2, quick 0.25)
  --echo-count <n>      round trips per echo repetition (default 2000, quick 200)
  --mem-connections <n> idle connections per memory repetition (default 1000, quick 500)
  --mem-idle <s>        at most this long, wait for V8 to give back its grown young generation before a memory reading (default 45, quick 10)
  --timeout <s>         seconds a row's processes may run (default 180)
  --list                print the row ids and exit`;

function parseArgs(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  const s: Settings = {
    quick,
    only: [],
    json: 'bench-results.json',
    cpuProf: undefined,
    profileDir: 'bench-profiles',
    node: process.execPath,
    reps: 3,
    memReps: quick ? 1 : 3,
    bulkMiB: quick ? 16 : 256,
    writeBytes: 16 * 1024,
    hsSeconds: quick ? 0.25 : 2,
    echoCount: quick ? 200 : 2000,
    memConnections: quick ? 500 : 1000,
    memIdleSeconds: quick ? 10 : 45,
    timeout: 180,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const number = (): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${arg} needs a positive number`);
      return v;
    };
    const nonNegative = (): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${arg} needs a number ≥ 0`);
      return v;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--only':
        s.only.push(
          ...value()
            .split(',')
            .filter((x) => x.length > 0),
        );
        break;
      case '--json':
        s.json = value();
        break;
      case '--cpu-prof':
        s.cpuProf = value();
        break;
      case '--profile-dir':
        s.profileDir = value();
        break;
      case '--node':
        s.node = value();
        break;
      case '--reps':
        s.reps = Math.round(number());
        break;
      case '--mem-reps':
        s.memReps = Math.round(number());
        break;
      case '--bulk-mib':
        s.bulkMiB = number();
        break;
      case '--write-bytes':
        s.writeBytes = Math.round(number());
        break;
      case '--hs-seconds':
        s.hsSeconds = number();
        break;
      case '--echo-count':
        s.echoCount = Math.round(number());
        break;
      case '--mem-connections':
        s.memConnections = Math.round(number());
        break;
      case '--mem-idle':
        s.memIdleSeconds = nonNegative();
        break;
      case '--timeout':
        s.timeout = number();
        break;
      case '--list':
        s.list = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return s;
}

function workerRuntime(node: string): Runtime {
  const out = execFileSync(node, ['-p', 'JSON.stringify({ node: process.version, openssl: process.versions.openssl, execPath: process.execPath })'], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as Runtime;
}

function machine(settings: Settings): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    orchestratorNode: process.version,
    worker: workerRuntime(settings.node),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ---------------------------------------------------------------- one process pair

type Failure = { readonly stage: string; readonly error: string };

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));
const portableScript = fileURLToPath(new URL('./portable.js', import.meta.url));

/** The section ids of the portable provider's comparison (./portable.ts), for --only and --list. */
const PORTABLE_IDS = ['portable:node', 'portable:chromium'] as const;

/**
 * The portable provider against node:crypto (in-memory handshakes and throughput), and in
 * Chromium tlskit against subtls: ./portable.ts in its own process, its table as it prints it.
 */
function runPortable(settings: Settings, ids: readonly string[]): string {
  const args = [portableScript, '--seconds', settings.quick ? '0.5' : '2', ...(ids.includes('portable:chromium') ? ['--browser'] : [])];
  const run = spawnSync(settings.node, args, { encoding: 'utf8', timeout: settings.timeout * 1000 * 2 });
  if (run.status !== 0) process.exitCode = 1;
  if (run.status !== 0) return `portable provider comparison failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`;
  return run.stdout.trimEnd();
}

function slug(id: string): string {
  return id.replace(/[^a-zA-Z0-9-]+/g, '_');
}

/** A server process and a client process serving one row; the client runs steps on request. */
class Pair {
  failure: Failure | undefined;
  private readonly children: ChildProcess[] = [];
  private client: ChildProcess | undefined;
  private waiter: ((msg: FromWorker | Failure) => void) | undefined;
  private closed = false;

  private constructor(
    readonly row: Row,
    private readonly settings: Settings,
  ) {}

  /** Starts both processes; resolves when the client is ready (or the pair failed: see `failure`). */
  static async start(row: Row, settings: Settings, certs: BenchCertificates, profileTag: string | undefined): Promise<Pair> {
    const pair = new Pair(row, settings);
    const base: Omit<WorkerConfig, 'role'> = {
      row,
      certs,
      bulkBytes: Math.round(settings.bulkMiB * MiB),
      writeBytes: settings.writeBytes,
      hsSeconds: settings.hsSeconds,
      echoCount: settings.echoCount,
      memConnections: settings.memConnections,
      memIdleSeconds: settings.memIdleSeconds,
    };
    const spawnWorker = (role: 'server' | 'client', port?: number): ChildProcess => {
      const config: WorkerConfig = { ...base, role, ...(port !== undefined ? { port } : {}) };
      const flags = ['--expose-gc'];
      if (profileTag !== undefined) flags.push('--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${profileTag}.${role}.cpuprofile`);
      const child = spawn(settings.node, [...flags, workerScript, role, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      pair.children.push(child);
      child.on('exit', (code, signal) => pair.deliver({ stage: role, error: `${role} process exited (${signal ?? code})` }));
      return child;
    };
    const server = spawnWorker('server');
    server.on('message', (msg: FromWorker) => {
      if (msg.t === 'rpc-reply') pair.post(pair.client, msg);
      else pair.deliver(msg);
    });
    const listening = await pair.next();
    if (!('t' in listening) || listening.t !== 'listening') return pair;
    pair.client = spawnWorker('client', listening.port);
    pair.client.on('message', (msg: FromWorker) => {
      if (msg.t === 'rpc') pair.post(server, msg);
      else pair.deliver(msg);
    });
    await pair.next(); // 'ready'
    return pair;
  }

  private post(child: ChildProcess | undefined, msg: ToWorker): void {
    if (child?.connected) child.send(msg);
  }

  private deliver(msg: FromWorker | Failure): void {
    if (this.closed) return;
    if (!('t' in msg) || msg.t === 'fail') this.failure ??= { stage: msg.stage, error: msg.error };
    const w = this.waiter;
    this.waiter = undefined;
    w?.(msg);
  }

  /** The next message from either process, or a failure (including a timeout). */
  private next(): Promise<FromWorker | Failure> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolveNext) => {
      const timer = setTimeout(() => this.deliver({ stage: 'timeout', error: `no answer within ${this.settings.timeout} s` }), this.settings.timeout * 1000);
      this.waiter = (msg) => {
        clearTimeout(timer);
        resolveNext(msg);
      };
    });
  }

  /** Runs the warm-up (with the probe handshake) or one measured repetition. */
  async step(step: 'warmup' | number): Promise<Sample | undefined> {
    if (this.failure) return undefined;
    this.post(this.client, { t: 'go', step });
    const msg = await this.next();
    return 't' in msg && msg.t === 'sample' ? msg.sample : undefined;
  }

  /** Ends both processes: cleanly, so that --cpu-prof writes its profiles; killed after 10 s. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            this.post(child, { t: 'exit' });
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  }
}

// ---------------------------------------------------------------- the run

interface RowState {
  readonly row: Row;
  readonly samples: Sample[];
  failure?: Failure;
  seconds: number;
  readonly profileTags: string[];
}

/** `items` rotated left by `n`: each round starts with a different row, so no row is always first. */
function rotate<T>(items: readonly T[], n: number): T[] {
  const k = items.length === 0 ? 0 : n % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Runs the rows of one scenario (the implementation pairs of one kind, scenario and variant)
 * taking turns: round r measures every row once before round r + 1 starts, so that a change in
 * the machine's load during the group touches tlskit and node:tls alike.
 */
async function runGroup(rows: readonly Row[], settings: Settings, certs: BenchCertificates): Promise<RowState[]> {
  const states = rows.map((row): RowState => ({ row, samples: [], seconds: 0, profileTags: [] }));
  const profiled = (s: RowState): boolean => settings.cpuProf !== undefined && s.row.id.includes(settings.cpuProf);
  const timed = async <T>(s: RowState, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      s.seconds += (performance.now() - t0) / 1000;
    }
  };
  const record = (s: RowState, pair: Pair, sample: Sample | undefined): void => {
    if (sample) s.samples.push(sample);
    else s.failure ??= pair.failure;
  };

  if (rows[0]?.kind === 'mem') {
    // Memory: every repetition in fresh processes.
    for (let round = 0; round < settings.memReps; round++) {
      for (const s of rotate(states, round)) {
        if (s.failure) continue;
        const tag = profiled(s) ? `${slug(s.row.id)}.${round + 1}` : undefined;
        if (tag) s.profileTags.push(tag);
        await timed(s, async () => {
          const pair = await Pair.start(s.row, settings, certs, tag);
          if (await pair.step('warmup').then(() => !pair.failure)) record(s, pair, await pair.step(0));
          else s.failure = pair.failure;
          await pair.close();
        });
      }
    }
    return states;
  }

  const pairs = await Promise.all(
    states.map((s) => {
      const tag = profiled(s) ? slug(s.row.id) : undefined;
      if (tag) s.profileTags.push(tag);
      return Pair.start(s.row, settings, certs, tag);
    }),
  );
  const live = (): number[] => states.map((_, i) => i).filter((i) => !states[i]!.failure && !pairs[i]!.failure);
  for (const i of live()) {
    await timed(states[i]!, () => pairs[i]!.step('warmup'));
    if (pairs[i]!.failure) states[i]!.failure = pairs[i]!.failure;
  }
  for (const i of states.keys()) if (pairs[i]!.failure) states[i]!.failure ??= pairs[i]!.failure;
  for (let round = 0; round < settings.reps; round++) {
    for (const i of rotate(live(), round)) {
      const sample = await timed(states[i]!, () => pairs[i]!.step(round));
      record(states[i]!, pairs[i]!, sample);
    }
  }
  await Promise.all(pairs.map((p) => p.close()));
  return states;
}

function finishRow(s: RowState, settings: Settings, machineInfo: Machine): RowResult {
  const { row, failure } = s;
  let status: RowResult['status'] = 'ok';
  let reason: string | undefined;
  if (failure) {
    if (row.feature && (failure.stage === 'handshake' || failure.stage === 'server setup')) {
      // A missing feature, not a failure of the run: the row lights up once the feature lands.
      status = 'n/a';
      // Which side lacks it: the server when it could not start; a node:tls client whose own
      // options were refused (OpenSSL's "Failed to set ..."); else the pair, with the error.
      const nodeLacks = `not supported by node ${machineInfo.worker.node} (OpenSSL ${machineInfo.worker.openssl})`;
      const lacking =
        failure.stage === 'server setup'
          ? row.server
          : row.client === 'node' && /^Failed to set /.test(failure.error)
            ? 'node'
            : row.client === 'tlskit' && row.server === 'tlskit'
              ? 'tlskit'
              : undefined;
      const who = lacking === 'tlskit' ? 'not implemented in tlskit' : lacking === 'node' ? nodeLacks : 'the handshake failed';
      reason = `${who}: ${failure.error}`;
    } else {
      status = 'error';
      reason = `${failure.stage}: ${failure.error}`;
    }
  }
  const profiled = s.profileTags.length > 0;
  for (const tag of s.profileTags) {
    for (const role of ['server', 'client']) {
      const file = resolve(settings.profileDir, `${tag}.${role}.cpuprofile`);
      if (existsSync(file)) console.error(`\n${role} of ${row.id}:\n${formatHotFunctions(file)}`);
    }
  }
  return rowResult(row, { samples: s.samples, status, ...(reason !== undefined ? { reason } : {}), seconds: s.seconds, profiled });
}

function progressLine(i: number, n: number, r: RowResult): string {
  const head = `[${String(i).padStart(String(n).length)}/${n}] ${r.id}`;
  if (r.status !== 'ok') return `${head}  ${r.status === 'n/a' ? 'n/a' : 'ERROR'}: ${r.reason}`;
  return `${head}  ${num(r.median!)} ${r.unit} (${num(r.min!)}–${num(r.max!)}) in ${r.seconds.toFixed(1)} s`;
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const rows = allRows().filter((r) => settings.only.length === 0 || settings.only.some((s) => r.id.includes(s)));
  // The Chromium part is left out of quick runs (it starts a browser and moves 8 MiB per library).
  const portableIds = PORTABLE_IDS.filter((id) =>
    settings.only.length === 0 ? !(settings.quick && id === 'portable:chromium') : settings.only.some((s) => id.includes(s)),
  );
  if (settings.list) {
    for (const r of rows) console.log(r.id);
    for (const id of PORTABLE_IDS) console.log(id);
    return;
  }
  if (rows.length === 0 && portableIds.length === 0) throw new Error(`no row matches --only ${settings.only.join(',')}`);
  if (settings.cpuProf !== undefined) mkdirSync(settings.profileDir, { recursive: true });
  const machineInfo = machine(settings);
  const started = new Date();
  console.error(
    `tlskit bench: ${rows.length} rows, ${settings.quick ? 'quick' : 'full'} run; ${machineInfo.nproc} × ${machineInfo.cpuModel}; ` +
      `workers: node ${machineInfo.worker.node} (OpenSSL ${machineInfo.worker.openssl}) ${machineInfo.worker.execPath}`,
  );
  if (machineInfo.loadAverage[0]! > machineInfo.nproc / 2) {
    console.error(
      `warning: the machine is busy (load average ${machineInfo.loadAverage.join(', ')} on ${machineInfo.nproc} CPUs): timings will be noisy; CPU per operation less so`,
    );
  }
  const certs = mintCertificates();
  const results: RowResult[] = [];
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(r.baseline, [...(groups.get(r.baseline) ?? []), r]);
  try {
    for (const group of groups.values()) {
      for (const state of await runGroup(group, settings, certs)) {
        const result = finishRow(state, settings, machineInfo);
        results.push(result);
        console.error(progressLine(results.length, rows.length, result));
      }
    }
  } finally {
    removeCertificates(certs);
  }
  addRatios(results);
  const portable = portableIds.length > 0 ? runPortable(settings, portableIds) : undefined;
  const json = {
    version: 1,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    mode: settings.quick ? 'quick' : 'full',
    machine: { ...machineInfo, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    settings: {
      reps: settings.reps,
      memReps: settings.memReps,
      bulkMiB: settings.bulkMiB,
      writeBytes: settings.writeBytes,
      hsSeconds: settings.hsSeconds,
      echoCount: settings.echoCount,
      memConnections: settings.memConnections,
      memIdleSeconds: settings.memIdleSeconds,
      only: settings.only,
      cpuProf: settings.cpuProf ?? null,
    },
    rows: results,
    ...(portable !== undefined ? { portable: { sections: portableIds, output: portable } } : {}),
  };
  writeFileSync(settings.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(
    `tlskit bench, ${json.mode} run, ${started.toISOString()}: ${machineInfo.nproc} × ${machineInfo.cpuModel}, ${machineInfo.memoryGiB} GiB, ${machineInfo.kernel}\n` +
      `workers: node ${machineInfo.worker.node} (OpenSSL ${machineInfo.worker.openssl}) ${machineInfo.worker.execPath}; ${settings.reps} repetitions per row ` +
      `(memory: ${settings.memReps}, fresh processes each); ratio = row / node↔node row of the same scenario\n` +
      `load average at start ${machineInfo.loadAverage.join(', ')}, at end ${json.machine.loadAverageAtEnd.join(', ')}`,
  );
  console.log(formatTable(results));
  console.log(formatTargets(results));
  if (portable !== undefined) console.log(`\nPortable provider (${portableIds.join(', ')}):\n${portable}`);
  console.log(`\nJSON: ${join(process.cwd(), settings.json) === resolve(settings.json) ? settings.json : resolve(settings.json)} (${json.seconds} s)`);
  if (results.some((r) => r.status === 'error')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
});
