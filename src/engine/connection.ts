// The sans-I/O connection (STYLE.md principle 2): bytes in through receive(), bytes out through
// takeOutput(), application data and events through handlers. No sockets, timers or promises.
import { TlsError, asTlsError } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import { AlertDescription, AlertLevel } from '../protocol/alerts.js';
import { ContentType, HandshakeType } from '../protocol/constants.js';
import {
  MAX_PLAINTEXT,
  KEY_UPDATE_AFTER_RECORDS,
  MAX_IGNORED_HELLO_REQUESTS,
  MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA,
  MAX_WARNING_ALERTS_IN_A_ROW,
  defaultHandshakeMessageLimit,
} from '../protocol/limits.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../messages/handshake.js';
import { readHelloRequest } from '../messages/tls12.js';
import { RecordReader, type RawRecord } from '../record/record-reader.js';
import { HandshakeReader } from '../record/handshake-reader.js';
import { PlaintextProtection, Tls13Protection, type OpenedRecord, type RecordProtection } from '../record/protection.js';
import { Transcript } from '../handshake/transcript.js';
import {
  isAsyncStep,
  type AsyncStep,
  type ConnectionInfo,
  type HandshakeIO,
  type ConnectedState,
  type HandshakeState,
  type KeyEpoch,
  type Next,
  type PostHandshakeAuthOutcome,
} from '../handshake/state.js';
import type { HandshakeStep, ConnectionHandlers, TlsEvent } from './events.js';
import type { ConnectionConfig } from '../handshake/config.js';
import { concat, toHex } from '../wire/bytes.js';
import { encodeSessionWithinLimit, type SessionState } from '../handshake/session.js';
import type { KeyingMaterialExporter } from '../handshake/exporter.js';
import { deriveChannelBinding, type ChannelBindingType } from './channel-binding.js';

function isConnected(s: HandshakeState): s is ConnectedState {
  return (s as Partial<ConnectedState>).connected === true;
}

type Phase = 'handshaking' | 'connected' | 'failed';

const NO_OUTPUT: readonly Uint8Array[] = Object.freeze([]);
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A serialised session holds its master secret or PSK: store it like a key. Its bytes stay a plain
 * Uint8Array (or Buffer) to pass back as `session`, but util.inspect shows only its size.
 */
export function redactSession<T extends Uint8Array>(bytes: T): T {
  Object.defineProperty(bytes, inspectSymbol, { value: () => `[Session ${bytes.length} bytes]`, enumerable: false });
  return bytes;
}
const CHANGE_CIPHER_SPEC_RECORD = Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);

export class Connection implements HandshakeIO {
  readonly info: ConnectionInfo = { peerCertificates: [], authorized: false, resumed: false };
  readonly transcript: Transcript;
  private state: HandshakeState;
  /** The asynchronous step the handshake waits for, if any: nothing is read meanwhile. */
  private pending: AsyncStep | undefined;
  private phase: Phase = 'handshaking';
  /** The verify_data of this handshake's first Finished (tls-unique). */
  private firstFinished: Uint8Array | undefined;
  private readProtection: RecordProtection = new PlaintextProtection();
  private readEpoch: KeyEpoch | 'plaintext' = 'plaintext';
  private writeProtection: RecordProtection;
  private readonly records = new RecordReader();
  private readonly handshakeReader: HandshakeReader;
  private output: Uint8Array[] = [];
  private pendingHandshake: Uint8Array[] = [];
  private sendLimit = MAX_PLAINTEXT;
  /** The peer's record_size_limit (RFC 8449) and the application's cap (setMaxSendFragment): sendLimit is the lower. */
  private peerSendLimit = MAX_PLAINTEXT;
  private maxSendFragment = MAX_PLAINTEXT;
  /** Largest plaintext we accept per record: 2^14, or less after record_size_limit (RFC 8449). */
  private receiveLimit = MAX_PLAINTEXT;
  /** Records in a row that moved nothing forward (RFC 8446 §5.1 permits some; a flood is an attack). */
  private emptyRecords = 0;
  /** Warning (and user_canceled) alerts in a row, ignored up to MAX_WARNING_ALERTS_IN_A_ROW. */
  private warningAlerts = 0;
  /** Client, TLS 1.3: the compatibility CCS is due before anything else we send (RFC 8446 Appendix D.4). */
  private changeCipherSpecOwed = false;
  /** Post-handshake messages (KeyUpdate, tickets) since the last application data: a flood is an attack. */
  private postHandshakeMessages = 0;
  /** Server: 0-RTT data we accepted and may still receive (RFC 8446 §4.2.10); undefined when not accepting. */
  private earlyDataAllowance: number | undefined;
  /** Server: 0-RTT bytes we rejected and will skip, undecryptable, up to this budget (RFC 8446 §4.2.10). */
  private earlyDataSkipBudget = 0;
  /** Server: 0-RTT accepted and our Finished sent, so 0.5-RTT data may be written (RFC 8446 §2.3). */
  private halfRtt = false;
  /** Client: 0-RTT bytes we may still send; undefined when early data is not (or no longer) possible. */
  private earlyWriteAllowance: number | undefined;
  private receivedCloseNotify = false;
  /** A ClientHello was sent or received: from then until the peer's Finished, a TLS 1.3 CCS is dropped. */
  private helloSeen = false;
  /** The peer's TLS 1.3 compatibility CCS records so far (RFC 8446 Appendix D.4: one, or two, see receiveChangeCipherSpec). */
  private compatibilityCcsReceived = 0;
  /** A HelloRetryRequest was sent or received in this handshake. */
  private helloRetried = false;
  /** Handler calls a state queued while it handled a message: they run once its successor is current. */
  private afterAdvance: (() => void)[] = [];
  /** HelloRequests a TLS 1.2 client ignored during this handshake (RFC 5246 §7.4.1.1). */
  private ignoredHelloRequests = 0;
  private sentCloseNotify = false;
  private failure: TlsError | undefined;
  /** Key material was wiped (the connection ended): nothing can be protected or opened any more. */
  private released = false;
  /** RFC 5705 / RFC 8446 §7.5, installed by the handshake once its master secret exists. */
  private exporter: KeyingMaterialExporter | undefined;
  private disposed = false;

