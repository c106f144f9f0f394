// ferry's command line: parse arguments, call the library, map errors to exit codes.
// No business logic here; each verb's module is loaded only when that verb runs.

import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { parseByteRate } from '../targets/bandwidth.ts';
import { UsageError } from '../core/errors.ts';
import { handleFatal } from './exit.ts';

const program = new Command('ferry')
  .description('Bulk upload and migration worker for Cincopa and Cintoo: every manifest item moved exactly once, resumably, with proof.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  // Before the verbs are defined, which inherit it: a usage mistake in any of them then reaches
  // handleFatal (exit 2) instead of commander's own process.exit(1).
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit codes:
  0    every item done or skipped
  1    finished, but some items failed (see ferry report <job> --only failed)
  2    usage, config, job or manifest error (nothing was uploaded for a file-level problem)
  3    the platform refused the credentials
  70   internal defect in ferry (please report it)
  75   platform unavailable before any item could run; nothing lost, run again later
  130  interrupted; state is saved, run the same command again to continue

Examples:
  ferry run jobs/demo.json --sandbox        run the demo job against in-process emulators
  ferry validate jobs/nightly-scans.json    check config, job, manifest and credentials
  ferry status jobs/migration.json          progress of a job, also while it runs
  ferry run jobs/big.json --store postgres://ferry@db/ferry    plan and work on a shared ledger
  ferry work --store postgres://ferry@db/ferry                 join as one more worker (any machine)`,
  );

// --store is the documented name, --ledger its earlier one: both end up as `ledger`.
program.hook('preAction', (_program, action) => {
  const { store, ledger } = action.opts<{ store?: string; ledger?: string }>();
  if (store !== undefined && ledger !== undefined && store !== ledger) throw new UsageError(`--store and --ledger name the same thing; give one of them (got "${store}" and "${ledger}")`);
  if (store !== undefined) action.setOptionValue('ledger', store);
});

const configOption = (): Option => new Option('-c, --config <file>', 'config file (default: $FERRY_CONFIG or ./ferry.config.json)');
const STORE_HELP = 'the ledger (store): a SQLite file (default: .ferry/<job>.sqlite beside the job file) or a postgres://user@host/db URL shared by many workers';
/** `--store`, and `--ledger`, its earlier name, kept as a hidden alias: both land in `ledger`. */
const withStoreOption = (command: Command): Command =>
  command.addOption(new Option('--store <file|url>', STORE_HELP)).addOption(new Option('--ledger <file|url>', STORE_HELP).hideHelp());
const jsonOption = (): Option => new Option('--json', 'print the summary as one JSON document on stdout (logs stay on stderr)');
/** Prometheus metrics, for every verb that drives items (run, and work): flags metricsPort, metricsHost. */
const withMetricsOptions = (command: Command): Command =>
  command
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://<host>:<port>/metrics while running (0: any free port, logged)').argParser(parseNonNegativeInt))
    .addOption(new Option('--metrics-host <address>', 'address the metrics endpoint listens on').default('0.0.0.0'));

const run = withStoreOption(program.command('run'))
  .description('plan the manifest into the ledger, then upload every pending item until done')
  .argument('<job>', 'job file (JSON with comments)')
  .addOption(configOption())
  .option('--sandbox', 'start the local Cincopa/Cintoo emulators in-process on their default ports and point the job at them')
  .option('--concurrency <n>', 'items in flight at once (overrides config)', parsePositiveInt)
  .option('--max-rate <rate>', 'cap on the bytes per second the whole run uploads, e.g. 20MB, 500k, 1.5G (overrides runner.maxBytesPerSecond; 0 = none)', parseRate)
  .option('--plan-only', 'plan the manifest into the ledger and stop: counts of new, changed and rejected items, nothing uploaded, no credentials needed')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
  .addOption(jsonOption());
withMetricsOptions(run)
  .addHelpText(
    'after',
    `
Re-running the same job continues where it stopped; a finished job re-run uploads only new or
changed manifest items. First Ctrl-C finishes the steps in flight and saves; a second one cancels them.

--metrics-port serves items per state, requests per platform call and status, upload bytes,
retries, rate-limit pauses, queue depth and token refreshes for Prometheus (README "Metrics").

Examples:
  ferry run jobs/migration.json
  CINCOPA_API_TOKEN=... ferry run jobs/nightly.json --concurrency 16
  ferry run jobs/site-scans.json --max-rate 20MB   daytime: at most 20 MB/s for the whole run
  CINTOO_REFRESH_TOKEN=... ferry run jobs/site-scans.json   first Cintoo run; later runs use cintoo.tokenFile
  ferry run jobs/migration.json --plan-only   preview: what would be uploaded (then ferry status)
  ferry run jobs/demo.json --sandbox
  ferry run jobs/migration.json --metrics-port 9464
  ferry run jobs/nightly.json --json | jq '.items.failed'`,
  )
  .action(async (job: string, options) => (await import('./commands/run.ts')).runCommand(job, options));

