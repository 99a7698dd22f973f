import * as z from 'zod/mini';
import { PublicJwks } from '../shared/auth/backend-services.ts';
import {
  cognitoResourceServers,
  cognitoScopeOf,
  declaredCognitoScopes,
} from '../shared/auth/cognito-scopes.ts';
import { parseScopes } from '../shared/auth/scopes.ts';
import { BACKEND_ROLES, routeEntries } from '../shared/routes.ts';

/**
 * A deployment stage, read from CDK context (`cdk.json` or `-c key=value`). Context values
 * given on the command line arrive as strings, hence the coercions.
 */
const origin = z.url({ protocol: /^https$/, hostname: z.regexes.domain });

const originList = z.pipe(
  z.string(),
  z.transform((value) =>
    value
      .split(',')
      .map((part) => part.trim().replace(/\/$/, ''))
      .filter((part) => part.length > 0),
  ),
);

/** The resource types of the route table: what the Cognito resource servers declare scopes for. */
export const ROUTE_RESOURCE_TYPES: readonly string[] = [
  ...new Set(routeEntries().flatMap(([, def]) => (def.resourceType ? [def.resourceType] : []))),
].sort();

const GRANTABLE = declaredCognitoScopes(cognitoResourceServers(ROUTE_RESOURCE_TYPES));

/** Cognito accepts https callback URLs, and plain http for localhost only (native and dev apps). */
const redirectUri = z.string().check(
  z.refine(
    (value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return (
        url.hash === '' &&
        (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost'))
      );
    },
    { message: 'a redirect URI is an https URL (http only for localhost), without a fragment' },
  ),
);

const SmartAppSchema = z.strictObject({
  /** Kebab-case: it names the app client and, in PascalCase, its stack output. */
  name: z.string().check(z.regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/), z.maxLength(48)),
  redirectUris: z.array(redirectUri).check(z.minLength(1), z.maxLength(100)),
  /** Space-separated SMART scopes, each one Cognito can grant (shared/auth/cognito-scopes.ts). */
  scopes: z.string().check(
    z.refine((value) => value.split(' ').some((scope) => scope.length > 0), { message: 'no scope' }),
    // Cognito allows an app client at most 50 OAuth scopes, `openid` being one.
    z.refine((value) => new Set(value.split(' ').filter((scope) => scope.length > 0)).size <= 49, {
      message: 'at most 49 scopes besides openid (Cognito allows an app client 50)',
    }),
    z.superRefine((value, ctx) => {
      for (const scope of value.split(' ').filter((part) => part.length > 0)) {
        if (cognitoScopeOf(scope, GRANTABLE) === undefined) {
          ctx.issues.push({
            code: 'custom',
            input: value,
            message: `${scope} is not a scope Cognito can grant (system/ and granular scopes are not, nor types the API does not serve)`,
          });
        }
      }
    }),
  ),
});
export type SmartApp = z.infer<typeof SmartAppSchema>;

/** A JSON array in cdk.json, or the same JSON as a string from `-c smartApps='[...]'`. */
const jsonOrValue = z.transform((value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return 'not JSON';
  }
});

const smartAppList = z.pipe(
  jsonOrValue,
  z.array(SmartAppSchema, { error: 'a JSON list of { name, redirectUris, scopes }' }).check(
    z.refine((apps) => new Set(apps.map((app) => pascalCaseOf(app.name))).size === apps.length, {
      message: 'SMART app names must be unique',
    }),
  ),
);

/**
 * A backend service (SMART Backend Services): its public keys (inline or at an https JWKS URL),
 * its `system/` scopes, the organization whose records it reaches and the role it acts with.
 * Its `name` is its `client_id`.
 */
const SmartBackendClientSchema = z
  .strictObject({
    name: z.string().check(z.regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/), z.maxLength(64)),
    jwks: z.optional(PublicJwks),
    jwksUrl: z.optional(z.url({ protocol: /^https$/ })),
    scopes: z.string().check(
      z.refine(
        (value) => {
          const { scopes, refused } = parseScopes(value);
          return (
            refused.length === 0 &&
            scopes.length > 0 &&
            scopes.every((scope) => scope.kind === 'resource' && scope.context === 'system')
          );
        },
        { message: 'system/ scopes only, e.g. "system/Patient.rs system/AuditEvent.rs"' },
      ),
    ),
    org: z.string().check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/)),
    role: z.enum(BACKEND_ROLES),
  })
  .check(
    z.refine((client) => (client.jwks === undefined) !== (client.jwksUrl === undefined), {
      message: 'give a backend client either jwks or jwksUrl',
    }),
  );
