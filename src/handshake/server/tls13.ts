// The TLS 1.3 server (RFC 8446 §2, §4): answer a ClientHello with ServerHello (or a
// HelloRetryRequest), EncryptedExtensions, Certificate, CertificateVerify and Finished; then read
// the client's (Certificate, CertificateVerify and) Finished.
import { TlsError, decryptError, illegalParameter } from '../../errors.js';
import { certificateError } from '../../x509/failure.js';
import { hashLength, type HashName, type PublicKey } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { ServerConfig } from '../config.js';
import { readClientHello, type ClientHelloMessage } from '../../messages/client-hello.js';
import { buildCertificate13, checkEntryExtensions, readCertificate13 } from '../../messages/certificate.js';
import { buildCertificateRequest13 } from '../../messages/certificate-request.js';
import { readCertificateVerify } from '../../messages/certificate-verify.js';
import { buildEncryptedExtensions } from '../../messages/encrypted-extensions.js';
import type { Extension } from '../../messages/extensions/extension.js';
import { writeAlpnList } from '../../messages/extensions/alpn.js';
import { writeCookie } from '../../messages/extensions/cookie.js';
import { writeKeyShareRetry, writeKeyShareServer } from '../../messages/extensions/key-share.js';
import { writeSupportedVersionsServer } from '../../messages/extensions/supported-versions.js';
import { buildFinished, readFinished } from '../../messages/finished.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { buildServerHello } from '../../messages/server-hello.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { ExtensionType as E, HELLO_RETRY_REQUEST_RANDOM, ProtocolVersion, PskKeyExchangeMode } from '../../protocol/constants.js';
import { cipherSuiteById } from '../../protocol/cipher-suites.js';
import type { SignatureScheme } from '../../protocol/signature-schemes.js';
import type { CertifiedKey } from '../config.js';
import { MAX_TICKET_LIFETIME, buildNewSessionTicket13 } from '../../messages/new-session-ticket.js';
import {
  SESSION_CLOCK_SKEW_MS,
  decodeSession,
  encodeSessionWithinLimit,
  peerForSession,
  renewedLifetime,
  resumeAuthentication,
  sessionIsFresh,
  type SessionState,
} from '../session.js';
import { externalPskTrustDigest, sessionAuthenticationFits, trustDigest } from '../trust-binding.js';
import type { ExternalPsk } from '../external-psk.js';
import { binderTranscriptHash, checkBinder, ticketAgeFrom } from '../tls13/psk.js';
import { MAX_TICKET_AGE_SKEW_MS } from '../anti-replay.js';
import { readEndOfEarlyData } from '../../messages/end-of-early-data.js';
import { writeCertificateStatusBody } from '../../messages/extensions/status-request.js';
import type { NamedGroup } from '../../protocol/groups.js';
import { equalBytes, ascii, fromUtf8 } from '../../wire/bytes.js';
import { encode } from '../../wire/writer.js';
import { authenticatePeerChain, sendCertificateVerify13, verifyCertificateVerify13 } from '../authentication.js';
import { EarlySecret, computeFinished, ticketPsk, verifyFinished, type MasterSecret } from '../key-schedule.js';
import { tls13Exporter } from '../exporter.js';
import { chooseServerAlpn, chooseCertificate, chooseCipherSuite, chooseGroup } from '../negotiation.js';
import { expect, isAsyncStep, whenReady, wipeAll, type EarlyDataReason, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { Connected13 } from '../tls13/connected.js';
import { installTrafficSecret } from '../tls13/traffic.js';
import { serverKeyExchange } from '../tls13/key-exchange.js';

/** What the server remembers across a HelloRetryRequest (RFC 8446 §4.1.4). */
export interface RetryContext {
  readonly firstHello: ClientHelloMessage;
  readonly suite: CipherSuite;
  readonly group: NamedGroup;
  readonly certificates: readonly CertifiedKey[];
  /** The identity of the first ClientHello's PSK we would resume, usable with the suite we chose. */
  readonly pskIdentity?: Uint8Array;
}

/**
 * RFC 8446 §4.1.4: after a HelloRetryRequest, the second ClientHello. Its kind is the first
 * ClientHello's state's, as before this state had a class of its own (the engine reports it).
 */
export class ExpectRetriedClientHello implements HandshakeState {
  readonly kind = 'server-expect-client-hello';

  constructor(
    private readonly config: ServerConfig,
    private readonly retry: RetryContext,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'client_hello');
    const hello = readClientHello(msg);
    checkRetriedClientHello(this.retry, hello);
    return respond13(this.config, hello, io, this.retry.certificates, this.retry);
  }
}

