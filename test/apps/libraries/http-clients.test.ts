// HTTP clients over tlskit, each through its documented hook, against a tlskit HTTPS server:
// got and axios with an HttpsAgent, undici (fetch) with undiciConnector. Per library: a request
// succeeds over verified TLS; a server that accepts TCP and never answers trips the library's
// timeout and the socket is destroyed; a certificate from another CA fails with a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { createTestPki } from '../../../src/devcert/test-pki.js';
import { HttpsAgent, undiciConnector } from '../../../src/index.js';
import { loadLibrary, startSilentPeer, startTlskitHttps } from '../helpers/libraries.js';
import { withTimeout } from '../helpers/peers.js';

const pki = createTestPki({ names: ['localhost', '127.0.0.1'] });
const gotLib = await loadLibrary('got');
const axiosLib = await loadLibrary('axios');

let https: Awaited<ReturnType<typeof startTlskitHttps>>;
before(async () => {
  https = await startTlskitHttps({ certPem: pki.chainPem, keyPem: pki.keyPem });
});
after(() => https?.close());

type TlsFailure = Error & { alert?: string; code?: string; cause?: TlsFailure };
/** The TLS error a library's error carries (itself, or its cause). */
const tlsCause = (err: TlsFailure): TlsFailure => (err.alert ? err : err.cause ? tlsCause(err.cause) : err);

describe('got over tlskit (agent: { https: new HttpsAgent({ ca }) })', { skip: gotLib.missing }, () => {
  const got = () => gotLib.lib!.default;

  test('a GET over verified TLS 1.3 with ALPN http/1.1', async () => {
    const agent = new HttpsAgent({ ca: pki.caPem });
    try {
      const body = await withTimeout(got()(`${https.url}/got`, { agent: { https: agent }, retry: { limit: 0 } }).json(), 10_000, 'got GET');
      assert.deepEqual(body, { path: '/got', protocol: 'TLSv1.3', alpn: 'http/1.1' });
    } finally {
      agent.destroy();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca)', async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    try {
      await assert.rejects(withTimeout(got()(https.url, { agent: { https: agent }, retry: { limit: 0 } }).text(), 10_000, 'got GET'), (err: TlsFailure) => {
        assert.equal(tlsCause(err).alert, 'unknown_ca');
        assert.match(err.message, /trusted|issuer/);
        return true;
      });
    } finally {
      agent.destroy();
    }
  });

  test("bad CA: node's code", async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    try {
      await assert.rejects(got()(https.url, { agent: { https: agent }, retry: { limit: 0 } }).text(), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      agent.destroy();
    }
  });

  test("a server that never answers: got's timeout fires and the socket is destroyed", async () => {
    const silent = await startSilentPeer();
    const agent = new HttpsAgent({ ca: pki.caPem });
    try {
      await assert.rejects(
        withTimeout(
          got()(`https://127.0.0.1:${silent.port}/`, { agent: { https: agent }, retry: { limit: 0 }, timeout: { request: 300 } }).text(),
          5_000,
          'got GET',
        ),
        { code: 'ETIMEDOUT' },
      );
      await silent.closedByClient(3_000);
    } finally {
      agent.destroy();
      await silent.close();
    }
  });
});

describe('axios over tlskit (httpsAgent: new HttpsAgent({ ca }))', { skip: axiosLib.missing }, () => {
  const axios = () => axiosLib.lib!.default;

  test('a GET over verified TLS 1.3 with ALPN http/1.1', async () => {
    const agent = new HttpsAgent({ ca: pki.caPem });
    try {
      const r: { data: unknown } = await withTimeout(axios().get(`${https.url}/axios`, { httpsAgent: agent, proxy: false }), 10_000, 'axios GET');
      assert.deepEqual(r.data, { path: '/axios', protocol: 'TLSv1.3', alpn: 'http/1.1' });
    } finally {
      agent.destroy();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca)', async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    try {
      await assert.rejects(withTimeout(axios().get(https.url, { httpsAgent: agent, proxy: false }), 10_000, 'axios GET'), (err: TlsFailure) => {
        assert.equal(tlsCause(err).alert, 'unknown_ca');
        assert.match(err.message, /trusted|issuer/);
        return true;
      });
    } finally {
      agent.destroy();
    }
  });

  test("bad CA: node's code", async () => {
    const agent = new HttpsAgent({ ca: createTestPki().caPem });
    try {
      await assert.rejects(axios().get(https.url, { httpsAgent: agent, proxy: false }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      agent.destroy();
    }
  });

  test("a server that never answers: axios's timeout fires and the socket is destroyed", async () => {
    const silent = await startSilentPeer();
    const agent = new HttpsAgent({ ca: pki.caPem });
    try {
      await assert.rejects(
        withTimeout(axios().get(`https://127.0.0.1:${silent.port}/`, { httpsAgent: agent, proxy: false, timeout: 300 }), 5_000, 'axios GET'),
        { code: 'ECONNABORTED' },
      );
      await silent.closedByClient(3_000);
    } finally {
      agent.destroy();
      await silent.close();
    }
  });
});

describe('undici over tlskit (new Agent({ connect: undiciConnector({ ca }) }))', () => {
  test('fetch over verified TLS 1.3 with ALPN http/1.1', async () => {
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: pki.caPem }) as never });
    try {
      const r = await withTimeout(undiciFetch(`${https.url}/undici`, { dispatcher }), 10_000, 'undici fetch');
      assert.deepEqual(await r.json(), { path: '/undici', protocol: 'TLSv1.3', alpn: 'http/1.1' });
    } finally {
      await dispatcher.close();
    }
  });

  test('a server certificate from another CA: a clear error (unknown_ca) as the cause', async () => {
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: createTestPki().caPem }) as never });
    try {
      await assert.rejects(withTimeout(undiciFetch(https.url, { dispatcher }), 10_000, 'undici fetch'), (err: TlsFailure) => {
        assert.equal(tlsCause(err).alert, 'unknown_ca');
        assert.match(tlsCause(err).message, /trusted|issuer/);
        return true;
      });
    } finally {
      await dispatcher.close();
    }
  });

  test("bad CA: node's code on the cause", async () => {
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: createTestPki().caPem }) as never });
    try {
      await assert.rejects(undiciFetch(https.url, { dispatcher }), (err: TlsFailure) => err.cause?.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await dispatcher.close();
    }
  });

  test("a server that never answers: the connector's handshakeTimeout fires and the socket is destroyed", async () => {
    const silent = await startSilentPeer();
    const dispatcher = new UndiciAgent({ connect: undiciConnector({ ca: pki.caPem, handshakeTimeout: 300 }) as never });
    try {
      await assert.rejects(withTimeout(undiciFetch(`https://127.0.0.1:${silent.port}/`, { dispatcher }), 5_000, 'undici fetch'), (err: TlsFailure) =>
        /did not complete within 300 ms/.test(err.cause?.message ?? ''),
      );
      await silent.closedByClient(3_000);
    } finally {
      await dispatcher.close();
      await silent.close();
    }
  });
});
