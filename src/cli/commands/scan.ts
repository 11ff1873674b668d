// `tlskit scan HOST:PORT`: what a server accepts, found with crafted ClientHellos (src/cli/
// scan-probe.ts) for what a ServerHello answers, and with tlskit's own client for what needs a
// whole handshake (the certificate chain, ALPN, OCSP stapling, resumption, TLS 1.3 tickets and
// signature schemes). Bounded: a timeout per probe, a cap on the number of probes, at most 4 at once.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { TlsEvent } from '../../engine/events.js';
import { readNewSessionTicket13 } from '../../messages/new-session-ticket.js';
import { connect, type ConnectOptions } from '../../node/connect.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import { ALL_CIPHER_SUITES, cipherSuiteName } from '../../protocol/cipher-suites.js';
import { DOWNGRADE_TLS12, HandshakeType, versionName } from '../../protocol/constants.js';
import { ALL_GROUPS, groupByName, groupName } from '../../protocol/groups.js';
import { DEFAULT_SIGNATURE_SCHEMES, signatureSchemeName } from '../../protocol/signature-schemes.js';
import { parseCertificate } from '../../x509/index.js';
import { targetFrom } from '../address.js';
import { ExitCode, type CommandIo } from '../command.js';
import { readCertificateFile } from '../files.js';
import { probeHello, withConcurrency, type HelloAnswer, type HelloOffer } from '../scan-probe.js';
import { describeCertificateLine } from '../steps.js';
import { styleFor } from '../style.js';
import { parseArgsMessage, reportUsageError, UsageError } from '../usage.js';

export const SCAN_USAGE = `Usage: tlskit scan HOST:PORT [options]

Finds what a TLS server accepts, with crafted ClientHellos and full handshakes: protocol
versions, cipher suites in the server's order, groups (X25519MLKEM768 included), signature
algorithms, the certificate chain and its problems, ALPN (h2, http/1.1), OCSP stapling,
resumption (session ID, tickets), 0-RTT, secure renegotiation, the TLS 1.3 downgrade sentinel
and middlebox compatibility. TLS 1.1, 1.0 and SSL 3.0 are probed with a minimal hello and
reported "accepted (insecure)" when the server answers with them.

Options:
  --servername NAME   server name for SNI and the name check (default: HOST unless an IP)
  --ca FILE           trust the CA certificates in FILE for the chain verdict
  --timeout SECONDS   give up on one probe after SECONDS (default 5)
  --max-probes N      probe at most N times in all (default 200)
  --concurrency N     at most N probes at once (1 to 4, default 4)
  --json              write one JSON object to stdout instead of the table
  -h, --help          show this help

Exit status: 0 scanned; 1 the server could not be reached or spoke no TLS; 2 bad arguments.
`;

const TLS13_SUITES = ALL_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.3').map((s) => s.id);
const TLS12_SUITES = ALL_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.2').map((s) => s.id);
const TLS12_ECDHE_SUITES = ALL_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.2' && s.keyExchange === 'ecdhe').map((s) => s.id);
// Suites tlskit does not implement, offered only to see whether a server still speaks TLS 1.1, 1.0
// or SSL 3.0 (RFC 4346 / 2246 era CBC suites): the probe stops at the ServerHello.
const LEGACY_SUITES = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a];
const ALL_GROUP_IDS = ALL_GROUPS.map((g) => g.id);
const TLS12_GROUP_IDS = ALL_GROUPS.filter((g) => !g.kem).map((g) => g.id);
const ALL_SCHEMES = DEFAULT_SIGNATURE_SCHEMES.map((s) => s.id);
const ALPN = ['h2', 'http/1.1'] as const;
const EXPIRY_WARNING_DAYS = 30;
const MIN_RSA_BITS = 2048;

type Verdict = 'accepted' | 'accepted (insecure)' | 'not accepted' | 'not probed' | 'error';

