// A local development CA in the manner of mkcert: one CA per user kept in a directory
// (rootCA.pem, rootCA-key.pem), created on first use and reused after, which issues leaf
// certificates for the names given into <first-name>[+N].pem and <first-name>[+N]-key.pem.
// Node-only tooling: reads and writes files. Installing the CA into trust stores is
// src/devcert/trust-install.ts, run only when asked (`tlskit cert --install`).
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { readPem } from '../asn1/pem.js';
import { createCertificate, generateKeyPair, keyPairFromPem, type IssuedCertificate, type Issuer, type KeyPair } from './certificate-builder.js';
import { subjectAltNamesFor, type SubjectAltNames } from './names.js';
import { writePkcs12 } from './pkcs12-writer.js';

export const CA_CERT_FILE = 'rootCA.pem';
export const CA_KEY_FILE = 'rootCA-key.pem';
/** P-256: quick to make, and every TLS stack verifies ECDSA P-256 signatures. */
const CA_KEY_KIND = 'ec-p256';
const PRIVATE_FILE_MODE = 0o600;
/** Backdating, so a clock slightly behind ours still accepts the CA at once. */
const BACKDATE_MS = 3_600_000;
const PUBLIC_FILE_MODE = 0o644;

/** Something about the CA directory that needs the user: it is never repaired by overwriting. */
export class LocalCaError extends Error {
  override readonly name = 'LocalCaError';
}

export interface LocalCa extends Issuer {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** True when this call made the CA, false when it reused one. */
  readonly created: boolean;
}

/**
 * Where the CA lives: $TLSKIT_CAROOT, else $XDG_DATA_HOME/tlskit, else ~/.local/share/tlskit.
 * The XDG Base Directory spec says to ignore a relative $XDG_DATA_HOME.
 */
export function defaultCaDir(env: Readonly<Record<string, string | undefined>> = process.env, home: string = homedir()): string {
  if (env['TLSKIT_CAROOT']) return env['TLSKIT_CAROOT'];
  const xdg = env['XDG_DATA_HOME'];
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tlskit');
  return join(home, '.local', 'share', 'tlskit');
}

function userAndHost(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? 'unknown'; // no passwd entry, as in some containers
  }
  return `${user}@${hostname()}`;
}

