import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditChain } from './audit-chain.ts';
import { RecordsKeys } from './keys.ts';
import { guardStackLimits } from './route-group.ts';
import { RecordsStorage } from './storage.ts';

export interface DataStackProps extends StackProps {
  stage: string;
}

/**
 * Everything stateful: keys, tables (and their backups), the access log's archive and the
 * roles its key and bucket policies name. Kept apart from the API so
 * that the API stack can be destroyed and redeployed freely; everything here is RETAIN.
 */
export class DataStack extends Stack {
  readonly keys: RecordsKeys;
  readonly storage: RecordsStorage;
  readonly auditChain: AuditChain;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    guardStackLimits(this);
    this.keys = new RecordsKeys(this, 'Keys', { stage: props.stage });
    this.storage = new RecordsStorage(this, 'Storage', { dataKey: this.keys.dataKey, stage: props.stage });
    this.auditChain = new AuditChain(this, 'AuditChain', {
      signingKey: this.keys.signingKey,
      archiveKey: this.keys.archiveKey,
    });
  }
}
