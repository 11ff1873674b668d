// `tlskit cert`: mkcert for tlskit. Issues a development certificate for the names given from a
// local CA (created on first use, reused after) and says where the files went.
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureLocalCa, issueLeaf, defaultCaDir } from '../../devcert/local-ca.js';
import { subjectAltNamesFor } from '../../devcert/names.js';
import { ExitCode, type CommandIo } from '../command.js';
import { parseArgsMessage, reportUsageError } from '../usage.js';

export const CERT_USAGE = `Usage:
  tlskit cert [--rsa] [--ca-dir DIR] [--out DIR] NAME...
  tlskit cert --ca-path [--ca-dir DIR]

Issues a certificate for each NAME (DNS names, wildcards such as '*.example.test', IPv4 or IPv6
addresses, e-mail addresses) from a local development CA, which is created on first use.

Options:
  --rsa          an RSA 2048 key instead of ECDSA P-256
  --ca-dir DIR   where the CA lives (default: $TLSKIT_CAROOT, else $XDG_DATA_HOME/tlskit,
                 else ~/.local/share/tlskit)
  --out DIR      where <name>.pem and <name>-key.pem go (default: the current directory)
  --ca-path      print the CA directory and exit
  -h, --help     show this help
`;

/** Process facts runCert reads, injectable for tests. */
export interface CertContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

const certOptions = {
  rsa: { type: 'boolean' },
  'ca-dir': { type: 'string' },
  out: { type: 'string' },
  'ca-path': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(io: CommandIo, message: string): number {
  return reportUsageError(io, 'cert', message);
}

export async function runCert(argv: string[], io: CommandIo, context: CertContext = {}): Promise<number> {
  const env = context.env ?? process.env;
  const cwd = context.cwd ?? process.cwd();
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: certOptions, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(io, parseArgsMessage(err as Error));
  }
  const { values, positionals: names } = parsed;
  if (values.help) {
    io.stdout.write(CERT_USAGE);
    return ExitCode.ok;
  }
  for (const option of ['ca-dir', 'out'] as const) {
    if (values[option] === '') return usageError(io, `--${option} needs a directory`);
  }
  const caDir = resolve(cwd, values['ca-dir'] ?? defaultCaDir(env));
  if (values['ca-path']) {
    if (names.length > 0 || values.rsa || values.out !== undefined) return usageError(io, '--ca-path takes no names and no options but --ca-dir');
    io.stdout.write(`${caDir}\n`);
    return ExitCode.ok;
  }
  if (names.length === 0) return usageError(io, 'name at least one host, IP address or e-mail address to certify');
  // Bad names are bad usage: refuse them before any CA or file is made.
  try {
    subjectAltNamesFor(names);
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }

  try {
    const ca = ensureLocalCa(caDir);
    const leaf = issueLeaf(ca, names, { key: values.rsa ? 'rsa-2048' : 'ec-p256', outDir: resolve(cwd, values.out ?? '.') });
    const shown = (path: string): string => {
      const rel = relative(cwd, path);
      return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
    };
    const san = leaf.subjectAltNames;
    const lines = [
      ca.created ? `Created a new local CA in ${ca.dir}` : `Using the local CA in ${ca.dir}`,
      '',
      `Created a certificate (${values.rsa ? 'RSA 2048' : 'ECDSA P-256'} key) valid for:`,
      ...san.dns.map((n) => `  DNS    ${n}`),
      ...san.ip.map((n) => `  IP     ${n}`),
      ...san.email.map((n) => `  email  ${n}`),
      ...san.uri.map((n) => `  URI    ${n}`),
      '',
      `  certificate  ${shown(leaf.certPath)}`,
      `  key          ${shown(leaf.keyPath)}`,
      `  expires      ${leaf.notAfter.toISOString().slice(0, 10)}`,
      '',
      'The CA is in no trust store. Trust it where you need it, for example:',
      `  NODE_EXTRA_CA_CERTS=${ca.certPath} node ...`,
      `  curl --cacert ${ca.certPath} ...`,
      `  openssl s_client -CAfile ${ca.certPath} ...`,
      '',
    ];
    io.stdout.write(lines.join('\n'));
    return ExitCode.ok;
  } catch (err) {
    io.stderr.write(`tlskit cert: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failure;
  }
}
