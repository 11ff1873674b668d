// Certificate and key files named on the command line: read once, and when they are not what the
// flag expects, say what they hold instead ("holds a PRIVATE KEY, not a CERTIFICATE"). PEM, DER and
// PKCS#12 are recognised; encrypted keys need --pass (openssl's pass:/env:/file: forms).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readPkcs12 } from '../devcert/pkcs12.js';
import { parseCertificate } from '../x509/certificate.js';
import { readPem, writePem } from '../asn1/pem.js';
import { UsageError } from './usage.js';

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/** The bytes of the file `flag` names, or a UsageError saying why there are none. */
export function readInput(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message);
    throw new UsageError(`${flag} ${path}: ${why}`);
  }
}

/** What a file holds instead of `wanted`, in words: "holds a PRIVATE KEY, not a CERTIFICATE". */
function notWhatWanted(bytes: Buffer, wanted: string): string {
  const labels = [...new Set(readPemSafe(bytes.toString('latin1')).map((b) => b.label))];
  if (labels.length > 0) return `holds ${labels.map((l) => `a ${l}`).join(' and ')}, not a ${wanted}`;
  if (bytes.length === 0) return 'is empty';
  return `holds no ${wanted} (no PEM block, and not DER or PKCS#12 either)`;
}

function readPemSafe(text: string): { label: string; der: Uint8Array }[] {
  try {
    return readPem(text);
  } catch {
    return [];
  }
}

function isDerCertificate(bytes: Uint8Array): boolean {
  try {
    parseCertificate(bytes);
    return true;
  } catch {
    return false;
  }
}

// PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (id-data) ... } (RFC 7292 §4): the
// version and the id-data OID near the start tell a PKCS#12 file from other DER.
const ID_DATA = Buffer.from('06092a864886f70d010701', 'hex');
function looksLikePkcs12(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 40);
  return bytes[0] === 0x30 && head.includes(Buffer.from([0x02, 0x01, 0x03])) && head.includes(ID_DATA);
}

/** A PKCS#12 file's contents, or undefined when `bytes` is not PKCS#12; a wrong password is an error. */
function tryPkcs12(bytes: Buffer, path: string, flag: string, pass: string | undefined): { certificates: Uint8Array[]; keys: KeyObject[] } | undefined {
  if (!looksLikePkcs12(bytes)) return undefined;
  try {
    return readPkcs12(bytes, pass);
  } catch (err) {
    const message = (err as Error).message.replace(/^Unable to load PFX certificate: /, '');
    if (/mac verify failure|wrong passphrase/.test(message)) {
      throw new UsageError(
        pass === undefined
          ? `${flag} ${path}: a PKCS#12 file protected by a password: give it with --pass`
          : `${flag} ${path}: --pass does not open this PKCS#12 file (${message})`,
      );
    }
    throw new UsageError(`${flag} ${path}: a PKCS#12 file tlskit cannot read: ${message}`);
  }
}

/** Certificates (PEM text) from a PEM, DER or PKCS#12 file; `what` names the role for messages. */
export function readCertificateFile(path: string, flag: string, pass?: string): string {
  const bytes = readInput(path, flag);
  const blocks = readPemSafe(bytes.toString('latin1'));
  const certs = blocks.filter((b) => CERTIFICATE_LABELS.has(b.label));
  if (certs.length > 0) return certs.map((b) => writePem('CERTIFICATE', b.der)).join('');
  if (blocks.length === 0) {
    if (isDerCertificate(bytes)) return writePem('CERTIFICATE', bytes);
    const p12 = tryPkcs12(bytes, path, flag, pass);
    if (p12 && p12.certificates.length > 0) return p12.certificates.map((d) => writePem('CERTIFICATE', d)).join('');
  }
  throw new UsageError(`${flag} ${path}: ${notWhatWanted(bytes, 'CERTIFICATE')}`);
}

/** The passphrase an openssl-style --pass value gives: pass:TEXT, env:VAR, file:PATH, or TEXT. */
export function passphraseFrom(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('pass:')) return value.slice(5);
  if (value.startsWith('env:')) {
    const v = env[value.slice(4)];
    if (v === undefined) throw new UsageError(`--pass ${value}: the environment variable ${value.slice(4)} is not set`);
    return v;
  }
  if (value.startsWith('file:')) return readInput(value.slice(5), '--pass').toString('utf8').split(/\r?\n/)[0]!;
  return value;
}

