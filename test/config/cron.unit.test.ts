import { describe, expect, it } from "vitest";
import { cronError } from "../../src/config/cron.js";

describe("cronError", () => {
  it.each([
    "0 6 * * 1-5",
    "*/15 * * * *",
    "0 0 1 jan,jul *",
    "30 2 * * sun",
    "0 0 * * 7",
    "5,35 8-18/2 * * MON-FRI",
  ])("accepts %s", (expression) => {
    expect(cronError(expression)).toBeUndefined();
  });

  it.each([
    ["0 6 * *", /five fields .* found 4/],
    ["0 6 * * * *", /found 6/],
    ["60 * * * *", /minute field '60': 60 is outside 0-59/],
    ["0 24 * * *", /hour field '24': 24 is outside 0-23/],
    ["0 0 0 * *", /day of month field '0': 0 is outside 1-31/],
    ["0 0 * 13 *", /month field '13'/],
    ["0 0 * * 8", /day of week field '8'/],
    ["*/0 * * * *", /step '0' must be a positive number/],
    ["0 18-9 * * *", /range '18-9' runs backwards/],
    ["0 0 * * funday", /'funday' is not a number/],
    ["0 0 ,1 * *", /'' is not a value, range or step/],
    ["1-2-3 * * * *", /'1-2-3' is not a range/],
  ])("rejects %s", (expression, problem) => {
    expect(cronError(expression)).toMatch(problem);
  });
});
