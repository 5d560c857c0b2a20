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

/**
 * A zone move never detaches a node's history: on every cloud each state
 * disk of a node that changes zone is a replacement the engine refuses
 * (`protect`), never an in-place update a cloud would reject or a new disk.
 */
describe.each(cases.filter((c) => c.change.id.startsWith("zones-")))("$id: zone moves", ({ id, change }) => {
  it("refuses every moved state disk in preview", () => {
    const r = results.get(id)!;
    if ("refused" in r) return;
    const disks = r.changes.filter((c) => c.data === "state-disk" && c.change !== "unchanged" && c.change !== "create");
    // Reversed zones move node 0 on every stack; one more zone may move none (a one-node pilot).
    if (change.id === "zones-reordered") expect(disks.length).toBeGreaterThan(0);
    expect(disks.filter((c) => !(c.change === "replace" && c.fate === "refused")).map(describeChange)).toEqual([]);
  });
});

/**
 * What core nodes boot with never changes on day 2: a rotated operator key
 * and a new Coq pin (like a new uploader or monitoring file from a new
 * version of the program) reach running core nodes through their sync step,
 * never as an update or replacement of a core VM, on any cloud.
 */
describe.each(cases.filter((c) => c.change.id === "sshPublicKey" || c.change.id === "coqVersion"))("$id: core VMs", ({ id }) => {
  it("updates or replaces no core VM; every core node's sync step runs again", () => {
    const r = results.get(id)!;
    if ("refused" in r) throw new Error(r.refused);
    const coreVm = /-core-\d+$/;
    const vms = r.changes.filter((c) => coreVm.test(c.name) && !c.type.startsWith("command:"));
    expect(vms.filter((c) => c.change !== "unchanged").map(describeChange)).toEqual([]);
    const syncs = r.changes.filter((c) => /-core-\d+-sync-run$/.test(c.name));
    expect(syncs.length).toBe(vms.length);
    for (const s of syncs) expect(s.change).toBe("replace");
  });
});

/**
 * A new image never replaces or touches a running core VM or the bastion in
 * one up, on any cloud (each ignores its image: AWS `ami`, GCP the boot
 * disk's image, Azure `imageReference`); a node picks it up when replaced on
 * purpose, and burst members through their template's roll.
 */
describe.each(cases.filter((c) => c.change.id === "image"))("$id: image", ({ id }) => {
  it("updates or replaces no core VM and no bastion; only the burst template changes", () => {
    const r = results.get(id)!;
    if ("refused" in r) throw new Error(r.refused);
    const vms = r.changes.filter((c) => /-(core-\d+|bastion)$/.test(c.name) && !c.type.startsWith("command:"));
    expect(vms.length).toBeGreaterThan(1);
    expect(vms.filter((c) => c.change !== "unchanged").map(describeChange)).toEqual([]);
    const touched = r.changes.filter((c) => c.change !== "unchanged");
    expect(
      touched.every((c) => /burst|template/.test(c.name)),
      touched.map(describeChange).join("\n"),
    ).toBe(true);
  });
});
