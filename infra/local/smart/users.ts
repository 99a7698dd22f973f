import { join } from 'node:path';
import * as z from 'zod/mini';
import { ROLES } from '../../../shared/routes.ts';
import { appendLine, readLines } from './files.ts';

/**
 * The local user directory (the stand-in for Cognito's user pool): the users `npm run seed`
 * and `npm run token` sign in, each with the claims the API reads. The authorize page lists
 * them; one line each in the data dir, the latest line of a `sub` wins.
 */
export const usersFile = (dataDir: string): string => join(dataDir, 'users.jsonl');

const fhirId = z.string().check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/));

const LocalUser = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(128)),
  role: z.enum(ROLES),
  org: fhirId,
  patientId: z.optional(fhirId),
  practitionerId: z.optional(fhirId),
});
export type LocalUser = z.infer<typeof LocalUser>;

export function recordUser(dataDir: string, user: LocalUser): void {
  appendLine(usersFile(dataDir), LocalUser.parse(user));
}

/** Every user, in the order they first appeared, each as last recorded. */
export function readUsers(dataDir: string): LocalUser[] {
  const bySub = new Map<string, LocalUser>();
  for (const record of readLines(usersFile(dataDir))) {
    const parsed = LocalUser.safeParse(record);
    if (parsed.success) bySub.set(parsed.data.sub, parsed.data);
  }
  return [...bySub.values()];
}

export function findUser(dataDir: string, sub: string): LocalUser | undefined {
  return readUsers(dataDir).find((user) => user.sub === sub);
}