function decrypt(input: { key: string | Buffer; format?: 'pem' | 'der'; type?: 'pkcs8' }, path: string, flag: string, pass: string | undefined): string {
  if (pass === undefined) throw new UsageError(`${flag} ${path}: the key is encrypted: give its passphrase with --pass (pass:TEXT, env:VAR or file:PATH)`);
  try {
    return createPrivateKey({ ...input, passphrase: pass }).export({ type: 'pkcs8', format: 'pem' }) as string;
  } catch {
    throw new UsageError(`${flag} ${path}: --pass does not decrypt this key (wrong passphrase?)`);
  }
}

/** A private key (PKCS#8 PEM, decrypted) from a PEM, DER or PKCS#12 file. */
export function readKeyFile(path: string, flag: string, pass?: string): string {
  const bytes = readInput(path, flag);
  const text = bytes.toString('latin1');
  const blocks = readPemSafe(text);
  const key = blocks.find((b) => KEY_LABELS.has(b.label));
  if (key) {
    const pem = text.slice(text.indexOf(`-----BEGIN ${key.label}-----`), text.indexOf(`-----END ${key.label}-----`) + `-----END ${key.label}-----`.length);
    const encrypted = key.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
    if (encrypted) return decrypt({ key: pem }, path, flag, pass);
    return pem + '\n';
  }
  if (blocks.length === 0) {
    const p12 = tryPkcs12(bytes, path, flag, pass);
    if (p12 && p12.keys.length > 0) return p12.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string;
    if (!p12 && bytes[0] === 0x30 && !isDerCertificate(bytes)) {
      for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
        try {
          return createPrivateKey({ key: bytes, format: 'der', type }).export({ type: 'pkcs8', format: 'pem' }) as string;
        } catch {
          // try the next DER form
        }
      }
      // An encrypted PKCS#8 in DER.
      try {
        createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8', passphrase: pass ?? '' });
      } catch (err) {
        if (/passphrase|decrypt|bad decrypt/i.test((err as Error).message)) return decrypt({ key: bytes, format: 'der', type: 'pkcs8' }, path, flag, pass);
      }
    }
  }
  throw new UsageError(`${flag} ${path}: ${notWhatWanted(bytes, 'PRIVATE KEY')}`);
}

/** The certificate and key of a PKCS#12 file given as --cert alone, if it is one. */
export function readPkcs12Pair(path: string, flag: string, pass?: string): { cert: string; key: string } | undefined {
  const bytes = readInput(path, flag);
  if (readPemSafe(bytes.toString('latin1')).length > 0) return undefined;
  const p12 = tryPkcs12(bytes, path, flag, pass);
  if (!p12 || p12.keys.length === 0) return undefined;
  return { cert: p12.certificates.map((d) => writePem('CERTIFICATE', d)).join(''), key: p12.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/**
 * CA certificates from a directory, as openssl's -CApath: every file in it holding certificates
 * (the c_rehash links point at the same files; duplicates do no harm).
 */
export function readCaDirectory(path: string, flag: string): string {
  let names: string[];
  try {
    if (!statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: not a directory (use --ca for a file)`);
    names = readdirSync(path).sort();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such directory' : (code ?? (err as Error).message)}`);
  }
  const pems: string[] = [];
  for (const name of names) {
    try {
      if (!statSync(join(path, name)).isFile()) continue;
      pems.push(readCertificateFile(join(path, name), flag));
    } catch {
      // files without certificates (READMEs, keys) are skipped, as openssl skips them
    }
  }
  if (pems.length === 0) throw new UsageError(`${flag} ${path}: holds no certificate file`);
  return pems.join('');
}

/** Whether a --key or --cert file needs a passphrase: an encrypted PEM key, or PKCS#12. */
export function needsPassphrase(path: string): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return false; // reported when the file is read for real
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(text)) return true;
  return !text.includes('-----BEGIN') && looksLikePkcs12(bytes);
}

/**
 * Asks for a passphrase on the terminal, without echo (bug 5: an encrypted key with no --pass).
 * Only when stdin and stderr are terminals; resolves undefined otherwise.
 */
export async function promptPassphrase(stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream, what: string): Promise<string | undefined> {
  if (!(stdin as { isTTY?: boolean }).isTTY || !(stderr as { isTTY?: boolean }).isTTY) return undefined;
  const { createInterface } = await import('node:readline');
  const prompt = `passphrase for ${what}: `;
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  // Echo nothing of what is typed: only the prompt itself is written.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.includes(prompt)) stderr.write(prompt);
  };
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      resolve(answer);
      rl.close();
      stderr.write('\n');
    });
    rl.once('close', () => resolve(undefined));
  });
}
