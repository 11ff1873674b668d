// A node:tls-shaped socket: a Duplex of plaintext over any Duplex transport (a net.Socket by
// default), driving the sans-I/O engine. Backpressure holds both ways: we stop reading the
// transport while our reader is full, and a write completes when the transport accepted its bytes.
import { Duplex } from 'node:stream';
import { isIP, type Socket } from 'node:net';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { TlsError } from '../errors.js';
import { redactSession, type Connection } from '../engine/connection.js';
import type { ConnectionHandlers, PostHandshakeAuthOutcome, TlsEvent } from '../engine/events.js';
import type { ConnectionInfo } from '../handshake/state.js';
import { MAX_PLAINTEXT } from '../protocol/limits.js';
import { distinguishedNameObject, extensionFields } from './certificate-fields.js';
import { HandshakeFacts } from './handshake-facts.js';
import type { ChannelBindingType } from '../engine/channel-binding.js';
import { isPublicInit, publicSocketInit, type TLSSocketOptions } from './tls-socket-options.js';
import { startTrace } from './trace-output.js';
import { ticketlessSession } from './session-placeholder.js';
import { renegotiationRefused, resetUnsupported, serverSessionRefused, validateMaxSendFragment, validateRenegotiateArgs } from './socket-methods.js';

/** Queued writes shorter than this are joined into shared records by _writev. */
const JOIN_BELOW = 4096;

export interface PeerCertificate {
  /** Attribute short names to values (an array when repeated), in an object without a prototype, as node:tls. */
  subject: Record<string, string | string[]>;
  issuer: Record<string, string | string[]>;
  subjectaltname?: string;
  valid_from: string;
  valid_to: string;
  serialNumber: string;
  fingerprint256: string;
  fingerprint512: string;
  fingerprint: string;
  /** Whether it is a CA certificate. */
  ca: boolean;
  /** Extended key usage OIDs (RFC 5280 §4.2.1.12), when the certificate has the extension. */
  ext_key_usage?: string[];
  /** Authority information access by method (RFC 5280 §4.2.2.1), e.g. { 'OCSP - URI': [url] }. */
  infoAccess?: Record<string, string[]>;
  /** Key size in bits (RSA and EC keys). */
  bits?: number;
  /** As node:tls (what key pinning hashes): RSA, the SubjectPublicKeyInfo DER; EC, the uncompressed point. */
  pubkey?: Buffer;
  /** RSA: the modulus in upper-case hex, and the exponent as '0x10001'. */
  modulus?: string;
  exponent?: string;
  /** EC: the curve, as OpenSSL names it and as NIST does. */
  asn1Curve?: string;
  nistCurve?: string;
  raw: Buffer;
  issuerCertificate?: PeerCertificate;
}

export interface CipherInfo {
  /** OpenSSL's name, like node:tls. */
  name: string;
  standardName: string;
  version: string;
}

export interface EphemeralKeyInfo {
  type: string;
  name: string;
  size?: number;
}

// What node:tls getEphemeralKeyInfo() says for each group: OpenSSL's short name (prime256v1, not
// P-256) and the size OpenSSL gives the key (253 bits for X25519); a hybrid KEM group is a
// 'TLSGroup' of no size (Node 24 with OpenSSL 3.5).
const ephemeralKeyInfo: Record<string, EphemeralKeyInfo> = {
  x25519: { type: 'ECDH', name: 'X25519', size: 253 },
  x448: { type: 'ECDH', name: 'X448', size: 448 },
  secp256r1: { type: 'ECDH', name: 'prime256v1', size: 256 },
  secp384r1: { type: 'ECDH', name: 'secp384r1', size: 384 },
  secp521r1: { type: 'ECDH', name: 'secp521r1', size: 521 },
  X25519MLKEM768: { type: 'TLSGroup', name: 'X25519MLKEM768' },
};

/** Internal: how a TLSSocket is created by connect() and the server. */
export interface TlsSocketInit {
  readonly isServer: boolean;
  /**
   * Builds the engine with the socket's handlers; a client gets `servername` when setServername()
   * was called before the engine started (the SNI sent and the name the certificate must carry).
   */
  readonly createConnection: (handlers: ConnectionHandlers, overrides?: { readonly servername?: string; readonly session?: Uint8Array }) => Connection;
  /** Milliseconds to complete the handshake before giving up (0: no limit). */
  readonly handshakeTimeout?: number;
  /** Client: the session offered for resumption (the `session` option). */
  readonly session?: Uint8Array;
  /** Client: the socket opened the transport itself (tls.connect without `socket`): 'ready' follows 'connect', as net does. */
  readonly ownsTransport?: boolean;
  /** Print a trace of the handshake to stderr (node's enableTrace option). */
  readonly enableTrace?: boolean;
  /** The stream buffer sizes (node's highWaterMark option). */
  readonly highWaterMark?: number;
  /** Stay writable after the peer closed its side (node's allowHalfOpen; default false). */
  readonly allowHalfOpen?: boolean;
}

/**
 * The engine starts once the transport is connected: a net.Socket still connecting, or not yet
 * asked to connect (pending), is waited for ('connect'), as node:tls does.
 */
function transportPending(transport: Duplex): boolean {
  return (transport as Partial<Socket>).pending === true && !transport.destroyed;
}

