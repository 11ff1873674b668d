// Reads a V8 .cpuprofile (written by --cpu-prof) and lists the functions with the most self time:
// enough to see where a row spends its CPU without opening DevTools.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly percent: number;
}

function location(url: string, line: number): string {
  if (url === '') return '';
  let path = url;
  if (url.startsWith('file://')) path = relative(process.cwd(), fileURLToPath(url));
  return `${path}:${line + 1}`;
}

/** Functions by self time, most first; percentages are of the busy (non-idle) time. */
export function hotFunctions(file: string, top = 15): { sampledMs: number; busyMs: number; functions: HotFunction[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    totalUs += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const key = `${functionName}@${url}:${lineNumber}`;
    const entry = selfUs.get(key) ?? { name: functionName || '(anonymous)', location: location(url, lineNumber), us: 0 };
    entry.us += dt;
    selfUs.set(key, entry);
  }
  const busyUs = totalUs - idleUs;
  const functions = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, percent: busyUs > 0 ? (100 * e.us) / busyUs : 0 }));
  return { sampledMs: totalUs / 1000, busyMs: busyUs / 1000, functions };
}

export function formatHotFunctions(file: string, top = 15): string {
  const { sampledMs, busyMs, functions } = hotFunctions(file, top);
  const lines = [
    `${relative(process.cwd(), file)}: ${busyMs.toFixed(0)} ms busy of ${sampledMs.toFixed(0)} ms (process start included); top ${functions.length} by self time`,
  ];
  for (const f of functions) {
    lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.name}  ${f.location}`);
  }
  return lines.join('\n');
}

// As a command: node dist/bench/profile.js <file.cpuprofile> [top]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatHotFunctions(file, top ? Number(top) : 25));
}
