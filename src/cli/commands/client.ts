// `tlskit client HOST:PORT`: like `openssl s_client`. Connects (after a STARTTLS exchange if
// asked), says what was negotiated and whether the certificate chain validated, then copies stdin
// to the server and what the server sends to stdout. Diagnostics go to stderr, so stdout carries
// only the server's bytes.
import * as net from 'node:net';
import { parseArgs } from 'node:util';
import type { HandshakeStep, TlsEvent } from '../../engine/events.js';
import { connect, type ConnectOptions } from '../../node/connect.js';
import { negotiateStartTls, START_TLS_PROTOCOLS, type StartTlsProtocol } from '../../node/starttls.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import { upgrade } from '../../node/upgrade.js';
import { ExitCode, type CommandIo } from '../command.js';
import { explainFailure, type ClientHelloStep } from '../explain.js';
import { describeCertificateLine } from '../steps.js';
import { styleFor, type Style } from '../style.js';
import { KeyLogFile, keyLogPath, readTextFile, TLS_FLAGS_HELP, tlsFlags, tlsOptionsFrom, traceSocket, UsageError } from '../tls-options.js';

export const CLIENT_USAGE = `Usage: tlskit client HOST:PORT [options]

Connects with TLS, prints the negotiated version, cipher suite, group and ALPN protocol and the
server's certificate chain with the validation verdict, then copies stdin to the server and the
server's data to stdout (like openssl s_client). Diagnostics go to stderr. When stdin ends, the
client sends close_notify and keeps reading until the server closes.

  --servername NAME   server name for SNI and the certificate check
                      (default: HOST, unless it is an IP address)
  --ca FILE           trust the CA certificates in FILE (PEM) instead of Node's bundled roots
  --insecure          go on when the certificate does not validate (the verdict is still shown)
  --starttls PROTO    first the plaintext exchange of PROTO (as openssl s_client):
                      smtp, lmtp, imap, pop3, ftp, xmpp, ldap, mysql, postgres,
                      nntp or sieve; xmpp opens its stream to --servername or HOST
${TLS_FLAGS_HELP}
  --quiet             print nothing but the server's data (and errors)
  -h, --help          show this help
`;

const clientFlags = {
  ...tlsFlags,
  servername: { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  starttls: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** HOST:PORT, [IPv6]:PORT, or HOST (port 443). */
export function parseTarget(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`'${text}' is not HOST:PORT`);
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`'${m[2]}' is not a port number`);
  return { host: m[1]!, port };
}

export interface ClientContext {
  readonly stdin?: NodeJS.ReadableStream;
  readonly env?: NodeJS.ProcessEnv;
}

export async function runClient(argv: string[], io: CommandIo, context: ClientContext = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: clientFlags, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(CLIENT_USAGE);
    return ExitCode.ok;
  }
  let target: { host: string; port: number };
  let options: ConnectOptions;
  let keylog: KeyLogFile | undefined;
  let starttls: StartTlsProtocol | undefined;
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the server as HOST:PORT' : `one HOST:PORT, not ${positionals.length} arguments`);
    target = parseTarget(positionals[0]!);
    if (values.starttls !== undefined) {
      if (!(START_TLS_PROTOCOLS as readonly string[]).includes(values.starttls)) throw new UsageError(`--starttls takes ${START_TLS_PROTOCOLS.slice(0, -1).join(', ')} or ${START_TLS_PROTOCOLS.at(-1)}, not '${values.starttls}'`);
      starttls = values.starttls as StartTlsProtocol;
    }
    options = {
      ...tlsOptionsFrom(values),
      host: target.host,
      port: target.port,
      handshakeTimeout: 30_000,
      ...(values.servername !== undefined ? { servername: values.servername } : {}),
      ...(values.ca !== undefined ? { ca: readTextFile(values.ca, '--ca') } : {}),
      ...(values.insecure ? { rejectUnauthorized: false } : {}),
    };
    const path = keyLogPath(values.keylog, context.env);
    if (path) keylog = new KeyLogFile(path);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    throw err;
  }

  const s = styleFor(io.stderr);
  const say = (line = ''): void => {
    if (!values.quiet) io.stderr.write(`${line}\n`);
  };
  const peer = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  if ((io.stderr as { isTTY?: boolean }).isTTY) say(s.dim(`Connecting to ${peer}…`));

  let offer: ClientHelloStep | undefined;
  let validation: Extract<HandshakeStep, { step: 'certificate-validation' }> | undefined;
  const watch = (socket: TLSSocket): TLSSocket => {
    socket.on('tlsEvent', (event: TlsEvent) => {
      if (event.kind !== 'step') return;
      if (event.step === 'client-hello') offer = event;
      else if (event.step === 'certificate-validation') validation = event;
    });
    if (values.trace) traceSocket(socket, 'client', (line) => io.stderr.write(`${line}\n`), s);
    keylog?.watch(socket);
    return socket;
  };

  let socket: TLSSocket;
  try {
    // watch() right after the socket exists: the ClientHello's events are emitted in the next microtask.
    socket = starttls ? await startTls(target, starttls, options, say, s, watch) : watch(connect(options));
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
  } catch (err) {
    for (const line of explainFailure(err as Error, 'client', peer, offer)) io.stderr.write(`${s.red(line)}\n`);
    keylog?.close();
    return ExitCode.failure;
  }

  report(socket, peer, validation, say, s);
  const code = await pipe(socket, context.stdin ?? process.stdin, io.stdout, (line) => io.stderr.write(`${s.red(line)}\n`));
  keylog?.close();
  return code;
}