function describeCertificate(der: Uint8Array): PeerCertificate {
  const x = new X509Certificate(der);
  const { infoAccess, ext_key_usage: extKeyUsage } = extensionFields(x);
  // In node:tls's order, so that printed or serialised objects read alike.
  return {
    subject: distinguishedNameObject(x.subject),
    issuer: distinguishedNameObject(x.issuer),
    ...(x.subjectAltName ? { subjectaltname: x.subjectAltName } : {}),
    ...(infoAccess ? { infoAccess } : {}),
    ca: x.ca,
    ...publicKeyFields(x),
    valid_from: x.validFrom,
    valid_to: x.validTo,
    fingerprint: x.fingerprint,
    fingerprint256: x.fingerprint256,
    fingerprint512: x.fingerprint512,
    ...(extKeyUsage ? { ext_key_usage: extKeyUsage } : {}),
    serialNumber: x.serialNumber,
    raw: x.raw,
  };
}

const EC_CURVES: Record<string, { nist: string; bits: number }> = {
  prime256v1: { nist: 'P-256', bits: 256 },
  secp384r1: { nist: 'P-384', bits: 384 },
  secp521r1: { nist: 'P-521', bits: 521 },
};

/** The key fields node:tls adds to a peer certificate for RSA and EC keys (none for Ed25519). */
function publicKeyFields(x: X509Certificate): Partial<PeerCertificate> {
  let key: KeyObject;
  try {
    key = x.publicKey;
  } catch {
    return {}; // a key node:crypto cannot load (possible with rejectUnauthorized: false): no key fields
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const jwk = key.export({ format: 'jwk' });
    const exponent = Buffer.from(jwk.e!, 'base64url').toString('hex').replace(/^0+/, '');
    return {
      modulus: Buffer.from(jwk.n!, 'base64url').toString('hex').toUpperCase(),
      bits: details.modulusLength!,
      exponent: `0x${exponent}`,
      pubkey: key.export({ type: 'spki', format: 'der' }),
    };
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve) {
    const jwk = key.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const curve = EC_CURVES[details.namedCurve];
    return {
      ...(curve ? { bits: curve.bits } : {}),
      pubkey: point,
      asn1Curve: details.namedCurve,
      ...(curve ? { nistCurve: curve.nist } : {}),
    };
  }
  return {};
}

/**
 * The leaf of a DER chain as node:tls's getPeerCertificate() describes it; `detailed` links each
 * certificate to the next through issuerCertificate, and a self-signed last one to itself (as
 * node:tls does). {} for an empty chain.
 */
export function describePeerChain(chain: readonly Uint8Array[], detailed: boolean): PeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  if (!detailed) return describeCertificate(chain[0]!);
  const described = chain.map(describeCertificate);
  for (let i = 0; i + 1 < described.length; i++) described[i]!.issuerCertificate = described[i + 1]!;
  const last = described[described.length - 1]!;
  const top = new X509Certificate(chain[chain.length - 1]!);
  if (top.checkIssued(top)) last.issuerCertificate = last;
  return described[0]!;
}

/**
 * Server, TLS 1.3: how the client answered requestClientCertificate(), once its CertificateVerify
 * and Finished verified (the 'clientCertificate' event and the request's callback). `certificate`
 * is what it sent, described as getPeerCertificate() does ({} when it sent none).
 */
export interface ClientCertificateOutcome {
  authorized: boolean;
  authorizationError: TlsError | undefined;
  certificate: PeerCertificate | Record<string, never>;
}

/** What the socket shows of its peer: the part of ConnectionInfo post-handshake authentication changes. */
interface ShownIdentity {
  readonly peerCertificates: readonly Uint8Array[];
  readonly verifiedPath?: readonly Uint8Array[];
  readonly authorized: boolean;
  readonly authorizationError: TlsError | undefined;
}

/** An outcome the socket reports once the data before it was read. */
interface HeldOutcome {
  readonly outcome: PostHandshakeAuthOutcome;
  /** The engine's identity right after this outcome committed. */
  readonly identity: ShownIdentity;
  readonly callback: ((err: Error | null, outcome?: ClientCertificateOutcome) => void) | undefined;
  unread: number;
}

function snapshotIdentity(info: ConnectionInfo): ShownIdentity {
  return {
    peerCertificates: info.peerCertificates,
    authorized: info.authorized,
    authorizationError: info.authorizationError,
    ...(info.verifiedPath ? { verifiedPath: info.verifiedPath } : {}),
  };
}

