import { createRequire } from 'node:module';
import { Command } from 'commander';
import { AdgapError } from '../errors.js';
import { systemErrorMessage } from '../system-error.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { evaluateCommand } from './evaluate.js';
import { cliMessage } from './flag-advice.js';
import { jobCommand } from './job.js';
import { paperCommand } from './paper.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { sweepCommand } from './sweep.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('adgap')
  .description('adversarial training vs accuracy disparity: sweeps, training and disparity-gap reports')
  .version(version, '-V, --version', 'print the version of adgap')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(demoCommand())
  .addCommand(sweepCommand())
  .addCommand(paperCommand())
  .addCommand(evaluateCommand())
  .addCommand(dataCommand())
  .addCommand(reportCommand())
  .addCommand(jobCommand())
  .addCommand(serveCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Users get one line. An AdgapError or an error of the environment (disk full, port in use) is theirs to
  // act on (status 1); anything else is a bug (status 2), and ADGAP_DEBUG=1 shows its stack.
  const environment = error instanceof AdgapError ? undefined : systemErrorMessage(error);
  const message =
    error instanceof AdgapError ? cliMessage(error) : error instanceof Error ? error.message : String(error);
  const known = error instanceof AdgapError || environment !== undefined;
  process.stderr.write(`adgap: ${known ? (environment ?? message) : `internal error: ${message}`}\n`);
  if (process.env.ADGAP_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = known ? 1 : 2;
}
