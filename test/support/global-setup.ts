import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { newDataDir, type RunningGateway, startGateway } from './gateway.ts';

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

export async function teardown(): Promise<void> {
  if (!gateway) return;
  await gateway.stop();
  if (!process.env.KEEP_TEST_DATA) rmSync(gateway.dataDir, { recursive: true, force: true });
}
