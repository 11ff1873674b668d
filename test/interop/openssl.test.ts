// Interop with OpenSSL's command line tools: our client → `openssl s_server`, `openssl s_client` →
// our server. Cells of matrix(): the peer allows only the cell's version, suite and group and we run
// with defaults, so we must negotiate our way there (a HelloRetryRequest when the group is not our
// first); cells of ourOptionsMatrix(): our options restrict, the peer runs with its defaults.
import { describe, it, before } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testPki, type TestPki } from '../helpers/pki.js';
import { PeerProcess, hasCommand, missingPeerReason } from '../helpers/peers.js';
import { cellName, matrix, ourOptionsMatrix, opensslCellArgs, readOpensslTrace, type Cell } from './cells.js';
import { CELL_CONCURRENCY, CELL_TIMEOUT_MS, clientAgainstOurServer, ourClientAgainst, type ClientPeer, type ServerPeer } from './exchange.js';

const unavailable = missingPeerReason(hasCommand('openssl'), 'openssl is not installed');

let pki: TestPki;
let traces = 0;
const traceFile = (): string => join(pki.dir, `openssl-${process.pid}-${++traces}.trace`);

function sServer(cell: Cell): ServerPeer {
  const trace = traceFile();
  const { key, cert } = pki.certs[cell.cert];
  return {
    data: 'stdio',
    spawn: (port) =>
      new PeerProcess('openssl s_server', 'openssl', [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-key',
        key,
        '-cert',
        cert,
        ...opensslCellArgs(cell, 'server'),
        // -quiet: stdout carries only the client's bytes; stdin bytes go to the client as they are.
        '-quiet',
        '-trace',
        '-msgfile',
        trace,
      ]),
    view: () => readOpensslTrace(readFileSync(trace, 'latin1')),
    reports: ['version', 'suite', 'group'],
  };
}

function sClient(cell: Cell): ClientPeer {
  const trace = traceFile();
  return {
    spawn: (port) =>
      new PeerProcess('openssl s_client', 'openssl', [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'localhost',
        '-CAfile',
        pki.ca,
        '-verify_return_error',
        '-verify_hostname',
        'localhost',
        ...opensslCellArgs(cell, 'client'),
        '-quiet',
        '-trace',
        '-msgfile',
        trace,
      ]),
    view: () => readOpensslTrace(readFileSync(trace, 'latin1')),
    reports: ['version', 'suite', 'group'],
  };
}

describe('interop: openssl', { concurrency: CELL_CONCURRENCY, skip: unavailable ?? false }, () => {
  before(async () => {
    pki = await testPki();
  });

  for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
    it(cellName('our client → openssl s_server', cell), { timeout: CELL_TIMEOUT_MS }, () => ourClientAgainst(sServer(cell), cell, pki));
  }
  for (const cell of [...matrix(), ...ourOptionsMatrix()]) {
    it(cellName('openssl s_client → our server', cell), { timeout: CELL_TIMEOUT_MS }, () => clientAgainstOurServer(sClient(cell), cell, pki));
  }
});
