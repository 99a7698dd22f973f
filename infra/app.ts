import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { defineRecordsApp } from './records-app.ts';
import { parseStageConfig } from './stage.ts';

/**
 * `npx cdk synth` / `npx cdk deploy --all`: one stage, from context (cdk.json or `-c`).
 * HIPAA Security and AWS Solutions checks run at synth; an unacknowledged finding fails it.
 */
const app = new App();
const stage = parseStageConfig((key) => app.node.tryGetContext(key));
defineRecordsApp(app, {
  ...stage,
  account: stage.account ?? process.env.CDK_DEFAULT_ACCOUNT,
});
Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new AwsSolutionsChecks(app));
app.synth();
