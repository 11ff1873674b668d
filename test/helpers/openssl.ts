// Runs the openssl command line for tests that want a second opinion on our encodings. Where
// openssl is missing, `opensslMissing` is a skip reason for node:test; otherwise it is false.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for assertions on messages that may go to either. */
  readonly output: string;
}

const TIMEOUT_MS = 20_000;

export function openssl(args: readonly string[], input?: string | Uint8Array): OpensslResult {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error) throw r.error;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  return { status: r.status ?? -1, stdout, stderr, output: stdout + stderr };
}

export const opensslMissing: string | false = (() => {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? false : 'the openssl command is not installed';
})();

/** `openssl x509 -noout -text` of a PEM certificate; throws when openssl cannot read it. */
export function opensslText(pem: string): string {
  const r = openssl(['x509', '-noout', '-text'], pem);
  if (r.status !== 0) throw new Error(`openssl x509 -text failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-test-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface VerifyRequest {
  /** Trusted roots (PEM). */
  readonly caPem: string;
  /** Intermediates offered but not trusted (PEM). */
  readonly untrustedPem?: string;
  /** The certificate to verify (PEM). */
  readonly certPem: string;
  /** More flags, e.g. ['-purpose', 'sslserver', '-verify_hostname', 'localhost']. */
  readonly flags?: readonly string[];
}

/**
 * `openssl verify -x509_strict -CAfile ... [-untrusted ...]`: ok is true only for a clean "OK";
 * output holds openssl's reason otherwise.
 */
export function opensslVerify(request: VerifyRequest): { ok: boolean; output: string } {
  return withTempDir((dir) => {
    const ca = join(dir, 'ca.pem');
    const cert = join(dir, 'cert.pem');
    writeFileSync(ca, request.caPem);
    writeFileSync(cert, request.certPem);
    const args = ['verify', '-x509_strict', '-CAfile', ca];
    if (request.untrustedPem !== undefined) {
      const untrusted = join(dir, 'untrusted.pem');
      writeFileSync(untrusted, request.untrustedPem);
      args.push('-untrusted', untrusted);
    }
    const r = openssl([...args, ...(request.flags ?? []), cert]);
    return { ok: r.status === 0 && r.stdout.trim() === `${cert}: OK`, output: r.output };
  });
}
