// The client's first steps (RFC 8446 §4.1.1-4.1.4): send the ClientHello, then judge the
// ServerHello or HelloRetryRequest against what was offered.
import { TlsError, illegalParameter } from '../../errors.js';
import type { KeyShare } from '../../crypto/provider.js';
import type { ClientConfig } from '../../engine/config.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { readServerHello, type ServerHelloMessage } from '../../messages/server-hello.js';
import { cipherSuiteById, cipherSuiteName } from '../../protocol/cipher-suites.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, ProtocolVersion, extensionName, versionName } from '../../protocol/constants.js';
import { groupById, groupName } from '../../protocol/groups.js';
import { equalBytes } from '../../wire/bytes.js';
import { EarlySecret } from '../key-schedule.js';
import { expect, type HandshakeIO, type HandshakeState } from '../state.js';
import { installTrafficSecret } from '../tls13/traffic.js';
import { offeredVersions, sendClientHello, sniFor, type ClientOffer, type ClientOfferDraft } from './client-hello.js';
import { ExpectEncryptedExtensions } from './tls13.js';

/** Starts a client handshake: sends the ClientHello. */
export function startClient(config: ClientConfig, io: HandshakeIO): HandshakeState {
  const p = config.provider;
  const versions = offeredVersions(config);
  const serverName = sniFor(config);
  const tls13 = versions.includes(ProtocolVersion.TLSv1_3);
  // Randomness is drawn in ClientHello field order (random, session id, key shares), so a recorded
  // RNG pool (the RFC 8448 traces) replays deterministically.
  const random = p.randomBytes(32);
  // RFC 8446 Appendix D.4: a non-empty legacy_session_id turns on middlebox compatibility mode.
  const sessionId = tls13 && config.middleboxCompatibility ? p.randomBytes(32) : new Uint8Array(0);
  const keyShares = new Map<number, KeyShare>();
  if (tls13) for (const g of config.keyShareGroups) keyShares.set(g.id, p.generateKeyShare(g.name));
  const draft: ClientOfferDraft = {
    random,
    sessionId,
    versions,
    cipherSuites: config.cipherSuites.filter((s) => versions.includes(s.version === 'TLSv1.3' ? ProtocolVersion.TLSv1_3 : ProtocolVersion.TLSv1_2)),
    groups: config.groups,
    keyShares,
    ...(serverName !== undefined ? { serverName } : {}),
  };
  io.info.clientRandom = draft.random;
  if (config.serverName !== undefined) io.info.serverName = config.serverName;
  return new ExpectServerHello(config, sendClientHello(io, config, draft), false);
}

export class ExpectServerHello implements HandshakeState {
  readonly kind = 'client-expect-server-hello';

