// The TLS 1.2 server (RFC 5246 §7.3): full handshakes with ECDHE (RFC 8422) or RSA key transport,
// and abbreviated ones resuming a session by id or by ticket (RFC 5077).
import { TlsError, decryptError, handshakeFailure, illegalParameter } from '../../errors.js';
import { certificateError } from '../../x509/failure.js';
import type { CurveName, PublicKey } from '../../crypto/provider.js';
import { Secret } from '../../crypto/secret.js';
import type { CertifiedKey, ServerConfig } from '../config.js';
import type { ClientHelloMessage } from '../../messages/client-hello.js';
import { buildCertificate12, readCertificate12 } from '../../messages/certificate.js';
import { readCertificateVerify } from '../../messages/certificate-verify.js';
import type { Extension } from '../../messages/extensions/extension.js';
import { writeAlpnList } from '../../messages/extensions/alpn.js';
import { writeEcPointFormats, EC_POINT_FORMAT_UNCOMPRESSED } from '../../messages/extensions/ec-point-formats.js';
import { writeRenegotiationInfo } from '../../messages/extensions/renegotiation-info.js';
import { buildFinished, readFinished } from '../../messages/finished.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { buildServerHello } from '../../messages/server-hello.js';
import {
  ClientCertificateType,
  buildCertificateRequest12,
  buildNewSessionTicket12,
  buildServerHelloDone,
  buildServerKeyExchange,
  encodeServerEcdhParams,
  readClientKeyExchange,
} from '../../messages/tls12.js';
import { cipherSuiteName, type CipherSuite } from '../../protocol/cipher-suites.js';
import { DOWNGRADE_TLS12, ExtensionType as E, ProtocolVersion, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV } from '../../protocol/constants.js';
import { secp256r1, secp384r1, secp521r1, type NamedGroup } from '../../protocol/groups.js';
import type { SignatureScheme } from '../../protocol/signature-schemes.js';
import { ascii, concat } from '../../wire/bytes.js';
import { encode } from '../../wire/writer.js';
import { authenticatePeerChain, signWith, verifyPeerSignature } from '../authentication.js';
import { checkPeerSignatureScheme, chooseServerAlpn, chooseSignatureScheme } from '../negotiation.js';
import {
  decodeSession,
  encodeSessionWithinLimit,
  peerForSession,
  renewedLifetime,
  resumeAuthentication,
  sessionIsFresh,
  type SessionState,
} from '../session.js';
import { sessionAuthenticationFits, trustDigest } from '../trust-binding.js';
import { expect, unexpected, whenReady, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { tls12ExporterFor } from '../tls12/exporter.js';
import { Connected12 } from '../tls12/connected.js';
import { keyBlockFor, keylogMaster, tls12Protection } from '../tls12/keys.js';
import { VERIFY_DATA_LENGTH, deriveMasterSecret, finishedVerifyData, verifyFinished12, wipeKeyBlock } from '../tls12/prf.js';
import { decryptPreMasterSecret } from '../tls12/rsa-premaster.js';
import { buildCertificateStatus } from '../../messages/extensions/status-request.js';

interface Choice {
  readonly suite: CipherSuite;
  readonly group?: NamedGroup;
  readonly certificate: CertifiedKey;
  /** Signs the ServerKeyExchange (ECDHE suites only). */
  readonly scheme?: SignatureScheme;
}

// RFC 8422 §5.1.1: the NamedCurve of an ECDSA key's curve.
const curveGroup: Record<CurveName, number> = { 'P-256': secp256r1.id, 'P-384': secp384r1.id, 'P-521': secp521r1.id };

/**
 * RFC 8422 §5.1, §5.3: an ECDSA certificate is usable only if its key is on a curve the client
 * listed in supported_groups (clients such as OpenSSL abort with illegal_parameter otherwise).
 * (Without the extension no ECDHE suite is chosen: chooseSuite12.) EdDSA keys are governed by
 * signature_algorithms.
 */
function curveAcceptable(certificate: CertifiedKey, hello: ClientHelloMessage): boolean {
  const { type, curve } = certificate.key;
  if (type !== 'ec' || !hello.supportedGroups) return true;
  return curve !== undefined && hello.supportedGroups.includes(curveGroup[curve]);
}

/** Our first suite the client offered that we can complete: a shared group and a usable certificate. */
function chooseSuite12(config: ServerConfig, hello: ClientHelloMessage, certificates: readonly CertifiedKey[]): Choice {
  const offered = new Set(hello.cipherSuites);
  // RFC 8422 §4 leaves a server free to pick any curve for a client that sent no supported_groups,
  // or to negotiate no ECC suite: we do the latter, as OpenSSL and BoringSSL (BoGo NoSupportedCurves),
  // rather than guess a curve the client may lack. RSA key transport suites remain.
  const clientGroups = hello.supportedGroups ?? [];
  // RFC 8422 §5.1.2: without uncompressed points in ec_point_formats, no ECDHE.
  const ecOk = !hello.ecPointFormats || hello.ecPointFormats.includes(EC_POINT_FORMAT_UNCOMPRESSED);
  // RFC 8422: TLS 1.2 ECDHE needs an elliptic curve, not a KEM.
  const group = config.groups.find((g) => !g.kem && clientGroups.includes(g.id));
  // RFC 5246 §7.4.1.4.1: without signature_algorithms the client accepts only SHA-1, which we never use.
  const peerSchemes = hello.signatureAlgorithms ?? [];
  for (const suite of config.cipherSuites) {
    if (suite.version !== 'TLSv1.2' || !offered.has(suite.id)) continue;
    if (suite.keyExchange === 'rsa') {
      // RSA key transport decrypts with the key here: a remote signer cannot do it.
      const certificate = certificates.find((c) => c.key.type === 'rsa' && !c.sign);
      if (certificate) return { suite, certificate };
      continue;
    }
    if (!ecOk || !group) continue;
    for (const certificate of certificates) {
      const fits =
        suite.authentication === 'ecdsa' ? ['ec', 'ed25519', 'ed448'].includes(certificate.key.type) : ['rsa', 'rsa-pss'].includes(certificate.key.type);
      if (!fits || !curveAcceptable(certificate, hello)) continue;
      const scheme = chooseSignatureScheme(config.signingSchemes ?? config.signatureSchemes, peerSchemes, certificate.key, false);
      if (scheme) return { suite, group, certificate, scheme };
    }
  }
  const ours = config.cipherSuites.filter((s) => s.version === 'TLSv1.2').map((s) => s.name);
  const theirs = hello.cipherSuites.map(cipherSuiteName);
  throw handshakeFailure(
    `no TLS 1.2 cipher suite we can complete: the client offered ${theirs.join(', ')}; we support ${ours.join(', ') || 'none'}${group ? '' : ' (and no shared group)'}`,
  );
}

interface Server12Context {
  readonly config: ServerConfig;
  readonly hello: ClientHelloMessage;
  readonly suite: CipherSuite;
  readonly serverRandom: Uint8Array;
  readonly sessionId: Uint8Array;
  /** The client asked for tickets and we issue them. */
  readonly issueTicket: boolean;
}

/** The server's answer to a ClientHello that negotiated TLS 1.2. */
export function respond12(config: ServerConfig, hello: ClientHelloMessage, io: HandshakeIO, certificates: readonly CertifiedKey[]): Next {
  // The session the client offers, if we hold it; a session store may answer asynchronously.
  return whenReady(offeredSessionBytes(config, hello), 'session lookup', (bytes, resumed) => respondWith(config, hello, resumed, certificates, bytes), io);
}

function respondWith(
  config: ServerConfig,
  hello: ClientHelloMessage,
  io: HandshakeIO,
  certificates: readonly CertifiedKey[],
  sessionBytes: Uint8Array | undefined,
): Next {
  // RFC 5246 §7.4.1.2: the null compression method must be offered.
  if (!hello.compressionMethods.includes(0)) throw illegalParameter('client_hello does not offer the null compression method');
  // RFC 7507 §3: a fallback retry while we could do better is an attack or a broken network.
  if (hello.cipherSuites.includes(TLS_FALLBACK_SCSV) && config.maxVersion > ProtocolVersion.TLSv1_2) {
    throw new TlsError('inappropriate_fallback', 'client retried with a lower version (TLS_FALLBACK_SCSV) although we support TLS 1.3');
  }
  // RFC 5746 §3.6: an initial handshake carries an empty renegotiation_info (or the SCSV).
  if (hello.renegotiationInfo && hello.renegotiationInfo.length !== 0)
    throw handshakeFailure('client_hello has a non-empty renegotiation_info on an initial handshake');
  const secureRenegotiation = hello.renegotiationInfo !== undefined || hello.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

  const alpn = chooseServerAlpn(config, hello.alpn, hello.serverName);
  const random = io.provider.randomBytes(32);
  // RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 marks its random.
  if (config.maxVersion >= ProtocolVersion.TLSv1_3) random.set(DOWNGRADE_TLS12, 24);
  io.info.version = 'TLSv1.2';
  io.info.extendedMasterSecret = hello.extendedMasterSecret;
  if (hello.recordSizeLimit !== undefined) {
    // RFC 8449 §4: in TLS 1.2 the limit is the plaintext length, at most 2^14.
    io.setSendLimit(Math.min(hello.recordSizeLimit, 16384));
    io.setReceiveLimit(Math.min(config.recordSizeLimit ?? 16384, 16384));
  }
  if (alpn) io.info.alpnProtocol = ascii(alpn);
  const issueTicket = config.ticketKeyring !== undefined && hello.sessionTicket !== undefined;

  const extensions = (suite: CipherSuite, ticket: boolean, staple = false): Extension[] => {
    const list: Extension[] = [];
    if (staple) list.push({ type: E.status_request, body: new Uint8Array(0) });
    if (secureRenegotiation) list.push({ type: E.renegotiation_info, body: encode((w) => writeRenegotiationInfo(w, new Uint8Array(0))) });
    if (hello.extendedMasterSecret) list.push({ type: E.extended_master_secret, body: new Uint8Array(0) });
    if (suite.keyExchange === 'ecdhe' && hello.ecPointFormats) list.push({ type: E.ec_point_formats, body: encode((w) => writeEcPointFormats(w)) });
    if (alpn) list.push({ type: E.application_layer_protocol_negotiation, body: encode((w) => writeAlpnList(w, [alpn])) });
    if (ticket) list.push({ type: E.session_ticket, body: new Uint8Array(0) });
    if (hello.recordSizeLimit !== undefined)
      list.push({ type: E.record_size_limit, body: encode((w) => w.u16(Math.min(config.recordSizeLimit ?? 16384, 16384))) });
    return list;
  };

  const resumed = findSession(config, hello, sessionBytes);
  if (resumed) {
    const { session, suite } = resumed;
    const ctx: Server12Context = { config, hello, suite, serverRandom: random, sessionId: hello.sessionId, issueTicket };
    io.info.cipherSuite = suite;
    resumeAuthentication(io.info, session);
    io.transcript.setHash(suite.hash);
    io.transcript.add(hello.raw);
    io.send(buildServerHello({ random, sessionId: hello.sessionId, cipherSuite: suite.id, extensions: extensions(suite, issueTicket) }));
    io.step({ step: 'server-hello', version: 'TLSv1.2', cipherSuite: suite.name, resumed: true });
    const master = new Secret(session.secret.expose().slice());
    keylogMaster(io, master);
    if (issueTicket) sendTicket(io, ctx, master);
    const block = keyBlockFor(io, suite, master, hello.random, random);
    io.sendChangeCipherSpec();
    io.setWriteKeys(tls12Protection(io, suite, block, 'server'), 'application');
    io.send(buildFinished(finishedVerifyData(io.provider, suite.hash, master, 'server', io.transcript.current())));
    io.step({ step: 'finished', side: 'server', verified: true });
    return new ExpectClientCcs(ctx, master, block, false);
  }

  const choice = chooseSuite12(config, hello, certificates);
  const { suite } = choice;
  io.info.cipherSuite = suite;
  if (choice.group) io.info.group = choice.group;
  io.transcript.setHash(suite.hash);
  io.transcript.add(hello.raw);
  // A session id lets the client resume from our cache (RFC 5246 §7.4.1.3).
  const sessionId = config.sessionStore ? io.provider.randomBytes(32) : new Uint8Array(0);
  const ctx: Server12Context = { config, hello, suite, serverRandom: random, sessionId, issueTicket };
  // RFC 6066 §8: an empty status_request announces a CertificateStatus after the Certificate.
  const staple = hello.statusRequest && choice.certificate.ocspResponse !== undefined;
  io.send(buildServerHello({ random, sessionId, cipherSuite: suite.id, extensions: extensions(suite, issueTicket, staple) }));
  io.step({ step: 'server-hello', version: 'TLSv1.2', cipherSuite: suite.name, ...(choice.group ? { group: choice.group.name } : {}), resumed: false });
  io.send(buildCertificate12(choice.certificate.chain));
  io.info.localCertificates = choice.certificate.chain;
  if (staple) io.send(buildCertificateStatus(choice.certificate.ocspResponse!));
  io.step({ step: 'certificate', side: 'server', certificates: choice.certificate.chain });

  const rest = (keyExchange: KeyExchange12, resumed: HandshakeIO): Next => {
    if (config.requestCert) {
      resumed.send(
        buildCertificateRequest12({
          certificateTypes: Uint8Array.of(ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign),
          signatureAlgorithms: config.signatureSchemes.map((s) => s.id),
          certificateAuthorities: config.certificateAuthorities ?? [],
        }),
      );
    }
    resumed.send(buildServerHelloDone());
    return config.requestCert ? new ExpectClientCertificate12(ctx, keyExchange) : new ExpectClientKeyExchange(ctx, keyExchange, undefined);
  };
  if (suite.keyExchange === 'rsa') return rest({ kind: 'rsa', key: choice.certificate.key }, io);
  const share = io.provider.generateKeyShare(choice.group!.name);
  const params = encodeServerEcdhParams(choice.group!.id, share.publicKey);
  // RFC 8422 §5.4: sign client_random + server_random + ServerECDHParams.
  return signWith(io, choice.certificate, choice.scheme!.algorithm, concat(hello.random, random, params), (signature, resumed) => {
    resumed.send(buildServerKeyExchange(params, choice.scheme!.id, signature));
    resumed.step({ step: 'certificate-verify', side: 'server', scheme: choice.scheme!.name });
    return rest({ kind: 'ecdhe', share }, resumed);
  });
}

type KeyExchange12 =
  | { readonly kind: 'ecdhe'; readonly share: ReturnType<ServerConfig['provider']['generateKeyShare']> }
  | { readonly kind: 'rsa'; readonly key: CertifiedKey['key'] };

/** The serialised session the client offered, by ticket first, then by id; undefined if we hold none. */
function offeredSessionBytes(config: ServerConfig, hello: ClientHelloMessage): Uint8Array | undefined | Promise<Uint8Array | undefined> {
  const now = config.now().getTime();
  if (hello.sessionTicket && hello.sessionTicket.length > 0 && config.ticketKeyring) {
    const bytes = config.ticketKeyring.open(hello.sessionTicket, now);
    // RFC 5077 §3.4: the session id beside a ticket is optional; we echo it (empty or not), and a
    // client that sent none tells resumption from our next message (ChangeCipherSpec or Certificate).
    if (bytes) return bytes;
  }
  if (hello.sessionId.length > 0 && config.sessionStore) return config.sessionStore.get(hello.sessionId, now);
  return undefined;
}

/** The offered session (`bytes`, as held by us or given by a session store) if we can resume it. */
function findSession(
  config: ServerConfig,
  hello: ClientHelloMessage,
  bytes: Uint8Array | undefined,
): { session: SessionState; suite: CipherSuite } | undefined {
  const now = config.now().getTime();
  if (!bytes) return undefined;
  let session: SessionState;
  try {
    session = decodeSession(bytes);
  } catch {
    return undefined; // a session we cannot read is a session we do not have
  }
  const suite = config.cipherSuites.find((s) => s.id === session.cipherSuite);
  if (session.version !== ProtocolVersion.TLSv1_2 || !suite || !hello.cipherSuites.includes(suite.id)) return undefined;
  if (!sessionIsFresh(session, now)) return undefined;
  // RFC 7627 §5.3: a client that resumes a session made with the extended master secret but no longer
  // offers it: the server MUST abort the abbreviated handshake. As OpenSSL and BoringSSL, the whole
  // handshake (handshake_failure): the client's own state contradicts itself (BoGo ExtendedMasterSecret-YesToNo-Server).
  if (session.extendedMasterSecret && !hello.extendedMasterSecret) {
    throw handshakeFailure('the client resumes a session made with the extended master secret without offering it (RFC 7627 §5.3)');
  }
  // RFC 7627 §5.3: resume only sessions with the extended master secret.
  if (!session.extendedMasterSecret) return undefined;
  if (session.serverName !== hello.serverName) return undefined;
  // The client is not authenticated again: the session's client authentication must stand for ours.
  if (!sessionAuthenticationFits(config, session)) return undefined;
  return { session, suite };
}

class ExpectClientCertificate12 implements HandshakeState {
  readonly kind = 'server12-expect-client-certificate';
  constructor(
    private readonly ctx: Server12Context,
    private readonly kx: KeyExchange12,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate');
    const chain = readCertificate12(msg, { maxChainLength: this.ctx.config.limits.maxChainLength });
    io.step({ step: 'certificate', side: 'client', certificates: chain });
    io.transcript.add(msg.raw);
    if (chain.length === 0) {
      // RFC 5246 §7.4.6: a client without a suitable certificate sends an empty list.
      if (this.ctx.config.rejectUnauthorized) throw handshakeFailure('client sent no certificate, and one is required');
      io.info.authorizationError = certificateError('noClientCertificate', 'client sent no certificate');
      return new ExpectClientKeyExchange(this.ctx, this.kx, undefined);
    }
    return authenticatePeerChain(io, this.ctx.config, chain, 'client', undefined, (key) => new ExpectClientKeyExchange(this.ctx, this.kx, key));
  }
}

class ExpectClientKeyExchange implements HandshakeState {
  readonly kind = 'server12-expect-client-key-exchange';
  constructor(
    private readonly ctx: Server12Context,
    private readonly kx: KeyExchange12,
    private readonly clientKey: PublicKey | undefined,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'client_key_exchange');
    const { suite, hello, serverRandom } = this.ctx;
    const value = readClientKeyExchange(msg, this.kx.kind);
    let preMaster: Secret;
    if (this.kx.kind === 'ecdhe') {
      preMaster = this.kx.share.agree(value);
      io.step({ step: 'key-exchange', group: this.kx.share.group, ourShareBytes: this.kx.share.publicKey.length, peerShareBytes: value.length });
    } else {
      // RFC 5246 §7.4.7.1: any decryption or format failure continues with a random secret.
      preMaster = decryptPreMasterSecret(io.provider, this.kx.key, value, hello.legacyVersion);
      io.step({ step: 'rsa-key-transport', side: 'server', ciphertextBytes: value.length });
    }
    io.transcript.add(msg.raw);
    const master = deriveMasterSecret(
      io.provider,
      suite.hash,
      preMaster,
      hello.extendedMasterSecret ? { extended: true, sessionHash: io.transcript.current() } : { extended: false, clientRandom: hello.random, serverRandom },
    );
    preMaster.wipe();
    keylogMaster(io, master);
    const block = keyBlockFor(io, suite, master, hello.random, serverRandom);
    if (this.clientKey) return new ExpectClientCertificateVerify12(this.ctx, master, block, this.clientKey);
    return new ExpectClientCcs(this.ctx, master, block, true);
  }
}

