import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../util/errors.js';
import { ownPackage } from '../util/package-json.js';
import { registerCompare } from './compare.js';
import { registerGenerate } from './generate.js';
import { registerImage } from './image.js';
import { registerGate } from './gate.js';
import { registerPlan } from './plan.js';
import { registerRecommend } from './recommend.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerSearch } from './search.js';
import { registerSimulate } from './simulate.js';
import { registerTestRun } from './testrun.js';
import { registerTune } from './tune.js';
import { registerValidate } from './validate.js';

/** The command line (inside the handler below: reading package.json's version may fail with a UserError). */
function buildProgram(): Command {
  const program = new Command('scalebench')
    .description('Load tests and autoscaling benchmarks for LLM inference (vLLM, KServe)')
    .version(ownPackage().version, '-V, --version')
    .showHelpAfterError('(run `scalebench --help` for usage)')
    .exitOverride();
  for (const register of [
    registerPlan,
    registerRun,
    registerReport,
    registerCompare,
    registerGate,
    registerGenerate,
    registerValidate,
    registerRecommend,
    registerTune,
    registerSearch,
    registerSimulate,
    registerImage,
    registerTestRun,
  ])
    register(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = handleError(err);
}

/** The one top-level handler: expected errors print without a stack; unexpected ones keep it. */
function handleError(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof UserError) {
    process.stderr.write(`scalebench: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`scalebench: unexpected error (please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
  return ExitCode.runFailed;
}
