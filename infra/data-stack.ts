import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RecordsKeys } from './keys.ts';
import { RecordsStorage } from './storage.ts';

export interface DataStackProps extends StackProps {
  stage: string;
}

/**
 * Everything stateful: keys and tables (and their backups). Kept apart from the API so
 * that the API stack can be destroyed and redeployed freely; everything here is RETAIN.
 */
export class DataStack extends Stack {
  readonly keys: RecordsKeys;
  readonly storage: RecordsStorage;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.keys = new RecordsKeys(this, 'Keys', { stage: props.stage });
    this.storage = new RecordsStorage(this, 'Storage', { dataKey: this.keys.dataKey });
  }
}
