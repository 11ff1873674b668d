// A throwaway PostgreSQL server for tests: initdb in a temporary directory, TLS on with a given
// certificate, listening on 127.0.0.1 only, every connection over TCP required to use TLS
// (hostssl), password authentication (SCRAM). Run as the 'postgres' user when we are root, since
// PostgreSQL refuses to run as root. (pg reaches it over tlskit with the product's pgStream.)
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './peers.js';

/** Where initdb and pg_ctl are: $PATH, else Debian's /usr/lib/postgresql/<version>/bin. */
function findBinDir(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) {
    const initdb = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
    if (initdb.status === 0) return undefined; // both on PATH: call them by name
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return '';
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(base, versions[0]!, 'bin') : '';
}

const binDir = findBinDir();
const isRoot = process.getuid?.() === 0;
const postgresUser = isRoot ? spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }) : undefined;

/** Why PostgreSQL tests cannot run here, or false. */
export const postgresMissing: string | false =
  binDir === ''
    ? 'PostgreSQL is not installed (initdb and pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin; Debian: apt-get install postgresql)'
    : isRoot && postgresUser?.status !== 0
      ? "we run as root and there is no 'postgres' user to run PostgreSQL as"
      : false;

const bin = (name: string): string => (binDir ? join(binDir, name) : name);

/** Runs a PostgreSQL tool, as the postgres user when we are root. */
function pgTool(name: string, args: readonly string[], timeout = 30_000): { status: number | null; output: string } {
  const [command, full] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin(name), ...args]] : [bin(name), [...args]];
  const r = spawnSync(command, full, { encoding: 'utf8', timeout });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export interface PostgresServer {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Stops the server (immediate mode) and removes its directory. */
  stop(): void;
}

/**
 * `clientCaPem`: the CA client certificates must chain to (ssl_ca_file); `hba`: pg_hba.conf lines
 * put before the default `hostssl all all 127.0.0.1/32 scram-sha-256` (e.g. a database with `cert`).
 */
export async function startPostgres(tls: { certPem: string; keyPem: string; clientCaPem?: string; hba?: readonly string[] }): Promise<PostgresServer> {
  const dir = tempDir('tlskit-pg-');
  const uid = isRoot ? Number(postgresUser!.stdout.trim()) : undefined;
  const gid = isRoot ? Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()) : undefined;
  const own = (path: string): void => {
    if (uid !== undefined) chownSync(path, uid, gid!);
  };
  own(dir.path);
  const data = join(dir.path, 'data');
  const user = 'tlskit';
  const password = 'tlskit-test-password';
  const pwfile = join(dir.path, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  own(pwfile);
  const port = await freePort();
  let started = false;
  const stop = (): void => {
    if (started) pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '10', 'stop'], 15_000);
    dir.remove();
  };
  try {
    const init = pgTool('initdb', [
      '-D',
      data,
      '-U',
      user,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.output}`);
    const files: [string, string][] = [
      ['server.crt', tls.certPem],
      ['server.key', tls.keyPem],
    ];
    if (tls.clientCaPem) files.push(['root.crt', tls.clientCaPem]);
    for (const [name, text] of files) {
      const path = join(data, name);
      writeFileSync(path, text, { mode: 0o600 });
      chmodSync(path, 0o600);
      own(path);
    }
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        '',
        '# tlskit test server',
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir.path}'`,
        'ssl = on',
        "ssl_cert_file = 'server.crt'",
        "ssl_key_file = 'server.key'",
        "ssl_min_protocol_version = 'TLSv1.2'",
        ...(tls.clientCaPem ? ["ssl_ca_file = 'root.crt'"] : []),
        'fsync = off',
        'max_connections = 20',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    // Over TCP only TLS connections are accepted: a query that succeeds went over TLS.
    writeFileSync(join(data, 'pg_hba.conf'), ['local all all trust', ...(tls.hba ?? []), 'hostssl all all 127.0.0.1/32 scram-sha-256', ''].join('\n'));
    own(join(data, 'pg_hba.conf'));
    const log = join(dir.path, 'server.log');
    writeFileSync(log, '');
    own(log);
    const start = pgTool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '20', 'start'], 30_000);
    started = true;
    if (start.status !== 0) throw new Error(`pg_ctl start failed:\n${start.output}\n${readFileSync(log, 'utf8')}`);
  } catch (err) {
    stop();
    throw err;
  }
  return { port, user, password, stop };
}