function usageError(io: CommandIo, message: string): number {
  io.stderr.write(`tlskit client: ${message}\n\n${CLIENT_USAGE}`);
  return ExitCode.usage;
}

/** The STARTTLS exchange in plaintext, then the upgrade; the exchange is shown as it happens. */
async function startTls(
  target: { host: string; port: number }, protocol: StartTlsProtocol, options: ConnectOptions, say: (line: string) => void, s: Style, watch: (socket: TLSSocket) => TLSSocket,
): Promise<TLSSocket> {
  const raw = net.connect(target.port, target.host);
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', resolve);
      raw.once('error', reject);
    });
    say(s.dim(`STARTTLS (${protocol}), in plaintext:`));
    const head = await negotiateStartTls(raw, protocol, {
      xmppDomain: options.servername || target.host,
      onExchange: (direction, text) => say(s.dim(`  ${direction === 'sent' ? 'C:' : 'S:'} ${text}`)),
    });
    const { port: _port, ...rest } = options;
    return watch(upgrade(raw, { ...rest, head }));
  } catch (err) {
    raw.destroy();
    throw err;
  }
}

function report(socket: TLSSocket, peer: string, validation: Extract<HandshakeStep, { step: 'certificate-validation' }> | undefined, say: (line?: string) => void, s: Style): void {
  const info = socket.info;
  const row = (name: string, value: string): void => say(`  ${name.padEnd(13)} ${value}`);
  say(s.bold(`Connected to ${peer}${info.serverName ? `, server name ${info.serverName}` : ''}`));
  row('protocol', s.green(socket.getProtocol() ?? '?'));
  row('cipher suite', s.green(socket.getCipher()?.standardName ?? '?'));
  row('group', info.group?.name ?? 'none (RSA key transport)');
  row('ALPN', socket.alpnProtocol || 'none');
  row('resumed', socket.isSessionReused() ? 'yes' : 'no');
  if (socket.authorized) row('certificate', `${s.green('trusted')}${validation?.ok ? `: ${validation.detail}` : ''}`);
  else row('certificate', s.red(`NOT trusted: ${socket.info.authorizationError?.message ?? validation?.detail ?? 'no certificate'}`));
  const chain = info.peerCertificates;
  say(`Server certificate chain (${chain.length} sent):`);
  chain.forEach((der, i) => say(`  ${String(i).padStart(2)}  ${describeCertificateLine(der)}`));
  say('---');
}

/** stdin → server, server → stdout, until the server closes. Resolves with the exit status. */
function pipe(socket: TLSSocket, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, error: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let failed = false;
    socket.on('data', (chunk: Buffer) => {
      if (!stdout.write(chunk)) {
        socket.pause();
        stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (err: Error) => {
      failed = true;
      error(`connection failed: ${err.message}`);
    });
    socket.on('close', () => {
      stdin.unpipe?.(socket);
      (stdin as { pause?: () => void }).pause?.();
      resolve(failed ? ExitCode.failure : ExitCode.ok);
    });
    // stdin's end ends our side with close_notify; the server's data keeps coming until it closes.
    stdin.pipe(socket);
  });
}
