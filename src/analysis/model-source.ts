/** Shared by the parts of the analysis model: which way a metric is better, a metric's verdict, and where a fact comes from. */
export type Better = 'lower' | 'higher';

/** Where a figure or fact comes from (a URL, the study, the capability matrix, …). */
export interface SourceRef {
  /** Short human label, e.g. "the study, Table 7" or "AWS S3 pricing page". */
  label: string;
  url: string | null;
  /** Why there is no URL (every source has one or says why not). */
  noUrl: string | null;
  /** ISO date the source was read (prices change), or null when not applicable. */
  readOn: string | null;
}

/** What the test decided for one metric (a requirement that rests on a metric carries it too). */
export type Verdict =
  | {
      kind: 'winner';
      winner: string;
      /** Second best by median. */
      runnerUp: string;
      /** How much better the winner's median is than the runner-up's, % of the runner-up's. */
      improvementPct: number;
      /** The p that decided: the omnibus Holm p (2 platforms) or the winner-vs-runner-up pairwise Holm p (> 2). */
      pValue: number;
    }
  | {
      kind: 'no-significant-difference';
      /** Platforms that could not be told apart from the best (all of them with 2 platforms). */
      tied: string[];
      /** Best platform by median, for information only. */
      bestByMedian: string;
      /** The Holm p that was not significant: the omnibus one, or best vs runner-up when the omnibus was. */
      pValue: number;
      /** The distributions differ (p < α) but the medians are equal: no platform is better by median. */
      equalMedians: boolean;
    }
  | { kind: 'insufficient-data'; reason: string };
