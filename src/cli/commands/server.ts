// `tlskit server`: like `openssl s_server`. A TLS server on 127.0.0.1 with the given certificate,
// or a throwaway one made at start. --www answers HTTP requests with a status page (keep-alive,
// through node's http module), --echo sends back what it gets; by default what clients send goes
// to stdout and stdin goes to every connected client. Each connection is logged on stderr.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCaDir, ensureLocalCa, issueLeaf } from '../../devcert/local-ca.js';
import { createTestPki } from '../../devcert/test-pki.js';
import type { TlsEvent } from '../../engine/events.js';
import { HandshakeTracer } from '../../engine/trace.js';
import { createHttpsServer } from '../../node/https.js';
import { createServer, type TlsServerOptions } from '../../node/server.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import { ExitCode, type CommandIo } from '../command.js';
import { explainFailure } from '../explain.js';
import { readPem } from '../../asn1/pem.js';
import { needsPassphrase, passphraseFrom, promptPassphrase, readCertificateFile, readInput, readKeyFile, readPkcs12Pair } from '../files.js';
import { summariseOcsp } from '../ocsp-summary.js';
import { describeCertificateLine } from '../steps.js';
import { styleFor } from '../style.js';
import { KeyLogFile, keyLogPath, TLS_FLAGS_HELP, tlsFlags, tlsOptionsFrom, traceSocket } from '../tls-options.js';
import { parseArgsMessage, reportUsageError, UsageError } from '../usage.js';

export const SERVER_USAGE = `Usage: tlskit server [options]

A TLS server (like openssl s_server). Without --cert and --key it issues a certificate for
localhost, 127.0.0.1 and ::1 from the local development CA of 'tlskit cert' (created on first
use, kept across restarts, so what trusts it once keeps trusting it; the path is printed).
Connections and failed handshakes are logged on stderr; it runs until interrupted.

  --cert FILE         certificate chain (PEM leaf first, DER, or PKCS#12 with its key); repeat
                      --cert/--key pairs for several keys (e.g. RSA and ECDSA: each client gets
                      one its signature algorithms accept)
  --key FILE          its private key (PEM or DER)
  --pass SPEC         passphrase of encrypted keys or PKCS#12: pass:TEXT, env:VAR, file:PATH
  --ocsp FILE         a DER OCSP response to staple for clients that ask (status_request)
  --host ADDR         address to listen on (default 127.0.0.1 and ::1)
  --port N            port (default 4433; 0 picks a free one)
  --www               answer HTTP requests with a page describing the connection
  --echo              send back whatever a client sends
                      (neither: clients' data goes to stdout, stdin goes to every client)
  --request-cert      ask clients for a certificate, and require one that chains to --ca
  --verify-optional   with --request-cert: ask, but let clients in without one (or with one that
                      does not validate); the log says which
  --ca FILE           CA certificates that client certificates must chain to
${TLS_FLAGS_HELP}
  -h, --help          show this help
`;

