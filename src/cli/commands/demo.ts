// `tlskit demo`: a local server with a freshly made certificate chain, a client that connects to
// it over TCP on 127.0.0.1, a real handshake printed step by step, and data both ways.
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from '../../node/connect.js';
import { createServer } from '../../node/server.js';
import type { TLSSocket } from '../../node/tls-socket.js';
import type { TlsEvent } from '../../engine/events.js';
import { createTestPki } from '../../devcert/test-pki.js';
import type { KeyKind } from '../../devcert/certificate-builder.js';
import { ExitCode, type CommandIo } from '../command.js';
import { describeStep, describeCertificateLine, type Side } from '../steps.js';
import { styleFor } from '../style.js';
import { checkCipherList } from '../tls-options.js';
import { reportUsageError, UsageError } from '../usage.js';

const USAGE = `Usage: tlskit demo [--tls1.2] [--rsa] [--cipher NAME] [--bytes N]

A TLS server and client on 127.0.0.1, in this process, with a certificate chain made just now:
each handshake step is printed, then data goes both ways and the connection closes.

  --tls1.2        negotiate TLS 1.2 instead of TLS 1.3
  --rsa           RSA certificates instead of ECDSA P-256
  --cipher NAME   a cipher suite (OpenSSL or IANA name), e.g. TLS_CHACHA20_POLY1305_SHA256,
                  or AES128-GCM-SHA256 with --tls1.2 --rsa for RSA key transport
  --bytes N       bytes to send each way after the greeting (default 1048576)
`;

interface DemoOptions {
  tls12: boolean;
  keyKind: KeyKind;
  cipher?: string;
  bytes: number;
}

function parseArgs(argv: readonly string[]): DemoOptions | string {
  const o: DemoOptions = { tls12: false, keyKind: 'ec-p256', bytes: 1 << 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--tls1.2') o.tls12 = true;
    else if (a === '--tls1.3') o.tls12 = false;
    else if (a === '--rsa') o.keyKind = 'rsa-2048';
    else if (a === '--cipher' && argv[i + 1]) o.cipher = argv[++i]!;
    else if (a === '--bytes' && argv[i + 1] && /^\d+$/.test(argv[i + 1]!)) o.bytes = Number(argv[++i]);
    else return `unknown or incomplete argument '${a}'`;
  }
  return o;
}

export async function runDemo(argv: string[], io: CommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return ExitCode.ok;
  }
  const options = parseArgs(argv);
  if (typeof options === 'string') return reportUsageError(io, 'demo', options);
  if (options.cipher !== undefined) {
    try {
      for (const w of checkCipherList('--cipher', options.cipher)) io.stderr.write(`tlskit demo: warning: ${w}\n`);
    } catch (err) {
      if (err instanceof UsageError) return reportUsageError(io, 'demo', err.message);
      throw err;
    }
  }
  const s = styleFor(io.stdout);
  const out = (line = ''): void => {
    io.stdout.write(`${line}\n`);
  };

  out(s.bold(`tlskit demo: a ${options.tls12 ? 'TLS 1.2' : 'TLS 1.3'} connection between a tlskit client and a tlskit server on 127.0.0.1`));
  out();
  const pki = createTestPki({ leafKey: options.keyKind, caKey: options.keyKind, intermediate: true, names: ['localhost', '127.0.0.1'] });
  out('Made a certificate chain for this run:');
  out(`  root CA       ${describeCertificateLine(pki.ca.certificate.der)}`);
  out(`  intermediate  ${describeCertificateLine(pki.intermediate!.certificate.der)}`);
  out(`  server        ${describeCertificateLine(pki.leaf.der)}`);
  out('The client trusts only the root; the server sends its certificate and the intermediate.');
  out();

  const show =
    (side: Side) =>
    (event: TlsEvent): void => {
      if (event.kind === 'step') for (const line of describeStep(event, side, s)) out(line);
      else if (event.kind === 'alert' && event.direction === 'sent' && event.description !== 0) out(s.red(`${side} sent alert ${event.description}`));
    };

  const ciphers = options.cipher;
  const server = createServer({
    key: pki.keyPem,
    cert: pki.chainPem,
    ALPNProtocols: ['demo/1'],
    ...(ciphers ? { ciphers } : {}),
  });
  server.on('handshakeStart', (socket: TLSSocket) => socket.on('tlsEvent', show('server')));
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk)); // echo
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  out(`Server listening on 127.0.0.1:${port}; client connecting with server name "localhost".`);
  out();

  try {
    const client = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: pki.caPem,
      ALPNProtocols: ['demo/1'],
      ...(options.tls12 ? { maxVersion: 'TLSv1.2' as const } : { minVersion: 'TLSv1.3' as const }),
      ...(ciphers ? { ciphers } : {}),
    });
    client.on('tlsEvent', show('client'));
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', resolve);
      client.once('error', reject);
    });
    out();
    out(
      s.bold('Connected.') +
        ` protocol ${client.getProtocol()}, cipher ${client.getCipher()?.standardName}, group ${client.getEphemeralKeyInfo()?.name ?? 'none (RSA key transport)'}, ALPN ${client.alpnProtocol || 'none'}, certificate ${client.authorized ? s.green('trusted') : s.red('NOT trusted')}`,
    );

    const greeting = Buffer.from('hello from the client\n');
    const payload = randomBytes(options.bytes);
    const expected = createHash('sha256').update(greeting).update(payload).digest('hex');
    const started = process.hrtime.bigint();
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (chunk: Buffer) => {
        received.push(chunk);
        receivedBytes += chunk.length;
        if (receivedBytes >= greeting.length + payload.length) resolve();
      });
      client.once('error', reject);
      client.once('close', () => resolve());
    });
    client.write(greeting);
    client.write(payload);
    await done;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const echoed = Buffer.concat(received);
    const ok = createHash('sha256').update(echoed).digest('hex') === expected;
    out(`client → server  "${greeting.toString().trim()}" and ${options.bytes} random bytes; the server echoes them back`);
    out(`${ok ? s.green('✓') : s.red('✗')} ${echoed.length} bytes came back ${ok ? 'intact' : 'CORRUPTED'} in ${ms.toFixed(1)} ms`);
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
    out('Closed with close_notify in both directions.');
    return ok ? ExitCode.ok : ExitCode.failure;
  } catch (err) {
    out(s.red(`Handshake failed: ${(err as Error).message}`));
    return ExitCode.failure;
  } finally {
    server.close();
  }
}
