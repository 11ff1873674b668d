import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printableText } from './display.js';

test('printableText: C0, DEL and C1 controls as \\xNN, a backslash doubled, the rest kept', () => {
  assert.equal(printableText('evil\x1b[2J.test'), 'evil\\x1b[2J.test');
  assert.equal(printableText('a\x07b\x7fc\u009bd'), 'a\\x07b\\x7fc\\x9bd');
  assert.equal(printableText('back\\x1b'), 'back\\\\x1b');
  assert.equal(printableText('münchen.example, 127.0.0.1'), 'münchen.example, 127.0.0.1');
});
