// The server's first step (RFC 8446 §4.1.2, §4.2.1): read the ClientHello, pick the version, and
// hand over to the version's handshake. After a HelloRetryRequest the second ClientHello is read by
// ExpectRetriedClientHello (./tls13.ts).
import { TlsError } from '../../errors.js';
import type { ServerConfig } from '../config.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { readClientHello, type ClientHelloMessage } from '../../messages/client-hello.js';
import { ProtocolVersion, versionName } from '../../protocol/constants.js';
import { expect, whenReady, type HandshakeIO, type HandshakeState, type Next } from '../state.js';
import { respond13 } from './tls13.js';
import { respond12 } from './tls12.js';

export class ExpectClientHello implements HandshakeState {
  readonly kind = 'server-expect-client-hello';

  constructor(private readonly config: ServerConfig) {}

  handle(msg: HandshakeMessage, io: HandshakeIO): Next {
    expect(msg, 'client_hello');
    const hello = readClientHello(msg);
    io.info.clientRandom = hello.random;
    if (hello.serverName !== undefined) io.info.serverName = hello.serverName;
    const version = chooseVersion(this.config, hello);
    // RFC 8446 §4.2.10: 0-RTT is TLS 1.3's.
    if (version !== ProtocolVersion.TLSv1_3) io.info.earlyDataReason = this.config.maxEarlyData > 0 ? 'protocol_version' : 'disabled';
    // Certificates for the name asked for (SNI); an application hook may answer asynchronously.
    const config = this.config;
    const certificates = config.certificatesFor ? config.certificatesFor(hello.serverName) : config.certificates;
    return whenReady(
      certificates,
      'certificate selection',
      (chosen, resumed) => (version === ProtocolVersion.TLSv1_3 ? respond13(config, hello, resumed, chosen) : respond12(config, hello, resumed, chosen)),
      io,
    );
  }
}

/** RFC 8446 §4.2.1: with supported_versions, only its list counts; without it, legacy_version. */
export function chooseVersion(config: ServerConfig, hello: ClientHelloMessage): number {
  const offered = hello.supportedVersions ?? [Math.min(hello.legacyVersion, ProtocolVersion.TLSv1_2)];
  if (hello.supportedVersions && hello.legacyVersion < ProtocolVersion.TLSv1_2 && hello.supportedVersions.includes(ProtocolVersion.TLSv1_3)) {
    // RFC 8446 §4.1.2 / Appendix D: a TLS 1.3 ClientHello carries legacy_version 0x0303.
    throw new TlsError('protocol_version', `client offered TLS 1.3 with legacy_version ${versionName(hello.legacyVersion)}`);
  }
  for (let v = config.maxVersion; v >= config.minVersion; v--) {
    // Without supported_versions, a legacy_version of 1.2 or higher means "up to TLS 1.2".
    if (offered.includes(v) || (!hello.supportedVersions && v === ProtocolVersion.TLSv1_2 && hello.legacyVersion >= v)) return v;
  }
  const theirs = hello.supportedVersions ? hello.supportedVersions.map(versionName).join(', ') : `up to ${versionName(hello.legacyVersion)}`;
  const ours =
    config.minVersion === config.maxVersion ? versionName(config.minVersion) : `${versionName(config.minVersion)} to ${versionName(config.maxVersion)}`;
  // RFC 8996: TLS 1.0 and 1.1 (and SSL 3.0) are refused with protocol_version.
  throw new TlsError('protocol_version', `no shared protocol version: the client offered ${theirs}; we accept ${ours}`);
}