export interface ScanReport {
  target: string;
  serverName: string | null;
  versions: Record<string, Verdict>;
  cipherSuites: Record<string, { accepted: string[]; serverPreference: boolean | null }>;
  groups: Record<string, string[]>;
  signatureAlgorithms: Record<string, string[]>;
  certificate: {
    chain: { subject: string; issuer: string; notAfter: string; key: string; line: string }[];
    trusted: boolean | null;
    verdict: string;
    problems: string[];
  } | null;
  alpn: Record<string, boolean>;
  ocspStapling: boolean | null;
  resumption: Record<string, { sessionId?: boolean; tickets: boolean; resumed: boolean }>;
  earlyData: { maxEarlyData: number } | null;
  secureRenegotiation: boolean | null;
  downgradeSentinel: 'present' | 'missing' | 'not applicable';
  middleboxCompatibility: boolean | null;
  probes: number;
  notes: string[];
}

class Budget {
  used = 0;
  exhausted = false;
  constructor(readonly max: number) {}
  take(): boolean {
    if (this.used >= this.max) {
      this.exhausted = true;
      return false;
    }
    this.used++;
    return true;
  }
}

export async function runScan(argv: string[], io: CommandIo): Promise<number> {
  let values: { json?: boolean; help?: boolean; servername?: string; ca?: string; timeout?: string; 'max-probes'?: string; concurrency?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        servername: { type: 'string' },
        ca: { type: 'string' },
        timeout: { type: 'string' },
        'max-probes': { type: 'string' },
        concurrency: { type: 'string' },
      },
    }));
  } catch (err) {
    return reportUsageError(io, 'scan', parseArgsMessage(err as Error));
  }
  if (values.help) {
    io.stdout.write(SCAN_USAGE);
    return ExitCode.ok;
  }
  let host: string;
  let port: number;
  let timeoutMs: number;
  let budget: Budget;
  let concurrency: number;
  let ca: string[] | undefined;
  try {
    if (positionals.length === 0) throw new UsageError('give the server as HOST:PORT');
    ({ host, port } = targetFrom(positionals));
    timeoutMs = number(values.timeout, '--timeout', 5, 0.1, 600) * 1000;
    budget = new Budget(number(values['max-probes'], '--max-probes', 200, 1, 10_000));
    concurrency = number(values.concurrency, '--concurrency', 4, 1, 4);
    if (values.ca !== undefined) ca = [readCertificateFile(values.ca, '--ca')];
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(io, 'scan', err.message);
    throw err;
  }
  const serverName = values.servername ?? (isIP(host) ? undefined : host);
  const report = await scan({ host, port, serverName, timeoutMs, budget, concurrency, ca });
  if (report === undefined) {
    io.stderr.write(`tlskit scan: ${host}:${port} did not answer a TLS 1.3 or TLS 1.2 ClientHello\n`);
    return ExitCode.failure;
  }
  if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, io);
  return ExitCode.ok;
}

