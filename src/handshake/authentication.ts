// Peer authentication shared by both sides and both versions: validate the chain through the
// configured verifier, and check a CertificateVerify signature with the leaf's key.
import { TlsError, decryptError } from '../errors.js';
import type { PublicKey } from '../crypto/provider.js';
import type { CertifiedKey, CommonConfig } from '../engine/config.js';
import { buildCertificateVerify, certificateVerifyInput, type DigitallySigned } from '../messages/certificate-verify.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { SignatureScheme } from '../protocol/signature-schemes.js';
import { leafPublicKeyInfo } from '../x509/leaf-key.js';
import { checkPeerSignatureScheme } from './negotiation.js';
import type { HandshakeIO } from './state.js';

/**
 * Validates the peer's chain and returns the leaf's public key. With rejectUnauthorized (the
 * default) a chain that does not validate ends the handshake with the verifier's alert; without
 * it, the failure is recorded in info.authorizationError and the handshake goes on.
 */
export function authenticatePeerChain(
  io: HandshakeIO, config: CommonConfig, chain: readonly Uint8Array[], usage: 'server' | 'client', serverName: string | undefined,
): PublicKey {
  io.info.peerCertificates = chain;
  const leafKey = io.provider.importPublicKey(leafPublicKeyInfo(chain[0]!));
  const outcome = config.verifier.verify(chain, { usage, now: config.now(), ...(serverName !== undefined ? { serverName } : {}) });
  const side = usage;
  if (outcome.ok) {
    io.info.authorized = true;
    io.step({ step: 'certificate-validation', side, ok: true, detail: outcome.detail });
  } else {
    io.info.authorized = false;
    io.info.authorizationError = outcome.error;
    io.step({ step: 'certificate-validation', side, ok: false, detail: outcome.error.message });
    if (config.rejectUnauthorized) throw outcome.error;
  }
  return leafKey;
}

/** RFC 8446 §4.4.3: checks the peer's CertificateVerify over the transcript so far. */
export function verifyCertificateVerify13(
  io: HandshakeIO, config: CommonConfig, signed: DigitallySigned, key: PublicKey, signer: 'server' | 'client',
): SignatureScheme {
  const scheme = checkPeerSignatureScheme(signed.scheme, config.signatureSchemes, key, true);
  const input = certificateVerifyInput(signer, io.transcript.current());
  if (!io.provider.verify(key, scheme.algorithm, input, signed.signature)) {
    throw decryptError(`${signer} CertificateVerify signature (${scheme.name}) does not verify with the certificate's key`);
  }
  io.step({ step: 'certificate-verify', side: signer, scheme: scheme.name });
  return scheme;
}

/** RFC 8446 §4.4.3: our CertificateVerify over the transcript so far. */
export function signCertificateVerify13(io: HandshakeIO, certificate: CertifiedKey, scheme: SignatureScheme, signer: 'server' | 'client'): HandshakeMessage {
  const input = certificateVerifyInput(signer, io.transcript.current());
  let signature: Uint8Array;
  try {
    signature = io.provider.sign(certificate.key, scheme.algorithm, input);
  } catch (err) {
    throw new TlsError('internal_error', `signing with our ${certificate.key.type} key failed`, { cause: err });
  }
  return buildCertificateVerify(scheme.id, signature);
}
