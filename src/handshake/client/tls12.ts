// The TLS 1.2 client after ServerHello (RFC 5246 §7.3): the full handshake with ECDHE or RSA key
// transport, and the abbreviated one that resumes a session (§7.3 Figure 2, RFC 5077 §3.1).
import { TlsError, decodeError, decryptError, illegalParameter } from '../../errors.js';
import type { PublicKey } from '../../crypto/provider.js';
import { Secret } from '../../crypto/secret.js';
import type { ClientConfig } from '../config.js';
import { buildCertificate12, readCertificate12 } from '../../messages/certificate.js';
import { buildCertificateVerify } from '../../messages/certificate-verify.js';
import { buildFinished, readFinished } from '../../messages/finished.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import type { ServerHelloMessage } from '../../messages/server-hello.js';
import {
  buildClientKeyExchange,
  readCertificateRequest12,
  readNewSessionTicket12,
  readServerHelloDone,
  readServerKeyExchange,
  type CertificateRequest12,
} from '../../messages/tls12.js';
import { cipherSuiteById, cipherSuiteName, type CipherSuite } from '../../protocol/cipher-suites.js';
import { HandshakeType, ProtocolVersion } from '../../protocol/constants.js';
import { groupById, groupName, type NamedGroup } from '../../protocol/groups.js';
import { PlaintextProtection } from '../../record/protection.js';
import { ascii, concat, equalBytes } from '../../wire/bytes.js';
import { authenticatePeerChain, signWith, verifyPeerSignature } from '../authentication.js';
import { checkPeerSignatureScheme, chooseClientCertificate } from '../negotiation.js';
import { peerForSession, resumeAuthentication } from '../session.js';
import { trustDigest } from '../trust-binding.js';
import { expect, unexpected, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { tls12ExporterFor } from '../tls12/exporter.js';
import { Connected12 } from '../tls12/connected.js';
import { keyBlockFor, keylogMaster, tls12Protection } from '../tls12/keys.js';
import { VERIFY_DATA_LENGTH, deriveMasterSecret, finishedVerifyData, verifyFinished12, wipeKeyBlock } from '../tls12/prf.js';
import type { ClientOffer } from './client-hello.js';
import { readCertificateStatus } from '../../messages/extensions/status-request.js';

interface Client12Context {
  readonly config: ClientConfig;
  readonly offer: ClientOffer;
  readonly suite: CipherSuite;
  readonly serverHello: ServerHelloMessage;
}

/** Takes over from ExpectServerHello once the server chose TLS 1.2. */
export function serverHello12(config: ClientConfig, offer: ClientOffer, sh: ServerHelloMessage, io: HandshakeIO): HandshakeState {
  const suite = cipherSuiteById(sh.cipherSuite);
  if (!suite || suite.version !== 'TLSv1.2' || !offer.cipherSuites.includes(suite)) {
    throw illegalParameter(`server chose cipher suite ${cipherSuiteName(sh.cipherSuite)}, which we did not offer for TLS 1.2`);
  }
  // RFC 5746 §3.4: on an initial handshake, renegotiation_info must be empty.
  if (sh.renegotiationInfo && sh.renegotiationInfo.length !== 0)
    throw new TlsError('handshake_failure', 'server sent a non-empty renegotiation_info on an initial handshake');
  if (sh.alpn) {
    const chosen = ascii(sh.alpn);
    if (!config.alpnProtocols.some((p) => ascii(p) === chosen)) throw illegalParameter(`server chose application protocol "${chosen}", which we did not offer`);
    io.info.alpnProtocol = chosen;
  }
  if (sh.recordSizeLimit !== undefined) {
    // RFC 8449 §4: in TLS 1.2 the limit is the plaintext length, at most 2^14.
    io.setSendLimit(sh.recordSizeLimit);
    if (config.recordSizeLimit !== undefined) io.setReceiveLimit(config.recordSizeLimit);
  }
  io.info.version = 'TLSv1.2';
  io.info.cipherSuite = suite;
  io.info.extendedMasterSecret = sh.extendedMasterSecret;
  io.transcript.setHash(suite.hash);
  io.transcript.add(sh.raw);
  // RFC 5246 Appendix E.1: from here on our records carry the negotiated version.
  io.setWriteKeys(new PlaintextProtection(ProtocolVersion.TLSv1_2), 'handshake');
  const ctx: Client12Context = { config, offer, suite, serverHello: sh };

  // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the server echoing our session id means it resumes, and
  // only the session we offered can be resumed. A non-empty id we sent without a session is the
  // TLS 1.3 compatibility id (RFC 8446 Appendix D.4): a TLS 1.2 server echoing it claims to resume
  // a session that never existed.
  const resumable = offer.session12;
  if (!resumable && offer.sessionId.length > 0 && equalBytes(sh.sessionId, offer.sessionId)) {
    throw illegalParameter('TLS 1.2 server_hello echoes the session id we sent without a session to resume');
  }
  if (resumable && offer.sessionId.length > 0 && equalBytes(sh.sessionId, offer.sessionId)) {
    if (resumable.cipherSuite !== suite.id) throw illegalParameter('server resumed a session with a different cipher suite');
    // RFC 7627 §5.3: the resumed handshake must agree with the session on the extended master secret.
    if (resumable.extendedMasterSecret !== sh.extendedMasterSecret)
      throw new TlsError('handshake_failure', 'server resumed a session without the extended master secret it was created with');
    resumeAuthentication(io.info, resumable);
    io.step({ step: 'server-hello', version: 'TLSv1.2', cipherSuite: suite.name, resumed: true });
    const master = new Secret(resumable.secret.expose().slice());
    keylogMaster(io, master);
    return new ExpectServerFinishedAbbreviated(ctx, master, sh.sessionTicket);
  }
  io.step({ step: 'server-hello', version: 'TLSv1.2', cipherSuite: suite.name, resumed: false });
  return new ExpectServerCertificate(ctx);
}

class ExpectServerCertificate implements HandshakeState {
  readonly kind = 'client12-expect-certificate';
  constructor(private readonly ctx: Client12Context) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate');
    const chain = readCertificate12(msg, { maxChainLength: this.ctx.config.limits.maxChainLength });
    if (chain.length === 0) throw decodeError('server sent an empty certificate list');
    io.step({ step: 'certificate', side: 'server', certificates: chain });
    return authenticatePeerChain(
      io,
      this.ctx.config,
      chain,
      'server',
      this.ctx.config.serverName,
      (key, resumed) => {
        checkKeyFitsSuite(key, this.ctx.suite, this.ctx.offer.groups);
        resumed.transcript.add(msg.raw);
        const next =
          this.ctx.suite.keyExchange === 'ecdhe' ? new ExpectServerKeyExchange(this.ctx, key) : new ExpectCertificateRequestOrDone(this.ctx, key, undefined);
        return this.ctx.serverHello.statusRequest ? new MaybeCertificateStatus(next) : next;
      },
      this.ctx.config.serverIdentity,
    );
  }
}

