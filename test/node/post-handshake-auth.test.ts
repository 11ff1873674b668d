// TLSSocket.requestClientCertificate() (RFC 8446 §4.6.2) through the public API: the server's
// socket shows the client as authenticated (authorized, getPeerCertificate(),
// getPeerX509Certificate()) only once the client's CertificateVerify and Finished verified, and
// then 'clientCertificate' and the request's callback report it. A failed answer changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createTestPki } from '../../src/devcert/test-pki.js';
import type { TlsEvent } from '../../src/engine/events.js';
import { TlsError } from '../../src/errors.js';
import { connect } from '../../src/node/connect.js';
import { createServer, type Server } from '../../src/node/server.js';
import type { ClientCertificateOutcome, TLSSocket } from '../../src/node/tls-socket.js';

const serverPki = createTestPki();
const clientPki = createTestPki({ names: ['client.test'] });
const strangerPki = createTestPki({ names: ['client.test'] });

async function listening(): Promise<{ server: Server; port: number; accepted: Promise<TLSSocket> }> {
  const server = createServer({ key: serverPki.keyPem, cert: serverPki.chainPem, ca: clientPki.caPem });
  const accepted = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}

/** What the server's socket says about the client right now. */
function view(socket: TLSSocket): { authorized: boolean; certificate: string | undefined; x509: string | undefined } {
  const cert = socket.getPeerCertificate();
  return {
    authorized: socket.authorized,
    certificate: 'fingerprint256' in cert ? cert.fingerprint256 : undefined,
    x509: socket.getPeerX509Certificate()?.fingerprint256,
  };
}

const anonymous = { authorized: false, certificate: undefined, x509: undefined };

/** Checks the socket's view at every handshake step of the exchange (they are emitted synchronously). */
function watchSteps(socket: TLSSocket): { step: string; view: ReturnType<typeof view> }[] {
  const seen: { step: string; view: ReturnType<typeof view> }[] = [];
  socket.on('tlsEvent', (event: TlsEvent) => {
    if (event.kind === 'step') seen.push({ step: event.step, view: view(socket) });
  });
  return seen;
}

test("requestClientCertificate(): the socket is authorized only after the client's Finished, then clientCertificate fires", { timeout: 15_000 }, async () => {
  const { server, port, accepted } = await listening();
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverPki.caPem, key: clientPki.keyPem, cert: clientPki.chainPem });
  client.on('error', () => {});
  try {
    const socket = await within(5_000, 'the connection', accepted);
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    assert.deepEqual(view(socket), anonymous);
    const steps = watchSteps(socket);
    const received: { text: string; view: ReturnType<typeof view> }[] = [];
    socket.on('data', (chunk: Buffer) => received.push({ text: chunk.toString(), view: view(socket) }));
    const event = new Promise<{ outcome: ClientCertificateOutcome; view: ReturnType<typeof view> }>((resolve) => {
      socket.once('clientCertificate', (outcome: ClientCertificateOutcome) => resolve({ outcome, view: view(socket) }));
    });
    const callback = new Promise<ClientCertificateOutcome>((resolve, reject) => {
      socket.requestClientCertificate((err, outcome) => (err ? reject(err) : resolve(outcome!)));
    });
    assert.deepEqual(view(socket), anonymous, 'asking changes nothing');
    const clientFinished = new Promise<void>((resolve) =>
      socket.on('tlsEvent', (e: TlsEvent) => {
        if (e.kind === 'step' && e.step === 'finished') resolve();
      }),
    );
    await within(5_000, "the client's Finished", clientFinished);
    // Every step of the exchange before the client's Finished verified saw the client as it was before.
    const names = steps.map((s) => s.step);
    for (const step of ['certificate-validation', 'certificate-verify', 'finished']) assert.ok(names.includes(step), `step ${step} seen`);
    for (const s of steps.slice(0, names.lastIndexOf('finished'))) assert.deepEqual(s.view, anonymous, `at step ${s.step}`);
    const { outcome, view: atEvent } = await within(5_000, 'clientCertificate', event);

    const expected = new X509Certificate(clientPki.leaf.der).fingerprint256;
    const authenticated = { authorized: true, certificate: expected, x509: expected };
    assert.deepEqual(atEvent, authenticated);
    assert.deepEqual(view(socket), authenticated);
    assert.equal(socket.authorizationError, null);
    assert.equal(outcome.authorized, true);
    assert.equal(outcome.authorizationError, undefined);
    assert.equal('fingerprint256' in outcome.certificate ? outcome.certificate.fingerprint256 : undefined, expected);
    assert.equal(await within(1_000, 'the callback', callback), outcome);

    // Data from the authenticated client arrives as usual.
    client.write('hello as client.test');
    await within(5_000, 'data', new Promise<void>((resolve) => socket.once('data', () => resolve())));
    assert.deepEqual(received.at(-1), { text: 'hello as client.test', view: authenticated });
  } finally {
    client.destroy();
    server.close();
  }
});

