/**
 * Day-2 matrix over every shipped stack: each change of the README's
 * "Day-2 operations" table planned before and after. No change deletes or
 * replaces a data-bearing resource (a protected one refuses the up instead,
 * a retained one dropped from the program stays in the cloud), and every
 * change to a data-bearing resource is one a provider rule vouches for.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { dataLosses, day2Changes, day2Matrix, describeChange, type Day2Result } from "../../infra/plan/day2";
import { SHIPPED_STACKS } from "../helpers/stacks";

const stacks = [...SHIPPED_STACKS];
const cases = stacks.flatMap((stack) => day2Changes(stack).map((change) => ({ stack, change, id: `${stack}: ${change.title}` })));
const results = new Map<string, Day2Result>();

beforeAll(async () => {
  const all = await day2Matrix(cases);
  all.forEach((r, i) => results.set(cases[i].id, r));
}, 600_000);

describe.each(cases)("$id", ({ id }) => {
  it("deletes or replaces no data-bearing resource", () => {
    const r = results.get(id)!;
    if ("refused" in r) {
      // The spec may refuse a change outright; it must then say which key and why.
      expect(r.refused).toMatch(/logos-compute:\w+/);
      return;
    }
    expect(dataLosses(r.changes).map(describeChange)).toEqual([]);
  });

  it("changes data-bearing resources only in ways a provider rule vouches for", () => {
    const r = results.get(id)!;
    if ("refused" in r) return;
    const unvouched = r.changes.filter((c) => c.data !== undefined && c.unclassified.length > 0).map(describeChange);
    expect(unvouched).toEqual([]);
  });
});