/** Writes to a temporary file beside `path` with `mode`, then `publish`es it under its name. */
function writeFileVia(path: string, data: string, mode: number, publish: (tmp: string, path: string) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  try {
    chmodSync(tmp, mode); // the umask may have taken bits the file should have
    publish(tmp, path);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

/** Whole file or nothing, and never over an existing file (link fails with EEXIST). */
function createFileExclusive(path: string, data: string, mode: number): void {
  writeFileVia(path, data, mode, (tmp, target) => linkSync(tmp, target));
}

/** Whole file or nothing, replacing what was there. */
function replaceFile(path: string, data: string, mode: number): void {
  writeFileVia(path, data, mode, (tmp, target) => renameSync(tmp, target));
}

function loadLocalCa(dir: string, now: Date): LocalCa {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const remedy = `fix or remove ${certPath} and ${keyPath} to create a new CA`;
  const block = readPem(readFileSync(certPath, 'utf8')).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new LocalCaError(`${certPath} holds no PEM certificate: ${remedy}`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(block.der);
  } catch (err) {
    throw new LocalCaError(`${certPath} is not a readable certificate: ${remedy}`, { cause: err });
  }
  if (!x509.ca) throw new LocalCaError(`${certPath} is not a CA certificate: ${remedy}`);
  if (now < new Date(x509.validFrom) || now > new Date(x509.validTo)) {
    throw new LocalCaError(`the CA certificate ${certPath} is valid only from ${x509.validFrom} to ${x509.validTo}: ${remedy}`);
  }
  const keyPem = readFileSync(keyPath, 'utf8');
  let key: KeyPair;
  try {
    key = keyPairFromPem(keyPem);
  } catch (err) {
    throw new LocalCaError(`${keyPath} is not a private key this tool can use: ${remedy}`, { cause: err });
  }
  if (!x509.checkPrivateKey(createPrivateKey(key.privateKeyPem))) throw new LocalCaError(`${keyPath} is not the key of ${certPath}: ${remedy}`);
  const certificate: IssuedCertificate = { der: block.der, pem: x509.toString() };
  return { dir, certPath, keyPath, certificate, key, created: false };
}

/**
 * Reuses the CA in `dir` when both files are there and usable (a CA certificate valid now, and
 * its key), or creates one when neither is; anything in between is a LocalCaError, since a CA
 * the user may already trust is never overwritten.
 */
export function ensureLocalCa(dir: string = defaultCaDir(), options: { now?: Date } = {}): LocalCa {
  const now = options.now ?? new Date();
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (haveCert && haveKey) return loadLocalCa(dir, now);
  if (haveCert || haveKey) {
    const [present, missing] = haveCert ? [certPath, keyPath] : [keyPath, certPath];
    throw new LocalCaError(`found ${present} but not ${missing}: restore it, or remove ${present} to create a new CA`);
  }
  mkdirSync(dir, { recursive: true });
  const key = generateKeyPair(CA_KEY_KIND);
  const who = userAndHost();
  const certificate = createCertificate({
    subject: [
      { type: 'O', value: 'tlskit development CA' },
      { type: 'OU', value: who },
      { type: 'CN', value: `tlskit ${who}` },
    ],
    subjectKey: key,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    isCA: true,
    pathLength: 0, // issues leaves only, as mkcert's CA does
  });
  // The key goes first: a CA certificate without its key would be useless.
  createFileExclusive(keyPath, key.privateKeyPem, PRIVATE_FILE_MODE);
  createFileExclusive(certPath, certificate.pem, PUBLIC_FILE_MODE);
  return { dir, certPath, keyPath, certificate, key, created: true };
}

export type LeafKeyKind = 'ec-p256' | 'rsa-2048';

export interface IssueLeafOptions {
  /** Default 'ec-p256'. */
  readonly key?: LeafKeyKind;
  /** Default: the current directory. */
  readonly outDir?: string;
  /** A client certificate (extendedKeyUsage clientAuth only), named <base>-client as mkcert -client does. */
  readonly client?: boolean;
  /** Paths instead of <base>.pem and <base>-key.pem (<base>.p12 for PKCS#12), relative to outDir. */
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface IssuedLeaf {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certificate: IssuedCertificate;
  readonly key: KeyPair;
  /** The names as they went into subjectAltName. */
  readonly subjectAltNames: Required<SubjectAltNames>;
  readonly notAfter: Date;
}

/** mkcert's file naming: the first name with ':' → '_' and '*' → '_wildcard', then '+N' for N more names. */
export function leafFileBase(names: readonly string[]): string {
  const first = names[0]!
    .replaceAll(':', '_')
    .replaceAll('*', '_wildcard')
    .replace(/[^A-Za-z0-9._@+-]/g, '_');
  return names.length > 1 ? `${first}+${names.length - 1}` : first;
}

/** The certificate for `names` and `subjectKey`, and the base of its file names. */
function leafCertificate(ca: Issuer, names: readonly string[], subjectKey: KeyPair | Uint8Array, options: IssueLeafOptions) {
  if (names.length === 0) throw new TypeError('a certificate needs at least one name');
  const subjectAltNames = subjectAltNamesFor(names);
  const email = subjectAltNames.email.length > 0 ? (['emailProtection'] as const) : [];
  const certificate = createCertificate({
    subject: [
      { type: 'O', value: 'tlskit development certificate' },
      { type: 'OU', value: userAndHost() },
    ],
    subjectKey,
    issuer: ca,
    subjectAltNames,
    extendedKeyUsage: options.client ? ['clientAuth', ...email] : ['serverAuth', 'clientAuth', ...email],
  });
  const outDir = options.outDir ?? process.cwd();
  mkdirSync(outDir, { recursive: true });
  const base = leafFileBase(names) + (options.client ? '-client' : '');
  const notAfter = new Date(new X509Certificate(certificate.der).validTo);
  return { certificate, subjectAltNames, notAfter, outDir, base };
}

/** Issues a leaf for `names` (DNS names, wildcards, IP literals, e-mail addresses, URIs) and writes it and its key. */
export function issueLeaf(ca: Issuer, names: readonly string[], options: IssueLeafOptions = {}): IssuedLeaf {
  const key = generateKeyPair(options.key ?? 'ec-p256');
  const { certificate, subjectAltNames, notAfter, outDir, base } = leafCertificate(ca, names, key, options);
  const certPath = resolvePath(outDir, options.certFile ?? `${base}.pem`);
  const keyPath = resolvePath(outDir, options.keyFile ?? `${base}-key.pem`);
  replaceFile(keyPath, key.privateKeyPem, PRIVATE_FILE_MODE);
  replaceFile(certPath, certificate.pem, PUBLIC_FILE_MODE);
  return { certPath, keyPath, certificate, key, subjectAltNames, notAfter };
}

/** Like issueLeaf, but one PKCS#12 file (<base>.p12) holding the key, the leaf and the CA, under `password`. */
export function issueLeafPkcs12(ca: Issuer, names: readonly string[], password: string, options: IssueLeafOptions = {}): Omit<IssuedLeaf, 'keyPath'> {
  const key = generateKeyPair(options.key ?? 'ec-p256');
  const { certificate, subjectAltNames, notAfter, outDir, base } = leafCertificate(ca, names, key, options);
  const certPath = resolvePath(outDir, options.certFile ?? `${base}.p12`);
  writeBinaryFile(certPath, writePkcs12(key.privateKeyPem, [certificate.der, ca.certificate.der], password, names[0]!), PRIVATE_FILE_MODE);
  return { certPath, certificate, key, subjectAltNames, notAfter };
}

/** Certifies a public key from a certificate request (SubjectPublicKeyInfo DER): only the certificate is written. */
export function issueLeafForKey(
  ca: Issuer,
  names: readonly string[],
  subjectPublicKeyInfo: Uint8Array,
  options: IssueLeafOptions = {},
): Omit<IssuedLeaf, 'keyPath' | 'key'> {
  const { certificate, subjectAltNames, notAfter, outDir, base } = leafCertificate(ca, names, subjectPublicKeyInfo, options);
  const certPath = resolvePath(outDir, options.certFile ?? `${base}.pem`);
  replaceFile(certPath, certificate.pem, PUBLIC_FILE_MODE);
  return { certPath, certificate, subjectAltNames, notAfter };
}

/** `file` below `dir` unless absolute; its directory is made. */
function resolvePath(dir: string, file: string): string {
  const path = isAbsolute(file) ? file : join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** Binary content (a .p12), whole file or nothing. */
function writeBinaryFile(path: string, data: Uint8Array, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  try {
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}
