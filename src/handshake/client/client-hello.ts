// The client's offer (RFC 8446 §4.1.2): what it sends first, and again after a HelloRetryRequest.
import type { KeyShare } from '../../crypto/provider.js';
import type { ClientConfig } from '../config.js';
import { buildClientHello, readClientHello } from '../../messages/client-hello.js';
import type { Extension } from '../../messages/extensions/extension.js';
import { writeAlpnList } from '../../messages/extensions/alpn.js';
import { writeCookie } from '../../messages/extensions/cookie.js';
import { writeEcPointFormats } from '../../messages/extensions/ec-point-formats.js';
import { writeKeyShareClient } from '../../messages/extensions/key-share.js';
import { writeRenegotiationInfo } from '../../messages/extensions/renegotiation-info.js';
import { isValidSniHostName, writeServerNameClient } from '../../messages/extensions/server-name.js';
import { writeSignatureSchemes } from '../../messages/extensions/signature-algorithms.js';
import { writeSupportedGroups } from '../../messages/extensions/supported-groups.js';
import { writeSupportedVersionsClient } from '../../messages/extensions/supported-versions.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import type { CipherSuite } from '../../protocol/cipher-suites.js';
import { ExtensionType as E, ProtocolVersion, PskKeyExchangeMode, versionName } from '../../protocol/constants.js';
import { cipherSuiteById } from '../../protocol/cipher-suites.js';
import { hashLength } from '../../crypto/provider.js';
import { bindersListLength, writeOfferedPsks, writePskModes } from '../../messages/extensions/pre-shared-key.js';
import type { SessionState } from '../session.js';
import { writeStatusRequest } from '../../messages/extensions/status-request.js';
import { binderTranscriptHash, computeBinder, obfuscatedTicketAge } from '../tls13/psk.js';
import type { NamedGroup } from '../../protocol/groups.js';
import { ascii } from '../../wire/bytes.js';
import { encode } from '../../wire/writer.js';
import type { HandshakeIO } from '../state.js';
import type { ExternalPsk } from '../external-psk.js';
import type { Secret } from '../../crypto/secret.js';
import type { HashName } from '../../crypto/provider.js';

/** What the client offered: the answer is checked against it. */
export interface ClientOffer {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly versions: readonly number[];
  readonly cipherSuites: readonly CipherSuite[];
  readonly groups: readonly NamedGroup[];
  readonly keyShares: ReadonlyMap<number, KeyShare>;
  /** The SNI sent, if any. */
  readonly serverName?: string;
  /** The extension types of the ClientHello as sent: the server may answer only with these. */
  readonly extensionTypes: ReadonlySet<number>;
  readonly cookie?: Uint8Array;
  /** TLS 1.2 resumption: the session offered (by ticket or id); the only one the server may resume. */
  readonly session12?: SessionState;
  /** TLS 1.2 resumption: the ticket offered in session_ticket (empty: tickets welcome, none held). */
  readonly ticket12?: Uint8Array;
  /** TLS 1.3 resumption: the session whose ticket is offered as a PSK (RFC 8446 §4.2.11). */
  readonly psk13?: SessionState;
  /** TLS 1.3: an external PSK (RFC 8446 §2.2), offered after the ticket if there is one. */
  readonly externalPsk?: ExternalPsk;
  /** What sessions from a handshake `externalPsk` authenticates are bound to (externalPskTrustDigest), computed while the key is at hand. */
  readonly externalPskTrustDigest?: Uint8Array;
  /** TLS 1.3: early data offered with the PSK (RFC 8446 §4.2.10). */
  readonly earlyData: boolean;
}

/** One PSK of the pre_shared_key extension, in the order sent (the server answers with its index). */
export interface OfferedPsk {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
  readonly secret: Secret;
  readonly hash: HashName;
  /** The ticket, or the external PSK (its binder key differs: RFC 8446 §4.2.11.2). */
  readonly session?: SessionState;
  readonly external?: ExternalPsk;
}

/** The PSKs an offer sends, in order: the ticket, then the external PSK (RFC 8446 §4.2.11). */
export function offeredPsks(config: ClientConfig, offer: Pick<ClientOffer, 'psk13' | 'externalPsk'>): OfferedPsk[] {
  const list: OfferedPsk[] = [];
  const ticket = offer.psk13;
  const ticketSuite = ticket ? cipherSuiteById(ticket.cipherSuite) : undefined;
  if (ticket && ticketSuite) {
    const age = obfuscatedTicketAge(config.now().getTime() - ticket.issuedAt, ticket.ageAdd ?? 0);
    list.push({ identity: ticket.ticket!, obfuscatedTicketAge: age, secret: ticket.secret, hash: ticketSuite.hash, session: ticket });
  }
  const external = offer.externalPsk;
  // RFC 8446 §4.2.11: an external identity's obfuscated_ticket_age SHOULD be 0.
  if (external) list.push({ identity: external.identity, obfuscatedTicketAge: 0, secret: external.secret, hash: external.hash, external });
  return list;
}

/** An offer before its ClientHello is sent: what was sent is known only after. */
export type ClientOfferDraft = Omit<ClientOffer, 'extensionTypes'>;

export function offeredVersions(config: ClientConfig): number[] {
  const versions: number[] = [];
  for (let v = config.maxVersion; v >= config.minVersion; v--) versions.push(v);
  return versions;
}