export class TLSSocket extends Duplex {
  readonly encrypted = true;
  /** Set once the handshake completes; again when a post-handshake authentication completes. */
  authorized = false;
  /**
   * As node:tls: why the peer is not authorized, as node's code ('UNABLE_TO_VERIFY_LEAF_SIGNATURE',
   * 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', ...; docs/node-compat.md), else null. The
   * full TlsError, with its message, is `info.authorizationError`.
   */
  authorizationError: string | null = null;
  /** 'close' says whether the socket closed because of an error, as node's hadError. */
  private closedByError = false;
  /** As node:tls: null until the handshake completes, then the protocol agreed, or false. */
  alpnProtocol: string | false | null = null;
  /**
   * As node:tls: null until the handshake completes; then the client's SNI (a host name, never an
   * IP address), as sent by a client and as received by a server, or false when there was none.
   */
  servername: string | false | null = null;
  /** The engine, made when the transport is connected (`engine` makes it at once). */
  private conn: Connection | undefined;
  private readonly init: TlsSocketInit;
  /** Waiting for the transport to connect: the engine has not started. */
  private waitingForTransport = false;
  /** setServername() before the engine started: the SNI (and name checked) to use instead. */
  private servernameOverride: string | undefined;
  private readonly facts: HandshakeFacts;
  /** Plaintext bytes delivered to the reader / handed to the engine, as node's bytesRead and bytesWritten. */
  private plaintextRead = 0;
  private plaintextWritten = 0;
  /** Bytes of the write the stream handed to _write/_writev and still waits for. */
  private writeInFlight = 0;
  private tracing = false;
  /** The last setTimeout() value (net.Socket's `timeout`). */
  private idleTimeout: number | undefined;
  private secure = false;
  /** Writes issued before the handshake completed: released when it does. */
  private pendingWrites: { chunk: Uint8Array; callback: (err?: Error | null) => void }[] = [];
  private pendingFinal: ((err?: Error | null) => void) | undefined;
  /** resetAndDestroy() was called: the transport ends with a reset, not a FIN. */
  private resetting = false;
  /** end() during the handshake ended the transport's writing side (FIN): nothing more can go out. */
  private finBeforeSecure = false;
  private transportWritable = true;
  private drainWaiters: (() => void)[] = [];
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly isServer: boolean;
  private taskRunning = false;
  /** Our reader refused the last chunk (push returned false): the transport stays paused until _read. */
  private readerFull = false;
  private lastSession: Buffer | undefined;
  /**
   * Set from the handshake's completion until 'secure'/'secureConnect' were emitted: what the peer
   * sent right behind its last handshake message (data, its close_notify, its FIN) reaches the
   * reader only after them, as with node:tls, so that no 'end' or 'close' comes first.
   */
  private heldUntilSecure: (() => void)[] | undefined;
  /** Sessions that arrived before 'secureConnect' was emitted, reported right after it. */
  private sessionsBeforeSecure: Buffer[] = [];
  private offeredSession: Uint8Array | undefined;
  /** setSession() before the engine started: the session to offer instead of the option's. */
  private sessionOverride: Uint8Array | undefined;
  private earlyEvents: TlsEvent[] | undefined = [];
  /** 0-RTT data sent, kept until the server accepts or rejects it. */
  private earlySent: Uint8Array[] = [];
  /** The transport's reading side ended: the peer closed TCP (its FIN). */
  private transportReadEnded = false;
  /** Server: the identity the socket showed after the handshake or the last post-handshake authentication. */
  private lastShownIdentity: ShownIdentity | undefined;
  /**
   * Server: outcomes of post-handshake authentication not shown yet, oldest first, because data the
   * client sent before each is still unread in our buffer (`unread` units of readableLength);
   * meanwhile the socket shows lastShownIdentity. Each keeps the identity the engine committed with
   * it and the callback of the request it answers.
   */
  private heldOutcomes: HeldOutcome[] = [];
  /** The callback of the requestClientCertificate() in progress, if it has one. */
  private clientCertificateCallback: ((err: Error | null, outcome?: ClientCertificateOutcome) => void) | undefined;
  private earlyBytes = 0;

