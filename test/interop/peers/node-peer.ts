// A node:tls peer for interop tests, run as its own process on any Node version (no tlskit import).
//   node node-peer.js '<json PeerConfig>'
// Like `openssl s_server`/`s_client -quiet`: stdin goes to the TLS peer, what it sends goes to
// stdout. stderr carries one JSON object per line: {"event":"secure",...} with what node:tls
// negotiated, and {"event":"error",...}. Server role: one secure connection is served; failed
// handshakes (such as the harness's readiness probes) are reported and ignored.
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';

interface PeerConfig {
  role: 'server' | 'client';
  port: number;
  host: string;
  key?: string;
  cert?: string;
  ca?: string;
  servername?: string;
  ciphers?: string;
  ecdhCurve?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PeerConfig;

function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function securityOptions(): tls.SecureContextOptions & { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } {
  return {
    ...(config.ciphers !== undefined ? { ciphers: config.ciphers } : {}),
    ...(config.ecdhCurve !== undefined ? { ecdhCurve: config.ecdhCurve } : {}),
    ...(config.minVersion !== undefined ? { minVersion: config.minVersion } : {}),
    ...(config.maxVersion !== undefined ? { maxVersion: config.maxVersion } : {}),
  };
}

/** Plumbs stdin to the socket and the socket to stdout, without ever ending either side. */
function serve(socket: tls.TLSSocket): void {
  const peer = socket.getPeerCertificate();
  report('secure', {
    node: process.version,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher(),
    ephemeral: socket.getEphemeralKeyInfo(),
    authorized: socket.authorized,
    authorizationError: socket.authorizationError === undefined ? null : String(socket.authorizationError),
    peerFingerprint256: peer && 'fingerprint256' in peer ? peer.fingerprint256 : null,
  });
  process.stdin.pipe(socket, { end: false });
  socket.pipe(process.stdout, { end: false });
  socket.on('error', (err) => report('error', { message: err.message, code: (err as NodeJS.ErrnoException).code }));
  socket.on('end', () => report('end'));
}

if (config.role === 'server') {
  let served = false;
  const server = tls.createServer({
    key: readFileSync(config.key!),
    cert: readFileSync(config.cert!),
    ...securityOptions(),
  }, (socket) => {
    if (served) {
      socket.destroy();
      return;
    }
    served = true;
    serve(socket);
  });
  server.on('tlsClientError', (err) => report('handshake-error', { message: err.message, code: (err as NodeJS.ErrnoException).code }));
  server.listen(config.port, config.host, () => report('listening', { port: (server.address() as { port: number }).port }));
} else {
  const socket = tls.connect({
    host: config.host,
    port: config.port,
    ...(config.servername !== undefined ? { servername: config.servername } : {}),
    ...(config.ca !== undefined ? { ca: readFileSync(config.ca) } : {}),
    ...securityOptions(),
  }, () => serve(socket));
  socket.on('error', (err) => {
    report('error', { message: err.message, code: (err as NodeJS.ErrnoException).code });
    process.exitCode = 1;
  });
}
