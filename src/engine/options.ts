// User options, shaped like node:tls's, resolved into a checked configuration. Option strings
// accept both OpenSSL's names (what node:tls users write) and IANA's.
import type { CryptoProvider, PrivateKey, SignatureAlgorithm } from '../crypto/provider.js';
import type { CipherSuite } from '../protocol/cipher-suites.js';
import { parseCipherString } from './cipher-string.js';
import { DEFAULT_GROUPS, groupByName, type NamedGroup } from '../protocol/groups.js';
import { DEFAULT_SIGNATURE_SCHEMES, type SignatureScheme } from '../protocol/signature-schemes.js';
import { DEFAULT_MAX_CHAIN_LENGTH, DEFAULT_MAX_EMPTY_RECORDS } from '../protocol/limits.js';
import { readPem } from '../asn1/pem.js';
import { leafPublicKeyInfo } from '../x509/leaf-key.js';
import { equalBytes, utf8 } from '../wire/bytes.js';
import type { CertifiedKey, ClientConfig, CommonConfig, PeerVerifier, ServerConfig, ServerIdentityCheck } from '../handshake/config.js';
import { X509Verifier, trustStoreFor } from './x509-verifier.js';
import { TrustStore } from '../x509/trust-store.js';
import { checkedCrlRelaxation, type CrlRelaxation } from '../x509/verifier.js';
import { MemorySessionStore, decodeSession, type SessionStore } from '../handshake/session.js';
import { TicketKeyring, type TicketKeySource } from '../handshake/tickets.js';
import { MemoryAntiReplayStore, type AntiReplayStore } from '../handshake/anti-replay.js';
import { clientExternalPsk, serverExternalPsk, type ClientPskCallback, type ServerPskCallback } from './external-psk-options.js';

export type VersionName = 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1';
export type PemOrDer = string | Uint8Array;
export type KeyInput = PemOrDer | { readonly pem: PemOrDer; readonly passphrase?: string };