const serverFlags = {
  ...tlsFlags,
  cert: { type: 'string', multiple: true },
  key: { type: 'string', multiple: true },
  pass: { type: 'string' },
  ocsp: { type: 'string' },
  'verify-optional': { type: 'boolean' },
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
    return usageError(io, parseArgsMessage(err as Error));
  }
  const { values } = parsed;
  const env = context.env ?? process.env;
  if (values.help) {
    io.stdout.write(SERVER_USAGE);
    return ExitCode.ok;
  }
  const s = styleFor(io.stderr);
  const log = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  // An encrypted key (or PKCS#12) without --pass: ask on the terminal, as openssl does.
  let prompted: string | undefined;
  if (values.pass === undefined) {
    const locked = [...(values.key ?? []), ...(values.cert ?? [])].find((file) => needsPassphrase(file));
    if (locked) prompted = await promptPassphrase(context.stdin ?? process.stdin, io.stderr, locked);
  }
  let options: TlsServerOptions;
  let port: number;
  let keylog: KeyLogFile | undefined;
  let generated: { dir: string; caPath: string; note: string } | undefined;
  const warnings: string[] = [];
  try {
    if (values.www && values.echo) throw new UsageError('--www and --echo exclude each other');
    const certFiles = values.cert ?? [];
    const keyFiles = values.key ?? [];
    port = values.port === undefined ? 4433 : Number(values.port);
    if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`--port: '${values.port}' is not a port number`);
    if (values['verify-optional'] && !values['request-cert']) throw new UsageError('--verify-optional goes with --request-cert');
    if (values['request-cert'] && values.ca === undefined && !values['verify-optional'])
      throw new UsageError('--request-cert needs --ca, the CAs client certificates must chain to');
    if (values.ca !== undefined && !values['request-cert'])
      warnings.push('--ca has no effect without --request-cert (it names the CAs client certificates must chain to)');
    const pass = prompted ?? passphraseFrom(values.pass, env);
    const keys: string[] = [];
    const certs: string[] = [];
    if (certFiles.length > 0 || keyFiles.length > 0) {
      // Pairs in order: --cert a --key a --cert b --key b. A PKCS#12 --cert brings its own key.
      let k = 0;
      for (const file of certFiles) {
        const pair = keyFiles.length < certFiles.length ? readPkcs12Pair(file, '--cert', pass) : undefined;
        if (pair) {
          certs.push(pair.cert);
          keys.push(pair.key);
          continue;
        }
        const keyFile = keyFiles[k++];
        if (keyFile === undefined) throw new UsageError(`--cert ${file} has no --key: give one --key FILE after each --cert FILE`);
        certs.push(readCertificateFile(file, '--cert', pass));
        keys.push(readKeyFile(keyFile, '--key', pass));
      }
      if (k < keyFiles.length) throw new UsageError(`--key ${keyFiles[k]} has no --cert: give one --cert FILE before each --key FILE`);
    } else {
      const made = serverCertificate(env);
      generated = made.generated;
      certs.push(made.cert);
      keys.push(made.key);
    }
    options = {
      ...tlsOptionsFrom(values, (w) => warnings.push(w)),
      key: keys.length === 1 ? keys[0]! : keys,
      cert: certs.length === 1 ? certs[0]! : certs,
      ...(values.ocsp !== undefined ? { ocspResponse: readOcspFile(values.ocsp) } : {}),
      ...(values['request-cert'] ? { requestCert: true } : {}),
      ...(values['verify-optional'] ? { rejectUnauthorized: false } : {}),
      ...(values['request-cert'] && values.ca !== undefined ? { ca: readCertificateFile(values.ca, '--ca', pass) } : {}),
    };
    const path = keyLogPath(values.keylog, env);
    if (path) keylog = new KeyLogFile(path);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    throw err;
  }
  for (const w of warnings) log(s.yellow(`tlskit server: warning: ${w}`));

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
    cleanup();
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
    log(
      `${s.green(tag(socket))}: ${socket.getProtocol()}, ${socket.getCipher()?.standardName}, ${info.group?.name ?? 'RSA key transport'}${info.serverName ? `, server name ${info.serverName}` : ''}, ALPN ${socket.alpnProtocol || 'none'}${socket.isSessionReused() ? ', resumed' : ''}${clientCertificateNote(socket, values['request-cert'] === true)}`,
    );
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

  const host = values.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    log(s.red(`cannot listen on ${host}:${port}: ${(err as Error).message}`));
    cleanup();
    return ExitCode.failure;
  }
  const address = server.address() as AddressInfo;
  const where = address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  // No --host: ::1 too, on the same port (the certificate names it), its connections handed to
  // the same TLS server.
  let ipv6: net.Server | undefined;
  if (values.host === undefined) ipv6 = await listenAlso('::1', address.port, (raw) => server.emit('connection', raw));
  if (generated) log(generated.note);
  log(
    s.bold(`Listening on ${where}${ipv6 ? ` and [::1]:${address.port}` : ''}`) +
      ` (${mode === 'www' ? 'HTTP status page' : mode === 'echo' ? 'echo' : 'stdin/stdout'}; Ctrl-C stops)`,
  );

  const stdin = context.stdin ?? process.stdin;
  if (mode === 'pipe') {
    stdin.on('data', (chunk: Buffer) => {
      for (const c of clients) c.write(chunk);
    });
  }
  await (context.stopped ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }));
  log(s.dim('stopping'));
  if (mode === 'pipe') (stdin as { pause?: () => void }).pause?.();
  if ('closeAllConnections' in server) server.closeAllConnections();
  ipv6?.close();
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
  return reportUsageError(io, 'server', message);
}

