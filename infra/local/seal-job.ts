import { sealPending } from '../../shared/audit/seal.ts';
import { log } from '../../shared/base/logger.ts';
import { config } from '../../shared/config.ts';

/**
 * The seal job's schedule, locally: every `SEAL_INTERVAL_MINUTES` (as EventBridge runs it
 * in AWS), first right after start, so that the local chain is as current as a deployed one.
 */
export function startLocalSealJob(): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(async () => {
      try {
        const report = await sealPending();
        if (report.sealed.length > 0) {
          log().info('access log sealed', { sealed: report.sealed.length, last: report.sealed.at(-1) });
        }
      } catch (error) {
        log().error('access log seal failed', { error: error instanceof Error ? error.name : 'unknown' });
      }
    });
  };
  const timer = setInterval(run, config().SEAL_INTERVAL_MINUTES * 60_000);
  timer.unref();
  run();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
