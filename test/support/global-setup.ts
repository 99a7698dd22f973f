import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { newDataDir, type RunningGateway, startGateway } from './gateway.ts';
import { FIXTURE_PHI, secretsInLog } from './log-scan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    dataDir: string;
    gatewayLog: string;
  }
}

let gateway: RunningGateway | undefined;

/** One gateway over one DynamoDB Local for the whole run, in a temporary data dir. */
export async function setup(project: TestProject): Promise<void> {
  const dataDir = newDataDir();
  gateway = await startGateway(dataDir);
  project.provide('baseUrl', gateway.url);
  project.provide('dataDir', dataDir);
  project.provide('gatewayLog', gateway.logFile);
}

/**
 * Stops the gateway, then reads everything it logged during the whole run: a token, key
 * material or a PHI string of the spec examples in any line fails the run.
 */
export async function teardown(): Promise<void> {
  if (!gateway) return;
  await gateway.stop();
  const findings = secretsInLog(
    readFileSync(gateway.logFile, 'utf8'),
    join(gateway.dataDir, 'keys'),
    FIXTURE_PHI,
  );
  if (!process.env.KEEP_TEST_DATA) rmSync(gateway.dataDir, { recursive: true, force: true });
  if (findings.length > 0) throw new Error(`the gateway's log of this run contains ${findings.join(', ')}`);
}
