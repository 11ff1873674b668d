// The certificates the feature interop tests (issues 4 and 5) hand to peers, minted with tlskit's
// own development CA module (src/devcert) into a temp dir once per test process: a CA; the server
// certificate for localhost and 127.0.0.1; a second one for SNI_NAME; a client certificate; and a
// delegated OCSP responder with a real OCSP response for the server certificate, signed by
// `openssl ocsp` from an index file (so every peer can parse and check it).
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate, subjectAltNamesFor, testKeyPair, type Issuer } from '../../src/devcert/index.js';
import { createSecureContext, type TlsServerOptions } from '../../src/node/server.js';
import { hasCommand } from '../helpers/peers.js';

/** Why OCSP cells cannot run here (openssl signs the response), or undefined. */
export const OCSP_UNAVAILABLE: string | undefined = hasCommand('openssl') ? undefined : 'openssl is not installed: it signs the OCSP response';

/** The name our SNI tests ask for: only the second server certificate holds it. */
export const SNI_NAME = 'alt.tlskit.test';

export interface CertFiles {
  /** Path of the PKCS#8 PEM key. */
  readonly key: string;
  /** Path of the PEM certificate. */
  readonly cert: string;
  readonly keyPem: string;
  readonly certPem: string;
  /** As getPeerCertificate().fingerprint256 gives it. */
  readonly fingerprint256: string;
}

export interface FeaturePki {
  readonly dir: string;
  /** Path of the PEM CA certificate, and its text. */
  readonly ca: string;
  readonly caPem: string;
  /** For localhost and 127.0.0.1 (P-256). */
  readonly server: CertFiles;
  /** For SNI_NAME only (P-256). */
  readonly alt: CertFiles;
  /** A client certificate (extendedKeyUsage clientAuth). */
  readonly client: CertFiles;
  /** A DER OCSP response saying `server` is good, and its path; undefined without openssl (OCSP_UNAVAILABLE). */
  readonly ocsp: { readonly path: string; readonly der: Buffer } | undefined;
}

const OPENSSL_TIMEOUT_MS = 20_000;

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/** "O=t\nCN=x" (node's X509Certificate.subject) as openssl's index files write it: "/O=t/CN=x". */
const slashName = (subject: string): string =>
  subject
    .split('\n')
    .map((rdn) => `/${rdn}`)
    .join('');

/** YYMMDDHHMMSSZ, the index file's date format. */
const indexDate = (d: Date): string => d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');

/**
 * `openssl ocsp` as a responder without a network: it builds the request for `cert` itself and
 * answers it from the index file (status V: valid), signing with the delegated responder.
 */
async function mintOcspResponse(dir: string, ca: string, responder: CertFiles, cert: CertFiles): Promise<Buffer> {
  const x = new X509Certificate(cert.certPem);
  const index = join(dir, 'ocsp-index.txt');
  const expires = indexDate(new Date(x.validTo));
  writeFileSync(index, `V\t${expires}\t\t${x.serialNumber}\tunknown\t${slashName(x.subject)}\n`);
  const out = join(dir, 'ocsp-response.der');
  await openssl(
    ['ocsp', '-index', index, '-CA', ca, '-rsigner', responder.cert, '-rkey', responder.key, '-issuer', ca, '-cert', cert.cert, '-ndays', '7', '-respout', out],
    dir,
  );
  return readFileSync(out);
}

async function mint(): Promise<FeaturePki> {
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-features-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const caKey = testKeyPair('ec-p256', 'ca');
  const issuer: Issuer = { key: caKey, certificate: createCertificate({ subject: 'CN=tlskit interop CA, O=tlskit tests', subjectKey: caKey, isCA: true }) };
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, issuer.certificate.pem);

  const leaf = (
    file: string,
    subject: string,
    options: { names?: readonly string[]; eku?: readonly ('serverAuth' | 'clientAuth' | 'OCSPSigning')[] },
  ): CertFiles => {
    const key = testKeyPair('ec-p256');
    const cert = createCertificate({
      subject,
      subjectKey: key,
      issuer,
      ...(options.names ? { subjectAltNames: subjectAltNamesFor(options.names) } : {}),
      ...(options.eku ? { extendedKeyUsage: options.eku } : {}),
    });
    const files = { key: join(dir, `${file}.key`), cert: join(dir, `${file}.crt`) };
    writeFileSync(files.key, key.privateKeyPem);
    writeFileSync(files.cert, cert.pem);
    return { ...files, keyPem: key.privateKeyPem, certPem: cert.pem, fingerprint256: new X509Certificate(cert.pem).fingerprint256 };
  };
  const server = leaf('server', 'CN=localhost, O=tlskit tests', { names: ['localhost', '127.0.0.1'] });
  const alt = leaf('alt', `CN=${SNI_NAME}, O=tlskit tests`, { names: [SNI_NAME] });
  const client = leaf('client', 'CN=tlskit interop client, O=tlskit tests', { eku: ['clientAuth'] });
  const responder = leaf('ocsp-responder', 'CN=tlskit interop OCSP responder, O=tlskit tests', { eku: ['OCSPSigning'] });

  const ocsp = OCSP_UNAVAILABLE ? undefined : { path: join(dir, 'ocsp-response.der'), der: await mintOcspResponse(dir, ca, responder, server) };
  return { dir, ca, caPem: issuer.certificate.pem, server, alt, client, ocsp };
}

let pki: Promise<FeaturePki> | undefined;

/** The test process's feature PKI, minted on first use. */
export function featurePki(): Promise<FeaturePki> {
  pki ??= mint();
  return pki;
}

/**
 * Our server's SNICallback for the SNI tests: the alt certificate for SNI_NAME, the default one
 * otherwise; `names` records what the client asked for.
 */
export function altSniCallback(pki: FeaturePki): { names: string[]; SNICallback: NonNullable<TlsServerOptions['SNICallback']> } {
  const names: string[] = [];
  const alt = createSecureContext({ key: pki.alt.keyPem, cert: pki.alt.certPem });
  return {
    names,
    SNICallback: (name, cb) => {
      names.push(name);
      cb(null, name === SNI_NAME ? alt : undefined);
    },
  };
}
