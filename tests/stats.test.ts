/**
 * Statistics toolkit against independent reference values. Sources:
 *  - R documentation examples (kruskal.test), quoted from the R help page;
 *  - scipy 1.17.1 run on this machine (scipy.stats.kruskal / mannwhitneyu,
 *    including the examples of their docs), numpy.percentile (type 7);
 *  - mpmath 1.3.0 at 30 significant digits for special functions;
 *  - hand derivations, shown in comments.
 * No expected value here was produced by the module under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  bootstrapMedianDiffCI,
  chiSquareSurvival,
  cliffsDelta,
  holm,
  kruskalWallis,
  logGamma,
  mannWhitneyU,
  normalCdf,
  normalSurvival,
  regularizedGammaP,
  regularizedGammaQ,
  StatsInputError,
  summarize,
  tieCorrectionSum,
  varghaDelaneyA,
} from '../src/analysis/stats';
import { mulberry32 } from '../src/random';
import { medianInPlace } from '../src/analysis/bootstrap';

/** |actual − expected| ≤ rel·|expected| (relative check, meaningful at 1e-39 too). */
function assertClose(actual: number | null, expected: number, rel = 1e-12, label = ''): void {
  assert.ok(actual !== null, `${label} is null`);
  const tolerance = rel * Math.abs(expected) + (expected === 0 ? rel : 0);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected}, got ${actual} (rel tol ${rel})`,
  );
}

// ---------------------------------------------------------------- special functions

test('logGamma matches mpmath.loggamma', () => {
  assertClose(logGamma(0.5), 0.57236494292470008707, 1e-14, 'lnΓ(0.5) = ln√π');
  assertClose(logGamma(1e-3), 6.9071788853838536617, 1e-14, 'lnΓ(0.001)');
  assertClose(logGamma(3.7), 1.4280723266653881292, 1e-14, 'lnΓ(3.7)');
  assertClose(logGamma(100.5), 361.43554046777762156, 1e-14, 'lnΓ(100.5)');
  assertClose(logGamma(1e5), 1051287.7089736568949, 1e-14, 'lnΓ(1e5)');
  // Hand: Γ(10) = 9! = 362880.
  assertClose(logGamma(10), Math.log(362880), 1e-14, 'lnΓ(10)');
});

test('regularized incomplete gamma P and Q match mpmath.gammainc(regularized=True)', () => {
  const cases: Array<[a: number, x: number, P: number, Q: number]> = [
    [2.5, 3.0, 0.6937810815867216, 0.3062189184132784],
    [10, 5, 0.031828057306204812, 0.96817194269379519],
    [10, 15, 0.93014633930059023, 0.069853660699409768],
    [0.5, 0.1, 0.34527915398142298, 0.65472084601857702],
    [3, 1e-3, 1.6654171665278076e-10, 0.99999999983345828],
    [100, 90, 0.15822098918643017, 0.84177901081356983],
    [100, 110, 0.84172132993991291, 0.15827867006008709],
  ];
  for (const [a, x, P, Q] of cases) {
    assertClose(regularizedGammaP(a, x), P, 1e-12, `P(${a}, ${x})`);
    assertClose(regularizedGammaQ(a, x), Q, 1e-12, `Q(${a}, ${x})`);
  }
});

test('Q keeps full relative precision deep in the upper tail', () => {
  // Hand: Q(1, x) = e^{-x} exactly; e^{-690} ≈ 2.17e-300 (mpmath: 2.171738281389827e-300).
  assertClose(regularizedGammaQ(1, 690), 2.171738281389827e-300, 1e-12, 'Q(1, 690)');
  assertClose(regularizedGammaQ(50, 300), 2.4188285833464858e-72, 1e-12, 'Q(50, 300)');
  // Q(1/2, x²) = erfc(x); mpmath, x² = 40368/466 (the 116-vs-116 Kruskal–Wallis case below).
  assertClose(regularizedGammaQ(0.5, 40368 / 466), 1.4410180361692507e-39, 1e-12, 'Q(0.5, 86.63)');
  assert.equal(regularizedGammaQ(3, 0), 1);
  assert.equal(regularizedGammaP(3, 0), 0);
});

test('normal CDF and survival match mpmath.ncdf, including both tails', () => {
  assert.equal(normalCdf(0), 0.5);
  assertClose(normalCdf(1), 0.84134474606854295, 1e-14, 'Φ(1)');
  assertClose(normalCdf(-1.96), 0.024997895148220436, 1e-13, 'Φ(-1.96)');
  assertClose(normalSurvival(3), 0.0013498980316300945, 1e-13, 'sf(3)');
  assertClose(normalSurvival(8), 6.2209605742717841e-16, 1e-12, 'sf(8)');
  assertClose(normalSurvival(10), 7.6198530241605261e-24, 1e-12, 'sf(10)');
  assertClose(normalCdf(-20), 2.7536241186062337e-89, 1e-12, 'Φ(-20)');
  assertClose(normalCdf(-37), 5.7255712225245768e-300, 1e-11, 'Φ(-37)');
});

// ---------------------------------------------------------------- descriptive

test('summarize matches numpy.percentile (linear = R quantile type 7)', () => {
  const x = [12.1, 3.4, 7.7, 15.0, 9.9, 4.2, 8.8];
  const s = summarize(x);
  assert.equal(s.n, 7);
  // numpy: mean 8.72857142857143, std(ddof=1) 4.123798526324277
  assertClose(s.mean, 8.72857142857143, 1e-13, 'mean');
  assertClose(s.sd, 4.123798526324277, 1e-13, 'sd');
  assert.equal(s.min, 3.4);
  assert.equal(s.max, 15.0);
  // numpy.percentile(x, [5, 25, 50, 75, 90, 95, 99])
  // = [3.64, 5.95, 8.8, 11.0, 13.26, 14.13, 14.826]
  // Hand check of p25: sorted = 3.4 4.2 7.7 8.8 9.9 12.1 15.0, h = 6·0.25 = 1.5
  // → 4.2 + 0.5·(7.7 − 4.2) = 5.95.
  assertClose(s.p5, 3.64, 1e-13, 'p5');
  assertClose(s.p25, 5.95, 1e-13, 'p25');
  assertClose(s.median, 8.8, 1e-13, 'median');
  assertClose(s.p75, 11.0, 1e-13, 'p75');
  assertClose(s.p90, 13.26, 1e-13, 'p90');
  assertClose(s.p95, 14.13, 1e-13, 'p95');
  assertClose(s.p99, 14.826, 1e-13, 'p99');
});

test('summarize on 1..10 matches R quantile(1:10) = 1, 3.25, 5.5, 7.75, 10', () => {
  const s = summarize([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(s.min, 1);
  assert.equal(s.p25, 3.25);
  assert.equal(s.median, 5.5);
  assert.equal(s.p75, 7.75);
  assert.equal(s.max, 10);
  // Hand: sd(1:10) = sqrt(Σ(i − 5.5)² / 9) = sqrt(82.5 / 9).
  assertClose(s.sd, Math.sqrt(82.5 / 9), 1e-14, 'sd');
});

test('summarize with n = 1: every location statistic is the value, sd is null', () => {
  const s = summarize([42]);
  assert.deepEqual(s, {
    n: 1, mean: 42, sd: null, median: 42, min: 42, max: 42,
    p5: 42, p25: 42, p75: 42, p90: 42, p95: 42, p99: 42,
  });
});

test('invalid input is rejected with StatsInputError', () => {
  assert.throws(() => summarize([]), StatsInputError);
  assert.throws(() => summarize([1, NaN]), StatsInputError);
  assert.throws(() => summarize([1, Infinity]), StatsInputError);
  assert.throws(() => kruskalWallis([[1, 2]]), StatsInputError);
  assert.throws(() => kruskalWallis([[1, 2], []]), StatsInputError);
  assert.throws(() => kruskalWallis([[1, 2], [3, NaN]]), StatsInputError);
  assert.throws(() => kruskalWallis([[5, 5], [5, 5, 5]]), StatsInputError, 'all identical');
  assert.throws(() => mannWhitneyU([], [1]), StatsInputError);
  assert.throws(() => mannWhitneyU([1, 2], [2, 3], { method: 'exact' }), StatsInputError, 'exact with ties');
  assert.throws(() => mannWhitneyU([1, 1], [1, 1]), StatsInputError, 'all identical');
  assert.throws(() => cliffsDelta([1], [-Infinity]), StatsInputError);
  assert.throws(() => holm([0.5, 1.2]), StatsInputError);
  assert.throws(() => bootstrapMedianDiffCI([1], [2], { level: 1 }), StatsInputError);
});

// ---------------------------------------------------------------- ranks

test('averageRanks gives tied values the mean of their ranks', () => {
  // Hand: sorted 1, 2, 2, 3, 3, 3 → ranks 1, 2.5, 2.5, 5, 5, 5.
  const { ranks, tieGroupSizes } = averageRanks([3, 2, 1, 3, 2, 3]);
  assert.deepEqual(ranks, [5, 2.5, 1, 5, 2.5, 5]);
  assert.deepEqual(tieGroupSizes, [2, 3]);
  // Hand: (8 − 2) + (27 − 3) = 30.
  assert.equal(tieCorrectionSum(tieGroupSizes), 30);
});

// ---------------------------------------------------------------- Kruskal–Wallis

test('Kruskal–Wallis: R kruskal.test help example (Hollander & Wolfe)', () => {
  // R: "Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68";
  // scipy.stats.kruskal: statistic 0.7714285714285722, pvalue 0.6799647735788936.
  const x = [2.9, 3.0, 2.5, 2.6, 3.2];
  const y = [3.8, 2.7, 4.0, 2.4];
  const z = [2.8, 3.4, 3.7, 2.2, 2.0];
  const r = kruskalWallis([x, y, z]);
  assertClose(r.H, 0.7714285714285722, 1e-12, 'H');
  assert.equal(r.df, 2);
  assert.equal(r.n, 14);
  assertClose(r.pValue, 0.6799647735788936, 1e-12, 'p');
  assert.equal(r.H.toFixed(5), '0.77143');
  assert.equal(r.pValue.toFixed(2), '0.68');
});

test('Kruskal–Wallis: scipy.stats.kruskal docs examples, one with heavy ties', () => {
  const r1 = kruskalWallis([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]]);
  assertClose(r1.H, 0.2727272727272734, 1e-12, 'H (no ties)');
  assertClose(r1.pValue, 0.6015081344405895, 1e-12, 'p (no ties)');

  // scipy: kruskal([1,1,1], [2,2,2], [2,2]) → statistic 7.0, pvalue 0.0301973834223185.
  // Hand: ranks 2,2,2 | 6,6,6 | 6,6; uncorrected H = 12/(8·9)(36/3 + 324/3 + 144/2) − 27
  // = 5.25, tie factor 1 − (24 + 120)/(512 − 8) = 0.75, H = 7: the correction matters.
  const r2 = kruskalWallis([[1, 1, 1], [2, 2, 2], [2, 2]]);
  assertClose(r2.H, 7.0, 1e-12, 'H (ties)');
  assertClose(r2.pValue, 0.0301973834223185, 1e-12, 'p (ties)');
  // Hand: χ²(2) survival is e^{-x/2}, so p = e^{-3.5}.
  assertClose(r2.pValue, Math.exp(-3.5), 1e-12, 'p = e^-3.5');
});

test('Kruskal–Wallis: two fully separated groups of 116 give p ≈ 1.44e-39, not 0', () => {
  // Hand: groups of n with ranks 1..n and n+1..2n give
  //   Σ R²/n = n[(n+1)² + (3n+1)²]/4,  H = 12/(2n(2n+1)) · Σ − 3(2n+1) = 3n²/(2n+1).
  // n = 116: H = 40368/233 ≈ 173.2532188841. p = Q(1/2, H/2) = erfc(√(H/2));
  // mpmath: 1.4410180361692517e-39 (scipy.stats.kruskal: 1.4410180361692426e-39).
  const low = Array.from({ length: 116 }, (_, i) => 1 + i * 0.5);
  const high = Array.from({ length: 116 }, (_, i) => 1000 + i * 0.25);
  const r = kruskalWallis([high, low]);
  assertClose(r.H, 40368 / 233, 1e-12, 'H');
  assert.equal(r.df, 1);
  assert.equal(r.n, 232);
  assertClose(r.pValue, 1.4410180361692517e-39, 1e-11, 'p');
});

test('Kruskal–Wallis with 2 groups equals Mann–Whitney (asymptotic, no continuity)', () => {
  // Identity: for k = 2, H = z² with the same tie-corrected variance, so the
  // χ²(1) and two-sided normal p-values coincide. scipy on this data:
  // kruskal p = 0.178643103492232, mannwhitneyu(use_continuity=False) p = 0.17864310349223578.
  const x = [3, 4, 4, 5, 7, 7, 7, 9, 10, 12];
  const y = [1, 2, 3, 3, 4, 5, 6, 6, 8, 8, 9];
  const kw = kruskalWallis([x, y]);
  const mw = mannWhitneyU(x, y, { continuity: false, method: 'asymptotic' });
  assertClose(kw.pValue, mw.pValue, 1e-12, 'KW p vs MW p');
  assertClose(kw.H, (mw.z as number) ** 2, 1e-12, 'H = z²');
  assertClose(kw.H, 1.8088761632068728, 1e-12, 'H (scipy)');
  assertClose(kw.pValue, 0.178643103492232, 1e-12, 'p (scipy)');
});

// ---------------------------------------------------------------- Mann–Whitney

test('Mann–Whitney: scipy.stats.mannwhitneyu docs example (males vs females)', () => {
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];
  // scipy: U = 17, exact p = 0.1111111111111111 = 14/126 (C(9, 4) = 126 arrangements).
  const exact = mannWhitneyU(males, females);
  assert.equal(exact.method, 'exact');
  assert.equal(exact.U, 17);
  assert.equal(exact.z, null);
  assertClose(exact.pValue, 14 / 126, 1e-14, 'exact p');
  // scipy method='asymptotic': p = 0.11134688653314041 (docs quote 0.11134688653314041).
  const asym = mannWhitneyU(males, females, { method: 'asymptotic' });
  assert.equal(asym.method, 'asymptotic');
  assert.equal(asym.U, 17);
  assertClose(asym.pValue, 0.11134688653314041, 1e-12, 'asymptotic p');
  // Hand: mean 10, sd √(20·10/12) = √(50/3), z = (17 − 10 − 0.5)/sd.
  assertClose(asym.z, 6.5 / Math.sqrt(50 / 3), 1e-14, 'z');
  // scipy use_continuity=False: p = 0.0864107329737.
  const raw = mannWhitneyU(males, females, { method: 'asymptotic', continuity: false });
  assertClose(raw.pValue, 0.0864107329737, 1e-11, 'no-continuity p');
  // U of the other sample mirrors, the two-sided p does not change.
  const swapped = mannWhitneyU(females, males);
  assert.equal(swapped.U, 3);
  assertClose(swapped.pValue, exact.pValue, 1e-14, 'swapped p');
});

test('Mann–Whitney auto rule: exact when either sample has ≤ 8 values and no ties (scipy 1.17)', () => {
  // scipy auto: U = 26, p = 0.7634105025409372 (exact; asymptotic would be 0.7493437330009677).
  const a = [1.5, 20.5, 33.5];
  const b = [...Array.from({ length: 19 }, (_, i) => 2 + 2 * i), 41];
  const r = mannWhitneyU(a, b);
  assert.equal(r.method, 'exact');
  assert.equal(r.U, 26);
  assertClose(r.pValue, 0.7634105025409372, 1e-12, 'p');

  // scipy auto on 6 vs 300 (exact): U = 1714, p = 2.924773639729231e-06.
  const bigB = Array.from({ length: 300 }, (_, i) => i + 1);
  const r2 = mannWhitneyU([250.5, 280.5, 290.5, 295.5, 299.5, 300.5], bigB);
  assert.equal(r2.method, 'exact');
  assert.equal(r2.U, 1714);
  assertClose(r2.pValue, 2.924773639729231e-6, 1e-10, 'p 6 vs 300');

  // Ties force the asymptotic method. scipy: U = 74, p = 0.1903476425757944.
  const r3 = mannWhitneyU([3, 4, 4, 5, 7, 7, 7, 9, 10, 12], [1, 2, 3, 3, 4, 5, 6, 6, 8, 8, 9]);
  assert.equal(r3.method, 'asymptotic');
  assert.equal(r3.U, 74);
  assertClose(r3.pValue, 0.1903476425757944, 1e-12, 'p ties');
});

test('Mann–Whitney exact distribution: tails and a forced-exact larger case', () => {
  // Hand: fully separated samples of 8 and 8: only one arrangement per tail,
  // p = 2 / C(16, 8) = 2 / 12870.
  const top = Array.from({ length: 8 }, (_, i) => 9 + i);
  const bottom = Array.from({ length: 8 }, (_, i) => 1 + i);
  assertClose(mannWhitneyU(top, bottom).pValue, 2 / 12870, 1e-13, '8 vs 8');
  // Hand: 8 vs 300 fully separated, p = 2 / C(308, 8) = 2 / 1832649805164486.
  const r = mannWhitneyU(Array.from({ length: 8 }, (_, i) => 301 + i), Array.from({ length: 300 }, (_, i) => 1 + i));
  assert.equal(r.method, 'exact');
  assertClose(r.pValue, 2 / 1832649805164486, 1e-12, '8 vs 300');
  // scipy method='exact' on 20 vs 25: U = 171, p = 0.07274133933427013.
  const a = Array.from({ length: 20 }, (_, i) => 3 * i + 0.5);
  const b = Array.from({ length: 25 }, (_, i) => 5 + 3 * i);
  const forced = mannWhitneyU(a, b, { method: 'exact' });
  assert.equal(forced.U, 171);
  assertClose(forced.pValue, 0.07274133933427013, 1e-12, '20 vs 25 exact');
  // scipy auto (asymptotic, both > 8): p = 0.07296231449886623.
  assertClose(mannWhitneyU(a, b).pValue, 0.07296231449886623, 1e-12, '20 vs 25 asymptotic');
});

// ---------------------------------------------------------------- effect sizes

test('Cliff’s delta and Vargha–Delaney A', () => {
  // A = U / (n·m): scipy's U = 17 for the males/females example → 17/20; δ = 2A − 1 = 0.7.
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];
  assertClose(varghaDelaneyA(males, females), 17 / 20, 1e-15, 'A');
  assertClose(cliffsDelta(males, females), 0.7, 1e-15, 'δ');
  // Hand, with ties: a = [1, 2, 3], b = [2, 2, 4]. Pairs (9): a>b: 3>2, 3>2 → 2;
  // a<b: 1<2,1<2,1<4,2<4,3<4 → 5; ties: 2=2, 2=2 → 2.
  // δ = (2 − 5)/9 = −1/3, A = (2 + 0.5·2)/9 = 1/3.
  assertClose(cliffsDelta([1, 2, 3], [2, 2, 4]), -1 / 3, 1e-15, 'δ ties');
  assertClose(varghaDelaneyA([1, 2, 3], [2, 2, 4]), 1 / 3, 1e-15, 'A ties');
  assert.equal(cliffsDelta([10, 11], [1, 2, 3]), 1);
  assert.equal(varghaDelaneyA([1, 2, 3], [10, 11]), 0);
});

// ---------------------------------------------------------------- Holm

test('holm matches R p.adjust(p, "holm")', () => {
  // Hand (R's algorithm: pmin(1, cummax((n − i + 1) · p[o]))[order(o)]):
  // p = 0.01, 0.04, 0.03, 0.005 → sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
  // 0.03·2 = 0.06, 0.04·1 = 0.04 → cummax 0.06.
  const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => assertClose(adjusted[i], e, 1e-14, `holm[${i}]`));
  // Capping: 0.01·3 = 0.03, 0.5·2 = 1.0, 0.6·1 = 0.6 → cummax 1.0.
  const capped = holm([0.5, 0.6, 0.01]);
  [1, 1, 0.03].forEach((e, i) => assertClose(capped[i], e, 1e-14, `capped[${i}]`));
  assert.deepEqual(holm([]), []);
  assert.deepEqual(holm([0.2]), [0.2]);
});

// ---------------------------------------------------------------- bootstrap

test('mulberry32 matches an independent Python re-implementation for seed 1', () => {
  // Python (32-bit masked arithmetic) first outputs for seed 1.
  const random = mulberry32(1);
  assert.equal(random(), 0.6270739405881613);
  assert.equal(random(), 0.002735721180215478);
  assert.equal(random(), 0.5274470399599522);
});

test('bootstrapMedianDiffCI is reproducible and covers a clear-cut difference', () => {
  // a = 101..200, b = 1..100: hand, medians 150.5 and 50.5 → true difference 100.
  const a = Array.from({ length: 100 }, (_, i) => 101 + i);
  const b = Array.from({ length: 100 }, (_, i) => 1 + i);
  const first = bootstrapMedianDiffCI(a, b, { iterations: 2000, seed: 7 });
  const again = bootstrapMedianDiffCI(a, b, { iterations: 2000, seed: 7 });
  assert.deepEqual(first, again);
  assert.equal(first.estimate, 100);
  assert.equal(first.iterations, 2000);
  assert.equal(first.level, 0.95);
  assert.equal(first.seed, 7);
  assert.ok(first.lower < 100 && 100 < first.upper, `CI [${first.lower}, ${first.upper}] contains 100`);
  assert.ok(first.lower > 0, 'CI excludes 0');
  // Width sanity: the sd of a median of 100 uniform values over a range of 100 is
  // ≈ 100/(2√100) = 5, so each side of the CI should be within ~±30.
  assert.ok(first.upper - first.lower < 60);

  const otherSeed = bootstrapMedianDiffCI(a, b, { iterations: 2000, seed: 8 });
  assert.notDeepEqual([otherSeed.lower, otherSeed.upper], [first.lower, first.upper]);

  // Defaults as documented.
  const defaults = bootstrapMedianDiffCI([1, 2, 3], [1, 2, 3]);
  assert.equal(defaults.iterations, 10_000);
  assert.equal(defaults.seed, 1);
  assert.equal(defaults.level, 0.95);
  assert.equal(defaults.estimate, 0);
});

test('the bootstrap draws what src/random.ts mulberry32 draws: its interval equals a plain re-implementation', () => {
  // The bootstrap inlines the generator for speed; this pins it to the shared one. Reference:
  // mulberry32 floats, index = floor(u·n), sort-based medians, type-7 quantiles of the differences.
  const a = [3.1, 7.4, 2.2, 9.9, 5.5, 6.1, 4.8, 8.0, 1.7];
  const b = [2.0, 6.6, 3.3, 4.1, 7.7, 5.0, 2.9, 6.2];
  const iterations = 200;
  const level = 0.9;
  const random = mulberry32(11);
  const med = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const draw = (xs: number[]) => xs.map(() => xs[Math.floor(random() * xs.length)]);
  const diffs = Array.from({ length: iterations }, () => med(draw(a)) - med(draw(b))).sort((x, y) => x - y);
  const type7 = (p: number) => {
    const h = (diffs.length - 1) * p;
    const lo = Math.floor(h);
    return diffs[lo] + (h - lo) * (diffs[Math.min(lo + 1, diffs.length - 1)] - diffs[lo]);
  };
  const got = bootstrapMedianDiffCI(a, b, { iterations, seed: 11, level });
  assert.equal(got.lower, type7((1 - level) / 2));
  assert.equal(got.upper, type7((1 + level) / 2));
});

test('chi-square survival for df = 2 is e^{-x/2} (hand)', () => {
  assertClose(chiSquareSurvival(10, 2), Math.exp(-5), 1e-13, 'χ²₂ sf(10)');
  assertClose(chiSquareSurvival(600, 2), Math.exp(-300), 1e-12, 'χ²₂ sf(600)');
  assert.equal(chiSquareSurvival(0, 3), 1);
});

test('the bootstrap\'s in-place median is the sorted median, for any size, ties, sorted or constant input', () => {
  const random = mulberry32(11);
  const sortedMedian = (a: Float64Array) => {
    const s = Float64Array.from(a).sort();
    const n = s.length;
    return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
  };
  const cases: Float64Array[] = [
    Float64Array.from([3]),
    Float64Array.from([2, 1]),
    Float64Array.from({ length: 117 }, (_, i) => i),
    Float64Array.from({ length: 116 }, (_, i) => 116 - i),
    new Float64Array(50).fill(7),
  ];
  for (let t = 0; t < 5000; t++) {
    const n = 1 + Math.floor(random() * 150);
    const ties = random() < 0.5;
    cases.push(Float64Array.from({ length: n }, () => (ties ? Math.floor(random() * 5) : random() * 200 - 100)));
  }
  for (const c of cases) assert.equal(medianInPlace(Float64Array.from(c)), sortedMedian(c), `n = ${c.length}`);
});