/** RFC 8446 §4.1.2: the second ClientHello must be the first with only the allowed changes. */
export function checkRetriedClientHello(retry: RetryContext, hello: ClientHelloMessage): void {
  const first = retry.firstHello;
  const same = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
    (a === undefined && b === undefined) || (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]));
  if (!equalBytes(first.random, hello.random) || !equalBytes(first.sessionId, hello.sessionId)) {
    throw illegalParameter('second client_hello changed its random or session id');
  }
  if (
    !same(first.cipherSuites, hello.cipherSuites) ||
    !same(first.supportedVersions, hello.supportedVersions) ||
    !same(first.supportedGroups, hello.supportedGroups)
  ) {
    throw illegalParameter('second client_hello changed its cipher suites, versions or groups');
  }
  if (first.serverName !== hello.serverName) throw illegalParameter('second client_hello changed its server name');
  const shares = hello.keyShares ?? [];
  if (shares.length !== 1 || shares[0]!.group !== retry.group.id) {
    throw illegalParameter(`second client_hello must carry exactly one key share, for ${retry.group.name}`);
  }
  // RFC 8446 §4.2.10: early data is not allowed after a HelloRetryRequest.
  if (hello.earlyData) throw illegalParameter('second client_hello offers early data');
  // RFC 8446 §4.1.2: the client may drop only PSKs that do not fit the suite we chose.
  const kept = retry.pskIdentity;
  if (kept && !hello.preSharedKey?.identities.some((id) => equalBytes(id.identity, kept))) {
    throw illegalParameter('second client_hello dropped a PSK that fits the cipher suite we chose');
  }
}

function checkTls13Hello(hello: ClientHelloMessage): void {
  // RFC 8446 §4.1.2: legacy_compression_methods is exactly one zero byte in TLS 1.3.
  if (hello.compressionMethods.length !== 1 || hello.compressionMethods[0] !== 0) {
    throw illegalParameter('client_hello offers compression methods other than null');
  }
  // RFC 8446 §9.2: supported_groups and key_share come together; signature_algorithms is required
  // for certificate authentication.
  if ((hello.supportedGroups === undefined) !== (hello.keyShares === undefined)) {
    throw new TlsError('missing_extension', 'client_hello has one of supported_groups and key_share without the other');
  }
  // RFC 8446 §4.2.9: a PSK offer comes with psk_key_exchange_modes.
  if (hello.preSharedKey && !hello.pskModes) throw new TlsError('missing_extension', 'client_hello offers a PSK without psk_key_exchange_modes');
  if (!hello.signatureAlgorithms && !hello.preSharedKey) throw new TlsError('missing_extension', 'client_hello has no signature_algorithms');
  if (!hello.supportedGroups) throw new TlsError('missing_extension', 'client_hello has no supported_groups (and we need a key exchange)');
  // RFC 8446 §4.2.8: every share must be for a group listed in supported_groups.
  for (const share of hello.keyShares!) {
    if (!hello.supportedGroups.includes(share.group)) throw illegalParameter('client_hello has a key share for a group not in supported_groups');
  }
}

/** The server's whole first flight, or a HelloRetryRequest. */
export function respond13(config: ServerConfig, hello: ClientHelloMessage, io: HandshakeIO, certificates: readonly CertifiedKey[], retry?: RetryContext): Next {
  checkTls13Hello(hello);
  const candidate = pskCandidate(config, hello);
  // The PSK (a ticket's, or the external key) is held for this step alone: wipe it however the step ends (a full or
  // resumed first flight, a HelloRetryRequest, a bad binder, any abort); the early secret, derived
  // before anything asynchronous, stands for it afterwards.
  try {
    return respondWith(config, hello, io, certificates, retry, candidate);
  } finally {
    candidate?.secret.wipe();
  }
}

