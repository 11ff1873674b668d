// Choices a server makes from a ClientHello, and checks a client makes of the answer. The server
// picks by its own preference (STYLE.md: choose*), among what the client offered.
import { TlsError, handshakeFailure } from '../errors.js';
import type { CipherSuite } from '../protocol/cipher-suites.js';
import { cipherSuiteName } from '../protocol/cipher-suites.js';
import { groupName, type NamedGroup } from '../protocol/groups.js';
import { keyCanSign, signatureSchemeById, schemeFitsKey, type SignatureScheme } from '../protocol/signature-schemes.js';
import type { CertifiedKey } from './config.js';
import { ascii, equalBytes } from '../wire/bytes.js';
import { parseCertificate } from '../x509/certificate.js';

export function chooseCipherSuite(
  ours: readonly CipherSuite[],
  offered: readonly number[],
  version: 'TLSv1.3' | 'TLSv1.2',
  usable: (s: CipherSuite) => boolean = () => true,
): CipherSuite {
  const theirs = new Set(offered);
  for (const s of ours) if (s.version === version && theirs.has(s.id) && usable(s)) return s;
  const ourNames = ours.filter((s) => s.version === version).map((s) => s.name);
  const theirNames = offered.map(cipherSuiteName);
  throw handshakeFailure(
    `no shared ${version} cipher suite: the client offered ${theirNames.join(', ') || 'none'}; we support ${ourNames.join(', ') || 'none'}`,
  );
}

/**
 * The signature scheme a key of ours should sign with, given what the peer accepts: our order
 * first. `tls13` restricts to schemes TLS 1.3 allows in CertificateVerify (RFC 8446 §4.4.3).
 */
export function chooseSignatureScheme(
  ours: readonly SignatureScheme[],
  peer: readonly number[],
  key: CertifiedKey['key'],
  tls13: boolean,
): SignatureScheme | undefined {
  const accepted = new Set(peer);
  for (const s of ours) {
    if (!accepted.has(s.id) || (tls13 && !s.tls13) || !keyCanSign(s, key)) continue;
    if (tls13 ? schemeFitsKey(s, key) : s.keyType === key.type) return s;
  }
  return undefined;
}

/** Our first certificate that can sign with a scheme the peer accepts (RFC 8446 §4.4.2.2). */
export function chooseCertificate(
  certificates: readonly CertifiedKey[],
  ours: readonly SignatureScheme[],
  peer: readonly number[],
  tls13: boolean,
): { certificate: CertifiedKey; scheme: SignatureScheme } {
  for (const certificate of certificates) {
    const scheme = chooseSignatureScheme(ours, peer, certificate.key, tls13);
    if (scheme) return { certificate, scheme };
  }
  if (certificates.length === 0) throw handshakeFailure('no certificate is configured on this server');
  const peerNames = peer.map((id) => signatureSchemeById(id)?.name ?? `0x${id.toString(16)}`);
  throw handshakeFailure(`none of our certificates can sign with a scheme the client accepts (${peerNames.join(', ')})`);
}

/** The signature scheme the peer used must be one we offered and must fit its key (RFC 8446 §4.4.3). */
export function checkPeerSignatureScheme(id: number, ours: readonly SignatureScheme[], key: CertifiedKey['key']['publicKey'], tls13: boolean): SignatureScheme {
  const scheme = ours.find((s) => s.id === id);
  if (!scheme || (tls13 && !scheme.tls13)) {
    throw new TlsError('illegal_parameter', `peer signed with ${signatureSchemeById(id)?.name ?? `0x${id.toString(16)}`}, which we did not offer`);
  }
  if (tls13 ? !schemeFitsKey(scheme, key) : scheme.keyType !== key.type) {
    throw new TlsError('illegal_parameter', `peer signed with ${scheme.name}, which does not match its ${key.type}${key.curve ? ` ${key.curve}` : ''} key`);
  }
  return scheme;
}

