// `tlskit server`: like `openssl s_server`. A TLS server on 127.0.0.1 with the given certificate,
// or a throwaway one made at start. --www answers HTTP requests with a status page (keep-alive,
// through node's http module), --echo sends back what it gets; by default what clients send goes
// to stdout and stdin goes to every connected client. Each connection is logged on stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestPki } from '../../devcert/test-pki.js';
import type { TlsEvent } from '../../engine/events.js';
import { HandshakeTracer } from '../../engine/trace.js';
import { createHttpsServer } from '../../node/https.js';
import { createServer, type TlsServerOptions } from '../../node/server.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import { ExitCode, type CommandIo } from '../command.js';
import { explainFailure } from '../explain.js';
import { styleFor } from '../style.js';
import { KeyLogFile, keyLogPath, readTextFile, TLS_FLAGS_HELP, tlsFlags, tlsOptionsFrom, traceSocket, UsageError } from '../tls-options.js';

export const SERVER_USAGE = `Usage: tlskit server [options]

A TLS server (like openssl s_server). Without --cert and --key it makes a throwaway certificate
for localhost, 127.0.0.1 and ::1, and writes its CA to a file to trust (the path is printed).
Connections and failed handshakes are logged on stderr; it runs until interrupted.

  --cert FILE         certificate chain (PEM, leaf first)
  --key FILE          its private key (PEM)
  --host ADDR         address to listen on (default 127.0.0.1)
  --port N            port (default 4433; 0 picks a free one)
  --www               answer HTTP requests with a page describing the connection
  --echo              send back whatever a client sends
                      (neither: clients' data goes to stdout, stdin goes to every client)
  --request-cert      ask clients for a certificate (and require one)
  --ca FILE           CA certificates (PEM) that client certificates must chain to
${TLS_FLAGS_HELP}
  -h, --help          show this help
`;

const serverFlags = {
  ...tlsFlags,
  cert: { type: 'string' },
  key: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  www: { type: 'boolean' },
  echo: { type: 'boolean' },
  'request-cert': { type: 'boolean' },
  ca: { type: 'string' },
} as const;

export interface ServerContext {
  readonly stdin?: NodeJS.ReadableStream;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly stopped?: Promise<void>;
}

