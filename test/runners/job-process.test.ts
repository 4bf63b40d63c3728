import { describe, expect, it } from 'vitest';
import { childError } from '../../src/runners/job-process.js';

describe("a failed job's cause, from its stderr", () => {
  it.each([
    {
      case: "the CLI's one-line reason",
      stderr: 'some warning\nadgap: no space left on device writing /s/x.json\n',
      code: 1,
      want: 'no space left on device writing /s/x.json (exited with code 1)',
    },
    {
      case: 'an uncaught exception, whose last line is only the Node.js version',
      stderr:
        'file:///a/b.js:3\n  throw e;\n  ^\n\nRangeError [ERR_OUT_OF_RANGE]: The value of "size" is out of range\n    at f (file:///a/b.js:3:3)\n\nNode.js v20.20.2\n',
      code: 1,
      want: 'RangeError [ERR_OUT_OF_RANGE]: The value of "size" is out of range (exited with code 1)',
    },
    {
      case: 'a V8 heap exhaustion',
      stderr:
        '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n',
      code: 134,
      want: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory (exited with code 134)',
    },
    { case: 'nothing on stderr', stderr: '', code: 137, want: 'exited with code 137' },
  ])('$case', ({ stderr, code, want }) => {
    expect(childError(stderr, code, null)).toBe(want);
  });

  it('names the signal that killed it', () => {
    expect(childError('', null, 'SIGKILL')).toBe('killed by SIGKILL');
  });
});
