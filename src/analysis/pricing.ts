/** templates/pricing.yaml: per platform, its priced resources (validated, every error names the field). */
import type { Field } from '../config/validate';
import { ConfigError } from '../config/validate';
import type { PricedResource, PriceUnit, ResourceRole } from './model';
import { optionalText, parseSourceRef, readTemplate, TEMPLATE_FILES, withFileName } from './template-files';

export const PRICE_UNITS: readonly PriceUnit[] = ['hour', 'GB-month', '1000 requests', '10000 requests', 'GB egress'];
export const RESOURCE_ROLES: readonly ResourceRole[] = ['storage', 'client', 'inference', 'storage-write', 'storage-read', 'egress'];

/** Which units make sense for a role: a per-hour price on a request meter is a typo, not data. */
const UNITS_OF_ROLE: Record<ResourceRole, readonly PriceUnit[]> = {
  storage: ['GB-month'],
  client: ['hour'],
  inference: ['hour'],
  'storage-write': ['1000 requests', '10000 requests'],
  'storage-read': ['1000 requests', '10000 requests'],
  egress: ['GB egress'],
};

export interface PlatformPricing {
  currency: string;
  region: string;
  resources: PricedResource[];
}

export interface Pricing {
  file: string;
  bytesPerGB: number;
  hoursPerDay: number;
  platforms: Record<string, PlatformPricing>;
}

const CURRENCY = /^[A-Z]{3}$/;

function parseResource(f: Field, platform: { currency: string; region: string }): PricedResource {
  f.onlyKeys(['id', 'service', 'type', 'role', 'price', 'unit', 'instances', 'region', 'currency', 'source', 'note']);
  const role = f.child('role').oneOf(RESOURCE_ROLES);
  const unit = f.child('unit').oneOf(PRICE_UNITS);
  if (!UNITS_OF_ROLE[role].includes(unit)) {
    throw new ConfigError(`${f.path}.unit: a ${role} resource is priced per ${UNITS_OF_ROLE[role].join(' or ')}, got "${unit}"`);
  }
  const instancesField = f.child('instances');
  let instances = { min: 1, max: 1 };
  if (instancesField.present) {
    if (unit !== 'hour') throw new ConfigError(`${instancesField.path}: only hour-priced resources autoscale`);
    instancesField.onlyKeys(['min', 'max']);
    const min = instancesField.child('min').int({ min: 1 });
    const max = instancesField.child('max').int({ min });
    instances = { min, max };
  }
  return {
    id: f.child('id').string(),
    service: f.child('service').string(),
    type: f.child('type').string(),
    role,
    price: f.child('price').number({ min: 0 }),
    unit,
    currency: f.child('currency').string({ default: platform.currency, pattern: CURRENCY, patternHint: 'a 3-letter currency code like USD' }),
    region: f.child('region').string({ default: platform.region }),
    instances,
    source: parseSourceRef(f.child('source')),
    note: optionalText(f.child('note')),
  };
}

/** Validates a parsed pricing document (the root Field of pricing.yaml). */
export function parsePricing(root: Field, file: string = TEMPLATE_FILES.pricing): Pricing {
  return withFileName(file, () => {
    root.onlyKeys(['schema', 'bytesPerGB', 'hoursPerDay', 'platforms']);
    root.child('schema').int({ min: 1, max: 1, default: 1 });
    const platformsField = root.child('platforms');
    const platforms: Record<string, PlatformPricing> = {};
    for (const name of Object.keys(platformsField.object())) {
      const p = platformsField.child(name);
      p.onlyKeys(['currency', 'region', 'resources']);
      const currency = p.child('currency').string({ pattern: CURRENCY, patternHint: 'a 3-letter currency code like USD' });
      const region = p.child('region').string();
      const resources = p.child('resources').array().map((r) => parseResource(r, { currency, region }));
      const seen = new Set<string>();
      resources.forEach((r, i) => {
        if (seen.has(r.id)) throw new ConfigError(`${p.path}.resources[${i}].id: "${r.id}" is used twice`);
        seen.add(r.id);
        // Totals add prices up, so a platform must be priced in one currency.
        if (r.currency !== currency) {
          throw new ConfigError(`${p.path}.resources[${i}].currency: ${r.currency} differs from the platform's ${currency}`);
        }
      });
      platforms[name] = { currency, region, resources };
    }
    return {
      file,
      bytesPerGB: root.child('bytesPerGB').number({ min: 1, default: 2 ** 30 }),
      hoursPerDay: root.child('hoursPerDay').number({ min: 1, max: 24, default: 24 }),
      platforms,
    };
  });
}

export function loadPricing(templatesDir: string): Pricing {
  const doc = readTemplate(templatesDir, TEMPLATE_FILES.pricing)!;
  return parsePricing(doc.root, doc.file);
}