  /** @internal tlskit's own sockets (connect(), the server, upgrade()). */
  constructor(transport: Duplex, init: TlsSocketInit);
  /**
   * As node:tls: TLS over `socket` (a net.Socket or any Duplex), as a server when
   * `options.isServer`, else as a client; the client's handshake starts as soon as the socket is
   * connected (node's waits for the first write). The server's certificate is verified as by
   * tls.connect(), against `servername`, else `host`, else the address the socket is connected to.
   */
  constructor(socket: Duplex, options?: TLSSocketOptions);
  constructor(socket: Duplex, options: TLSSocketOptions | TlsSocketInit = {}) {
    // Before super(): a bad option throws before a stream exists.
    // A server's pskCallback gets this socket, as in node:tls (it exists once super() returned).
    const self: { socket?: TLSSocket } = {};
    const init: TlsSocketInit = isPublicInit(options) ? publicSocketInit(socket, options, () => self.socket) : options;
    // 'close' is emitted by _destroy, with node's hadError argument.
    super({ allowHalfOpen: init.allowHalfOpen ?? false, emitClose: false, ...(init.highWaterMark !== undefined ? { highWaterMark: init.highWaterMark } : {}) });
    self.socket = this;
    this.transport = socket;
    this.init = init;
    this.isServer = init.isServer;
    this.offeredSession = init.session;
    this.facts = new HandshakeFacts(init.isServer);
    const transport = socket;
    if (transportPending(transport)) {
      this.waitingForTransport = true;
      transport.once('connect', () => {
        if (this.destroyed) return;
        this.waitingForTransport = false;
        this.emit('connect');
        if (init.ownsTransport) this.emit('ready');
        void this.connection; // starts the engine, unless a call already did
        this.afterEngine();
      });
    } else {
      void this.connection;
    }
    if (init.enableTrace) this.enableTrace();
    transport.on('data', (data: Buffer) => this.receive(data));
    transport.on('end', () => {
      this.transportReadEnded = true;
      this.transportEnded();
    });
    transport.on('error', (err: Error) => this.destroy(err));
    transport.on('close', () => {
      if (!this.destroyed) this.destroy(this.secure ? undefined : this.handshakeAborted());
    });
    transport.on('drain', () => this.drained());
    if (init.handshakeTimeout) {
      this.handshakeTimer = setTimeout(() => {
        this.destroy(new TlsError('user_canceled', `TLS handshake did not complete within ${init.handshakeTimeout} ms`, { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
      }, init.handshakeTimeout);
      this.handshakeTimer.unref?.();
    }
    if (!this.waitingForTransport) this.afterEngine();
    queueMicrotask(() => {
      const early = this.earlyEvents ?? [];
      this.earlyEvents = undefined;
      for (const event of early) this.emit('tlsEvent', event);
    });
  }

  /** The stream the TLS records go over. */
  readonly transport: Duplex;

  /** The engine, started on first use. */
  private get connection(): Connection {
    if (!this.conn) {
      const servername = this.servernameOverride;
      const session = this.sessionOverride;
      const overrides = { ...(servername !== undefined ? { servername } : {}), ...(session !== undefined ? { session } : {}) };
      this.conn = this.init.createConnection(this.handlers(), servername !== undefined || session !== undefined ? overrides : undefined);
    }
    return this.conn;
  }

  private handlers(): ConnectionHandlers {
    return {
      data: (chunk, early) =>
        this.deliver(() => {
          this.plaintextRead += chunk.length;
          if (early) this.earlyBytes += chunk.length;
          const wanted = this.push(chunk);
          if (early) this.emit('earlyData', chunk.length);
          if (!wanted) {
            this.readerFull = true;
            this.transport.pause();
          }
        }),
      handshakeComplete: () => this.handshakeComplete(),
      postHandshakeAuth: (outcome) => this.clientAuthenticated(outcome),
      peerClosed: () => this.deliver(() => this.endOfData()),
      error: (err) => this.failed(err),
      event: (event: TlsEvent) => {
        this.facts.observe(event, this.conn?.info.version);
        // Events raised while constructing (the ClientHello) wait until a listener could exist.
        if (this.earlyEvents) this.earlyEvents.push(event);
        else this.emit('tlsEvent', event);
      },
      session: (session: Uint8Array) => {
        const bytes = redactSession(Buffer.from(session));
        this.lastSession = bytes;
        // A TLS 1.2 ticket comes before the server's Finished: as with node:tls, 'session' follows
        // 'secureConnect' (code that listens for it from there gets it).
        if (!this.secure || this.heldUntilSecure) this.sessionsBeforeSecure.push(bytes);
        else this.emit('session', bytes);
      },
      keylogEnabled: () => this.listenerCount('keylog') > 0,
      keylog: (line: string) => this.emit('keylog', Buffer.from(line, 'latin1')),
    };
  }

  // ---- engine <-> transport ----

  private receive(data: Buffer): void {
    this.connection.receive(data);
    this.afterEngine();
  }

  /** After the engine ran: send what it queued, and start the asynchronous step it waits for, if any. */
  private afterEngine(): void {
    this.flush();
    const task = this.connection.pendingTask;
    if (!task || this.taskRunning) return;
    this.taskRunning = true;
    // Nothing is read while the handshake waits: the transport holds the peer's bytes.
    this.transport.pause();
    const settle = (report: () => void): void => {
      this.taskRunning = false;
      if (this.destroyed) return;
      report();
      this.afterEngine();
      this.updateFlow();
    };
    task.start().then(
      (result) => settle(() => this.connection.completeTask(result)),
      (err: unknown) => settle(() => this.connection.failTask(err)),
    );
  }

  /** Sends whatever the engine has queued; false when the transport asks us to wait. */
  private flush(): boolean {
    // Until the transport connected, what the engine queued stays there.
    if (this.waitingForTransport || !this.conn) return this.transportWritable;
    const out = this.conn.takeOutput();
    // After our FIN (end() during the handshake), what the engine still produces cannot be sent.
    if (out.length === 0 || this.transport.destroyed || this.finBeforeSecure) return this.transportWritable;
    const socket = this.transport as Partial<Socket>;
    socket.cork?.();
    let ok = true;
    for (const chunk of out) ok = this.transport.write(chunk);
    socket.uncork?.();
    if (!ok) this.transportWritable = false;
    return ok;
  }

  private drained(): void {
    this.transportWritable = true;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Hands something the peer sent to the reader, after the secure events when they are pending. */
  private deliver(step: () => void): void {
    if (this.heldUntilSecure) this.heldUntilSecure.push(step);
    else step();
  }

  private handshakeComplete(): void {
    this.secure = true;
    this.heldUntilSecure = [];
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    const info = this.connection.info;
    this.authorized = info.authorized;
    this.authorizationError = info.authorizationError?.code ?? null;
    this.lastShownIdentity = snapshotIdentity(info);
    this.alpnProtocol = info.alpnProtocol ?? false;
    // A client names what it sent as SNI: never an IP address (RFC 6066 §3), as node:tls.
    this.servername = info.serverName && (this.isServer || !isIP(info.serverName)) ? info.serverName : false;
    // Emit after the current receive() finished its bookkeeping.
    queueMicrotask(() => {
      if (this.destroyed) return;
      const ocsp = this.connection.info.ocspResponse;
      if (!this.isServer && ocsp) this.emit('OCSPResponse', Buffer.from(ocsp));
      // node:tls emits 'secure' on both sides, and a client's tls.connect() emits 'secureConnect'
      // from its own first 'secure' listener: listeners see 'secureConnect' first.
      if (!this.isServer) this.emit('secureConnect');
      this.emit('secure');
      const sessions = this.sessionsBeforeSecure;
      this.sessionsBeforeSecure = [];
      for (const session of sessions) this.emit('session', session);
      if (this.connection.info.earlyData === 'rejected') for (const chunk of this.earlySent) this.writeNow(chunk, () => undefined);
      this.earlySent = [];
      const pending = this.pendingWrites;
      this.pendingWrites = [];
      for (const { chunk, callback } of pending) this.writeNow(chunk, callback);
      if (this.pendingFinal) {
        const cb = this.pendingFinal;
        this.pendingFinal = undefined;
        this._final(cb);
      }
      const held = this.heldUntilSecure ?? [];
      this.heldUntilSecure = undefined;
      for (const step of held) step();
    });
  }

  /**
   * The engine committed the outcome to its info after it delivered everything the client sent
   * before its Finished. What the application already holds keeps the earlier identity: when our
   * reader still buffers such data (a paused stream), the socket goes on showing the earlier
   * identity until that data was read, and only then changes and emits 'clientCertificate'. In
   * flowing mode the buffer is empty here and all happens at once.
   */
  private clientAuthenticated(outcome: PostHandshakeAuthOutcome): void {
    // This outcome answers the request in progress: its callback and identity go with it, whatever
    // the application asks next while it is held.
    const callback = this.clientCertificateCallback;
    this.clientCertificateCallback = undefined;
    this.heldOutcomes.push({ outcome, identity: snapshotIdentity(this.connection.info), callback, unread: this.readableLength });
    this.reportReadOutcomes();
  }

  /** Reports, oldest first, the held outcomes whose earlier data was read. */
  private reportReadOutcomes(): void {
    while (this.heldOutcomes.length > 0 && this.heldOutcomes[0]!.unread <= 0) this.reportClientCertificate(this.heldOutcomes.shift()!);
  }

  private reportClientCertificate(held: HeldOutcome): void {
    const { outcome, identity } = held;
    this.authorized = identity.authorized;
    this.authorizationError = identity.authorizationError?.code ?? null;
    this.lastShownIdentity = identity;
    const result: ClientCertificateOutcome = {
      authorized: outcome.authorized,
      authorizationError: outcome.authorizationError,
      certificate: describePeerChain(outcome.certificates, false),
    };
    this.emit('clientCertificate', result);
    held.callback?.(null, result);
  }

  /** What getPeerCertificate() and friends show: the engine's view unless an outcome is held. */
  private shownIdentity(): ShownIdentity | ConnectionInfo {
    return this.heldOutcomes.length > 0 && this.lastShownIdentity ? this.lastShownIdentity : this.connection.info;
  }

  /** Counts what the application read of the data buffered before the outcomes it waits for. */
  override read(size?: number): ReturnType<Duplex['read']> {
    const before = this.readableLength;
    const chunk: unknown = super.read(size);
    if (this.heldOutcomes.length > 0 && chunk !== null) {
      const consumed = Math.max(0, before - this.readableLength);
      for (const held of this.heldOutcomes) held.unread -= consumed;
      this.reportReadOutcomes();
    }
    return chunk;
  }

  private failed(err: TlsError): void {
    this.flush(); // the alert we sent, if any
    if (err.alert === 'close_notify' && err.origin === 'peer') {
      this.destroy(this.handshakeAborted());
      return;
    }
    this.destroy(err);
  }

  private handshakeAborted(): Error {
    // node:tls's message on the client, word for word (it names the client's socket); it reads right on the server too.
    const err = new Error('Client network socket disconnected before secure TLS connection was established') as NodeJS.ErrnoException;
    err.code = 'ECONNRESET';
    return err;
  }

  private transportEnded(): void {
    if (!this.secure) {
      this.destroy(this.handshakeAborted());
      return;
    }
    // The peer closed TCP without close_notify: treated as end of stream, like node:tls.
    if (!this.connection.peerClosed) this.deliver(() => this.endOfData());
  }

  /**
   * The peer sent all it will: as net.Socket, read(0) lets 'end' out at once when nothing is
   * buffered, even to an application that never reads (so a socket that does not allow half-open
   * then ends and closes).
   */
  private endOfData(): void {
    this.push(null);
    this.read(0);
  }

  /**
   * Reads from the transport only while the engine can take it and our reader wants it: never while
   * an asynchronous handshake step runs (the engine would only buffer), nor while the application
   * has not read what we pushed (backpressure, not growth).
   */
  private updateFlow(): void {
    if (this.destroyed) return;
    if (this.taskRunning || this.readerFull) this.transport.pause();
    else if (this.transport.isPaused()) this.transport.resume();
  }

  // ---- Duplex ----

  override _read(): void {
    this.readerFull = false;
    this.updateFlow();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.countWrite(chunk.length, callback, (done) => this.writeOne(chunk, encoding, done));
  }

  /** node's bytesWritten counts a write once the stream hands it over; the rest is still in writableLength. */
  private countWrite(length: number, callback: (err?: Error | null) => void, write: (done: (err?: Error | null) => void) => void): void {
    this.plaintextWritten += length;
    this.writeInFlight = length;
    write((err) => {
      this.writeInFlight = 0;
      callback(err);
    });
  }

  private writeOne(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.secure) {
      // TLS 1.3 0-RTT (client option earlyData): sent at once if the session allows, kept in case
      // the server rejects it, in which case it goes again after the handshake.
      if (this.pendingWrites.length === 0 && chunk.length > 0 && chunk.length <= this.connection.earlyDataRoom) {
        this.connection.writeEarly(chunk);
        this.earlySent.push(chunk);
        this.flush();
        callback();
        return;
      }
      this.pendingWrites.push({ chunk, callback });
      return;
    }
    this.writeNow(chunk, callback);
  }

  /**
   * Several writes at once: the stream hands over what queued up while the transport was busy or
   * the socket corked. Small writes are joined so that they share records (one AEAD call and 22
   * bytes of overhead per record, not per write) and leave in one transport write, as node:tls
   * does; writes of a record or more go as they are.
   */
  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], callback: (err?: Error | null) => void): void {
    this.countWrite(
      chunks.reduce((n, c) => n + c.chunk.length, 0),
      callback,
      (done) => this.writeMany(chunks, done),
    );
  }

  private writeMany(chunks: { chunk: Buffer; encoding: BufferEncoding }[], callback: (err?: Error | null) => void): void {
    if (!this.secure) {
      // Before the handshake: one at a time, through the early-data and pending-write logic.
      let next = 0;
      const writeNext = (err?: Error | null): void => {
        if (err || next === chunks.length) callback(err);
        else {
          const { chunk, encoding } = chunks[next++]!;
          this.writeOne(chunk, encoding, writeNext);
        }
      };
      writeNext();
      return;
    }
    const joined: Uint8Array[] = [];
    let batch: Buffer[] = [];
    let batchLength = 0;
    const endBatch = (): void => {
      if (batch.length > 0) joined.push(batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchLength));
      batch = [];
      batchLength = 0;
    };
    for (const { chunk } of chunks) {
      if (chunk.length >= JOIN_BELOW) {
        endBatch();
        joined.push(chunk);
        continue;
      }
      if (batchLength + chunk.length > MAX_PLAINTEXT) endBatch();
      batch.push(chunk);
      batchLength += chunk.length;
    }
    endBatch();
    try {
      for (const data of joined) this.connection.write(data);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (this.flush()) callback();
    else this.drainWaiters.push(() => callback());
  }

  private writeNow(chunk: Uint8Array, callback: (err?: Error | null) => void): void {
    try {
      this.connection.write(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (this.flush()) callback();
    else this.drainWaiters.push(() => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.secure) {
      // 0-RTT data sent: kept until the handshake says whether it must go again, then closed as usual.
      if (this.earlySent.length > 0) {
        this.pendingFinal = callback;
        return;
      }
      // As node:tls (net.Socket's _final, then TLSWrap's shutdown, where OpenSSL sends no close_notify
      // during a handshake): once connected, what the handshake produced goes out, then the FIN. A
      // peer that never answers sees the connection end. Writes made before cannot be pending here:
      // each waits for the handshake, and _final only comes after them.
      if (this.waitingForTransport) {
        this.transport.once('connect', () => this._final(callback));
        return;
      }
      void this.connection; // from a 'connect' listener, before the engine started: its ClientHello first
      this.flush();
      this.finBeforeSecure = true;
      this.transport.end();
      callback();
      return;
    }
    this.connection.close();
    // Our close_notify goes out unless the transport takes no more writes: after the peer's FIN, a
    // transport that is not half-open (net.Server's and net.connect()'s sockets, by default) ends its
    // writing side too, and a write would only turn the peer's clean close into an EPIPE error
    // ("This socket has been ended by the other party"). node:tls closes quietly there as well.
    if (this.transportReadEnded && this.transport.allowHalfOpen === false) this.connection.takeOutput();
    else this.flush();
    this.transport.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    const conn = this.conn;
    if (conn && !conn.closed && err) {
      conn.abort(err instanceof TlsError ? err : new TlsError('internal_error', err.message));
    }
    this.flush(); // a close_notify or alert queued just before (nothing while the transport never connected)
    this.waitingForTransport = false;
    // The transport goes away with us: the engine's key material goes now, not when the GC gets to it.
    conn?.dispose();
    const pending = this.pendingWrites;
    this.pendingWrites = [];
    for (const { callback: cb } of pending) cb(err ?? new Error('socket destroyed'));
    const requested = [...this.heldOutcomes.map((h) => h.callback), this.clientCertificateCallback];
    this.heldOutcomes = [];
    this.clientCertificateCallback = undefined;
    for (const cb of requested) cb?.(err ?? new Error('socket closed before the client answered the certificate request'));
    // resetAndDestroy(): the transport resets itself (once connected, when still connecting).
    if (!this.resetting) this.transport.destroy();
    // node:tls's hadError: true when an error destroyed the socket, except a TLS error after the
    // handshake, which node emits as 'error' and then closes with hadError false.
    this.closedByError = err != null && !(this.secure && err instanceof TlsError);
    callback(err);
    // After 'error' (queued by callback above), as net.Socket does.
    process.nextTick(() => this.emit('close', this.closedByError));
  }

  // ---- node:tls API ----

  /** The engine, for diagnostics and advanced use (key updates, events). */
  get engine(): Connection {
    return this.connection;
  }

  get info(): ConnectionInfo {
    return this.connection.info;
  }

  // ---- net.Socket's state, as node:tls reports it ----

  /** True while the transport is still connecting (then 'connect' is emitted), as net.Socket. */
  get connecting(): boolean {
    return this.waitingForTransport;
  }

  /** As net.Socket: not connected yet, or closed. */
  get pending(): boolean {
    return this.waitingForTransport || this.destroyed;
  }

  /** True until the handshake completed. */
  get secureConnecting(): boolean {
    return !this.secure;
  }

  /** As net.Socket: 'opening' while connecting, then 'open', 'readOnly', 'writeOnly' or 'closed'. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.waitingForTransport) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /** As net.Socket: the idle timeout setTimeout() set, in milliseconds (undefined before any). */
  get timeout(): number | undefined {
    return this.idleTimeout;
  }

  /** As node:tls: the plaintext bytes received (handshake and record overhead not counted). */
  get bytesRead(): number {
    return this.plaintextRead;
  }

  /** As node:tls: the plaintext bytes written, including those still queued. */
  get bytesWritten(): number {
    return this.plaintextWritten + Math.max(0, this.writableLength - this.writeInFlight);
  }

  /**
   * Server, TLS 1.3 0-RTT: how many bytes at the head of the readable stream arrived as early data,
   * which an attacker can replay (RFC 8446 §8). Bytes 0 to earlyDataLength - 1 of what this socket
   * delivers are early, every later byte is not; the count is final once 'secure' was emitted (the
   * client's EndOfEarlyData comes before its Finished). 'earlyData' (byteCount) is emitted as each
   * early chunk is queued for reading.
   */
  get earlyDataLength(): number {
    return this.earlyBytes;
  }

  getProtocol(): string | null {
    return this.connection.info.version ?? null;
  }

  getCipher(): CipherInfo | undefined {
    const suite = this.connection.info.cipherSuite;
    if (!suite) return undefined;
    return { name: suite.opensslName, standardName: suite.name, version: suite.version };
  }

  /** As node:tls; `detailed` follows the validated path up to the trust anchor when there is one. */
  getPeerCertificate(detailed = false): PeerCertificate | Record<string, never> {
    const info = this.shownIdentity();
    return describePeerChain(detailed && info.verifiedPath ? info.verifiedPath : info.peerCertificates, detailed);
  }

  /** Our certificate, as node:tls's getCertificate(): described like a peer's; {} when we sent none. */
  getCertificate(): PeerCertificate | Record<string, never> {
    return describePeerChain(this.connection.info.localCertificates ?? [], false);
  }

  /** Our leaf certificate as node:crypto's X509Certificate, as node:tls; undefined when we sent none. */
  getX509Certificate(): X509Certificate | undefined {
    const leaf = this.connection.info.localCertificates?.[0];
    return leaf ? new X509Certificate(leaf) : undefined;
  }

  /** The peer's leaf certificate as node:crypto's X509Certificate, as node:tls; undefined without one. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const leaf = this.shownIdentity().peerCertificates[0];
    return leaf ? new X509Certificate(leaf) : undefined;
  }

  /**
   * Like node:tls: the client's view of the ephemeral key exchange, with the group under OpenSSL's
   * short name and its size in bits; {} before one happened; null on a server socket.
   */
  getEphemeralKeyInfo(): EphemeralKeyInfo | Record<string, never> | null {
    if (this.isServer) return null;
    const group = this.connection.info.group;
    if (!group) return {};
    return ephemeralKeyInfo[group.name] ?? { type: 'ECDH', name: group.opensslName };
  }

  /**
   * Server, TLS 1.3: ask the client for its certificate now (post-handshake authentication, RFC 8446
   * §4.6.2). The client must have offered it. authorized, authorizationError, getPeerCertificate()
   * and getPeerX509Certificate() change only when its CertificateVerify and Finished verified; then
   * 'clientCertificate' is emitted and `callback` called with the outcome. Data read before that
   * came from the identity before it. A failed answer destroys the socket; `callback` gets the error.
   */
  requestClientCertificate(callback?: (err: Error | null, outcome?: ClientCertificateOutcome) => void): void {
    this.connection.requestClientCertificate();
    this.clientCertificateCallback = callback;
    this.flush();
  }

  /** TLS 1.3: update our sending keys (and ask the peer to update theirs). */
  updateKeys(requestPeerUpdate = true): void {
    this.connection.updateKeys(requestPeerUpdate);
    this.flush();
  }

  /**
   * The latest resumable session (also delivered by the 'session' event); pass it as `session` to
   * resume. Like node:tls, a TLS 1.2 connection that resumed without getting a new ticket (by
   * session ID, say) gives the session it resumed, which stays resumable; TLS 1.3 tickets are not
   * offered twice (RFC 8446 Appendix C.4), so there it takes a new ticket. A TLS 1.3 client before
   * its first ticket gets, as from node:tls, a session that resumes nothing (a full handshake).
   */
  getSession(): Buffer | undefined {
    if (this.isServer) throw serverSessionRefused();
    if (this.lastSession) return this.lastSession;
    const info = this.connection.info;
    if (this.offeredSession && info.resumed && info.version === 'TLSv1.2') return redactSession(Buffer.from(this.offeredSession));
    // TLS 1.3 before a ticket came: like node:tls, a session that resumes nothing (./session-placeholder.ts).
    if (!this.isServer && this.secure && info.version === 'TLSv1.3' && info.cipherSuite) return ticketlessSession(info.cipherSuite.id, Date.now());
    return undefined;
  }

  isSessionReused(): boolean {
    return this.connection.info.resumed;
  }

  /**
   * Keying material for a protocol on top of TLS, as node:tls: `length` bytes for `label` and an
   * optional `context` (RFC 8446 §7.5; RFC 5705 for TLS 1.2, where only a connection with the
   * extended master secret exports). Throws TlsError before the handshake completes.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    const out = this.connection.exportKeyingMaterial(length, label, context);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * A channel binding of this connection, for SCRAM-SHA-256-PLUS and other authentication inside
   * TLS (node:tls has none): 'tls-server-end-point' (RFC 5929 §4), 'tls-unique' (RFC 5929 §3, TLS
   * 1.2 only) or 'tls-exporter' (RFC 9266). Throws TlsError when this connection has no such value.
   */
  getChannelBinding(type: ChannelBindingType): Buffer {
    const out = this.connection.getChannelBinding(type);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * As node:tls: the verify_data of the latest Finished message we sent (12 bytes in TLS 1.2, RFC
   * 5246 §7.4.9; the hash's length in TLS 1.3, RFC 8446 §4.4.4), which channel bindings such as
   * tls-unique use; undefined before one was sent.
   */
  getFinished(): Buffer | undefined {
    return this.facts.ownFinished;
  }

  /** As node:tls: the verify_data of the latest Finished message the peer sent; undefined before. */
  getPeerFinished(): Buffer | undefined {
    return this.facts.peerFinished;
  }

  /**
   * As node:tls: the signature algorithms both sides accept, OpenSSL-named ('ECDSA+SHA256'), in the
   * peer's order: on a server, from the client's signature_algorithms; on a client, from the
   * server's CertificateRequest (none asked: []).
   */
  getSharedSigalgs(): string[] {
    return this.facts.sharedSigalgs(this.connection.config.signatureSchemes);
  }

  /** As node:tls: a client's latest session ticket from the server (opaque to us); undefined without one. */
  getTLSTicket(): Buffer | undefined {
    return this.isServer ? undefined : this.facts.ticket;
  }

  /**
   * As node:tls: the SNI a client sends. Only before the handshake started (while the socket is still
   * connecting); the name is then also the one the server's certificate must carry.
   */
  setServername(name: string): void {
    if (typeof name !== 'string')
      throw Object.assign(new TypeError(`The "name" argument must be of type string. Received ${typeof name}`), { code: 'ERR_INVALID_ARG_TYPE' });
    if (this.isServer) throw Object.assign(new Error('Cannot issue SNI from a TLS server-side socket'), { code: 'ERR_TLS_SNI_FROM_SERVER' });
    if (this.conn)
      throw Object.assign(new Error('setServername() must be called before the handshake starts (while the socket is still connecting)'), {
        code: 'ERR_INVALID_STATE',
      });
    this.servernameOverride = name;
  }

  /**
   * As node:tls: the session (an earlier 'session' event's bytes) a client offers, like the
   * `session` option; only before the handshake starts. It resumes only under the same trust
   * settings (src/handshake/trust-binding.ts), else a full handshake follows.
   */
  setSession(session: string | Uint8Array): void {
    if (typeof session !== 'string' && !(session instanceof Uint8Array)) {
      throw Object.assign(new TypeError('The "session" argument must be of type string or an instance of Buffer, TypedArray, or DataView.'), {
        code: 'ERR_INVALID_ARG_TYPE',
      });
    }
    if (this.isServer) throw new Error('setSession() is for a client socket: a server resumes what its clients offer');
    if (this.conn)
      throw Object.assign(
        new Error('setSession() must be called before the handshake starts (while the socket is still connecting); or pass session to connect()'),
        { code: 'ERR_INVALID_STATE' },
      );
    const bytes = typeof session === 'string' ? Buffer.from(session, 'latin1') : session;
    this.sessionOverride = bytes;
    this.offeredSession = bytes;
  }

  /**
   * As node:tls: records we send carry at most `size` bytes of plaintext (512 to 16384, else false
   * and nothing changes), within the peer's record_size_limit (RFC 8449) if lower.
   */
  setMaxSendFragment(size: number): boolean {
    if (!validateMaxSendFragment(size)) return false;
    this.connection.setMaxSendFragment(size);
    return true;
  }

  /** As node:tls. tlskit never renegotiates (it refuses the peer's requests, RFC 5746): nothing to disable. */
  disableRenegotiation(): void {}

  /**
   * node:tls's signature; tlskit does not renegotiate (TLS 1.2 renegotiation is refused, TLS 1.3 has
   * none): returns false and gives `callback` an ERR_TLS_RENEGOTIATION_DISABLED error that says so
   * and what to use instead, as node:tls does when renegotiation fails to start.
   */
  renegotiate(options: object, callback?: (err: Error | null) => void): boolean | undefined {
    validateRenegotiateArgs(options, callback);
    if (this.destroyed) return undefined;
    if (callback) process.nextTick(callback, renegotiationRefused());
    return false;
  }

  /**
   * Prints every handshake message from now on to stderr, decoded (tlskit's trace, not OpenSSL's
   * format as node:tls prints: see docs/tls-socket.md).
   */
  enableTrace(): void {
    if (this.tracing) return;
    this.tracing = true;
    startTrace(this, this.isServer ? 'server' : 'client', (line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Ends the TCP connection with a reset (RST) at once: no close_notify, nothing queued is sent.
   * node:tls throws ERR_INVALID_HANDLE_TYPE here for every TLS socket (its handle is not a TCP
   * one); tlskit resets the net.Socket underneath, as net.Socket's resetAndDestroy() does. Over a
   * transport without one (any other Duplex), ERR_INVALID_HANDLE_TYPE as node.
   */
  resetAndDestroy(): this {
    const socket = this.transport as Partial<Socket>;
    if (typeof socket.resetAndDestroy !== 'function') throw resetUnsupported();
    this.resetting = true;
    socket.resetAndDestroy();
    this.destroy();
    return this;
  }

  /** As net.Socket: end the writing side, then destroy once all was written. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** node:tls's internal start, which some STARTTLS code calls: the handshake starts by itself here. */
  _start(): void {}

  // net.Socket pass-throughs that http and friends use.
  setNoDelay(noDelay?: boolean): this {
    (this.transport as Partial<Socket>).setNoDelay?.(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    (this.transport as Partial<Socket>).setKeepAlive?.(enable, initialDelay);
    return this;
  }

  setTimeout(timeout: number, callback?: () => void): this {
    this.idleTimeout = timeout;
    const socket = this.transport as Partial<Socket>;
    if (socket.setTimeout) {
      socket.setTimeout(timeout);
      socket.removeAllListeners?.('timeout');
      if (timeout > 0) socket.on?.('timeout', () => this.emit('timeout'));
    }
    if (callback) this.once('timeout', callback);
    return this;
  }

  address(): ReturnType<Socket['address']> | {} {
    return (this.transport as Partial<Socket>).address?.() ?? {};
  }

  get remoteAddress(): string | undefined {
    return (this.transport as Partial<Socket>).remoteAddress;
  }

  get remotePort(): number | undefined {
    return (this.transport as Partial<Socket>).remotePort;
  }

  get remoteFamily(): string | undefined {
    return (this.transport as Partial<Socket>).remoteFamily;
  }

  get localAddress(): string | undefined {
    return (this.transport as Partial<Socket>).localAddress;
  }

  get localPort(): number | undefined {
    return (this.transport as Partial<Socket>).localPort;
  }

  ref(): this {
    (this.transport as Partial<Socket>).ref?.();
    return this;
  }

  unref(): this {
    (this.transport as Partial<Socket>).unref?.();
    return this;
  }
}