class ExpectClientCertificateVerify12 implements HandshakeState {
  readonly kind = 'server12-expect-certificate-verify';
  constructor(
    private readonly ctx: Server12Context,
    private readonly master: Secret,
    private readonly block: ReturnType<typeof keyBlockFor>,
    private readonly key: PublicKey,
  ) {}

  wipe(): void {
    this.master.wipe();
    wipeKeyBlock(this.block);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate_verify');
    const signed = readCertificateVerify(msg);
    const scheme = checkPeerSignatureScheme(signed.scheme, this.ctx.config.signatureSchemes, this.key, false);
    // RFC 5246 §7.4.8: the signature covers all handshake messages before this one.
    return verifyPeerSignature(io, this.key, scheme, concat(...io.transcript.messages), signed.signature, 'client CertificateVerify', (resumed) => {
      resumed.info.peerSignatureScheme = scheme;
      resumed.step({ step: 'certificate-verify', side: 'client', scheme: scheme.name });
      resumed.transcript.add(msg.raw);
      return new ExpectClientCcs(this.ctx, this.master, this.block, true);
    });
  }
}

class ExpectClientCcs implements HandshakeState {
  readonly kind = 'server12-expect-change-cipher-spec';
  constructor(
    private readonly ctx: Server12Context,
    private readonly master: Secret,
    private readonly block: ReturnType<typeof keyBlockFor>,
    private readonly full: boolean,
  ) {}

