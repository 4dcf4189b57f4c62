import type { Clock } from '../clock.js';
import { ConfigError } from '../config.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { Storage } from '../storage/storage.js';
import { CloudEyeEvents } from './cloud-eye-events.js';
import { ReloadingTokenFile, type TokenFileLogger } from './token-file.js';
import { TokenFileError } from './token-grants.js';

/** The Cloud Eye event API: reporting and reading events, guarded by `CES_TOKENS_FILE` when it is set. */
export function cloudEyeFeature({ config, clock, log, bus }: FeatureContext, storage: Storage): Feature {
  // Read now, so a token file that does not parse stops the start (exit 2); reloaded on change later.
  const path = config.cesTokensFile;
  const tokens = path === undefined ? undefined : openTokenFile(path, clock, log.child({ component: 'cloud-eye' }));
  const events = new CloudEyeEvents({
    catalogue: storage.catalogue,
    clock,
    clusterId: config.clusterId,
    retentionMs: config.customEventRetentionMs,
    publish: (reported) => bus.publish('customEvents', reported),
  });
  return {
    name: 'cloud-eye',
    app: {
      cloudEye: {
        events,
        ...(tokens !== undefined && { access: tokens }),
        rateLimit: { max: config.cesRateLimit, windowMs: config.cesRateLimitWindowMs },
      },
    },
    start() {
      if (tokens === undefined) {
        log.warn('Cloud Eye routes are open: CES_TOKENS_FILE is not set, so anyone who reaches the server can read and report events');
        return;
      }
      log.info({ file: path, tokens: tokens.grants.size }, 'Cloud Eye routes require a token granted by CES_TOKENS_FILE');
      tokens.start();
    },
    stop: () => tokens?.stop(),
  };
}

function openTokenFile(path: string, clock: Clock, log: TokenFileLogger): ReloadingTokenFile {
  try {
    return ReloadingTokenFile.open({ path, clock, log });
  } catch (err) {
    if (err instanceof TokenFileError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError('CES_TOKENS_FILE', path, `a JSON token file (${(err as Error).message})`);
    }
    throw err;
  }
}
