// The x509-limbo harness (shared/x509-limbo/README.md): runs each test case through
// verifyCertificateChain with the case's time, anchors, intermediates, name, usage, depth and CRLs.
// Each case runs in a worker thread under a time limit; a hang or a crash counts as FAILURE.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TlsError } from '../src/errors.js';
import { nodeCryptoProvider } from '../src/crypto/node/provider.js';
import { readCrls, readPem, TrustStore, verifyCertificateChain, verifyEmailAddress, verifyHostname } from '../src/x509/index.js';

export interface LimboPeerName {
  readonly kind: 'DNS' | 'IP' | 'RFC822';
  readonly value: string;
}

export interface LimboCase {
  readonly id: string;
  readonly features?: readonly string[];
  readonly validation_kind: 'SERVER' | 'CLIENT';
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
  readonly validation_time: string | null;
  readonly signature_algorithms: readonly string[];
  readonly key_usage: readonly string[];
  readonly extended_key_usage: readonly string[];
  readonly expected_result: 'SUCCESS' | 'FAILURE';
  readonly expected_peer_name: LimboPeerName | null;
  readonly expected_peer_names: readonly LimboPeerName[];
  readonly max_chain_depth: number | null;
  readonly crls: readonly string[];
}

export type ActualResult = 'SUCCESS' | 'FAILURE' | 'SKIPPED';

export interface CaseResult {
  readonly id: string;
  readonly actual_result: ActualResult;
  readonly context: string;
}

/**
 * Capabilities we deliberately do not offer, by limbo feature tag, with the reason. Cases are
 * skipped only through this table (never by id).
 */
export const SKIPPED_FEATURES: Readonly<Record<string, string>> = {
  'rfc5280-incompatible-with-webpki': 'where RFC 5280 and WebPKI disagree we follow WebPKI (a non-critical nameConstraints extension is honoured, not refused)',
  'pedantic-webpki-eku':
    'CABF requires extendedKeyUsage in subscriber certificates, but private PKIs routinely omit it; we follow RFC 5280 §4.2.1.12 (absent means any purpose), so these cases would be judged by a rule we do not apply',
  'pedantic-rfc5280':
    'the one such case asks to refuse a trust anchor that lacks authorityKeyIdentifier; RFC 5280 §6.1.1(d) takes an anchor as a configured name and key, so we do not judge how the anchor certificate was issued',
  'pedantic-public-suffix-wildcard':
    'refusing wildcards over multi-label public suffixes (*.co.uk) needs the Public Suffix List, which the x509 module does not ship; single-label ones (*.com) are refused',
};

/** The shared directory: $TLSKIT_SHARED, else ../shared beside the repository root. */
export function sharedDir(): string {
  if (process.env.TLSKIT_SHARED) return resolve(process.env.TLSKIT_SHARED);
  // This file runs from dist/scripts/: the repository root is two levels up.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(root, '..', 'shared');
}

export function limboPath(): string {
  return join(sharedDir(), 'x509-limbo', 'limbo.json');
}

export function loadLimbo(path = limboPath()): LimboCase[] {
  if (!existsSync(path)) throw new Error(`x509-limbo suite not found at ${path} (set TLSKIT_SHARED to the shared directory)`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { testcases: LimboCase[] }).testcases;
}

export function skipReason(tc: LimboCase): string | undefined {
  for (const f of tc.features ?? []) if (SKIPPED_FEATURES[f]) return `feature ${f}: ${SKIPPED_FEATURES[f]}`;
  return undefined;
}

function pemToDer(pem: string): Uint8Array {
  const blocks = readPem(pem);
  if (blocks.length !== 1) throw new Error(`expected one PEM block, found ${blocks.length}`);
  return blocks[0]!.der;
}