withStoreOption(program.command('status'))
  .description('counts per state, rate, ETA and top errors of a job (works while it runs); with --store and no job, every job of a shared ledger and its workers')
  .argument('[job]', 'job file (with --store postgres://…: or the job\'s name)')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .addHelpText('after', '\nExamples:\n  ferry status jobs/migration.json\n  ferry status jobs/migration.json --json | jq .counts\n  ferry status --store postgres://ferry@db/ferry            every job of the fleet, its workers, the last minute\n  ferry status migration --store postgres://ferry@db/ferry  one job by name, from any machine')
  .action(async (job: string, options) => (await import('./commands/status.ts')).statusCommand(job, options));

withStoreOption(program.command('report'))
  .description('one row per item: key, source, state, remote id, attempts, error, bytes, timings')
  .argument('<job>', 'job file (with --store postgres://…: or the job\'s name)')
  .addOption(configOption())
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
  .addOption(new Option('--only <which>', 'only some items').choices(['failed']))
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .addHelpText(
    'after',
    '\nA failed-only CSV is a valid manifest (columns key, source): feed it to a new job to redo just those.\n' +
      "Cells a spreadsheet would run as formulas (= + - @ tab CR) get a leading ' (removed again when ferry reads the report back);\n" +
      'signed URLs are written with their query string masked (?***): such items need a fresh URL from their origin.\n\nExamples:\n  ferry report jobs/migration.json > report.csv\n  ferry report jobs/migration.json --only failed -o failed.csv\n  ferry report jobs/migration.json --format json',
  )
  .action(async (job: string, options) => (await import('./commands/report.ts')).reportCommand(job, options));

withStoreOption(program.command('retry'))
  .description('put failed items back to pending (the next run picks them up)')
  .argument('<job>', 'job file (with --store postgres://…: or the job\'s name)')
  .addOption(configOption())
  .addHelpText('after', '\nExamples:\n  ferry retry jobs/migration.json && ferry run jobs/migration.json')
  .action(async (job: string, options) => (await import('./commands/retry.ts')).retryCommand(job, options));

program
  .command('validate')
  .description('check config, job, manifest rows, credentials, target and sources without uploading anything')
  .argument('<job>', 'job file')
  .addOption(configOption())
  .option('--offline', 'check files only (config, job, every manifest row): contact nothing, need no token')
  .option('--sources <n>', 'how many sources to probe for reachability (0 = all)', parseNonNegativeInt, 50)
  .option('--sandbox', 'validate against the in-process emulators (as run --sandbox would use)')
  .addOption(jsonOption())
  .addHelpText(
    'after',
    '\nFor Cintoo it also checks the login, account, project and work zone (a missing work zone path is reported, not created)\nand which of the manifest\'s file extensions Cintoo takes.\n' +
      '\nExamples:\n  ferry validate jobs/migration.json\n  ferry validate jobs/nightly.json --offline\n  ferry validate jobs/cdn.json --sources 0   # probe every URL\n  ferry validate jobs/migration.json --json | jq .manifest.rejectedRows',
  )
  .action(async (job: string, options) => (await import('./commands/validate.ts')).validateCommand(job, options));

withStoreOption(program.command('verify'))
  .description('compare the destination with the ledger: missing, unrecorded, duplicate and mismatched items (exit 1 when anything is found)')
  .argument('<job>', 'job file')
  .addOption(configOption())
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'csv', 'json']).default('text'))
  .option('--json', 'same as --format json: one JSON document with the summary and the findings')
  .addHelpText(
    'after',
    `
Lists the whole destination (a Cincopa library is paged through; nothing is held in memory)
and streams the ledger against it. Changes nothing; ferry reconcile repairs what it finds.

Examples:
  ferry verify jobs/migration.json
  ferry verify jobs/migration.json --format csv > findings.csv`,
  )
  .action(async (job: string, options) => (await import('./commands/verify.ts')).verifyCommand(job, options));

withStoreOption(program.command('reconcile'))
  .description('the repairs verify suggests: a dry run by default, applied with --apply')
  .argument('<job>', 'job file')
  .addOption(configOption())
  .option('--apply', 'carry the repairs out (default: print the plan)')
  .option('--delete-duplicates', 'also delete extra copies at the destination (keeping the one the ledger knows, else the oldest)')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'csv', 'json']).default('text'))
  .option('--json', 'same as --format json')
  .addHelpText(
    'after',
    `
missing → back to pending (the next run uploads it); unrecorded → adopted (recorded, continues
from the step after upload); duplicate → extra copies deleted only with --delete-duplicates;
gallery membership → made exactly one; metadata → set again. Objects ferry cannot attribute
are reported, never touched. Then: ferry run <job>, and ferry verify <job> again.

Examples:
  ferry reconcile jobs/migration.json
  ferry reconcile jobs/migration.json --apply --delete-duplicates && ferry run jobs/migration.json`,
  )
  .action(async (job: string, options) => (await import('./commands/verify.ts')).reconcileCommand(job, options));