  wipe(): void {
    this.master.wipe();
    wipeKeyBlock(this.block);
  }

  handle(msg: HandshakeMessage): HandshakeState {
    unexpected(msg, 'change_cipher_spec');
  }

  changeCipherSpec(io: HandshakeIO): Next {
    io.setReadKeys(tls12Protection(io, this.ctx.suite, this.block, 'client'), 'application');
    return new ExpectClientFinished12(this.ctx, this.master, this.block, this.full);
  }
}

class ExpectClientFinished12 implements HandshakeState {
  readonly kind = 'server12-expect-finished';
  constructor(
    private readonly ctx: Server12Context,
    private readonly master: Secret,
    private readonly block: ReturnType<typeof keyBlockFor>,
    private readonly full: boolean,
  ) {}

  wipe(): void {
    this.master.wipe();
    wipeKeyBlock(this.block);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'finished');
    const { suite, config } = this.ctx;
    const p = io.provider;
    const verifyData = readFinished(msg, VERIFY_DATA_LENGTH);
    if (!verifyFinished12(p, suite.hash, this.master, 'client', io.transcript.current(), verifyData)) {
      throw decryptError('client Finished does not match the handshake (tampered with, or a different key exchange)');
    }
    io.transcript.add(msg.raw);
    io.step({ step: 'finished', side: 'client', verified: true });
    if (this.full) {
      if (this.ctx.issueTicket) sendTicket(io, this.ctx, this.master);
      io.sendChangeCipherSpec();
      io.setWriteKeys(tls12Protection(io, suite, this.block, 'server'), 'application');
      io.send(buildFinished(finishedVerifyData(p, suite.hash, this.master, 'server', io.transcript.current())));
      io.step({ step: 'finished', side: 'server', verified: true });
      if (config.sessionStore && this.ctx.sessionId.length > 0 && this.ctx.hello.extendedMasterSecret) {
        const session = sessionState(io, this.ctx, this.master);
        const bytes = encodeSessionWithinLimit(session);
        // Kept for sessionTimeout; a session too large to keep (MAX_SESSION_STATE_BYTES) is not.
        if (bytes) config.sessionStore.set(this.ctx.sessionId, bytes, session.issuedAt, session.issuedAt + session.lifetime * 1000);
      }
    }
    io.setExporter(tls12ExporterFor(io, suite, this.master, this.ctx.hello.random, this.ctx.serverRandom));
    io.complete();
    this.master.wipe(); // the ticket, the session cache and the exporter hold their own copies
    return new Connected12('server');
  }
}

