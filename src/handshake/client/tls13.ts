// The TLS 1.3 client after ServerHello (RFC 8446 §2, §4.3-4.4): EncryptedExtensions, the
// server's Certificate and CertificateVerify, Finished; then our own Finished.
import { TlsError, decodeError, decryptError, illegalParameter } from '../../errors.js';
import type { PublicKey } from '../../crypto/provider.js';
import type { Secret } from '../../crypto/secret.js';
import type { ClientConfig } from '../config.js';
import { buildCertificate13, checkEntryExtensions, readCertificate13 } from '../../messages/certificate.js';
import { readCertificateRequest13, type CertificateRequest13 } from '../../messages/certificate-request.js';
import { readCertificateVerify } from '../../messages/certificate-verify.js';
import { readEncryptedExtensions } from '../../messages/encrypted-extensions.js';
import { buildEndOfEarlyData } from '../../messages/end-of-early-data.js';
import { decodeExtension } from '../../messages/extensions/extension.js';
import { readCertificateStatusBody } from '../../messages/extensions/status-request.js';
import { buildFinished, readFinished } from '../../messages/finished.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { cipherSuiteName, type CipherSuite } from '../../protocol/cipher-suites.js';
import { ExtensionType, HandshakeType, ProtocolVersion, extensionName } from '../../protocol/constants.js';
import { MAX_TICKET_LIFETIME, type NewSessionTicket13 } from '../../messages/new-session-ticket.js';
import { hashLength } from '../../crypto/provider.js';
import { ascii } from '../../wire/bytes.js';
import { authenticatePeerChain, sendCertificateVerify13, verifyCertificateVerify13 } from '../authentication.js';
import { computeFinished, ticketPsk, verifyFinished, type HandshakeSecret, type MasterSecret } from '../key-schedule.js';
import { tls13Exporter } from '../exporter.js';
import { chooseClientCertificate } from '../negotiation.js';
import { expect, wipeAll, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { Connected13 } from '../tls13/connected.js';
import { installTrafficSecret } from '../tls13/traffic.js';
import { peerForSession } from '../session.js';
import { trustDigest } from '../trust-binding.js';
import type { ClientOffer } from './client-hello.js';

/** What the client knows once ServerHello is processed. */
export interface Client13Context {
  readonly config: ClientConfig;
  readonly offer: ClientOffer;
  readonly suite: CipherSuite;
  readonly handshakeSecret: HandshakeSecret;
  readonly clientHandshakeSecret: Secret;
  readonly serverHandshakeSecret: Secret;
  /** Whether we still owe the middlebox-compatibility ChangeCipherSpec (RFC 8446 Appendix D.4). */
  readonly compatibilityCcsPending: boolean;
  /** The server accepted our PSK (a ticket or an external one): no certificate messages follow (RFC 8446 §2.2). */
  readonly pskAccepted: boolean;
  /** We sent 0-RTT data: our handshake write keys wait until EndOfEarlyData. */
  readonly earlyDataOffered: boolean;
}

/** The handshake secrets a client state holds until the handshake is done. */
function wipeContext(ctx: Client13Context): void {
  wipeAll(ctx.handshakeSecret, ctx.clientHandshakeSecret, ctx.serverHandshakeSecret);
}

export class ExpectEncryptedExtensions implements HandshakeState {
  readonly kind = 'client-expect-encrypted-extensions';
  constructor(private readonly ctx: Client13Context) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'encrypted_extensions');
    const ee = readEncryptedExtensions(msg);
    // RFC 8446 §4.2: an extension the client did not offer is unsupported_extension.
    for (const { type } of ee.extensions) {
      if (type === ExtensionType.supported_groups) continue; // RFC 8446 §4.2.7: informational, always allowed
      if (!this.ctx.offer.extensionTypes.has(type)) {
        throw new TlsError('unsupported_extension', `server sent ${extensionName(type)} in encrypted_extensions, which we did not offer`);
      }
    }
    if (ee.alpn) {
      const chosen = ee.alpn;
      // RFC 7301 §3.2: the server's choice must be one the client offered.
      if (!this.ctx.config.alpnProtocols.some((p) => ascii(p) === ascii(chosen))) {
        throw new TlsError('illegal_parameter', `server chose application protocol "${ascii(chosen)}", which we did not offer`);
      }
      io.info.alpnProtocol = ascii(chosen);
    }
    if (ee.recordSizeLimit !== undefined) {
      // RFC 8449 §4: in TLS 1.3 the limit counts the content type byte; both limits hold once both sent one.
      io.setSendLimit(ee.recordSizeLimit - 1);
      if (this.ctx.config.recordSizeLimit !== undefined) io.setReceiveLimit(this.ctx.config.recordSizeLimit - 1);
    }
    if (this.ctx.earlyDataOffered) {
      if (ee.earlyData) this.checkEarlyDataAcceptance(io);
      io.info.earlyData = ee.earlyData ? 'accepted' : 'rejected';
      io.info.earlyDataReason ??= ee.earlyData ? 'accepted' : 'peer_declined';
    } else if (ee.earlyData) {
      throw new TlsError('unsupported_extension', 'server accepted early data we did not send');
    }
    io.transcript.add(msg.raw);
    io.step({ step: 'encrypted-extensions', ...(io.info.alpnProtocol ? { alpn: io.info.alpnProtocol } : {}), serverNameAcknowledged: ee.serverNameAck });
    return this.ctx.pskAccepted ? new ExpectFinished(this.ctx) : new ExpectCertificateOrRequest(this.ctx);
  }

  /**
   * RFC 8446 §4.2.10: our 0-RTT data was protected under the ticket's PSK, cipher suite and ALPN; a
   * server that takes it must have resumed that ticket with that suite and that protocol.
   */
  private checkEarlyDataAcceptance(io: HandshakeIO): void {
    const ticket = this.ctx.offer.psk13;
    if (io.info.resumed !== true || !ticket) throw illegalParameter('server accepted early data without resuming the ticket it was sent under');
    if (this.ctx.suite.id !== ticket.cipherSuite) {
      throw illegalParameter(`server accepted early data with ${this.ctx.suite.name}, but the ticket's suite is ${cipherSuiteName(ticket.cipherSuite)}`);
    }
    const chosen = io.info.alpnProtocol;
    if (chosen !== ticket.alpnProtocol) {
      const what = (p: string | undefined) => (p === undefined ? 'no application protocol' : `application protocol "${p}"`);
      throw illegalParameter(`server accepted early data with ${what(chosen)}, but the ticket was issued for ${what(ticket.alpnProtocol)}`);
    }
  }
}