/** A second listener whose connections go to `accept`; undefined when the address is unavailable. */
function listenAlso(host: string, port: number, accept: (raw: net.Socket) => void): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const extra = net.createServer(accept);
    extra.once('error', () => resolve(undefined));
    extra.listen(port, host, () => resolve(extra));
  });
}

/** The DER OCSP response of --ocsp (PEM-armoured is accepted too). */
function readOcspFile(path: string): Uint8Array {
  const bytes = readInput(path, '--ocsp');
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const block = readPem(text).find((b) => b.label === 'OCSP RESPONSE');
    if (!block) throw new UsageError(`--ocsp ${path}: holds no OCSP RESPONSE block`);
    return block.der;
  }
  try {
    summariseOcsp(bytes);
  } catch (err) {
    throw new UsageError(`--ocsp ${path}: not a DER OCSP response (${(err as Error).message})`);
  }
  return bytes;
}

/**
 * The certificate when none is given: issued for localhost, 127.0.0.1 and ::1 by the local CA of
 * `tlskit cert` (created on first use), so a client that trusts that CA keeps trusting restarts.
 * Where the CA cannot be kept (no writable home), a throwaway CA for this run.
 */
function serverCertificate(env: NodeJS.ProcessEnv): { cert: string; key: string; generated: { dir: string; caPath: string; note: string } } {
  const names = ['localhost', '127.0.0.1', '::1'];
  const dir = mkdtempSync(join(tmpdir(), 'tlskit-server-'));
  try {
    const ca = ensureLocalCa(defaultCaDir(env));
    const leaf = issueLeaf(ca, names, { outDir: dir });
    const note = `No --cert/--key: issued a certificate for localhost, 127.0.0.1 and ::1 from the local CA in ${ca.dir}${ca.created ? ' (created now)' : ''}. Its CA is in ${ca.certPath}\n  (curl --cacert ${ca.certPath}, tlskit client --ca ${ca.certPath}; it stays the same across restarts)`;
    return { cert: readFileSync(leaf.certPath, 'utf8'), key: readFileSync(leaf.keyPath, 'utf8'), generated: { dir, caPath: ca.certPath, note } };
  } catch (err) {
    const pki = createTestPki({ names });
    const caPath = join(dir, 'ca.pem');
    writeFileSync(caPath, pki.caPem);
    const note = `No --cert/--key, and the local CA could not be used (${(err as Error).message}): made a throwaway certificate for localhost, 127.0.0.1 and ::1. Its CA is in ${caPath}\n  (curl --cacert ${caPath}, tlskit client --ca ${caPath})`;
    return { cert: pki.chainPem, key: pki.keyPem, generated: { dir, caPath, note } };
  }
}

/** The client certificate part of a connection's log line. */
function clientCertificateNote(socket: TLSSocket, requested: boolean): string {
  const chain = socket.info.peerCertificates;
  if (chain.length === 0) return requested ? ', no client certificate' : '';
  const subject = describeCertificateLine(chain[0]!).split(' [')[0];
  return `, client certificate ${subject} ${socket.authorized ? 'trusted' : `NOT trusted (${socket.info.authorizationError?.message ?? 'not verified'})`}`;
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
