// `tlskit cert --install` / `--uninstall`: the local CA into (and out of) the trust stores of this
// machine, as mkcert does: the system store through update-ca-certificates (Debian, Ubuntu,
// Alpine), and the NSS databases of Chrome/Chromium (~/.pki/nssdb) and Firefox profiles through
// certutil. Only what is present is touched; each step is reported. `root` puts the system store
// below another directory (an image being built, or a test), as update-ca-certificates --sysroot.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface TrustStoreTarget {
  /** The system root ('/' by default). */
  readonly root?: string;
  /** The home whose NSS databases are updated. */
  readonly home: string;
  /** PATH to find update-ca-certificates and certutil on. */
  readonly path?: string;
}

export interface TrustStep {
  readonly store: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Debian's directory for locally added CA certificates (read by update-ca-certificates). */
const LOCAL_CA_DIR = 'usr/local/share/ca-certificates';

function find(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function runTool(command: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return { ok: !r.error && r.status === 0, output: r.error ? r.error.message : output };
}

/** The file and nickname this CA goes under: stable for one CA, distinct between CAs. */
export function caStoreName(caPem: string): { file: string; nickname: string } {
  const x = new X509Certificate(caPem);
  const serial = x.serialNumber.toLowerCase().slice(0, 16);
  return { file: `tlskit_development_CA_${serial}.crt`, nickname: `tlskit development CA ${serial}` };
}

/** NSS databases (cert9.db) of this home: Chrome/Chromium's and each Firefox profile's. */
function nssDatabases(home: string): string[] {
  const dbs: string[] = [];
  const shared = join(home, '.pki', 'nssdb');
  if (existsSync(join(shared, 'cert9.db'))) dbs.push(shared);
  for (const base of [join(home, '.mozilla', 'firefox'), join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    if (!existsSync(base)) continue;
    for (const profile of readdirSync(base)) if (existsSync(join(base, profile, 'cert9.db'))) dbs.push(join(base, profile));
  }
  return dbs;
}

function updateArgs(root: string): string[] {
  return root !== '/' ? ['--sysroot', root] : [];
}

export function installCa(caPath: string, caPem: string, target: TrustStoreTarget): TrustStep[] {
  const root = target.root ?? '/';
  const { file, nickname } = caStoreName(caPem);
  const steps: TrustStep[] = [];
  const update = find('update-ca-certificates', target.path);
  if (!update)
    steps.push({
      store: 'system',
      ok: false,
      detail: "no update-ca-certificates on this system: the system store is unchanged (add the CA with your distribution's tool, e.g. trust anchor)",
    });
  else {
    const dir = join(root, LOCAL_CA_DIR);
    try {
      mkdirSync(dir, { recursive: true });
      copyFileSync(caPath, join(dir, file));
      const r = runTool(update, updateArgs(root));
      steps.push({
        store: 'system',
        ok: r.ok,
        detail: r.ok ? `added ${join(dir, file)} (update-ca-certificates)` : `update-ca-certificates failed: ${r.output}`,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      steps.push({
        store: 'system',
        ok: false,
        detail: `cannot write ${dir}${code === 'EACCES' || code === 'EPERM' ? ': run as root (sudo)' : `: ${(err as Error).message}`}`,
      });
    }
  }
  steps.push(...nssSteps(target, (certutil, db) => runTool(certutil, ['-A', '-d', `sql:${db}`, '-t', 'C,,', '-n', nickname, '-i', caPath]), 'added'));
  return steps;
}

export function uninstallCa(caPem: string, target: TrustStoreTarget): TrustStep[] {
  const root = target.root ?? '/';
  const { file, nickname } = caStoreName(caPem);
  const steps: TrustStep[] = [];
  const path = join(root, LOCAL_CA_DIR, file);
  const update = find('update-ca-certificates', target.path);
  if (!existsSync(path)) steps.push({ store: 'system', ok: true, detail: `not installed (${path} does not exist)` });
  else {
    try {
      rmSync(path);
      const r = update ? runTool(update, updateArgs(root)) : { ok: false, output: 'update-ca-certificates is missing' };
      steps.push({ store: 'system', ok: r.ok, detail: r.ok ? `removed ${path} (update-ca-certificates)` : `removed ${path}, but ${r.output}` });
    } catch (err) {
      steps.push({ store: 'system', ok: false, detail: `cannot remove ${path}: ${(err as Error).message}` });
    }
  }
  steps.push(...nssSteps(target, (certutil, db) => runTool(certutil, ['-D', '-d', `sql:${db}`, '-n', nickname]), 'removed'));
  return steps;
}

function nssSteps(target: TrustStoreTarget, act: (certutil: string, db: string) => { ok: boolean; output: string }, verb: string): TrustStep[] {
  const dbs = nssDatabases(target.home);
  if (dbs.length === 0) return [];
  const certutil = find('certutil', target.path);
  if (!certutil)
    return [
      {
        store: 'nss',
        ok: false,
        detail: `found ${dbs.length} NSS database(s) (Firefox, Chrome) but no certutil: install libnss3-tools (Debian) or nss-tools, then run again`,
      },
    ];
  return dbs.map((db) => {
    const r = act(certutil, db);
    return { store: 'nss', ok: r.ok, detail: r.ok ? `${verb} in ${db}` : `certutil failed for ${db}: ${r.output}` };
  });
}
