// One face for both implementations: the benchmark connects and listens through these two
// functions, giving tlskit and node:tls exactly the same node:tls-style options.
import * as nodeTls from 'node:tls';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import type { Impl, TlsParams } from './scenarios.js';
import type { BenchCertificates } from './certs.js';

/** What the benchmark uses of a TLS socket; both TLSSocket classes have it. */
export interface BenchSocket extends Duplex {
  getProtocol(): string | null;
  getCipher(): { readonly name: string; readonly standardName?: string } | undefined;
  getEphemeralKeyInfo(): { readonly name?: string } | object | null;
  isSessionReused(): boolean;
  setNoDelay(noDelay?: boolean): this;
}

type TlskitModule = typeof import('../src/index.js');
let tlskitModule: TlskitModule | undefined;

/** Loads tlskit only in processes that use it, so node:tls processes carry none of its memory. */
export async function loadImpl(impl: Impl): Promise<void> {
  if (impl === 'tlskit' && !tlskitModule) tlskitModule = await import('../src/index.js');
}

function tlskit(): TlskitModule {
  if (!tlskitModule) throw new Error('loadImpl("tlskit") was not awaited');
  return tlskitModule;
}

/** PEM text read once per process. */
export interface Pems {
  readonly ca: string;
  readonly ecdsa: { readonly key: string; readonly cert: string };
  readonly rsa: { readonly key: string; readonly cert: string };
}

export function readPems(certs: BenchCertificates): Pems {
  const read = (p: string): string => readFileSync(p, 'utf8');
  return {
    ca: read(certs.ca),
    ecdsa: { key: read(certs.ecdsa.key), cert: read(certs.ecdsa.cert) },
    rsa: { key: read(certs.rsa.key), cert: read(certs.rsa.cert) },
  };
}

function versionOptions(tls: TlsParams): { minVersion: TlsParams['version']; maxVersion: TlsParams['version']; ciphers: string; ecdhCurve: string } {
  return { minVersion: tls.version, maxVersion: tls.version, ciphers: tls.cipher, ecdhCurve: tls.group };
}

/**
 * Opens a TLS connection to 127.0.0.1. Both clients verify the chain against the bench CA and the
 * name `localhost` (tlskit with its own X.509 path validation, node:tls with OpenSSL's).
 * May throw synchronously when an option names something the implementation lacks.
 */
export function connectTls(impl: Impl, port: number, tls: TlsParams, pems: Pems, session?: Buffer): BenchSocket {
  const options = {
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: pems.ca,
    ...versionOptions(tls),
    ...(session ? { session } : {}),
  };
  if (impl === 'node') return nodeTls.connect(options) as unknown as BenchSocket;
  return tlskit().connect(options) as unknown as BenchSocket;
}

/** A TLS server with the row's certificate; `onSecure` gets each established connection. */
export function createTlsServer(impl: Impl, tls: TlsParams, pems: Pems, onSecure: (socket: BenchSocket) => void): Server {
  const options = { ...pems[tls.cert], ...versionOptions(tls) };
  if (impl === 'node') return nodeTls.createServer(options, (s) => onSecure(s as unknown as BenchSocket));
  return tlskit().createServer(options, (s) => onSecure(s as unknown as BenchSocket));
}
