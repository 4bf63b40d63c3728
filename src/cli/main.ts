import { Command } from 'commander';
import { AdgapError } from '../errors.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { cliMessage } from './flag-advice.js';
import { jobCommand } from './job.js';
import { paperCommand } from './paper.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { sweepCommand } from './sweep.js';

const program = new Command('adgap')
  .description('adversarial training vs accuracy disparity: sweeps, training and disparity-gap reports')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(demoCommand())
  .addCommand(sweepCommand())
  .addCommand(paperCommand())
  .addCommand(dataCommand())
  .addCommand(reportCommand())
  .addCommand(jobCommand())
  .addCommand(serveCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Users get one line; an error that is not an AdgapError is a bug, and ADGAP_DEBUG=1 shows its stack.
  const message =
    error instanceof AdgapError ? cliMessage(error) : error instanceof Error ? error.message : String(error);
  process.stderr.write(`adgap: ${error instanceof AdgapError ? '' : 'internal error: '}${message}\n`);
  if (process.env.ADGAP_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof AdgapError ? 1 : 2;
}