function respondWith(
  config: ServerConfig,
  hello: ClientHelloMessage,
  io: HandshakeIO,
  certificates: readonly CertifiedKey[],
  retry: RetryContext | undefined,
  candidate: PskCandidate | undefined,
): Next {
  const candidateHash = candidate?.hash;
  // A usable PSK steers the choice to a suite with its hash (RFC 8446 §4.2.11).
  const suite =
    retry?.suite ??
    config.cipherSuites.find((s) => s.version === 'TLSv1.3' && s.hash === candidateHash && hello.cipherSuites.includes(s.id)) ??
    chooseCipherSuite(config.cipherSuites, hello.cipherSuites, 'TLSv1.3');
  const { group, haveShare } = retry
    ? { group: retry.group, haveShare: true }
    : chooseGroup(
        config.groups,
        hello.supportedGroups!,
        hello.keyShares!.map((s) => s.group),
      );
  const alpn = chooseServerAlpn(config, hello.alpn, hello.serverName);
  io.info.version = 'TLSv1.3';
  io.info.cipherSuite = suite;
  io.info.group = group;

  if (!haveShare) {
    // Why no 0-RTT: the offered ticket is judged before the HelloRetryRequest (as BoringSSL).
    if (config.maxEarlyData > 0)
      io.info.earlyDataReason = !hello.preSharedKey ? 'no_session_offered' : candidate?.session ? 'hello_retry_request' : 'session_not_resumed';
    return helloRetryRequest(config, hello, io, suite, group, certificates, candidate && candidateHash === suite.hash ? candidate.identity : undefined);
  }
  if (!retry) io.transcript.setHash(suite.hash);
  // RFC 8446 §4.2.11: a binder that does not verify aborts; a ticket we cannot use is ignored.
  const psk = candidate && candidateHash === suite.hash ? candidate : undefined;
  if (psk)
    checkBinder(
      io.provider,
      suite.hash,
      psk.secret,
      binderTranscriptHash(io.transcript, hello.raw, psk.bindersLength, suite.hash),
      psk.binder,
      psk.external !== undefined,
    );
  io.transcript.add(hello.raw);
  // The early secret stands for the ticket's PSK from here on: respond13 wipes the PSK when this
  // function returns, which is before the rest of the flight when the anti-replay store is slow.
  const early = new EarlySecret(io.provider, suite.hash, psk?.secret);
  // 0-RTT only on tickets: an external PSK never opens early data here.
  const claimed = earlyDataDecision(config, hello, psk, suite, alpn, io, retry !== undefined);
  // A shared anti-replay store may answer asynchronously: the flight waits for it (RFC 8446 §8).
  const waiting = whenReady(
    claimed,
    'anti-replay claim of the ticket for 0-RTT',
    (reason: EarlyDataReason, resumed: HandshakeIO) => {
      resumed.info.earlyDataReason = reason;
      return afterClaim(reason === 'accepted', resumed);
    },
    io,
  );
  // While it waits, the early secret is held here: wiped if the connection ends first.
  return isAsyncStep(waiting) ? { ...waiting, wipe: () => early.wipe() } : waiting;

  // The rest of the first flight, once we know whether this ticket may open early data.
  // (Kept at the outer indentation: it is respond13's body, split only where the store answers.)
  function afterClaim(earlyData: boolean, io: HandshakeIO): Next {
    const earlyTrafficSecret = earlyData ? early.clientEarlyTrafficSecret(io.transcript.current()) : undefined;
    if (hello.earlyData) {
      io.info.earlyData = earlyData ? 'accepted' : 'rejected';
      // RFC 8446 §4.2.10: rejected 0-RTT records are skipped, up to the most we would have accepted.
      if (!earlyData) io.skipEarlyData(Math.max(config.maxEarlyData, DEFAULT_EARLY_DATA_SKIP));
    }
    let authentication: { certificate: CertifiedKey; scheme: SignatureScheme } | undefined;
    if (!psk) {
      if (!hello.signatureAlgorithms) throw new TlsError('missing_extension', 'client_hello has no signature_algorithms');
      authentication = chooseCertificate(certificates, config.signingSchemes ?? config.signatureSchemes, hello.signatureAlgorithms, true);
    } else if (psk.session) {
      resumeAuthentication(io.info, psk.session);
    } else {
      externalPskAuthentication(config, io, psk.identity);
    }

    const clientShare = hello.keyShares!.find((s) => s.group === group.id)!;
    // Randomness in ServerHello field order (random, then key share): recorded pools replay (RFC 8448).
    const random = io.provider.randomBytes(32);
    const { serverShare, shared } = serverKeyExchange(io.provider, group, clientShare.keyExchange);
    io.step({ step: 'key-exchange', group: group.name, ourShareBytes: serverShare.length, peerShareBytes: clientShare.keyExchange.length });

    // RFC 8446 §4.2: any order is valid here (only the ClientHello's pre_shared_key has a fixed
    // place); ours is RFC 8448's (pre_shared_key, key_share, supported_versions), so the traces replay.
    const extensions: Extension[] = [];
    const selected = psk?.index ?? 0;
    if (psk) extensions.push({ type: E.pre_shared_key, body: encode((w) => w.u16(selected)) }); // selected_identity
    extensions.push(
      { type: E.key_share, body: encode((w) => writeKeyShareServer(w, { group: group.id, keyExchange: serverShare })) },
      { type: E.supported_versions, body: encode((w) => writeSupportedVersionsServer(w, ProtocolVersion.TLSv1_3)) },
    );
    io.send(buildServerHello({ random, sessionId: hello.sessionId, cipherSuite: suite.id, extensions }));
    io.step({ step: 'server-hello', version: 'TLSv1.3', cipherSuite: suite.name, group: group.name, resumed: psk?.session !== undefined });
    // RFC 8446 Appendix D.4: a compatibility CCS after our first ServerHello or HelloRetryRequest.
    if (hello.sessionId.length > 0 && !retry) io.sendChangeCipherSpec();

    const helloHash = io.transcript.current();
    const handshakeSecret = early.toHandshakeSecret(shared);
    shared.wipe();
    const clientHandshakeSecret = handshakeSecret.clientTrafficSecret(helloHash);
    const serverHandshakeSecret = handshakeSecret.serverTrafficSecret(helloHash);
    installTrafficSecret(io, suite, serverHandshakeSecret, 'server', 'server', 'handshake');
    // With 0-RTT accepted, the client's early keys come first; its handshake keys follow EndOfEarlyData.
    if (earlyTrafficSecret) {
      installTrafficSecret(io, suite, earlyTrafficSecret, 'client', 'server', 'early');
      io.acceptEarlyData(config.maxEarlyData);
    } else {
      installTrafficSecret(io, suite, clientHandshakeSecret, 'client', 'server', 'handshake');
    }

    const encrypted: Extension[] = [];
    if (alpn) {
      encrypted.push({ type: E.application_layer_protocol_negotiation, body: encode((w) => writeAlpnList(w, [alpn])) });
      io.info.alpnProtocol = ascii(alpn);
    }
    // RFC 6066 §3: an empty server_name tells the client its name was used.
    if (hello.serverName !== undefined) encrypted.push({ type: E.server_name, body: new Uint8Array(0) });
    if (earlyData) encrypted.push({ type: E.early_data, body: new Uint8Array(0) });
    if (hello.recordSizeLimit !== undefined) {
      // RFC 8449 §4: answer with ours; each side then sends no more than the other asked for.
      const ours = config.recordSizeLimit ?? 16385;
      encrypted.push({ type: E.record_size_limit, body: encode((w) => w.u16(ours)) });
      io.setSendLimit(Math.min(hello.recordSizeLimit, 16385) - 1);
      io.setReceiveLimit(ours - 1);
    }
    io.send(buildEncryptedExtensions(encrypted));
    io.step({
      step: 'encrypted-extensions',
      ...(io.info.alpnProtocol ? { alpn: io.info.alpnProtocol } : {}),
      serverNameAcknowledged: hello.serverName !== undefined,
    });

    // RFC 8446 §4.3.2: no certificate request (nor certificate) in a PSK handshake.
    const requestCert = config.requestCert && !psk;
    if (requestCert) {
      io.send(
        buildCertificateRequest13({
          requestContext: new Uint8Array(0),
          // Every scheme we accept, PKCS#1 included: RFC 8446 §4.2.3 lets them appear for the
          // certificates' signatures (CertificateVerify still needs a TLS 1.3 one: checkPeerSignatureScheme),
          // as our ClientHello does; leaving them out sent an empty, malformed list when only they were configured.
          signatureAlgorithms: config.signatureSchemes.map((s) => s.id),
          ...(config.certificateAuthorities ? { certificateAuthorities: config.certificateAuthorities } : {}),
        }),
      );
    }
    const finish = (resumed: HandshakeIO): Next => {
      resumed.send(buildFinished(computeFinished(resumed.provider, suite.hash, serverHandshakeSecret, resumed.transcript.current())));
      resumed.step({ step: 'finished', side: 'server', verified: true });

      // RFC 8446 §7.1: application secrets over ClientHello..server Finished; we may send right away.
      const serverFinishedHash = resumed.transcript.current();
      const master = handshakeSecret.toMasterSecret();
      const clientApp = master.clientTrafficSecret(serverFinishedHash);
      const serverApp = master.serverTrafficSecret(serverFinishedHash);
      const exporterSecret = master.exporterMasterSecret(serverFinishedHash);
      resumed.keylog('EXPORTER_SECRET', exporterSecret);
      resumed.setExporter(tls13Exporter(resumed.provider, suite.hash, exporterSecret));
      installTrafficSecret(resumed, suite, serverApp, 'server', 'server', 'application');
      serverHandshakeSecret.wipe();

      const ctx: Server13Context = {
        config,
        hello,
        suite,
        master,
        clientHandshakeSecret,
        clientApp,
        serverApp,
        ...(psk?.binding ? { pskBinding: psk.binding } : {}),
      };
      if (earlyData) {
        resumed.allowHalfRttWrites();
        return new ExpectEndOfEarlyData(ctx);
      }
      return requestCert ? new ExpectClientCertificate(ctx) : new ExpectClientFinished(ctx);
    };
    if (!authentication) return finish(io);
    const { certificate, scheme } = authentication;
    // RFC 8446 §4.4.2.1: the OCSP response rides in the leaf's entry, when the client asked for one.
    const stapled =
      hello.statusRequest && certificate.ocspResponse
        ? [{ type: E.status_request, body: encode((w) => writeCertificateStatusBody(w, certificate.ocspResponse!)) }]
        : [];
    io.send(buildCertificate13(new Uint8Array(0), certificate.chain, stapled));
    io.info.localCertificates = certificate.chain;
    io.step({ step: 'certificate', side: 'server', certificates: certificate.chain });
    return sendCertificateVerify13(io, certificate, scheme, 'server', (resumed) => {
      resumed.step({ step: 'certificate-verify', side: 'server', scheme: scheme.name });
      return finish(resumed);
    });
  }
}

