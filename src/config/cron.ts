/**
 * Checks a standard five-field cron expression as GitLab pipeline schedules accept it
 * (minute hour day-of-month month day-of-week). Returns the problem, or undefined when valid.
 */
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

export function cronError(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return `cron needs five fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  }
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    for (const item of part.split(",")) {
      const problem = itemError(item, field);
      if (problem) return `${field.name} field '${part}': ${problem}`;
    }
  }
  return undefined;
}

function itemError(item: string, field: (typeof FIELDS)[number]): string | undefined {
  const [range, step, extra] = item.split("/");
  if (extra !== undefined || range === undefined || range === "")
    return `'${item}' is not a value, range or step`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step))
    return `step '${step}' must be a positive number`;
  if (range === "*") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return `'${range}' is not a range`;
  const values = bounds.map((b) => valueOf(b, field));
  for (const [j, v] of values.entries()) {
    if (v === undefined) return `'${bounds[j]}' is not a number`;
    if (v < field.min || v > field.max) return `${v} is outside ${field.min}-${field.max}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) return `range '${range}' runs backwards`;
  return undefined;
}

function valueOf(token: string, field: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  if ("names" in field) {
    const index = (field.names as readonly string[]).indexOf(token.toLowerCase());
    if (index >= 0) return index + (field.min === 1 ? 1 : 0);
  }
  return undefined;
}
