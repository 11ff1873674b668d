// A small coverage-guided fuzzer on V8's own block coverage (node:inspector, Profiler precise
// coverage): no native add-on, nothing to download. The loop runs in a worker thread: it takes an
// input from the corpus, mutates it, runs the target, and keeps the input when it reached code
// blocks (or block hit counts) no earlier input did. The main thread is a watchdog: the worker
// copies each input into shared memory before running it, so a hang is caught and saved too.
//
//   npm run fuzz -- record 60          fuzz the record target for 60 s, saving new corpus entries
//   npm run fuzz -- all 30             each target for 30 s
//   node dist/fuzz/fuzzer.js der 10 --no-save
//
// Corpus: fuzz/corpus/<target>/<sha1>; crashes and hangs: fuzz/crashes/<target>-<kind>-<sha1>.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRuntime } from '../test/helpers/runtimes.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/fuzz). */
export const repoRoot = resolve(here, '..', '..');
export const corpusDir = (target: string): string => join(repoRoot, 'fuzz', 'corpus', target);
const crashDir = join(repoRoot, 'fuzz', 'crashes');
const MAX_INPUT = 16 * 1024;

export interface FuzzOptions {
  readonly seconds: number;
  /** Write new corpus entries and crashes to fuzz/ (default false). */
  readonly save?: boolean;
  /** A run without progress for this long is a hang (default 10 s). */
  readonly hangMs?: number;
  readonly seed?: number;
}

export interface FuzzResult {
  readonly target: string;
  readonly executions: number;
  readonly corpusSize: number;
  readonly newEntries: number;
  readonly features: number;
  readonly crash?: { readonly kind: 'crash' | 'hang'; readonly message: string; readonly input: Uint8Array; readonly file?: string };
}

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

function loadCorpus(target: string): Uint8Array[] {
  const dir = corpusDir(target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Fuzzes one target for the given time; resolves with what happened (a crash is reported, not thrown). */
export function fuzz(target: string, options: FuzzOptions): Promise<FuzzResult> {
  const shared = new SharedArrayBuffer(8 + MAX_INPUT);
  const progress = new Int32Array(shared, 0, 2); // [executions, length of the input now running]
  const current = new Uint8Array(shared, 8, MAX_INPUT);
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { target, seconds: options.seconds, seed: options.seed ?? Date.now() & 0x7fffffff, shared, corpus: loadCorpus(target) },
  });
  const hangMs = options.hangMs ?? 10_000;
  let newEntries = 0;
  return new Promise((resolvePromise, reject) => {
    let lastCount = -1;
    let lastChange = Date.now();
    let finished = false;
    const finish = (result: FuzzResult): void => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      void worker.terminate();
      let file: string | undefined;
      if (result.crash && options.save) {
        mkdirSync(crashDir, { recursive: true });
        file = join(crashDir, `${target}-${result.crash.kind}-${sha1(result.crash.input)}`);
        writeFileSync(file, result.crash.input);
      }
      resolvePromise(result.crash && file ? { ...result, crash: { ...result.crash, file } } : result);
    };
    const watchdog = setInterval(() => {
      const count = Atomics.load(progress, 0);
      if (count !== lastCount) {
        lastCount = count;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < hangMs) return;
      const input = current.slice(0, Atomics.load(progress, 1));
      finish({ target, executions: count, corpusSize: 0, newEntries, features: 0, crash: { kind: 'hang', message: `no progress for ${hangMs} ms`, input } });
    }, 200);
    worker.on('message', (msg: { kind: string; input?: Uint8Array; result?: FuzzResult }) => {
      if (msg.kind === 'entry' && msg.input) {
        newEntries++;
        if (options.save) {
          mkdirSync(corpusDir(target), { recursive: true });
          writeFileSync(join(corpusDir(target), sha1(msg.input)), msg.input);
        }
      } else if (msg.kind === 'done' && msg.result) {
        finish({ ...msg.result, newEntries });
      }
    });
    worker.on('error', (err) => {
      if (!finished) {
        finished = true;
        clearInterval(watchdog);
        reject(err);
      }
    });
  });
}

// ---- the worker: coverage, mutation, the loop ----

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface FunctionCoverage {
  ranges: Range[];
}
interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: FunctionCoverage[];
}