/** RFC 8446 §4.1.4: ask for a share of the group we want. */
function helloRetryRequest(
  config: ServerConfig,
  hello: ClientHelloMessage,
  io: HandshakeIO,
  suite: CipherSuite,
  group: NamedGroup,
  certificates: readonly CertifiedKey[],
  pskIdentity: Uint8Array | undefined,
): HandshakeState {
  io.transcript.setHash(suite.hash);
  io.transcript.add(hello.raw);
  io.transcript.replaceWithMessageHash();
  // In RFC 8448 §5's order: key_share, cookie, supported_versions.
  const extensions: Extension[] = [{ type: E.key_share, body: encode((w) => writeKeyShareRetry(w, group.id)) }];
  if (hello.cookie) {
    const cookie = hello.cookie;
    extensions.push({ type: E.cookie, body: encode((w) => writeCookie(w, cookie)) });
  }
  extensions.push({ type: E.supported_versions, body: encode((w) => writeSupportedVersionsServer(w, ProtocolVersion.TLSv1_3)) });
  io.send(buildServerHello({ random: HELLO_RETRY_REQUEST_RANDOM, sessionId: hello.sessionId, cipherSuite: suite.id, extensions }));
  io.step({ step: 'hello-retry-request', group: group.name, cookie: false });
  if (hello.earlyData) {
    // RFC 8446 §4.2.10: after a HelloRetryRequest, the client's 0-RTT records are skipped.
    io.info.earlyData = 'rejected';
    io.skipEarlyData(Math.max(config.maxEarlyData, DEFAULT_EARLY_DATA_SKIP));
  }
  if (hello.sessionId.length > 0) io.sendChangeCipherSpec();
  return new ExpectRetriedClientHello(config, { firstHello: hello, suite, group, certificates, ...(pskIdentity ? { pskIdentity } : {}) });
}

