import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/local/dynamodb.ts';
import { newDataDir, PORTAL_ORIGIN, type RunningGateway, startGateway } from './gateway.ts';
import { FIXTURE_PHI, secretsInLog } from './log-scan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    dataDir: string;
    gatewayLog: string;
    /** The loopback port of the SMART browser test's app, an allowed CORS origin of the gateway. */
    smartAppPort: number;
  }
}

let gateway: RunningGateway | undefined;

/** One gateway over one DynamoDB Local for the whole run, in a temporary data dir. */
export async function setup(project: TestProject): Promise<void> {
  const dataDir = newDataDir();
  // A browser SMART app calls the API and the token endpoint from its own origin, so that origin
  // is allowed as an operator allows an app's origin: in CORS_ORIGINS, before the gateway starts.
  const smartAppPort = await freePort();
  gateway = await startGateway(dataDir, {
    CORS_ORIGINS: `${PORTAL_ORIGIN},http://127.0.0.1:${smartAppPort}`,
  });
  project.provide('baseUrl', gateway.url);
  project.provide('dataDir', dataDir);
  project.provide('gatewayLog', gateway.logFile);
  project.provide('smartAppPort', smartAppPort);
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