  constructor(
    private readonly config: ClientConfig,
    private readonly offer: ClientOffer,
    /** After a HelloRetryRequest: a second one is unexpected_message (RFC 8446 §4.1.4). */
    private readonly retried: boolean,
    private readonly retryRequest?: ServerHelloMessage,
  ) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): HandshakeState {
    expect(msg, 'server_hello');
    const sh = readServerHello(msg);
    const version = this.negotiatedVersion(sh);
    if (version !== ProtocolVersion.TLSv1_3) {
      throw new TlsError('protocol_version', `server chose ${versionName(version)}, which this client does not speak`);
    }
    this.checkCommon(sh);
    if (sh.isRetryRequest) return this.retry(sh, io);
    return this.serverHello13(sh, io);
  }

  private negotiatedVersion(sh: ServerHelloMessage): number {
    const offered = this.offer.versions;
    if (sh.selectedVersion !== undefined) {
      // RFC 8446 §4.2.1: the selected version must be one we offered, and TLS 1.3 or later.
      if (!offered.includes(ProtocolVersion.TLSv1_3) || sh.selectedVersion !== ProtocolVersion.TLSv1_3) {
        throw illegalParameter(`server selected ${versionName(sh.selectedVersion)} in supported_versions, which we did not offer`);
      }
      if (sh.legacyVersion !== ProtocolVersion.TLSv1_2) throw illegalParameter('TLS 1.3 server_hello has a legacy_version other than TLS 1.2');
      return sh.selectedVersion;
    }
    const version = sh.legacyVersion;
    if (!offered.includes(version)) {
      throw new TlsError('protocol_version', `server chose ${versionName(version)}, but we allow only ${offered.map(versionName).join(', ')}`);
    }
    // RFC 8446 §4.1.3: a TLS 1.3 client that gets an older version with the downgrade sentinel aborts.
    const tail = sh.random.subarray(24);
    if (offered.includes(ProtocolVersion.TLSv1_3) && (equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11))) {
      throw illegalParameter('server_hello carries the TLS 1.3 downgrade sentinel: a man in the middle may be forcing an older version');
    }
    return version;
  }

  private checkCommon(sh: ServerHelloMessage): void {
    // RFC 8446 §4.1.3: legacy_session_id_echo must equal what we sent.
    if (!equalBytes(sh.sessionId, this.offer.sessionId)) throw illegalParameter('server_hello does not echo our session id');
    const suite = cipherSuiteById(sh.cipherSuite);
    if (!suite || suite.version !== 'TLSv1.3' || !this.offer.cipherSuites.includes(suite)) {
      throw illegalParameter(`server chose cipher suite ${cipherSuiteName(sh.cipherSuite)}, which we did not offer`);
    }
    for (const { type } of sh.extensions) {
      // RFC 8446 §4.1.4: an extension we did not offer is unsupported_extension (cookie excepted in HRR).
      if (!this.offer.extensionTypes.has(type) && !(sh.isRetryRequest && type === ExtensionType.cookie)) {
        throw new TlsError('unsupported_extension', `server sent ${extensionName(type)}, which we did not offer`);
      }
    }
    // RFC 8446 §4.1.4: after a retry, the ServerHello must keep the suite the retry named.
    if (this.retryRequest && this.retryRequest.cipherSuite !== sh.cipherSuite) {
      throw illegalParameter('server_hello changed the cipher suite chosen in hello_retry_request');
    }
  }

  /** RFC 8446 §4.1.4: answer a HelloRetryRequest once, with a share for the group it names. */
  private retry(hrr: ServerHelloMessage, io: HandshakeIO): HandshakeState {
    if (this.retried) throw new TlsError('unexpected_message', 'server sent a second hello_retry_request');
    const suite = cipherSuiteById(hrr.cipherSuite)!;
    let keyShares = this.offer.keyShares;
    if (hrr.retryGroup !== undefined) {
      const group = groupById(hrr.retryGroup);
      // The group must be one we offered and one we did not already send a share for.
      if (!group || !this.offer.groups.includes(group)) throw illegalParameter(`hello_retry_request asks for group ${groupName(hrr.retryGroup)}, which we did not offer`);
      if (this.offer.keyShares.has(group.id)) throw illegalParameter(`hello_retry_request asks for ${group.name}, for which we already sent a share`);
      keyShares = new Map([[group.id, io.provider.generateKeyShare(group.name)]]);
    }
    io.step({ step: 'hello-retry-request', ...(hrr.retryGroup !== undefined ? { group: groupName(hrr.retryGroup) } : {}), cookie: hrr.cookie !== undefined });
    io.transcript.setHash(suite.hash);
    io.transcript.replaceWithMessageHash();
    io.transcript.add(hrr.raw);
    // RFC 8446 Appendix D.4: the compatibility CCS goes before the second ClientHello.
    if (this.offer.sessionId.length > 0) io.sendChangeCipherSpec();
    const offer = sendClientHello(io, this.config, { ...this.offer, keyShares, ...(hrr.cookie ? { cookie: hrr.cookie } : {}) });
    return new ExpectServerHello(this.config, offer, true, hrr);
  }

  private serverHello13(sh: ServerHelloMessage, io: HandshakeIO): HandshakeState {
    const suite = cipherSuiteById(sh.cipherSuite)!;
    if (!sh.keyShare) throw new TlsError('missing_extension', 'server_hello has no key_share (and we offered no PSK)');
    const share = this.offer.keyShares.get(sh.keyShare.group);
    // RFC 8446 §4.2.8: the server's share must be for a group we sent a share for.
    if (!share) throw illegalParameter(`server answered with a key share for ${groupName(sh.keyShare.group)}, for which we sent none`);
    const group = groupById(sh.keyShare.group)!;
    io.info.version = 'TLSv1.3';
    io.info.cipherSuite = suite;
    io.info.group = group;
    io.step({ step: 'server-hello', version: 'TLSv1.3', cipherSuite: suite.name, group: group.name, resumed: false });

    const shared = share.agree(sh.keyShare.keyExchange);
    io.step({ step: 'key-exchange', group: group.name, ourShareBytes: share.publicKey.length, peerShareBytes: sh.keyShare.keyExchange.length });
    io.transcript.setHash(suite.hash);
    io.transcript.add(sh.raw);
    const helloHash = io.transcript.current();
    const handshakeSecret = new EarlySecret(io.provider, suite.hash).toHandshakeSecret(shared);
    shared.wipe();
    const clientHandshakeSecret = handshakeSecret.clientTrafficSecret(helloHash);
    const serverHandshakeSecret = handshakeSecret.serverTrafficSecret(helloHash);
    installTrafficSecret(io, suite, serverHandshakeSecret, 'server', 'client', 'handshake');
    installTrafficSecret(io, suite, clientHandshakeSecret, 'client', 'client', 'handshake');
    return new ExpectEncryptedExtensions({
      config: this.config, offer: this.offer, suite, handshakeSecret, clientHandshakeSecret, serverHandshakeSecret,
      compatibilityCcsPending: this.offer.sessionId.length > 0 && !this.retried,
    });
  }
}
