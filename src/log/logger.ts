// pino JSON lines on stderr (pretty when stderr is a TTY). Every object and message passes
// through the one scrubber, so no call site has to remember to mask anything.

import { pino, type Logger, type LevelWithSilent } from 'pino';
import { createRequire } from 'node:module';
import { SecretRegistry, scrubValue } from './redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Pretty, human-oriented lines; defaults to whether the destination is a TTY. */
  pretty?: boolean;
  /** Known secret values (configured tokens) masked wherever they appear. */
  secrets?: SecretRegistry;
  /** Defaults to stderr (fd 2): stdout is reserved for command output such as reports. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const scrub = (text: string): string => secrets.scrub(text);
  const usePretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const destination = usePretty
    ? loadPretty()({ destination: options.destination ?? 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' })
    : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      // Errors are serialised by the scrubber (message, stack and cause all masked) instead of
      // pino's default serializer, which would copy got's URL-bearing message verbatim.
      serializers: { err: (error: unknown) => scrubValue(error, scrub), error: (error: unknown) => scrubValue(error, scrub) },
      formatters: { log: (object) => scrubValue(object, scrub) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** pino-pretty, loaded only for a terminal: a run logging JSON lines never needs it. */
function loadPretty(): typeof import('pino-pretty') {
  return createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
}