interface Server13Context {
  readonly config: ServerConfig;
  readonly hello: ClientHelloMessage;
  readonly suite: CipherSuite;
  readonly master: MasterSecret;
  readonly clientHandshakeSecret: Secret;
  readonly clientApp: Secret;
  readonly serverApp: Secret;
  /** The external PSK that authenticated the client (now, or in the session resumed): what its tickets are bound to. */
  readonly pskBinding?: PskBinding;
}

/**
 * RFC 8446 §2.2: the client proved it holds the external PSK for `identity`; no certificate is
 * involved. Whether that counts as `authorized` follows node:tls, which judges a server's peer only
 * when it asked for client authentication (requestCert): then the PSK's proof counts as one.
 */
function externalPskAuthentication(config: ServerConfig, io: HandshakeIO, identity: Uint8Array): void {
  io.info.pskIdentity = fromUtf8(identity);
  io.info.peerCertificates = [];
  io.info.authorized = config.requestCert;
  io.info.authenticatedAt = config.now().getTime();
}

/** The secrets a server state holds until the client's Finished. */
function wipeContext(ctx: Server13Context): void {
  wipeAll(ctx.master, ctx.clientHandshakeSecret, ctx.clientApp, ctx.serverApp);
}

/** RFC 8446 §4.5: 0-RTT data flows until EndOfEarlyData; then the client's handshake keys. */
class ExpectEndOfEarlyData implements HandshakeState {
  readonly kind = 'server-expect-end-of-early-data';
  constructor(private readonly ctx: Server13Context) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'end_of_early_data');
    readEndOfEarlyData(msg);
    io.transcript.add(msg.raw);
    io.acceptEarlyData(undefined);
    installTrafficSecret(io, this.ctx.suite, this.ctx.clientHandshakeSecret, 'client', 'server', 'handshake');
    return new ExpectClientFinished(this.ctx);
  }
}

