/** The runnable-block marker (test/helpers/doc-blocks.ts): what is picked up, and what is not. */
import { describe, expect, it } from 'vitest';
import { runnableBlocks } from '../helpers/doc-blocks.js';

describe('runnableBlocks', () => {
  it('takes only sh blocks marked runnable, in order, with their line and the fresh flag', () => {
    const page = [
      '# Page', // 1
      '```sh', // 2
      'rm -rf /', // 3: an ordinary block is never run
      '```', // 4
      '```sh runnable', // 5
      'echo one', // 6
      '```', // 7
      '````sh runnable fresh', // 8: a longer fence holds a shorter one
      'cat <<X', // 9
      '```', // 10
      'X', // 11
      '````', // 12
      '1. a list item', // 13
      '   ```sh runnable', // 14: indented in a list item
      '   echo two', // 15
      '   ```', // 16
      '```bash runnable', // 17: only sh
      'echo three', // 18
      '```', // 19
    ].join('\n');
    expect(runnableBlocks(page)).toEqual([
      { line: 5, fresh: false, text: 'echo one\n' },
      { line: 8, fresh: true, text: 'cat <<X\n```\nX\n' },
      { line: 14, fresh: false, text: 'echo two\n' },
    ]);
  });

  it('a fence inside an ordinary block is content, not a marker', () => {
    expect(runnableBlocks('````markdown\n```sh runnable\necho no\n```\n````\n')).toEqual([]);
  });

  it('refuses a misspelt marker instead of skipping the block', () => {
    expect(() => runnableBlocks('```sh runnable fersh\necho\n```\n')).toThrow(/line 1: unknown runnable marker/);
  });
});
