import type { Command } from 'commander';
import { CrdSchemas } from '../manifests/crd-schemas.js';
import { formatReport, validatePaths, type ValidationReport } from '../manifests/validate-files.js';
import { ExitCode } from '../util/errors.js';

interface ValidateFlags {
  crds?: string;
  json?: boolean;
  verbose?: boolean;
  strict?: boolean;
}

/**
 * Exit code of a validation: 0 when every object is valid (objects of kinds
 * with no schema are reported but pass, unless --strict); 1 when any object
 * is invalid (a check failed, like a gate); 2 for unusable input (a missing
 * path, no manifest files, an unreadable --crds), thrown as UserError.
 */
export function validationExitCode(report: ValidationReport, strict: boolean): number {
  if (report.counts.invalid > 0) return ExitCode.gateFailed;
  if (strict && report.counts.unchecked > 0) return ExitCode.gateFailed;
  return ExitCode.ok;
}

/** `scalebench validate <dir|file…> [--crds dir]`: every manifest against the Kubernetes and CRD schemas. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate Kubernetes manifests: built-in kinds with kubernetes-models, custom resources against CRD schemas')
    .argument('<paths...>', 'manifest files or folders (searched for .yaml, .yml, .json)')
    .option('--crds <dir>', 'CustomResourceDefinitions (files or a folder) to validate custom resources against, e.g. `kubectl get crd -o yaml` output')
    .option('--strict', 'fail (exit 1) when an object could not be checked for lack of a schema')
    .option('--verbose', 'list valid objects too, with what checked them')
    .option('--json', 'print the report as JSON on stdout')
    .action(async (paths: string[], flags: ValidateFlags) => {
      const schemas = flags.crds ? CrdSchemas.fromPath(flags.crds) : CrdSchemas.none();
      const report = await validatePaths(paths, schemas);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, Boolean(flags.verbose)));
      process.exitCode = validationExitCode(report, Boolean(flags.strict));
    });
}