/** RFC 6066 §8: after announcing it, the server may send a CertificateStatus before going on. */
class MaybeCertificateStatus implements HandshakeState {
  readonly kind = 'client12-expect-certificate-status';
  constructor(private readonly next: HandshakeState) {}

  wipe(): void {
    this.next.wipe?.();
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (msg.type !== HandshakeType.certificate_status) return this.next.handle(msg, io);
    io.info.ocspResponse = readCertificateStatus(msg);
    io.transcript.add(msg.raw);
    return this.next;
  }
}

/** RFC 8422 §5.3 / RFC 5246 §7.4.2: the certificate's key must be of the suite's authentication type. */
function checkKeyFitsSuite(key: PublicKey, suite: CipherSuite, offeredGroups: readonly NamedGroup[]): void {
  const ok =
    suite.authentication === 'ecdsa'
      ? key.type === 'ec' || key.type === 'ed25519' || key.type === 'ed448'
      : key.type === 'rsa' || (key.type === 'rsa-pss' && suite.keyExchange === 'ecdhe');
  if (!ok) throw new TlsError('unsupported_certificate', `server certificate has a ${key.type} key, which ${suite.name} cannot use`);
  // RFC 8422 §5.1: in TLS 1.2 our supported_groups also names the curves we accept ECDSA keys on
  // (TLS 1.3 moved that into the signature schemes).
  if (key.type === 'ec' && !offeredGroups.some((g) => g.opensslName === key.curve)) {
    throw illegalParameter(`server certificate has an ECDSA key on ${key.curve ?? 'an unknown curve'}, a curve we did not offer`);
  }
}