function number(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got '${text}'`);
  return n;
}

interface ScanInput {
  host: string;
  port: number;
  serverName: string | undefined;
  timeoutMs: number;
  budget: Budget;
  concurrency: number;
  ca: string[] | undefined;
}

async function scan(input: ScanInput): Promise<ScanReport | undefined> {
  const { host, port, serverName, timeoutMs, budget, concurrency } = input;
  const notes: string[] = [];
  const base = { serverName, sigalgs: ALL_SCHEMES };
  const probe = async (offer: HelloOffer, waitForCcs = false): Promise<HelloAnswer> => {
    if (!budget.take()) return { kind: 'failed', reason: 'probe cap reached' };
    return probeHello(host, port, { ...base, ...offer }, timeoutMs, { waitForCcs });
  };
  const tls13Offer = (suites: readonly number[], groups: readonly number[] = ALL_GROUP_IDS): HelloOffer => ({
    version: 0x0304,
    suites,
    groups,
    sigalgs: ALL_SCHEMES,
    sessionId: true,
  });
  const tls12Offer = (suites: readonly number[], more: Partial<HelloOffer> = {}): HelloOffer => ({
    version: 0x0303,
    suites,
    groups: TLS12_GROUP_IDS,
    sigalgs: ALL_SCHEMES,
    renegotiationInfo: true,
    ...more,
  });
  const chose = (a: HelloAnswer, version: number): a is Extract<HelloAnswer, { kind: 'hello' }> => a.kind === 'hello' && a.version === version;

  // 1. Versions.
  const [tls13, tls12, ...legacy] = await withConcurrency(
    [
      () => probe(tls13Offer(TLS13_SUITES), true),
      () => probe(tls12Offer(TLS12_SUITES, { statusRequest: true })),
      ...[0x0302, 0x0301, 0x0300].map(
        (v) => () => probe({ version: v, suites: [...LEGACY_SUITES, ...TLS12_SUITES], groups: TLS12_GROUP_IDS, sigalgs: [], renegotiationInfo: true }),
      ),
    ],
    concurrency,
  );
  const has13 = chose(tls13!, 0x0304);
  const has12 = chose(tls12!, 0x0303);
  if (!has13 && !has12 && tls13!.kind === 'failed' && tls12!.kind === 'failed') return undefined;
  const versions: Record<string, Verdict> = { 'TLSv1.3': has13 ? 'accepted' : 'not accepted', 'TLSv1.2': has12 ? 'accepted' : 'not accepted' };
  [0x0302, 0x0301, 0x0300].forEach((v, i) => {
    const a = legacy[i]!;
    versions[versionName(v)] = chose(a, v) ? 'accepted (insecure)' : a.kind === 'failed' && a.reason === 'probe cap reached' ? 'not probed' : 'not accepted';
  });

  // 2. Cipher suites: each alone, then the server's order by offering the accepted set and removing the choice.
  const suiteScan = async (
    version: number,
    all: readonly number[],
    offer: (suites: readonly number[]) => HelloOffer,
  ): Promise<{ accepted: string[]; serverPreference: boolean | null }> => {
    const singles = await withConcurrency(
      all.map((id) => () => probe(offer([id]))),
      concurrency,
    );
    const accepted = all.filter((id, i) => chose(singles[i]!, version) && (singles[i] as { hello: { cipherSuite: number } }).hello.cipherSuite === id);
    const order: number[] = [];
    let left = [...accepted];
    while (left.length > 1) {
      const a = await probe(offer(left));
      if (!chose(a, version) || !left.includes(a.hello.cipherSuite)) break;
      order.push(a.hello.cipherSuite);
      left = left.filter((id) => id !== a.hello.cipherSuite);
    }
    order.push(...left);
    let serverPreference: boolean | null = null;
    if (accepted.length > 1) {
      // Offered in reverse: a server that follows its own order still picks its first.
      const a = await probe(offer([...accepted].reverse()));
      if (chose(a, version)) serverPreference = a.hello.cipherSuite === order[0];
    }
    return { accepted: order.map(cipherSuiteName), serverPreference };
  };
  const cipherSuites: ScanReport['cipherSuites'] = {};
  if (has13) cipherSuites['TLSv1.3'] = await suiteScan(0x0304, TLS13_SUITES, (s) => tls13Offer(s));
  if (has12) cipherSuites['TLSv1.2'] = await suiteScan(0x0303, TLS12_SUITES, (s) => tls12Offer(s));

  // 3. Groups: each alone. TLS 1.3 names it in the HelloRetryRequest; TLS 1.2 in ServerKeyExchange.
  const groups: Record<string, string[]> = {};
  if (has13) {
    const answers = await withConcurrency(
      ALL_GROUP_IDS.map((g) => () => probe(tls13Offer(TLS13_SUITES, [g]))),
      concurrency,
    );
    groups['TLSv1.3'] = ALL_GROUP_IDS.filter((g, i) => {
      const a = answers[i]!;
      return chose(a, 0x0304) && (a.hello.retryGroup ?? a.hello.keyShare?.group) === g;
    }).map(groupName);
  }
  const ecdhe12 = (cipherSuites['TLSv1.2']?.accepted ?? []).length > 0 ? TLS12_ECDHE_SUITES : [];
  if (has12 && ecdhe12.length > 0) {
    // RFC 8422 §5.1: a TLS 1.2 server with an ECDSA certificate needs its curve among the client's
    // groups. So a group refused alone is tried again with that curve after it: the server's
    // ServerKeyExchange then says whether it takes the group for the key exchange.
    const certCurve = ecdsaCurveGroup(tls12!.kind === 'hello' ? tls12!.certificates?.[0] : undefined);
    const kx = async (g: number): Promise<boolean> => {
      const a = await probe(tls12Offer(ecdhe12, { groups: [g] }));
      if (chose(a, 0x0303) && a.kxGroup === g) return true;
      if (certCurve === undefined || certCurve === g) return false;
      const b = await probe(tls12Offer(ecdhe12, { groups: [g, certCurve] }));
      return chose(b, 0x0303) && b.kxGroup === g;
    };
    const answers = await withConcurrency(
      TLS12_GROUP_IDS.map((g) => () => kx(g)),
      concurrency,
    );
    groups['TLSv1.2'] = TLS12_GROUP_IDS.filter((_, i) => answers[i]).map(groupName);
  }

  // 4. Signature algorithms: TLS 1.2 from ServerKeyExchange, TLS 1.3 from full handshakes (the
  // CertificateVerify is encrypted).
  const signatureAlgorithms: Record<string, string[]> = {};
  if (has12 && ecdhe12.length > 0) {
    const answers = await withConcurrency(
      ALL_SCHEMES.map((id) => () => probe(tls12Offer(ecdhe12, { sigalgs: [id] }))),
      concurrency,
    );
    signatureAlgorithms['TLSv1.2'] = ALL_SCHEMES.filter((id, i) => {
      const a = answers[i]!;
      return chose(a, 0x0303) && a.kxScheme === id;
    }).map(signatureSchemeName);
  }
  const handshake = (options: ConnectOptions): Promise<Handshake> => {
    if (!budget.take()) return Promise.resolve({ ok: false, error: 'probe cap reached', tickets: [] });
    return fullHandshake({ host, port, ...(serverName ? { servername: serverName } : {}), ...(input.ca ? { ca: input.ca } : {}), ...options }, timeoutMs);
  };
  if (has13) {
    const tls13Schemes = DEFAULT_SIGNATURE_SCHEMES.filter((s) => s.tls13);
    const answers = await withConcurrency(
      tls13Schemes.map((s) => () => handshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', sigalgs: s.name })),
      concurrency,
    );
    signatureAlgorithms['TLSv1.3'] = tls13Schemes.filter((_, i) => answers[i]!.ok).map((s) => s.name);
  }

  // 5. A full handshake at the best version: chain, OCSP stapling; then ALPN and resumption.
  const best = has13 ? 'TLSv1.3' : has12 ? 'TLSv1.2' : undefined;
  let certificate: ScanReport['certificate'] = null;
  let ocspStapling: boolean | null = null;
  const alpn: Record<string, boolean> = {};
  const resumption: ScanReport['resumption'] = {};
  let earlyData: ScanReport['earlyData'] = null;
  if (best) {
    const first = await handshake({ minVersion: best, maxVersion: best, requestOCSP: true });
    if (first.ok) {
      ocspStapling = first.ocsp;
      certificate = describeChain(first, serverName ?? host);
    } else {
      if (!budget.exhausted) notes.push(`full ${best} handshake failed: ${first.error}`);
      // The chain is also in the TLS 1.2 first flight, in plaintext.
      if (has12 && tls12!.kind === 'hello' && tls12!.certificates)
        certificate = describeChain(
          {
            ok: true,
            chain: tls12!.certificates,
            trusted: null,
            verdict: 'not validated (the full handshake failed)',
            code: undefined,
            ocsp: false,
            alpn: null,
            resumed: false,
            tickets: [],
          },
          serverName ?? host,
        );
    }
    if (ocspStapling === null && has12 && tls12!.kind === 'hello') ocspStapling = tls12!.ocspStapled === true;
    if (!has13 && has12 && tls12!.kind === 'hello' && tls12!.ocspStapled) ocspStapling = true;
    const alpnAnswers = await withConcurrency(
      ALPN.map((p) => () => handshake({ minVersion: best, maxVersion: best, ALPNProtocols: [p] })),
      concurrency,
    );
    ALPN.forEach((p, i) => (alpn[p] = alpnAnswers[i]!.ok && alpnAnswers[i]!.alpn === p));
    for (const v of [has13 ? 'TLSv1.3' : undefined, has12 ? 'TLSv1.2' : undefined].filter((x): x is 'TLSv1.3' | 'TLSv1.2' => x !== undefined)) {
      const one = await handshake({ minVersion: v, maxVersion: v });
      const entry: { sessionId?: boolean; tickets: boolean; resumed: boolean } = { tickets: false, resumed: false };
      if (v === 'TLSv1.2' && tls12!.kind === 'hello') {
        entry.sessionId = tls12!.hello.sessionId.length > 0;
        entry.tickets = tls12!.hello.sessionTicket;
      }
      if (v === 'TLSv1.3') {
        entry.tickets = one.ok && one.tickets.length > 0;
        const max = one.ok ? Math.max(0, ...one.tickets.map((t) => t.maxEarlyData ?? 0)) : 0;
        earlyData = { maxEarlyData: max };
      }
      if (one.ok && one.session) {
        const again = await handshake({ minVersion: v, maxVersion: v, session: one.session });
        entry.resumed = again.ok && again.resumed;
      }
      resumption[v] = entry;
    }
  }

  // 6. RFC 5746 §3.6: a server supporting secure renegotiation answers renegotiation_info.
  const secureRenegotiation = has12 && tls12!.kind === 'hello' ? tls12!.hello.renegotiationInfo !== undefined : null;
  // 7. RFC 8446 §4.1.3: a TLS 1.3 server answering a TLS 1.2 hello ends its random with DOWNGRD\x01.
  let downgradeSentinel: ScanReport['downgradeSentinel'] = 'not applicable';
  if (has13 && has12 && tls12!.kind === 'hello') {
    const tail = tls12!.hello.random.subarray(24);
    downgradeSentinel = tail.every((b, i) => b === DOWNGRADE_TLS12[i]) ? 'present' : 'missing';
  }
  // 8. RFC 8446 §D.4: with a session id sent, a compatible server sends CCS after its first flight's hello.
  const middleboxCompatibility = has13 && tls13!.kind === 'hello' ? tls13!.ccsAfterHello : null;
  if (budget.exhausted) notes.push(`stopped at the probe cap (--max-probes ${budget.max}): some answers are incomplete`);
  return {
    target: `${host}:${port}`,
    serverName: serverName ?? null,
    versions,
    cipherSuites,
    groups,
    signatureAlgorithms,
    certificate,
    alpn,
    ocspStapling,
    resumption,
    earlyData,
    secureRenegotiation,
    downgradeSentinel,
    middleboxCompatibility,
    probes: budget.used,
    notes,
  };
}

type Handshake =
  | {
      ok: true;
      chain: readonly Uint8Array[];
      trusted: boolean | null;
      verdict: string;
      code: string | undefined;
      ocsp: boolean;
      alpn: string | null;
      resumed: boolean;
      session?: Uint8Array;
      tickets: { maxEarlyData?: number }[];
    }
  | { ok: false; error: string; tickets: [] };

/** The group of an ECDSA leaf's curve (RFC 8422 §5.1.1), for the TLS 1.2 group probes. */
function ecdsaCurveGroup(der: Uint8Array | undefined): number | undefined {
  if (!der) return undefined;
  try {
    const k = parseCertificate(der).publicKey;
    return k.kind === 'ec' ? groupByName(k.curve)?.id : undefined;
  } catch {
    return undefined;
  }
}

/** One handshake with tlskit's client; waits briefly after it for a TLS 1.3 ticket. Never throws. */
function fullHandshake(options: ConnectOptions, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve) => {
    let socket: TLSSocket;
    let ocsp = false;
    let session: Uint8Array | undefined;
    const tickets: { maxEarlyData?: number }[] = [];
    let settled = false;
    const done = (value: Handshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!value.ok) {
        socket.destroy();
        resolve(value);
        return;
      }
      // close_notify, not a reset: OpenSSL forgets the session of a connection that was not shut
      // down cleanly, and the resumption probe would then wrongly say "not resumed".
      const closed = setTimeout(() => socket.destroy(), 500);
      socket.once('close', () => clearTimeout(closed));
      socket.on('error', () => undefined);
      socket.end();
      resolve(value);
    };
    const timer = setTimeout(() => done({ ok: false, error: `no handshake within ${timeoutMs / 1000} s`, tickets: [] }), timeoutMs);
    try {
      socket = connect({ ...options, rejectUnauthorized: false });
    } catch (err) {
      clearTimeout(timer);
      resolve({ ok: false, error: (err as Error).message, tickets: [] });
      return;
    }
    socket.on('tlsEvent', (event: TlsEvent) => {
      if (event.kind === 'handshake-message' && event.direction === 'received' && event.type === HandshakeType.new_session_ticket) {
        try {
          const raw = event.raw;
          const nst = readNewSessionTicket13({ type: raw[0]!, body: raw.subarray(4), raw });
          tickets.push(nst.maxEarlyDataSize !== undefined ? { maxEarlyData: nst.maxEarlyDataSize } : {});
        } catch {
          tickets.push({}); // a TLS 1.2 NewSessionTicket has another shape
        }
      }
    });
    socket.on('OCSPResponse', () => (ocsp = true));
    socket.on('session', (bytes: Buffer) => (session = bytes));
    socket.on('error', (err: Error) => done({ ok: false, error: err.message, tickets: [] }));
    socket.once('secureConnect', () => {
      const finish = (): void =>
        done({
          ok: true,
          chain: socket.info.peerCertificates,
          trusted: socket.authorized,
          verdict: socket.authorized ? 'trusted' : (socket.info.authorizationError?.message ?? 'not trusted'),
          code: socket.authorizationError ?? undefined,
          ocsp,
          alpn: socket.alpnProtocol || null,
          resumed: socket.isSessionReused(),
          ...(session ? { session } : {}),
          tickets,
        });
      // TLS 1.3 tickets follow the handshake: wait a little for them (bounded).
      if (socket.getProtocol() === 'TLSv1.3' && !socket.isSessionReused()) setTimeout(finish, Math.min(500, timeoutMs));
      else setTimeout(finish, 50);
    });
  });
}

function describeChain(h: Extract<Handshake, { ok: true }>, name: string): NonNullable<ScanReport['certificate']> {
  const problems: string[] = [];
  const chain = h.chain.map((der) => {
    try {
      const c = parseCertificate(der);
      const k = c.publicKey;
      const key = k.kind === 'rsa' || k.kind === 'rsa-pss' ? `RSA ${k.bits}` : k.kind === 'ec' ? `ECDSA ${k.curve}` : k.kind;
      const days = (c.notAfter.getTime() - Date.now()) / 86_400_000;
      if (days < 0) problems.push(`${c.subject.text}: expired on ${c.notAfter.toISOString().slice(0, 10)}`);
      else if (days < EXPIRY_WARNING_DAYS)
        problems.push(`${c.subject.text}: expires within ${EXPIRY_WARNING_DAYS} days (${c.notAfter.toISOString().slice(0, 10)})`);
      if ((k.kind === 'rsa' || k.kind === 'rsa-pss') && k.bits !== undefined && k.bits < MIN_RSA_BITS)
        problems.push(`${c.subject.text}: weak key, RSA ${k.bits} bits (< ${MIN_RSA_BITS})`);
      return {
        cert: c,
        entry: { subject: c.subject.text, issuer: c.issuer.text, notAfter: c.notAfter.toISOString(), key, line: describeCertificateLine(der) },
      };
    } catch (err) {
      problems.push(`unreadable certificate: ${(err as Error).message}`);
      return { cert: undefined, entry: { subject: '?', issuer: '?', notAfter: '?', key: '?', line: describeCertificateLine(der) } };
    }
  });
  const leaf = chain[0]?.cert;
  if (leaf && !nameMatches(leaf.subjectAltNames.dns, leaf.subjectAltNames.ip, name)) {
    problems.push(
      `name mismatch: ${name} is not among the certificate's names (${[...leaf.subjectAltNames.dns, ...leaf.subjectAltNames.ip].join(', ') || 'none'})`,
    );
  }
  const last = chain[chain.length - 1]?.cert;
  // The server must send every certificate up to (not necessarily including) the root: a last
  // certificate that is not self-issued, and that does not chain to a trusted root, points at a missing intermediate.
  if (last && !last.selfIssued && h.trusted === false && /issuer|unable to get|UNABLE_TO_GET/i.test(`${h.code ?? ''} ${h.verdict}`)) {
    problems.push(`missing intermediate: the chain ends at ${last.subject.text}, issued by ${last.issuer.text}, which the server did not send`);
  }
  return { chain: chain.map((c) => c.entry), trusted: h.trusted, verdict: h.verdict, problems };
}

