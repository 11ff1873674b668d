// RFC 8446 §4.6: after the handshake. KeyUpdate both ways; NewSessionTicket on the client;
// post-handshake client authentication (§4.6.2) when the client offered it.
import { TlsError, decryptError, illegalParameter } from '../../errors.js';
import { certificateError } from '../../x509/failure.js';
import { hashLength } from '../../crypto/provider.js';
import type { PublicKey } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { ClientConfig, CommonConfig } from '../config.js';
import { buildCertificate13, checkEntryExtensions, readCertificate13 } from '../../messages/certificate.js';
import { buildCertificateRequest13, readCertificateRequest13, type CertificateRequest13 } from '../../messages/certificate-request.js';
import { readCertificateVerify } from '../../messages/certificate-verify.js';
import { buildFinished, readFinished } from '../../messages/finished.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { buildKeyUpdate, readKeyUpdate } from '../../messages/key-update.js';
import { readNewSessionTicket13, type NewSessionTicket13 } from '../../messages/new-session-ticket.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { HandshakeType, handshakeTypeName } from '../../protocol/constants.js';
import { equalBytes } from '../../wire/bytes.js';
import { sendCertificateVerify13, validatePeerChain, verifyCertificateVerify13 } from '../authentication.js';
import { computeFinished, nextTrafficSecret, verifyFinished } from '../key-schedule.js';
import { chooseClientCertificate } from '../negotiation.js';
import type { Transcript } from '../transcript.js';
import { wipeAll, type ConnectedState, type HandshakeIO, type Next, type PostHandshakeAuthOutcome } from '../state.js';
import { tls13Protection } from './traffic.js';
import type { RecordProtection } from '../../record/protection.js';

export interface Connected13Secrets {
  readonly suite: CipherSuite;
  readonly readSecret: Secret;
  readonly writeSecret: Secret;
  readonly resumptionMasterSecret?: Secret;
}

/** Post-handshake authentication (RFC 8446 §4.6.2): what each side needs for it. */
export interface PostHandshakeAuth {
  /** The client offered post_handshake_auth in its ClientHello. */
  readonly offered: boolean;
  readonly config: CommonConfig;
  /** Server: a request in progress, the transcript it is computed over, and how far it got. */
  readonly pending?: PendingAuthentication;
}

/**
 * Server: what the client has shown so far in answer to our request. It stays here, out of
 * ConnectionInfo, until CertificateVerify (RFC 8446 §4.4.3) and Finished (§4.4.4) verified: a client
 * that only holds someone's public chain must never look like them, not even for the application
 * data it may interleave before its Finished (§4.6.2), which is delivered as the peer's earlier identity.
 */
type PendingAuthentication =
  | { readonly stage: 'certificate'; readonly context: Uint8Array; readonly transcript: Transcript }
  | {
      readonly stage: 'certificate-verify';
      readonly context: Uint8Array;
      readonly transcript: Transcript;
      readonly answer: ClientAnswer;
      readonly peerKey: PublicKey;
    }
  | { readonly stage: 'finished'; readonly context: Uint8Array; readonly transcript: Transcript; readonly answer: ClientAnswer };

/** The client's certificate and what checking it found, not yet committed. */
type ClientAnswer = PostHandshakeAuthOutcome;

export class Connected13 implements ConnectedState {
  readonly kind = 'connected-tls13';
  readonly connected = true;

  constructor(
    private readonly side: 'client' | 'server',
    private readonly secrets: Connected13Secrets,
    private readonly onTicket?: (ticket: NewSessionTicket13, resumptionMasterSecret: Secret) => void,
    private readonly auth?: PostHandshakeAuth,
    /** The write protection our latest KeyUpdate installed: while it has sealed nothing, a request is already met. */
    private readonly updatedWriteKeys?: RecordProtection,
  ) {}

  get postHandshakeAuthOffered(): boolean {
    return this.side === 'server' && this.auth?.offered === true && !this.auth.pending;
  }

