// A throwaway redis-server on 127.0.0.1 for the fleet tests: a free port, no persistence
// (--save '' --appendonly no), its files in a temp dir removed when it stops. Skipped with a reason
// when redis-server is not installed, unless TLSKIT_INTEROP_REQUIRE_PEERS=1 (CI), which fails.
import { hasCommand, missingPeerReason } from '../../helpers/peers.js';
import { freePort, startPeer, tempDir, type Peer } from './peers.js';

export const redisMissing: string | false =
  missingPeerReason(hasCommand('redis-server'), 'redis-server is not installed (Debian: apt-get install redis-server)') ?? false;

export interface RedisServer {
  readonly port: number;
  readonly peer: Peer;
  stop(): Promise<void>;
}

export async function startRedis(port?: number): Promise<RedisServer> {
  const dir = tempDir('tlskit-redis-');
  const listenPort = port ?? (await freePort());
  let peer: Peer;
  try {
    peer = await startPeer('redis-server', ['--port', String(listenPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path], {
      ready: /Ready to accept connections/,
      ms: 10_000,
      stdin: 'ignore',
    });
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    port: listenPort,
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