export async function runServer(argv: string[], io: CommandIo, context: ServerContext = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: serverFlags, allowPositionals: false, strict: true });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(SERVER_USAGE);
    return ExitCode.ok;
  }
  const s = styleFor(io.stderr);
  const log = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  let options: TlsServerOptions;
  let port: number;
  let keylog: KeyLogFile | undefined;
  let generated: { dir: string; caPath: string } | undefined;
  try {
    if (values.www && values.echo) throw new UsageError('--www and --echo exclude each other');
    if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
    port = values.port === undefined ? 4433 : Number(values.port);
    if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`'${values.port}' is not a port number`);
    if (values['request-cert'] && values.ca === undefined) throw new UsageError('--request-cert needs --ca, the CAs client certificates must chain to');
    let key: string;
    let cert: string;
    if (values.cert !== undefined && values.key !== undefined) {
      cert = readTextFile(values.cert, '--cert');
      key = readTextFile(values.key, '--key');
    } else {
      const pki = createTestPki({ names: ['localhost', '127.0.0.1', '::1'] });
      const dir = mkdtempSync(join(tmpdir(), 'tlskit-server-'));
      generated = { dir, caPath: join(dir, 'ca.pem') };
      writeFileSync(generated.caPath, pki.caPem);
      cert = pki.chainPem;
      key = pki.keyPem;
    }
    options = {
      ...tlsOptionsFrom(values),
      key,
      cert,
      ...(values['request-cert'] ? { requestCert: true, ca: readTextFile(values.ca!, '--ca') } : {}),
    };
    const path = keyLogPath(values.keylog, context.env);
    if (path) keylog = new KeyLogFile(path);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    throw err;
  }

  const mode = values.www ? 'www' : values.echo ? 'echo' : 'pipe';
  const clients = new Set<TLSSocket>();
  let next = 1;
  // Each connection's number and peer address, taken when it arrives (a failed socket forgets its address).
  const tags = new WeakMap<TLSSocket, string>();
  const offered = new WeakMap<TLSSocket, string>();
  const tag = (socket: TLSSocket): string => tags.get(socket) ?? '#?';

  let server;
  try {
    server = mode === 'www' ? createHttpsServer(options, (req, res) => statusPage(req, res, offered)) : createServer(options);
  } catch (err) {
    // Options the engine refuses (a key that does not match the certificate, an unknown group...).
    return usageError(io, (err as Error).message);
  }
  server.on('handshakeStart', (socket: TLSSocket) => {
    const id = next++;
    tags.set(socket, `#${id} ${socket.remoteFamily === 'IPv6' ? `[${socket.remoteAddress}]` : socket.remoteAddress}:${socket.remotePort}`);
    keylog?.watch(socket);
    if (values.trace) traceSocket(socket, 'server', log, s, s.dim(`[#${id}] `));
    if (mode !== 'www') return;
    // The client's offer, for the status page.
    const tracer = new HandshakeTracer();
    socket.on('tlsEvent', (event: TlsEvent) => {
      if (event.kind !== 'handshake-message' || event.type !== 1 || offered.has(socket)) return;
      const suites = tracer.decode(event).fields.find((f) => f.name === 'cipher_suites');
      if (suites) offered.set(socket, suites.value);
    });
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const info = socket.info;
    log(`${s.green(tag(socket))}: ${socket.getProtocol()}, ${socket.getCipher()?.standardName}, ${info.group?.name ?? 'RSA key transport'}${info.serverName ? `, server name ${info.serverName}` : ''}, ALPN ${socket.alpnProtocol || 'none'}${socket.isSessionReused() ? ', resumed' : ''}${info.peerCertificates.length > 0 ? `, client certificate ${socket.authorized ? 'trusted' : 'NOT trusted'}` : ''}`);
    socket.on('close', () => log(s.dim(`${tag(socket)}: closed`)));
    socket.on('error', (err: Error) => log(s.red(`${tag(socket)}: ${err.message}`)));
    if (mode === 'echo') {
      socket.on('data', (chunk: Buffer) => socket.write(chunk));
      socket.on('end', () => socket.end());
    } else if (mode === 'pipe') {
      clients.add(socket);
      socket.on('data', (chunk: Buffer) => io.stdout.write(chunk));
      socket.on('close', () => clients.delete(socket));
    }
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    for (const line of explainFailure(err, 'server', tag(socket))) log(s.red(`${tag(socket)}: ${line}`));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, values.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    log(s.red(`cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${(err as Error).message}`));
    cleanup();
    return ExitCode.failure;
  }
  const address = server.address() as AddressInfo;
  const where = address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  if (generated) log(`No --cert/--key: made a certificate for localhost, 127.0.0.1 and ::1. Its CA is in ${generated.caPath}\n  (curl --cacert ${generated.caPath}, tlskit client --ca ${generated.caPath})`);
  log(s.bold(`Listening on ${where}`) + ` (${mode === 'www' ? 'HTTP status page' : mode === 'echo' ? 'echo' : 'stdin/stdout'}; Ctrl-C stops)`);

  const stdin = context.stdin ?? process.stdin;
  if (mode === 'pipe') {
    stdin.on('data', (chunk: Buffer) => {
      for (const c of clients) c.write(chunk);
    });
  }
  await (context.stopped ?? new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }));
  log(s.dim('stopping'));
  if (mode === 'pipe') (stdin as { pause?: () => void }).pause?.();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const c of clients) c.destroy();
  });
  cleanup();
  return ExitCode.ok;

  function cleanup(): void {
    keylog?.close();
    if (generated) rmSync(generated.dir, { recursive: true, force: true });
  }
}

function usageError(io: CommandIo, message: string): number {
  io.stderr.write(`tlskit server: ${message}\n\n${SERVER_USAGE}`);
  return ExitCode.usage;
}

/** Like openssl s_server -www: what this connection negotiated, as text. */
function statusPage(req: IncomingMessage, res: ServerResponse, offered: WeakMap<TLSSocket, string>): void {
  const socket = req.socket as unknown as TLSSocket;
  const info = socket.info;
  const lines = [
    `tlskit server: ${req.method} ${req.url}`,
    '',
    `protocol        ${socket.getProtocol()}`,
    `cipher suite    ${socket.getCipher()?.standardName}`,
    `group           ${info.group?.name ?? 'none (RSA key transport)'}`,
    `server name     ${info.serverName ?? 'none'}`,
    `ALPN            ${socket.alpnProtocol || 'none'}`,
    `resumed         ${socket.isSessionReused() ? 'yes' : 'no'}`,
    `client offered  ${offered.get(socket) ?? '?'}`,
    '',
  ];
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(lines.join('\n'));
}
