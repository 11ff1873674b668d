// bench/edge.ts's client in Deno or Bun (bundled by `bun build`): the request as JSON in the first
// argument, the rows as JSON on stdout. tlskit over Deno.connect / Bun.connect; the runtime's own
// TLS: Deno.connectTls, Bun's node:tls.
import { CHACHA, benchOne, nativeOpener, tlskitOpener, type EdgeBenchRequest, type EdgeBenchRow, type TlsOpener } from './edge-client.js';

interface NodeTlsLike {
  connect(o: { host: string; port: number; servername: string; ca: string }): {
    once(e: string, f: (...a: unknown[]) => void): void;
    on(e: string, f: (...a: unknown[]) => void): void;
    write(b: Uint8Array): boolean;
    end(): void;
    destroy(): void;
  };
}

/** A node:tls-style socket (Bun's) as a byte stream pair. */
function nodeTlsOpener(tls: NodeTlsLike): TlsOpener {
  return (port, ca) =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
      s.once('error', reject);
      s.once('secureConnect', () => {
        const readable = new ReadableStream<Uint8Array>({
          start(c) {
            s.on('data', (d) => c.enqueue(d as Uint8Array));
            s.on('end', () => c.close());
          },
        });
        const writable = new WritableStream<Uint8Array>({ write: (b) => void s.write(b), close: () => s.end() });
        resolve({ readable, writable, close: () => s.destroy() });
      });
    });
}

const g = globalThis as { Deno?: { args: string[] }; Bun?: unknown; process?: { argv: string[] } };
const request = JSON.parse((g.Deno ? g.Deno.args[0] : g.process?.argv[2]) ?? '{}') as EdgeBenchRequest;
const rows: EdgeBenchRow[] = [
  await benchOne('tlskit (portable)', tlskitOpener(), request),
  await benchOne('tlskit (portable), ChaCha20 only', tlskitOpener(undefined, CHACHA), request),
];
const native = nativeOpener();
if (native) rows.push(await benchOne(native.name, native.open, request));
else if (g.Bun) rows.push(await benchOne('node:tls in Bun (BoringSSL)', nodeTlsOpener((await import('node:tls' as string)) as NodeTlsLike), request));
console.log(JSON.stringify({ runtime: g.Deno ? 'deno' : g.Bun ? 'bun' : 'unknown', rows }));