/**
 * RFC 8446 §4.2.10, §8: we take 0-RTT only on the ticket's first use, with the same suite and
 * ALPN as when it was issued, from a client whose idea of the ticket's age matches ours. The
 * answer is 'accepted' or why not; after a HelloRetryRequest the retry set the reason already.
 */
function earlyDataDecision(
  config: ServerConfig,
  hello: ClientHelloMessage,
  psk: PskCandidate | undefined,
  suite: CipherSuite,
  alpn: Uint8Array | undefined,
  io: HandshakeIO,
  retried: boolean,
): EarlyDataReason | Promise<EarlyDataReason> {
  if (retried) return io.info.earlyDataReason ?? 'disabled';
  if (config.maxEarlyData === 0) return 'disabled';
  if (!hello.preSharedKey) return 'no_session_offered';
  const session = psk?.session;
  if (!psk || !session) return 'session_not_resumed';
  if ((session.maxEarlyData ?? 0) === 0) return 'unsupported_for_session';
  if (!hello.earlyData) return 'peer_declined';
  if (suite.id !== session.cipherSuite) return 'cipher_mismatch';
  if ((alpn ? ascii(alpn) : undefined) !== session.alpnProtocol) return 'alpn_mismatch';
  const now = config.now().getTime();
  const clientAge = ticketAgeFrom(psk.obfuscatedAge, session.ageAdd ?? 0);
  if (Math.abs(clientAge - (now - session.issuedAt)) > MAX_TICKET_AGE_SKEW_MS) return 'ticket_age_skew';
  // RFC 8446 §8.1: the ticket (its identity, unique per ticket we issue) is claimed once, in a store
  // shared by every server that holds its keys; only a plain `true` accepts, anything else refuses.
  // The claim outlives the ticket by the clock skew tolerated between those servers: one whose
  // clock runs behind still takes the ticket (and a replay of its ClientHello, whose age then
  // matches) after its end of life by the claiming server's clock, which a store keeping claims
  // for a relative time (Redis PX) counts by.
  const digest = io.provider.hash('sha256', psk.identity);
  let answer: boolean | PromiseLike<boolean>;
  try {
    answer = config.earlyDataReplay.claim(digest, session.issuedAt + session.lifetime * 1000 + SESSION_CLOCK_SKEW_MS, now);
  } catch {
    return 'replay';
  }
  if (typeof answer === 'object' && answer !== null && typeof answer.then === 'function') {
    return Promise.resolve(answer).then(
      (ok) => (ok === true ? 'accepted' : 'replay'),
      () => 'replay',
    );
  }
  return answer === true ? 'accepted' : 'replay';
}

class ExpectClientCertificate implements HandshakeState {
  readonly kind = 'server-expect-client-certificate';
  constructor(private readonly ctx: Server13Context) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate');
    const cert = readCertificate13(msg, { maxChainLength: this.ctx.config.limits.maxChainLength });
    if (cert.requestContext.length !== 0) throw illegalParameter('client certificate has a request context we did not send');
    // Our CertificateRequest asks for no entry extensions.
    checkEntryExtensions(cert, [], 'client');
    io.step({ step: 'certificate', side: 'client', certificates: cert.entries.map((e) => e.certData) });
    if (cert.entries.length === 0) {
      // RFC 8446 §4.4.2.4: no certificate; we may go on or abort with certificate_required.
      if (this.ctx.config.rejectUnauthorized) throw new TlsError('certificate_required', 'client sent no certificate, and one is required');
      io.info.authorizationError = certificateError('noClientCertificate', 'client sent no certificate');
      io.transcript.add(msg.raw);
      return new ExpectClientFinished(this.ctx);
    }
    return authenticatePeerChain(
      io,
      this.ctx.config,
      cert.entries.map((e) => e.certData),
      'client',
      undefined,
      (key, resumed) => {
        resumed.transcript.add(msg.raw);
        return new ExpectClientCertificateVerify(this.ctx, key);
      },
    );
  }
}

