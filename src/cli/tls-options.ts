// What `tlskit client` and `tlskit server` share: TLS option flags, reading PEM files, the key
// log file, and printing a connection's events.
import { closeSync, openSync, writeSync } from 'node:fs';
import { NoCipherMatchError, parseCipherString, supportedCipherNames } from '../engine/cipher-string.js';
import { parseGroups, type CommonOptions } from '../engine/options.js';
import type { TLSSocket } from '../node/tls-socket.js';
import type { Side } from './steps.js';
import type { Style } from './style.js';
import { readInput } from './files.js';
import { TracePrinter } from './trace.js';
import { UsageError } from './usage.js';

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
  --ciphers LIST      cipher suites, OpenSSL or IANA names, ':'-separated (an OpenSSL
                      cipher string; a list selecting no suite tlskit has is refused)
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

export { UsageError } from './usage.js';

/**
 * Checks a --ciphers list as the library will read it, naming the flag: a list that selects no
 * suite tlskit implements is a UsageError listing the supported names; words that select nothing
 * in a list that still selects suites come back as warnings (OpenSSL skips them silently).
 */
export function checkCipherList(flag: string, list: string): string[] {
  try {
    parseCipherString(list, flag);
  } catch (err) {
    if (err instanceof NoCipherMatchError) {
      throw new UsageError(`${flag}: '${list}' selects no cipher suite tlskit implements; supported: ${supportedCipherNames().join(' ')}`);
    }
    throw new UsageError((err as Error).message);
  }
  const warnings: string[] = [];
  for (const raw of list.split(/[:,\s]+/)) {
    const word = raw.split('@')[0]!;
    // Exclusions (!X, -X) of what tlskit lacks are fine: there is nothing to exclude.
    if (word.length === 0 || word.startsWith('!') || word.startsWith('-')) continue;
    try {
      parseCipherString(word.replace(/^\+/, ''), flag);
    } catch {
      warnings.push(`${flag}: '${word}' selects no cipher suite tlskit implements: ignored`);
    }
  }
  return warnings;
}

/** Library options from the shared flags; `warn` gets what is doubtful but not wrong. */
export function tlsOptionsFrom(values: TlsFlagValues, warn: (message: string) => void = () => undefined): CommonOptions {
  if (values['tls1.2'] && values['tls1.3']) throw new UsageError('--tls1.2 and --tls1.3 exclude each other');
  if (values.ciphers !== undefined) for (const w of checkCipherList('--ciphers', values.ciphers)) warn(w);
  if (values.groups !== undefined) {
    try {
      parseGroups(values.groups);
    } catch (err) {
      throw new UsageError(`--groups: ${(err as Error).message.replace(/^ecdhCurve:? ?/, '')}`);
    }
  }
  const alpn = values.alpn
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return {
    ...(values['tls1.2'] ? ({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const) : {}),
    ...(values['tls1.3'] ? ({ minVersion: 'TLSv1.3' } as const) : {}),
    ...(alpn && alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
    ...(values.ciphers ? { ciphers: values.ciphers } : {}),
    ...(values.groups ? { ecdhCurve: values.groups } : {}),
  };
}

/** The text of a file named by `flag`, or a UsageError that says what went wrong. */
export function readTextFile(path: string, flag: string): string {
  return readInput(path, flag).toString('utf8');
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
