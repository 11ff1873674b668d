// The TLS 1.3 server (RFC 8446 §2, §4): answer a ClientHello with ServerHello (or a
// HelloRetryRequest), EncryptedExtensions, Certificate, CertificateVerify and Finished; then read
// the client's (Certificate, CertificateVerify and) Finished.
import { TlsError, decryptError, illegalParameter } from '../../errors.js';
import { hashLength, type PublicKey } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { ServerConfig } from '../../engine/config.js';
import type { ClientHelloMessage } from '../../messages/client-hello.js';
import { buildCertificate13, readCertificate13 } from '../../messages/certificate.js';
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
import { ExtensionType as E, HELLO_RETRY_REQUEST_RANDOM, ProtocolVersion } from '../../protocol/constants.js';
import type { NamedGroup } from '../../protocol/groups.js';
import { equalBytes, ascii } from '../../wire/bytes.js';
import { encode } from '../../wire/writer.js';
import { authenticatePeerChain, signCertificateVerify13, verifyCertificateVerify13 } from '../authentication.js';
import { EarlySecret, computeFinished, verifyFinished, type MasterSecret } from '../key-schedule.js';
import { chooseAlpn, chooseCertificate, chooseCipherSuite, chooseGroup } from '../negotiation.js';
import { expect, type HandshakeIO, type HandshakeState } from '../state.js';
import { Connected13 } from '../tls13/connected.js';
import { installTrafficSecret } from '../tls13/traffic.js';
import { ExpectClientHello } from './expect-client-hello.js';

/** What the server remembers across a HelloRetryRequest (RFC 8446 §4.1.4). */
export interface RetryContext {
  readonly firstHello: ClientHelloMessage;
  readonly suite: CipherSuite;
  readonly group: NamedGroup;
}

/** RFC 8446 §4.1.2: the second ClientHello must be the first with only the allowed changes. */
export function checkRetriedClientHello(retry: RetryContext, hello: ClientHelloMessage): void {
  const first = retry.firstHello;
  const same = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
    (a === undefined && b === undefined) || (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]));
  if (!equalBytes(first.random, hello.random) || !equalBytes(first.sessionId, hello.sessionId)) {
    throw illegalParameter('second client_hello changed its random or session id');
  }
  if (!same(first.cipherSuites, hello.cipherSuites) || !same(first.supportedVersions, hello.supportedVersions) || !same(first.supportedGroups, hello.supportedGroups)) {
    throw illegalParameter('second client_hello changed its cipher suites, versions or groups');
  }
  if (first.serverName !== hello.serverName) throw illegalParameter('second client_hello changed its server name');
  const shares = hello.keyShares ?? [];
  if (shares.length !== 1 || shares[0]!.group !== retry.group.id) {
    throw illegalParameter(`second client_hello must carry exactly one key share, for ${retry.group.name}`);
  }
  // RFC 8446 §4.2.10: early data is not allowed after a HelloRetryRequest.
  if (hello.earlyData) throw illegalParameter('second client_hello offers early data');
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
  if (!hello.signatureAlgorithms) throw new TlsError('missing_extension', 'client_hello has no signature_algorithms');
  if (!hello.supportedGroups) throw new TlsError('missing_extension', 'client_hello has no supported_groups (and we need a key exchange)');
  // RFC 8446 §4.2.8: every share must be for a group listed in supported_groups.
  for (const share of hello.keyShares!) {
    if (!hello.supportedGroups.includes(share.group)) throw illegalParameter('client_hello has a key share for a group not in supported_groups');
  }
}

