// The trust a client has when it gives no `ca`, as node:tls's: the bundled Mozilla roots, the
// certificates of the file NODE_EXTRA_CA_CERTS names (read once, at first use; a file that cannot
// be read or parsed is skipped with a warning, as node does), and the system's store when node was
// started with --use-system-ca (Node 22.15/23.8 and later, through tls.getCACertificates('system')).
// Only the bundled roots are a curated root program; the others are private anchors.
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { TrustStore, readCertificates, type TrustStorePart } from '../x509/trust-store.js';
import { parseCertificate, type Certificate } from '../x509/certificate.js';
import { readPem } from '../x509/pem.js';

let store: TrustStore | undefined;

/** Whether this process asked node for the system store (--use-system-ca in its flags or NODE_OPTIONS). */
export function usesSystemCa(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.includes('--use-system-ca');
}

function extraCertificates(): TrustStorePart | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  let blocks;
  try {
    blocks = readPem(fs.readFileSync(file, 'latin1')).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
    if (blocks.length === 0) throw new Error('no certificate found');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
    return undefined;
  }
  // One certificate tlskit cannot parse (a system bundle may hold odd ones) costs only itself.
  const certificates: Certificate[] = [];
  const failures: string[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certificates.push(parseCertificate(block.der));
    } catch (err) {
      failures.push(`certificate ${i + 1}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) process.emitWarning(`Ignoring ${failures.length} of the extra certs from \`${file}\`, load failed: ${failures.join('; ')}`);
  return certificates.length > 0 ? { certificates, curated: false } : undefined;
}

function systemCertificates(): TrustStorePart | undefined {
  if (!usesSystemCa()) return undefined;
  const get = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof get !== 'function') return undefined; // node without a system store: it ignores nothing, the flag does not exist
  return { certificates: readCertificates(get('system')), curated: false };
}

/** The default trust store, built once per process. */
export function defaultTrustStore(): TrustStore {
  if (!store) {
    const parts: TrustStorePart[] = [{ certificates: readCertificates([...tls.rootCertificates]), curated: true }];
    const system = systemCertificates();
    if (system) parts.push(system);
    const extra = extraCertificates();
    if (extra) parts.push(extra);
    store = TrustStore.combine(parts);
  }
  return store;
}

/** The default trust as PEM strings, like node:tls's rootCertificates plus the extra and system ones. */
export function defaultCaCertificates(): string[] {
  return defaultTrustStore().anchors.map((c) => toPem(c.der));
}

export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
