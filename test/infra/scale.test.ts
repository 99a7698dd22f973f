import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { guardStackLimits, routeGroupOf, STACK_LIMITS } from '../../infra/route-group.ts';
import { routeEntries } from '../../shared/routes.ts';
import {
  logicalId,
  resourcesOfType,
  type SynthesizedApp,
  synthRecordsApp,
  type TemplateJson,
} from './synth.ts';

let synth: SynthesizedApp;
const routes = routeEntries();

beforeAll(() => {
  synth = synthRecordsApp();
});
afterAll(() => synth?.cleanup());

const counts = (template: TemplateJson) => ({
  resources: Object.keys(template.Resources).length,
  parameters: Object.keys(template.Parameters ?? {}).length,
  outputs: Object.keys(template.Outputs ?? {}).length,
});

describe('the route table at scale', () => {
  it('keeps every stack, the Api stack and each nested route group, within CloudFormation’s limits', () => {
    const templates: [string, TemplateJson][] = [
      ['Data', synth.dataTemplate],
      ['Api', synth.apiRootTemplate],
      ...[...synth.nestedTemplates].map(([group, template]): [string, TemplateJson] => [
        `Routes-${group}`,
        template,
      ]),
    ];
    expect(templates.length).toBeGreaterThan(2);
    for (const [name, template] of templates) {
      const count = counts(template);
      expect(count.resources, `${name} resources`).toBeLessThan(STACK_LIMITS.resources);
      expect(count.parameters, `${name} parameters`).toBeLessThanOrEqual(STACK_LIMITS.parameters);
      expect(count.outputs, `${name} outputs`).toBeLessThanOrEqual(STACK_LIMITS.outputs);
    }
    // The routes' resources live in the nested stacks, not in the Api stack.
    expect(resourcesOfType(synth.apiRootTemplate, 'AWS::Lambda::Function').length).toBeLessThan(
      routes.length,
    );
  });

  it('puts each route in the nested stack of its resource type, with its function and its method there', () => {
    expect([...synth.nestedTemplates.keys()].sort()).toEqual(
      [...new Set(routes.map(([, def]) => routeGroupOf(def)))].sort(),
    );
    for (const [routeId, def] of routes) {
      const group = routeGroupOf(def);
      const template = synth.nestedTemplates.get(group);
      expect(template, `${routeId} in ${group}`).toBeDefined();
      if (!template) continue;
      const fn = synth.api.routeFunctions.get(routeId);
      expect(fn, routeId).toBeDefined();
      if (!fn) continue;
      const fnId = logicalId(synth, fn.function);
      expect(template.Resources[fnId]?.Type, `${routeId}'s function`).toBe('AWS::Lambda::Function');
      const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').filter(
        ([, method]) => method.Properties?.OperationName === routeId,
      );
      expect(methods, `${routeId}'s method`).toHaveLength(1);
      const [[, method] = ['', undefined]] = methods;
      expect(method?.Properties?.HttpMethod).toBe(def.method);
      expect(JSON.stringify(method?.Properties?.Integration)).toContain(`"${fnId}"`);
      // API Gateway may invoke the function from this route's method only.
      const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, permission]) =>
        JSON.stringify(permission.Properties?.FunctionName).includes(`"${fnId}"`),
      );
      expect(permissions, `${routeId}'s permission`).toHaveLength(1);
      const sourceArn = JSON.stringify(permissions[0]?.[1].Properties?.SourceArn);
      expect(sourceArn).toContain(`/test/${def.method}${def.path.replace(/\{[^}]*\}/g, '*')}`);
    }
  });

  it('deploys the API only after every route group, so that each deployment has every method', () => {
    const [[, deployment] = ['', undefined]] = resourcesOfType(
      synth.apiRootTemplate,
      'AWS::ApiGateway::Deployment',
    );
    const dependsOn = z.array(z.string()).parse(deployment?.DependsOn);
    for (const group of synth.api.routeGroups.values()) {
      expect(dependsOn).toContain(synth.api.getLogicalId(group.nestedStackResource as CfnElement));
    }
  });

  it('stops the synth when a stack would pass 500 resources', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fhir-records-limits-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'TooBig');
      guardStackLimits(stack);
      for (let index = 0; index <= STACK_LIMITS.resources; index++)
        new CfnWaitConditionHandle(stack, `Handle${index}`);
      expect(() => app.synth()).toThrow(/TooBig would have 501 resources; CloudFormation allows 500/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
