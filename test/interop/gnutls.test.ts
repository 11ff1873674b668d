// Interop with GnuTLS's command line tools: our client → `gnutls-serv --echo`, `gnutls-cli` → our
// server. Cells of matrix(): the peer's priority string allows only the cell's version, suite and
// group, and we run with defaults; cells of ourOptionsMatrix(): our options restrict, the peer runs
// with its defaults.
import { describe, it, before } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testPki, type TestPki } from '../helpers/pki.js';
import { PeerProcess, hasCommand, missingPeerReason } from '../helpers/peers.js';
import { cellName, gnutlsPriority, matrix, ourOptionsMatrix, readGnutlsDescription, type Cell } from './cells.js';
import { CELL_CONCURRENCY, CELL_TIMEOUT_MS, clientAgainstOurServer, ourClientAgainst, type ClientPeer, type ServerPeer } from './exchange.js';

const serverUnavailable = missingPeerReason(hasCommand('gnutls-serv'), 'gnutls-serv is not installed (Debian: gnutls-bin)');
const clientUnavailable = missingPeerReason(hasCommand('gnutls-cli'), 'gnutls-cli is not installed (Debian: gnutls-bin)');

let pki: TestPki;
let logs = 0;

function gnutlsServ(cell: Cell): ServerPeer {
  const { key, cert } = pki.certs[cell.cert];
  return {
    // gnutls-serv --echo is line-oriented text: it stops at NUL bytes, so it gets base64 lines.
    // --crlf keeps CR LF as sent (by default it rewrites them).
    data: 'echo',
    spawn: (port) =>
      new PeerProcess('gnutls-serv', 'gnutls-serv', [
        '--port',
        String(port),
        '--x509keyfile',
        key,
        '--x509certfile',
        cert,
        '--echo',
        '--crlf',
        '--priority',
        gnutlsPriority(cell, 'server'),
      ]),
    // It prints each session's "- Description: ..." on stdout (the echoed data goes to stderr).
    view: (peer) => readGnutlsDescription(peer.stdout.text(), cell),
    reports: ['version', 'suite', 'group'],
  };
}

function gnutlsCli(cell: Cell): ClientPeer {
  const log = join(pki.dir, `gnutls-cli-${process.pid}-${++logs}.log`);
  // gnutls-cli writes what it receives a byte per write(2): into a file, not a pipe to us.
  const stdoutFile = join(pki.dir, `gnutls-cli-${process.pid}-${logs}.out`);
  return {
    spawn: (port) =>
      new PeerProcess(
        'gnutls-cli',
        'gnutls-cli',
        [
          '--port',
          String(port),
          '--sni-hostname',
          'localhost',
          '--verify-hostname',
          'localhost',
          '--x509cafile',
          pki.ca,
          '--priority',
          gnutlsPriority(cell, 'client'),
          // Session information goes to the log file, so stdout carries only the server's bytes.
          `--logfile=${log}`,
          '127.0.0.1',
        ],
        { stdoutFile },
      ),
    view: () => readGnutlsDescription(readFileSync(log, 'latin1'), cell),
    reports: ['version', 'suite', 'group'],
  };
}

describe('interop: gnutls', { concurrency: CELL_CONCURRENCY }, () => {
  before(async () => {
    pki = await testPki();
  });

  for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
    it(cellName('our client → gnutls-serv', cell), { timeout: CELL_TIMEOUT_MS, skip: serverUnavailable ?? false }, () =>
      ourClientAgainst(gnutlsServ(cell), cell, pki),
    );
  }
  for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
    it(cellName('gnutls-cli → our server', cell), { timeout: CELL_TIMEOUT_MS, skip: clientUnavailable ?? false }, () =>
      clientAgainstOurServer(gnutlsCli(cell), cell, pki),
    );
  }
});