class ExpectClientCertificateVerify implements HandshakeState {
  readonly kind = 'server-expect-client-certificate-verify';
  constructor(
    private readonly ctx: Server13Context,
    private readonly key: PublicKey,
  ) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate_verify');
    return verifyCertificateVerify13(io, this.ctx.config, readCertificateVerify(msg), this.key, 'client', (resumed) => {
      resumed.transcript.add(msg.raw);
      return new ExpectClientFinished(this.ctx);
    });
  }
}

class ExpectClientFinished implements HandshakeState {
  readonly kind = 'server-expect-client-finished';
  constructor(private readonly ctx: Server13Context) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'finished');
    const { suite } = this.ctx;
    const verifyData = readFinished(msg, hashLength[suite.hash]);
    if (!verifyFinished(io.provider, suite.hash, this.ctx.clientHandshakeSecret, io.transcript.current(), verifyData)) {
      throw decryptError('client Finished does not match the handshake (tampered with, or a different key exchange)');
    }
    io.step({ step: 'finished', side: 'client', verified: true });
    io.transcript.add(msg.raw);
    this.ctx.clientHandshakeSecret.wipe();
    installTrafficSecret(io, suite, this.ctx.clientApp, 'client', 'server', 'application');
    const resumption = this.ctx.master.resumptionMasterSecret(io.transcript.current());
    this.ctx.master.wipe();
    io.complete();
    sendTickets(io, this.ctx, resumption);
    resumption.wipe();
    return new Connected13('server', { suite, readSecret: this.ctx.clientApp, writeSecret: this.ctx.serverApp }, undefined, {
      offered: this.ctx.hello.postHandshakeAuth,
      config: this.ctx.config,
    });
  }
}

/** An external PSK's identity and the trust digest a session from its handshake is bound to. */
interface PskBinding {
  readonly identity: Uint8Array;
  readonly trustDigest: Uint8Array;
}

interface PskCandidate {
  /** Its place in the client's list: our selected_identity (RFC 8446 §4.2.11). */
  readonly index: number;
  /** The PSK: a ticket's, or an external key. */
  readonly secret: Secret;
  readonly hash: HashName;
  /** A ticket of ours: the session it stands for. */
  readonly session?: SessionState;
  /** An external PSK. */
  readonly external?: ExternalPsk;
  /** The external PSK that authenticated the client: this one, or the one a ticket's session was bound to. */
  readonly binding?: PskBinding;
  readonly identity: Uint8Array;
  readonly obfuscatedAge: number;
  readonly binder: Uint8Array;
  readonly bindersLength: number;
}

/** Rejected 0-RTT we skip even when we never offer early data (a client may hold an old ticket). */
const DEFAULT_EARLY_DATA_SKIP = 16384;

/**
 * PSK identities we look at in one ClientHello: each costs a ticket decryption or a pskCallback
 * call, so a client listing thousands must not make us do thousands. Real clients offer one or two
 * (a ticket, then an external PSK).
 */
const MAX_PSK_IDENTITIES_TRIED = 8;

/** The first PSK the client offers that we can use: one of our tickets we may resume, or an external PSK we know. */
function pskCandidate(config: ServerConfig, hello: ClientHelloMessage): PskCandidate | undefined {
  const offered = hello.preSharedKey;
  // We take PSKs only with a fresh (EC)DHE exchange, psk_dhe_ke (RFC 8446 §4.2.9).
  if (!offered || !hello.pskModes!.includes(PskKeyExchangeMode.psk_dhe_ke)) return undefined;
  if (!config.ticketKeyring && !config.externalPsk) return undefined;
  const count = Math.min(offered.identities.length, MAX_PSK_IDENTITIES_TRIED);
  for (let index = 0; index < count; index++) {
    const { identity, obfuscatedTicketAge } = offered.identities[index]!;
    const common = { index, identity, obfuscatedAge: obfuscatedTicketAge, binder: offered.binders[index]!, bindersLength: offered.bindersLength };
    const ticket = ticketCandidate(config, hello, identity);
    if (ticket) {
      const hash = cipherSuiteById(ticket.session.cipherSuite)?.hash;
      if (hash) return { ...common, ...ticket, secret: ticket.session.secret, hash };
      ticket.session.secret.wipe();
      continue;
    }
    const external = config.externalPsk?.(identity);
    if (external) {
      // Bound now, while the key is at hand: respond13 wipes it once the first flight is derived.
      const binding = { identity: external.identity, trustDigest: externalPskTrustDigest(config, external) };
      return { ...common, secret: external.secret, hash: external.hash, external, binding };
    }
  }
  return undefined;
}

