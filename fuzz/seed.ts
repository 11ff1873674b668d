// Writes the seed inputs of each fuzz target into fuzz/corpus/<target>/ (node dist/fuzz/seed.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { corpusDir } from './fuzzer.js';
import { seeds } from './targets.js';

for (const [target, inputs] of Object.entries(seeds())) {
  mkdirSync(corpusDir(target), { recursive: true });
  for (const input of inputs) writeFileSync(join(corpusDir(target), createHash('sha1').update(input).digest('hex')), input);
  console.log(`${target}: ${inputs.length} seeds`);
}
