// bench/edge.ts's client in Node: tlskit's portable build over node:net (through Duplex.toWeb, as
// connectTls's `connect`), and node:tls (OpenSSL) with the same CA. Request JSON in argv[2].
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { CHACHA, benchOne, tlskitOpener, type EdgeBenchRequest, type EdgeBenchRow } from './edge-client.js';
import type { ByteStreamPair } from '../src/web/streams.js';

function nodeTcp({ hostname, port }: { hostname: string; port: number }): ByteStreamPair & { opened: Promise<unknown> } {
  const socket = net.connect(port, hostname);
  socket.setNoDelay(true);
  const pair = Duplex.toWeb(socket) as unknown as ByteStreamPair;
  return { readable: pair.readable, writable: pair.writable, opened: once(socket, 'connect') };
}

const request = JSON.parse(process.argv[2] ?? '{}') as EdgeBenchRequest;
const rows: EdgeBenchRow[] = [
  await benchOne('tlskit (portable)', tlskitOpener(nodeTcp), request),
  await benchOne('tlskit (portable), ChaCha20 only', tlskitOpener(nodeTcp, CHACHA), request),
];
rows.push(
  await benchOne(
    `node:tls (OpenSSL ${process.versions.openssl})`,
    async (port, ca) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
      await once(s, 'secureConnect');
      const pair = Duplex.toWeb(s) as unknown as ByteStreamPair;
      return { readable: pair.readable, writable: pair.writable, close: () => s.destroy() };
    },
    request,
  ),
);
console.log(JSON.stringify({ runtime: `node ${process.version}`, rows }));
