// Interop with node:tls (OpenSSL inside Node) on Node 20 and Node 24, both directions: our
// client → a node:tls server, a node:tls client → our server. Cells of matrix(): the node peer
// allows only the cell's version, suite and group, and we run with defaults; cells of
// ourOptionsMatrix(): our options restrict, node runs with its defaults (Node 24's client then
// offers X25519MLKEM768 first). The node client verifies our chain to the test CA, for localhost.
import { describe, it, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testPki, type TestPki } from '../helpers/pki.js';
import { PeerProcess, missingPeerReason, nodeBinary } from '../helpers/peers.js';
import { ALL_GROUPS, cellName, matrix, ourOptionsMatrix, nodeCellOptions, type Cell, type PeerView } from './cells.js';
import { CELL_CONCURRENCY, CELL_TIMEOUT_MS, clientAgainstOurServer, ourClientAgainst, type ClientPeer, type ServerPeer } from './exchange.js';

const peerScript = fileURLToPath(new URL('./peers/node-peer.js', import.meta.url));

/** The Node.js majors we interoperate with: the oldest we support and the newest we ship for. */
const NODE_MAJORS = [20, 24] as const;

let pki: TestPki;

interface SecureReport {
  node: string;
  protocol: string | null;
  cipher: { standardName?: string } | undefined;
  ephemeral: { name?: string } | null;
  authorized: boolean;
  authorizationError: string | null;
}

/** The node peer's {"event":"secure"} line, as PeerView; fails when the peer did not authorize us. */
function readNodeReport(peer: PeerProcess, mustAuthorize: boolean): PeerView {
  const line = peer.stderrText.split('\n').find((l) => l.startsWith('{"event":"secure"'));
  if (!line) return {};
  const report = JSON.parse(line) as SecureReport;
  if (mustAuthorize && !report.authorized) throw new Error(`node:tls did not authorize our server: ${report.authorizationError}`);
  const group =
    report.ephemeral?.name === undefined ? undefined : (ALL_GROUPS.find((g) => g.nodeName === report.ephemeral!.name)?.name ?? report.ephemeral.name);
  return {
    ...(report.protocol ? { version: report.protocol } : {}),
    ...(report.cipher?.standardName ? { suite: report.cipher.standardName } : {}),
    ...(group ? { group } : {}),
  };
}

function nodeServer(binary: string, major: number, cell: Cell): ServerPeer {
  const { key, cert } = pki.certs[cell.cert];
  return {
    data: 'stdio',
    spawn: (port) =>
      new PeerProcess(`node ${major} tls server`, binary, [
        peerScript,
        JSON.stringify({
          role: 'server',
          host: '127.0.0.1',
          port,
          key,
          cert,
          ...nodeCellOptions(cell, 'server'),
        }),
      ]),
    // node:tls gives the group to clients only (getEphemeralKeyInfo() is null on a server).
    view: (peer) => readNodeReport(peer, false),
    reports: ['version', 'suite'],
  };
}

function nodeClient(binary: string, major: number, cell: Cell): ClientPeer {
  return {
    spawn: (port) =>
      new PeerProcess(`node ${major} tls client`, binary, [
        peerScript,
        JSON.stringify({
          role: 'client',
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: pki.ca,
          ...nodeCellOptions(cell, 'client'),
        }),
      ]),
    view: (peer) => readNodeReport(peer, true),
    reports: ['version', 'suite', 'group'],
  };
}

describe('interop: node:tls', { concurrency: CELL_CONCURRENCY }, () => {
  before(async () => {
    pki = await testPki();
  });

  for (const major of NODE_MAJORS) {
    const binary = nodeBinary(major);
    const skip =
      missingPeerReason(binary !== undefined, `no Node.js ${major} binary found (npm run setup:runtimes installs Node 24; TLSKIT_NODE${major} names one)`) ??
      false;
    for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
      it(cellName(`our client → node ${major} tls.createServer`, cell), { timeout: CELL_TIMEOUT_MS, skip }, () =>
        ourClientAgainst(nodeServer(binary!, major, cell), cell, pki),
      );
    }
    for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
      it(cellName(`node ${major} tls.connect → our server`, cell), { timeout: CELL_TIMEOUT_MS, skip }, () =>
        clientAgainstOurServer(nodeClient(binary!, major, cell), cell, pki),
      );
    }
  }
});