class Coverage {
  private readonly session = new Session();
  private readonly seen = new Set<string>();
  /** Functions and blocks that ever ran (whatever their hit counts). */
  private readonly ran = new Set<string>();
  /** Blocks seen unexecuted at least once, per function: when one later runs, that is new coverage. */
  private readonly knownBlocks = new Map<string, Set<string>>();

  constructor() {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.take(); // forget what loading did
  }

  get size(): number {
    return this.seen.size;
  }

  private post(method: string, params?: object): unknown {
    let result: unknown;
    let error: Error | null = null;
    this.session.post(method, params ?? {}, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  }

  private take(): ScriptCoverage[] {
    return (this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] }).result;
  }

  /**
   * Features of the runs since the last call; returns how many were new. `peek` (after a batch of
   * runs) only asks whether a function or block ran that never ran before, and remembers nothing.
   */
  collect(peek = false): number {
    let fresh = 0;
    const note = (identity: string, count: number): void => {
      if (peek) {
        if (!this.ran.has(identity)) fresh++;
        return;
      }
      this.ran.add(identity);
      const feature = `${identity}/${bucket(count)}`;
      if (!this.seen.has(feature)) {
        this.seen.add(feature);
        fresh++;
      }
    };
    for (const script of this.take()) {
      if (!script.url.includes('/dist/src/')) continue;
      for (const fn of script.functions) {
        const [whole, ...blocks] = fn.ranges;
        if (!whole || whole.count === 0) continue;
        const key = `${script.scriptId}:${whole.startOffset}`;
        note(key, whole.count);
        let known = this.knownBlocks.get(key);
        if (!known) this.knownBlocks.set(key, (known = new Set()));
        const zero = new Set<string>();
        for (const b of blocks) {
          const id = `${b.startOffset}-${b.endOffset}`;
          if (b.count === 0) zero.add(id);
          // Which ranges V8 reports depends on the counts (it merges equal ones): a batch's summed
          // counts split ranges differently, so a peek trusts only blocks once seen unexecuted.
          else if (!peek || known.has(id)) note(`${key}:${id}`, b.count);
        }
        // A block reported unexecuted once and absent now ran as often as its function.
        for (const id of known) if (!zero.has(id)) note(`${key}:${id}`, whole.count);
        if (!peek) for (const id of zero) known.add(id);
      }
    }
    return fresh;
  }
}

/** AFL-style hit-count buckets. */
function bucket(count: number): number {
  if (count <= 3) return count;
  if (count <= 7) return 4;
  if (count <= 15) return 8;
  if (count <= 31) return 16;
  if (count <= 127) return 32;
  return 128;
}

