// The client's first steps (RFC 8446 §4.1.1-4.1.4): send the ClientHello, then judge the
// ServerHello or HelloRetryRequest against what was offered.
import { TlsError, illegalParameter } from '../../errors.js';
import type { KeyShare } from '../../crypto/provider.js';
import type { ClientConfig } from '../config.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { readServerHello, type ServerHelloMessage } from '../../messages/server-hello.js';
import { cipherSuiteById, cipherSuiteName, type CipherSuite } from '../../protocol/cipher-suites.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, ProtocolVersion, extensionName, versionName } from '../../protocol/constants.js';
import { groupById, groupName } from '../../protocol/groups.js';
import { ascii, equalBytes, fromUtf8 } from '../../wire/bytes.js';
import { PlaintextProtection } from '../../record/protection.js';
import { EarlySecret } from '../key-schedule.js';
import { expect, type EarlyDataReason, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { installTrafficSecret } from '../tls13/traffic.js';
import { offeredPsks, offeredVersions, sendClientHello, sniFor, type ClientOffer, type ClientOfferDraft, type OfferedPsk } from './client-hello.js';
import type { ExternalPsk } from '../external-psk.js';
import { ExpectEncryptedExtensions } from './tls13.js';
import { serverHello12 } from './tls12.js';
import { resumeAuthentication, sessionIsFresh, type SessionState } from '../session.js';
import { externalPskTrustDigest, sessionAuthenticationFits } from '../trust-binding.js';

/**
 * The configured session, if it is a TLS 1.3 ticket we may offer now (RFC 8446 §4.6.1); one from
 * a handshake an external PSK authenticated needs `external` to be that same PSK.
 */
function resumableTls13(config: ClientConfig, external: ExternalPsk | undefined): SessionState | undefined {
  const s = config.session;
  if (!s || s.version !== ProtocolVersion.TLSv1_3 || !s.ticket) return undefined;
  if (!sessionIsFresh(s, config.now().getTime())) return undefined;
  if (s.serverName !== config.serverName) return undefined;
  if (!config.cipherSuites.some((c) => c.id === s.cipherSuite)) return undefined;
  // The server is not authenticated again: the session's authentication must stand for ours.
  if (!sessionAuthenticationFits(config, s, external)) return undefined;
  return s;
}

/** The configured session, if it is a TLS 1.2 one we may offer now. */
function resumableTls12(config: ClientConfig, versions: readonly number[]): SessionState | undefined {
  const s = config.session;
  if (!s || s.version !== ProtocolVersion.TLSv1_2 || !versions.includes(ProtocolVersion.TLSv1_2)) return undefined;
  if (!sessionIsFresh(s, config.now().getTime()) || !s.extendedMasterSecret) return undefined;
  if (s.serverName !== undefined && config.serverName !== undefined && s.serverName !== config.serverName) return undefined;
  // The server is not authenticated again: the session's authentication must stand for ours.
  if (!sessionAuthenticationFits(config, s)) return undefined;
  return s.ticket || s.sessionId ? s : undefined;
}

/** Starts a client handshake: sends the ClientHello. */
export function startClient(config: ClientConfig, io: HandshakeIO): HandshakeState {
  const p = config.provider;
  const versions = offeredVersions(config);
  const serverName = sniFor(config);
  const tls13 = versions.includes(ProtocolVersion.TLSv1_3);
  const resume12 = resumableTls12(config, versions);
  // RFC 8446 §2.2: an external PSK, asked for once per handshake (node:tls's pskCallback).
  // It is usable only with a suite of its hash (RFC 8446 §4.2.11): without one, it is not offered.
  const offered = tls13 ? config.externalPsk?.() : undefined;
  const externalPsk = offered && config.cipherSuites.some((s) => s.version === 'TLSv1.3' && s.hash === offered.hash) ? offered : undefined;
  if (offered && !externalPsk) offered.secret.wipe(); // not offered: the key is not kept
  const resume13 = tls13 ? resumableTls13(config, externalPsk) : undefined;
  // Randomness is drawn in ClientHello field order (random, session id, key shares), so a recorded
  // RNG pool (the RFC 8448 traces) replays deterministically.
  const random = p.randomBytes(32);
  // RFC 5077 §3.4: with a ticket, a fresh session id tells us whether the server resumed.
  // RFC 8446 Appendix D.4: a non-empty legacy_session_id turns on middlebox compatibility mode.
  const sessionId = resume12?.ticket
    ? p.randomBytes(32)
    : resume12?.sessionId
      ? resume12.sessionId
      : tls13 && config.middleboxCompatibility
        ? p.randomBytes(32)
        : new Uint8Array(0);
  const keyShares = new Map<number, KeyShare>();
  if (tls13) for (const g of config.keyShareGroups) keyShares.set(g.id, p.generateKeyShare(g.name));
  const draft: ClientOfferDraft = {
    random,
    sessionId,
    ...(resume12 ? { session12: resume12 } : {}),
    ...(resume12?.ticket ? { ticket12: resume12.ticket } : {}),
    ...(resume13 ? { psk13: resume13 } : {}),
    ...(externalPsk ? { externalPsk, externalPskTrustDigest: externalPskTrustDigest(config, externalPsk) } : {}),
    earlyData: earlyDataPossible(config, resume13),
    versions,
    cipherSuites: config.cipherSuites.filter((s) => versions.includes(s.version === 'TLSv1.3' ? ProtocolVersion.TLSv1_3 : ProtocolVersion.TLSv1_2)),
    groups: config.groups,
    keyShares,
    ...(serverName !== undefined ? { serverName } : {}),
  };
  io.info.clientRandom = random;
  if (config.serverName !== undefined) io.info.serverName = config.serverName;
  const notOffered = earlyDataNotOffered(config, tls13, resume13);
  if (notOffered) io.info.earlyDataReason = notOffered;
  const offer = sendClientHello(io, config, draft);
  if (offer.earlyData && resume13) startEarlyData(io, offer, resume13);
  return new ExpectServerHello(config, offer, false);
}

/** RFC 8446 §4.2.10: 0-RTT needs the option, a ticket that allows it, and the ticket's ALPN still offered. */
function earlyDataPossible(config: ClientConfig, session: SessionState | undefined): boolean {
  if (!config.earlyData || !session || (session.maxEarlyData ?? 0) === 0) return false;
  return session.alpnProtocol === undefined || config.alpnProtocols.some((p) => ascii(p) === session.alpnProtocol);
}

/** Why we send no early data (the checks of earlyDataPossible, named), or undefined when we do. */
function earlyDataNotOffered(config: ClientConfig, tls13: boolean, session: SessionState | undefined): EarlyDataReason | undefined {
  if (!config.earlyData) return 'disabled';
  if (!tls13) return 'protocol_version';
  if (!session) return 'no_session_offered';
  if ((session.maxEarlyData ?? 0) === 0) return 'unsupported_for_session';
  if (!earlyDataPossible(config, session)) return 'alpn_mismatch';
  return undefined;
}

/** After the ClientHello: the compatibility CCS, then early keys for 0-RTT data (RFC 8446 §2.3, Appendix D.4). */
function startEarlyData(io: HandshakeIO, offer: ClientOffer, session: SessionState): void {
  const suite = cipherSuiteById(session.cipherSuite)!;
  if (offer.sessionId.length > 0) io.sendChangeCipherSpec();
  const early = new EarlySecret(io.provider, suite.hash, session.secret);
  const secret = early.clientEarlyTrafficSecret(io.transcript.hashWith(new Uint8Array(0), suite.hash));
  io.info.cipherSuite = suite;
  installTrafficSecret(io, suite, secret, 'client', 'client', 'early');
  io.allowEarlyWrites(session.maxEarlyData);
  io.info.earlyData = 'offered';
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

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'server_hello');
    const sh = readServerHello(msg);
    const version = this.negotiatedVersion(sh);
    this.checkExtensions(sh);
    if (version === ProtocolVersion.TLSv1_2) {
      if (this.retried) throw illegalParameter('server chose TLS 1.2 after a TLS 1.3 hello_retry_request');
      // RFC 8446 Appendix D.3: a client that tried 0-RTT fails the connection on an older version
      // (its early data is already on the wire). No alert is named: illegal_parameter, as BoringSSL.
      if (this.offer.earlyData) throw illegalParameter('server chose TLS 1.2 after we sent TLS 1.3 early data');
      // An external PSK is TLS 1.3's alone: our copy of the key goes now, as after a TLS 1.3 ServerHello.
      this.offer.externalPsk?.secret.wipe();
      return serverHello12(this.config, this.offer, sh, io);
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
        const why = sh.selectedVersion < ProtocolVersion.TLSv1_3 ? 'where only TLS 1.3 or later may be selected' : 'which we did not offer';
        throw illegalParameter(`server selected ${versionName(sh.selectedVersion)} in supported_versions, ${why}`);
      }
      // RFC 8446 §4.1.3: legacy_version is fixed at TLS 1.2; the RFC names no alert. As BoringSSL: in
      // a HelloRetryRequest, or the ServerHello after one (the version is settled by then), another
      // value is out of the field's range (decode_error); in a first ServerHello it is the version
      // the server speaks, one we do not (protocol_version, RFC 8446 §6.2).
      if (sh.legacyVersion !== ProtocolVersion.TLSv1_2) {
        if (sh.isRetryRequest || this.retried)
          throw new TlsError(
            'decode_error',
            `TLS 1.3 ${sh.isRetryRequest ? 'hello_retry_request' : 'server_hello after a hello_retry_request'} has a legacy_version other than TLS 1.2`,
          );
        throw new TlsError('protocol_version', `TLS 1.3 server_hello has legacy_version ${versionName(sh.legacyVersion)}, not TLS 1.2`);
      }
      return sh.selectedVersion;
    }
    const version = sh.legacyVersion;
    if (!offered.includes(version)) {
      // Name the option that rules the server's choice out, so the fix is obvious.
      const bound =
        version < this.config.minVersion
          ? `minVersion is ${versionName(this.config.minVersion)}`
          : version > this.config.maxVersion
            ? `maxVersion is ${versionName(this.config.maxVersion)}`
            : `we offered only ${offered.map(versionName).join(', ')}`;
      throw new TlsError('protocol_version', `server chose ${versionName(version)}, but ${bound}`);
    }
    // RFC 8446 §4.1.3: a TLS 1.3 client that gets an older version with the downgrade sentinel aborts.
    const tail = sh.random.subarray(24);
    if (offered.includes(ProtocolVersion.TLSv1_3) && (equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11))) {
      throw illegalParameter('server_hello carries the TLS 1.3 downgrade sentinel: a man in the middle may be forcing an older version');
    }
    return version;
  }

  private checkExtensions(sh: ServerHelloMessage): void {
    for (const { type } of sh.extensions) {
      // RFC 8446 §4.1.4, RFC 5246 §7.4.1.4: an extension we did not offer is unsupported_extension
      // (cookie excepted in HRR).
      if (!this.offer.extensionTypes.has(type) && !(sh.isRetryRequest && type === ExtensionType.cookie)) {
        throw new TlsError('unsupported_extension', `server sent ${extensionName(type)}, which we did not offer`);
      }
    }
  }

  private checkCommon(sh: ServerHelloMessage): void {
    // RFC 8446 §4.1.3: legacy_session_id_echo must equal what we sent.
    if (!equalBytes(sh.sessionId, this.offer.sessionId)) throw illegalParameter('server_hello does not echo our session id');
    const suite = cipherSuiteById(sh.cipherSuite);
    if (!suite || suite.version !== 'TLSv1.3' || !this.offer.cipherSuites.includes(suite)) {
      throw illegalParameter(`server chose cipher suite ${cipherSuiteName(sh.cipherSuite)}, which we did not offer`);
    }
    // RFC 8446 §4.1.4: after a retry, the ServerHello must keep the suite the retry named.
    if (this.retryRequest && this.retryRequest.cipherSuite !== sh.cipherSuite) {
      throw illegalParameter('server_hello changed the cipher suite chosen in hello_retry_request');
    }
  }

  /** RFC 8446 §4.1.4: answer a HelloRetryRequest once, with a share for the group it names. */
  private retry(hrr: ServerHelloMessage, io: HandshakeIO): HandshakeState {
    if (this.retried) throw new TlsError('unexpected_message', 'server sent a second hello_retry_request');
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello is illegal. Judged here, after
    // its extensions were checked against our offer: one we never offered is unsupported_extension first.
    if (hrr.retryGroup === undefined && hrr.cookie === undefined) throw illegalParameter('hello_retry_request asks for no change');
    const suite = cipherSuiteById(hrr.cipherSuite)!;
    let keyShares = this.offer.keyShares;
    if (hrr.retryGroup !== undefined) {
      const group = groupById(hrr.retryGroup);
      // The group must be one we offered and one we did not already send a share for.
      if (!group || !this.offer.groups.includes(group))
        throw illegalParameter(`hello_retry_request asks for group ${groupName(hrr.retryGroup)}, which we did not offer`);
      if (this.offer.keyShares.has(group.id)) throw illegalParameter(`hello_retry_request asks for ${group.name}, for which we already sent a share`);
      keyShares = new Map([[group.id, io.provider.generateKeyShare(group.name)]]);
    }
    io.step({ step: 'hello-retry-request', ...(hrr.retryGroup !== undefined ? { group: groupName(hrr.retryGroup) } : {}), cookie: hrr.cookie !== undefined });
    if (this.offer.earlyData) io.info.earlyDataReason = 'hello_retry_request';
    if (this.offer.earlyData) {
      // RFC 8446 §4.2.10: a HelloRetryRequest rejects 0-RTT; the second ClientHello goes in the clear.
      io.allowEarlyWrites(undefined);
      io.info.earlyData = 'rejected';
      io.setWriteKeys(new PlaintextProtection(ProtocolVersion.TLSv1_2), 'handshake');
    }
    io.transcript.setHash(suite.hash);
    io.transcript.replaceWithMessageHash();
    io.transcript.add(hrr.raw);
    // RFC 8446 Appendix D.4: the compatibility CCS goes before the second ClientHello (if not sent yet).
    if (this.offer.sessionId.length > 0 && !this.offer.earlyData) io.sendChangeCipherSpec();
    // RFC 8446 §4.2.11: a PSK whose hash differs from the suite the server chose cannot be offered again.
    const { psk13, externalPsk, extensionTypes: _sent, ...rest } = this.offer;
    const keepPsk = psk13 !== undefined && cipherSuiteById(psk13.cipherSuite)?.hash === suite.hash;
    const keepExternal = externalPsk !== undefined && externalPsk.hash === suite.hash;
    // RFC 8446 §4.2.10: early data is never sent after a HelloRetryRequest.
    const offer = sendClientHello(io, this.config, {
      ...rest,
      keyShares,
      earlyData: false,
      ...(keepPsk ? { psk13 } : {}),
      ...(keepExternal ? { externalPsk } : {}),
      ...(hrr.cookie ? { cookie: hrr.cookie } : {}),
    });
    return new ExpectServerHello(this.config, offer, true, hrr);
  }

  private serverHello13(sh: ServerHelloMessage, io: HandshakeIO): HandshakeState {
    const suite = cipherSuiteById(sh.cipherSuite)!;
    const psk = this.acceptedPsk(sh, suite);
    const resumed = psk?.session !== undefined;
    // We offer only psk_dhe_ke, so a key share is always required.
    if (!sh.keyShare) throw new TlsError('missing_extension', 'server_hello has no key_share');
    const share = this.offer.keyShares.get(sh.keyShare.group);
    // RFC 8446 §4.2.8: the server's share must be for a group we sent a share for.
    if (!share) throw illegalParameter(`server answered with a key share for ${groupName(sh.keyShare.group)}, for which we sent none`);
    const group = groupById(sh.keyShare.group)!;
    io.info.version = 'TLSv1.3';
    io.info.cipherSuite = suite;
    io.info.group = group;
    io.step({ step: 'server-hello', version: 'TLSv1.3', cipherSuite: suite.name, group: group.name, resumed });
    if (psk?.session) resumeAuthentication(io.info, psk.session);
    else if (psk?.external) {
      // RFC 8446 §2.2: only a server holding the PSK can finish this handshake (its Finished is
      // keyed by it): that is its authentication, no certificate follows. node:tls says authorized.
      io.info.pskIdentity = fromUtf8(psk.external.identity);
      io.info.authorized = true;
      io.info.authenticatedAt = this.config.now().getTime();
    }

    const shared = share.agree(sh.keyShare.keyExchange);
    io.step({ step: 'key-exchange', group: group.name, ourShareBytes: share.publicKey.length, peerShareBytes: sh.keyShare.keyExchange.length });
    io.transcript.setHash(suite.hash);
    io.transcript.add(sh.raw);
    const helloHash = io.transcript.current();
    const handshakeSecret = new EarlySecret(io.provider, suite.hash, psk?.secret).toHandshakeSecret(shared);
    shared.wipe();
    // Our copy of the external key is not needed past this point (its binding was computed at the start).
    this.offer.externalPsk?.secret.wipe();
    const clientHandshakeSecret = handshakeSecret.clientTrafficSecret(helloHash);
    const serverHandshakeSecret = handshakeSecret.serverTrafficSecret(helloHash);
    installTrafficSecret(io, suite, serverHandshakeSecret, 'server', 'client', 'handshake');
    // With 0-RTT in flight, our early keys stay until EndOfEarlyData (RFC 8446 §4.5).
    const earlyData = this.offer.earlyData && !this.retried;
    io.allowEarlyWrites(undefined);
    if (!earlyData) {
      // RFC 8446 Appendix D.4: our compatibility CCS goes with our second flight, or before an
      // alert we send first (middleboxes, and BoringSSL's runner, expect it before anything protected).
      if (this.offer.sessionId.length > 0 && !this.retried && !this.offer.earlyData) io.oweChangeCipherSpec();
      installTrafficSecret(io, suite, clientHandshakeSecret, 'client', 'client', 'handshake');
    }
    if (earlyData && !psk) {
      io.info.earlyData = 'rejected'; // a full handshake cannot accept early data
      io.info.earlyDataReason = 'session_not_resumed';
    }
    return new ExpectEncryptedExtensions({
      config: this.config,
      offer: this.offer,
      suite,
      handshakeSecret,
      clientHandshakeSecret,
      serverHandshakeSecret,
      compatibilityCcsPending: this.offer.sessionId.length > 0 && !this.retried && !this.offer.earlyData,
      pskAccepted: psk !== undefined,
      earlyDataOffered: earlyData,
    });
  }

  /** RFC 8446 §4.2.11: the PSK the server selected, checked against what we offered. */
  private acceptedPsk(sh: ServerHelloMessage, suite: CipherSuite): OfferedPsk | undefined {
    if (sh.selectedIdentity === undefined) return undefined;
    const psk = offeredPsks(this.config, this.offer)[sh.selectedIdentity];
    if (!psk) throw illegalParameter(`server selected PSK identity ${sh.selectedIdentity}, which we did not offer`);
    // RFC 8446 §4.2.11: the chosen suite must use the PSK's hash.
    if (psk.hash !== suite.hash) throw illegalParameter(`server selected a PSK with ${suite.name}, whose hash differs from the PSK's`);
    return psk;
  }
}