function sessionState(io: HandshakeIO, ctx: Server12Context, master: Secret): SessionState {
  const now = ctx.config.now().getTime();
  // On a resumed connection the peer's authentication is the original one's, and so is its time:
  // a renewed session never outlives its reliance (MAX_AUTHENTICATION_AGE_MS).
  const peer = peerForSession(io.info, trustDigest(ctx.config), now);
  return {
    version: ProtocolVersion.TLSv1_2,
    cipherSuite: ctx.suite.id,
    secret: master,
    extendedMasterSecret: ctx.hello.extendedMasterSecret,
    issuedAt: now,
    lifetime: renewedLifetime(ctx.config.sessionTimeout, peer.authenticatedAt, now),
    ...(ctx.hello.serverName !== undefined ? { serverName: ctx.hello.serverName } : {}),
    ...(io.info.alpnProtocol !== undefined ? { alpnProtocol: io.info.alpnProtocol } : {}),
    ...peer,
  };
}

/** RFC 5077 §3.3: a ticket sealing the session, sent before our ChangeCipherSpec. */
function sendTicket(io: HandshakeIO, ctx: Server12Context, master: Secret): void {
  // We never resume sessions without the extended master secret, so a ticket would be useless; nor
  // do we seal a session too large to keep. RFC 5077 §3.3: having announced a ticket, we send an
  // empty one.
  // A session whose authentication may no longer be relied on is not sealed either.
  const session = ctx.hello.extendedMasterSecret ? sessionState(io, ctx, master) : undefined;
  const state = session && session.lifetime > 0 ? encodeSessionWithinLimit(session) : undefined;
  if (!session || !state) {
    io.send(buildNewSessionTicket12({ lifetimeHint: 0, ticket: new Uint8Array(0) }));
    return;
  }
  const ticket = ctx.config.ticketKeyring!.seal(state, ctx.config.now().getTime());
  io.send(buildNewSessionTicket12({ lifetimeHint: session.lifetime, ticket }));
}
