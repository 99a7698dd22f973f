import * as z from 'zod/mini';

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