test('requestClientCertificate() answered with an untrusted certificate: unknown_ca to the callback, the socket never authorized', {
  timeout: 15_000,
}, async () => {
  const { server, port, accepted } = await listening();
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverPki.caPem, key: strangerPki.keyPem, cert: strangerPki.chainPem });
  client.on('error', () => {});
  try {
    const socket = await within(5_000, 'the connection', accepted);
    const steps = watchSteps(socket);
    socket.on('error', () => {});
    let events = 0;
    socket.on('clientCertificate', () => events++);
    const failure = new Promise<Error>((resolve, reject) => {
      socket.requestClientCertificate((err) => (err ? resolve(err) : reject(new Error('the request succeeded'))));
    });
    await within(5_000, 'the socket to close', new Promise((resolve) => socket.once('close', resolve)));
    assert.ok(steps.some((s) => s.step === 'certificate-validation'));
    for (const s of steps) assert.deepEqual(s.view, anonymous, `at step ${s.step}`);
    assert.deepEqual(view(socket), anonymous);
    assert.equal(socket.authorizationError, null);
    assert.equal(events, 0);
    const err = await within(1_000, 'the callback', failure);
    assert.ok(err instanceof TlsError);
    assert.equal(err.alert, 'unknown_ca');
  } finally {
    client.destroy();
    server.close();
  }
});

test('data the client sent before its Finished and still unread keeps the earlier identity until it is read (paused stream)', { timeout: 15_000 }, async () => {
  const { server, port, accepted } = await listening();
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverPki.caPem, key: clientPki.keyPem, cert: clientPki.chainPem });
  client.on('error', () => {});
  try {
    const socket = await within(5_000, 'the connection', accepted);
    // Nobody reads yet: the stream is paused and buffers what arrives.
    client.write('sent before the request');
    await within(
      5_000,
      'buffered data',
      (async () => {
        while (socket.readableLength === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
    );
    const outcomes: { view: ReturnType<typeof view> }[] = [];
    socket.on('clientCertificate', () => outcomes.push({ view: view(socket) }));
    const clientFinished = new Promise<void>((resolve) =>
      socket.on('tlsEvent', (e: TlsEvent) => {
        if (e.kind === 'step' && e.step === 'finished') resolve();
      }),
    );
    socket.requestClientCertificate();
    await within(5_000, "the client's Finished", clientFinished);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Authenticated in the engine, but what the application will read next came before that.
    assert.equal(socket.info.authorized, true);
    assert.deepEqual(view(socket), anonymous);
    assert.equal(outcomes.length, 0);
    const chunk = socket.read() as Buffer | null;
    assert.equal(chunk?.toString(), 'sent before the request');
    const expected = new X509Certificate(clientPki.leaf.der).fingerprint256;
    assert.equal(outcomes.length, 1, 'clientCertificate once the earlier data was read');
    assert.deepEqual(outcomes[0]!.view, { authorized: true, certificate: expected, x509: expected });
    assert.deepEqual(view(socket), { authorized: true, certificate: expected, x509: expected });
  } finally {
    client.destroy();
    server.close();
  }
});

test('a second request while the first outcome is held for unread data: each callback gets its own outcome, in order', { timeout: 15_000 }, async () => {
  const { server, port, accepted } = await listening();
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverPki.caPem, key: clientPki.keyPem, cert: clientPki.chainPem });
  client.on('error', () => {});
  try {
    const socket = await within(5_000, 'the connection', accepted);
    client.write('before the first request');
    await within(
      5_000,
      'buffered data',
      (async () => {
        while (socket.readableLength === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
    );
    let finishedSteps = 0;
    const finished = (n: number): Promise<void> =>
      within(
        5_000,
        `Finished #${n}`,
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (finishedSteps >= n) resolve();
          };
          socket.on('tlsEvent', (e: TlsEvent) => {
            if (e.kind === 'step' && e.step === 'finished') {
              finishedSteps++;
              check();
            }
          });
          check();
        }),
      );
    const answers: { request: number; outcome: ClientCertificateOutcome | undefined; error: Error | null; view: ReturnType<typeof view> }[] = [];
    const events: ReturnType<typeof view>[] = [];
    socket.on('clientCertificate', () => events.push(view(socket)));
    socket.requestClientCertificate((error, outcome) => answers.push({ request: 1, outcome, error, view: view(socket) }));
    await finished(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(view(socket), anonymous, "held: the first request's data is unread");
    // The engine is free for another request; the client answers it too, with data in between.
    client.write('between the requests');
    socket.requestClientCertificate((error, outcome) => answers.push({ request: 2, outcome, error, view: view(socket) }));
    await finished(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(answers.length, 0, 'nothing reported while data from before the first Finished is unread');
    assert.deepEqual(view(socket), anonymous);
    // Read everything: both outcomes are reported, each to its own request.
    while (socket.read() !== null) {
      /* drain */
    }
    const expected = new X509Certificate(clientPki.leaf.der).fingerprint256;
    const authenticated = { authorized: true, certificate: expected, x509: expected };
    assert.deepEqual(
      answers.map((a) => [a.request, a.error, a.outcome?.authorized, a.view]),
      [
        [1, null, true, authenticated],
        [2, null, true, authenticated],
      ],
    );
    assert.equal(events.length, 2);
  } finally {
    client.destroy();
    server.close();
  }
});
