/**
 * SMART scopes as Cognito knows them. Cognito grants only the custom scopes of its resource
 * servers, spelled `<identifier>/<name>`; with the identifiers `patient`, `user` and `launch`, a
 * SMART scope such as `patient/Observation.rs` or `launch/patient` is a Cognito scope as it is.
 * Two SMART scopes have no slash and are not Cognito's standard ones, so they live on a `smart`
 * resource server. `system/` scopes are never Cognito's: the stack's token function issues them
 * to backend services.
 *
 * A Cognito scope must be declared before a client may ask for it (at most 100 per resource
 * server), so the declared set is finite: for each type the v2 forms `rs` and `cruds` and the v1
 * forms `read` and `write`; for `*` every single interaction and the usual combinations.
 * Granular scopes (`?category=...`) cannot be declared ahead and are not offered in AWS.
 */

/** The scope names a resource server declares, by identifier. */
export type ResourceServerScopes = ReadonlyMap<string, readonly string[]>;

const TYPE_SUFFIXES = ['rs', 'cruds', 'read', 'write'] as const;
const WILDCARD_SUFFIXES = ['r', 's', 'rs', 'c', 'u', 'd', 'cu', 'cud', 'cruds', 'read', 'write'] as const;

/** SMART scopes without a slash, on the `smart` resource server. */
const SLASHLESS: Readonly<Record<string, string>> = {
  fhirUser: 'smart/fhirUser',
  offline_access: 'smart/offline_access',
};
const SLASHLESS_BACK: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SLASHLESS).map(([smart, cognito]) => [cognito, smart]),
);

/** What Cognito passes through as it is: its standard `openid`. */
const STANDARD = new Set(['openid']);

/** The resource servers and scope names to declare for the given resource types. */
export function cognitoResourceServers(resourceTypes: readonly string[]): ResourceServerScopes {
  const resourceScopes = [
    ...WILDCARD_SUFFIXES.map((suffix) => `*.${suffix}`),
    ...[...new Set(resourceTypes)]
      .sort()
      .flatMap((type) => TYPE_SUFFIXES.map((suffix) => `${type}.${suffix}`)),
  ];
  return new Map<string, readonly string[]>([
    ['patient', resourceScopes],
    ['user', resourceScopes],
    ['launch', ['patient']],
    ['smart', Object.values(SLASHLESS).map((scope) => scope.slice('smart/'.length))],
  ]);
}

/** Every Cognito scope the servers declare, as `<identifier>/<name>`, plus the standard ones. */
export function declaredCognitoScopes(servers: ResourceServerScopes): Set<string> {
  const scopes = new Set(STANDARD);
  for (const [identifier, names] of servers) {
    for (const name of names) scopes.add(`${identifier}/${name}`);
  }
  return scopes;
}

/**
 * The Cognito scope a SMART scope is asked for as, or undefined when Cognito cannot grant it
 * (a `system/` scope, a granular scope, or one the servers do not declare).
 */
export function cognitoScopeOf(smartScope: string, declared: ReadonlySet<string>): string | undefined {
  const cognito = SLASHLESS[smartScope] ?? smartScope;
  return declared.has(cognito) ? cognito : undefined;
}

/** The SMART scope a Cognito-granted scope stands for (the token response, the access token's `scope`). */
export const smartScopeOf = (cognitoScope: string): string => SLASHLESS_BACK[cognitoScope] ?? cognitoScope;

/** A space-separated Cognito `scope` claim as the SMART scope string it stands for. */
export const smartScopesOf = (cognitoScopes: string): string =>
  cognitoScopes
    .split(' ')
    .filter((scope) => scope.length > 0)
    .map(smartScopeOf)
    .join(' ');
