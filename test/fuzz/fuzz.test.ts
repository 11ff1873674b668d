// CI runs each coverage-guided fuzz target briefly (issue 7): the saved corpus replays without a
// crash (regressions), then a few seconds of fresh mutations must find no crash or hang.
// `npm run fuzz -- <target> <seconds>` fuzzes for longer and saves what it finds to fuzz/corpus.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from '../../fuzz/fuzzer.js';

const seconds = Number(process.env.TLSKIT_FUZZ_SECONDS ?? 4);

for (const target of ['record', 'handshake', 'der']) {
  test(`fuzz target ${target}: the corpus and ${seconds} s of mutations, no crash`, async (t: TestContext) => {
    const result = await fuzz(target, { seconds, hangMs: 20_000 });
    t.diagnostic(
      `fuzz executions: ${result.executions} (${target}), ${result.features} coverage features, corpus ${result.corpusSize}, ${result.newEntries} new this run`,
    );
    assert.equal(
      result.crash,
      undefined,
      result.crash ? `${result.crash.kind}: ${result.crash.message}\ninput (hex): ${Buffer.from(result.crash.input).toString('hex')}` : '',
    );
    assert.ok(result.executions > result.corpusSize, 'the fuzzer ran mutations past the corpus');
  });
}