/** The server's whole first flight, or a HelloRetryRequest. */
export function respond13(config: ServerConfig, hello: ClientHelloMessage, io: HandshakeIO, retry?: RetryContext): HandshakeState {
  checkTls13Hello(hello);
  const suite = retry?.suite ?? chooseCipherSuite(config.cipherSuites, hello.cipherSuites, 'TLSv1.3');
  const { group, haveShare } = retry
    ? { group: retry.group, haveShare: true }
    : chooseGroup(config.groups, hello.supportedGroups!, hello.keyShares!.map((s) => s.group));
  const certificates = config.certificatesFor ? config.certificatesFor(hello.serverName) : config.certificates;
  const { certificate, scheme } = chooseCertificate(certificates, config.signatureSchemes, hello.signatureAlgorithms!, true);
  const alpn = chooseAlpn(config.alpnProtocols, hello.alpn);
  io.info.version = 'TLSv1.3';
  io.info.cipherSuite = suite;
  io.info.group = group;

  if (!haveShare) return helloRetryRequest(config, hello, io, suite, group);
  if (!retry) io.transcript.setHash(suite.hash);
  io.transcript.add(hello.raw);

  const clientShare = hello.keyShares!.find((s) => s.group === group.id)!;
  // Randomness in ServerHello field order (random, then key share): recorded pools replay (RFC 8448).
  const random = io.provider.randomBytes(32);
  const share = io.provider.generateKeyShare(group.name);
  const shared = share.agree(clientShare.keyExchange);
  io.step({ step: 'key-exchange', group: group.name, ourShareBytes: share.publicKey.length, peerShareBytes: clientShare.keyExchange.length });

  // RFC 8446 §4.2: any order is valid; ours is RFC 8448's (key_share first), so the traces replay.
  const extensions: Extension[] = [
    { type: E.key_share, body: encode((w) => writeKeyShareServer(w, { group: group.id, keyExchange: share.publicKey })) },
    { type: E.supported_versions, body: encode((w) => writeSupportedVersionsServer(w, ProtocolVersion.TLSv1_3)) },
  ];
  io.send(buildServerHello({ random, sessionId: hello.sessionId, cipherSuite: suite.id, extensions }));
  io.step({ step: 'server-hello', version: 'TLSv1.3', cipherSuite: suite.name, group: group.name, resumed: false });
  // RFC 8446 Appendix D.4: a compatibility CCS after our first ServerHello or HelloRetryRequest.
  if (hello.sessionId.length > 0 && !retry) io.sendChangeCipherSpec();

  const helloHash = io.transcript.current();
  const handshakeSecret = new EarlySecret(io.provider, suite.hash).toHandshakeSecret(shared);
  shared.wipe();
  const clientHandshakeSecret = handshakeSecret.clientTrafficSecret(helloHash);
  const serverHandshakeSecret = handshakeSecret.serverTrafficSecret(helloHash);
  installTrafficSecret(io, suite, serverHandshakeSecret, 'server', 'server', 'handshake');
  installTrafficSecret(io, suite, clientHandshakeSecret, 'client', 'server', 'handshake');

  const encrypted: Extension[] = [];
  if (alpn) {
    encrypted.push({ type: E.application_layer_protocol_negotiation, body: encode((w) => writeAlpnList(w, [alpn])) });
    io.info.alpnProtocol = ascii(alpn);
  }
  // RFC 6066 §3: an empty server_name tells the client its name was used.
  if (hello.serverName !== undefined) encrypted.push({ type: E.server_name, body: new Uint8Array(0) });
  io.send(buildEncryptedExtensions(encrypted));
  io.step({ step: 'encrypted-extensions', ...(io.info.alpnProtocol ? { alpn: io.info.alpnProtocol } : {}), serverNameAcknowledged: hello.serverName !== undefined });

  if (config.requestCert) {
    io.send(buildCertificateRequest13({ requestContext: new Uint8Array(0), signatureAlgorithms: config.signatureSchemes.filter((s) => s.tls13).map((s) => s.id) }));
  }
  io.send(buildCertificate13(new Uint8Array(0), certificate.chain));
  io.step({ step: 'certificate', side: 'server', subjects: [], count: certificate.chain.length });
  io.send(signCertificateVerify13(io, certificate, scheme, 'server'));
  io.step({ step: 'certificate-verify', side: 'server', scheme: scheme.name });
  io.send(buildFinished(computeFinished(io.provider, suite.hash, serverHandshakeSecret, io.transcript.current())));
  io.step({ step: 'finished', side: 'server', verified: true });

  // RFC 8446 §7.1: application secrets over ClientHello..server Finished; we may send right away.
  const serverFinishedHash = io.transcript.current();
  const master = handshakeSecret.toMasterSecret();
  const clientApp = master.clientTrafficSecret(serverFinishedHash);
  const serverApp = master.serverTrafficSecret(serverFinishedHash);
  io.keylog('EXPORTER_SECRET', master.exporterMasterSecret(serverFinishedHash));
  installTrafficSecret(io, suite, serverApp, 'server', 'server', 'application');
  serverHandshakeSecret.wipe();

  const ctx: Server13Context = { config, suite, master, clientHandshakeSecret, clientApp, serverApp };
  return config.requestCert ? new ExpectClientCertificate(ctx) : new ExpectClientFinished(ctx);
}