export type SmartBackendClient = z.infer<typeof SmartBackendClientSchema>;

const smartBackendClientList = z.pipe(
  jsonOrValue,
  z
    .array(SmartBackendClientSchema, { error: 'a JSON list of { name, jwks | jwksUrl, scopes, org, role }' })
    .check(
      z.refine((clients) => new Set(clients.map((client) => client.name)).size === clients.length, {
        message: 'backend client names must be unique',
      }),
    ),
);

/** `patient-app` -> `PatientApp`: construct ids and stack output names. */
export const pascalCaseOf = (name: string): string =>
  name
    .split('-')
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');

const StageSchema = z
  .object({
    stage: z._default(z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/)), 'dev'),
    region: z._default(z.string().check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/)), 'us-east-1'),
    account: z.optional(z.string().check(z.regex(/^\d{12}$/))),
    /** The clinician portal's origin(s), comma-separated: the CORS allow-list. */
    portalOrigin: z._default(z.pipe(originList, z.array(origin).check(z.minLength(1))), [
      'https://portal.example.com',
    ]),
    customDomain: z.optional(z.string().check(z.regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/))),
    certificateArn: z.optional(
      z.string().check(z.regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/)),
    ),
    alarmEmail: z.optional(z.email()),
    /** Reserved concurrency of each function: caps what one hot route can take from the others. */
    reservedConcurrency: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 5),
    memorySize: z._default(z.coerce.number().check(z.int(), z.gte(128), z.lte(10240)), 512),
    /** Stage-wide API Gateway throttling (requests per second, and burst). */
    apiRateLimit: z._default(z.coerce.number().check(z.int(), z.positive()), 100),
    apiBurstLimit: z._default(z.coerce.number().check(z.int(), z.positive()), 200),
    /** WAF rate-based rule: requests per client IP in any 5-minute window. */
    wafRateLimit: z._default(z.coerce.number().check(z.int(), z.gte(10)), 2000),
    /** Minutes between runs of the seal job: how long a complete hour waits for its digest at most. */
    sealIntervalMinutes: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(60)), 5),
    /**
     * The Cognito domain prefix of the managed login (`<prefix>.auth.<region>.amazoncognito.com`),
     * which the SMART authorization endpoints stand on. Unique per region across AWS accounts,
     * so a real deployment sets its own.
     */
    authDomainPrefix: z.optional(z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/))),
    /** The SMART apps registered as public Cognito app clients (authorization code with PKCE). */
    smartApps: z._default(smartAppList, []),
    /** The backend services the token function issues `system/` tokens to (client_credentials). */
    smartBackendClients: z._default(smartBackendClientList, []),
  })
  .check(
    z.refine((cfg) => (cfg.customDomain === undefined) === (cfg.certificateArn === undefined), {
      message: 'customDomain and certificateArn go together',
      path: ['certificateArn'],
    }),
  );

export type StageConfig = z.infer<typeof StageSchema>;

export const STAGE_CONTEXT_KEYS = [
  'stage',
  'region',
  'account',
  'portalOrigin',
  'customDomain',
  'certificateArn',
  'alarmEmail',
  'reservedConcurrency',
  'memorySize',
  'apiRateLimit',
  'apiBurstLimit',
  'wafRateLimit',
  'sealIntervalMinutes',
  'authDomainPrefix',
  'smartApps',
  'smartBackendClients',
] as const;

export class StageConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StageConfigError';
  }
}

/** Parses the stage from context values; `lookup` is `(key) => app.node.tryGetContext(key)`. */
export function parseStageConfig(lookup: (key: string) => unknown): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of STAGE_CONTEXT_KEYS) {
    const value = lookup(key);
    // `-c alarmEmail=` should mean "none", not "invalid".
    if (value !== undefined && value !== null && value !== '') raw[key] = value;
  }
  const parsed = StageSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(stage)'}: ${issue.message}`,
    );
    throw new StageConfigError(`invalid stage context: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The managed login's domain prefix: the stage's own, or one derived from the stage name. */
export const authDomainPrefixOf = (stage: Pick<StageConfig, 'stage' | 'authDomainPrefix'>): string =>
  stage.authDomainPrefix ?? `fhir-records-${stage.stage}`;
