// Test PKI minted with the openssl command line (3.0+) in a temporary directory: keys,
// certificates with arbitrary v3 extensions, and CRLs. Each helper returns PEM and DER.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPem } from '../../src/asn1/pem.js';

export type KeyAlgorithm = 'ec' | 'ec384' | 'rsa' | 'rsa1024' | 'ed25519';

export interface Issued {
  readonly name: string;
  readonly pem: string;
  readonly der: Uint8Array;
  readonly keyFile: string;
  readonly certFile: string;
}

export interface CertOptions {
  /** openssl -subj form, e.g. '/CN=leaf'. '/' alone gives an empty subject. */
  readonly subject: string;
  /** The issuing certificate; omitted: self-signed. */
  readonly issuer?: Issued;
  readonly key?: KeyAlgorithm;
  /** Reuse the key of an earlier certificate (cross-signing, re-issuing). */
  readonly reuseKeyOf?: Issued;
  /** Lines of the v3 extension section (openssl x509v3_config syntax). */
  readonly extensions: readonly string[];
  readonly days?: number;
  readonly serial?: string;
  /** openssl -sigopt values for the issuer's signature, e.g. ['rsa_padding_mode:pss']. */
  readonly signatureOptions?: readonly string[];
}

export const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
] as const;

export function leafExtensions(...sans: string[]): string[] {
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid:always',
    ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
  ];
}

const keyArgs: Record<KeyAlgorithm, string[]> = {
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  ed25519: ['-algorithm', 'ED25519'],
};

function derOf(pem: string): Uint8Array {
  return readPem(pem)[0]!.der;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'tlskit-x509-'));
  private count = 0;

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  cert(options: CertOptions): Issued {
    const name = `c${++this.count}`;
    const keyFile = options.reuseKeyOf?.keyFile ?? this.path(`${name}.key`);
    if (!options.reuseKeyOf) this.openssl(['genpkey', ...keyArgs[options.key ?? 'ec'], '-out', keyFile]);
    const extFile = this.path(`${name}.ext`);
    writeFileSync(extFile, `[v3]\n${options.extensions.join('\n')}\n`);
    const csr = this.path(`${name}.csr`);
    this.openssl(['req', '-new', '-key', keyFile, '-subj', options.subject, '-out', csr]);
    const certFile = this.path(`${name}.pem`);
    const signing = options.issuer ? ['-CA', options.issuer.certFile, '-CAkey', options.issuer.keyFile] : ['-signkey', keyFile];
    this.openssl([
      'x509',
      '-req',
      '-in',
      csr,
      ...signing,
      '-extfile',
      extFile,
      '-extensions',
      'v3',
      ...(options.signatureOptions ?? []).flatMap((o) => ['-sigopt', o]),
      '-set_serial',
      options.serial ?? `0x${(0x1000 + this.count).toString(16)}`,
      '-days',
      String(options.days ?? 30),
      '-out',
      certFile,
    ]);
    const pem = readFileSync(certFile, 'utf8');
    return { name, pem, der: derOf(pem), keyFile, certFile };
  }

  /** A CRL from `issuer` revoking the given certificates (openssl ca -gencrl). */
  crl(issuer: Issued, revoked: readonly Issued[], options: { days?: number; crlNumber?: boolean } = {}): { pem: string; der: Uint8Array } {
    const name = `crl${++this.count}`;
    const index = this.path(`${name}.index`);
    const lines = revoked.map((c) => {
      const serial = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', c.certFile]).toString().trim().split('=')[1]!;
      return `R\t491231235959Z\t240101000000Z\t${serial}\tunknown\t/CN=x`;
    });
    writeFileSync(index, lines.map((l) => `${l}\n`).join(''));
    writeFileSync(this.path(`${name}.number`), '01\n');
    const config = this.path(`${name}.cnf`);
    writeFileSync(
      config,
      [
        '[ca]',
        'default_ca=ca',
        '[ca]',
        `database=${index}`,
        ...(options.crlNumber === false ? [] : [`crlnumber=${this.path(`${name}.number`)}`]),
        'default_md=sha256',
        `default_crl_days=${options.days ?? 30}`,
        'crl_extensions=crl_ext',
        '[crl_ext]',
        'authorityKeyIdentifier=keyid:always',
        '',
      ].join('\n'),
    );
    const out = this.path(`${name}.pem`);
    this.openssl(['ca', '-gencrl', '-config', config, '-keyfile', issuer.keyFile, '-cert', issuer.certFile, '-out', out]);
    const pem = readFileSync(out, 'utf8');
    return { pem, der: derOf(pem) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A root, an intermediate and a leaf for www.example.com, the usual shape. */
export function standardChain(
  pki: TestPki,
  leafSans: string[] = ['DNS:www.example.com', 'DNS:example.com'],
): { root: Issued; intermediate: Issued; leaf: Issued } {
  // CAs outlive the 30-day leaf, so that validity tests around the leaf's bounds judge the leaf alone.
  const root = pki.cert({ subject: '/CN=Test Root/O=tlskit', extensions: CA_EXTENSIONS, days: 3650 });
  const intermediate = pki.cert({ subject: '/CN=Test Intermediate/O=tlskit', issuer: root, extensions: CA_EXTENSIONS, days: 365 });
  const leaf = pki.cert({ subject: '/CN=www.example.com', issuer: intermediate, extensions: leafExtensions(...leafSans) });
  return { root, intermediate, leaf };
}

export const DAY = 24 * 60 * 60 * 1000;