  private with(changes: { secrets?: Connected13Secrets; auth?: PostHandshakeAuth; updatedWriteKeys?: RecordProtection }): Connected13 {
    return new Connected13(
      this.side,
      changes.secrets ?? this.secrets,
      this.onTicket,
      'auth' in changes ? changes.auth : this.auth,
      changes.updatedWriteKeys ?? this.updatedWriteKeys,
    );
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (this.auth?.pending) return this.continueAuthentication(msg, io);
    switch (msg.type) {
      case HandshakeType.key_update:
        return this.receiveKeyUpdate(msg, io);
      case HandshakeType.new_session_ticket:
        // RFC 8446 §4.6.1: only servers send tickets.
        if (this.side !== 'client') break;
        {
          const ticket = readNewSessionTicket13(msg);
          if (this.onTicket && this.secrets.resumptionMasterSecret) this.onTicket(ticket, this.secrets.resumptionMasterSecret);
        }
        return this;
      case HandshakeType.certificate_request:
        // RFC 8446 §4.6.2: only a client that offered post_handshake_auth may be asked.
        if (this.side !== 'client' || !this.auth?.offered) break;
        return this.answerCertificateRequest(msg, io);
      default:
        break;
    }
    throw new TlsError('unexpected_message', `peer sent ${handshakeTypeName(msg.type)} after the handshake`);
  }

  wipe(): void {
    wipeAll(this.secrets.readSecret, this.secrets.writeSecret, this.secrets.resumptionMasterSecret);
  }

  private receiveKeyUpdate(msg: HandshakeMessage, io: HandshakeIO): Next {
    const requested = readKeyUpdate(msg);
    // RFC 8446 §4.6.3: switch our read keys now; the next record from the peer uses the new ones.
    const readSecret = nextTrafficSecret(io.provider, this.secrets.suite.hash, this.secrets.readSecret);
    io.setReadKeys(tls13Protection(io.provider, this.secrets.suite, readSecret), 'application');
    this.secrets.readSecret.wipe();
    const next = this.with({ secrets: { ...this.secrets, readSecret } });
    // RFC 8446 §4.6.3: a request is answered with our own KeyUpdate (update_not_requested) before
    // our next application data, unless we already sent close_notify, after which nothing may follow
    // (§6.1). Requests that arrive while keys from our last KeyUpdate have protected nothing yet are
    // met by it: one answer for a burst (as BoringSSL), not one KeyUpdate per request.
    if (!requested || io.closed) return next;
    if (this.updatedWriteKeys && this.updatedWriteKeys.sequence === 0) return next;
    return next.updateKeys(io, false);
  }

  updateKeys(io: HandshakeIO, requestPeerUpdate: boolean): Next {
    io.send(buildKeyUpdate(requestPeerUpdate));
    const writeSecret = nextTrafficSecret(io.provider, this.secrets.suite.hash, this.secrets.writeSecret);
    const protection = tls13Protection(io.provider, this.secrets.suite, writeSecret);
    io.setWriteKeys(protection, 'application');
    this.secrets.writeSecret.wipe();
    return this.with({ secrets: { ...this.secrets, writeSecret }, updatedWriteKeys: protection });
  }

  // ---- post-handshake authentication, client side ----

  /** RFC 8446 §4.6.2: Certificate, CertificateVerify and Finished over the handshake plus this request. */
  private answerCertificateRequest(msg: HandshakeMessage, io: HandshakeIO): Next {
    const request = readCertificateRequest13(msg);
    // RFC 8446 §4.3.2: a post-handshake request carries a non-empty context.
    if (request.requestContext.length === 0) throw illegalParameter('post-handshake certificate_request has an empty context');
    const transcript = io.transcript.fork();
    transcript.add(msg.raw);
    const config = this.auth!.config as ClientConfig;
    const chosen = chooseClientCertificate(config.certificates, config.signingSchemes ?? config.signatureSchemes, request);
    const sendAndAdd = (m: HandshakeMessage): void => {
      transcript.add(io.send(m).raw);
    };
    const finish = (): Next => {
      const mac = computeFinished(io.provider, this.secrets.suite.hash, this.secrets.writeSecret, transcript.current());
      io.send(buildFinished(mac));
      return this;
    };
    if (!chosen) {
      sendAndAdd(buildCertificate13(request.requestContext, []));
      return finish();
    }
    sendAndAdd(buildCertificate13(request.requestContext, chosen.certificate.chain));
    io.info.localCertificates = chosen.certificate.chain;
    return sendCertificateVerify13(io, chosen.certificate, chosen.scheme, 'client', () => finish(), transcript);
  }

  // ---- post-handshake authentication, server side ----

