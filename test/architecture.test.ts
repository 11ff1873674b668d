// Dependencies run one way (issue 16, STYLE.md "Layout"): every relative import in src/ goes to the
// same layer or to a lower one, and no module imports itself back through a chain (a file cycle).
// The graph is read from the sources (`from '...'`, `import '...'`, `import('...')`), so the rule
// holds for type-only imports too: a type that two layers share belongs to the lower one.
// Unit tests beside a module (`*.test.ts`) are left out: they may drive a module through the layers
// above it. ALLOWED_UPWARD and ALLOWED_CYCLES list today's exceptions; each must still exist (the
// lists stay exact), so they can only get shorter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = join(root, 'src');

/**
 * Layers, lowest first: a file may import its own layer or any layer listed before it.
 * protocol is code points, algorithm names and limits, and imports nothing; errors.ts is the one
 * failure path everything throws through (a TlsError carries an alert code point); wire is bytes with
 * no TLS meaning (its Reader throws decode_error); asn1 is DER, PEM and OIDs; crypto is the provider interface;
 * x509 is certificates and path validation; devcert mints certificates over x509 and crypto; then
 * the TLS stack from messages up to the engine, and the adapters and the CLI on top.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['protocol'],
  ['errors.ts'],
  ['wire'],
  ['asn1'],
  ['crypto'],
  ['x509'],
  ['devcert'],
  ['messages'],
  ['record'],
  ['handshake'],
  ['engine'],
  ['node'],
  ['web'],
  ['cli'],
  ['index.ts'],
];
const RANK = new Map<string, number>(LAYERS.flatMap((names, rank) => names.map((name) => [name, rank] as const)));

/**
 * Today's upward imports, as `importer -> imported` (paths under src/). Each is a debt: remove the
 * line with the import it names, never add one.
 */
const ALLOWED_UPWARD: readonly string[] = [];

/** Today's file cycles, each as its files sorted and joined with ' <-> '. */
const ALLOWED_CYCLES: readonly string[] = [
  // the node adapter's socket, its option parsing, connect() and createServer() (out of issue 16 point 1's
  // named list; kept as debt).
  'node/connect.ts <-> node/server.ts <-> node/tls-socket-options.ts <-> node/tls-socket.ts',
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /\b(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g;

/** The import graph of src/: file (relative to src, with .ts) -> the files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of walk(src)) {
    const from = relative(src, file);
    const targets = new Set<string>();
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = relative(src, resolve(dirname(file), m[1] ?? '')).replace(/\.js$/, '.ts');
      targets.add(target);
    }
    graph.set(from, [...targets].sort());
  }
  return graph;
}

const layerOf = (file: string): string => file.split('/')[0] ?? file;

function upwardArrows(graph: Map<string, string[]>): string[] {
  const arrows: string[] = [];
  for (const [from, targets] of graph) {
    const fromRank = RANK.get(layerOf(from));
    assert.ok(fromRank !== undefined, `src/${from}: layer ${layerOf(from)} has no place in LAYERS`);
    for (const to of targets) {
      assert.ok(graph.has(to), `src/${from} imports ${to}, which is not a source file under src/`);
      if (layerOf(to) === layerOf(from)) continue;
      const toRank = RANK.get(layerOf(to));
      assert.ok(toRank !== undefined, `src/${to}: layer ${layerOf(to)} has no place in LAYERS`);
      if (toRank >= fromRank) arrows.push(`${from} -> ${to}`);
    }
  }
  return arrows.sort();
}

/** Strongly connected components with more than one file (Tarjan), each sorted and joined. */
function fileCycles(graph: Map<string, string[]>): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort().join(' <-> '));
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles.sort();
}

const graph = importGraph();

test('no module in src/ imports a layer above its own (beyond the listed debts)', () => {
  const arrows = upwardArrows(graph);
  const allowed = new Set(ALLOWED_UPWARD);
  const unlisted = arrows.filter((a) => !allowed.has(a));
  assert.deepEqual(unlisted, [], `upward imports (move the shared code down instead):\n${unlisted.join('\n')}`);
  const present = new Set(arrows);
  const gone = ALLOWED_UPWARD.filter((a) => !present.has(a));
  assert.deepEqual(gone, [], `listed upward imports that no longer exist (remove them from ALLOWED_UPWARD):\n${gone.join('\n')}`);
});

test('no file cycle in src/ (beyond the listed debts)', () => {
  const cycles = fileCycles(graph);
  const allowed = new Set(ALLOWED_CYCLES);
  const unlisted = cycles.filter((c) => !allowed.has(c));
  assert.deepEqual(unlisted, [], `file cycles:\n${unlisted.join('\n')}`);
  const present = new Set(cycles);
  const gone = ALLOWED_CYCLES.filter((c) => !present.has(c));
  assert.deepEqual(gone, [], `listed cycles that no longer exist (remove them from ALLOWED_CYCLES):\n${gone.join('\n')}`);
});

test('the layer check sees an upward import and a cycle', () => {
  const sample = new Map<string, string[]>([
    ['wire/a.ts', ['engine/b.ts']],
    ['engine/b.ts', ['wire/a.ts']],
  ]);
  assert.deepEqual(upwardArrows(sample), ['wire/a.ts -> engine/b.ts']);
  assert.deepEqual(fileCycles(sample), ['engine/b.ts <-> wire/a.ts']);
});
