// A node:tls peer for interop tests, run as its own process on any Node version (no tlskit import).
//   node node-peer.js '<json PeerConfig>'
// Like `openssl s_server`/`s_client -quiet`: stdin goes to the TLS peer, what it sends goes to
// stdout. Reports are JSON objects, one per line, on stderr (or appended to `reportFile`):
// {"event":"secure",...} with what node:tls negotiated, "session", "ocsp-response",
// "ocsp-request", "sni", "error". Server role: `connections` secure connections are served (one by
// default); failed handshakes (such as the harness's readiness probes) are reported and ignored.
// Client role: `connections` connections in a row, each resuming the session of the one before.
// Only the last connection carries stdin and stdout; the earlier ones close once a session came.
import * as tls from 'node:tls';
import { constants } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { EKM_CONTEXT, EKM_LABEL, EKM_LENGTH } from './ekm.js';

interface PeerConfig {
  role: 'server' | 'client';
  port: number;
  host: string;
  /** Server: its certificate; client: its client certificate. */
  key?: string;
  cert?: string;
  ca?: string;
  servername?: string;
  ciphers?: string;
  ecdhCurve?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** Connections to make (client) or serve (server); default 1. */
  connections?: number;
  /** Append the report lines to this file instead of writing them to stderr. */
  reportFile?: string;
  /** node:tls enableTrace: OpenSSL's trace of each message, on stderr. */
  trace?: boolean;
  /** No session tickets (SSL_OP_NO_TICKET): TLS 1.2 resumes by session ID only. */
  noTickets?: boolean;
  /** Server: a TLS 1.2 session ID cache, through the newSession/resumeSession events (node:tls keeps none itself). */
  sessionCache?: boolean;
  ALPNProtocols?: string[];
  /** Server: ask for a client certificate, and refuse clients without one that validates against `ca`. */
  requestCert?: boolean;
  /** Server: certificates by SNI name, chosen in SNICallback; key/cert stay the default. */
  sni?: Record<string, { key: string; cert: string }>;
  /** Server: a DER OCSP response (a file) to staple when the client asks for one. */
  ocspResponse?: string;
  /** Client: ask for a stapled OCSP response. */
  requestOCSP?: boolean;
  /** TLS 1.3 external PSK (pskCallback): the client offers it; the server knows this identity alone. */
  psk?: { identity: string; keyHex: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as PeerConfig;
const connections = config.connections ?? 1;

function report(event: string, fields: Record<string, unknown> = {}): void {
  const line = `${JSON.stringify({ event, ...fields })}\n`;
  if (config.reportFile) appendFileSync(config.reportFile, line);
  else process.stderr.write(line);
}

function securityOptions(): tls.SecureContextOptions & tls.CommonConnectionOptions & { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } {
  return {
    ...(config.ciphers !== undefined ? { ciphers: config.ciphers } : {}),
    ...(config.ecdhCurve !== undefined ? { ecdhCurve: config.ecdhCurve } : {}),
    ...(config.minVersion !== undefined ? { minVersion: config.minVersion } : {}),
    ...(config.maxVersion !== undefined ? { maxVersion: config.maxVersion } : {}),
    ...(config.noTickets ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
    ...(config.trace ? { enableTrace: true } : {}),
    ...(config.ALPNProtocols ? { ALPNProtocols: config.ALPNProtocols } : {}),
    ...(config.key !== undefined ? { key: readFileSync(config.key) } : {}),
    ...(config.cert !== undefined ? { cert: readFileSync(config.cert) } : {}),
    ...(config.ca !== undefined ? { ca: readFileSync(config.ca) } : {}),
  };
}

function reportSecure(socket: tls.TLSSocket, index: number): void {
  const peer = socket.getPeerCertificate();
  const session = socket.getSession();
  report('secure', {
    index,
    node: process.version,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher(),
    ephemeral: socket.getEphemeralKeyInfo(),
    authorized: socket.authorized,
    authorizationError: socket.authorizationError === undefined ? null : String(socket.authorizationError),
    peerFingerprint256: peer && 'fingerprint256' in peer ? peer.fingerprint256 : null,
    reused: socket.isSessionReused(),
    alpnProtocol: socket.alpnProtocol ?? false,
    servername: (socket as tls.TLSSocket & { servername?: string | false }).servername ?? false,
    // OpenSSL's SSL_SESSION (DER; a client's behind node's own header), for what it records.
    session: session ? session.toString('hex') : null,
    // RFC 5705 / RFC 8446 §7.5 keying material, without and with a context (EKM_LABEL, EKM_CONTEXT).
    // (No context is allowed by node, though @types/node's signature says otherwise.)
    ekm: (socket.exportKeyingMaterial as (length: number, label: string) => Buffer).call(socket, EKM_LENGTH, EKM_LABEL).toString('hex'),
    ekmWithContext: socket.exportKeyingMaterial(EKM_LENGTH, EKM_LABEL, Buffer.from(EKM_CONTEXT)).toString('hex'),
  });
}

/** Plumbs stdin to the socket and the socket to stdout, without ever ending either side. */
function serve(socket: tls.TLSSocket): void {
  process.stdin.pipe(socket, { end: false });
  socket.pipe(process.stdout, { end: false });
  socket.on('end', () => report('end'));
}

function reportErrors(socket: tls.TLSSocket, index: number): void {
  socket.on('error', (err) => report('error', { index, message: err.message, code: (err as NodeJS.ErrnoException).code }));
}

if (config.role === 'server') {
  let served = 0;
  const contexts = new Map(
    Object.entries(config.sni ?? {}).map(([name, kc]) => [name, tls.createSecureContext({ key: readFileSync(kc.key), cert: readFileSync(kc.cert) })]),
  );
  const psk = config.psk;
  const server = tls.createServer(
    {
      ...securityOptions(),
      ...(psk
        ? {
            pskCallback: (_socket: tls.TLSSocket, identity: string) => {
              report('psk-identity', { identity });
              return identity === psk.identity ? Buffer.from(psk.keyHex, 'hex') : null;
            },
          }
        : {}),
      ...(config.requestCert ? { requestCert: true, rejectUnauthorized: true } : {}),
      ...(config.sni
        ? {
            SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
              report('sni', { name, known: contexts.has(name) });
              cb(null, contexts.get(name));
            },
          }
        : {}),
    },
    (socket) => {
      const index = served++;
      if (index >= connections) {
        socket.destroy();
        return;
      }
      reportErrors(socket, index);
      reportSecure(socket, index);
      if (index === connections - 1) {
        serve(socket);
      } else {
        // An earlier connection: read (so tickets and alerts get processed), close when the client does.
        socket.resume();
        socket.on('end', () => socket.end());
      }
    },
  );
  if (config.sessionCache) {
    const cache = new Map<string, Buffer>();
    server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
      cache.set(id.toString('hex'), data);
      cb();
    });
    server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
      cb(null, cache.get(id.toString('hex')) ?? null);
    });
  }
  if (config.ocspResponse !== undefined) {
    const response = readFileSync(config.ocspResponse);
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer) => void) => {
      report('ocsp-request');
      cb(null, response);
    });
  }
  server.on('tlsClientError', (err) => report('handshake-error', { message: err.message, code: (err as NodeJS.ErrnoException).code }));
  server.listen(config.port, config.host, () => report('listening', { port: (server.address() as { port: number }).port }));
} else {
  const connectOnce = (index: number, session: Buffer | undefined): void => {
    const last = index === connections - 1;
    let secure = false;
    let resumable: Buffer | undefined;
    const socket = tls.connect(
      {
        host: config.host,
        port: config.port,
        ...(config.servername !== undefined ? { servername: config.servername } : {}),
        ...securityOptions(),
        ...(config.requestOCSP ? { requestOCSP: true } : {}),
        ...(config.psk ? { pskCallback: () => ({ psk: Buffer.from(config.psk!.keyHex, 'hex'), identity: config.psk!.identity }) } : {}),
        ...(session ? { session } : {}),
      },
      () => {
        secure = true;
        reportSecure(socket, index);
        if (last) serve(socket);
        else if (resumable) socket.end();
      },
    );
    reportErrors(socket, index);
    socket.on('error', () => {
      process.exitCode = 1;
    });
    socket.on('OCSPResponse', (response: Buffer) => report('ocsp-response', { index, der: response.toString('hex') }));
    socket.on('session', (s: Buffer) => {
      resumable = s;
      report('session', { index, session: s.toString('hex') });
      // An earlier connection ends once it is secure and holds a session (TLS 1.3: after a ticket).
      if (!last && secure) socket.end();
    });
    if (!last) {
      socket.resume();
      socket.on('close', () => {
        if (process.exitCode !== 1) connectOnce(index + 1, resumable);
      });
    }
  };
  connectOnce(0, undefined);
}