/** RFC 8446 §4.1.4: ask for a share of the group we want. */
function helloRetryRequest(config: ServerConfig, hello: ClientHelloMessage, io: HandshakeIO, suite: CipherSuite, group: NamedGroup): HandshakeState {
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
  if (hello.sessionId.length > 0) io.sendChangeCipherSpec();
  return new ExpectClientHello(config, { firstHello: hello, suite, group });
}

interface Server13Context {
  readonly config: ServerConfig;
  readonly suite: CipherSuite;
  readonly master: MasterSecret;
  readonly clientHandshakeSecret: Secret;
  readonly clientApp: Secret;
  readonly serverApp: Secret;
}

class ExpectClientCertificate implements HandshakeState {
  readonly kind = 'server-expect-client-certificate';
  constructor(private readonly ctx: Server13Context) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): HandshakeState {
    expect(msg, 'certificate');
    const cert = readCertificate13(msg, { maxChainLength: this.ctx.config.limits.maxChainLength });
    if (cert.requestContext.length !== 0) throw illegalParameter('client certificate has a request context we did not send');
    io.step({ step: 'certificate', side: 'client', subjects: [], count: cert.entries.length });
    if (cert.entries.length === 0) {
      // RFC 8446 §4.4.2.4: no certificate; we may go on or abort with certificate_required.
      if (this.ctx.config.rejectUnauthorized) throw new TlsError('certificate_required', 'client sent no certificate, and one is required');
      io.info.authorizationError = new TlsError('certificate_required', 'client sent no certificate');
      io.transcript.add(msg.raw);
      return new ExpectClientFinished(this.ctx);
    }
    const key = authenticatePeerChain(io, this.ctx.config, cert.entries.map((e) => e.certData), 'client', undefined);
    io.transcript.add(msg.raw);
    return new ExpectClientCertificateVerify(this.ctx, key);
  }
}

class ExpectClientCertificateVerify implements HandshakeState {
  readonly kind = 'server-expect-client-certificate-verify';
  constructor(private readonly ctx: Server13Context, private readonly key: PublicKey) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): HandshakeState {
    expect(msg, 'certificate_verify');
    io.info.peerSignatureScheme = verifyCertificateVerify13(io, this.ctx.config, readCertificateVerify(msg), this.key, 'client');
    io.transcript.add(msg.raw);
    return new ExpectClientFinished(this.ctx);
  }
}

class ExpectClientFinished implements HandshakeState {
  readonly kind = 'server-expect-client-finished';
  constructor(private readonly ctx: Server13Context) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): HandshakeState {
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
    return new Connected13('server', { suite, readSecret: this.ctx.clientApp, writeSecret: this.ctx.serverApp, resumptionMasterSecret: resumption });
  }
}

