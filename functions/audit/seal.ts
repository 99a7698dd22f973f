import { sealPending } from '../../shared/audit/seal.ts';
import { log } from '../../shared/base/logger.ts';

/** Scheduled job sealAuditLog (EventBridge, every `sealIntervalMinutes`, default 5) · seals every complete hour after the newest digest */
export const handler = async (): Promise<{ sealed: number; alreadySealed: number }> => {
  const report = await sealPending();
  log().info('access log sealed', {
    sealed: report.sealed.length,
    first: report.sealed[0],
    last: report.sealed[report.sealed.length - 1],
    alreadySealed: report.alreadySealed.length,
  });
  return { sealed: report.sealed.length, alreadySealed: report.alreadySealed.length };
};
