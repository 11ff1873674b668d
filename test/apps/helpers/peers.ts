// Real peers as child processes, and bounded waits, for the application tests. Every wait has a
// timeout; a process that never becomes ready fails the test with its command line and output.
// Tests stop what they started in a `finally`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STEP_TIMEOUT_MS, freePort, once, withTimeout } from '../../helpers/peers.js';

export const STEP_MS = STEP_TIMEOUT_MS;

// The bounded waits every test shares; `onceEvent` is the same as `once` (rejects on 'error' or
// 'close' first).
export { freePort, once as onceEvent, withTimeout };

/** A skip reason when `command` cannot run, else false. */
export function missing(command: string, args: readonly string[] = ['--version']): string | false {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 });
  return r.error || (r.status !== 0 && r.status !== 1) ? `${command} is not installed` : false;
}

export function tempDir(prefix = 'tlskit-apps-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Peer {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when `pattern` appears in the output; the match. */
  waitFor(pattern: RegExp, what: string, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process has exited (bounded). */
  exited(ms?: number): Promise<number | null>;
  /** SIGTERM, then SIGKILL if it lingers; waits (bounded) for the exit. */
  stop(): Promise<void>;
}

/** Starts `command`; `ready` (if given) must appear in its output within `ms`. */
export async function startPeer(
  command: string,
  args: readonly string[],
  options: { ready?: RegExp; ms?: number; cwd?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {},
): Promise<Peer> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'] });
  let text = '';
  let listeners: (() => void)[] = [];
  const onOutput = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
      for (const l of listeners) l();
    });
    child.once('error', () => {
      exitCode = -1;
      resolve(-1);
      for (const l of listeners) l();
    });
  });
  const describe = `${command} ${args.join(' ')}`;
  const peer: Peer = {
    child,
    output: () => text,
    waitFor(pattern, what, ms = STEP_MS) {
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = (): void => {
          const m = text.match(pattern);
          if (m) {
            listeners = listeners.filter((l) => l !== check);
            resolve(m);
          } else if (exitCode !== undefined) {
            listeners = listeners.filter((l) => l !== check);
            reject(new Error(`${what}: ${describe} exited (${exitCode}) first; output:\n${text}`));
          }
        };
        listeners.push(check);
        check();
      });
      return withTimeout(found, ms, `${what} (${describe}); output so far:\n${text}`);
    },
    exited: (ms = STEP_MS) => withTimeout(exit, ms, `${describe} to exit; output:\n${text}`),
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await withTimeout(exit, 5_000, `${describe} to stop`).finally(() => clearTimeout(timer));
    },
  };
  if (options.ready) {
    try {
      await peer.waitFor(options.ready, 'waiting for the peer to be ready', options.ms);
    } catch (err) {
      await peer.stop().catch(() => undefined);
      throw err;
    }
  }
  return peer;
}

/** Runs `command` to completion without blocking the event loop (in-process servers keep serving). */
export async function run(
  command: string,
  args: readonly string[],
  options: { input?: string | Uint8Array; ms?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const peer = await startPeer(command, args, { ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
  let stdout = '';
  let stderr = '';
  peer.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  peer.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  if (options.input !== undefined) peer.child.stdin!.end(options.input);
  else peer.child.stdin!.end();
  try {
    const status = await peer.exited(options.ms ?? 20_000);
    return { status, stdout, stderr };
  } finally {
    await peer.stop();
  }
}
