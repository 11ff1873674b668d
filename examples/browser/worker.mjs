// tlskit in a module worker: the page posts the options, the worker connects and posts the result.
import { tlsFetch } from './tls-fetch.mjs';

self.onmessage = async (event) => {
  self.postMessage(await tlsFetch(event.data));
};