class ExpectServerKeyExchange implements HandshakeState {
  readonly kind = 'client12-expect-server-key-exchange';
  constructor(
    private readonly ctx: Client12Context,
    private readonly key: PublicKey,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'server_key_exchange');
    const ske = readServerKeyExchange(msg);
    const group = groupById(ske.params.group);
    // RFC 8422 §5.4: the curve must be one we offered.
    if (!group || group.kem || !this.ctx.offer.groups.includes(group))
      throw illegalParameter(`server chose group ${groupName(ske.params.group)}, which we did not offer for TLS 1.2`);
    const scheme = checkPeerSignatureScheme(ske.signed.scheme, this.ctx.config.signatureSchemes, this.key, false);
    // RFC 5246 §7.4.3 / RFC 8422 §5.4: the signature covers client_random + server_random + params.
    const signedContent = concat(this.ctx.offer.random, this.ctx.serverHello.random, ske.params.raw);
    return verifyPeerSignature(io, this.key, scheme, signedContent, ske.signed.signature, 'server_key_exchange', (resumed) => {
      resumed.info.peerSignatureScheme = scheme;
      resumed.info.group = group;
      resumed.step({ step: 'certificate-verify', side: 'server', scheme: scheme.name });
      resumed.transcript.add(msg.raw);
      return new ExpectCertificateRequestOrDone(this.ctx, this.key, { group: group.id, publicKey: ske.params.publicKey });
    });
  }
}

interface ServerShare {
  readonly group: number;
  readonly publicKey: Uint8Array;
}

class ExpectCertificateRequestOrDone implements HandshakeState {
  readonly kind = 'client12-expect-server-hello-done';
  constructor(
    private readonly ctx: Client12Context,
    private readonly key: PublicKey,
    private readonly share: ServerShare | undefined,
    private readonly request?: CertificateRequest12,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (msg.type === HandshakeType.certificate_request && !this.request) {
      const request = readCertificateRequest12(msg);
      io.transcript.add(msg.raw);
      return new ExpectCertificateRequestOrDone(this.ctx, this.key, this.share, request);
    }
    expect(msg, 'server_hello_done');
    readServerHelloDone(msg);
    io.transcript.add(msg.raw);
    return this.sendFlight(io);
  }

  /** RFC 5246 §7.3: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished. */
  private sendFlight(io: HandshakeIO): Next {
    const { config, suite, offer, serverHello } = this.ctx;
    const p = io.provider;
    const signer = this.request
      ? chooseClientCertificate(config.certificates, config.signingSchemes ?? config.signatureSchemes, this.request, false)
      : undefined;
    if (this.request) io.send(buildCertificate12(signer ? signer.certificate.chain : []));
    if (this.request && signer) io.info.localCertificates = signer.certificate.chain;

    let preMaster: Secret;
    if (suite.keyExchange === 'ecdhe') {
      const share = this.share!;
      const ours = p.generateKeyShare(groupById(share.group)!.name);
      preMaster = ours.agree(share.publicKey);
      io.step({ step: 'key-exchange', group: ours.group, ourShareBytes: ours.publicKey.length, peerShareBytes: share.publicKey.length });
      io.send(buildClientKeyExchange('ecdhe', ours.publicKey));
    } else {
      // RFC 5246 §7.4.7.1: the premaster secret is client_version(2) || random(46), sent encrypted.
      const secret = concat(Uint8Array.of(0x03, 0x03), p.randomBytes(46));
      preMaster = new Secret(secret);
      const encrypted = p.rsaEncryptPkcs1(this.key, secret);
      io.step({ step: 'rsa-key-transport', side: 'client', ciphertextBytes: encrypted.length });
      io.send(buildClientKeyExchange('rsa', encrypted));
    }
    const master = deriveMasterSecret(
      p,
      suite.hash,
      preMaster,
      serverHello.extendedMasterSecret
        ? { extended: true, sessionHash: io.transcript.current() }
        : { extended: false, clientRandom: offer.random, serverRandom: serverHello.random },
    );
    preMaster.wipe();
    keylogMaster(io, master);

    const finish = (resumed: HandshakeIO): Next => {
      const block = keyBlockFor(resumed, suite, master, offer.random, serverHello.random);
      resumed.sendChangeCipherSpec();
      resumed.setWriteKeys(tls12Protection(resumed, suite, block, 'client'), 'application');
      resumed.send(buildFinished(finishedVerifyData(resumed.provider, suite.hash, master, 'client', resumed.transcript.current())));
      resumed.step({ step: 'finished', side: 'client', verified: true });
      return new ExpectServerTicketOrCcs(this.ctx, master, block, serverHello.sessionTicket);
    };
    if (!signer) return finish(io);
    // RFC 5246 §7.4.8: the signature covers every handshake message so far.
    return signWith(io, signer.certificate, signer.scheme.algorithm, concat(...io.transcript.messages), (signature, resumed) => {
      resumed.send(buildCertificateVerify(signer.scheme.id, signature));
      return finish(resumed);
    });
  }
}

