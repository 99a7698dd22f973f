import { Logger } from '@aws-lambda-powertools/logger';
import { config } from '../config.ts';

let logger: Logger | undefined;

/**
 * Structured JSON logs. Log lines carry ids, routes, statuses and error names: never
 * resource content, names, dates of birth, tokens or keys. The request id is passed
 * with every line (not appended to the shared logger) because the local gateway runs
 * many requests at once in one process.
 */
export function log(): Logger {
  if (!logger) {
    const level = config().LOG_LEVEL;
    logger = new Logger({ serviceName: 'fhir-records', logLevel: level });
  }
  return logger;
}

/**
 * A logger at `level` for the SMART functions, which are not given the routes' configuration
 * (and so cannot call `log()`); the same service name and JSON shape.
 */
export const loggerAt = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): Logger =>
  new Logger({ serviceName: 'fhir-records', logLevel: level });
