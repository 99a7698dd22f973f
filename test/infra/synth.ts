import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import * as z from 'zod/mini';
import type { ApiStack } from '../../infra/api-stack.ts';
import type { DataStack } from '../../infra/data-stack.ts';
import { defineRecordsApp, type RecordsAppOptions } from '../../infra/records-app.ts';
import { parseStageConfig } from '../../infra/stage.ts';

/** The stage the infra tests deploy: every optional feature on, so that cdk-nag sees it. */
export const TEST_CONTEXT = {
  stage: 'test',
  region: 'eu-west-1',
  account: '123456789012',
  portalOrigin: 'https://portal.example.com',
  customDomain: 'api.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
  alarmEmail: 'ops@example.com',
  smartApps: [
    {
      name: 'patient-app',
      redirectUris: ['https://app.example.com/callback', 'http://localhost:5173/callback'],
      scopes: 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Appointment.rs',
    },
    {
      name: 'clinician-portal',
      redirectUris: ['https://portal.example.com/smart/callback'],
      scopes: 'openid fhirUser user/Patient.cruds user/Appointment.cruds',
    },
  ],
  smartBackendClients: [
    {
      name: 'analytics',
      jwks: {
        keys: [
          {
            kty: 'EC',
            crv: 'P-384',
            x: '-HGBBe1v9W7eA4nzdbt0sLQ1PX4fWlw7rny9dAS3OovANcIWb-sK0fk6nv8TXnPE',
            y: 'vWrZfacHSgO8z4WWOiroqERZ8_gZIZciTGXOb5M60T6nUeAhvI3G42cxkxK8zeRd',
            kid: 'analytics-1',
            alg: 'ES384',
            use: 'sig',
          },
        ],
      },
      scopes: 'system/Patient.rs system/Appointment.rs',
      org: 'org-clinic',
      role: 'admin',
    },
    {
      name: 'access-review',
      jwksUrl: 'https://review.example.com/.well-known/jwks.json',
      scopes: 'system/AuditEvent.rs',
      org: 'org-clinic',
      role: 'compliance',
    },
  ],
};

const CfnResource = z.object({
  Type: z.string(),
  Properties: z.optional(z.record(z.string(), z.unknown())),
  DeletionPolicy: z.optional(z.string()),
  UpdateReplacePolicy: z.optional(z.string()),
  DependsOn: z.optional(z.unknown()),
  Metadata: z.optional(z.record(z.string(), z.unknown())),
});
export type CfnResourceJson = z.infer<typeof CfnResource>;
const TemplateJson = z.object({
  Parameters: z.optional(z.record(z.string(), z.unknown())),
  Resources: z.record(z.string(), CfnResource),
  Outputs: z.optional(z.record(z.string(), z.unknown())),
});
export type TemplateJson = z.infer<typeof TemplateJson>;

const Violation = z.object({
  ruleName: z.string(),
  severity: z.optional(z.string()),
  description: z.optional(z.string()),
  violatingConstructs: z.array(z.object({ constructPath: z.optional(z.string()) })),
});
const ValidationReport = z.object({
  pluginReports: z.array(
    z.object({
      pluginName: z.string(),
      conclusion: z.string(),
      metadata: z.optional(z.unknown()),
      violations: z.array(Violation),
    }),
  ),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export interface SynthesizedApp {
  app: App;
  data: DataStack;
  api: ApiStack;
  dataTemplate: TemplateJson;
  /**
   * The Api stack as one template: its own resources and those of its nested stacks (the
   * route groups), each nested reference to a parameter replaced by the value the parent
   * passes, and each parent reference to a nested output by the output's value. So a
   * nested function's policy names the table as a single stack would (`Fn::ImportValue`),
   * and logical ids (`logicalId`, `getLogicalId`) find resources wherever they are.
   */
  apiTemplate: TemplateJson;
  /** The Api stack's own template, as synthesized. */
  apiRootTemplate: TemplateJson;
  /** The route groups' templates as synthesized, by group (infra/route-group.ts). */
  nestedTemplates: ReadonlyMap<string, TemplateJson>;
  /** CDK's policy validation report (cdk-nag's findings land here in v3). */
  report: ValidationReport;
  assemblyDir: string;
  cleanup(): void;
}

export interface SynthOptions extends RecordsAppOptions {
  /** Bundle the functions with esbuild (slow); off by default: templates do not need code. */
  bundle?: boolean;
  context?: Record<string, unknown>;
  /**
   * CDK's built-in CloudFormation schema validation (what `cdk synth` runs too). It costs
   * seconds of WASM start-up, so only the cdk-nag test file turns it on.
   */
  cloudFormationValidation?: boolean;
}

/**
 * One synthesis of the whole app with the cdk-nag packs registered exactly as in
 * infra/app.ts. `failSynthOnValidationErrors: false` makes CDK write the report instead of
 * throwing, so that a test can name every finding rather than fail on the first.
 */
export function synthRecordsApp(options: SynthOptions = {}): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'fhir-records-cdk-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    context: {
      ...TEST_CONTEXT,
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stage = parseStageConfig((key) => app.node.tryGetContext(key));
  const { data, api } = defineRecordsApp(app, stage, {
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.jobs ? { jobs: options.jobs } : {}),
  });
  Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const template = (stack: Stack) =>
    TemplateJson.parse(
      JSON.parse(readFileSync(assembly.getStackArtifact(stack.artifactId).templateFullPath, 'utf8')),
    );
  const apiRootTemplate = template(api);
  const nestedTemplates = new Map(
    [...api.routeGroups].map(([group, stack]) => [
      group,
      TemplateJson.parse(JSON.parse(readFileSync(join(assembly.directory, stack.templateFile), 'utf8'))),
    ]),
  );
  return {
    app,
    data,
    api,
    dataTemplate: template(data),
    apiTemplate: mergedTemplate(
      apiRootTemplate,
      [...api.routeGroups].map(([group, stack]) => ({
        resourceId: api.getLogicalId(stack.nestedStackResource as CfnElement),
        template: nestedTemplates.get(group) ?? { Resources: {} },
      })),
    ),
    apiRootTemplate,
    nestedTemplates,
    report: ValidationReport.parse(
      JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')),
    ),
    assemblyDir: assembly.directory,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Replaces every JSON value for which `replace` answers something, depth first. */
function substitute(value: unknown, replace: (value: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) return value.map((item) => substitute(item, replace));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, replace)]));
  }
  return value;
}

