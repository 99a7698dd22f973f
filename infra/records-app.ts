import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { type JobDef, jobs, type RouteDef, routeEntries } from '../shared/routes.ts';
import { ApiStack } from './api-stack.ts';
import { DataStack } from './data-stack.ts';
import type { StageConfig } from './stage.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RecordsAppOptions {
  /** Defaults to the route table; tests may pass a subset. */
  routes?: readonly (readonly [string, RouteDef])[];
  /** Defaults to the route table's jobs. */
  jobs?: readonly (readonly [string, JobDef])[];
}

/** The two stacks of one stage, wired together. */
export function defineRecordsApp(
  app: App,
  stage: StageConfig,
  options: RecordsAppOptions = {},
): { data: DataStack; api: ApiStack } {
  // TableV2 with a customer-managed key needs a concrete region; the account may stay
  // unresolved (environment-agnostic on the account) for offline synth.
  const env = { region: stage.region, ...(stage.account ? { account: stage.account } : {}) };
  const prefix = `FhirRecords-${stage.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    stage: stage.stage,
    description: `FHIR records backend (${stage.stage}): keys, tables, backups`,
    terminationProtection: stage.stage === 'prod',
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    stage,
    keys: data.keys,
    storage: data.storage,
    auditChain: data.auditChain,
    routes: options.routes ?? routeEntries(),
    jobs: options.jobs ?? Object.entries(jobs),
    projectRoot: PROJECT_ROOT,
    description: `FHIR records backend (${stage.stage}): API, functions, user pool, WAF, alarms`,
  });
  api.addStackDependency(data);
  return { data, api };
}
