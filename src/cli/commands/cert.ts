// `tlskit cert`: mkcert for tlskit. Issues a development certificate for the names given from a
// local CA (created on first use, reused after) and says where the files went.
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { readCertificateRequest, type CertificateRequest } from '../../devcert/csr.js';
import { CA_CERT_FILE, ensureLocalCa, issueLeaf, issueLeafForKey, issueLeafPkcs12, defaultCaDir } from '../../devcert/local-ca.js';
import { installCa, uninstallCa } from '../../devcert/trust-install.js';
import { passphraseFrom, readInput } from '../files.js';
import { join } from 'node:path';
import { subjectAltNamesFor } from '../../devcert/names.js';
import { ExitCode, type CommandIo } from '../command.js';
import { parseArgsMessage, reportUsageError, UsageError } from '../usage.js';

export const CERT_USAGE = `Usage:
  tlskit cert [--rsa] [--client] [--pkcs12] [--ca-dir DIR] [--out DIR] NAME...
  tlskit cert --csr FILE [--ca-dir DIR] [--out DIR] [NAME...]
  tlskit cert --install | --uninstall [--ca-dir DIR] [--root DIR]
  tlskit cert --ca-path [--ca-dir DIR]

Issues a certificate for each NAME (DNS names, wildcards such as '*.example.test', IPv4 or IPv6
addresses, e-mail addresses) from a local development CA, which is created on first use. Files
are named as mkcert names them: the first NAME, then +N for N more names (localhost+2.pem and
localhost+2-key.pem for 'localhost 127.0.0.1 ::1').

Options:
  --rsa             an RSA 2048 key instead of ECDSA P-256
  --client          a client certificate (extendedKeyUsage clientAuth): <name>-client.pem
  --pkcs12          one <name>.p12 file with the key, certificate and CA, instead of PEM files
  --pass SPEC       the .p12 password: pass:TEXT, env:VAR, file:PATH (default 'changeit', as mkcert)
  --cert-file FILE  write the certificate (or .p12) here instead
  --key-file FILE   write the key here instead
  --csr FILE        certify the key of this PKCS#10 request (PEM or DER), for the names it asks
                    for (or the NAMEs given); its signature must verify
  --ca-dir DIR      where the CA lives (default: $TLSKIT_CAROOT, else $XDG_DATA_HOME/tlskit,
                    else ~/.local/share/tlskit)
  --out DIR         where the files go (default: the current directory)
  --install         add the CA to the system trust store (update-ca-certificates; needs root)
                    and to the NSS databases of Firefox and Chrome (certutil), when present
  --uninstall       remove it from them again
  --root DIR        with --install/--uninstall: the system store below DIR (an image, a test)
  --ca-path         print the CA directory and exit
  -h, --help        show this help
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
  client: { type: 'boolean' },
  pkcs12: { type: 'boolean' },
  pass: { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
  csr: { type: 'string' },
  install: { type: 'boolean' },
  uninstall: { type: 'boolean' },
  root: { type: 'string' },
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
  if (values.install || values.uninstall) {
    if (values.install && values.uninstall) return usageError(io, '--install and --uninstall exclude each other');
    if (names.length > 0) return usageError(io, `--${values.install ? 'install' : 'uninstall'} takes no names: it acts on the CA`);
    return trustStores(io, caDir, values.install === true, values.root === undefined ? undefined : resolve(cwd, values.root), env);
  }
  if (values.root !== undefined) return usageError(io, '--root goes with --install or --uninstall');
  let request: CertificateRequest | undefined;
  if (values.csr !== undefined) {
    if (values.pkcs12 || values.rsa || values['key-file'] !== undefined)
      return usageError(io, '--csr certifies the key of the request: no --pkcs12, --rsa or --key-file');
    try {
      request = readCertificateRequest(readInput(resolve(cwd, values.csr), '--csr'));
    } catch (err) {
      return usageError(io, err instanceof UsageError ? err.message : `--csr ${values.csr}: ${(err as Error).message}`);
    }
    if (names.length === 0) names.push(...request.names);
    if (names.length === 0) return usageError(io, `--csr ${values.csr}: the request asks for no names (no subjectAltName): give the NAMEs to certify`);
  }
  if (values.pkcs12 && values['key-file'] !== undefined) return usageError(io, '--pkcs12 writes one file: use --cert-file, not --key-file');
  if (values.pass !== undefined && !values.pkcs12) return usageError(io, '--pass is the password of --pkcs12 output');
  if (names.length === 0) return usageError(io, 'name at least one host, IP address or e-mail address to certify');
  // Bad names are bad usage: refuse them before any CA or file is made.
  try {
    subjectAltNamesFor(names);
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  let password = 'changeit';
  try {
    if (values.pass !== undefined) password = passphraseFrom(values.pass, env as NodeJS.ProcessEnv) ?? password;
  } catch (err) {
    return usageError(io, (err as Error).message);
  }

  try {
    const ca = ensureLocalCa(caDir);
    const options = {
      key: values.rsa ? 'rsa-2048' : 'ec-p256',
      outDir: resolve(cwd, values.out ?? '.'),
      ...(values.client ? { client: true } : {}),
      ...(values['cert-file'] !== undefined ? { certFile: resolve(cwd, values['cert-file']) } : {}),
      ...(values['key-file'] !== undefined ? { keyFile: resolve(cwd, values['key-file']) } : {}),
    } as const;
    const leaf = request
      ? issueLeafForKey(ca, names, request.subjectPublicKeyInfo, options)
      : values.pkcs12
        ? issueLeafPkcs12(ca, names, password, options)
        : issueLeaf(ca, names, options);
    const keyPath = (leaf as { keyPath?: string }).keyPath;
    const shown = (path: string): string => {
      const rel = relative(cwd, path);
      return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
    };
    const san = leaf.subjectAltNames;
    const lines = [
      ca.created ? `Created a new local CA in ${ca.dir}` : `Using the local CA in ${ca.dir}`,
      '',
      request
        ? `Certified the key of ${values.csr} (requested subject ${request.subject || 'empty'}), valid for:`
        : `Created a ${values.client ? 'client ' : ''}certificate (${values.rsa ? 'RSA 2048' : 'ECDSA P-256'} key) valid for:`,
      ...san.dns.map((n) => `  DNS    ${n}`),
      ...san.ip.map((n) => `  IP     ${n}`),
      ...san.email.map((n) => `  email  ${n}`),
      ...san.uri.map((n) => `  URI    ${n}`),
      '',
      values.pkcs12
        ? `  PKCS#12      ${shown(leaf.certPath)} (key, certificate and CA; password ${values.pass === undefined ? '"changeit"' : 'from --pass'})`
        : `  certificate  ${shown(leaf.certPath)}`,
      ...(keyPath ? [`  key          ${shown(keyPath)}`] : []),
      `  expires      ${leaf.notAfter.toISOString().slice(0, 10)}`,
      '',
      'The CA is in no trust store. Trust it where you need it, for example:',
      `  NODE_EXTRA_CA_CERTS=${ca.certPath} node ...`,
      `  curl --cacert ${ca.certPath} ...`,
      `  openssl s_client -CAfile ${ca.certPath} ...`,
      "  tlskit cert --install   (the system store and the browsers' NSS databases)",
      '',
    ];
    io.stdout.write(lines.join('\n'));
    return ExitCode.ok;
  } catch (err) {
    io.stderr.write(`tlskit cert: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failure;
  }
}

/** --install / --uninstall: the CA into or out of this machine's trust stores, step by step. */
function trustStores(io: CommandIo, caDir: string, install: boolean, root: string | undefined, env: Readonly<Record<string, string | undefined>>): number {
  let caPath: string;
  let caPem: string;
  try {
    if (install) caPath = ensureLocalCa(caDir).certPath;
    else caPath = join(caDir, CA_CERT_FILE);
    caPem = readFileSync(caPath, 'utf8');
  } catch (err) {
    io.stderr.write(
      `tlskit cert: ${install ? '' : 'nothing to uninstall: '}${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `${join(caDir, CA_CERT_FILE)} does not exist` : (err as Error).message}\n`,
    );
    return install ? ExitCode.failure : ExitCode.ok;
  }
  const target = { home: env['HOME'] ?? '', ...(root ? { root } : {}), ...(env['PATH'] ? { path: env['PATH'] } : {}) };
  const steps = install ? installCa(caPath, caPem, target) : uninstallCa(caPem, target);
  io.stdout.write(`${install ? 'Installing' : 'Uninstalling'} the local CA ${caPath}${root ? ` (system store below ${root})` : ''}:\n`);
  for (const step of steps) io.stdout.write(`  ${step.ok ? 'ok  ' : 'FAIL'}  ${step.store.padEnd(6)}  ${step.detail}\n`);
  return steps.every((step) => step.ok) ? ExitCode.ok : ExitCode.failure;
}