/** After our Finished: [NewSessionTicket], ChangeCipherSpec, Finished from the server. */
class ExpectServerTicketOrCcs implements HandshakeState {
  readonly kind = 'client12-expect-change-cipher-spec';
  constructor(
    private readonly ctx: Client12Context,
    private readonly master: Secret,
    private readonly block: ReturnType<typeof keyBlockFor>,
    private readonly ticketExpected: boolean,
    private readonly ticket?: { lifetime: number; ticket: Uint8Array },
  ) {}

  wipe(): void {
    this.master.wipe();
    wipeKeyBlock(this.block);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    // RFC 5077 §3.3: NewSessionTicket comes before ChangeCipherSpec, and only if announced.
    if (msg.type !== HandshakeType.new_session_ticket || !this.ticketExpected || this.ticket) unexpected(msg, 'change_cipher_spec');
    const nst = readNewSessionTicket12(msg);
    io.transcript.add(msg.raw);
    return new ExpectServerTicketOrCcs(this.ctx, this.master, this.block, this.ticketExpected, { lifetime: nst.lifetimeHint, ticket: nst.ticket });
  }

  changeCipherSpec(io: HandshakeIO): Next {
    // RFC 5077 §3.3: a server that announced a ticket sends NewSessionTicket (empty if it changed its mind).
    if (this.ticketExpected && !this.ticket)
      throw new TlsError('unexpected_message', 'server sent change_cipher_spec without the new_session_ticket it announced');
    io.setReadKeys(tls12Protection(io, this.ctx.suite, this.block, 'server'), 'application');
    return new ExpectServerFinished(this.ctx, this.master, this.ticket);
  }
}

class ExpectServerFinished implements HandshakeState {
  readonly kind = 'client12-expect-finished';
  constructor(
    private readonly ctx: Client12Context,
    private readonly master: Secret,
    private readonly ticket?: { lifetime: number; ticket: Uint8Array },
  ) {}

  wipe(): void {
    this.master.wipe();
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'finished');
    const { suite, config, serverHello } = this.ctx;
    const verifyData = readFinished(msg, VERIFY_DATA_LENGTH);
    if (!verifyFinished12(io.provider, suite.hash, this.master, 'server', io.transcript.current(), verifyData)) {
      throw decryptError('server Finished does not match the handshake (tampered with, or a different key exchange)');
    }
    io.transcript.add(msg.raw);
    io.step({ step: 'finished', side: 'server', verified: true });
    io.setExporter(tls12ExporterFor(io, suite, this.master, this.ctx.offer.random, serverHello.random));
    io.complete();
    emitSession(io, config, suite, this.master, serverHello, this.ticket);
    this.master.wipe(); // the session (if any) and the exporter hold their own copies
    return new Connected12('client');
  }
}

/** Abbreviated handshake (RFC 5246 §7.3 Figure 2): the server sends [NewSessionTicket], CCS and Finished first. */
class ExpectServerFinishedAbbreviated implements HandshakeState {
  readonly kind = 'client12-expect-finished-resumed';
  constructor(
    private readonly ctx: Client12Context,
    private readonly master: Secret,
    private readonly ticketExpected: boolean,
    private readonly ticket?: { lifetime: number; ticket: Uint8Array },
    private readonly readKeysSet = false,
  ) {}