class ExpectCertificateOrRequest implements HandshakeState {
  readonly kind = 'client-expect-certificate';
  constructor(
    private readonly ctx: Client13Context,
    private readonly request?: CertificateRequest13,
  ) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    if (msg.type === HandshakeType.certificate_request && !this.request) {
      const request = readCertificateRequest13(msg);
      // RFC 8446 §4.3.2: in the main handshake the context is empty. The RFC names no alert: a field
      // out of its range here is decode_error, as OpenSSL and BoringSSL send.
      if (request.requestContext.length !== 0) throw new TlsError('decode_error', 'certificate_request has a non-empty context during the handshake');
      io.transcript.add(msg.raw);
      return new ExpectCertificateOrRequest(this.ctx, request);
    }
    expect(msg, 'certificate');
    const cert = readCertificate13(msg, { maxChainLength: this.ctx.config.limits.maxChainLength });
    if (cert.requestContext.length !== 0) throw new TlsError('illegal_parameter', 'server certificate has a non-empty request context');
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (cert.entries.length === 0) throw decodeError('server sent an empty certificate list');
    const chain = cert.entries.map((e) => e.certData);
    const stapled = cert.entries[0]!.extensions.find((e) => e.type === ExtensionType.status_request);
    if (stapled) {
      // RFC 8446 §4.4.2.1: an OCSP response only if we asked.
      if (!this.ctx.config.requestOcsp) throw new TlsError('unsupported_extension', 'server stapled an OCSP response we did not ask for');
    }
    checkEntryExtensions(cert, this.ctx.config.requestOcsp ? [ExtensionType.status_request] : [], 'server');
    if (stapled) {
      io.info.ocspResponse = decodeExtension(stapled.body, 'status_request', readCertificateStatusBody);
    }
    io.step({ step: 'certificate', side: 'server', certificates: chain });
    return authenticatePeerChain(
      io,
      this.ctx.config,
      chain,
      'server',
      this.ctx.config.serverName,
      (key, resumed) => {
        resumed.transcript.add(msg.raw);
        return new ExpectCertificateVerify(this.ctx, key, this.request);
      },
      this.ctx.config.serverIdentity,
    );
  }
}

class ExpectCertificateVerify implements HandshakeState {
  readonly kind = 'client-expect-certificate-verify';
  constructor(
    private readonly ctx: Client13Context,
    private readonly key: PublicKey,
    private readonly request?: CertificateRequest13,
  ) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'certificate_verify');
    const signed = readCertificateVerify(msg);
    return verifyCertificateVerify13(io, this.ctx.config, signed, this.key, 'server', (resumed) => {
      resumed.transcript.add(msg.raw);
      return new ExpectFinished(this.ctx, this.request);
    });
  }
}

class ExpectFinished implements HandshakeState {
  readonly kind = 'client-expect-finished';
  constructor(
    private readonly ctx: Client13Context,
    private readonly request?: CertificateRequest13,
  ) {}

