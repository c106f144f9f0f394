import { ExitCode } from '../../core/errors.ts';

export function workCommand(): never {
  process.stderr.write(
    'ferry work: the scale-out worker over a shared PostgreSQL ledger is not available in this version; it comes with the multi-worker issue. ' +
      'Use `ferry run <job>` on one machine meanwhile.\n',
  );
  process.exit(ExitCode.usage);
}
