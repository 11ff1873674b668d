// `tlskit client HOST:PORT`: like `openssl s_client`. Connects (after a STARTTLS exchange if
// asked), says what was negotiated and whether the certificate chain validated, then copies stdin
// to the server and what the server sends to stdout. Diagnostics go to stderr, so stdout carries
// only the server's bytes.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as net from 'node:net';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { TlsError } from '../../errors.js';
import type { HandshakeStep, TlsEvent } from '../../engine/events.js';
import { connect, type ConnectOptions } from '../../node/connect.js';
import { negotiateStartTls, START_TLS_PROTOCOLS, StartTlsError, type StartTlsProtocol } from '../../node/starttls.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import { upgrade } from '../../node/upgrade.js';
import { ExitCode, type CommandIo } from '../command.js';
import { parseCertificate } from '../../x509/index.js';
import { writePem } from '../../asn1/pem.js';
import { targetFrom, translateOpensslArgs, type Target } from '../address.js';
import { certificateAlerts, explainFailure, type ClientHelloStep } from '../explain.js';
import { needsPassphrase, passphraseFrom, promptPassphrase, readCaDirectory, readCertificateFile, readInput, readKeyFile, readPkcs12Pair } from '../files.js';
import { summariseOcsp } from '../ocsp-summary.js';
import { describeCertificateLine } from '../steps.js';
import { styleFor, type Style } from '../style.js';
import { KeyLogFile, keyLogPath, TLS_FLAGS_HELP, tlsFlags, tlsOptionsFrom, traceSocket } from '../tls-options.js';
import { parseArgsMessage, reportUsageError, UsageError } from '../usage.js';

export const CLIENT_USAGE = `Usage: tlskit client HOST:PORT [options]
       (also HOST PORT, https://HOST[:PORT]/, [IPv6]:PORT, -connect HOST:PORT)

Connects with TLS, prints the negotiated version, cipher suite, group and ALPN protocol and the
server's certificate chain with the validation verdict, then copies stdin to the server and the
server's data to stdout (like openssl s_client). Diagnostics go to stderr. When stdin ends, the
client sends close_notify and keeps reading until the server closes.

Trust and identity:
  --servername NAME   server name for SNI and the certificate check
                      (default: HOST, unless it is an IP address: then no SNI is sent)
  --ca FILE           trust the CA certificates in FILE (PEM, DER or PKCS#12) instead of the
                      default trust (Node's bundled roots and $NODE_EXTRA_CA_CERTS)
  --capath DIR        trust the CA certificates of every file in DIR (with --ca: both)
  --insecure          go on when the certificate does not validate (the verdict is still shown)
  --cert FILE         our client certificate (PEM chain, leaf first; DER; or PKCS#12 with its key)
  --key FILE          its private key (PEM or DER)
  --pass SPEC         passphrase of an encrypted key or PKCS#12 file: pass:TEXT, env:VAR, file:PATH
Sessions:
  --sess-out FILE     write the session the server gives us to FILE (mode 0600: it holds secrets)
  --sess-in FILE      resume the session saved in FILE; the report says whether it resumed
  --early-data FILE   with --sess-in: send FILE as TLS 1.3 0-RTT data (replayable by an attacker)
  --reconnect         after the handshake, connect 5 more times resuming its session, say whether
                      each resumed, and exit (0 when all resumed)
Output:
  --showcerts         write the server's chain as PEM to stdout (before the server's data)
  --json              write one JSON object (version, suite, group, ALPN, SNI sent, chain with
                      names, validity and verdict, resumption, timings) to stdout, then close
  --status            ask for a stapled OCSP response and show it (read, not verified)
  --quiet             print nothing but the server's data (and errors)
Connection:
  --connect-timeout SECONDS  give up when TCP and TLS are not up within SECONDS
  --starttls PROTO    first the plaintext exchange of PROTO (as openssl s_client):
                      smtp, lmtp, imap, pop3, ftp, xmpp, ldap, mysql, postgres,
                      nntp or sieve; xmpp opens its stream to --servername or HOST
${TLS_FLAGS_HELP}
  --version           print tlskit's version
  -h, --help          show this help

Exit status (as curl's): 0 done; 1 failed after connecting; 2 bad arguments; 7 could not connect
(refused, unknown host, unreachable); 28 --connect-timeout passed; 35 the TLS handshake failed;
60 the server's certificate was rejected.
`;

