#!/usr/bin/env node
// Walks the static import graph of the browser entry in dist/ (into node_modules too, resolving
// package exports with browser conditions) and fails if any Node built-in is reachable: a
// `node:` import, a bare built-in name ('crypto', 'fs'), require() or process.getBuiltinModule().
// Usage: node scripts/check-browser-build.mjs [entry.js]   (default dist/src/web/index.js)
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve, relative } from 'node:path';

const CONDITIONS = ['browser', 'import', 'module', 'default'];
const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));

const entry = resolve(process.argv[2] ?? 'dist/src/web/index.js');
if (!existsSync(entry)) {
  console.error(`check-browser-build: ${relative(process.cwd(), entry)} does not exist (run the build first)`);
  process.exit(2);
}

/**
 * The source with comments and regular expression literals blanked out; strings and template
 * literals are kept (they hold the specifiers). A `/*` inside a string or a comment is no comment.
 */
function withoutComments(src) {
  const parts = [];
  let from = 0; // start of the code not yet copied
  let i = 0;
  let lastSignificant = ''; // the previous code character that is not a space: does '/' start a regex?
  const regexCanFollow = (c) => c === '' || '(,=:[!&|?{};+-*%<>~^'.includes(c);
  const skip = (to, replacement) => {
    parts.push(src.slice(from, i), replacement);
    i = to;
    from = to;
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      skip(end < 0 ? src.length : end, '');
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      skip(end < 0 ? src.length : end + 2, ' ');
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
      lastSignificant = c;
    } else if (c === '/' && regexCanFollow(lastSignificant)) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j++;
      }
      skip(j + 1, '/r/');
      lastSignificant = '/';
    } else {
      if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') lastSignificant = /[\w$]/.test(c) ? 'w' : c;
      i++;
    }
  }
  parts.push(src.slice(from));
  return parts.join('');
}

/** Import specifiers of a module. */
function specifiers(source) {
  const code = withoutComments(source);
  const found = [];
  for (const re of [
    /\bfrom\s*['"]([^'"]+)['"]/g, // import x from '...', export { x } from '...'
    /\bimport\s*['"]([^'"]+)['"]/g, // import '...'
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('...')
  ]) {
    for (const m of code.matchAll(re)) found.push({ kind: 'import', spec: m[1] });
  }
  for (const m of code.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ kind: 'require', spec: m[1] });
  if (/\bgetBuiltinModule\s*\(/.test(code)) found.push({ kind: 'getBuiltinModule', spec: 'process.getBuiltinModule()' });
  if (/\bimport\s*\(\s*[^'"\s)]/.test(code)) found.push({ kind: 'dynamic', spec: 'import(<expression>)' });
  return found;
}

function fileTarget(path) {
  if (existsSync(path) && statSync(path).isFile()) return path;
  for (const ext of ['.js', '.mjs', '/index.js']) if (existsSync(path + ext)) return path + ext;
  return undefined;
}

/** Package exports target for `subpath` under our conditions (RFC-less but as Node documents it). */
function exportsTarget(exportsField, subpath) {
  const pick = (target) => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target)) if (CONDITIONS.includes(key)) return pick(value);
    }
    return undefined;
  };
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return subpath === '.' ? pick(exportsField) : undefined;
  const keys = Object.keys(exportsField);
  if (!keys.some((k) => k.startsWith('.'))) return subpath === '.' ? pick(exportsField) : undefined; // conditions only
  if (exportsField[subpath] !== undefined) return pick(exportsField[subpath]);
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [before, after] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
      const t = pick(exportsField[key]);
      return t?.replaceAll('*', subpath.slice(before.length, subpath.length - after.length));
    }
  }
  return undefined;
}

function resolvePackage(spec, fromDir) {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = spec === name ? '.' : `.${spec.slice(name.length)}`;
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    const pkgJson = join(pkgDir, 'package.json');
    if (existsSync(pkgJson)) {
      const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
      let target;
      if (pkg.exports !== undefined) target = exportsTarget(pkg.exports, subpath);
      else target = subpath === '.' ? (pkg.browser && typeof pkg.browser === 'string' ? pkg.browser : (pkg.module ?? pkg.main ?? 'index.js')) : subpath;
      return target === undefined ? undefined : fileTarget(join(pkgDir, target));
    }
    if (dirname(dir) === dir) return undefined;
  }
}

const parentOf = new Map([[entry, undefined]]);
const queue = [entry];
const problems = [];

function chain(file) {
  const links = [];
  for (let f = file; f !== undefined; f = parentOf.get(f)) links.unshift(relative(process.cwd(), f));
  return links.join('\n    -> ');
}

while (queue.length > 0) {
  const file = queue.shift();
  for (const { kind, spec } of specifiers(readFileSync(file, 'utf8'))) {
    if (kind === 'getBuiltinModule' || kind === 'dynamic') {
      problems.push(`${spec} in\n    ${chain(file)}`);
      continue;
    }
    const isBuiltin = spec.startsWith('node:') || (!spec.startsWith('.') && !spec.startsWith('/') && builtins.has(spec.split('/')[0]));
    if (isBuiltin || kind === 'require') {
      problems.push(`${kind === 'require' ? `require('${spec}')` : `'${spec}'`} reached through\n    ${chain(file)}`);
      continue;
    }
    const target = spec.startsWith('.') || spec.startsWith('/') ? fileTarget(resolve(dirname(file), spec)) : resolvePackage(spec, dirname(file));
    if (!target) {
      problems.push(`'${spec}' cannot be resolved (browser conditions) from\n    ${chain(file)}`);
      continue;
    }
    if (!parentOf.has(target)) {
      parentOf.set(target, file);
      queue.push(target);
    }
  }
}

const modules = parentOf.size;
const own = [...parentOf.keys()].filter((f) => !f.includes('node_modules')).length;
if (problems.length > 0) {
  console.error(`check-browser-build: ${problems.length} problem(s) in the graph of ${relative(process.cwd(), entry)} (${modules} modules):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(
  `check-browser-build: ${relative(process.cwd(), entry)} reaches ${modules} modules (${own} ours, ${modules - own} from packages), no Node built-ins`,
);