/** RFC 6125 §6.4: a DNS name (one leftmost wildcard label) or an IP address in subjectAltName. */
function nameMatches(dns: readonly string[], ips: readonly string[], name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (isIP(n)) return ips.includes(n);
  return dns.some((d) => {
    const p = d.toLowerCase();
    if (p === n) return true;
    if (!p.startsWith('*.')) return false;
    const dot = n.indexOf('.');
    return dot > 0 && n.slice(dot + 1) === p.slice(2);
  });
}

function printReport(r: ScanReport, io: CommandIo): void {
  const s = styleFor(io.stdout);
  const out: string[] = [];
  const row = (name: string, value: string): void => {
    out.push(`  ${name.padEnd(22)} ${value}`);
  };
  const yesNo = (v: boolean | null | undefined, yes = 'yes', no = 'no'): string =>
    v === null || v === undefined ? 'not probed' : v ? s.green(yes) : s.yellow(no);
  out.push(s.bold(`Scan of ${r.target}${r.serverName ? `, server name ${r.serverName}` : ', no server name sent'}`));
  for (const [v, verdict] of Object.entries(r.versions))
    row(v, verdict === 'accepted' ? s.green(verdict) : verdict === 'accepted (insecure)' ? s.red(verdict) : verdict);
  for (const [v, c] of Object.entries(r.cipherSuites)) {
    const order = c.serverPreference === null ? '' : c.serverPreference ? ' (server order)' : ' (client order: the server follows ours)';
    row(`${v} suites`, c.accepted.length > 0 ? `${c.accepted[0]}${order}` : 'none');
    for (const name of c.accepted.slice(1)) row('', name);
  }
  for (const [v, g] of Object.entries(r.groups)) row(`${v} groups`, g.join(', ') || 'none');
  for (const [v, g] of Object.entries(r.signatureAlgorithms)) row(`${v} signatures`, g.join(', ') || 'none');
  row(
    'ALPN',
    Object.entries(r.alpn)
      .map(([p, ok]) => `${p} ${ok ? 'yes' : 'no'}`)
      .join(', ') || 'not probed',
  );
  row('OCSP stapling', yesNo(r.ocspStapling));
  for (const [v, e] of Object.entries(r.resumption)) {
    const how = [e.sessionId !== undefined ? `session id ${e.sessionId ? 'yes' : 'no'}` : '', `tickets ${e.tickets ? 'yes' : 'no'}`].filter(Boolean).join(', ');
    row(`${v} resumption`, `${e.resumed ? s.green('resumed') : s.yellow('not resumed')} (${how})`);
  }
  row('0-RTT', r.earlyData === null ? 'not probed' : r.earlyData.maxEarlyData > 0 ? `yes, max_early_data ${r.earlyData.maxEarlyData}` : 'no');
  row('secure renegotiation', yesNo(r.secureRenegotiation));
  row(
    'downgrade sentinel',
    r.downgradeSentinel === 'missing' ? s.red('missing (RFC 8446 §4.1.3)') : r.downgradeSentinel === 'present' ? s.green('present') : r.downgradeSentinel,
  );
  row('middlebox compat', yesNo(r.middleboxCompatibility, 'yes (CCS after ServerHello)', 'no CCS after ServerHello'));
  if (r.certificate) {
    row('certificate', r.certificate.trusted ? s.green('trusted') : s.red(`NOT trusted: ${r.certificate.verdict}`));
    r.certificate.chain.forEach((c, i) => out.push(`    ${String(i).padStart(2)}  ${c.line}`));
    for (const p of r.certificate.problems) out.push(`  ${s.red('problem')}  ${p}`);
  }
  for (const n of r.notes) out.push(s.dim(`  note: ${n}`));
  out.push(s.dim(`  ${r.probes} probes`));
  io.stdout.write(`${out.join('\n')}\n`);
}