  wipe(): void {
    wipeContext(this.ctx);
  }

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'finished');
    const { suite } = this.ctx;
    const p = io.provider;
    const verifyData = readFinished(msg, hashLength[suite.hash]);
    // RFC 8446 §4.4.4: the server's Finished MACs the transcript up to its CertificateVerify.
    if (!verifyFinished(p, suite.hash, this.ctx.serverHandshakeSecret, io.transcript.current(), verifyData)) {
      throw decryptError('server Finished does not match the handshake (tampered with, or a different key exchange)');
    }
    io.step({ step: 'finished', side: 'server', verified: true });
    io.transcript.add(msg.raw);

    // RFC 8446 §7.1: application secrets over ClientHello..server Finished.
    const serverFinishedHash = io.transcript.current();
    const master: MasterSecret = this.ctx.handshakeSecret.toMasterSecret();
    const clientApp = master.clientTrafficSecret(serverFinishedHash);
    const serverApp = master.serverTrafficSecret(serverFinishedHash);
    const exporterSecret = master.exporterMasterSecret(serverFinishedHash);
    io.keylog('EXPORTER_SECRET', exporterSecret);
    io.setExporter(tls13Exporter(p, suite.hash, exporterSecret));
    installTrafficSecret(io, suite, serverApp, 'server', 'client', 'application');

    if (this.ctx.compatibilityCcsPending) io.sendChangeCipherSpec();
    if (this.ctx.earlyDataOffered) {
      // RFC 8446 §4.5: EndOfEarlyData under the early keys if the server took our 0-RTT data.
      if (io.info.earlyData === 'accepted') io.send(buildEndOfEarlyData());
      installTrafficSecret(io, suite, this.ctx.clientHandshakeSecret, 'client', 'client', 'handshake');
    }
    const finish = (io: HandshakeIO): Next => this.finish(io, master, clientApp, serverApp);
    return this.request ? this.sendClientCertificate(io, this.request, finish) : finish(io);
  }

  /** Our Finished, application keys, and the connected state. */
  private finish(io: HandshakeIO, master: MasterSecret, clientApp: Secret, serverApp: Secret): Next {
    const { suite } = this.ctx;
    const p = io.provider;
    io.send(buildFinished(computeFinished(p, suite.hash, this.ctx.clientHandshakeSecret, io.transcript.current())));
    io.step({ step: 'finished', side: 'client', verified: true });
    this.ctx.clientHandshakeSecret.wipe();
    this.ctx.serverHandshakeSecret.wipe();
    installTrafficSecret(io, suite, clientApp, 'client', 'client', 'application');

    const resumption = master.resumptionMasterSecret(io.transcript.current());
    master.wipe();
    io.complete();
    const { config } = this.ctx;
    const pskBinding = io.info.pskIdentity !== undefined ? this.ctx.offer.externalPskTrustDigest : undefined;
    const onTicket = (ticket: NewSessionTicket13, resumptionMasterSecret: Secret): void => {
      // RFC 8446 §4.6.1: a lifetime of zero means "do not use"; more than 7 days is capped.
      if (ticket.lifetime === 0) return;
      io.newSession({
        version: ProtocolVersion.TLSv1_3,
        cipherSuite: suite.id,
        secret: ticketPsk(io.provider, suite.hash, resumptionMasterSecret, ticket.nonce),
        extendedMasterSecret: false,
        issuedAt: config.now().getTime(),
        lifetime: Math.min(ticket.lifetime, MAX_TICKET_LIFETIME),
        ...(config.serverName !== undefined ? { serverName: config.serverName } : {}),
        ...(io.info.alpnProtocol !== undefined ? { alpnProtocol: io.info.alpnProtocol } : {}),
        // A resumed connection's info holds the session's authentication and its time. A server an
        // external PSK authenticated: the session is bound to that PSK (../trust-binding.ts).
        ...peerForSession(io.info, pskBinding ?? trustDigest(config), config.now().getTime()),
        ...(pskBinding ? { pskIdentity: this.ctx.offer.externalPsk!.identity } : {}),
        ticket: ticket.ticket.slice(),
        ageAdd: ticket.ageAdd,
        maxEarlyData: ticket.maxEarlyDataSize ?? 0,
      });
    };
    const postHandshakeAuth = { offered: this.ctx.offer.extensionTypes.has(ExtensionType.post_handshake_auth), config };
    return new Connected13('client', { suite, readSecret: serverApp, writeSecret: clientApp, resumptionMasterSecret: resumption }, onTicket, postHandshakeAuth);
  }

  /** RFC 8446 §4.4.2, §4.4.3: our certificate and signature, or an empty certificate if we have none that fits. */
  private sendClientCertificate(io: HandshakeIO, request: CertificateRequest13, then: (io: HandshakeIO) => Next): Next {
    const config = this.ctx.config;
    const chosen = chooseClientCertificate(config.certificates, config.signingSchemes ?? config.signatureSchemes, request);
    if (!chosen) {
      io.send(buildCertificate13(request.requestContext, []));
      return then(io);
    }
    io.send(buildCertificate13(request.requestContext, chosen.certificate.chain));
    io.info.localCertificates = chosen.certificate.chain;
    return sendCertificateVerify13(io, chosen.certificate, chosen.scheme, 'client', then);
  }
}
