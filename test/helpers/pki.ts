// A throwaway PKI for tests: one CA and a leaf per key type for `localhost` and 127.0.0.1, minted
// once per test process in a temp dir (removed at exit). Minted with the openssl CLI for now; the
// API is kept small so the `tlskit cert` dev-CA module can replace the minting later.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export type CertKind = 'rsa' | 'ec' | 'ed25519' | 'p521';
/** The kinds the interop matrix crosses with every suite and group; 'p521' has cells of its own (issue 15). */
export const CERT_KINDS: readonly CertKind[] = ['rsa', 'ec', 'ed25519'];
const MINTED_KINDS: readonly CertKind[] = [...CERT_KINDS, 'p521'];

export interface KeyAndCert {
  /** Path of the PEM private key (PKCS#8). */
  readonly key: string;
  /** Path of the PEM leaf certificate, signed by the CA. */
  readonly cert: string;
}

export interface TestPki {
  readonly dir: string;
  readonly caPem: string;
  /** Path of the PEM CA certificate. */
  readonly ca: string;
  readonly certs: Readonly<Record<CertKind, KeyAndCert>>;
}

const OPENSSL_TIMEOUT_MS = 30_000;

const keyAlgorithm: Record<CertKind | 'ca', string[]> = {
  ca: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ed25519: ['-algorithm', 'ED25519'],
  p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
};

// RSA keys may also encipher (TLS 1.2 RSA key transport); the others only sign.
const keyUsage: Record<CertKind, string> = {
  rsa: 'critical,digitalSignature,keyEncipherment',
  ec: 'critical,digitalSignature',
  ed25519: 'critical,digitalSignature',
  p521: 'critical,digitalSignature',
};

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

const serial = (): string =>
  `0x${randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1')}`;

async function mintLeaf(dir: string, kind: CertKind): Promise<KeyAndCert> {
  const key = join(dir, `${kind}.key`);
  const cert = join(dir, `${kind}.crt`);
  const csr = join(dir, `${kind}.csr`);
  const ext = join(dir, `${kind}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=${keyUsage[kind]}`,
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  await openssl(['genpkey', ...keyAlgorithm[kind], '-out', key], dir);
  await openssl(['req', '-new', '-key', key, '-subj', `/O=tlskit tests/CN=localhost ${kind}`, '-out', csr], dir);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial(), '-days', '30', '-sha256', '-extfile', ext, '-out', cert],
    dir,
  );
  return { key, cert };
}

async function mint(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  await openssl(['genpkey', ...keyAlgorithm.ca, '-out', 'ca.key'], dir);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/O=tlskit tests/CN=tlskit test CA',
      '-days',
      '30',
      '-sha256',
      '-set_serial',
      serial(),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  const [rsa, ec, ed25519, p521] = await Promise.all(MINTED_KINDS.map((kind) => mintLeaf(dir, kind)));
  const ca = join(dir, 'ca.crt');
  return { dir, caPem: readFileSync(ca, 'utf8'), ca, certs: { rsa: rsa!, ec: ec!, ed25519: ed25519!, p521: p521! } };
}

let pki: Promise<TestPki> | undefined;

/** The test process's PKI, minted on first use. */
export function testPki(): Promise<TestPki> {
  pki ??= mint();
  return pki;
}