class Random {
  constructor(private state: number) {}
  next(): number {
    // xorshift32
    let x = this.state || 1;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const interesting = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0f, 0x10, 0x16, 0x17, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff];

function mutate(input: Uint8Array, corpus: readonly Uint8Array[], rnd: Random): Uint8Array {
  let b = Array.from(input);
  const rounds = 1 + rnd.below(rnd.below(8) + 1);
  for (let i = 0; i < rounds; i++) {
    const at = rnd.below(b.length);
    switch (rnd.below(11)) {
      case 0:
        if (b.length) b[at]! ^= 1 << rnd.below(8);
        break;
      case 1:
        if (b.length) b[at] = rnd.below(256);
        break;
      case 2:
        if (b.length) b[at] = interesting[rnd.below(interesting.length)]!;
        break;
      case 3:
        if (b.length) b[at] = (b[at]! + (rnd.below(2) ? 1 : 255)) & 0xff;
        break; // a length off by one
      case 4:
        if (b.length > 1) {
          // a 16-bit big-endian value off by a little
          const p = rnd.below(b.length - 1);
          const v = (((b[p]! << 8) | b[p + 1]!) + rnd.below(33) - 16) & 0xffff;
          b[p] = v >>> 8;
          b[p + 1] = v & 0xff;
        }
        break;
      case 5:
        if (b.length > 1) b.splice(at, 1 + rnd.below(Math.min(16, b.length - at)));
        break;
      case 6:
        b.splice(at, 0, ...Array.from({ length: 1 + rnd.below(8) }, () => rnd.below(256)));
        break;
      case 7:
        if (b.length) {
          // duplicate a chunk
          const len = 1 + rnd.below(Math.min(64, b.length - at));
          b.splice(rnd.below(b.length), 0, ...b.slice(at, at + len));
        }
        break;
      case 8:
        if (b.length > 2) {
          // copy a chunk over another place
          const len = 1 + rnd.below(Math.min(32, b.length - at));
          const to = rnd.below(b.length - len + 1);
          const chunk = b.slice(at, at + len);
          for (let k = 0; k < chunk.length; k++) b[to + k] = chunk[k]!;
        }
        break;
      case 9:
        if (b.length > 1) b = b.slice(0, 1 + rnd.below(b.length));
        break; // truncate
      case 10:
        {
          // splice with another corpus entry
          const other = corpus[rnd.below(corpus.length)];
          if (other && other.length > 0) {
            const from = rnd.below(other.length);
            b = [...b.slice(0, at), ...other.slice(from, from + 1 + rnd.below(other.length - from))];
          }
        }
        break;
    }
  }
  if (b.length > MAX_INPUT) b.length = MAX_INPUT;
  return Uint8Array.from(b);
}

async function runWorker(data: { target: string; seconds: number; seed: number; shared: SharedArrayBuffer; corpus: Uint8Array[] }): Promise<void> {
  const { targets } = await import('./targets.js');
  const run = targets[data.target];
  if (!run) throw new Error(`unknown fuzz target ${data.target} (known: ${Object.keys(targets).join(', ')})`);
  const progress = new Int32Array(data.shared, 0, 2);
  const current = new Uint8Array(data.shared, 8, MAX_INPUT);
  const coverage = new Coverage();
  const rnd = new Random(data.seed);
  const corpus: Uint8Array[] = [];
  let executions = 0;
  const done = (crash?: FuzzResult['crash']): void => {
    parentPort!.postMessage({
      kind: 'done',
      result: { target: data.target, executions, corpusSize: corpus.length, newEntries: 0, features: coverage.size, ...(crash ? { crash } : {}) },
    });
  };
  /** Runs one input; returns 'crash', or (unless `batched`) how many coverage features it added. */
  const execute = (input: Uint8Array, batched = false): 'crash' | number => {
    current.set(input.subarray(0, MAX_INPUT));
    Atomics.store(progress, 1, Math.min(input.length, MAX_INPUT));
    try {
      run(input);
    } catch (err) {
      coverage.collect();
      done({ kind: 'crash', message: err instanceof Error ? (err.stack ?? err.message) : String(err), input });
      return 'crash';
    } finally {
      Atomics.store(progress, 0, ++executions);
    }
    return batched ? 0 : coverage.collect();
  };
  // The saved corpus first: every entry must still pass (regressions), and it seeds the coverage.
  for (const input of data.corpus.length > 0 ? data.corpus : [new Uint8Array(1)]) {
    const fresh = execute(input);
    if (fresh === 'crash') return;
    corpus.push(input);
  }
  // Coverage is taken once per batch (it costs more than most runs); a batch that ran a block never
  // run before is run again input by input to find which ones did.
  const BATCH = 16;
  const deadline = Date.now() + data.seconds * 1000;
  while (Date.now() < deadline) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < BATCH; i++) {
      const input = mutate(corpus[rnd.below(corpus.length)]!, corpus, rnd);
      if (execute(input, true) === 'crash') return;
      batch.push(input);
    }
    if (coverage.collect(true) === 0) continue;
    for (const input of batch) {
      const fresh = execute(input);
      if (fresh === 'crash') return;
      if (fresh > 0) {
        corpus.push(input);
        parentPort!.postMessage({ kind: 'entry', input });
      }
    }
  }
  done();
}

async function main(argv: string[]): Promise<void> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const save = !argv.includes('--no-save');
  const { targets } = await import('./targets.js');
  const which = args[0] ?? 'all';
  const seconds = Number(args[1] ?? 60);
  const names = which === 'all' ? Object.keys(targets) : [which];
  console.log(`fuzzing on ${describeRuntime()}`);
  let failed = false;
  for (const name of names) {
    const result = await fuzz(name, { seconds, save });
    console.log(
      `${name}: ${result.executions} executions in ${seconds} s, ${result.features} coverage features, corpus ${result.corpusSize} (${result.newEntries} new${save ? ', saved' : ''})`,
    );
    if (result.crash) {
      failed = true;
      console.log(`${name}: ${result.crash.kind}${result.crash.file ? ` saved to ${result.crash.file}` : ''}\n${result.crash.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

if (!isMainThread && workerData?.shared) {
  void runWorker(workerData);
} else if (isMainThread && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2));
}