/** Builds a ClientHello for the offer, sends it, and returns the offer with what was sent. */
export function sendClientHello(io: HandshakeIO, config: ClientConfig, offer: ClientOfferDraft): ClientOffer {
  const tls12 = offer.versions.includes(ProtocolVersion.TLSv1_2);
  const tls13 = offer.versions.includes(ProtocolVersion.TLSv1_3);
  const extensions: Extension[] = [];
  const add = (type: number, body: Uint8Array = new Uint8Array(0)): void => {
    extensions.push({ type, body });
  };
  if (offer.serverName !== undefined) {
    const name = offer.serverName;
    add(
      E.server_name,
      encode((w) => writeServerNameClient(w, name)),
    );
  }
  if (tls12) {
    add(E.extended_master_secret);
    // RFC 5746 §3.4: an empty renegotiation_info on the initial handshake.
    add(
      E.renegotiation_info,
      encode((w) => writeRenegotiationInfo(w, new Uint8Array(0))),
    );
    add(
      E.ec_point_formats,
      encode((w) => writeEcPointFormats(w)),
    );
    // RFC 5077 §3.2: an empty session_ticket asks for a ticket; a full one offers it.
    add(E.session_ticket, offer.ticket12 ?? new Uint8Array(0));
  }
  if (config.requestOcsp)
    add(
      E.status_request,
      encode((w) => writeStatusRequest(w)),
    );
  if (config.recordSizeLimit !== undefined) {
    const limit = config.recordSizeLimit;
    add(
      E.record_size_limit,
      encode((w) => w.u16(limit)),
    );
  }
  add(
    E.supported_groups,
    encode((w) =>
      writeSupportedGroups(
        w,
        offer.groups.map((g) => g.id),
      ),
    ),
  );
  add(
    E.signature_algorithms,
    encode((w) =>
      writeSignatureSchemes(
        w,
        config.signatureSchemes.map((s) => s.id),
      ),
    ),
  );
  if (config.alpnProtocols.length > 0)
    add(
      E.application_layer_protocol_negotiation,
      encode((w) => writeAlpnList(w, config.alpnProtocols)),
    );
  if (tls13) {
    add(
      E.supported_versions,
      encode((w) => writeSupportedVersionsClient(w, offer.versions)),
    );
    const shares = [...offer.keyShares].map(([group, s]) => ({ group, keyExchange: s.publicKey }));
    add(
      E.key_share,
      encode((w) => writeKeyShareClient(w, shares)),
    );
    if (offer.cookie) {
      const cookie = offer.cookie;
      add(
        E.cookie,
        encode((w) => writeCookie(w, cookie)),
      );
    }
    // RFC 8446 §4.2.9: we accept tickets only with a fresh (EC)DHE exchange (psk_dhe_ke).
    add(
      E.psk_key_exchange_modes,
      encode((w) => writePskModes(w, [PskKeyExchangeMode.psk_dhe_ke])),
    );
    if (offer.earlyData) add(E.early_data);
    // RFC 8446 §4.2.6: a client with a certificate can be asked for it after the handshake.
    if (config.certificates.length > 0) add(E.post_handshake_auth);
  }
  const psks = tls13 ? offeredPsks(config, offer) : [];
  if (psks.length > 0) {
    // RFC 8446 §4.2.11: pre_shared_key goes last, its binders filled in once the rest is encoded.
    const placeholders = psks.map((p) => new Uint8Array(hashLength[p.hash]));
    add(
      E.pre_shared_key,
      encode((w) => writeOfferedPsks(w, psks, placeholders)),
    );
  }
  const hello = buildClientHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: offer.random,
    sessionId: offer.sessionId,
    cipherSuites: offer.cipherSuites.map((s) => s.id),
    extensions,
  });
  if (psks.length > 0) {
    // RFC 8446 §4.2.11.2: each binder MACs the transcript up to the binders list, under its own PSK.
    const bindersLength = bindersListLength(psks.map((p) => hashLength[p.hash]));
    let at = hello.raw.length - bindersLength + 2;
    for (const p of psks) {
      const binder = computeBinder(
        io.provider,
        p.hash,
        p.secret,
        binderTranscriptHash(io.transcript, hello.raw, bindersLength, p.hash),
        p.external !== undefined,
      );
      (hello.raw as Uint8Array).set(binder, at + 1);
      at += 1 + binder.length;
    }
  }
  return send(io, hello, config, offer);
}

function send(io: HandshakeIO, hello: HandshakeMessage, config: ClientConfig, offer: ClientOfferDraft): ClientOffer {
  // RFC 8446 §4.1.4, §4.2: the answer is judged against the extensions on the wire, read back from
  // the message as sent (the same as built, unless a test hook replaced it).
  const sent = readClientHello(io.send(hello));
  io.step({
    step: 'client-hello',
    versions: offer.versions.map(versionName),
    cipherSuites: offer.cipherSuites.map((s) => s.name),
    groups: offer.groups.map((g) => g.name),
    keyShares: [...offer.keyShares.values()].map((s) => s.group),
    signatureSchemes: config.signatureSchemes.map((s) => s.name),
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
    alpn: config.alpnProtocols.map(ascii),
  });
  return { ...offer, extensionTypes: new Set(sent.extensions.map((e) => e.type)) };
}

/** The SNI to send: the configured name when it is a DNS name (RFC 6066 §3: never an IP literal). */
export function sniFor(config: ClientConfig): string | undefined {
  const name = config.serverName;
  return name !== undefined && isValidSniHostName(name) ? name.toLowerCase() : undefined;
}