/** The session behind a ticket of ours, if we may resume it now. */
function ticketCandidate(config: ServerConfig, hello: ClientHelloMessage, identity: Uint8Array): { session: SessionState; binding?: PskBinding } | undefined {
  if (!config.ticketKeyring) return undefined;
  const now = config.now().getTime();
  const sealed = config.ticketKeyring.open(identity, now);
  if (!sealed) return undefined;
  let session: SessionState;
  try {
    session = decodeSession(sealed);
  } catch {
    return undefined;
  } finally {
    sealed.fill(0); // the decrypted ticket holds the PSK; the session has its own copy
  }
  // RFC 8446 §4.6.1: the client is not authenticated again, so the session's client
  // authentication must stand for what we require now: a client an external PSK authenticated,
  // only if that identity still has the same key here (asked for again: it may have changed).
  let psk: ExternalPsk | undefined;
  try {
    psk = session.pskIdentity !== undefined ? config.externalPsk?.(session.pskIdentity) : undefined;
  } catch (err) {
    session.secret.wipe(); // the application's pskCallback threw: the handshake ends, the ticket's PSK goes now
    throw err;
  }
  try {
    const usable =
      session.version === ProtocolVersion.TLSv1_3 &&
      sessionIsFresh(session, now) &&
      session.serverName === hello.serverName &&
      sessionAuthenticationFits(config, session, psk);
    if (!usable) {
      session.secret.wipe(); // a ticket we will not resume: its PSK goes now
      return undefined;
    }
    return { session, ...(psk ? { binding: { identity: psk.identity, trustDigest: externalPskTrustDigest(config, psk) } } : {}) };
  } finally {
    psk?.secret.wipe();
  }
}

/** RFC 8446 §4.6.1: tickets after the handshake, each standing for its own PSK. */
function sendTickets(io: HandshakeIO, ctx: Server13Context, resumptionMasterSecret: Secret): void {
  const { config, hello, suite } = ctx;
  if (!config.ticketKeyring || config.ticketCount === 0 || !hello.pskModes?.includes(PskKeyExchangeMode.psk_dhe_ke)) return;
  const now = config.now().getTime();
  // After a PSK handshake the peer's authentication is the original one's, and so is its time: a
  // renewed ticket never outlives its reliance (MAX_AUTHENTICATION_AGE_MS). None left: no ticket.
  // A client an external PSK authenticated: its sessions are bound to that PSK (./trust-binding.ts).
  const binding = ctx.pskBinding;
  const peer = { ...peerForSession(io.info, binding?.trustDigest ?? trustDigest(config), now), ...(binding ? { pskIdentity: binding.identity } : {}) };
  const lifetime = renewedLifetime(Math.min(config.sessionTimeout, MAX_TICKET_LIFETIME), peer.authenticatedAt, now);
  if (lifetime === 0) return;
  for (let i = 0; i < config.ticketCount; i++) {
    const nonce = Uint8Array.of(i);
    const ageAdd = new DataView(io.provider.randomBytes(4).buffer).getUint32(0);
    const psk = ticketPsk(io.provider, suite.hash, resumptionMasterSecret, nonce);
    const state = encodeSessionWithinLimit({
      version: ProtocolVersion.TLSv1_3,
      cipherSuite: suite.id,
      secret: psk,
      extendedMasterSecret: false,
      issuedAt: now,
      lifetime,
      ...(hello.serverName !== undefined ? { serverName: hello.serverName } : {}),
      ...(io.info.alpnProtocol !== undefined ? { alpnProtocol: io.info.alpnProtocol } : {}),
      ...peer,
      ageAdd,
      ...(config.maxEarlyData > 0 ? { maxEarlyData: config.maxEarlyData } : {}),
    });
    psk.wipe();
    // A session too large to keep (MAX_SESSION_STATE_BYTES) gets no ticket.
    if (!state) return;
    io.send(
      buildNewSessionTicket13({
        lifetime,
        ageAdd,
        nonce,
        ticket: config.ticketKeyring.seal(state, now),
        ...(config.maxEarlyData > 0 ? { maxEarlyDataSize: config.maxEarlyData } : {}),
      }),
    );
  }
}
