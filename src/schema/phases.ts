/** The study's three phases of every batch, in the order they run. */
export const PHASES = ['upload', 'download', 'inference'] as const;
export type Phase = (typeof PHASES)[number];