  constructor(
    readonly config: ConnectionConfig,
    initial: HandshakeState,
    private readonly handlers: ConnectionHandlers = {},
    /** RFC 8446 §5.1: a client's first records may carry 0x0301 for old middleboxes. */
    initialRecordVersion: number = 0x0303,
  ) {
    this.state = initial;
    this.transcript = new Transcript(config.provider);
    this.handshakeReader = new HandshakeReader(config.limits.maxHandshakeMessage ?? defaultHandshakeMessageLimit(config.side));
    this.writeProtection = new PlaintextProtection(initialRecordVersion);
  }

  get provider() {
    return this.config.provider;
  }

  get isHandshaking(): boolean {
    return this.phase === 'handshaking';
  }

  get isConnected(): boolean {
    return this.phase === 'connected';
  }

  get error(): TlsError | undefined {
    return this.failure;
  }

  get stateKind(): string {
    return this.state.kind;
  }

  /** The peer sent close_notify. */
  get peerClosed(): boolean {
    return this.receivedCloseNotify;
  }

  /** We sent close_notify: no more writes. */
  get closed(): boolean {
    return this.sentCloseNotify || this.phase === 'failed' || this.disposed;
  }

  /** Runs a step that may throw; a TlsError (or a bug, as internal_error) ends the connection. */
  protected guard(step: () => void): void {
    if (this.phase === 'failed' || this.disposed) return;
    try {
      step();
      this.flushHandshake();
    } catch (err) {
      this.fail(asTlsError(err));
    }
  }

  /** Starts the handshake (the client's first flight). */
  start(begin: (io: HandshakeIO) => Next): void {
    this.guard(() => this.advance(begin(this)));
    // RFC 8446 §5.1: only the initial ClientHello (now flushed) may say 0x0301; every later record,
    // a ClientHello after HelloRetryRequest or a plaintext alert included, says 0x0303.
    if (this.writeProtection.kind === 'plaintext') this.writeProtection = new PlaintextProtection();
  }

  private advance(next: Next): void {
    if (isAsyncStep(next)) {
      this.pending = next;
      return;
    }
    this.state = next;
    if (this.phase === 'connected' && !isConnected(this.state)) {
      throw new TlsError('internal_error', `handshake completed in state ${this.state.kind}`);
    }
    // Handlers a state asked for run now that it is current: they may act on the connection.
    const queued = this.afterAdvance;
    if (queued.length === 0) return;
    this.afterAdvance = [];
    for (const run of queued) run();
  }

  /** What the handshake is waiting for: the adapter calls start() and reports with completeTask()/failTask(). */
  get pendingTask(): { readonly description: string; readonly start: () => Promise<unknown> } | undefined {
    return this.pending && { description: this.pending.description, start: this.pending.start };
  }

  completeTask(result: unknown): void {
    if (this.phase === 'failed' || this.disposed) return; // ended meanwhile: the result is not needed
    const step = this.pending;
    if (!step) throw new Error('completeTask without a pending task');
    this.pending = undefined;
    this.guard(() => {
      this.advance(step.resume(result, this));
      this.drainHandshake();
      this.readRecords();
    });
  }

