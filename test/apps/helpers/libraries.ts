// For the per-library tests (test/apps/libraries/): loading a client library that may not be
// installed, a TCP peer that accepts and never answers (the timeout cases), and throwaway TLS
// servers of real software (redis-server, mosquitto, mariadbd), each on 127.0.0.1 with bounded startup.
import { createRequire } from 'node:module';
import { existsSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import nodeTls from 'node:tls';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tlskit from '../../../src/index.js';
import { hasCommand, missingPeerReason } from '../../helpers/peers.js';
import { freePort, startPeer, tempDir, withTimeout, type Peer } from './peers.js';

const require = createRequire(import.meta.url);

/**
 * A library the tests drive, or why it is missing. Resolved like require() does, so NODE_PATH
 * counts (CI has them as devDependencies; a developer may keep them elsewhere), then imported
 * (ESM-only packages such as got too). Under TLSKIT_INTEROP_REQUIRE_PEERS=1 a missing one fails.
 */
export async function loadLibrary<T = Record<string, any>>(name: string): Promise<{ lib: T; missing: false } | { lib: undefined; missing: string }> {
  let path: string;
  try {
    path = require.resolve(name);
  } catch {
    const reason = missingPeerReason(false, `the ${name} package is not installed (a devDependency; or NODE_PATH pointing at a node_modules that has it)`)!;
    return { lib: undefined, missing: reason };
  }
  // The module namespace: a CommonJS package's exports are its `default`.
  return { lib: (await import(pathToFileURL(path).href)) as T, missing: false };
}

/** Why a command-line server cannot run here, or false (a missing one fails under TLSKIT_INTEROP_REQUIRE_PEERS=1). */
export function serverMissing(command: string, debianPackage: string): string | false {
  return (
    missingPeerReason(hasCommand(command) || existsSync(`/usr/sbin/${command}`), `${command} is not installed (Debian: apt-get install ${debianPackage})`) ??
    false
  );
}

/**
 * A TCP server that accepts connections and never says a word: a TLS client's handshake waits
 * forever on it. `closedByClient()` resolves once every accepted connection was closed by the
 * client (its socket was destroyed), bounded.
 */
export interface SilentPeer {
  readonly port: number;
  readonly accepted: number;
  /** Resolves when at least one connection came and all that came were closed by the client. */
  closedByClient(ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSilentPeer(): Promise<SilentPeer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let waiters: (() => void)[] = [];
  const check = (): void => {
    if (accepted > 0 && sockets.size === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    // The client's FIN or RST: it gave up on us. We never write, so only the client ends it.
    socket.once('close', () => {
      sockets.delete(socket);
      check();
    });
    socket.once('end', () => socket.destroy());
    // Read (and drop) what the client sends, so that its FIN is seen.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    get accepted() {
      return accepted;
    },
    closedByClient(ms = 10_000) {
      return withTimeout(
        new Promise<void>((resolve) => {
          waiters.push(resolve);
          check();
        }),
        ms,
        'the client to close its connection to the silent peer',
      ).catch((err: Error) => {
        throw new Error(`${err.message} (accepted ${accepted}, still open ${sockets.size})`);
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TlsServerFiles {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export interface RunningServer {
  readonly port: number;
  readonly peer: Peer;
  stop(): Promise<void>;
}

function writeTlsFiles(dir: string, tls: TlsServerFiles): { cert: string; key: string; ca: string } {
  const files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') };
  writeFileSync(files.cert, tls.certPem);
  writeFileSync(files.key, tls.keyPem, { mode: 0o600 });
  writeFileSync(files.ca, tls.caPem);
  return files;
}

async function startWithFiles(prefix: string, start: (dir: string, port: number) => Promise<Peer>): Promise<RunningServer> {
  const dir = tempDir(prefix);
  const port = await freePort();
  let peer: Peer;
  try {
    peer = await start(dir.path, port);
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    port,
    peer,
    async stop() {
      try {
        await peer.stop();
      } finally {
        dir.remove();
      }
    },
  };
}

/** redis-server with TLS only (no plaintext port), clients not asked for certificates. */
export function startRedisTls(tls: TlsServerFiles): Promise<RunningServer> {
  return startWithFiles('tlskit-redis-tls-', (dir, port) => {
    const f = writeTlsFiles(dir, tls);
    return startPeer(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        f.cert,
        '--tls-key-file',
        f.key,
        '--tls-ca-cert-file',
        f.ca,
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { ready: /Ready to accept connections/, ms: 20_000, stdin: 'ignore' },
    );
  });
}

/** mosquitto with one TLS listener, anonymous clients allowed. */
export function startMosquittoTls(tls: TlsServerFiles): Promise<RunningServer> {
  return startWithFiles('tlskit-mosquitto-', (dir, port) => {
    const f = writeTlsFiles(dir, tls);
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        `cafile ${f.ca}`,
        `certfile ${f.cert}`,
        `keyfile ${f.key}`,
        // Run as root, mosquitto switches to its own user unless told to stay: our files are ours.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        'allow_anonymous true',
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        '',
      ].join('\n'),
    );
    return startPeer('mosquitto', ['-c', conf, '-v'], { ready: /mosquitto version \S+ running/, ms: 20_000, stdin: 'ignore' });
  });
}

/**
 * mariadbd on an empty data directory with --skip-grant-tables (any user, no password), TLS
 * with our certificate, and every TCP connection required to use TLS (require_secure_transport):
 * a query that succeeds went over TLS.
 */
export function startMariaDbTls(tls: TlsServerFiles): Promise<RunningServer> {
  return startWithFiles('tlskit-mariadb-', (dir, port) => {
    const f = writeTlsFiles(dir, tls);
    const root = process.getuid?.() === 0;
    return startPeer(
      'mariadbd',
      [
        '--no-defaults',
        ...(root ? ['--user=root'] : []),
        `--datadir=${dir}`,
        `--socket=${join(dir, 'mariadb.sock')}`,
        `--pid-file=${join(dir, 'mariadb.pid')}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-grant-tables',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        '--skip-name-resolve',
        '--require-secure-transport=ON',
        `--ssl-cert=${f.cert}`,
        `--ssl-key=${f.key}`,
        `--ssl-ca=${f.ca}`,
      ],
      { ready: /ready for connections/, ms: 20_000, stdin: 'ignore' },
    );
  });
}

/**
 * For libraries that call node:tls themselves and offer no hook (mysql2, node-redis): tlskit's
 * connect and createSecureContext put in node:tls's place, process-wide, as docs/node-compat.md
 * says; returns the function that puts node's back. Tests in one file run one after another, so
 * the swap stays within the test that made it.
 */
export function useTlskitAsNodeTls(): () => void {
  const saved = { connect: nodeTls.connect, createSecureContext: nodeTls.createSecureContext };
  Object.assign(nodeTls, { connect: tlskit.connect, createSecureContext: tlskit.createSecureContext });
  return () => Object.assign(nodeTls, saved);
}

/** A tlskit HTTPS server (createHttpsServer) answering every request with JSON about its TLS. */
export async function startTlskitHttps(tls: {
  certPem: string;
  keyPem: string;
}): Promise<{ port: number; url: string; server: tlskit.HttpsServer; close(): Promise<void> }> {
  const server = tlskit.createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const socket = req.socket as unknown as tlskit.TLSSocket;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, protocol: socket.getProtocol(), alpn: socket.alpnProtocol }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
