// Results: statistics over repetitions, ratios against node:tls, the printed table and the JSON.
import { metrics, targetFor, type Kind, type Row } from './scenarios.js';
import type { Runtime, Sample } from './protocol.js';

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** CPU per unit of work reported with each row's samples. */
export const cpuUnits: Record<Kind, string | undefined> = {
  bulk: 'ms/MiB',
  hs: 'ms/hs',
  echo: 'µs/rt',
  mem: undefined,
};

export interface RowResult {
  readonly id: string;
  readonly kind: Kind;
  readonly scenario: string;
  readonly variant: string;
  readonly client: string;
  readonly server: string;
  readonly measured?: string;
  readonly status: 'ok' | 'n/a' | 'error';
  readonly reason?: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly samples: readonly number[];
  readonly median?: number;
  readonly min?: number;
  readonly max?: number;
  readonly cpuUnit?: string;
  readonly clientCpu?: Stats;
  readonly serverCpu?: Stats;
  readonly details: readonly Readonly<Record<string, number>>[];
  readonly baseline: string;
  /** This row's median over its baseline's (node:tls at both ends): tlskit / node:tls. */
  ratio?: number;
  target?: { readonly op: '≥' | '≤'; readonly value: number; met?: boolean };
  readonly seconds: number;
  readonly profiled?: boolean;
}

export function rowResult(
  row: Row,
  outcome: { samples: readonly Sample[]; status: RowResult['status']; reason?: string; seconds: number; profiled: boolean },
): RowResult {
  const values = outcome.samples.map((s) => s.value);
  const s = outcome.status === 'ok' ? stats(values) : undefined;
  const cpu = (pick: (x: Sample) => number | undefined): Stats | undefined => stats(outcome.samples.map(pick).filter((v): v is number => v !== undefined));
  const clientCpu = cpu((x) => x.clientCpu);
  const serverCpu = cpu((x) => x.serverCpu);
  const cpuUnit = cpuUnits[row.kind];
  const target = targetFor(row);
  return {
    id: row.id,
    kind: row.kind,
    scenario: row.scenario,
    variant: row.variant,
    client: row.client,
    server: row.server,
    ...(row.measured ? { measured: row.measured } : {}),
    status: outcome.status,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    ...metrics[row.kind],
    samples: values,
    ...(s ? { median: s.median, min: s.min, max: s.max } : {}),
    ...(cpuUnit && (clientCpu || serverCpu) ? { cpuUnit } : {}),
    ...(clientCpu ? { clientCpu } : {}),
    ...(serverCpu ? { serverCpu } : {}),
    details: outcome.samples.map((x) => x.detail ?? {}),
    baseline: row.baseline,
    ...(target ? { target: { ...target } } : {}),
    seconds: outcome.seconds,
    ...(outcome.profiled ? { profiled: true } : {}),
  };
}

/** Fills in ratios against the node↔node row of the same scenario, and whether targets are met. */
export function addRatios(results: RowResult[]): void {
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const r of results) {
    const base = byId.get(r.baseline);
    if (r.status === 'ok' && base?.status === 'ok' && r.median !== undefined && base.median !== undefined && base.median > 0) {
      r.ratio = r.median / base.median;
      if (r.target) r.target.met = r.target.op === '≥' ? r.ratio >= r.target.value : r.ratio <= r.target.value;
    }
  }
}

// ---------------------------------------------------------------- table

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly orchestratorNode: string;
  readonly worker: Runtime;
  /** os.loadavg() when the run started: other work on the machine makes timings noisy. */
  readonly loadAverage: readonly number[];
}

export function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const sectionTitles: Record<Kind, string> = {
  bulk: 'Bulk throughput, one connection: MiB/s (higher is better); CPU ms per MiB, client / server',
  hs: 'Full handshakes per second, a new TCP connection each: hs/s (higher is better); CPU ms per handshake, client / server',
  echo: 'Round trip of a 1-byte echo on an established connection: median µs (lower is better); CPU µs per round trip',
  mem: 'Resident memory per idle established connection: KiB (lower is better), measured side in a fresh process',
};

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatTable(results: readonly RowResult[]): string {
  const lines: string[] = [];
  const idWidth = Math.max(...results.map((r) => r.id.length), 10) + 2;
  for (const kind of ['bulk', 'hs', 'echo', 'mem'] as const) {
    const rows = results.filter((r) => r.kind === kind);
    if (rows.length === 0) continue;
    lines.push('', sectionTitles[kind]);
    lines.push(
      `${pad('row', idWidth)}${pad('median (min–max)', 28)}${pad('ratio', 8)}${pad('target', 10)}${cpuUnits[kind] ? `CPU ${cpuUnits[kind]} c / s` : ''}`,
    );
    for (const r of rows) {
      if (r.status !== 'ok') {
        lines.push(`${pad(r.id, idWidth)}${r.status === 'n/a' ? 'n/a' : 'ERROR'} (${r.reason ?? ''})`);
        continue;
      }
      const value = `${num(r.median!)} (${num(r.min!)}–${num(r.max!)})`;
      const ratio = r.id === r.baseline ? 'base' : r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '—';
      const target = r.target ? `${r.target.op}${r.target.value.toFixed(1)} ${r.target.met === undefined ? '?' : r.target.met ? 'ok' : 'MISS'}` : '';
      const cpu = r.clientCpu || r.serverCpu ? `${r.clientCpu ? num(r.clientCpu.median) : '—'} / ${r.serverCpu ? num(r.serverCpu.median) : '—'}` : '';
      lines.push(`${pad(r.id, idWidth)}${pad(value, 28)}${pad(ratio, 8)}${pad(target, 10)}${cpu}${r.profiled ? '  (profiled)' : ''}`);
    }
  }
  return lines.join('\n');
}

/** The target rows in one place: what issue 8 asks for against what this run measured. */
export function formatTargets(results: readonly RowResult[]): string {
  const rows = results.filter((r) => r.target);
  if (rows.length === 0) return '';
  const lines = ['', 'Targets (tlskit / node:tls, same run):'];
  for (const r of rows) {
    const measured = r.status !== 'ok' ? r.status : r.ratio === undefined ? 'no baseline' : `${r.ratio.toFixed(2)}×`;
    const verdict = r.target!.met === undefined ? '' : r.target!.met ? 'met' : 'missed';
    lines.push(`  ${pad(r.id, 52)}${pad(`${r.target!.op} ${r.target!.value.toFixed(1)}×`, 9)}${pad(measured, 16)}${verdict}`);
  }
  return lines.join('\n');
}