const single = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1
    ? Reflect.get(value, key)
    : undefined;

/** The root template with the nested stacks' resources in it (see `SynthesizedApp.apiTemplate`). */
function mergedTemplate(
  root: TemplateJson,
  nested: readonly { resourceId: string; template: TemplateJson }[],
): TemplateJson {
  const resources: Record<string, unknown> = {};
  const outputsOf = new Map(nested.map(({ resourceId, template }) => [resourceId, template.Outputs ?? {}]));
  const fromNestedOutput = (value: unknown): unknown => {
    const getAtt = single(value, 'Fn::GetAtt');
    if (!Array.isArray(getAtt) || typeof getAtt[1] !== 'string' || !getAtt[1].startsWith('Outputs.')) {
      return undefined;
    }
    const output = outputsOf.get(String(getAtt[0]))?.[getAtt[1].slice('Outputs.'.length)];
    return output === undefined ? undefined : z.object({ Value: z.unknown() }).parse(output).Value;
  };
  for (const [id, resource] of Object.entries(root.Resources))
    resources[id] = substitute(resource, fromNestedOutput);
  for (const { resourceId, template } of nested) {
    const parameters = z
      .record(z.string(), z.unknown())
      .parse(root.Resources[resourceId]?.Properties?.Parameters ?? {});
    const fromParameter = (value: unknown): unknown => {
      const ref = single(value, 'Ref');
      return typeof ref === 'string' && ref in parameters ? parameters[ref] : undefined;
    };
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (id in resources)
        throw new Error(`${id} is in the Api stack and in ${resourceId}: the merged view needs unique ids`);
      resources[id] = substitute(resource, fromParameter);
    }
  }
  return TemplateJson.parse({ ...root, Resources: resources });
}

export const resourcesOfType = (template: TemplateJson, type: string): [string, CfnResourceJson][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** Every finding of the validation plugins (cdk-nag packs, CloudFormation schema), one line each. */
export function unacknowledgedFindings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((plugin) => [
    ...(plugin.conclusion !== 'success' && plugin.violations.length === 0
      ? [`${plugin.pluginName} failed: ${JSON.stringify(plugin.metadata)}`]
      : []),
    ...plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (construct) =>
          `${violation.severity ?? 'error'} ${violation.ruleName} at ${construct.constructPath ?? '?'}: ${violation.description ?? ''}`,
      ),
    ),
  ]);
}

export interface PolicyStatementJson {
  Sid?: string | undefined;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

/**
 * Every statement of the policies attached to a function's role, after checking that the role
 * has neither an AWS managed policy nor an inline one (RouteFunction's rule).
 */
export function roleStatements(
  s: SynthesizedApp,
  role: { node: { defaultChild?: unknown } },
): PolicyStatementJson[] {
  const roleId = logicalId(s, role);
  const documents: unknown[] = [];
  for (const [, r] of Object.entries(s.apiTemplate.Resources)) {
    if (r.Type !== 'AWS::IAM::ManagedPolicy' && r.Type !== 'AWS::IAM::Policy') continue;
    if (JSON.stringify(r.Properties?.Roles ?? []).includes(`"${roleId}"`))
      documents.push(r.Properties?.PolicyDocument);
  }
  const roleProps = s.apiTemplate.Resources[roleId]?.Properties ?? {};
  if (roleProps.ManagedPolicyArns !== undefined || roleProps.Policies !== undefined) {
    throw new Error(`${roleId} has an AWS managed or inline policy`);
  }
  return z
    .array(
      z.object({
        Statement: z.array(
          z.object({
            Sid: z.optional(z.string()),
            Action: z.union([z.string(), z.array(z.string())]),
            Resource: z.optional(z.unknown()),
            Condition: z.optional(z.unknown()),
          }),
        ),
      }),
    )
    .parse(documents)
    .flatMap((document) => document.Statement);
}

export const props = (resource: CfnResourceJson | undefined): Record<string, unknown> =>
  resource?.Properties ?? {};
/** The logical id of a construct's CloudFormation resource in its stack (the Api stack or a nested one). */
export const logicalId = (_s: SynthesizedApp, element: { node: { defaultChild?: unknown } }): string => {
  const cfn = element.node.defaultChild as CfnElement;
  return cfn.stack.getLogicalId(cfn);
};
/** The properties of one of the Api stack's resources. */
export const resource = (s: SynthesizedApp, id: string): Record<string, unknown> =>
  props(s.apiTemplate.Resources[id]);
