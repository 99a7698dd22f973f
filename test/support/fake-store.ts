import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditTrail } from '../../shared/audit/trail.ts';
import type { Principal } from '../../shared/auth/principal.ts';
import { setDynamo } from '../../shared/base/dynamo.ts';
import { createLocalBlindIndexer } from '../../shared/crypto/blind-index.ts';
import type { Envelope, RecordRef } from '../../shared/crypto/envelope.ts';
import { setCrypto } from '../../shared/crypto/runtime.ts';
import { type RouteId, routes } from '../../shared/routes.ts';

/**
 * Unit tests of store code without DynamoDB: a document client that answers each command
 * with what the test scripts, and records what was sent; an envelope that "seals" as JSON
 * bound to its record (a payload opens only for the ref it was sealed for).
 */

/** The configuration store modules read; set before anything parses it. */
export function storeEnvironment(): void {
  process.env.RECORDS_TABLE ??= 'records';
  process.env.AUDIT_TABLE ??= 'audit';
  process.env.KEY_SOURCE ??= 'local';
  process.env.LOCAL_KEY_DIR ??= '/nonexistent-unit-test-keys';
  process.env.LOG_LEVEL ??= 'SILENT';
}

const refText = (ref: RecordRef) => `${ref.tenant}|${ref.resourceType}|${ref.id}|${ref.versionId}`;

export const jsonEnvelope: Envelope = {
  async seal(ref, resource) {
    return new TextEncoder().encode(JSON.stringify({ ref: refText(ref), resource }));
  },
  async open(ref, ciphertext) {
    const sealed = JSON.parse(new TextDecoder().decode(ciphertext)) as { ref: string; resource: unknown };
    if (sealed.ref !== refText(ref)) throw Object.assign(new Error('wrong ref'), { name: 'DecryptError' });
    return sealed.resource;
  },
};

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

export type Answer = (command: SentCommand) => unknown;

/** Installs the fake client and crypto; `answer` gives each command's output or throws. */
export function fakeStore(answer: Answer): SentCommand[] {
  storeEnvironment();
  const sent: SentCommand[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const recorded = { name: command.constructor.name, input: command.input };
      sent.push(recorded);
      return answer(recorded);
    },
  };
  setDynamo(client as unknown as DynamoDBDocumentClient);
  setCrypto({ envelope: jsonEnvelope, indexer: createLocalBlindIndexer(Buffer.alloc(32, 7)) });
  return sent;
}

/** Back to the real client and crypto (after each test of a file that faked them). */
export function resetStore(): void {
  setDynamo(undefined);
  setCrypto({});
}

/** A TransactionCanceledException as the SDK throws it, with one code per item. */
export function cancelled(codes: string[]): Error {
  return Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

type Write = { Item?: Record<string, unknown> } & Record<string, unknown>;
export type TransactEntry = { Put?: Write; Update?: Write; Delete?: Write };

/** The items of a TransactWriteCommand, as `Put`/`Update`/`Delete` entries. */
export const transactItems = (command: SentCommand | undefined): TransactEntry[] =>
  (command?.input.TransactItems as TransactEntry[] | undefined) ?? [];

/** One request's store view: the caller and an audit trail of `route`. */
export function storeRequest(
  principal: Principal,
  route: RouteId = 'readPatient',
  breakGlassReason?: string,
) {
  return {
    principal,
    breakGlassReason,
    audit: new AuditTrail(routes[route], principal, {
      requestId: 'r-1',
      sourceIp: '127.0.0.1',
      userAgent: 'unit',
    }),
  };
}

/** A stored head item of `resource`, sealed as the engine would have sealed it. */
export async function headItem(
  org: string,
  resourceType: string,
  resource: { id: string } & Record<string, unknown>,
  extra: { versionId?: number; deleted?: boolean; tokens?: string[] } = {},
): Promise<Record<string, unknown>> {
  const versionId = extra.versionId ?? 1;
  const sealedVersion = extra.deleted ? versionId - 1 : versionId;
  const lastUpdated = '2026-12-01T10:00:00.000Z';
  const sealed = { ...resource, meta: { versionId: String(sealedVersion), lastUpdated } };
  return {
    pk: `${org}#${resourceType}#${resource.id}`,
    sk: 'head',
    id: resource.id,
    versionId,
    lastUpdated,
    ...(extra.deleted ? { deleted: true } : {}),
    tokens: extra.tokens ?? [],
    payload: await jsonEnvelope.seal(
      { tenant: org, resourceType, id: resource.id, versionId: sealedVersion },
      sealed,
    ),
  };
}
