// The client's offer (RFC 8446 §4.1.2): what it sends first, and again after a HelloRetryRequest.
import type { KeyShare } from '../../crypto/provider.js';
import type { ClientConfig } from '../../engine/config.js';
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
import { ExtensionType as E, ProtocolVersion, versionName } from '../../protocol/constants.js';
import type { NamedGroup } from '../../protocol/groups.js';
import { ascii } from '../../wire/bytes.js';
import { encode } from '../../wire/writer.js';
import type { HandshakeIO } from '../state.js';

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
    add(E.server_name, encode((w) => writeServerNameClient(w, name)));
  }
  if (tls12) {
    add(E.extended_master_secret);
    // RFC 5746 §3.4: an empty renegotiation_info on the initial handshake.
    add(E.renegotiation_info, encode((w) => writeRenegotiationInfo(w, new Uint8Array(0))));
    add(E.ec_point_formats, encode((w) => writeEcPointFormats(w)));
  }
  add(E.supported_groups, encode((w) => writeSupportedGroups(w, offer.groups.map((g) => g.id))));
  add(E.signature_algorithms, encode((w) => writeSignatureSchemes(w, config.signatureSchemes.map((s) => s.id))));
  if (config.alpnProtocols.length > 0) add(E.application_layer_protocol_negotiation, encode((w) => writeAlpnList(w, config.alpnProtocols)));
  if (tls13) {
    add(E.supported_versions, encode((w) => writeSupportedVersionsClient(w, offer.versions)));
    const shares = [...offer.keyShares].map(([group, s]) => ({ group, keyExchange: s.publicKey }));
    add(E.key_share, encode((w) => writeKeyShareClient(w, shares)));
    if (offer.cookie) {
      const cookie = offer.cookie;
      add(E.cookie, encode((w) => writeCookie(w, cookie)));
    }
  }
  const hello = buildClientHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: offer.random,
    sessionId: offer.sessionId,
    cipherSuites: offer.cipherSuites.map((s) => s.id),
    extensions,
  });
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
