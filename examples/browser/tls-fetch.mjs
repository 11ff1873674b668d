// HTTP/1.0 over tlskit over a WebSocket relay: what the example page, its worker and the browser
// test run. Works in a page and in a module worker alike (no DOM use).
import { connectStream, webSocketTransport, TlsError } from 'tlskit';

/**
 * Connects to host:port through the relay, validates the server's chain against `ca` (PEM),
 * sends `GET path` and reads the whole response. Resolves to what happened, failures included,
 * as plain data (it crosses postMessage and Playwright's evaluate()).
 */
export async function tlsFetch({
  relay,
  host = '127.0.0.1',
  port,
  servername = 'localhost',
  ca,
  path = '/',
  maxVersion,
  minVersion,
  ciphers,
  ecdhCurve,
  timeoutMs = 15000,
}) {
  const signal = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  const transport = webSocketTransport(`${relay}?host=${encodeURIComponent(host)}&port=${port}`);
  let tls;
  try {
    tls = await connectStream(transport, {
      servername,
      ca,
      signal,
      ...(maxVersion ? { maxVersion } : {}),
      ...(minVersion ? { minVersion } : {}),
      ...(ciphers ? { ciphers } : {}),
      ...(ecdhCurve ? { ecdhCurve } : {}),
    });
  } catch (err) {
    return failure(err, 'handshake');
  }
  const handshakeMs = performance.now() - started;
  const info = tls.info;
  try {
    const writer = tls.writable.getWriter();
    await writer.write(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: ${servername}\r\n\r\n`));
    const chunks = [];
    let bytes = 0;
    const reading = performance.now();
    const reader = tls.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (chunks.length < 4) chunks.push(value); // the head of the response is enough to check
    }
    const readMs = performance.now() - reading;
    await tls.close();
    const head = new TextDecoder().decode(concat(chunks)).slice(0, 2000);
    return {
      ok: true,
      version: info.version,
      cipherSuite: info.cipherSuite?.name,
      group: info.group?.name,
      peerSignatureScheme: info.peerSignatureScheme?.name,
      authorized: info.authorized,
      status: head.split('\r\n', 1)[0],
      head,
      bytes,
      handshakeMs,
      readMs,
    };
  } catch (err) {
    return failure(err, 'data');
  }
}

function failure(err, stage) {
  return {
    ok: false,
    stage,
    alert: err instanceof TlsError ? err.alert : undefined,
    origin: err instanceof TlsError ? err.origin : undefined,
    message: err instanceof Error ? err.message : String(err),
  };
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
