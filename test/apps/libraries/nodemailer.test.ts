// nodemailer over tlskit through its getSocket hook (implicit TLS, secure: true: the socket it is
// handed is already TLS), against the smtp-server package with TLS from the first byte. A message
// is delivered over verified TLS; a server that never answers trips greetingTimeout and the socket
// is destroyed; a certificate from another CA fails with a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { connect, TLSSocket } from '../../../src/index.js';
import { startSilentPeer } from '../helpers/libraries.js';
import { withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });

/** nodemailer's transport with tlskit under it: the documented one-liner is the getSocket line. */
function transport(port: number, ca: string, options: Record<string, unknown> = {}, sockets: TLSSocket[] = []) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: true,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 5_000,
    ...options,
    getSocket: (o: { host: string; port: number }, callback: (err: Error | null, socket?: { connection: TLSSocket; secured: boolean }) => void) =>
      callback(null, { connection: track(sockets, connect({ host: o.host, port: o.port, ca })), secured: true }),
  } as never);
}

function track(sockets: TLSSocket[], socket: TLSSocket): TLSSocket {
  sockets.push(socket);
  return socket;
}

describe('nodemailer over tlskit (getSocket), smtp-server with implicit TLS', () => {
  let server: SMTPServer;
  let port: number;
  const mails: { data: string; secure: boolean }[] = [];
  before(async () => {
    server = new SMTPServer({
      key: pki.keyPem,
      cert: pki.chainPem,
      secure: true,
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push({ data, secure: session.secure });
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a message is delivered over verified TLS', async () => {
    const sockets: TLSSocket[] = [];
    const mailer = transport(port, pki.caPem, {}, sockets);
    try {
      const info = await withTimeout(
        mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 'hi', text: 'sent over tlskit' }),
        10_000,
        'sendMail',
      );
      assert.deepEqual(info.accepted, ['b@example.test']);
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.secure, true);
      assert.match(mails[0]!.data, /sent over tlskit/);
      assert.equal(sockets.length, 1);
      assert.equal(sockets[0]!.authorized, true);
      assert.equal(sockets[0]!.getProtocol(), 'TLSv1.3');
    } finally {
      mailer.close();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca)', async () => {
    const mailer = transport(port, createTestPki().caPem);
    try {
      await assert.rejects(
        withTimeout(mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'x' }), 10_000, 'sendMail'),
        (err: Error & { alert?: string }) => {
          assert.equal(err.alert, 'unknown_ca');
          assert.match(err.message, /trusted|issuer/);
          return true;
        },
      );
    } finally {
      mailer.close();
    }
  });

  test("bad CA: node's code", async () => {
    const mailer = transport(port, createTestPki().caPem);
    try {
      // nodemailer files socket errors under its ESOCKET and keeps the socket's code as originalCode.
      await assert.rejects(mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'x' }), {
        code: 'ESOCKET',
        originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      mailer.close();
    }
  });

  test('a server that accepts TCP and never answers: greetingTimeout fires', async () => {
    const silent = await startSilentPeer();
    const mailer = transport(silent.port, pki.caPem, { greetingTimeout: 300 });
    try {
      await assert.rejects(withTimeout(mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'x' }), 5_000, 'sendMail'), { code: 'ETIMEDOUT' });
    } finally {
      mailer.close();
      await silent.close();
    }
  });

  test('a server that never answers: after greetingTimeout the connection is closed', async () => {
    const silent = await startSilentPeer();
    const mailer = transport(silent.port, pki.caPem, { greetingTimeout: 300 });
    try {
      await assert.rejects(withTimeout(mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'x' }), 5_000, 'sendMail'), { code: 'ETIMEDOUT' });
      await silent.closedByClient(3_000);
    } finally {
      mailer.close();
      await silent.close();
    }
  });
});