const clientFlags = {
  ...tlsFlags,
  servername: { type: 'string' },
  ca: { type: 'string' },
  capath: { type: 'string' },
  insecure: { type: 'boolean' },
  cert: { type: 'string' },
  key: { type: 'string' },
  pass: { type: 'string' },
  'sess-out': { type: 'string' },
  'sess-in': { type: 'string' },
  'early-data': { type: 'string' },
  reconnect: { type: 'boolean' },
  showcerts: { type: 'boolean' },
  json: { type: 'boolean' },
  status: { type: 'boolean' },
  'connect-timeout': { type: 'string' },
  starttls: { type: 'string' },
  quiet: { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

export { parseTarget } from '../address.js';

export interface ClientContext {
  readonly stdin?: NodeJS.ReadableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** How many times --reconnect connects again, as openssl s_client -reconnect. */
const RECONNECTS = 5;

type Validation = Extract<HandshakeStep, { step: 'certificate-validation' }>;

/** What one connection attempt saw, for the report and for explaining a failure. */
interface Attempt {
  offer?: ClientHelloStep;
  validation?: Validation;
  facts: { certificateRequested: boolean; haveCertificate: boolean; serverChain: Uint8Array[]; serverName?: string };
  ocsp?: Uint8Array;
  session?: Uint8Array;
  timings: { started: number; tcp?: number; handshake?: number };
}

export async function runClient(argv: string[], io: CommandIo, context: ClientContext = {}): Promise<number> {
  const env = context.env ?? process.env;
  let parsed;
  try {
    parsed = parseArgs({ args: translateOpensslArgs(argv), options: clientFlags, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(io, err instanceof UsageError ? err.message : parseArgsMessage(err as Error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(CLIENT_USAGE);
    return ExitCode.ok;
  }
  if (values.version) {
    io.stdout.write(`tlskit ${tlskitVersion()}\n`);
    return ExitCode.ok;
  }
  // An encrypted key (or PKCS#12) without --pass: ask on the terminal, as openssl does.
  let prompted: string | undefined;
  if (values.pass === undefined) {
    const locked = [values.key, values.cert].find((file) => file !== undefined && needsPassphrase(file));
    if (locked) prompted = await promptPassphrase(context.stdin ?? process.stdin, io.stderr, locked);
  }
  let target: Target;
  let options: ConnectOptions;
  let keylog: KeyLogFile | undefined;
  let starttls: StartTlsProtocol | undefined;
  let earlyData: Buffer | undefined;
  let connectTimeout: number | undefined;
  const warnings: string[] = [];
  try {
    target = targetFrom(positionals);
    if (values.starttls !== undefined) {
      if (!(START_TLS_PROTOCOLS as readonly string[]).includes(values.starttls))
        throw new UsageError(`--starttls takes ${START_TLS_PROTOCOLS.slice(0, -1).join(', ')} or ${START_TLS_PROTOCOLS.at(-1)}, not '${values.starttls}'`);
      starttls = values.starttls as StartTlsProtocol;
    }
    const pass = prompted ?? passphraseFrom(values.pass, env);
    let cert: string | undefined;
    let key: string | undefined;
    if (values.cert !== undefined) {
      const pair = values.key === undefined ? readPkcs12Pair(values.cert, '--cert', pass) : undefined;
      if (pair) ({ cert, key } = pair);
      else {
        if (values.key === undefined) throw new UsageError('--cert needs --key FILE (its private key), unless the --cert file is PKCS#12 holding both');
        cert = readCertificateFile(values.cert, '--cert', pass);
        key = readKeyFile(values.key, '--key', pass);
      }
    } else if (values.key !== undefined) throw new UsageError('--key needs --cert FILE (the certificate of that key)');
    const cas = [
      ...(values.ca !== undefined ? [readCertificateFile(values.ca, '--ca', pass)] : []),
      ...(values.capath !== undefined ? [readCaDirectory(values.capath, '--capath')] : []),
    ];
    let session: Buffer | undefined;
    if (values['sess-in'] !== undefined) session = readInput(values['sess-in'], '--sess-in');
    if (values['early-data'] !== undefined) {
      if (session === undefined) throw new UsageError('--early-data needs --sess-in FILE: 0-RTT data rides on a resumed session');
      earlyData = readInput(values['early-data'], '--early-data');
    }
    if (values['connect-timeout'] !== undefined) {
      connectTimeout = Number(values['connect-timeout']);
      if (!/^\d+(\.\d+)?$/.test(values['connect-timeout']) || connectTimeout <= 0)
        throw new UsageError(`--connect-timeout takes seconds (e.g. 5 or 0.5), not '${values['connect-timeout']}'`);
    }
    if (values.json && values.reconnect) throw new UsageError('--json and --reconnect exclude each other');
    options = {
      ...tlsOptionsFrom(values, (w) => warnings.push(w)),
      host: target.host,
      port: target.port,
      handshakeTimeout: 30_000,
      ...(values.servername !== undefined ? { servername: values.servername } : {}),
      ...(cas.length > 0 ? { ca: cas.join('') } : {}),
      ...(values.insecure ? { rejectUnauthorized: false } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
      ...(session ? { session } : {}),
      ...(earlyData ? { earlyData: true } : {}),
      ...(values.status ? { requestOCSP: true } : {}),
    };
    const path = keyLogPath(values.keylog, env);
    if (path) keylog = new KeyLogFile(path);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message);
    throw err;
  }

  const s = styleFor(io.stderr);
  for (const w of warnings) io.stderr.write(`${s.yellow(`tlskit client: warning: ${w}`)}\n`);
  const quiet = values.quiet || values.json;
  const say = (line = ''): void => {
    if (!quiet) io.stderr.write(`${line}\n`);
  };
  const peer = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  if ((io.stderr as { isTTY?: boolean }).isTTY && !quiet) say(s.dim(`Connecting to ${peer}…`));
  const haveCertificate = options.cert !== undefined;

  /** Opens one connection (resuming `session` when given); resolves once the handshake completed. */
  const open = async (overrides: Partial<ConnectOptions>, attempt: Attempt): Promise<TLSSocket> => {
    const watch = (socket: TLSSocket): TLSSocket => {
      socket.on('tlsEvent', (event: TlsEvent) => {
        if (event.kind === 'handshake-message') {
          // RFC 8446 §4.3.2 / RFC 5246 §7.4.4: the server asks for our certificate.
          if (event.direction === 'received' && event.type === HANDSHAKE_CERTIFICATE_REQUEST) attempt.facts.certificateRequested = true;
          return;
        }
        if (event.kind !== 'step') return;
        if (event.step === 'client-hello') attempt.offer = event;
        else if (event.step === 'certificate-validation') attempt.validation = event;
        else if (event.step === 'certificate' && event.side === 'server') attempt.facts.serverChain = [...event.certificates];
      });
      socket.once('connect', () => (attempt.timings.tcp = performance.now() - attempt.timings.started));
      socket.on('OCSPResponse', (der: Buffer) => (attempt.ocsp = der));
      socket.on('session', (bytes: Buffer) => {
        attempt.session = bytes;
        if (values['sess-out'] !== undefined) saveSession(values['sess-out'], bytes, io);
      });
      if (values.trace) traceSocket(socket, 'client', (line) => io.stderr.write(`${line}\n`), s);
      keylog?.watch(socket);
      return socket;
    };
    const connectOptions = { ...options, ...overrides };
    attempt.facts.serverName = options.servername ?? (isIP(target.host) ? undefined : target.host);
    // watch() right after the socket exists: the ClientHello's events are emitted in the next microtask.
    let raw: net.Socket | undefined;
    const pending = starttls ? startTls(target, starttls, connectOptions, say, s, watch, (r) => (raw = r)) : Promise.resolve(watch(connect(connectOptions)));
    let timer: NodeJS.Timeout | undefined;
    let socketRef: TLSSocket | undefined;
    const timeout =
      connectTimeout === undefined
        ? undefined
        : new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              const err = Object.assign(new Error(`no TLS connection to ${peer} within ${values['connect-timeout']} s (--connect-timeout)`), {
                code: 'CLI_CONNECT_TIMEOUT',
              });
              socketRef?.destroy();
              raw?.destroy();
              reject(err);
            }, connectTimeout * 1000);
          });
    try {
      const handshake = pending.then((socket) => {
        socketRef = socket;
        if (earlyData && overrides.session === undefined && options.session !== undefined) socket.write(earlyData);
        return new Promise<TLSSocket>((resolve, reject) => {
          socket.once('secureConnect', () => resolve(socket));
          socket.once('error', reject);
        });
      });
      const socket = await (timeout ? Promise.race([handshake, timeout]) : handshake);
      attempt.timings.handshake = performance.now() - attempt.timings.started;
      return socket;
    } catch (err) {
      socketRef?.destroy();
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  const newAttempt = (): Attempt => ({ facts: { certificateRequested: false, haveCertificate, serverChain: [] }, timings: { started: performance.now() } });
  const first = newAttempt();
  let socket: TLSSocket;
  try {
    socket = await open({}, first);
  } catch (err) {
    keylog?.close();
    return failed(err as Error, first);
  }

  const chain = socket.info.peerCertificates;
  if (values.json) {
    // TLS 1.3: a server that wanted a certificate we did not send refuses us only after our
    // Finished (RFC 8446 §4.4.2.4); wait briefly for that refusal before reporting success.
    if (first.facts.certificateRequested && !haveCertificate && socket.getProtocol() === 'TLSv1.3') {
      const late = await lateError(socket, 2_000);
      if (late) {
        keylog?.close();
        return failed(late, first);
      }
    }
    // Wait briefly for a TLS 1.3 ticket (it follows the handshake) so resumption facts are complete.
    if (values['sess-out'] !== undefined && !first.session) await waitForSession(socket, 1_000);
    io.stdout.write(`${JSON.stringify(jsonReport(socket, first, options, values.showcerts === true), null, 2)}\n`);
    await closeGently(socket);
    keylog?.close();
    return ExitCode.ok;
  }
  report(socket, peer, first, say, s, haveCertificate, values.status === true);
  if (values.showcerts) for (const der of chain) io.stdout.write(toPem(der));

  if (values.reconnect) {
    if (!first.session) await waitForSession(socket, 2_000);
    await closeGently(socket);
    let session = first.session;
    let resumedAll = session !== undefined;
    if (!session) say(s.red('the server gave no session to resume (no ticket or session id): nothing to reconnect with'));
    for (let i = 1; session && i <= RECONNECTS; i++) {
      const again = newAttempt();
      try {
        const next = await open({ session, earlyData: false }, again);
        const resumed = next.isSessionReused();
        resumedAll &&= resumed;
        say(
          `reconnect ${i}: ${resumed ? s.green('resumed') : s.red('not resumed (a full handshake)')}, ${next.getProtocol()}, ${(performance.now() - again.timings.started).toFixed(1)} ms`,
        );
        if (!again.session) await waitForSession(next, 1_000);
        session = again.session ?? session;
        await closeGently(next);
      } catch (err) {
        keylog?.close();
        return failed(err as Error, again);
      }
    }
    keylog?.close();
    return resumedAll ? ExitCode.ok : ExitCode.failure;
  }

  const code = await pipe(socket, context.stdin ?? process.stdin, io.stdout, (err) => {
    const lines = err instanceof TlsError ? explainFailure(err, 'client', peer, first.offer, first.facts) : [`connection failed: ${err.message}`];
    for (const line of lines) io.stderr.write(`${s.red(line)}\n`);
    // The server refusing us after the handshake (TLS 1.3 client authentication) is a failed handshake.
    return err instanceof TlsError && err.origin === 'peer' && first.facts.certificateRequested ? ExitCode.handshakeFailed : ExitCode.failure;
  });
  keylog?.close();
  return code;

  function failed(err: Error, attempt: Attempt): number {
    const lines = explainFailure(err, 'client', peer, attempt.offer, attempt.facts);
    for (const line of lines) io.stderr.write(`${s.red(line)}\n`);
    const status = exitCodeFor(err);
    if (values.json) {
      const e = err as Error & { code?: string; alert?: string; origin?: string };
      io.stdout.write(
        `${JSON.stringify({ connected: false, target: peer, exitCode: status, error: { message: lines[0], hints: lines.slice(1), ...(e.code ? { code: e.code } : {}), ...(e instanceof TlsError ? { alert: e.alert, origin: e.origin } : {}) } }, null, 2)}\n`,
      );
    }
    return status;
  }
}

/** The HandshakeType of CertificateRequest (RFC 8446 §4, RFC 5246 §7.4). */
const HANDSHAKE_CERTIFICATE_REQUEST = 13;

/** curl's exit statuses for why there is no connection. */
function exitCodeFor(err: Error): number {
  if (err instanceof StartTlsError) return ExitCode.failure;
  if (err instanceof TlsError) return err.origin === 'local' && certificateAlerts.has(err.alert) ? ExitCode.certificateRejected : ExitCode.handshakeFailed;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'CLI_CONNECT_TIMEOUT') return ExitCode.timedOut;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EHOSTDOWN'].includes(code))
    return ExitCode.couldNotConnect;
  // The peer hung up or the handshake ran out of time: TLS did not come up.
  return ExitCode.handshakeFailed;
}

function usageError(io: CommandIo, message: string): number {
  return reportUsageError(io, 'client', message);
}

/**
 * The session file holds the resumption secret: readable by its owner only. It is written to a new
 * file (created exclusively, mode 0600) beside `path`, then renamed over it: never through a
 * symbolic link someone planted at `path`, and never readable by others while being written
 * (writing into an existing 0644 file would be, until a chmod).
 */
function saveSession(path: string, bytes: Uint8Array, io: CommandIo): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    io.stderr.write(`tlskit client: cannot write --sess-out ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
  }
}

function waitForSession(socket: TLSSocket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      socket.off('session', done);
      socket.off('close', done);
      resolve();
    }
    socket.once('session', () => setImmediate(done));
    socket.once('close', done);
  });
}

/** An error the connection reports within `ms` (reading meanwhile), else undefined. */
function lateError(socket: TLSSocket, ms: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), ms);
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(undefined);
    function done(err: Error | undefined): void {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.pause();
      resolve(err);
    }
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.resume();
  });
}

/** close_notify, then wait (bounded) for the server to close. */
function closeGently(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 2_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
    socket.resume();
    socket.end();
  });
}

/** tlskit's version, from its package.json. */
export function tlskitVersion(): string {
  try {
    // dist/src/cli/commands/client.js → the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The STARTTLS exchange in plaintext, then the upgrade; the exchange is shown as it happens. */
async function startTls(
  target: { host: string; port: number },
  protocol: StartTlsProtocol,
  options: ConnectOptions,
  say: (line: string) => void,
  s: Style,
  watch: (socket: TLSSocket) => TLSSocket,
  onSocket?: (raw: net.Socket) => void,
): Promise<TLSSocket> {
  const raw = net.connect(target.port, target.host);
  onSocket?.(raw); // --connect-timeout ends it too
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

function report(socket: TLSSocket, peer: string, attempt: Attempt, say: (line?: string) => void, s: Style, haveCertificate: boolean, status: boolean): void {
  const info = socket.info;
  const row = (name: string, value: string): void => say(`  ${name.padEnd(13)} ${value}`);
  // What we sent, not what we checked against: no SNI goes out for an IP address (RFC 6066 §3).
  const sni = attempt.offer?.serverName;
  say(s.bold(`Connected to ${peer}${sni ? `, server name ${sni}` : ', no server name sent'}`));
  row('protocol', s.green(socket.getProtocol() ?? '?'));
  row('cipher suite', s.green(socket.getCipher()?.standardName ?? '?'));
  row('group', info.group?.name ?? 'none (RSA key transport)');
  row('ALPN', socket.alpnProtocol || 'none');
  row('resumed', socket.isSessionReused() ? 'yes' : 'no');
  if (info.earlyData)
    row(
      'early data',
      info.earlyData === 'accepted'
        ? s.green('accepted (sent as 0-RTT)')
        : info.earlyData === 'rejected'
          ? s.yellow('rejected (sent again after the handshake)')
          : 'offered',
    );
  if (socket.authorized) row('certificate', `${s.green('trusted')}${attempt.validation?.ok ? `: ${attempt.validation.detail}` : ''}`);
  else row('certificate', s.red(`NOT trusted: ${info.authorizationError?.message ?? attempt.validation?.detail ?? 'no certificate'}`));
  if (attempt.facts.certificateRequested) {
    row(
      'client cert',
      haveCertificate
        ? `requested; sent ${info.localCertificates?.[0] ? describeCertificateLine(info.localCertificates[0]) : 'none'}`
        : s.yellow('requested by the server; we have none (pass --cert FILE --key FILE)'),
    );
  }
  if (status) row('OCSP', ocspLine(attempt.ocsp));
  const chain = info.peerCertificates;
  say(`Server certificate chain (${chain.length} sent):`);
  chain.forEach((der, i) => say(`  ${String(i).padStart(2)}  ${describeCertificateLine(der)}`));
  say('---');
}

function ocspLine(der: Uint8Array | undefined): string {
  if (!der) return 'none stapled';
  try {
    const o = summariseOcsp(der);
    const certs = o.certificates.map(
      (c) =>
        `${c.status}${c.revokedAt ? ` since ${c.revokedAt}` : ''} (this update ${c.thisUpdate.slice(0, 19)}Z${c.nextUpdate ? `, next ${c.nextUpdate.slice(0, 19)}Z` : ''})`,
    );
    return `stapled, ${der.length} bytes: ${o.responseStatus}${certs.length > 0 ? `, certificate ${certs.join('; ')}` : ''} (not verified by tlskit)`;
  } catch (err) {
    return `stapled, ${der.length} bytes, unreadable: ${(err as Error).message}`;
  }
}

function toPem(der: Uint8Array): string {
  return writePem('CERTIFICATE', der);
}

/** --json: one object describing the connection. */
function jsonReport(socket: TLSSocket, attempt: Attempt, options: ConnectOptions, withPem: boolean): Record<string, unknown> {
  const info = socket.info;
  const round = (n: number | undefined): number | undefined => (n === undefined ? undefined : Math.round(n * 100) / 100);
  return {
    connected: true,
    target: `${options.host}:${options.port}`,
    version: socket.getProtocol(),
    cipherSuite: socket.getCipher()?.standardName,
    group: info.group?.name ?? null,
    alpn: socket.alpnProtocol || null,
    sniSent: attempt.offer?.serverName ?? null,
    offered: attempt.offer
      ? { versions: attempt.offer.versions, cipherSuites: attempt.offer.cipherSuites, groups: attempt.offer.groups, alpn: attempt.offer.alpn }
      : undefined,
    certificate: {
      trusted: socket.authorized,
      verdict: socket.authorized
        ? (attempt.validation?.detail ?? 'trusted')
        : (info.authorizationError?.message ?? attempt.validation?.detail ?? 'no certificate'),
      ...(info.authorizationError ? { code: info.authorizationError.code } : {}),
      chain: info.peerCertificates.map((der) => certificateJson(der, withPem)),
    },
    clientCertificate: { requested: attempt.facts.certificateRequested, sent: (info.localCertificates?.length ?? 0) > 0 },
    resumption: {
      offered: options.session !== undefined,
      resumed: socket.isSessionReused(),
      ...(info.earlyData ? { earlyData: info.earlyData } : {}),
      sessionSaved: attempt.session !== undefined,
    },
    ...(options.requestOCSP ? { ocsp: attempt.ocsp ? { bytes: attempt.ocsp.length, ...safeOcsp(attempt.ocsp), verified: false } : null } : {}),
    timingsMs: { tcp: round(attempt.timings.tcp), handshake: round(attempt.timings.handshake) },
  };
}

function safeOcsp(der: Uint8Array): Record<string, unknown> {
  try {
    return { ...summariseOcsp(der) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function certificateJson(der: Uint8Array, withPem: boolean): Record<string, unknown> {
  const sha256 = createHash('sha256').update(der).digest('hex');
  try {
    const c = parseCertificate(der);
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      names: { dns: c.subjectAltNames.dns, ip: c.subjectAltNames.ip },
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      ca: c.extensions.basicConstraints?.ca ?? false,
      sha256,
      ...(withPem ? { pem: toPem(der) } : {}),
    };
  } catch (err) {
    return { error: `unreadable certificate: ${(err as Error).message}`, sha256 };
  }
}

/** stdin → server, server → stdout, until the server closes. Resolves with the exit status. */
function pipe(socket: TLSSocket, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, error: (err: Error) => number): Promise<number> {
  return new Promise((resolve) => {
    let status: number = ExitCode.ok;
    socket.on('data', (chunk: Buffer) => {
      if (!stdout.write(chunk)) {
        socket.pause();
        stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (err: Error) => {
      status = error(err);
    });
    socket.on('close', () => {
      stdin.unpipe?.(socket);
      (stdin as { pause?: () => void }).pause?.();
      resolve(status);
    });
    // stdin's end ends our side with close_notify; the server's data keeps coming until it closes.
    stdin.pipe(socket);
  });
}
