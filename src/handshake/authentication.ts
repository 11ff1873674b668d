// Peer authentication shared by both sides and both versions: validate the chain through the
// configured verifier, and check a CertificateVerify signature with the leaf's key.
import { TlsError, decryptError } from '../errors.js';
import { certificateError } from '../x509/failure.js';
import { signWithProvider, verifyWithProvider, type PublicKey, type SignatureAlgorithm } from '../crypto/provider.js';
import type { CertifiedKey, CommonConfig, ServerIdentityCheck, VerificationOutcome } from './config.js';
import { buildCertificateVerify, certificateVerifyInput, type DigitallySigned } from '../messages/certificate-verify.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import { leafPublicKeyInfo } from '../x509/leaf-key.js';
import { parseCertificate } from '../x509/certificate.js';
import { hasKeyUsage } from '../x509/extensions.js';
import { checkPeerSignatureScheme } from './negotiation.js';
import { whenReady, type HandshakeIO, type Next } from './state.js';
import type { Transcript } from './transcript.js';

/** What validating a peer's chain found; the caller decides when it becomes ConnectionInfo. */
export interface ChainValidation {
  readonly authorized: boolean;
  readonly authorizationError?: TlsError;
  /** DER, leaf first: the path the verifier validated, when it says. */
  readonly verifiedPath?: readonly Uint8Array[];
}

/**
 * Validates the peer's chain, records it in ConnectionInfo, then continues with the leaf's public
 * key. With rejectUnauthorized (the default) a chain that does not validate ends the handshake with
 * the verifier's alert; without it, the failure is recorded in info.authorizationError and the
 * handshake goes on. The verifier may answer asynchronously (the handshake then pauses). A client's
 * `identityCheck` (ClientConfig.serverIdentity) replaces the verifier's host name check, after the
 * chain validated.
 */
export function authenticatePeerChain(
  io: HandshakeIO,
  config: CommonConfig,
  chain: readonly Uint8Array[],
  usage: 'server' | 'client',
  serverName: string | undefined,
  then: (leafKey: PublicKey, io: HandshakeIO) => Next,
  identityCheck?: ServerIdentityCheck,
): Next {
  io.info.peerCertificates = chain;
  return validatePeerChain(
    io,
    config,
    chain,
    usage,
    serverName,
    (validation, leafKey, resumed) => {
      resumed.info.authorized = validation.authorized;
      if (validation.verifiedPath) resumed.info.verifiedPath = validation.verifiedPath;
      if (validation.authorizationError) resumed.info.authorizationError = validation.authorizationError;
      return then(leafKey, resumed);
    },
    identityCheck,
  );
}

/**
 * authenticatePeerChain without touching ConnectionInfo: the outcome goes to `then` only, for an
 * exchange that commits it later (post-handshake authentication, RFC 8446 §4.6.2, commits it once
 * the client's Finished verified). A failure under rejectUnauthorized still throws the verifier's error.
 */
export function validatePeerChain(
  io: HandshakeIO,
  config: CommonConfig,
  chain: readonly Uint8Array[],
  usage: 'server' | 'client',
  serverName: string | undefined,
  then: (validation: ChainValidation, leafKey: PublicKey, io: HandshakeIO) => Next,
  identityCheck?: ServerIdentityCheck,
): Next {
  const leafKey = io.provider.importPublicKey(readLeafKeyInfo(chain[0]!));
  checkLeafMaySign(chain[0]!, leafKey, usage, io.info.version);
  const nameForVerifier = identityCheck ? undefined : serverName;
  const verified = config.verifier.verify(chain, { usage, now: config.now(), ...(nameForVerifier !== undefined ? { serverName: nameForVerifier } : {}) });
  const outcome = identityCheck
    ? mapMaybeAsync(verified, (result) => (result.ok ? (checkIdentity(identityCheck, serverName ?? '', result.path ?? chain) ?? result) : result))
    : verified;
  return whenReady(
    outcome,
    'certificate verification',
    (result, resumed) => {
      if (result.ok) {
        resumed.step({ step: 'certificate-validation', side: usage, ok: true, detail: result.detail });
        return then({ authorized: true, ...(result.path ? { verifiedPath: result.path } : {}) }, leafKey, resumed);
      }
      resumed.step({ step: 'certificate-validation', side: usage, ok: false, detail: result.error.message });
      if (config.rejectUnauthorized) throw result.error;
      return then({ authorized: false, authorizationError: result.error }, leafKey, resumed);
    },
    io,
  );
}

/**
 * RFC 8446 §4.4.2, RFC 5246 §7.4.2: cert_data is a DER certificate. A leaf we cannot even walk to its
 * public key is a Certificate message we cannot decode: decode_error, as OpenSSL and BoringSSL send,
 * rather than bad_certificate, which judges a certificate that was read.
 */
function readLeafKeyInfo(leaf: Uint8Array): Uint8Array {
  try {
    return leafPublicKeyInfo(leaf);
  } catch (err) {
    if (err instanceof TlsError && err.alert === 'bad_certificate') throw new TlsError('decode_error', err.message, { cause: err });
    throw err;
  }
}

/**
 * RFC 8446 §4.4.2.2 (and RFC 5280 §4.2.1.3): the peer proves itself by signing with its leaf key,
 * so a keyUsage that does not allow digitalSignature refuses the handshake, whatever the verifier
 * (a custom one, or rejectUnauthorized: false) said of the chain: that is a rule of the protocol,
 * not of trust. One exception, as BoringSSL and OpenSSL keep it: a TLS 1.2 server's RSA key, which
 * static RSA key exchange uses for encipherment and which deployed servers' keyUsage often gets wrong.
 */
