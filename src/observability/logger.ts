/**
 * The server's logger: pino JSON lines (pretty, colored lines only when stdout is a terminal),
 * with every place a secret could sit redacted, whatever a caller of the logger passes in.
 */
import { createRequire } from 'node:module';
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SECRETS = ['authorization', 'cookie', 'credential', 'accessKey', 'access_token', 'key', 'token', 'password', 'redisUrl'];
/** each secret's name at the top, one level down, and in headers */
export const REDACTED_PATHS = SECRETS.flatMap((name) => [name, `*.${name}`, `headers.${name}`, `*.headers.${name}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** human-readable lines; by default only when stdout is a terminal */
  pretty?: boolean;
  /** where lines go (tests); stdout by default */
  destination?: DestinationStream;
}

export function createLogger({ level = 'info', pretty = process.stdout.isTTY === true, destination }: LoggerOptions = {}): Logger {
  const stream = pretty
    ? loadPinoPretty()({ destination: destination ?? 1, sync: true, colorize: destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : (destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      timestamp: stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    stream,
  );
}

/** pino-pretty weighs ~10 MB of memory and serves terminals only: loaded when asked for. */
function loadPinoPretty(): typeof import('pino-pretty') {
  return createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
}

/** yoga's own messages (unexpected errors, plugin notes) through the server's logger. */
export function yogaLogger(logger: Logger) {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      args[0] instanceof Error ? logger[level]({ err: args[0] }, args[0].message) : logger[level](args.map(String).join(' '));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
