/** The platforms of a run as the adapters need them: local-stack references resolved. */
import { ConfigError, type ExperimentConfig } from '../config/experiment';
import type { PlatformConfig } from '../config/targets';
import { localPlatforms } from '../local/platforms';
import type { LocalStackConfig } from '../local/stack-types';

/** Resolves local-stack references into full platform configs. */
export function resolvePlatforms(
  config: ExperimentConfig,
  local: LocalStackConfig | undefined,
): Record<string, PlatformConfig> {
  const out: Record<string, PlatformConfig> = {};
  for (const [name, spec] of Object.entries(config.platforms)) {
    if (typeof spec === 'string') {
      if (!local) {
        throw new ConfigError(`config.platforms.${name} is "${spec}": start the local stack for it (cloudbench run --local)`);
      }
      out[name] = localPlatforms(local)[spec.slice('local:'.length) as 'aws' | 'azure' | 'gcp'];
    } else {
      out[name] = spec;
    }
  }
  return out;
}