/** Server side of RFC 7301 §3.2: our preference among the client's protocols; none shared is fatal. */
export function chooseAlpn(ours: readonly Uint8Array[], offered: readonly Uint8Array[] | undefined): Uint8Array | undefined {
  if (!offered || ours.length === 0) return undefined;
  for (const p of ours) {
    if (offered.some((o) => o.length === p.length && o.every((b, i) => b === p[i]))) return p;
  }
  throw new TlsError(
    'no_application_protocol',
    `no shared application protocol: the client offered ${offered.map(ascii).join(', ')}; we support ${ours.map(ascii).join(', ')}`,
  );
}

/**
 * Server side of RFC 7301 §3.2 with an application callback (node's ALPNCallback) when one is
 * configured: it must pick one of the client's protocols, or none (no_application_protocol).
 * A client that offers no ALPN is not asked.
 */
export function chooseServerAlpn(
  config: {
    readonly alpnProtocols: readonly Uint8Array[];
    readonly alpnCallback?: (serverName: string | undefined, offered: readonly string[]) => string | undefined;
  },
  offered: readonly Uint8Array[] | undefined,
  serverName: string | undefined,
): Uint8Array | undefined {
  if (!config.alpnCallback) return chooseAlpn(config.alpnProtocols, offered);
  if (!offered) return undefined;
  const names = offered.map(ascii);
  const chosen = config.alpnCallback(serverName, names);
  if (chosen === undefined)
    throw new TlsError('no_application_protocol', `the ALPN callback accepted none of the protocols the client offered (${names.join(', ')})`);
  const index = typeof chosen === 'string' ? names.indexOf(chosen) : -1;
  if (index < 0) {
    throw new TlsError(
      'internal_error',
      `ALPN callback returned a value (${String(chosen)}) that did not match any of the client's offered protocols (${names.join(', ')})`,
      { code: 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT' },
    );
  }
  return offered[index];
}

/** The group for the key exchange: our preference among the client's shares, or a group to ask for. */
export function chooseGroup(ours: readonly NamedGroup[], supported: readonly number[], shares: readonly number[]): { group: NamedGroup; haveShare: boolean } {
  for (const g of ours) if (shares.includes(g.id)) return { group: g, haveShare: true };
  for (const g of ours) if (supported.includes(g.id)) return { group: g, haveShare: false };
  throw handshakeFailure(
    `no shared key exchange group: the client supports ${supported.map(groupName).join(', ') || 'none'}; we support ${ours.map((g) => g.name).join(', ')}`,
  );
}

/**
 * The client's certificate for a CertificateRequest (RFC 8446 §4.3.2, §4.4.2.3): one that can sign
 * with a scheme the server accepts, preferring one issued under a CA the server named.
 */
export function chooseClientCertificate(
  certificates: readonly CertifiedKey[],
  ours: readonly SignatureScheme[],
  request: { readonly signatureAlgorithms: readonly number[]; readonly certificateAuthorities?: readonly Uint8Array[] },
  tls13 = true,
): { certificate: CertifiedKey; scheme: SignatureScheme } | undefined {
  const usable: { certificate: CertifiedKey; scheme: SignatureScheme }[] = [];
  for (const certificate of certificates) {
    const scheme = chooseSignatureScheme(ours, request.signatureAlgorithms, certificate.key, tls13);
    if (scheme) usable.push({ certificate, scheme });
  }
  const authorities = request.certificateAuthorities;
  if (authorities && authorities.length > 0) {
    const named = usable.find((u) => u.certificate.chain.some((der) => authorities.some((dn) => issuedBy(der, dn))));
    if (named) return named;
  }
  return usable[0];
}

/** Whether a certificate's issuer name is `dn` (DER), by bytes. */
function issuedBy(der: Uint8Array, dn: Uint8Array): boolean {
  try {
    return equalBytes(parseCertificate(der).issuer.der, dn);
  } catch {
    return false;
  }
}