program
  .command('sandbox')
  .description('start the local Cincopa and Cintoo emulators and print their URLs and credentials')
  .option('--port <n>', 'first port: cincopa, origin, cintoo, azurite use n, n+1, n+2, n+3', parsePositiveInt, 4710)
  .option('--faults <file>', 'JSON fault profile (array of rules) to load at start')
  .addOption(new Option('--cincopa-dialect <dialect>', 'which variant of every unknown Cincopa answer to give (alt: the other side of each)').choices(['classic', 'alt']).default('classic'))
  .option('--processing-ms <ms>', 'Cincopa processing time after a fetch (default 300)', parseNonNegativeInt)
  .addOption(new Option('--failure-style <style>', "how Cincopa reports failures (default: the dialect's, http for classic)").choices(['http', 'success-false']))
  .addOption(new Option('--auth-style <style>', "how Cincopa reports a refused token (default: the dialect's, http for classic)").choices(['http', 'success-false']))
  .option('--cincopa-set <key=value>', 'any other Cincopa setting (README "The sandbox"), value as JSON or text; repeatable', collect, [])
  .option('--origin-root <dir>', 'folder the origin server serves real files from')
  .option('--cintoo <file>', 'JSON object of Cintoo emulator settings (e.g. {"reRegister": "same-file", "blobSasPermissions": "rcw"}; see README)')
  .addHelpText(
    'after',
    '\nExamples:\n  ferry sandbox\n  ferry sandbox --cincopa-dialect alt\n  ferry sandbox --faults test/fixtures/faults-429.json --failure-style success-false\n  ferry sandbox --cincopa-set referenceMatch=substring --cincopa-set galleryDoubles=dedupe\n  ferry sandbox --cintoo cintoo-sandbox.json',
  )
  .action(async (options) => (await import('./commands/sandbox.ts')).sandboxCommand(options));

program
  .command('schema')
  .description('print the JSON Schema of job or config files (for editors; committed as schemas/*.schema.json)')
  .addArgument(new Argument('<kind>', 'which file').choices(['job', 'config']))
  .addHelpText(
    'after',
    '\nA file that names its schema under "$schema" gets completion and checks in VS Code and other editors:\n  { "$schema": "../schemas/job.schema.json", ... }\n\nExamples:\n  ferry schema job > job.schema.json\n  ferry schema config | jq \'.properties | keys\'',
  )
  .action(async (kind: 'job' | 'config') => (await import('./commands/schema.ts')).schemaCommand(kind));

const work = program
  .command('work')
  .description('join a fleet: serve every unfinished job of a shared PostgreSQL ledger, beside any other workers')
  .addOption(new Option('--store <url>', 'the shared ledger: postgres://user@host/database (as given to ferry run --store)'))
  .addOption(new Option('--ledger <url>').hideHelp())
  .addOption(configOption())
  .option('--concurrency <n>', "items in flight at once on this worker (overrides every job's runner.concurrency)", parsePositiveInt)
  .option('--exit-when-idle', 'exit 0 once no job has unfinished items (batch use, tests) instead of waiting for more')
  .option('--idle-max <seconds>', 'longest wait between two looks at an idle ledger (1 s at first, doubling)', parsePositiveInt, 30)
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent');
withMetricsOptions(work)
  .addHelpText(
    'after',
    `
Each job's definition (the validated job file, its path and the config file's path — never a
secret) was recorded in the store by \`ferry run <job> --store <url>\`, which also plans it.
Credentials and settings come from THIS worker: --config (or $FERRY_CONFIG, or
./ferry.config.json) and the environment (CINCOPA_API_TOKEN, CINTOO_REFRESH_TOKEN). Cintoo's
rotating token pair lives in the store itself, so workers after the first need no Cintoo token.
Local-file sources must be readable at the same paths on every worker (a shared mount).

All workers together keep each platform's requestsPerSecond (a shared budget in the store), and a
429 seen by one pauses them all. SIGTERM (or Ctrl-C) drains: steps in flight finish and are
saved, leases go back, exit 0; a second one cancels the steps in flight (exit 130, state saved).
With --exit-when-idle, a job this worker could not serve sets the exit code (2 job, 3 credentials,
75 platform or database unavailable).

Watch the fleet: ferry status <job> --store <url>

Examples:
  ferry work --store postgres://ferry@db.internal/ferry
  CINCOPA_API_TOKEN=... ferry work --store postgres://ferry@db/ferry --concurrency 16
  ferry work --store postgres://ferry@db/ferry --exit-when-idle   # a batch worker`,
  )
  .action(async (options) => (await import('./commands/work.ts')).workCommand(options));

function parsePositiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return parsed;
}

function parseRate(value: string): number {
  const parsed = parseByteRate(value);
  if (parsed === undefined) throw new InvalidArgumentError(`expected bytes per second such as 20MB, 500k or 1.5G, got "${value}"`);
  return parsed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
  return parsed;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  handleFatal(error);
}
