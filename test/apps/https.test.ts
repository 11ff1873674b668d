// HTTPS over tlskit against real peers: curl against our server; our http.Agent and undici fetch
// against openssl s_server -WWW and node's https server; keep-alive, pipelining, resumption.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { connect } from '../../src/node/connect.js';
import { createHttpsServer, HttpsAgent, undiciConnector, type HttpsServer, type HttpsServerOptions } from '../../src/node/https.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { missing, onceEvent, run, startPeer, tempDir, withTimeout } from './helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const localhostOnly = createTestPki({ names: ['localhost'] });
const noCurl = missing('curl');
const noOpenssl = missing('openssl', ['version']);

interface Started {
  server: HttpsServer;
  port: number;
  /** TLS connections accepted so far. */
  connections: TLSSocket[];
}

async function startServer(options: HttpsServerOptions = {}, chain = pki): Promise<Started> {
  const connections: TLSSocket[] = [];
  const server = createHttpsServer({ key: chain.keyPem, cert: chain.chainPem, ...options }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const socket = req.socket as unknown as TLSSocket;
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url} ${socket.getProtocol()} ${socket.alpnProtocol || 'no-alpn'}${body ? ` body=${body}` : ''}\n`);
    });
  });
  server.on('secureConnection', (s: TLSSocket) => connections.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, connections };
}

function stop(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return withTimeout(new Promise((resolve) => server.close(() => resolve())), 5_000, 'the server to close');
}

function get(url: string, options: https.RequestOptions): Promise<{ status: number; body: string; socket: TLSSocket }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      https
        .get(url, options, (res) => {
          const socket = res.socket as unknown as TLSSocket; // detached from res once a keep-alive response ends
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket }));
        })
        .on('error', reject);
    }),
    10_000,
    `GET ${url}`,
  );
}

describe('our HTTPS server', () => {
  for (const [version, flags] of [
    ['TLSv1.3', ['--tlsv1.3']],
    ['TLSv1.2', ['--tlsv1.2', '--tls-max', '1.2']],
  ] as const) {
    test(`curl --cacert, ${version}: two requests on one keep-alive connection, ALPN http/1.1`, { skip: noCurl }, async () => {
      const { server, port, connections } = await startServer();
      const dir = tempDir();
      try {
        writeFileSync(join(dir.path, 'ca.pem'), pki.caPem);
        const r = await run('curl', [
          '-sS',
          '-v',
          ...flags,
          '--cacert',
          join(dir.path, 'ca.pem'),
          `https://localhost:${port}/one`,
          '-d',
          'x=1',
          `https://localhost:${port}/two`,
        ]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `POST /one ${version} http/1.1 body=x=1\nPOST /two ${version} http/1.1 body=x=1\n`);
        assert.match(r.stderr, /ALPN: server accepted http\/1\.1/);
        assert.match(r.stderr, /Re-using existing connection/);
        assert.equal(connections.length, 1);
      } finally {
        await stop(server);
        dir.remove();
      }
    });
  }

  test('curl refuses it without the CA (our certificate is really checked)', { skip: noCurl }, async () => {
    const { server, port } = await startServer();
    try {
      const r = await run('curl', ['-sS', `https://localhost:${port}/`], { env: { PATH: process.env['PATH'] ?? '', CURL_CA_BUNDLE: '/dev/null' } });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /certificate/i);
    } finally {
      await stop(server);
    }
  });

  test('pipelining: two requests in one write, two responses in order', async () => {
    const { server, port } = await startServer();
    try {
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ALPNProtocols: ['http/1.1'] });
      await onceEvent(client, 'secureConnect', 'handshake');
      let text = '';
      client.setEncoding('utf8');
      client.on('data', (c: string) => (text += c));
      client.write('GET /first HTTP/1.1\r\nHost: localhost\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await onceEvent(client, 'end', 'the server closing after the second response');
      const bodies = [...text.matchAll(/\r\n\r\n(GET \/\w+)/g)].map((m) => m[1]);
      assert.deepEqual(bodies, ['GET /first', 'GET /second']);
      client.destroy();
    } finally {
      await stop(server);
    }
  });

  test("node's https client (node:tls) with a keep-alive agent", async () => {
    const { server, port, connections } = await startServer();
    const agent = new https.Agent({ keepAlive: true, ca: pki.caPem });
    try {
      const a = await get(`https://localhost:${port}/a`, { agent });
      const b = await get(`https://localhost:${port}/b`, { agent });
      assert.equal(a.body, 'GET /a TLSv1.3 no-alpn\n', 'node:tls offers no ALPN unless asked');
      assert.equal(b.body, 'GET /b TLSv1.3 no-alpn\n');
      assert.equal(connections.length, 1);
    } finally {
      agent.destroy();
      await stop(server);
    }
  });
});

