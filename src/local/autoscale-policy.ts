/**
 * The local endpoints' autoscaling policy, modelled on SageMaker's target tracking on
 * InvocationsPerInstance and Azure ML's instance bounds: keep in-flight requests per instance near
 * a target, between MIN and MAX instances; a new instance serves only after a provisioning delay
 * (and then its real model load); scale-in removes one idle instance at a time, and only after
 * demand has stayed below the current count for a whole cool-down. Decisions only: the pool acts.
 */

export interface AutoscalePolicy {
  min: number;
  max: number;
  /** Requests in flight (queued + being served) per instance the policy aims for. */
  targetInFlight: number;
  /** From the decision to add an instance until it starts loading its model, ms. */
  provisionMs: number;
  /** Demand must stay below the instance count this long before one instance is removed, ms. */
  cooldownMs: number;
}

export const AUTOSCALE_DEFAULTS = { targetInFlight: 1, provisionMs: 2000, cooldownMs: 15_000 } as const;
/** Worker threads are ~200 MB each: more than this on one machine is a typo. */
export const MAX_LOCAL_INSTANCES = 32;

/** `MIN..MAX` (e.g. `1..4`, `0..2`: scale to zero allowed), or an error in words. */
export function parseInstanceRange(text: string): { min: number; max: number } | { error: string } {
  const m = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  if (!m) return { error: `expected MIN..MAX instances, e.g. 1..4, got ${JSON.stringify(text)}` };
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (max < 1) return { error: `MAX must be at least 1, got ${text}` };
  if (min > max) return { error: `MIN (${min}) is above MAX (${max})` };
  if (max > MAX_LOCAL_INSTANCES) return { error: `MAX is at most ${MAX_LOCAL_INSTANCES} on one machine (each instance is a detector worker of ~200 MB), got ${max}` };
  return { min, max };
}

export type ScaleAction = { add: number } | { remove: 1 } | null;

export class Autoscaler {
  /** Since when demand has been below the current count (null: it is not). */
  private lowSince: number | null = null;

  constructor(readonly policy: AutoscalePolicy) {}

  /** Instances the demand calls for, within bounds. */
  desired(inFlight: number): number {
    const want = Math.ceil(inFlight / this.policy.targetInFlight);
    return Math.min(this.policy.max, Math.max(this.policy.min, want));
  }

  /** `current` counts instances serving and being provisioned. */
  decide(now: number, inFlight: number, current: number): ScaleAction {
    const desired = this.desired(inFlight);
    if (desired > current) {
      this.lowSince = null;
      return { add: desired - current };
    }
    if (desired === current) {
      this.lowSince = null;
      return null;
    }
    this.lowSince ??= now;
    if (now - this.lowSince < this.policy.cooldownMs) return null;
    // One at a time, each after a full cool-down of its own.
    this.lowSince = now;
    return { remove: 1 };
  }
}
