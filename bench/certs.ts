// Certificates for the benchmark: a P-256 CA and two `localhost` leaves under it (ECDSA P-256 and
// RSA-2048), minted with the openssl CLI into a temporary directory. All of it lives in
// mintCertificates() so that it can be swapped for src/devcert in one place.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Paths to PEM files. */
export interface BenchCertificates {
  readonly dir: string;
  readonly ca: string;
  readonly ecdsa: { readonly key: string; readonly cert: string };
  readonly rsa: { readonly key: string; readonly cert: string };
}

const LEAF_EXTENSIONS = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:localhost, IP:127.0.0.1',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
].join('\n');

export function mintCertificates(): BenchCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-bench-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const serial = (): string => `0x${randomBytes(8).toString('hex')}`;

  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at('ca.key'));
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    at('ca.key'),
    '-subj',
    '/CN=tlskit bench CA',
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
    at('ca.crt'),
  );
  writeFileSync(at('leaf.ext'), `${LEAF_EXTENSIONS}\n`);
  const leaf = (name: string, keygen: string[]): { key: string; cert: string } => {
    openssl('genpkey', ...keygen, '-out', at(`${name}.key`));
    openssl('req', '-new', '-key', at(`${name}.key`), '-subj', '/CN=localhost', '-out', at(`${name}.csr`));
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-set_serial',
      serial(),
      '-days',
      '30',
      '-sha256',
      '-extfile',
      at('leaf.ext'),
      '-out',
      at(`${name}.crt`),
    );
    return { key: at(`${name}.key`), cert: at(`${name}.crt`) };
  };
  return {
    dir,
    ca: at('ca.crt'),
    ecdsa: leaf('ecdsa', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    rsa: leaf('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
  };
}

export function removeCertificates(certs: BenchCertificates): void {
  rmSync(certs.dir, { recursive: true, force: true });
}
