// Self-signed test certificates minted with the openssl CLI into a fresh temporary folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type CertKind = 'p256' | 'p384' | 'p521' | 'ed25519' | 'ed448' | 'rsa' | 'rsa-pss';

const newKeyArgs: Record<CertKind, string[]> = {
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-newkey', 'ed25519'],
  ed448: ['-newkey', 'ed448'],
  rsa: ['-newkey', 'rsa:2048'],
  'rsa-pss': ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'],
};

export interface TestCertificate {
  readonly kind: CertKind;
  /** PKCS#8 PEM. */
  readonly key: string;
  readonly cert: string;
  readonly keyPath: string;
  readonly certPath: string;
}

export class CertificateFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'tlskit-certs-'));
  private readonly made = new Map<CertKind, TestCertificate>();

  get(kind: CertKind): TestCertificate {
    let c = this.made.get(kind);
    if (!c) {
      const keyPath = join(this.dir, `${kind}.key`);
      const certPath = join(this.dir, `${kind}.crt`);
      this.openssl(
        'req',
        '-x509',
        ...newKeyArgs[kind],
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      );
      c = { kind, key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), keyPath, certPath };
      this.made.set(kind, c);
    }
    return c;
  }

  /** Runs openssl in the folder; returns stdout. */
  openssl(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
