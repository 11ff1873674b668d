// Worker side of the limbo harness: runs the named cases in order and posts each result.
import { parentPort, workerData } from 'node:worker_threads';
import { loadLimbo, runCase } from './limbo-harness.js';

const { path, ids } = workerData as { path: string; ids: string[] };
const byId = new Map(loadLimbo(path).map((c) => [c.id, c]));
for (const id of ids) parentPort!.postMessage(runCase(byId.get(id)!));
