// The BoGo shim: BoringSSL's test runner starts it as `shim -port N [flags]` for each test; it
// connects back to the runner and plays the client (or, with -server, the server) with tlskit's
// sans-I/O engine driven over a socket, so the record boundaries are ours. After the handshake it
// checks the -expect-* flags, then echoes what the runner sends with every byte inverted (the
// runner's doExchange), and closes as the flags ask. Outcome (runner.go runTest): exit 0 on
// success; on failure, exit 1 with the error on stderr (test/bogo/config.json's ErrorMap maps
// BoringSSL's error strings to ours); exit 89 for a flag or feature tlskit does not have.
import { appendFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { createClientConnection, createServerConnection } from '../../src/engine/endpoints.js';
import type { Connection } from '../../src/engine/connection.js';
import type { ClientConfig, PeerVerifier, ServerConfig } from '../../src/handshake/config.js';
import type { TlsEvent } from '../../src/engine/events.js';
import { resolveClientOptions, resolveServerOptions, type CommonOptions, type VersionName } from '../../src/engine/options.js';
import { nodeCryptoProvider } from '../../src/crypto/node/provider.js';
import { TlsError } from '../../src/errors.js';
import { ALL_CIPHER_SUITES, DEFAULT_CIPHER_SUITES } from '../../src/protocol/cipher-suites.js';
import { groupById } from '../../src/protocol/groups.js';
import { DEFAULT_SIGNATURE_SCHEMES, signatureSchemeById } from '../../src/protocol/signature-schemes.js';
import { MemorySessionStore, decodeSession } from '../../src/handshake/session.js';
import { MemoryAntiReplayStore } from '../../src/handshake/anti-replay.js';
import { certificatesFrom } from '../../src/engine/options.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { HandshakeFacts } from '../../src/node/handshake-facts.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { HandshakeType } from '../../src/protocol/constants.js';
import { ShimFlags, Unimplemented, type FlagView, type Layer } from './flags.js';

const EXIT_UNIMPLEMENTED = 89;
const provider = nodeCryptoProvider;
/** Debugging aid: TLSKIT_BOGO_TRACE=FILE appends each connection's events to FILE. */
const trace = process.env.TLSKIT_BOGO_TRACE;

/** A check the test asked for did not hold (printed, exit 1). */
class CheckFailed extends Error {}

function unimplemented(what: string): never {
  throw new Unimplemented(`unimplemented: ${what}`);
}

// ---- options from flags ----

const VERSION_NAMES: Record<number, VersionName> = { 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** -min-version/-max-version/-no-tls*: tlskit speaks TLS 1.2 and 1.3 only (RFC 8996). */
function versions(f: FlagView): { minVersion: VersionName; maxVersion: VersionName } {
  const enabled = new Set([0x0303, 0x0304]);
  if (f.has('-no-tls13')) enabled.delete(0x0304);
  if (f.has('-no-tls12')) enabled.delete(0x0303);
  const min = f.int('-min-version');
  const max = f.int('-max-version');
  if (max !== undefined && max !== 0) {
    if (max > 0xfe00) unimplemented('DTLS versions');
    if (max < 0x0303) unimplemented(`max version ${max.toString(16)} (TLS 1.0/1.1)`);
    for (const v of [...enabled]) if (v > max) enabled.delete(v);
  }
  if (min !== undefined && min !== 0) {
    if (min > 0xfe00) unimplemented('DTLS versions');
    for (const v of [...enabled]) if (v < min) enabled.delete(v);
  }
  if (enabled.size === 0) unimplemented('no TLS 1.2 or 1.3 version left enabled');
  const list = [...enabled].sort();
  return { minVersion: VERSION_NAMES[list[0]!]!, maxVersion: VERSION_NAMES[list[list.length - 1]!]! };
}

/** -cipher: BoringSSL's cipher string; suites by name or code point, equal-preference groups flattened. */
function ciphers(spec: string): string {
  const names: string[] = [];
  for (const raw of spec.split(':')) {
    for (const token of raw.replace(/^\[|\]$/g, '').split('|')) {
      if (token === '') continue;
      if (token === 'DEFAULT' || token === 'ALL') {
        names.push(...DEFAULT_CIPHER_SUITES.map((s) => s.name), ...ALL_CIPHER_SUITES.filter((s) => !DEFAULT_CIPHER_SUITES.includes(s)).map((s) => s.name));
        continue;
      }
      const id = /^\d+$/.test(token) ? Number(token) : undefined;
      const suite = ALL_CIPHER_SUITES.find((s) => s.id === id || s.name === token || s.opensslName === token);
      if (!suite) unimplemented(`cipher ${token}`);
      names.push(suite.name);
    }
  }
  return names.join(':');
}

function curves(ids: readonly number[]): string {
  return ids.map((id) => groupById(id)?.name ?? unimplemented(`group ${id}`)).join(':');
}

function sigalgs(ids: readonly number[]): string {
  return ids.map((id) => signatureSchemeById(id)?.name ?? unimplemented(`signature algorithm 0x${id.toString(16)}`)).join(':');
}

/** ALPN protocols from the wire format -advertise-alpn takes (length-prefixed names). */
function alpnList(wire: string): Uint8Array {
  return new Uint8Array(Buffer.from(wire, 'latin1'));
}

// ---- the connection over a socket ----

interface Outcome {
  session?: Uint8Array;
}

class Driver {
  readonly received: Uint8Array[] = [];
  readonly events: TlsEvent[] = [];
  sessions: Uint8Array[] = [];
  complete = false;
  peerClosed = false;
  eof = false;
  failure: TlsError | undefined;
  private wake: (() => void) | undefined;
  connection!: Connection;
  /** What node:tls would report of the handshake messages (Finished, the peer's signature schemes). */
  readonly facts: HandshakeFacts;
  /** The ALPN list of the last ClientHello received (-expect-advertised-alpn), in its wire form. */
  advertisedAlpn: Uint8Array | undefined;
  /** NSS key log lines, by label (-export-traffic-secrets). */
  readonly secrets = new Map<string, Uint8Array>();

  constructor(
    readonly socket: net.Socket,
    private readonly byteByByte: boolean,
    isServer: boolean,
  ) {
    this.facts = new HandshakeFacts(isServer);
    socket.on('data', (data: Buffer) => {
      if (this.byteByByte) for (let i = 0; i < data.length; i++) this.connection.receive(data.subarray(i, i + 1));
      else this.connection.receive(data);
      this.pump();
    });
    socket.on('end', () => {
      this.eof = true;
      this.notify();
    });
    socket.on('error', () => {
      this.eof = true;
      this.notify();
    });
  }

  handlers() {
    return {
      data: (chunk: Uint8Array) => {
        this.received.push(chunk);
        this.notify();
      },
      handshakeComplete: () => {
        this.complete = true;
        this.notify();
      },
      peerClosed: () => {
        this.peerClosed = true;
        this.notify();
      },
      error: (err: TlsError) => {
        this.failure = err;
        this.notify();
      },
      session: (s: Uint8Array) => {
        this.sessions.push(s);
        if (trace) {
          const d = decodeSession(s);
          appendFileSync(
            trace,
            `${process.pid} session ${JSON.stringify({ version: d.version, ems: d.extendedMasterSecret, lifetime: d.lifetime, serverName: d.serverName, ticket: d.ticket?.length, sessionId: d.sessionId?.length, authorized: d.authorized, maxEarlyData: d.maxEarlyData })}\n`,
          );
        }
      },
      keylog: (line: string) => {
        const [label, , secret] = line.trim().split(' ');
        if (label && secret) this.secrets.set(label, new Uint8Array(Buffer.from(secret, 'hex')));
      },
      event: (e: TlsEvent) => {
        this.events.push(e);
        this.facts.observe(e, this.connection?.info.version as 'TLSv1.2' | 'TLSv1.3' | undefined);
        if (e.kind === 'handshake-message' && e.direction === 'received' && e.type === HandshakeType.client_hello) {
          const alpn = readClientHello({ type: e.type, body: e.raw.subarray(4), raw: e.raw }).alpn;
          this.advertisedAlpn = alpn ? new Uint8Array(Buffer.concat(alpn.flatMap((p) => [Uint8Array.of(p.length), p]))) : undefined;
        }
        if (trace)
          appendFileSync(
            trace,
            `${process.pid} ${JSON.stringify(e, (k, v) => (k === 'raw' ? undefined : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}\n`,
          );
      },
    };
  }

  /** Sends what the engine queued and starts the asynchronous step it waits for, if any. */
  pump(): void {
    const out = this.connection.takeOutput();
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(Buffer.concat(out.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
    const task = this.connection.pendingTask;
    if (task && !this.taskRunning) {
      this.taskRunning = true;
      task.start().then(
        (r) => {
          this.taskRunning = false;
          this.connection.completeTask(r);
          this.pump();
        },
        (e: unknown) => {
          this.taskRunning = false;
          this.connection.failTask(e);
          this.pump();
        },
      );
    }
    this.notify();
  }
  private taskRunning = false;

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits until `ready` holds; a connection failure throws it, EOF first returns false. */
  async until(ready: () => boolean): Promise<boolean> {
    for (;;) {
      if (ready()) return true;
      if (this.failure) throw this.failure;
      if (this.eof) return ready();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  write(data: Uint8Array): void {
    this.connection.write(data);
    this.pump();
    if (this.failure) throw this.failure;
  }

  async finishWrites(): Promise<void> {
    if (this.socket.writableLength === 0) return;
    await new Promise<void>((resolve) => this.socket.once('drain', () => resolve()));
  }
}

async function connect(port: number, ipv6: boolean): Promise<net.Socket> {
  const attempt = (host: string) =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port, noDelay: true }, () => resolve(s));
      s.once('error', reject);
    });
  // runner.go listens on ::1 when it can, else on 127.0.0.1.
  try {
    return await attempt('::1');
  } catch (err) {
    if (ipv6) throw err;
    return attempt('127.0.0.1');
  }
}

// ---- state across the connections of one test ----

interface TestState {
  readonly flags: ShimFlags;
  readonly server: boolean;
  /** The server's session caches and keys, kept across connections so that resumption can happen. */
  readonly ticketKeys: Uint8Array;
  readonly sessionStore: MemorySessionStore;
  readonly antiReplay: MemoryAntiReplayStore;
  /** Set per connection: whether the peer verifier says no (-verify-fail). */
  verifyFail: boolean;
  readonly verifier: PeerVerifier;
  /**
   * The shim's clock (milliseconds since the epoch), as BoringSSL's shim a fixed one: it moves only
   * with -resumption-delay, so ticket ages come out exact (and see the verifier).
   */
  clock: number;
  clockSet: boolean;
  /** No host name check (BoringSSL's shim makes none): one function, so that sessions resume across connections. */
  readonly serverIdentity: () => undefined;
}

function readFile(path: string): string {
  return readFileSync(path, 'utf8');
}

function commonOptions(f: FlagView, state: TestState): CommonOptions {
  const o: CommonOptions = { provider, ...versions(f) };
  // BoringSSL's default list has every suite tlskit has, RSA key transport included.
  o.ciphers = ciphers(f.str('-cipher') ?? 'ALL');
  const groups = f.ints('-curves');
  if (groups) o.ecdhCurve = curves(groups);
  const verify = f.ints('-verify-prefs');
  if (verify) o.sigalgs = sigalgs(verify);
  const cert = f.str('-cert-file');
  const key = f.str('-key-file');
  if (cert !== undefined) o.cert = readFile(cert);
  if (key !== undefined) o.key = readFile(key);
  o.verifier = state.verifier;
  o.now = () => new Date(state.clock);
  const maxCertList = f.int('-max-cert-list');
  if (maxCertList !== undefined) o.maxHandshakeMessageSize = maxCertList;
  return o;
}

function makeConnection(f: FlagView, state: TestState, driver: Driver, session: Uint8Array | undefined): Connection {
  const common = commonOptions(f, state);
  const handlers = driver.handlers();
  if (f.has('-renegotiate-ignore') && state.server) unimplemented('-renegotiate-ignore on a server');
  if (state.server) {
    const selected = f.str('-select-alpn');
    const ocsp = f.bytes('-ocsp-response');
    const ticketKey = f.bytes('-ticket-key');
    const config: ServerConfig = resolveServerOptions(
      {
        ...common,
        // An empty -select-alpn: BoringSSL's callback selects nothing.
        ...(selected !== undefined && selected !== '' ? { ALPNProtocols: [selected] } : {}),
        ...(ocsp ? { ocspResponse: ocsp } : {}),
        requestCert: f.has('-verify-peer') || f.has('-require-any-client-certificate'),
        // -verify-peer alone lets a client without a certificate in; the verifier still judges one sent.
        rejectUnauthorized: f.has('-require-any-client-certificate') || state.verifyFail,
        ticketKeys: ticketKey ?? state.ticketKeys,
        tickets: !f.has('-no-ticket'),
        sessionStore: state.sessionStore,
        antiReplay: state.antiReplay,
        // BoringSSL's kMaxEarlyDataAccepted
        maxEarlyData: f.has('-enable-early-data') ? 14336 : 0,
      },
      provider,
    );
    return createServerConnection(withSigning(config, f), handlers);
  }
  if (f.has('-no-ticket')) unimplemented('-no-ticket on a client');
  const host = f.str('-host-name');
  const alpn = f.str('-advertise-alpn');
  const config = resolveClientOptions(
    {
      ...common,
      ...(host !== undefined ? { servername: host } : {}),
      ...(alpn !== undefined ? { ALPNProtocols: alpnList(alpn) } : {}),
      ...(session ? { session } : {}),
      earlyData: f.has('-enable-early-data'),
      requestOCSP: f.has('-enable-ocsp-stapling'),
      // BoringSSL's shim verifies with a callback and, without -verify-peer, goes on whatever it says.
      rejectUnauthorized: f.has('-verify-peer'),
      serverIdentity: state.serverIdentity,
    },
    provider,
  );
  return createClientConnection(withSigning(config, f), handlers);
}

/** -signing-prefs: the schemes we sign with, apart from those we accept (-verify-prefs). */
function withSigning<T extends ClientConfig | ServerConfig>(config: T, f: FlagView): T {
  const signing = f.ints('-signing-prefs');
  // -verify-prefs alone limits what we accept, not what we sign with (BoringSSL's defaults stay).
  if (!signing) return f.ints('-verify-prefs') ? { ...config, signingSchemes: DEFAULT_SIGNATURE_SCHEMES } : config;
  return { ...config, signingSchemes: signing.map((id) => signatureSchemeById(id) ?? unimplemented(`signature algorithm 0x${id.toString(16)}`)) };
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new CheckFailed(message);
}

function equalBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;
}

/** CheckHandshakeProperties: what the -expect-* flags ask of a finished handshake. */
function checkHandshake(f: FlagView, state: TestState, driver: Driver, isResume: boolean): void {
  const info = driver.connection.info;
  const version = f.int('-expect-version');
  if (version !== undefined) check(info.version === VERSION_NAMES[version], `want version ${version.toString(16)}, got ${info.version}`);
  const expectResume = isResume && !f.has('-expect-session-miss');
  check(info.resumed === expectResume, `session unexpectedly was${info.resumed ? '' : ' not'} reused`);
  const cipher = f.int('-expect-cipher');
  if (cipher !== undefined) check(info.cipherSuite?.id === cipher, `expected cipher ${cipher.toString(16)}, got ${info.cipherSuite?.id.toString(16)}`);
  const verifyPrefs = f.ints('-expect-peer-verify-pref');
  if (verifyPrefs) {
    const got = driver.facts.peerSignatureSchemes;
    check(
      got.length === verifyPrefs.length && got.every((id, i) => id === verifyPrefs[i]),
      `peer verify preferences ${got.join(',')}, expected ${verifyPrefs.join(',')}`,
    );
  }
  // tlskit reports the group of this handshake's key exchange: none in a resumed TLS 1.2 handshake.
  const curve = f.int('-expect-curve-id');
  if (curve !== undefined && !(info.resumed && info.version === 'TLSv1.2')) check(info.group?.id === curve, `expected curve ${curve}, got ${info.group?.id}`);
  // tlskit reports the scheme the peer signed with in this handshake: none when resumed.
  const sigalg = f.int('-expect-peer-signature-algorithm');
  if (sigalg !== undefined && !info.resumed)
    check(info.peerSignatureScheme?.id === sigalg, `expected peer signature algorithm ${sigalg}, got ${info.peerSignatureScheme?.id}`);
  const name = f.str('-expect-server-name');
  if (name !== undefined) check(info.serverName === name, `servername mismatch (got ${info.serverName}; want ${name})`);
  const advertised = f.str('-expect-advertised-alpn');
  if (advertised !== undefined) check(equalBytes(driver.advertisedAlpn, alpnList(advertised)), 'bad ALPN advertised by the client');
  const alpn = f.str('-expect-alpn');
  if (alpn !== undefined) check((info.alpnProtocol ?? '') === alpn, `expected ALPN ${alpn}, got ${info.alpnProtocol}`);
  // tlskit reports a response stapled in this handshake: none when resumed.
  const ocsp = f.bytes('-expect-ocsp-response');
  if (ocsp && !info.resumed) check(equalBytes(info.ocspResponse, ocsp), 'OCSP response mismatch');
  // BoringSSL's verify result is X509_V_OK when the peer sent no certificate.
  if (f.has('-expect-verify-result'))
    check(info.peerCertificates.length === 0 || info.authorized === !state.verifyFail, 'Wrong certificate verification result');
  const peerCert = f.str('-expect-peer-cert-file');
  if (peerCert !== undefined) {
    const expected = certificatesFrom(readFile(peerCert));
    const got = info.peerCertificates;
    check(got.length === expected.length && got.every((c, i) => equalBytes(c, expected[i])), 'peer certificate chain mismatch');
  }
  // TLS 1.3's key schedule always binds the transcript (what RFC 7627 adds to TLS 1.2).
  if (f.has('-expect-extended-master-secret')) check(info.version === 'TLSv1.3' || info.extendedMasterSecret === true, 'extended master secret was not used');
  const hrr = driver.events.some((e) => e.kind === 'step' && e.step === 'hello-retry-request');
  if (f.has('-expect-hrr')) check(hrr, 'no HelloRetryRequest');
  if (f.has('-expect-no-hrr')) check(!hrr, 'unexpected HelloRetryRequest');
  if (f.has('-expect-accept-early-data')) check(info.earlyData === 'accepted', `early data was not accepted (${info.earlyData})`);
  // BoringSSL checks that early data was not accepted (a server may not have been offered any).
  if (f.has('-expect-reject-early-data')) check(info.earlyData !== 'accepted', 'early data was accepted');
  if (f.has('-expect-no-offer-early-data')) check(info.earlyData === undefined, 'client unexpectedly offered early data');
  const reason = f.str('-expect-early-data-reason');
  if (reason !== undefined) {
    const got = info.earlyDataReason === 'accepted' ? 'accept' : info.earlyDataReason;
    check(got === reason, `expected early data reason ${reason}, got ${got}`);
  }
  if (!state.server && info.version === 'TLSv1.2') {
    // tlskit keeps no TLS 1.2 session without the extended master secret (RFC 7627 §5.3).
    const expectNew = !f.has('-expect-no-session') && info.extendedMasterSecret === true;
    if (!info.resumed)
      check(driver.sessions.length > 0 === expectNew, `new session was${driver.sessions.length > 0 ? '' : ' not'} cached, but we expected the opposite`);
    // A resumed TLS 1.2 session renews only with a new ticket from the server (RFC 5077 §3.3).
    else
      check(
        driver.sessions.length > 0 === f.has('-expect-ticket-renewal'),
        `ticket was${driver.sessions.length > 0 ? '' : ' not'} renewed, but we expected the opposite`,
      );
  }
}

/** After the exchange, a TLS 1.3 client must have got a ticket (unless the test says otherwise). */
function checkTickets(f: FlagView, state: TestState, driver: Driver): void {
  if (state.server || driver.connection.info.version !== 'TLSv1.3') return;
  const expectNew = !f.has('-expect-no-session') && !f.has('-shim-shuts-down');
  const got = driver.sessions.length > 0;
  check(got === expectNew, `new session was${got ? '' : ' not'} cached, but we expected the opposite`);
  if (got) {
    const early = (decodeSession(driver.sessions[driver.sessions.length - 1]!).maxEarlyData ?? 0) > 0;
    check(early === f.has('-expect-ticket-supports-early-data'), `new session did${early ? '' : ' not'} support early data, but we expected the opposite`);
  }
}

const INITIAL_WRITE = new TextEncoder().encode('hello');

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function invert(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ 0xff;
  return out;
}

async function runConnection(state: TestState, layer: Layer, isResume: boolean, session: Uint8Array | undefined): Promise<Outcome> {
  let f = state.flags.view(layer);
  state.verifyFail = f.has('-verify-fail');
  const delay = f.int('-resumption-delay');
  if (isResume && delay !== undefined) state.clock += delay * 1000;
  if (f.has('-read-with-unfinished-write') && !f.has('-async')) throw new CheckFailed('-read-with-unfinished-write requires -async.');
  const socket = await connect(state.flags.get('-port') as number, state.flags.get('-ipv6') === true);
  const driver = new Driver(socket, f.has('-async'), state.server);
  driver.connection = makeConnection(f, state, driver, session);
  const maxFragment = f.int('-max-send-fragment');
  if (maxFragment !== undefined) driver.connection.setMaxSendFragment(maxFragment);

  // BoringSSL's client handshake returns as soon as it may send 0-RTT data ("in early data"): it
  // writes what fits of its first bytes as early data (the rest after the handshake), and its
  // exporters are not available yet.
  let wroteFirst = 0;
  if (!state.server && driver.connection.earlyDataRoom > 0) {
    const exportEarly = f.int('-export-keying-material');
    if (exportEarly !== undefined && exportEarly > 0) driver.connection.exportKeyingMaterial(exportEarly, f.str('-export-label') ?? '', undefined);
    if (f.has('-shim-writes-first')) {
      wroteFirst = Math.min(driver.connection.earlyDataRoom, INITIAL_WRITE.length);
      driver.connection.writeEarly(INITIAL_WRITE.subarray(0, wroteFirst));
    }
  }
  driver.pump();

  // BoringSSL's server handshake returns once it accepted 0-RTT data and sent its Finished: it
  // echoes the early data as 0.5-RTT data, before the client's Finished.
  await driver.until(() => driver.complete || (state.server && driver.connection.halfRttWritable));
  const info = driver.connection.info;
  if (!state.server && isResume && info.earlyData === 'rejected') {
    // BoringSSL retries the connection at 1-RTT with the -on-retry- flags (over the base ones, not
    // the -on-resume- ones); tlskit goes on in the same connection. The rejected 0-RTT bytes are
    // dropped, as BoringSSL drops them: the retry writes only what its own flags say.
    check(!f.has('-expect-accept-early-data'), `early data was not accepted (${info.earlyData})`);
    f = state.flags.view('retry');
    state.verifyFail = f.has('-verify-fail');
    wroteFirst = 0;
  }
  checkHandshake(f, state, driver, isResume);

  const exportLength = f.int('-export-keying-material');
  if (exportLength !== undefined && exportLength > 0) {
    const context = f.has('-use-export-context') ? new TextEncoder().encode(f.str('-export-context') ?? '') : undefined;
    driver.write(driver.connection.exportKeyingMaterial(exportLength, f.str('-export-label') ?? '', context));
  }
  if (f.has('-export-traffic-secrets')) {
    // The runner's order: a 2-byte little-endian length, then our read and our write secret (TLS 1.3).
    const [read, write] = state.server ? ['CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'] : ['SERVER_TRAFFIC_SECRET_0', 'CLIENT_TRAFFIC_SECRET_0'];
    const r = driver.secrets.get(read);
    const w = driver.secrets.get(write);
    if (!r || !w) unimplemented('-export-traffic-secrets without TLS 1.3 traffic secrets');
    driver.write(concatBytes(Uint8Array.of(r.length & 0xff, r.length >> 8), r, w));
  }
  if (f.has('-tls-unique')) {
    // RFC 5929 §3.1: the first Finished of the latest handshake: the client's in a full TLS 1.2
    // handshake, the server's in an abbreviated one.
    const clientFirst = !info.resumed;
    const unique = clientFirst !== state.server ? driver.facts.ownFinished : driver.facts.peerFinished;
    if (info.version !== 'TLSv1.2' || !unique) unimplemented('tls-unique outside TLS 1.2');
    driver.write(unique);
  }

  if (f.has('-write-different-record-sizes')) {
    const buf = new Uint8Array(32769).fill(0x42);
    for (const len of [0, 1, 255, 256, 257, 16383, 16384, 16385, 32767, 32768, 32769]) if (len > 0) driver.write(buf.subarray(0, len));
  } else {
    // -read-with-unfinished-write: BoringSSL's SSL_write has sealed its record when the transport
    // refuses the bytes, and reading goes on meanwhile. tlskit's write() seals at once and the socket
    // buffers the bytes: the same state, so the record is written now, before anything is read (the
    // runner checks it precedes our answer to its KeyUpdates).
    if ((f.has('-shim-writes-first') || f.has('-read-with-unfinished-write')) && wroteFirst < INITIAL_WRITE.length)
      driver.write(INITIAL_WRITE.subarray(wroteFirst));
    if (!f.has('-shim-shuts-down')) {
      const readSize = f.int('-read-size') ?? 512;
      for (;;) {
        const more = await driver.until(() => driver.received.length > 0 || driver.peerClosed);
        if (driver.received.length === 0) {
          if (driver.peerClosed || !more) break;
          continue;
        }
        const chunk = driver.received.shift()!;
        if (chunk.length > readSize) driver.received.unshift(chunk.subarray(readSize));
        const data = chunk.subarray(0, readSize);
        if (f.has('-key-update')) {
          driver.connection.updateKeys(false);
          driver.pump();
        }
        driver.write(invert(data));
      }
    }
  }

  checkTickets(f, state, driver);
  const outcome: Outcome = driver.sessions.length > 0 ? { session: driver.sessions[driver.sessions.length - 1]! } : {};

  // Shutdown (DoShutdown): BoringSSL's shim stays quiet unless -check-close-notify.
  if (f.has('-check-close-notify')) {
    driver.connection.close();
    driver.pump();
    if (f.has('-shim-shuts-down')) {
      // BoringSSL's SSL_shutdown refuses application data while it waits for the peer's close_notify.
      const closed = await driver.until(() => driver.peerClosed || driver.received.length > 0);
      check(driver.received.length === 0, 'application data while shutting down');
      check(closed, 'Unexpected SSL_shutdown result: the peer closed the connection without close_notify');
    } else {
      check(driver.peerClosed, 'Unexpected SSL_shutdown result: the peer closed the connection without close_notify');
    }
  } else if (f.has('-shim-shuts-down')) {
    // Nothing to send (quiet shutdown): wait for the runner to close.
    await driver.until(() => driver.peerClosed).catch(() => false);
  }
  if (driver.failure) throw driver.failure;
  await driver.finishWrites();
  socket.end();
  await new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve()).resume();
    setTimeout(resolve, 1000).unref();
  });
  return outcome;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '-is-handshaker-supported') {
    process.stdout.write('No\n');
    return 0;
  }
  const flags = ShimFlags.parse(argv);
  const state: TestState = {
    flags,
    server: flags.get('-server') === true,
    ticketKeys: new Uint8Array(randomBytes(48)),
    sessionStore: new MemorySessionStore(),
    antiReplay: new MemoryAntiReplayStore(),
    verifyFail: false,
    verifier: {
      verify: (chain) => {
        // The runner's certificates expired years ago, and BoringSSL's shim never looks at validity
        // dates; tlskit does (a session resumes only while its peer's certificates are valid). So
        // the shim's clock runs from an hour after the first peer certificate's notBefore.
        if (!state.clockSet && chain[0]) {
          state.clockSet = true;
          state.clock = parseCertificate(chain[0]).notBefore.getTime() + 3600_000;
        }
        // BoringSSL's alerts for a failed verification: certificate_unknown from a custom callback,
        // handshake_failure from the older certificate verify callback.
        const alert = state.flags.view(undefined).has('-use-custom-verify-callback') ? 'certificate_unknown' : 'handshake_failure';
        return state.verifyFail
          ? { ok: false, error: new TlsError(alert, 'certificate verification failed (-verify-fail)') }
          : { ok: true, detail: 'accepted by the shim' };
      },
    },
    clockSet: false,
    clock: Date.now(),
    serverIdentity: () => undefined,
  };
  const total = flags.view(undefined).int('-resume-count') ?? 0;
  // The 'renegotiate-ignore' and 'expect-total-renegotiations' flags describe what tlskit always does.
  const renegotiations = flags.get('-expect-total-renegotiations');
  if (renegotiations !== undefined && renegotiations !== 0) unimplemented('renegotiation');
  let session: Uint8Array | undefined;
  for (let i = 0; i <= total; i++) {
    const outcome = await runConnection(state, i === 0 ? 'initial' : 'resume', i > 0, session);
    session = outcome.session ?? session;
  }
  return 0;
}

function errorText(err: unknown): string {
  if (err instanceof TlsError) return `tlskit: ${err.origin === 'local' ? 'sent' : 'received'} alert ${err.alert}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof Unimplemented) {
      process.stderr.write(`${err.message}\n`);
      // scripts/bogo.mjs tallies why tests were unimplemented: one JSON line per shim that gave up.
      const log = process.env.TLSKIT_BOGO_UNIMPLEMENTED_LOG;
      if (log) appendFileSync(log, `${JSON.stringify({ flags: err.flags, reason: err.flags.length > 0 ? undefined : err.message })}\n`);
      process.exit(EXIT_UNIMPLEMENTED);
    }
    process.stderr.write(`${errorText(err)}\n`);
    process.exit(1);
  },
);
