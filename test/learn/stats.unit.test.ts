import { describe, expect, it } from "vitest";
import { recommend, wilsonLower, wilsonUpper } from "../../src/learn/stats.js";

// Expected values worked by hand with z = 1.96 (z² = 3.8416), to four decimals:
//   lower = (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), upper with +.
describe("Wilson score bounds", () => {
  it("matches hand-computed values", () => {
    // k=n: p = 1, the root is z/2n, so lower = n / (n + z²). n = 3: 3 / 6.8416 = 0.4385.
    expect(wilsonLower(3, 3)).toBeCloseTo(0.4385, 4);
    // k=8, n=10: p = 0.8; z²/2n = 0.19208; p(1−p)/n = 0.016; z²/4n² = 0.009604;
    //   √0.025604 = 0.160012; × 1.96 = 0.313624; denominator 1.38416.
    //   lower = (0.8 + 0.19208 − 0.313624) / 1.38416 = 0.678456 / 1.38416 = 0.4902
    //   upper = (0.8 + 0.19208 + 0.313624) / 1.38416 = 1.305704 / 1.38416 = 0.9433
    expect(wilsonLower(8, 10)).toBeCloseTo(0.4902, 4);
    expect(wilsonUpper(8, 10)).toBeCloseTo(0.9433, 4);
    // k=0, n=5: upper = (0.38416 + 1.96·√(3.8416/100)) / 1.76832 = (0.38416 + 0.38416) / 1.76832
    //   = 0.4345
    expect(wilsonUpper(0, 5)).toBeCloseTo(0.4345, 4);
  });

  it("knows nothing from no sample", () => {
    expect([wilsonLower(0, 0), wilsonUpper(0, 0)]).toEqual([0, 1]);
  });
});

describe("recommend", () => {
  const accepted = (confidence: number, n: number) =>
    Array.from({ length: n }, () => ({ confidence, accepted: true }));
  const rejected = (confidence: number, n: number) =>
    Array.from({ length: n }, () => ({ confidence, accepted: false }));

  it("picks the lowest confidence on record whose proposals reach the target", () => {
    // At 0.7: 12 of 14 → p = 0.857143; z²/2n = 0.137200; p(1−p)/n = 0.008746;
    //   z²/4n² = 0.004900; √0.013646 = 0.116816; × 1.96 = 0.228959; denominator 1.2744;
    //   (0.857143 + 0.1372 − 0.228959) / 1.2744 = 0.765384 / 1.2744 = 0.6006: ≥ 0.6, < 0.7.
    // At 0.9: 10 of 10 → 10 / 13.8416 = 0.7225.
    const record = [...rejected(0.7, 2), ...accepted(0.7, 2), ...accepted(0.9, 10)];
    expect(recommend(record, 0.8, 0.6)).toMatchObject({ threshold: 0.7, basis: "lower" });
    expect(recommend(record, 0.8, 0.7)).toMatchObject({ threshold: 0.9, basis: "lower" });
  });

  it("never goes below the lowest confidence tried", () => {
    expect(recommend(accepted(0.85, 30), 0.85, 0.5).threshold).toBe(0.85);
  });

  it("raises to 1 when even the best case at the current threshold misses the target", () => {
    // 0 of 5 at 0.8 or above: upper 0.4345 < 0.7.
    expect(recommend(rejected(0.8, 5), 0.8, 0.7)).toMatchObject({ threshold: 1, basis: "raise" });
  });

  it("keeps the threshold while the evidence says neither", () => {
    expect(recommend(accepted(0.9, 2), 0.8, 0.7)).toMatchObject({ threshold: 0.8, basis: "keep" });
    expect(recommend([], 0.8, 0.7)).toMatchObject({ threshold: 0.8, basis: "keep" });
  });
});