  failTask(err: unknown): void {
    if (this.phase === 'failed' || this.disposed) return;
    if (!this.pending) throw new Error('failTask without a pending task');
    const description = this.pending.description;
    this.pending = undefined;
    this.guard(() => {
      if (err instanceof TlsError) throw err;
      throw new TlsError('internal_error', `${description} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
  }

  // ---- incoming ----

  /** Feeds bytes received from the peer. */
  receive(data: Uint8Array): void {
    if (this.phase === 'failed' || this.receivedCloseNotify || this.disposed) return; // RFC 8446 §6.1: ignore data after close
    this.records.push(data);
    this.guard(() => this.readRecords());
  }

  private readRecords(): void {
    let record: RawRecord | undefined;
    while (!this.pending && !this.receivedCloseNotify && this.phase !== 'failed' && (record = this.records.next(this.readProtection.maxFragment))) {
      this.receiveRecord(record);
    }
  }

  private receiveRecord(record: RawRecord): void {
    // RFC 8446 §5.1: handshake fragments MUST NOT be interleaved with other record types.
    if (record.type !== ContentType.handshake && this.handshakeReader.hasPartialMessage && record.type !== ContentType.application_data) {
      throw new TlsError('unexpected_message', 'peer interleaved another record type inside a fragmented handshake message');
    }
    if (record.type === ContentType.change_cipher_spec) {
      this.receiveChangeCipherSpec(record.fragment);
      return;
    }
    // RFC 8446 §4.2.10: the client's early data all precedes its second ClientHello (after a
    // HelloRetryRequest): a handshake record ends the skipping, and encrypted records after it are errors.
    if (record.type === ContentType.handshake) this.earlyDataSkipBudget = 0;
    if (this.earlyDataSkipBudget > 0 && record.type === ContentType.application_data && this.skipRejectedEarlyData(record)) return;
    if (this.readProtection.kind === 'tls13' && record.type !== ContentType.application_data) {
      if (record.type === ContentType.alert && this.acceptsUnprotectedAlert()) {
        this.receiveAlert(record.fragment);
        return;
      }
      // RFC 8446 §5.2: once protected, every record's outer type is application_data.
      throw new TlsError(
        'unexpected_message',
        `peer sent an unprotected ${record.type === ContentType.alert ? 'alert' : 'handshake'} record after keys were set`,
      );
    }
    this.dispatchOpened(this.readProtection.open(record));
  }

  private dispatchOpened({ type, data, innerLength }: OpenedRecord): void {
    // RFC 8449 §4: a record larger than the limit we advertised is record_overflow. In TLS 1.3 the
    // limit counts the whole TLSInnerPlaintext (receiveLimit is the content's share, one byte less
    // for the type): padding buys no room past it.
    if (innerLength !== undefined && innerLength > this.receiveLimit + 1) {
      throw new TlsError(
        'record_overflow',
        `peer sent a record with an inner plaintext of ${innerLength} bytes, more than the ${this.receiveLimit + 1} we asked for`,
      );
    }
    if (data.length > this.receiveLimit && this.readProtection.kind !== 'plaintext')
      throw new TlsError('record_overflow', `peer sent ${data.length} bytes in a record, more than the ${this.receiveLimit} we asked for`);
    if (type !== ContentType.handshake && this.handshakeReader.hasPartialMessage) {
      throw new TlsError('unexpected_message', 'peer interleaved another record type inside a fragmented handshake message');
    }
    if (type !== ContentType.alert) this.warningAlerts = 0;
    switch (type) {
      case ContentType.handshake:
        // RFC 8446 §5.1: zero-length handshake fragments MUST NOT be sent.
        if (data.length === 0) throw new TlsError('unexpected_message', 'peer sent an empty handshake record');
        this.emptyRecords = 0;
        this.handshakeReader.push(data);
        this.drainHandshake();
        return;
      case ContentType.alert:
        this.receiveAlert(data);
        return;
      case ContentType.application_data:
        this.receiveApplicationData(data);
        return;
      default:
        // RFC 8446 §5.4: a protected record of another inner type is unexpected_message.
        throw new TlsError('unexpected_message', `peer sent a protected record of content type ${type}`);
    }
  }

  /**
   * RFC 8446 §6: alerts go out under the sender's current keys. A client that rejects our
   * ServerHello has no keys yet, so its alert arrives unprotected although we already read with
   * handshake keys: accept one until the first protected record from it (as OpenSSL does).
   */
  private acceptsUnprotectedAlert(): boolean {
    return this.config.side === 'server' && this.readEpoch === 'handshake' && this.readProtection.sequence === 0;
  }

  private drainHandshake(): void {
    let msg: HandshakeMessage | undefined;
    while (!this.pending && this.phase !== 'failed' && (msg = this.handshakeReader.next())) {
      this.emit({ kind: 'handshake-message', direction: 'received', type: msg.type, length: msg.body.length, raw: msg.raw });
      if (this.ignoresHelloRequest(msg)) continue;
      this.helloSeen = true;
      if (this.phase === 'connected' && ++this.postHandshakeMessages > MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA) {
        throw new TlsError(
          'unexpected_message',
          `peer sent more than ${MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA} post-handshake messages without application data`,
        );
      }
      this.advance(this.state.handle(msg, this));
    }
  }

  /**
   * RFC 5246 §7.4.1.1: a TLS 1.2 client ignores a HelloRequest while it negotiates, and leaves it out
   * of the handshake hashes. Once connected, the state refuses renegotiation (no_renegotiation).
   */
  private ignoresHelloRequest(msg: HandshakeMessage): boolean {
    if (msg.type !== HandshakeType.hello_request || this.config.side !== 'client' || this.phase !== 'handshaking' || this.info.version !== 'TLSv1.2')
      return false;
    readHelloRequest(msg);
    if (++this.ignoredHelloRequests > MAX_IGNORED_HELLO_REQUESTS) {
      throw new TlsError('unexpected_message', `peer sent more than ${MAX_IGNORED_HELLO_REQUESTS} hello_request messages during the handshake`);
    }
    return true;
  }

  private receiveChangeCipherSpec(payload: Uint8Array): void {
    if (payload.length !== 1 || payload[0] !== 1) throw new TlsError('unexpected_message', 'peer sent a malformed change_cipher_spec record');
    this.countEmptyRecord('change_cipher_spec');
    if (this.info.version !== 'TLSv1.2') {
      // RFC 8446 §5: an unprotected CCS of value 1 is dropped between the first ClientHello and the
      // peer's Finished; before the ClientHello or after that Finished it is unexpected. Appendix
      // D.4: a peer sends one per handshake (as BoringSSL and OpenSSL allow), so a second is too.
      if (this.phase !== 'handshaking' || !this.helloSeen) {
        throw new TlsError(
          'unexpected_message',
          `peer sent change_cipher_spec ${this.phase === 'handshaking' ? 'before the client_hello' : 'after the handshake'}`,
        );
      }
      // A client that offered 0-RTT sent its CCS after its first ClientHello; after a
      // HelloRetryRequest its second ClientHello offers none, and D.4 then puts a CCS before its
      // second flight too: a server takes one more from such a client (RFC 8446 §5: dropped).
      const allowed = this.config.side === 'server' && this.info.earlyData !== undefined && this.helloRetried ? 2 : 1;
      if (++this.compatibilityCcsReceived > allowed)
        throw new TlsError('unexpected_message', `peer sent a ${allowed === 1 ? 'second' : 'third'} change_cipher_spec during the handshake`);
      return;
    }
    if (!this.state.changeCipherSpec) throw new TlsError('unexpected_message', `peer sent change_cipher_spec in state ${this.state.kind}`);
    if (this.handshakeReader.hasPartialMessage) throw new TlsError('unexpected_message', 'peer changed keys inside a fragmented handshake message');
    this.advance(this.state.changeCipherSpec(this));
  }

  private receiveAlert(data: Uint8Array): void {
    // RFC 8446 §6: an alert is two bytes, level and description.
    if (data.length !== 2) throw new TlsError('decode_error', `peer sent an alert of ${data.length} bytes`);
    const level = data[0]!;
    const description = data[1]!;
    this.emit({ kind: 'alert', direction: 'received', level, description });
    if (description === AlertDescription.close_notify) {
      this.receivedCloseNotify = true;
      if (this.phase === 'handshaking') {
        this.failure = new TlsError('close_notify', 'peer closed the connection before the handshake completed', { origin: 'peer' });
        this.phase = 'failed';
        this.release();
        this.handlers.error?.(this.failure);
        return;
      }
      if (this.sentCloseNotify) this.release(); // closed both ways: the keys are no longer needed
      this.handlers.peerClosed?.();
      return;
    }
    // RFC 8446 §6: user_canceled is a warning followed by close_notify. In TLS 1.3 every other alert is
    // fatal whatever its level; TLS 1.2 warning alerts are ignored (RFC 5246 §7.2.2), within limits.
    // Before the version is known, a warning is taken as TLS 1.2 would: a TLS 1.2 server may send a
    // warning unrecognized_name before its ServerHello (RFC 6066 §3).
    const tls13 = this.info.version === 'TLSv1.3';
    if (description === AlertDescription.user_canceled || (!tls13 && level === AlertLevel.warning)) {
      if (++this.warningAlerts > MAX_WARNING_ALERTS_IN_A_ROW)
        throw new TlsError('unexpected_message', `peer sent more than ${MAX_WARNING_ALERTS_IN_A_ROW} warning alerts in a row`);
      this.countEmptyRecord('warning alert');
      return;
    }
    const err = TlsError.fromPeer(description);
    this.failure = err;
    this.phase = 'failed';
    this.release();
    this.handlers.error?.(err);
  }

  /**
   * RFC 8446 §4.2.10: a server that rejected 0-RTT skips the client's early records, which it
   * cannot decrypt (or, after a HelloRetryRequest, which arrive before any keys), up to a budget.
   * Returns whether the record was skipped.
   */
  private skipRejectedEarlyData(record: RawRecord): boolean {
    if (this.readProtection instanceof Tls13Protection) {
      const probe = this.readProtection.tryOpen(record);
      if (probe) {
        this.earlyDataSkipBudget = 0; // the first record that decrypts ends the skipping
        this.dispatchOpened(probe);
        return true;
      }
    }
    if (record.fragment.length > this.earlyDataSkipBudget) {
      throw new TlsError('unexpected_message', 'peer sent more rejected early data than it may');
    }
    this.earlyDataSkipBudget -= record.fragment.length;
    return true;
  }

  private receiveApplicationData(data: Uint8Array): void {
    if (this.earlyDataAllowance !== undefined) {
      // RFC 8446 §4.2.10: early data beyond max_early_data_size is unexpected_message.
      if (data.length > this.earlyDataAllowance) throw new TlsError('unexpected_message', 'peer sent more early data than max_early_data_size');
      this.earlyDataAllowance -= data.length;
      if (data.length > 0) this.handlers.data?.(data, true);
      return;
    }
    if (this.phase !== 'connected') {
      // RFC 8446 §2: application data before the handshake completes (no early data accepted).
      throw new TlsError('unexpected_message', 'peer sent application data before the handshake completed');
    }
    if (data.length === 0) {
      this.countEmptyRecord('empty application data');
      return;
    }
    this.emptyRecords = 0;
    this.postHandshakeMessages = 0;
    this.handlers.data?.(data, false);
  }

  private countEmptyRecord(what: string): void {
    if (++this.emptyRecords > this.config.limits.maxEmptyRecords) {
      throw new TlsError('unexpected_message', `peer sent more than ${this.config.limits.maxEmptyRecords} ${what} records in a row`);
    }
  }

  // ---- outgoing ----

  /** Protects application data for sending. Only once connected; the adapter buffers before that. */
  write(data: Uint8Array): void {
    if (this.phase === 'failed') throw this.failure!;
    if (this.sentCloseNotify || this.disposed) throw new TlsError('internal_error', 'write after close');
    if (this.phase !== 'connected' && !this.halfRttWritable) throw new TlsError('internal_error', 'write before the handshake completed');
    this.guard(() => {
      const limit = this.sendLimit;
      const out = this.output;
      for (let at = 0; at < data.length; at += limit) {
        if (this.writeProtection.sequence >= KEY_UPDATE_AFTER_RECORDS && this.info.version === 'TLSv1.3' && this.phase === 'connected') this.updateKeys(false);
        const end = Math.min(at + limit, data.length);
        this.writeProtection.seal(ContentType.application_data, at === 0 && end === data.length ? data : data.subarray(at, end), out, this.padding(end - at));
      }
    });
  }

  /**
   * Server, TLS 1.3: whether write() may send 0.5-RTT data now: we accepted the client's 0-RTT data
   * and sent our Finished, and its Finished has not arrived yet (RFC 8446 §2.3). The client is the
   * one the resumed session authenticated; nothing it sends after its early data is verified yet.
   */
  get halfRttWritable(): boolean {
    return this.phase === 'handshaking' && this.halfRtt && !this.sentCloseNotify && !this.disposed;
  }

  /** Client: how many 0-RTT bytes may still be written now (0 when early data is not possible). */
  get earlyDataRoom(): number {
    return this.phase === 'handshaking' ? (this.earlyWriteAllowance ?? 0) : 0;
  }

  /** Client: sends 0-RTT application data (RFC 8446 §4.2.10); at most earlyDataRoom bytes. */
  writeEarly(data: Uint8Array): void {
    if (data.length > this.earlyDataRoom)
      throw new TlsError('internal_error', `early data of ${data.length} bytes does not fit the ${this.earlyDataRoom} bytes left`);
    this.guard(() => {
      this.earlyWriteAllowance! -= data.length;
      for (let at = 0; at < data.length; at += this.sendLimit) {
        const end = Math.min(at + this.sendLimit, data.length);
        this.writeProtection.seal(ContentType.application_data, data.subarray(at, end), this.output, this.padding(end - at));
      }
    });
  }

  /**
   * Sends close_notify: our half of the connection is closed; reading goes on (RFC 8446 §6.1).
   * During the handshake there is nothing to half-close: the handshake is abandoned with
   * user_canceled then close_notify (RFC 8446 §6.1), and reported as an error.
   */
  close(): void {
    if (this.sentCloseNotify || this.phase === 'failed' || this.disposed) return;
    if (this.phase === 'handshaking') {
      this.guard(() => {
        this.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
        this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
        this.sentCloseNotify = true;
        throw new TlsError('user_canceled', 'the handshake was abandoned: the connection was closed before it completed');
      });
      return;
    }
    this.guard(() => {
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.sentCloseNotify = true;
      if (this.receivedCloseNotify) this.release(); // closed both ways
    });
  }

  /**
   * Server, TLS 1.3: ask the client for a certificate now (RFC 8446 §4.6.2). Only when the client
   * offered post_handshake_auth. info (peerCertificates, authorized, ...) changes only once the
   * client's CertificateVerify and Finished verified, and then all at once; the postHandshakeAuth
   * handler reports the outcome. A failure ends the connection (error handler) and changes nothing.
   */
  requestClientCertificate(): void {
    const state = this.state as Partial<{ requestCertificate(io: HandshakeIO): Next }>;
    if (!this.isConnected || this.info.version !== 'TLSv1.3' || !state.requestCertificate) {
      throw new TlsError('internal_error', 'a client certificate can be requested after a TLS 1.3 handshake only');
    }
    // RFC 8446 §6.1: nothing follows our close_notify.
    if (this.closed) throw new TlsError('internal_error', 'a client certificate cannot be requested after close');
    // A misuse is the caller's error, not the connection's: checked before anything is sent.
    if (!this.canRequestClientCertificate)
      throw new TlsError('internal_error', 'the client did not offer post-handshake authentication, or a request is in progress');
    const request = state.requestCertificate.bind(this.state);
    this.guard(() => this.advance(request(this)));
  }

  /** Whether the client offered post-handshake authentication (server, TLS 1.3). */
  get canRequestClientCertificate(): boolean {
    return this.isConnected && !this.closed && (this.state as Partial<{ postHandshakeAuthOffered: boolean }>).postHandshakeAuthOffered === true;
  }

  /** TLS 1.3: update our sending keys, and ask the peer to update theirs if requested. */
  updateKeys(requestPeerUpdate: boolean): void {
    if (this.closed) throw new TlsError('internal_error', 'key update after close');
    if (!isConnected(this.state)) throw new TlsError('internal_error', 'key update before the handshake completed');
    const state = this.state;
    this.guard(() => this.advance(state.updateKeys(this, requestPeerUpdate)));
  }

  /**
   * Keying material for a protocol on top of TLS (RFC 5705, RFC 8446 §7.5), as node:tls's
   * exportKeyingMaterial(length, label, context). Only on an established connection whose keys are
   * still there; a misuse throws TlsError('internal_error') and leaves the connection as it was.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    // RFC 8446 §7.5: a server has the exporter secret from its Finished on (used here in 0.5-RTT).
    if ((this.phase !== 'connected' && !this.halfRttWritable) || !this.exporter)
      throw new TlsError('internal_error', 'exportKeyingMaterial: the handshake has not completed');
    if (this.released || this.disposed) throw new TlsError('internal_error', 'exportKeyingMaterial: the connection has ended and its keys were wiped');
    return this.exporter.export(label, context, length);
  }

  /**
   * A channel binding of this connection (./channel-binding.ts): 'tls-server-end-point' (RFC 5929
   * §4), 'tls-unique' (RFC 5929 §3, TLS 1.2) or 'tls-exporter' (RFC 9266). Throws TlsError when the
   * type is not available on this connection, and says why.
   */
  getChannelBinding(type: ChannelBindingType): Uint8Array {
    if (this.phase !== 'connected') throw new TlsError('internal_error', 'getChannelBinding: the handshake has not completed');
    return deriveChannelBinding(type, {
      side: this.config.side,
      info: this.info,
      provider: this.provider,
      firstFinished: this.firstFinished,
      exportKeyingMaterial: (length, label, context) => this.exportKeyingMaterial(length, label, context),
    });
  }

  /** Everything queued for the peer since the last call, in order. */
  takeOutput(): readonly Uint8Array[] {
    this.flushHandshake();
    const out = this.output;
    if (out.length === 0) return NO_OUTPUT;
    this.output = [];
    return out;
  }

  get hasOutput(): boolean {
    return this.output.length > 0 || this.pendingHandshake.length > 0;
  }

  private sendAlert(level: number, description: number): void {
    this.flushHandshake();
    this.emit({ kind: 'alert', direction: 'sent', level, description });
    this.writeProtection.seal(ContentType.alert, Uint8Array.of(level, description), this.output);
  }

  private fail(err: TlsError): void {
    if (this.phase === 'failed') return;
    this.phase = 'failed';
    this.failure = err;
    this.pendingHandshake = [];
    if (err.origin === 'local' && !err.peerNotTls && !this.sentCloseNotify && !this.released) {
      try {
        if (this.changeCipherSpecOwed) this.sendChangeCipherSpec();
        this.sendAlert(AlertLevel.fatal, err.alertCode);
      } catch {
        // the alert cannot be protected (keys gone): the error still stands
      }
    }
    this.release();
    this.handlers.error?.(err);
  }

  /**
   * The connection ended: wipe the key material the engine owns (the handshake state's secrets, both
   * record protections) and drop buffered input and any pending asynchronous step. Best effort: see
   * SECURITY.md for what the runtime keeps out of reach.
   */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.pending?.wipe?.();
    this.pending = undefined;
    this.afterAdvance = [];
    this.records.clear();
    this.handshakeReader.clear();
    this.state.wipe?.();
    this.readProtection.wipe?.();
    this.writeProtection.wipe?.();
    this.exporter?.wipe();
  }

  /**
   * The transport is gone (the adapter closes): wipes the key material now, whatever the state. Later
   * receive() calls are ignored, write() throws, and what was queued for sending stays queued.
   */
  dispose(): void {
    if (this.disposed) return;
    this.flushHandshake();
    this.disposed = true;
    this.release();
  }

  /** Aborts from the outside (e.g. the transport failed): no alert, the error is reported. */
  abort(err: TlsError): void {
    if (this.phase === 'failed') return;
    this.sentCloseNotify = true; // nothing more goes out
    this.fail(err);
  }

  // ---- HandshakeIO ----

  send(msg: HandshakeMessage): HandshakeMessage {
    // Test-only substitution (see CommonConfig.dangerouslyRewriteHandshake): what it returns is
    // what the transcript hashes and the peer gets.
    const sent = this.config.dangerouslyRewriteHandshake?.(msg) ?? msg;
    // We answer only once the peer's flight has ended, so during the handshake nothing of its may be
    // left over: data pipelined past the end of a flight (after a HelloRetryRequest, a
    // ServerHelloDone, a first ClientHello) would otherwise be read in a later state (as BoringSSL,
    // we refuse it; RFC 8446 §5.1 requires the same at key changes, which setReadKeys checks).
    if (this.phase === 'handshaking' && this.handshakeReader.hasPartialMessage) {
      throw new TlsError('unexpected_message', 'peer sent more handshake data in the record that ended its flight');
    }
    // Post-handshake messages (KeyUpdate, NewSessionTicket) are not part of the transcript.
    if (this.phase === 'handshaking') this.transcript.add(sent.raw);
    this.helloSeen = true;
    this.emit({ kind: 'handshake-message', direction: 'sent', type: sent.type, length: sent.body.length, raw: sent.raw });
    this.pendingHandshake.push(sent.raw);
    return sent;
  }

  /** Packs queued handshake messages into as few records as the limit allows. */
  private flushHandshake(): void {
    if (this.pendingHandshake.length === 0) return;
    const parts = this.pendingHandshake;
    this.pendingHandshake = [];
    const joined = parts.length === 1 ? parts[0]! : concat(...parts);
    const limit = this.sendLimit;
    for (let at = 0; at < joined.length; at += limit) {
      const end = Math.min(at + limit, joined.length);
      this.writeProtection.seal(ContentType.handshake, joined.subarray(at, end), this.output, this.padding(end - at));
    }
  }

  oweChangeCipherSpec(): void {
    this.changeCipherSpecOwed = true;
  }

  sendChangeCipherSpec(): void {
    this.changeCipherSpecOwed = false;
    this.flushHandshake();
    // Always unprotected: TLS 1.3 compatibility CCS (Appendix D.4) and the TLS 1.2 initial handshake,
    // where it goes out under the null cipher (we refuse renegotiation, RFC 5746).
    this.output.push(CHANGE_CIPHER_SPEC_RECORD);
  }

  setReadKeys(protection: RecordProtection, epoch: KeyEpoch): void {
    // RFC 8446 §5.1: a key change must fall on a record boundary.
    if (this.handshakeReader.hasPartialMessage) {
      throw new TlsError('unexpected_message', 'peer sent more handshake data in the record that ended its flight before a key change');
    }
    this.readProtection = protection;
    this.readEpoch = epoch;
    this.stepKeys('read', epoch);
  }

  setWriteKeys(protection: RecordProtection, epoch: KeyEpoch): void {
    this.flushHandshake();
    this.writeProtection = protection;
    this.stepKeys('write', epoch);
  }

  private stepKeys(direction: 'read' | 'write', epoch: KeyEpoch): void {
    if ((direction === 'read' ? this.readProtection : this.writeProtection).kind === 'plaintext') return;
    const aead = this.info.cipherSuite?.aead ?? 'none';
    this.step({ step: 'keys', direction, epoch, aead });
  }

  setExporter(exporter: KeyingMaterialExporter): void {
    this.exporter?.wipe();
    this.exporter = exporter;
  }

  sendWarningAlert(description: number): void {
    this.sendAlert(AlertLevel.warning, description);
  }

  newSession(session: SessionState): void {
    const encoded = encodeSessionWithinLimit(session);
    session.secret.wipe(); // made for this call: the encoding is now the only copy
    // A session too large to keep (MAX_SESSION_STATE_BYTES) is not offered to the application.
    if (encoded) this.handlers.session?.(redactSession(encoded));
  }

  allowEarlyWrites(maxBytes: number | undefined): void {
    this.earlyWriteAllowance = maxBytes;
  }

  acceptEarlyData(maxBytes: number | undefined): void {
    this.earlyDataAllowance = maxBytes;
  }

  skipEarlyData(maxBytes: number): void {
    this.earlyDataSkipBudget = maxBytes;
  }

  allowHalfRttWrites(): void {
    this.halfRtt = true;
  }

  postHandshakeAuthenticated(outcome: PostHandshakeAuthOutcome): void {
    // One step, nothing read in between: a certificate the client proved replaces the identity;
    // none (allowed with rejectUnauthorized: false) leaves the earlier one.
    if (outcome.certificates.length > 0) {
      const info = this.info;
      info.peerCertificates = outcome.certificates;
      info.authorized = outcome.authorized;
      if (outcome.authorizationError) info.authorizationError = outcome.authorizationError;
      else delete info.authorizationError;
      if (outcome.verifiedPath) info.verifiedPath = outcome.verifiedPath;
      else delete info.verifiedPath;
      if (outcome.signatureScheme) info.peerSignatureScheme = outcome.signatureScheme;
    }
    // The handler may act on the connection (ask again, update keys): it runs once the state that
    // ends this exchange replaced the one still handling the Finished, else that state, with the
    // request still pending and its secrets, would come back afterwards and undo what it did.
    this.afterAdvance.push(() => this.handlers.postHandshakeAuth?.(outcome));
  }

  setSendLimit(limit: number): void {
    this.peerSendLimit = Math.min(limit, MAX_PLAINTEXT);
    this.sendLimit = Math.min(this.peerSendLimit, this.maxSendFragment);
  }

  /**
   * The application's bound on the plaintext of each record we send from now on (node:tls's
   * setMaxSendFragment), below the peer's limit when it set one; MAX_PLAINTEXT lifts it.
   */
  setMaxSendFragment(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > MAX_PLAINTEXT) throw new RangeError(`max send fragment ${size} outside 1..${MAX_PLAINTEXT}`);
    this.maxSendFragment = size;
    this.sendLimit = Math.min(this.peerSendLimit, size);
  }

  setReceiveLimit(limit: number): void {
    this.receiveLimit = Math.min(limit, MAX_PLAINTEXT);
  }

  /**
   * RFC 8446 §5.4: zeros after the content type hide a record's true length. The policy pads each
   * protected TLS 1.3 record to a multiple of `recordPadding` bytes, within the record size limit.
   */
  private padding(length: number): number {
    const block = this.config.recordPadding;
    if (block <= 1 || this.writeProtection.kind !== 'tls13') return 0;
    const pad = (block - ((length + 1) % block)) % block;
    return Math.min(pad, this.sendLimit - length);
  }

  step(step: HandshakeStep): void {
    if (step.step === 'hello-retry-request') this.helloRetried = true;
    this.emit({ kind: 'step', ...step });
  }

  keylog(label: string, secret: Secret): void {
    if (!this.handlers.keylog || !this.info.clientRandom || this.handlers.keylogEnabled?.() === false) return;
    this.handlers.keylog(`${label} ${toHex(this.info.clientRandom)} ${toHex(secret.expose())}\n`);
  }

  complete(): void {
    this.phase = 'connected';
    // A full handshake authenticated the peer now; a resumed one took its session's time.
    this.info.authenticatedAt ??= this.config.now().getTime();
    this.transcript.releaseMessages();
    const suite = this.info.cipherSuite;
    this.step({ step: 'complete', version: this.info.version ?? '?', cipherSuite: suite?.name ?? '?' });
    this.handlers.handshakeComplete?.();
  }

  private emit(event: TlsEvent): void {
    // RFC 5929 §3 (tls-unique): the first Finished of the handshake, whichever side sent it.
    if (event.kind === 'handshake-message' && event.type === HandshakeType.finished && this.phase === 'handshaking') {
      this.firstFinished ??= event.raw.slice(HANDSHAKE_HEADER_LENGTH);
    }
    this.handlers.event?.(event);
  }

  /** util.inspect shows public facts only: never keys, secrets or buffered bytes. */
  [inspectSymbol](): string {
    const suite = this.info.cipherSuite?.name ?? 'none';
    return `Connection { side: '${this.config.side}', state: '${this.state.kind}', phase: '${this.phase}', version: '${this.info.version ?? 'none'}', cipherSuite: '${suite}', closed: ${this.closed} }`;
  }
}