/** Runs one case synchronously (no time limit): the verdict and what decided it. */
export function runCase(tc: LimboCase): CaseResult {
  const skip = skipReason(tc);
  if (skip) return { id: tc.id, actual_result: 'SKIPPED', context: skip };
  try {
    const trustAnchors = TrustStore.from(tc.trusted_certs);
    const chain = [pemToDer(tc.peer_certificate), ...tc.untrusted_intermediates.map(pemToDer)];
    const usage = tc.validation_kind === 'CLIENT' || tc.extended_key_usage.includes('clientAuth') ? 'client' : 'server';
    const peerName = tc.expected_peer_name;
    const serverName = peerName && (peerName.kind === 'DNS' || peerName.kind === 'IP') ? peerName.value : undefined;
    const { path } = verifyCertificateChain(chain, {
      provider: nodeCryptoProvider,
      trustAnchors,
      usage,
      ...(serverName !== undefined ? { serverName } : {}),
      ...(tc.validation_time ? { now: new Date(tc.validation_time) } : {}),
      ...(tc.crls.length > 0 ? { crls: readCrls(tc.crls) } : {}),
      ...(tc.max_chain_depth !== null ? { maxDepth: tc.max_chain_depth } : {}),
      // limbo judges RFC 5280's conformance rule that CAs include an authorityKeyIdentifier
      // (rfc5280::aki::*-missing-aki). tlskit follows OpenSSL, Go, rustls-webpki and Chrome and
      // does not require it by default; the strict rule is opt-in, and checked here. Without it,
      // those two cases are accepted, as by the verifiers named.
      requireAuthorityKeyIdentifier: true,
    });
    const leaf = path[0]!;
    const names = [...(peerName && peerName.kind === 'RFC822' ? [peerName] : []), ...tc.expected_peer_names];
    for (const n of names) {
      const ok = n.kind === 'RFC822' ? verifyEmailAddress(leaf, n.value) : verifyHostname(leaf, n.value);
      if (!ok) return { id: tc.id, actual_result: 'FAILURE', context: `certificate is not valid for ${n.kind} name "${n.value}"` };
    }
    return { id: tc.id, actual_result: 'SUCCESS', context: `path of ${path.length}: ${path.map((c) => c.subject.text || '(empty)').join(' <- ')}` };
  } catch (err) {
    if (err instanceof TlsError) return { id: tc.id, actual_result: 'FAILURE', context: `${err.alert}: ${err.message}` };
    return { id: tc.id, actual_result: 'FAILURE', context: `exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  }
}

/** Runs all cases in a worker, each under `timeoutMs`; a case that overruns is FAILURE and the worker restarts. */
export async function runAll(cases: readonly LimboCase[], timeoutMs = 5000): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const workerFile = new URL('./limbo-worker.js', import.meta.url);
  while (results.length < cases.length) {
    const start = results.length;
    await new Promise<void>((done) => {
      const worker = new Worker(workerFile, { workerData: { path: limboPath(), ids: cases.slice(start).map((c) => c.id) } });
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          const tc = cases[results.length]!;
          results.push({ id: tc.id, actual_result: 'FAILURE', context: `timed out after ${timeoutMs} ms` });
          void worker.terminate();
        }, timeoutMs);
      };
      arm();
      worker.on('message', (r: CaseResult) => {
        results.push(r);
        arm();
      });
      worker.on('error', (err) => {
        if (results.length < cases.length) results.push({ id: cases[results.length]!.id, actual_result: 'FAILURE', context: `worker crashed: ${err.message}` });
      });
      worker.on('exit', () => {
        if (timer) clearTimeout(timer);
        done();
      });
    });
  }
  return results;
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly byNamespace: Record<string, { passed: number; failed: number; skipped: number }>;
  /** Cases that must be rejected but were accepted: each is a security bug. */
  readonly wronglyAccepted: readonly string[];
  readonly failedIds: readonly string[];
}

export function summarize(cases: readonly LimboCase[], results: readonly CaseResult[]): Summary {
  const expected = new Map(cases.map((c) => [c.id, c.expected_result]));
  const byNamespace: Record<string, { passed: number; failed: number; skipped: number }> = {};
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const wronglyAccepted: string[] = [];
  const failedIds: string[] = [];
  for (const r of results) {
    const ns = r.id.split('::')[0]!;
    const row = (byNamespace[ns] ??= { passed: 0, failed: 0, skipped: 0 });
    if (r.actual_result === 'SKIPPED') {
      skipped++;
      row.skipped++;
    } else if (r.actual_result === expected.get(r.id)) {
      passed++;
      row.passed++;
    } else {
      failed++;
      row.failed++;
      failedIds.push(r.id);
      if (r.actual_result === 'SUCCESS') wronglyAccepted.push(r.id);
    }
  }
  return { passed, failed, skipped, byNamespace, wronglyAccepted, failedIds };
}
