// The trust a client has when it gives no `ca`, as node:tls's. Where node says what that is
// (tls.getCACertificates('default'), Node 22.15/23.8 and later), it is node's list itself: the
// bundled Mozilla roots, or OpenSSL's store with --use-openssl-ca; NODE_EXTRA_CA_CERTS; the system
// store with --use-system-ca; or what tls.setDefaultCACertificates() set. Elsewhere (Node 20): the
// bundled roots and the certificates of the file NODE_EXTRA_CA_CERTS names (read once, at first
// use; a file that cannot be read or parsed is skipped with a warning, as node does); a process
// started with --use-openssl-ca is refused, because that Node cannot tell us OpenSSL's store and
// the bundled roots in its place would trust what the operator chose not to.
// Only certificates byte for byte among the bundled roots are a curated root program; the others
// are private anchors.
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { TrustStore, readCertificates, type TrustStorePart } from '../x509/trust-store.js';
import { parseCertificate, type Certificate } from '../x509/certificate.js';
import { readPem } from '../asn1/pem.js';

type NodeGetCaCertificates = (type: string) => readonly string[];

/** node:tls's getCACertificates where this Node has it. */
function nodeGetCaCertificates(): NodeGetCaCertificates | undefined {
  const get = (tls as unknown as { getCACertificates?: NodeGetCaCertificates }).getCACertificates;
  return typeof get === 'function' ? get : undefined;
}

let store: TrustStore | undefined;

function nodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/** Whether node trusts OpenSSL's store instead of the bundled roots (the last of the two flags wins). */
function usesOpensslCa(): boolean {
  const flags = nodeFlags().filter((f) => f === '--use-openssl-ca' || f === '--use-bundled-ca');
  return flags[flags.length - 1] === '--use-openssl-ca';
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

/** The certificates of node's default list, each parsed alone: one tlskit cannot parse costs only itself. */
function fromNodeDefault(pems: readonly string[]): TrustStore {
  const bundled = new Set(tls.rootCertificates.map((pem) => pem.trim()));
  const curated: Certificate[] = [];
  const others: Certificate[] = [];
  const failures: string[] = [];
  for (const [i, pem] of pems.entries()) {
    try {
      for (const c of readCertificates(pem)) (bundled.has(pem.trim()) ? curated : others).push(c);
    } catch (err) {
      failures.push(`certificate ${i + 1}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) process.emitWarning(`tlskit: ignoring ${failures.length} of node's default CA certificates it cannot parse: ${failures.join('; ')}`);
  return TrustStore.combine([
    { certificates: curated, curated: true },
    { certificates: others, curated: false },
  ]);
}

let nodeDefault: { pems: readonly string[]; store: TrustStore } | undefined;

/**
 * The default trust store. Node's own default list when this Node gives it (rebuilt when it changes,
 * as after tls.setDefaultCACertificates(); node hands out the same array until then), else built
 * once per process.
 */
export function defaultTrustStore(): TrustStore {
  const get = nodeGetCaCertificates();
  if (get) {
    const pems = get('default');
    if (nodeDefault?.pems !== pems) nodeDefault = { pems, store: fromNodeDefault(pems) };
    return nodeDefault.store;
  }
  if (usesOpensslCa()) {
    throw new TypeError(
      "tlskit cannot read OpenSSL's CA store, which --use-openssl-ca asks node to trust, on this Node (tls.getCACertificates() needs Node 22.15 or later): pass the certificates to trust as ca (for example fs.readFileSync('/etc/ssl/certs/ca-certificates.crt')), or drop the flag to trust node's bundled roots",
    );
  }
  if (!store) {
    const parts: TrustStorePart[] = [{ certificates: readCertificates([...tls.rootCertificates]), curated: true }];
    const extra = extraCertificates();
    if (extra) parts.push(extra);
    store = TrustStore.combine(parts);
  }
  return store;
}

/** The default trust as PEM strings, as node:tls's getCACertificates('default'). */
export function defaultCaCertificates(): string[] {
  return defaultTrustStore().anchors.map((c) => toPem(c.der));
}

export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
