// node:tls's getSession() on a TLS 1.3 client before any ticket arrived: OpenSSL hands back the
// connection's session, which holds no ticket and so resumes nothing; tickets come later through
// 'session' (RFC 8446 §4.6.1). tlskit gives the same kind of answer: a session in its own format
// that carries no ticket, no secret of the connection, no peer and no authentication time, so that
// passed back as `session` it decodes and the handshake is a full one (see resumableTls13).
import { Secret } from '../crypto/secret.js';
import { redactSession } from '../engine/connection.js';
import { encodeSession } from '../handshake/session.js';

export function ticketlessSession(cipherSuite: number, now: number): Buffer {
  const session = encodeSession({
    version: 0x0304,
    cipherSuite,
    secret: new Secret(new Uint8Array(1)), // a placeholder: the format requires one, nothing uses it
    extendedMasterSecret: false,
    issuedAt: now,
    lifetime: 0,
    peerCertificates: [],
    authorized: false,
  });
  return redactSession(Buffer.from(session));
}
