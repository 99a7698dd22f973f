import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setDynamo } from '../../shared/base/dynamo.ts';
import { KeyServiceError } from '../../shared/crypto/errors.ts';
import { recordEnvelope, setCrypto } from '../../shared/crypto/runtime.ts';
import { api, field, token } from '../support/api.ts';
import { orgAuditEvents, orgRecordItems } from '../support/dynamo.ts';
import { awsError, type Fault, faultyDynamo } from '../support/faults.ts';
import { startInProcessGateway } from '../support/in-process.ts';

/**
 * Faults injected at the SDK client level of a gateway running in this process, over the
 * run's real DynamoDB Local: the client gets 429/503 with Retry-After, nothing is
 * half-written, and the same request succeeds once the fault is gone.
 */
const org = `org-${randomUUID().slice(0, 8)}`;
const fault: { current: Fault | undefined } = { current: undefined };
let gateway: { url: string; close(): Promise<void> };

beforeAll(async () => {
  gateway = await startInProcessGateway();
  setDynamo(faultyDynamo(fault));
});
afterEach(() => {
  fault.current = undefined;
  setCrypto({});
});
afterAll(async () => {
  setDynamo(undefined);
  await gateway.close();
});

const admin = () => token({ role: 'admin', org, sub: 'admin-faults' });
const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });
const call = async (path: string, options: Parameters<typeof api>[1] = {}) =>
  api(path, { ...options, base: gateway.url });

describe('faults in DynamoDB and the keyring', () => {
  it('answers a throttled table with 429 and Retry-After, writes nothing, and succeeds on retry', async () => {
    const before = (await orgRecordItems(org)).length;
    fault.current = ({ commandName }) =>
      commandName === 'TransactWriteItemsCommand'
        ? awsError('ProvisionedThroughputExceededException')
        : undefined;
    const throttled = await call('/Patient', { token: await admin(), body: patient('Throttled') });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(field(throttled.json, 'issue', 0, 'code')).toBe('throttled');
    expect((await orgRecordItems(org)).length).toBe(before);

    fault.current = undefined;
    const retried = await call('/Patient', { token: await admin(), body: patient('Throttled') });
    expect(retried.status).toBe(201);
  });

  it('answers a transaction conflict with 503 and Retry-After and leaves no half write', async () => {
    const before = (await orgRecordItems(org)).length;
    fault.current = ({ commandName }) => {
      if (commandName !== 'TransactWriteItemsCommand') return undefined;
      const error = awsError('TransactionCanceledException');
      Object.assign(error, { CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] });
      return error;
    };
    const conflicted = await call('/Patient', { token: await admin(), body: patient('Conflicted') });
    expect(conflicted.status).toBe(503);
    expect(conflicted.headers.get('retry-after')).toBe('1');
    expect((await orgRecordItems(org)).length).toBe(before);
  });

  it('answers a timeout in the middle of a request with 503', async () => {
    const created = await call('/Patient', { token: await admin(), body: patient('Timeout') });
    const id = String(field(created.json, 'id'));
    fault.current = ({ commandName }) =>
      commandName === 'GetItemCommand' ? awsError('TimeoutError') : undefined;
    const timedOut = await call(`/Patient/${id}`, { token: await admin() });
    expect(timedOut.status).toBe(503);
    fault.current = undefined;
    expect((await call(`/Patient/${id}`, { token: await admin() })).status).toBe(200);
  });

  it('answers a failing key service with 503 and no data, and recovers', async () => {
    const created = await call('/Patient', { token: await admin(), body: patient('Keyless') });
    const id = String(field(created.json, 'id'));
    const working = recordEnvelope();
    setCrypto({
      envelope: {
        seal: () => Promise.reject(new KeyServiceError('KMS unavailable')),
        open: () => Promise.reject(new KeyServiceError('KMS unavailable')),
      },
    });
    const failed = await call(`/Patient/${id}`, { token: await admin() });
    expect(failed.status).toBe(503);
    expect(failed.text).not.toContain('Keyless');
    setCrypto({ envelope: working });
    expect((await call(`/Patient/${id}`, { token: await admin() })).status).toBe(200);
  });

  it('fails a read whose AuditEvent cannot be written with 503 and returns no data', async () => {
    const created = await call('/Patient', { token: await admin(), body: patient('Unaudited') });
    const id = String(field(created.json, 'id'));
    fault.current = ({ commandName }) =>
      commandName === 'PutItemCommand' ? awsError('InternalServerError') : undefined;
    const response = await call(`/Patient/${id}`, { token: await admin() });
    expect(response.status).toBe(503);
    expect(response.text).not.toContain('Unaudited');
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('answers an unexpected error with a 500 that shows nothing internal, and audits the failure', async () => {
    fault.current = ({ commandName }) =>
      commandName === 'TransactWriteItemsCommand'
        ? new Error('socket hang up at 10.0.0.1: secret detail')
        : undefined;
    const response = await call('/Patient', { token: await admin(), body: patient('Unexpected') });
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('secret detail');
    expect(field(response.json, 'issue', 0, 'diagnostics')).toBe('internal error');
    const requestId = response.headers.get('x-request-id');
    const events = (await orgAuditEvents(org)).filter(({ item }) =>
      String(item.event).includes(String(requestId)),
    );
    expect(events).toHaveLength(1);
    expect(field(events[0]?.event, 'outcome')).toBe('8');
  });
});
