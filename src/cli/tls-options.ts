// What `tlskit client` and `tlskit server` share: TLS option flags, reading PEM files, the key
// log file, and printing a connection's events.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CommonOptions } from '../engine/options.js';
import type { TLSSocket } from '../node/tls-socket.js';
import type { Side } from './steps.js';
import type { Style } from './style.js';
import { TracePrinter } from './trace.js';

/** node:util parseArgs descriptions of the shared flags. */
export const tlsFlags = {
  alpn: { type: 'string' },
  'tls1.2': { type: 'boolean' },
  'tls1.3': { type: 'boolean' },
  ciphers: { type: 'string' },
  groups: { type: 'string' },
  trace: { type: 'boolean' },
  keylog: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TLS_FLAGS_HELP = `  --alpn LIST         ALPN protocols, comma-separated (e.g. h2,http/1.1)
  --tls1.2, --tls1.3  only this protocol version
  --ciphers LIST      cipher suites, OpenSSL or IANA names, ':'-separated
  --groups LIST       key exchange groups, ':'-separated (X25519:P-256:P-384)
  --trace             print every handshake message with its decoded fields
  --keylog FILE       append the session secrets in NSS key log format, for Wireshark
                      (default: the file named by $SSLKEYLOGFILE)`;

export interface TlsFlagValues {
  alpn?: string;
  'tls1.2'?: boolean;
  'tls1.3'?: boolean;
  ciphers?: string;
  groups?: string;
}

/** A bad flag, reported with the usage (exit status 2). */
export class UsageError extends Error {}

export function tlsOptionsFrom(values: TlsFlagValues): CommonOptions {
  if (values['tls1.2'] && values['tls1.3']) throw new UsageError('--tls1.2 and --tls1.3 exclude each other');
  const alpn = values.alpn?.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  return {
    ...(values['tls1.2'] ? { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const : {}),
    ...(values['tls1.3'] ? { minVersion: 'TLSv1.3' } as const : {}),
    ...(alpn && alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
    ...(values.ciphers ? { ciphers: values.ciphers } : {}),
    ...(values.groups ? { ecdhCurve: values.groups } : {}),
  };
}

/** The text of a file named by `flag`, or a UsageError that says what went wrong. */
export function readTextFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The key log: lines appended as they come (written at once, so a capture tool can use them while
 * we run). The file holds secrets: it is created readable by its owner only.
 */
export class KeyLogFile {
  private readonly fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'a', 0o600);
    } catch (err) {
      throw new UsageError(`cannot open the key log file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  /** Logs the secrets of `socket` (call before its handshake starts). */
  watch(socket: TLSSocket): void {
    socket.on('keylog', (line: Buffer) => writeSync(this.fd, line));
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The key log path: --keylog, else $SSLKEYLOGFILE (as browsers, curl and openssl read it). */
export function keyLogPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env['SSLKEYLOGFILE'] || undefined);
}

/** Prints the handshake of `socket` as it happens, when tracing. */
export function traceSocket(socket: TLSSocket, side: Side, out: (line: string) => void, s: Style, prefix = ''): void {
  const printer = new TracePrinter(side, out, s, prefix);
  socket.on('tlsEvent', (event) => printer.event(event));
}