  /** Server: ask the client for a certificate now (it must have offered post_handshake_auth). */
  requestCertificate(io: HandshakeIO): Next {
    if (this.side !== 'server') throw new TlsError('internal_error', 'only a server asks for a client certificate');
    if (!this.auth?.offered) throw new TlsError('internal_error', 'the client did not offer post-handshake authentication');
    if (this.auth.pending) throw new TlsError('internal_error', 'a certificate request is already in progress');
    const context = io.provider.randomBytes(32);
    const transcript = io.transcript.fork();
    const request: CertificateRequest13 = {
      requestContext: context,
      // As the handshake's CertificateRequest (server/tls13.ts): every scheme, RFC 8446 §4.2.3.
      signatureAlgorithms: this.auth.config.signatureSchemes.map((s) => s.id),
    };
    transcript.add(io.send(buildCertificateRequest13(request)).raw);
    return this.with({ auth: { ...this.auth, pending: { context, transcript, stage: 'certificate' } } });
  }

  private continueAuthentication(msg: HandshakeMessage, io: HandshakeIO): Next {
    const auth = this.auth!;
    const pending = auth.pending!;
    const advance = (next: PendingAuthentication): Connected13 => this.with({ auth: { ...auth, pending: next } });
    // KeyUpdate may interleave; other messages wait their turn as unexpected.
    if (msg.type === HandshakeType.key_update) return this.receiveKeyUpdate(msg, io);
    switch (pending.stage) {
      case 'certificate': {
        if (msg.type !== HandshakeType.certificate) break;
        const cert = readCertificate13(msg, { maxChainLength: auth.config.limits.maxChainLength });
        if (!equalBytes(cert.requestContext, pending.context)) throw illegalParameter('client certificate does not echo the request context');
        checkEntryExtensions(cert, [], 'client'); // our CertificateRequest asks for none
        const chain = cert.entries.map((e) => e.certData);
        io.step({ step: 'certificate', side: 'client', certificates: chain });
        const { context, transcript } = pending;
        if (chain.length === 0) {
          // RFC 8446 §4.4.2.4: no certificate; we may go on (the identity stays as it was) or abort.
          if (auth.config.rejectUnauthorized) throw new TlsError('certificate_required', 'client sent no certificate, and one is required');
          transcript.add(msg.raw);
          const answer: ClientAnswer = {
            certificates: [],
            authorized: false,
            authorizationError: certificateError('noClientCertificate', 'client sent no certificate'),
          };
          return advance({ stage: 'finished', context, transcript, answer });
        }
        return validatePeerChain(io, auth.config, chain, 'client', undefined, (validation, peerKey) => {
          transcript.add(msg.raw);
          return advance({ stage: 'certificate-verify', context, transcript, answer: { certificates: chain, ...validation }, peerKey });
        });
      }
      case 'certificate-verify': {
        if (msg.type !== HandshakeType.certificate_verify) break;
        const { context, transcript, answer } = pending;
        // RFC 8446 §4.4.3: the signature over the post-handshake transcript proves the client holds the key.
        return verifyCertificateVerify13(
          io,
          auth.config,
          readCertificateVerify(msg),
          pending.peerKey,
          'client',
          (_io, signatureScheme) => {
            transcript.add(msg.raw);
            return advance({ stage: 'finished', context, transcript, answer: { ...answer, signatureScheme } });
          },
          transcript,
        );
      }
      case 'finished': {
        if (msg.type !== HandshakeType.finished) break;
        // RFC 8446 §4.4.4, §4.6.2: Finished over the handshake, the request and the answer, keyed with
        // the client's application traffic secret.
        const verifyData = readFinished(msg, hashLength[this.secrets.suite.hash]);
        if (!verifyFinished(io.provider, this.secrets.suite.hash, this.secrets.readSecret, pending.transcript.current(), verifyData)) {
          throw decryptError('client Finished after post-handshake authentication does not verify');
        }
        io.step({ step: 'finished', side: 'client', verified: true });
        const next = this.with({ auth: { offered: auth.offered, config: auth.config } });
        // Only now does what the client proved become the connection's peer identity.
        io.postHandshakeAuthenticated(pending.answer);
        return next;
      }
    }
    throw new TlsError('unexpected_message', `expected the client's ${pending.stage.replace('-', '_')}, peer sent ${handshakeTypeName(msg.type)}`);
  }
}