function checkLeafMaySign(leaf: Uint8Array, key: PublicKey, usage: 'server' | 'client', version: string | undefined): void {
  if (usage === 'server' && version === 'TLSv1.2' && (key.type === 'rsa' || key.type === 'rsa-pss')) return;
  let keyUsage;
  try {
    keyUsage = parseCertificate(leaf).extensions.keyUsage;
  } catch {
    // A leaf our parser refuses reached here only through a custom verifier that accepted it; its
    // keyUsage cannot be read, and that verifier stands for the chain.
    return;
  }
  if (keyUsage && !hasKeyUsage(keyUsage, 'digitalSignature')) {
    throw new TlsError('bad_certificate', `the ${usage} certificate's keyUsage does not allow digitalSignature, and the handshake needs its signature`);
  }
}

/** Applies `f` to a value that may still be coming. */
function mapMaybeAsync<T, U>(value: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** The caller's identity check, as a verification outcome: undefined when it passes. */
function checkIdentity(check: ServerIdentityCheck, serverName: string, chain: readonly Uint8Array[]): VerificationOutcome | undefined {
  let problem: unknown;
  try {
    problem = check(serverName, chain);
  } catch (err) {
    problem = err;
  }
  if (problem === undefined || problem === null) return undefined;
  const message = problem instanceof Error ? problem.message : String(problem);
  // node:tls reports the error checkServerIdentity returned; its own gives ERR_TLS_CERT_ALTNAME_INVALID.
  const code = (problem as { code?: unknown }).code;
  return {
    ok: false,
    error: certificateError('hostnameMismatch', `the server identity check failed: ${message}`, {
      cause: problem,
      ...(typeof code === 'string' ? { code } : {}),
    }),
  };
}

/** Signs with our key: locally through the provider, or through the certificate's remote signer (which may be asynchronous). */
export function signWith(
  io: HandshakeIO,
  certificate: CertifiedKey,
  algorithm: SignatureAlgorithm,
  message: Uint8Array,
  then: (signature: Uint8Array, io: HandshakeIO) => Next,
): Next {
  let signature: Uint8Array | Promise<Uint8Array>;
  try {
    signature = certificate.sign ? certificate.sign(algorithm, message) : signWithProvider(io.provider, certificate.key, algorithm, message);
  } catch (err) {
    throw new TlsError('internal_error', `signing with our ${certificate.key.type} key failed`, { cause: err });
  }
  return whenReady(signature, 'signing', then, io);
}

/**
 * Checks a signature the peer made in the handshake (CertificateVerify, ServerKeyExchange) with
 * its certificate's key, then goes on; a provider that verifies this key only asynchronously
 * pauses the handshake. A signature that does not verify is decrypt_error (RFC 8446 §6.2).
 */
export function verifyPeerSignature(
  io: HandshakeIO,
  key: PublicKey,
  scheme: SignatureScheme,
  message: Uint8Array,
  signature: Uint8Array,
  what: string,
  then: (io: HandshakeIO) => Next,
): Next {
  const valid = verifyWithProvider(io.provider, key, scheme.algorithm, message, signature);
  return whenReady(
    valid,
    'signature verification',
    (ok, resumed) => {
      if (!ok) throw decryptError(`${what} signature (${scheme.name}) does not verify with the certificate's key`);
      return then(resumed);
    },
    io,
  );
}

/**
 * RFC 8446 §4.4.3: checks the peer's CertificateVerify over the transcript so far, then `then`. The
 * scheme goes to info.peerSignatureScheme, except over a post-handshake transcript (`transcript`
 * given), where the caller commits it with the rest of the exchange.
 */
export function verifyCertificateVerify13(
  io: HandshakeIO,
  config: CommonConfig,
  signed: DigitallySigned,
  key: PublicKey,
  signer: 'server' | 'client',
  then: (io: HandshakeIO, scheme: SignatureScheme) => Next,
  transcript?: Transcript,
): Next {
  const scheme = checkPeerSignatureScheme(signed.scheme, config.signatureSchemes, key, true);
  const input = certificateVerifyInput(signer, (transcript ?? io.transcript).current());
  return verifyPeerSignature(io, key, scheme, input, signed.signature, `${signer} CertificateVerify`, (resumed) => {
    if (!transcript) resumed.info.peerSignatureScheme = scheme;
    resumed.step({ step: 'certificate-verify', side: signer, scheme: scheme.name });
    return then(resumed, scheme);
  });
}

/** RFC 8446 §4.4.3: our CertificateVerify over the transcript so far, then `then`. */
export function sendCertificateVerify13(
  io: HandshakeIO,
  certificate: CertifiedKey,
  scheme: SignatureScheme,
  signer: 'server' | 'client',
  then: (io: HandshakeIO) => Next,
  transcript?: Transcript,
): Next {
  const input = certificateVerifyInput(signer, (transcript ?? io.transcript).current());
  return signWith(io, certificate, scheme.algorithm, input, (signature, resumed) => {
    const sent = resumed.send(buildCertificateVerify(scheme.id, signature));
    // After the handshake the connection keeps no transcript: the caller's (post-handshake) one takes it.
    transcript?.add(sent.raw);
    return then(resumed);
  });
}
