import { describe, expect, it } from "vitest";
import { allSettledFirst } from "../../src/gitlab/settle.js";

describe("allSettledFirst", () => {
  it("answers every value in order when all succeed", async () => {
    await expect(allSettledFirst([Promise.resolve(1), Promise.resolve("two")])).resolves.toEqual([
      1,
      "two",
    ]);
  });

  it("throws the first rejection only after the slower siblings have settled", async () => {
    const settled: string[] = [];
    let finishSlow!: () => void;
    const slow = new Promise<void>((resolve) => (finishSlow = resolve)).then(() => {
      settled.push("slow");
    });
    const failing = Promise.reject(new Error("first"));
    const later = Promise.reject(new Error("second"));
    const all = allSettledFirst([failing, slow, later]);
    let outcome: unknown;
    void all.catch((error: unknown) => (outcome = error));
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBeUndefined();
    finishSlow();
    await expect(all).rejects.toThrow("first");
    expect(settled).toEqual(["slow"]);
  });
});
