import { describe, expect, it } from 'vitest';
import { contractsFor } from '../../../shared/http/contract.ts';
import { IdParams } from '../../../shared/http/params.ts';

describe('contractsFor', () => {
  it('stamps each contract with its key as the route id and keeps the rest as it was', () => {
    const contracts = contractsFor({
      readPatient: { params: IdParams },
      createPatient: { idempotencyKey: true },
    });
    expect(contracts.readPatient).toEqual({ id: 'readPatient', params: IdParams });
    expect(contracts.createPatient).toEqual({ id: 'createPatient', idempotencyKey: true });
  });

  it('refuses, at compile time, a key that names no route', () => {
    // @ts-expect-error `readPatients` is no route id
    expect(contractsFor({ readPatients: {} })).toEqual({ readPatients: { id: 'readPatients' } });
  });
});