export interface CommonOptions {
  /** The crypto provider; node:crypto by default. */
  provider?: CryptoProvider;
  minVersion?: VersionName;
  maxVersion?: VersionName;
  /** OpenSSL or IANA suite names separated by ':' (RSA key transport suites only when named). */
  ciphers?: string;
  /** Groups separated by ':' (X25519, P-256, P-384, ...), or 'auto'. The first gets the initial key share. */
  ecdhCurve?: string;
  /** Signature schemes separated by ':' (IANA names, or OpenSSL's ECDSA+SHA256 / RSA-PSS+SHA256 forms). */
  sigalgs?: string;
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  /** Trust anchors (PEM or DER, one or many), or a TrustStore built once and shared. */
  ca?: PemOrDer | readonly PemOrDer[] | TrustStore;
  /**
   * Certificate revocation lists to check peers against (PEM or DER). When given, every certificate
   * of the peer's chain below the trust anchor needs a usable CRL from its issuer (as node:tls).
   */
  crl?: PemOrDer | readonly PemOrDer[];
  /**
   * Weakens the `crl` requirement: 'leaf-only', only the peer's leaf certificate must have a CRL;
   * 'soft-fail', a certificate without a CRL passes unchecked. A revoked certificate still fails.
   */
  dangerouslyRelaxCrlCheck?: CrlRelaxation;
  /** Our certificate chains (PEM, leaf first), one per key. */
  cert?: PemOrDer | readonly PemOrDer[];
  key?: KeyInput | readonly KeyInput[];
  passphrase?: string;
  /** A DER OCSP response stapled to our certificate when the peer asks (one for all certificates). */
  ocspResponse?: Uint8Array;
  /**
   * Signs for the certificate in `cert` with a key held elsewhere (KMS, HSM, another process), in
   * place of `key`; may return a Promise, the handshake waits for it.
   */
  signer?: (algorithm: SignatureAlgorithm, message: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** Fail the handshake when the peer's chain does not validate (default true). */
  rejectUnauthorized?: boolean;
  /** Replaces the default X.509 verification. */
  verifier?: PeerVerifier;
  /** The clock for certificate validation. */
  now?: () => Date;
  /** One bound for every handshake message; default per type: ClientHello 131,396, Certificate 100 KiB, others 64 KiB. */
  maxHandshakeMessageSize?: number;
  maxCertificateChainLength?: number;
  maxEmptyRecords?: number;
  /** Pad each protected TLS 1.3 record to a multiple of this many bytes, hiding exact lengths (RFC 8446 §5.4). */
  recordPadding?: number;
  /** Ask the peer for records of at most this many plaintext bytes (RFC 8449, 64 to 16385). */
  recordSizeLimit?: number;
}

export interface ClientOptions extends CommonOptions {
  /** Server name for SNI and certificate checks. */
  servername?: string;
  host?: string;
  /** A session to resume: the bytes of an earlier connection's 'session' event. */
  session?: Uint8Array;
  /** Send data written before the handshake completes as TLS 1.3 0-RTT when the session allows (replayable: opt-in). */
  earlyData?: boolean;
  /** Ask the server for a stapled OCSP response (node:tls's requestOCSP); it arrives in info.ocspResponse. */
  requestOCSP?: boolean;
  /** RFC 8446 Appendix D.4 middlebox compatibility (default true). */
  middleboxCompatibility?: boolean;
  /**
   * Replaces the host name check, once the chain validated, with this one (it gets the server name
   * and the DER chain, leaf first, up to the trust anchor when the verifier built the path; the
   * Node API's checkServerIdentity is built on it). An Error it
   * returns fails the handshake with bad_certificate, unless rejectUnauthorized is false.
   */
  serverIdentity?: ServerIdentityCheck;
  /**
   * TLS 1.3 external PSK (node:tls's pskCallback): called with null (TLS 1.3 has no identity hint),
   * returns { psk, identity } to offer, or null for none. The key's hash is SHA-256.
   */
  pskCallback?: ClientPskCallback;
}

/** Certificates and keys resolved once, for SNICallback answers (like node's tls.createSecureContext). */
export interface SecureContext {
  readonly certificates: readonly CertifiedKey[];
}

export function createSecureContext(
  options: Pick<CommonOptions, 'cert' | 'key' | 'passphrase' | 'signer' | 'provider'>,
  provider: CryptoProvider,
): SecureContext {
  return { certificates: certifiedKeys(options, options.provider ?? provider) };
}

export interface ServerOptions extends CommonOptions {
  requestCert?: boolean;
  /**
   * Chooses the certificate for the server name the client asked for (node:tls's SNICallback):
   * called with the name and a callback taking (error, context); without a context, the default
   * certificates (from key/cert) are used.
   */
  SNICallback?: (servername: string, callback: (err: Error | null, context?: SecureContext) => void) => void;
  /**
   * Session ticket keys, 48 bytes each as node:tls's ticketKeys (or several, newest first), or a
   * function giving the current ones (keys shared by a fleet, e.g. RedisTicketStore's). Random and
   * rotating when absent. With maxEarlyData, shared keys need a shared `antiReplay` store.
   */
  ticketKeys?: Uint8Array | readonly Uint8Array[] | TicketKeySource;
  /** Seconds a session may be resumed for (node:tls default: 300). */
  sessionTimeout?: number;
  /** TLS 1.2 session-id cache; in memory by default, `false` disables it. */
  sessionStore?: SessionStore | false;
  /** Issue session tickets (default true). */
  tickets?: boolean;
  /** TLS 1.3 tickets sent after a handshake (default 1). */
  ticketCount?: number;
  /** Accept this many bytes of TLS 1.3 0-RTT data per connection (default 0: off). Early data can be replayed: opt-in. */
  maxEarlyData?: number;
  /**
   * Remembers the tickets that opened 0-RTT, so that each does once (RFC 8446 §8.1). In memory,
   * per server object, by default. Every server that can open the same tickets (same ticketKeys)
   * must share one store, or each would accept the same replayed early data: passing one says it is
   * shared (MemoryAntiReplayStore for servers in one process, RedisAntiReplayStore across processes).
   */
  antiReplay?: AntiReplayStore;
  /**
   * TLS 1.3 external PSKs (node:tls's pskCallback): called with the connection's socket (undefined
   * outside the node API) and the identity the client offered; returns the key (SHA-256), or null
   * when the identity is unknown (the handshake then goes on with certificates, if any).
   */
  pskCallback?: ServerPskCallback;
  /** node:tls's TLS 1.2 identity hint: TLS 1.3 has none, so it is accepted and not sent (as node:tls in TLS 1.3). */
  pskIdentityHint?: string;
}

const versionCodes: Record<VersionName, 0x0303 | 0x0304> = {
  'TLSv1.3': 0x0304,
  'TLSv1.2': 0x0303,
  // RFC 8996: TLS 1.0 and 1.1 are never negotiated; as a lower bound they mean "from TLS 1.2".
  'TLSv1.1': 0x0303,
  TLSv1: 0x0303,
};

function versionCode(name: VersionName | undefined, fallback: 0x0303 | 0x0304, option: string): 0x0303 | 0x0304 {
  if (name === undefined) return fallback;
  const code = versionCodes[name];
  if (code === undefined) throw new TypeError(`${option}: unknown protocol version "${name}"`);
  return code;
}

function splitList(s: string): string[] {
  return s
    .split(/[:,\s]+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** `ciphers` as node:tls reads it (src/engine/cipher-string.ts); the defaults when absent. */
export function parseCiphers(ciphers: string | undefined): CipherSuite[] {
  return parseCipherString(ciphers).suites;
}

export function parseGroups(ecdhCurve: string | undefined): NamedGroup[] {
  if (ecdhCurve === undefined || ecdhCurve.toLowerCase() === 'auto') return [...DEFAULT_GROUPS];
  const groups: NamedGroup[] = [];
  for (const token of splitList(ecdhCurve)) {
    const g = groupByName(token);
    if (!g) throw new TypeError(`ecdhCurve: unsupported group "${token}"`);
    if (!groups.includes(g)) groups.push(g);
  }
  if (groups.length === 0) throw new TypeError('ecdhCurve names no group');
  return groups;
}

const sigalgAliases: Record<string, string> = {
  'ECDSA+SHA256': 'ecdsa_secp256r1_sha256',
  'ECDSA+SHA384': 'ecdsa_secp384r1_sha384',
  'ECDSA+SHA512': 'ecdsa_secp521r1_sha512',
  'RSA-PSS+SHA256': 'rsa_pss_rsae_sha256',
  'RSA-PSS+SHA384': 'rsa_pss_rsae_sha384',
  'RSA-PSS+SHA512': 'rsa_pss_rsae_sha512',
  'RSA+SHA256': 'rsa_pkcs1_sha256',
  'RSA+SHA384': 'rsa_pkcs1_sha384',
  'RSA+SHA512': 'rsa_pkcs1_sha512',
  ED25519: 'ed25519',
};

export function parseSigalgs(sigalgs: string | undefined): SignatureScheme[] {
  if (sigalgs === undefined) return [...DEFAULT_SIGNATURE_SCHEMES];
  const schemes: SignatureScheme[] = [];
  for (const token of splitList(sigalgs)) {
    const name = sigalgAliases[token.toUpperCase()] ?? token.toLowerCase();
    const s = DEFAULT_SIGNATURE_SCHEMES.find((x) => x.name === name);
    if (!s) throw new TypeError(`sigalgs: unsupported signature scheme "${token}"`);
    if (!schemes.includes(s)) schemes.push(s);
  }
  return schemes;
}

export function parseAlpn(protocols: CommonOptions['ALPNProtocols']): Uint8Array[] {
  if (protocols === undefined) return [];
  let list: Uint8Array[];
  if (protocols instanceof Uint8Array) {
    // node:tls also accepts the wire format: length-prefixed names back to back.
    list = [];
    for (let at = 0; at < protocols.length; ) {
      const len = protocols[at]!;
      if (len === 0 || at + 1 + len > protocols.length) throw new TypeError('ALPNProtocols: malformed wire-format buffer');
      list.push(protocols.subarray(at + 1, at + 1 + len));
      at += 1 + len;
    }
  } else {
    list = protocols.map((p) => (typeof p === 'string' ? utf8(p) : p));
  }
  for (const p of list) if (p.length === 0 || p.length > 255) throw new TypeError('ALPNProtocols: each protocol name is 1 to 255 bytes');
  return list;
}

function asList<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

/** DER certificates from PEM text (any number of blocks) or one DER certificate. */
export function certificatesFrom(input: PemOrDer): Uint8Array[] {
  const text = typeof input === 'string' ? input : input[0] === 0x2d ? new TextDecoder().decode(input) : undefined;
  if (text === undefined) return [input as Uint8Array];
  const blocks = readPem(text).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (blocks.length === 0) throw new TypeError('no PEM certificate found');
  return blocks.map((b) => b.der);
}

/** Pairs each private key with the chain whose leaf holds its public key (node:tls's key/cert arrays). */
export function certifiedKeys(options: CommonOptions, provider: CryptoProvider): CertifiedKey[] {
  const chains = asList(options.cert).map(certificatesFrom);
  const keys: PrivateKey[] = asList(options.key).map((k) => {
    const pem = typeof k === 'object' && !(k instanceof Uint8Array) ? k.pem : k;
    const passphrase = typeof k === 'object' && !(k instanceof Uint8Array) ? (k.passphrase ?? options.passphrase) : options.passphrase;
    return provider.importPrivateKey(pem, passphrase);
  });
  if (options.signer) {
    // A remote key: what it is comes from the certificate; signing goes to the signer.
    if (keys.length > 0) throw new TypeError('give either key or signer, not both');
    if (chains.length !== 1) throw new TypeError('signer needs exactly one certificate chain in cert');
    const chain = chains[0]!;
    const publicKey = provider.importPublicKey(leafPublicKeyInfo(chain[0]!));
    const { type, curve, bits } = publicKey;
    const key = { type, publicKey, ...(curve ? { curve } : {}), ...(bits ? { bits } : {}) };
    return [{ chain, key, sign: options.signer, ...(options.ocspResponse ? { ocspResponse: options.ocspResponse } : {}) }];
  }
  if (chains.length === 0 && keys.length === 0) return [];
  if (chains.length === 0) throw new TypeError('a key was given without a certificate (cert option)');
  if (keys.length === 0) throw new TypeError('a certificate was given without its private key (key option)');
  return keys.map((key) => {
    const chain = chains.find((c) => equalBytes(leafPublicKeyInfo(c[0]!), key.publicKey.spki));
    if (!chain) throw new TypeError(`no certificate in cert matches the ${key.type} private key`);
    return { chain, key, ...(options.ocspResponse ? { ocspResponse: options.ocspResponse } : {}) };
  });
}

function checkedRecordSizeLimit(limit: number): number {
  // RFC 8449 §4: at least 64; at most the protocol's largest record (2^14 + 1 for TLS 1.3).
  if (!Number.isInteger(limit) || limit < 64 || limit > 16385) throw new TypeError('recordSizeLimit must be an integer from 64 to 16385');
  return limit;
}

/**
 * The verifier that judges the peer: the caller's, or the built-in one over `ca` and `crl`. CRLs
 * are read only by the built-in verifier, so `crl` or `dangerouslyRelaxCrlCheck` next to a
 * `verifier` would be ignored: refused instead, naming them.
 */
function peerVerifier(provider: CryptoProvider, options: CommonOptions): PeerVerifier {
  if (options.verifier) {
    const ignored = (['crl', 'dangerouslyRelaxCrlCheck'] as const).filter((name) => options[name] !== undefined);
    if (ignored.length > 0)
      throw new TypeError(
        `${ignored.join(' and ')} ${ignored.length > 1 ? 'apply' : 'applies'} to the built-in verifier only: check revocation in your verifier, or leave out verifier`,
      );
    return options.verifier;
  }
  return X509Verifier.fromOptions(provider, options.ca, options.crl, checkedCrlRelaxation(options.dangerouslyRelaxCrlCheck));
}

function common(options: CommonOptions, provider: CryptoProvider, defaultMin: 0x0303 | 0x0304): CommonConfig {
  const ciphers = parseCipherString(options.ciphers);
  const maxVersion = versionCode(options.maxVersion, 0x0304, 'maxVersion');
  // As node: a `ciphers` string of TLS 1.3 names only leaves no TLS 1.2 suite, so TLS 1.3 is the minimum.
  const minVersion = ciphers.tls13Only && maxVersion === 0x0304 ? 0x0304 : versionCode(options.minVersion, defaultMin, 'minVersion');
  if (minVersion > maxVersion) throw new TypeError(`minVersion ${options.minVersion} is above maxVersion ${options.maxVersion}`);
  const groups = parseGroups(options.ecdhCurve).filter((g) => provider.supportsGroup(g.name));
  if (groups.length === 0) throw new TypeError('none of the groups in ecdhCurve is supported by the crypto provider');
  return {
    provider,
    minVersion,
    maxVersion,
    cipherSuites: ciphers.suites,
    groups,
    signatureSchemes: parseSigalgs(options.sigalgs),
    alpnProtocols: parseAlpn(options.ALPNProtocols),
    limits: {
      maxHandshakeMessage: options.maxHandshakeMessageSize,
      maxChainLength: options.maxCertificateChainLength ?? DEFAULT_MAX_CHAIN_LENGTH,
      maxEmptyRecords: options.maxEmptyRecords ?? DEFAULT_MAX_EMPTY_RECORDS,
    },
    now: options.now ?? (() => new Date()),
    verifier: peerVerifier(provider, options),
    rejectUnauthorized: options.rejectUnauthorized !== false,
    recordPadding: options.recordPadding ?? 0,
    ...(options.recordSizeLimit !== undefined ? { recordSizeLimit: checkedRecordSizeLimit(options.recordSizeLimit) } : {}),
  };
}

/**
 * The groups the first ClientHello carries shares for: the first preferred group, and when that is
 * a post-quantum hybrid, also the first classic one, so that servers without it need no retry.
 */
function initialKeyShares(groups: readonly NamedGroup[]): NamedGroup[] {
  const first = groups[0]!;
  if (!first.kem) return [first];
  const classic = groups.find((g) => !g.kem);
  return classic ? [first, classic] : [first];
}

export function resolveClientOptions(options: ClientOptions, provider: CryptoProvider): ClientConfig {
  // First: TLS 1.2 PSK entries in ciphers get the error that says why, not "no cipher match".
  const externalPsk = clientExternalPsk(options);
  const base = common(options, provider, 0x0303);
  const serverName = options.servername ?? options.host;
  return {
    ...base,
    side: 'client',
    ...(serverName !== undefined && serverName !== '' ? { serverName } : {}),
    keyShareGroups: initialKeyShares(base.groups),
    middleboxCompatibility: options.middleboxCompatibility !== false,
    certificates: certifiedKeys(options, provider),
    ...(options.session ? { session: decodeSession(options.session) } : {}),
    earlyData: options.earlyData === true,
    requestOcsp: options.requestOCSP === true,
    ...(options.serverIdentity ? { serverIdentity: options.serverIdentity } : {}),
    ...optional('externalPsk', externalPsk),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The subject names of our trust anchors, for CertificateRequest's certificate_authorities. */
function anchorNames(ca: NonNullable<CommonOptions['ca']>): Uint8Array[] {
  const store = ca instanceof TrustStore ? ca : trustStoreFor(ca);
  return store.anchors.map((a) => a.subject.der);
}

function sniCallbackSelector(callback: NonNullable<ServerOptions['SNICallback']>, defaults: readonly CertifiedKey[]) {
  return (serverName: string | undefined): readonly CertifiedKey[] | Promise<readonly CertifiedKey[]> => {
    if (serverName === undefined) return defaults; // like node: only called when the client sent a name
    return new Promise((resolve, reject) => {
      callback(serverName, (err, context) => (err ? reject(err) : resolve(context?.certificates ?? defaults)));
    });
  };
}

/**
 * RFC 8446 §8: 0-RTT is safe from replay only if every server that can open a ticket sees the same
 * record of used tickets. Random ticket keys belong to one server object (whose store is its own);
 * ticketKeys exist to be shared, so with early data on they need a store said to be shared.
 */
function checkAntiReplay(options: ServerOptions): void {
  if (options.ticketKeys === undefined || (options.maxEarlyData ?? 0) === 0 || options.tickets === false || options.antiReplay) return;
  throw new TypeError(
    'maxEarlyData with ticketKeys needs an antiReplay store shared by every server holding those keys: ' +
      'each server would otherwise accept the same replayed early data (RFC 8446 §8). ' +
      'Pass antiReplay (MemoryAntiReplayStore for servers in one process, RedisAntiReplayStore across processes), or set maxEarlyData to 0',
  );
}

function ticketKeyringFor(options: ServerOptions, provider: CryptoProvider): TicketKeyring {
  const keys = options.ticketKeys;
  if (keys === undefined) return new TicketKeyring(provider);
  return new TicketKeyring(provider, { keys: typeof keys === 'function' ? keys : asList(keys as Uint8Array | readonly Uint8Array[]) });
}

/**
 * `antiReplay`: the store of the server object this configuration is for, used when the options
 * name none, so that it outlives a configuration change (setSecureContext).
 */
export function resolveServerOptions(options: ServerOptions, provider: CryptoProvider, antiReplay?: AntiReplayStore): ServerConfig {
  checkAntiReplay(options);
  const externalPsk = serverExternalPsk(options);
  const base = common(options, provider, 0x0303);
  const certificates = certifiedKeys(options, provider);
  return {
    ...base,
    side: 'server',
    certificates,
    ...(options.SNICallback ? { certificatesFor: sniCallbackSelector(options.SNICallback, certificates) } : {}),
    requestCert: options.requestCert === true,
    ...(options.requestCert && options.ca !== undefined ? { certificateAuthorities: anchorNames(options.ca) } : {}),
    sessionTimeout: options.sessionTimeout ?? 300,
    ticketCount: options.ticketCount ?? 1,
    maxEarlyData: options.maxEarlyData ?? 0,
    earlyDataReplay: options.antiReplay ?? antiReplay ?? new MemoryAntiReplayStore(),
    ...(options.sessionStore !== false ? { sessionStore: options.sessionStore ?? new MemorySessionStore() } : {}),
    ...(options.tickets !== false ? { ticketKeyring: ticketKeyringFor(options, provider) } : {}),
    ...optional('externalPsk', externalPsk),
  };
}