  wipe(): void {
    this.master.wipe();
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (!this.readKeysSet) {
      if (msg.type !== HandshakeType.new_session_ticket || !this.ticketExpected || this.ticket) unexpected(msg, 'change_cipher_spec');
      const nst = readNewSessionTicket12(msg);
      io.transcript.add(msg.raw);
      return new ExpectServerFinishedAbbreviated(this.ctx, this.master, this.ticketExpected, { lifetime: nst.lifetimeHint, ticket: nst.ticket });
    }
    expect(msg, 'finished');
    const { suite, offer, serverHello, config } = this.ctx;
    const p = io.provider;
    const verifyData = readFinished(msg, VERIFY_DATA_LENGTH);
    if (!verifyFinished12(p, suite.hash, this.master, 'server', io.transcript.current(), verifyData)) {
      throw decryptError('server Finished does not match the resumed session');
    }
    io.transcript.add(msg.raw);
    io.step({ step: 'finished', side: 'server', verified: true });
    const block = keyBlockFor(io, suite, this.master, offer.random, serverHello.random);
    io.sendChangeCipherSpec();
    io.setWriteKeys(tls12Protection(io, suite, block, 'client'), 'application');
    io.send(buildFinished(finishedVerifyData(p, suite.hash, this.master, 'client', io.transcript.current())));
    io.step({ step: 'finished', side: 'client', verified: true });
    io.setExporter(tls12ExporterFor(io, suite, this.master, offer.random, serverHello.random));
    io.complete();
    if (this.ticket) emitSession(io, config, suite, this.master, serverHello, this.ticket);
    this.master.wipe();
    return new Connected12('client');
  }

  changeCipherSpec(io: HandshakeIO): Next {
    if (this.readKeysSet) throw new TlsError('unexpected_message', 'server sent a second change_cipher_spec');
    if (this.ticketExpected && !this.ticket)
      throw new TlsError('unexpected_message', 'server sent change_cipher_spec without the new_session_ticket it announced');
    const { suite, offer, serverHello } = this.ctx;
    const block = keyBlockFor(io, suite, this.master, offer.random, serverHello.random);
    io.setReadKeys(tls12Protection(io, suite, block, 'server'), 'application');
    return new ExpectServerFinishedAbbreviated(this.ctx, this.master, this.ticketExpected, this.ticket, true);
  }
}

/** Offers the session for resumption: by ticket when the server gave one, else by session id. */
function emitSession(
  io: HandshakeIO,
  config: ClientConfig,
  suite: CipherSuite,
  master: Secret,
  sh: ServerHelloMessage,
  ticket: { lifetime: number; ticket: Uint8Array } | undefined,
): void {
  // RFC 5077 §3.3: an empty ticket means the server issued none; without a session id either, nothing resumes.
  if ((!ticket || ticket.ticket.length === 0) && sh.sessionId.length === 0) return;
  // RFC 7627 §5.3: sessions without the extended master secret are not resumed (our policy).
  if (!sh.extendedMasterSecret) return;
  io.newSession({
    version: ProtocolVersion.TLSv1_2,
    cipherSuite: suite.id,
    secret: master,
    extendedMasterSecret: sh.extendedMasterSecret,
    issuedAt: config.now().getTime(),
    lifetime: ticket && ticket.lifetime > 0 ? Math.min(ticket.lifetime, 7 * 24 * 3600) : 300,
    ...(config.serverName !== undefined ? { serverName: config.serverName } : {}),
    ...(io.info.alpnProtocol !== undefined ? { alpnProtocol: io.info.alpnProtocol } : {}),
    // A resumed connection's info holds the session's authentication and its time (resumeAuthentication).
    ...peerForSession(io.info, trustDigest(config), config.now().getTime()),
    ...(sh.sessionId.length > 0 ? { sessionId: sh.sessionId.slice() } : {}),
    ...(ticket && ticket.ticket.length > 0 ? { ticket: ticket.ticket.slice() } : {}),
  });
}
