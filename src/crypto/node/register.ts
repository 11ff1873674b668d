// Makes node:crypto the default provider on Node. Imported by the Node entry only (src/index.ts):
// the browser entry never loads this module, so bundles for the web never see node:crypto.
import { registerNativeProvider } from '../default-provider.js';
import { nodeCryptoProvider } from './provider.js';

registerNativeProvider(nodeCryptoProvider);
