/** The capability matrix and the business-requirement matrix of the analysis model. */
import type { Better, SourceRef, Verdict } from './model-source';
import type { Range } from './model-cost';

export type CapabilityType = 'boolean' | 'number' | 'ordinal' | 'text';

export interface CapabilityValue {
  value: string | number | boolean;
  source: SourceRef;
  /** Caveat on the fact, e.g. why it was inferred. */
  note: string | null;
  /**
   * Inferred rather than read in the source (e.g. its mark was lost in the copy we have): shown as
   * such, and it decides nothing unless requirements.yaml says `inferredFacts: include`.
   */
  inferred: boolean;
}

/** A criterion of platforms.yaml, as defined there. */
export interface CriterionDefinition {
  id: string;
  label: string;
  type: CapabilityType;
  /** number: 'higher'/'lower'; boolean: true is better; ordinal: later level is better; text: not compared. */
  better: Better | null;
  levels: string[] | null;
  unit: string | null;
}

export interface CapabilityCriterion extends CriterionDefinition {
  values: Record<string, CapabilityValue>;
  /** Platform with the uniquely best value, or null (tie, text, or fewer than 2 values). */
  best: string | null;
}

export interface CapabilityMatrix {
  platformsFile: string;
  platforms: string[];
  criteria: CapabilityCriterion[];
  /** Whether facts marked inferred decide `best` (requirements.yaml `inferredFacts`). */
  inferredFacts: 'include' | 'exclude';
}

export type EvidenceKind = 'metric' | 'capability' | 'cost' | 'load';

export interface Evidence {
  kind: EvidenceKind;
  /** Metric key, capability id or cost measure. */
  ref: string;
  label: string;
  weight: number;
  /** Platform credited with the weight, or null. */
  favours: string | null;
  /** True when this criterion added weight to a platform. */
  counted: boolean;
  /** The facts it was decided on (the presentation says them in words). */
  basis: EvidenceBasis;
}

export type EvidenceBasis =
  | {
      kind: 'metric';
      verdict: Verdict['kind'];
      /** The Holm-adjusted p the verdict rests on; null with insufficient data. */
      pValue: number | null;
      insufficientReason: string | null;
    }
  | {
      kind: 'capability';
      type: CapabilityType;
      /** Per platform of the run: its value and whether it was inferred; null without a value. */
      values: Record<string, { value: string | number | boolean; inferred: boolean } | null>;
      inferredFacts: 'include' | 'exclude';
    }
  | {
      kind: 'load';
      /** Per platform: capacity at the target, req/s (null: the first rate missed it). */
      capacities: Record<string, number | null>;
      pValue: number | null;
      /** The capacity verdict in words (from the load analysis). */
      verdict: string;
    }
  | {
      kind: 'cost';
      /** Per platform: the compared cost range; null when not priced or not measured. */
      ranges: Record<string, Range | null>;
      compare: 'range' | 'min' | 'max';
    };

export interface RequirementResult {
  id: string;
  title: string;
  description: string | null;
  scores: Record<string, number>;
  /** Highest total, or 'tie' when totals are equal or nothing was decisive. */
  best: string | 'tie';
  /** The counted evidence of `best` (all evidence is in `evidence`). */
  decidedBy: Evidence[];
  evidence: Evidence[];
  /** The study's Table 9 answer for this requirement, when it has one. */
  studyBest: string | null;
}

export interface RequirementMatrix {
  requirementsFile: string;
  scoringRule: string;
  requirements: RequirementResult[];
}