describe('our HTTPS client', () => {
  test('HttpsAgent: keep-alive, certificate checked, IP hosts checked against the certificate', async () => {
    const { server, port, connections } = await startServer();
    const agent = new HttpsAgent({ keepAlive: true, ca: pki.caPem });
    try {
      const a = await get(`https://localhost:${port}/a`, { agent });
      const b = await get(`https://localhost:${port}/b`, { agent });
      assert.equal(a.body, 'GET /a TLSv1.3 http/1.1\n');
      assert.equal(b.body, 'GET /b TLSv1.3 http/1.1\n');
      assert.equal(a.socket, b.socket, 'the same socket served both');
      assert.ok(a.socket.authorized);
      assert.equal(connections.length, 1);
      // http.request with protocol 'https:' works too, through the agent.
      const viaHttp = await withTimeout(
        new Promise<string>((resolve, reject) => {
          http
            .get({ protocol: 'https:', host: 'localhost', port, path: '/h', agent }, (res) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString()));
              res.on('end', () => resolve(body));
            })
            .on('error', reject);
        }),
        10_000,
        'http.get through HttpsAgent',
      );
      assert.equal(viaHttp, 'GET /h TLSv1.3 http/1.1\n');
    } finally {
      agent.destroy();
      await stop(server);
    }
  });

  test('ALPNProtocols: undefined (as got passes it) still offers and accepts http/1.1, on the agent and the server', async () => {
    const { server, port } = await startServer({ ALPNProtocols: undefined });
    const agent = new HttpsAgent({ ca: pki.caPem });
    try {
      const r = await get(`https://localhost:${port}/u`, { agent, ALPNProtocols: undefined } as https.RequestOptions);
      assert.equal(r.body, 'GET /u TLSv1.3 http/1.1\n');
    } finally {
      agent.destroy();
      await stop(server);
    }
  });

  test("HttpsAgent: a certificate for 'localhost' only is refused at https://127.0.0.1/ (http.Agent passes servername '')", async () => {
    const { server, port } = await startServer({}, localhostOnly);
    const agent = new HttpsAgent({ ca: localhostOnly.caPem });
    try {
      await assert.rejects(get(`https://127.0.0.1:${port}/`, { agent }), /127\.0\.0\.1/);
      const ok = await get(`https://localhost:${port}/`, { agent });
      assert.equal(ok.status, 200);
    } finally {
      agent.destroy();
      await stop(server);
    }
  });

  test("HttpsAgent resumes TLS sessions with node's https server (a new connection each time)", async () => {
    const server = https.createServer({ key: pki.keyPem, cert: pki.chainPem }, (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const agent = new HttpsAgent({ keepAlive: false, ca: pki.caPem });
    try {
      const first = await get(`https://localhost:${port}/`, { agent });
      // TLS 1.3 tickets arrive after the handshake: let the first connection's tickets land.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = await get(`https://localhost:${port}/`, { agent });
      assert.equal(first.body, 'ok');
      assert.equal(first.socket.isSessionReused(), false);
      assert.equal(second.socket.isSessionReused(), true);
    } finally {
      agent.destroy();
      await stop(server);
    }
  });

  test("undici fetch with undiciConnector against node's https server: keep-alive", async () => {
    const server = https.createServer({ key: pki.keyPem, cert: pki.chainPem }, (req: http.IncomingMessage, res: http.ServerResponse) =>
      res.end(`node saw ${req.url} on ${(req.socket as import('node:tls').TLSSocket).getProtocol()}`),
    );
    let connections = 0;
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: pki.caPem }) });
    try {
      for (const path of ['/f1', '/f2']) {
        const res = await withTimeout(undiciFetch(`https://localhost:${port}${path}`, { dispatcher }), 10_000, 'fetch');
        assert.equal(res.status, 200);
        assert.equal(await res.text(), `node saw ${path} on TLSv1.3`);
        // undici returns a connection to its pool a moment after the body ends (with node:tls too).
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(connections, 1);
      // Node's built-in fetch takes the same dispatcher.
      const res = await withTimeout(fetch(`https://localhost:${port}/global`, { dispatcher } as unknown as RequestInit), 10_000, 'global fetch');
      assert.equal(await res.text(), 'node saw /global on TLSv1.3');
    } finally {
      await dispatcher.close();
      await stop(server);
    }
  });

  test('undici fetch refuses a certificate it cannot validate', async () => {
    const { server, port } = await startServer();
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: localhostOnly.caPem }) });
    try {
      await assert.rejects(
        withTimeout(undiciFetch(`https://localhost:${port}/`, { dispatcher }), 10_000, 'fetch'),
        (err: Error & { cause?: Error & { alert?: string } }) => {
          assert.equal(err.cause?.alert, 'unknown_ca', String(err.cause));
          return true;
        },
      );
    } finally {
      await dispatcher.close();
      await stop(server);
    }
  });

  for (const [version, flags] of [
    ['TLSv1.3', ['-tls1_3']],
    ['TLSv1.2', ['-tls1_2']],
  ] as const) {
    test(`HttpsAgent and undici fetch against openssl s_server -WWW, ${version}`, { skip: noOpenssl }, async () => {
      const dir = tempDir();
      writeFileSync(join(dir.path, 'key.pem'), pki.keyPem);
      writeFileSync(join(dir.path, 'cert.pem'), pki.chainPem);
      writeFileSync(join(dir.path, 'hello.txt'), `served by openssl over ${version}\n`);
      const peer = await startPeer('openssl', ['s_server', '-accept', '127.0.0.1:0', '-key', 'key.pem', '-cert', 'cert.pem', '-WWW', ...flags], {
        cwd: dir.path,
        ready: /ACCEPT 127\.0\.0\.1:\d+/,
      });
      const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: pki.caPem }) });
      try {
        const port = Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(peer.output())![1]);
        const agent = new HttpsAgent({ ca: pki.caPem });
        const viaAgent = await get(`https://localhost:${port}/hello.txt`, { agent });
        assert.equal(viaAgent.status, 200);
        assert.equal(viaAgent.body, `served by openssl over ${version}\n`);
        assert.equal(viaAgent.socket.getProtocol(), version);
        agent.destroy();
        const res = await withTimeout(undiciFetch(`https://localhost:${port}/hello.txt`, { dispatcher }), 10_000, 'fetch');
        assert.equal(res.status, 200);
        assert.equal(await res.text(), `served by openssl over ${version}\n`);
      } finally {
        await dispatcher.close();
        await peer.stop();
        dir.remove();
      }
    });
  }
});
