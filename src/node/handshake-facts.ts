// What node:tls's TLSSocket reports from the handshake messages themselves (getFinished(),
// getPeerFinished(), getSharedSigalgs(), getTLSTicket()), gathered from the engine's
// 'handshake-message' events as they pass: the engine keeps none of it once the handshake is over.
import type { TlsEvent } from '../engine/events.js';
import { readCertificateRequest13 } from '../messages/certificate-request.js';
import { readClientHello } from '../messages/client-hello.js';
import { HANDSHAKE_HEADER_LENGTH, type HandshakeMessage } from '../messages/handshake.js';
import { readNewSessionTicket13 } from '../messages/new-session-ticket.js';
import { readCertificateRequest12, readNewSessionTicket12 } from '../messages/tls12.js';
import { HandshakeType as H } from '../protocol/constants.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';

export class HandshakeFacts {
  /** The verify_data of the last Finished we sent / received (RFC 8446 §4.4.4, RFC 5246 §7.4.9). */
  ownFinished: Buffer | undefined;
  peerFinished: Buffer | undefined;
  /** The ticket of the last NewSessionTicket received (RFC 5077 §3.3, RFC 8446 §4.6.1). */
  ticket: Buffer | undefined;
  /** The signature schemes the peer said it accepts (server: ClientHello; client: CertificateRequest). */
  peerSignatureSchemes: readonly number[] = [];
  private version: 'TLSv1.2' | 'TLSv1.3' | undefined;

  constructor(private readonly isServer: boolean) {}

  /** Records what node:tls reports from one engine event; `version` is the connection's, once known. */
  observe(event: TlsEvent, version: 'TLSv1.2' | 'TLSv1.3' | undefined): void {
    if (event.kind !== 'handshake-message') return;
    this.version = version ?? this.version;
    const raw = event.raw;
    const msg: HandshakeMessage = { type: event.type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
    // Each message already passed (or came from) the engine's own reader: a failure here can only
    // mean a message we do not describe, and is not the socket's business.
    try {
      this.record(msg, event.direction);
    } catch {
      // nothing recorded
    }
  }

  private record(msg: HandshakeMessage, direction: 'sent' | 'received'): void {
    switch (msg.type) {
      case H.finished:
        if (direction === 'sent') this.ownFinished = Buffer.from(msg.body);
        else this.peerFinished = Buffer.from(msg.body);
        return;
      case H.client_hello:
        if (direction === 'received' && this.isServer) this.peerSignatureSchemes = readClientHello(msg).signatureAlgorithms ?? [];
        return;
      case H.certificate_request:
        if (direction === 'received' && !this.isServer) {
          this.peerSignatureSchemes =
            this.version === 'TLSv1.2' ? readCertificateRequest12(msg).signatureAlgorithms : readCertificateRequest13(msg).signatureAlgorithms;
        }
        return;
      case H.new_session_ticket:
        if (direction === 'received') {
          const ticket = this.version === 'TLSv1.2' ? readNewSessionTicket12(msg).ticket : readNewSessionTicket13(msg).ticket;
          this.ticket = Buffer.from(ticket);
        }
        return;
    }
  }

  /**
   * As node:tls's getSharedSigalgs(): the schemes both sides accept, in the peer's order (OpenSSL's
   * default), named as OpenSSL names them ('ECDSA+SHA256', 'RSA-PSS+SHA256', 'Ed25519+UNDEF').
   */
  sharedSigalgs(ours: readonly SignatureScheme[]): string[] {
    const byId = new Map(ours.map((s) => [s.id, s]));
    const shared: string[] = [];
    for (const id of this.peerSignatureSchemes) {
      const scheme = byId.get(id);
      if (scheme) shared.push(opensslSigalgName(scheme));
    }
    return shared;
  }
}

/** OpenSSL's "<key>+<hash>" name of a scheme (what node:tls shows); Ed25519 and Ed448 hash nothing apart. */
export function opensslSigalgName(scheme: SignatureScheme): string {
  const a = scheme.algorithm;
  const hash = 'hash' in a && a.hash ? a.hash.toUpperCase() : 'UNDEF';
  switch (a.kind) {
    case 'ecdsa':
      return `ECDSA+${hash}`;
    case 'rsa-pss':
      return `RSA-PSS+${hash}`;
    case 'rsa-pkcs1':
      return `RSA+${hash}`;
    case 'ed25519':
      return 'Ed25519+UNDEF';
    case 'ed448':
      return 'Ed448+UNDEF';
  }
}
