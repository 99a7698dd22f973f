import {
  CfnOutput,
  CfnParameter,
  CfnResource,
  Duration,
  NestedStack,
  type NestedStackProps,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import {
  AuthorizationType,
  AwsIntegration,
  type IAuthorizer,
  type IRequestValidator,
  type IResource,
  Method,
  Resource,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { routeFunctionName } from '../shared/http/dispatch.ts';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../shared/http/headers.ts';
import type { RouteDef } from '../shared/routes.ts';
import { routeAccess } from './access.ts';
import type { Monitoring } from './monitoring.ts';
import { RouteFunction, type RouteFunctionProps } from './route-function.ts';
import type { StageConfig } from './stage.ts';
import { binaryBucketExportName } from './storage.ts';

/** What every route function of a group shares (infra/api-stack.ts). */
export type RouteFunctionDefaults = Omit<
  RouteFunctionProps,
  'handler' | 'description' | 'grants' | 'functionName'
>;

export interface RouteGroupProps extends NestedStackProps {
  stage: StageConfig;
  /** The group's routes: those whose path starts with the same segment (`routeGroupOf`). */
  routes: readonly (readonly [string, RouteDef])[];
  api: RestApi;
  validator: IRequestValidator;
  /** The Lambda authorizer of every `jwt` route (infra/smart-endpoints.ts), asked for with the first. */
  authorizer: () => IAuthorizer;
  functions: RouteFunctionDefaults;
  /** `FhirRecords-<stage>-`: a route function's name is this and its route id. */
  functionPrefix: string;
  /** `BINARY_BUCKET` of the routes that declare `binaries` (shared/config.ts). */
  binaryBucketName: string;
  monitoring: Monitoring;
}

/** CloudFormation's limits per template (stacks and nested stacks alike). */
export const STACK_LIMITS = { resources: 500, parameters: 200, outputs: 200 } as const;

/**
 * The nested stack a route belongs in: its resource type (the path's first segment), or
 * `System` for the routes of the server itself (`/`, `/metadata`, `/health`, `/openapi.json`).
 */
export function routeGroupOf(def: RouteDef): string {
  const [first = ''] = def.path.replace(/^\/+/, '').split('/');
  return /^[A-Z][A-Za-z]+$/.test(first) ? first : 'System';
}

/**
 * One nested stack per resource type: its routes' functions (with their roles, policies and
 * log groups), their alarms, and their API Gateway resources and methods. The REST API, its
 * stage and deployment stay in the parent, whose deployment depends on every method here.
 * About ten resources a route: the Api stack alone would pass CloudFormation's 500 with
 * fifty routes, a nested stack of one type holds a dozen.
 */
export class RouteGroup extends NestedStack {
  readonly functions: ReadonlyMap<string, RouteFunction>;
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: RouteGroupProps) {
    super(scope, id, props);
    const { api, stage } = props;
    guardStackLimits(this);

    const functions = new Map<string, RouteFunction>();
    const methods = new Map<string, Method>();
    const verbsByResource = new Map<IResource, string[]>();
    for (const [routeId, def] of props.routes) {
      const fn = new RouteFunction(this, `Route-${routeId}`, {
        ...props.functions,
        handler: def.handler,
        description: `${def.method} ${def.path}: ${def.summary}`,
        grants: routeAccess(routeId, def),
        functionName: routeFunctionName(props.functionPrefix, routeId),
        environment: def.access.binaries
          ? { ...props.functions.environment, BINARY_BUCKET: props.binaryBucketName }
          : props.functions.environment,
      });
      functions.set(routeId, fn);
      if (def.access.binaries) {
        Validations.of(fn.policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${binaryBucketExportName(stage.stage)}/*]`,
          reason: `${def.access.binaries === 'write' ? 'PutObject' : 'GetObject'} on any key of the Binary bucket: a body's key is its Binary's id, which the function authorizes and audits per request; no list, no delete.`,
        });
      }
      props.monitoring.watch(this, {
        id: `Route-${routeId}`,
        function: fn.function,
        logGroup: fn.logGroup,
        seals: false,
        archives: false,
      });

      const resource = this.resourceFor(api, def.path);
      const pathParameters = [...def.path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] ?? '');
      const jwt = def.auth === 'jwt';
      // Not LambdaIntegration: its permission names the method's ARN with the deployment
      // stage's Ref, and the stage (through its deployment) depends on this nested stack. The
      // stage name is known at synth, so the permission below names the same ARN without it.
      const method = new Method(this, `Method-${routeId}`, {
        resource,
        httpMethod: def.method,
        integration: new AwsIntegration({
          proxy: true,
          service: 'lambda',
          path: `2015-03-31/functions/${fn.function.functionArn}/invocations`,
        }),
        options: {
          operationName: routeId,
          authorizationType: jwt ? AuthorizationType.CUSTOM : AuthorizationType.NONE,
          ...(jwt ? { authorizer: props.authorizer() } : {}),
          requestValidator: props.validator,
          requestParameters: Object.fromEntries(
            pathParameters.map((name) => [`method.request.path.${name}`, true]),
          ),
        },
      });
      fn.function.addPermission('ApiInvoke', {
        principal: new ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: api.arnForExecuteApi(def.method, def.path.replace(/\{[^}]*\}/g, '*'), stage.stage),
      });
      if (jwt) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason:
            "Verified by the stack's Lambda TOKEN authorizer (infra/smart-endpoints.ts): the user pool's ID and access tokens (signature, issuer, app client) and the SMART backend services' tokens signed with the KMS token key, which a Cognito authorizer cannot verify.",
        });
      } else {
        Validations.of(method).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `${def.method} ${def.path} is public by design (auth 'none' in the route table: ${def.summary}); its function has no data access and no grants.`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `${def.method} ${def.path} is public by design (auth 'none' in the route table: ${def.summary}); FHIR clients read it before they authenticate, and it reaches no data.`,
          },
        );
      }
      methods.set(routeId, method);
      verbsByResource.set(resource, [...(verbsByResource.get(resource) ?? []), def.method]);
    }
    this.functions = functions;
    this.methods = methods;

    for (const [resource, verbs] of verbsByResource) {
      const preflight = resource.addCorsPreflight({
        allowOrigins: stage.portalOrigin,
        allowMethods: verbs,
        allowHeaders: [...CORS_ALLOW_HEADERS],
        exposeHeaders: [...CORS_EXPOSE_HEADERS],
        allowCredentials: true,
        maxAge: Duration.minutes(10),
      });
      Validations.of(preflight).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'CORS preflight: browsers send OPTIONS without credentials by specification; a mock integration answers with CORS headers for the portal origin only, and reaches no function or data.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason:
            'CORS preflight cannot carry a token (Fetch standard); it answers headers only from a mock integration.',
        },
      );
    }
  }

  /**
   * The API resource of a path, made in this stack: a top-level segment is a Resource of this
   * stack under the API's root, deeper ones its children. The root path is the API's own.
   */
  private resourceFor(api: RestApi, path: string): IResource {
    const [first, ...rest] = path.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
    if (!first) return api.root;
    const top =
      (this.node.tryFindChild(first) as Resource | undefined) ??
      new Resource(this, first, { parent: api.root, pathPart: first });
    return rest.length === 0 ? top : top.resourceForPath(rest.join('/'));
  }
}

/**
 * Stops the synth when a stack's template would pass CloudFormation's limits on resources,
 * parameters (a nested stack's references to its parent) or outputs, rather than at
 * deployment. Checked when the construct tree is validated, after references are resolved.
 */
export function guardStackLimits(stack: Stack): void {
  stack.node.addValidation({
    validate: () => {
      const own = stack.node.findAll().filter((construct: IConstruct) => Stack.of(construct) === stack);
      const counts = {
        resources: own.filter((construct) => CfnResource.isCfnResource(construct)).length,
        parameters: own.filter((construct) => construct instanceof CfnParameter).length,
        outputs: own.filter((construct) => construct instanceof CfnOutput).length,
      };
      return (Object.keys(STACK_LIMITS) as (keyof typeof STACK_LIMITS)[])
        .filter((kind) => counts[kind] > STACK_LIMITS[kind])
        .map(
          (kind) =>
            `${stack.node.path} would have ${counts[kind]} ${kind}; CloudFormation allows ${STACK_LIMITS[kind]} per stack (split its routes into more nested stacks)`,
        );
    },
  });
}
