import { describe, expect, it } from "vitest";
import { azureTaggingProofGated as rule } from "../../../policies/rules/azure-tagging-proof-gated";
import { messages, UNKNOWN, variant, type FailingCase, type Inputs } from "../harness";

const VM = "azure-native:compute:VirtualMachine";
const VMSS = "azure-native:compute:VirtualMachineScaleSet";
const DISK = "azure-native:compute:Disk";
const ACCOUNT = "azure-native:storage:StorageAccount";
const tagged = { resourceGroupName: "rg", tags: { env: "pool", "logos-proof-gated": "true" } };
const passing: Record<string, Inputs> = { [VM]: tagged, [VMSS]: tagged, [DISK]: tagged, [ACCOUNT]: tagged };

describe(rule.name, () => {
  it.each(Object.keys(passing))("passes a compliant %s", (type) => {
    expect(messages(rule, type, passing[type]!)).toEqual([]);
  });

  const failing: FailingCase[] = [];
  for (const type of Object.keys(passing)) {
    failing.push(
      {
        name: `${type} without the tag`,
        type,
        change: (r) => (r.tags = { env: "pool" }),
        expect: "tags lack logos-proof-gated; add logos-proof-gated=true.",
      },
      { name: `${type} with no tags`, type, change: (r) => delete r.tags, expect: "has no tags" },
      {
        name: `${type} with the wrong value`,
        type,
        change: (r) => (r.tags["logos-proof-gated"] = "TRUE"),
        expect: 'tags.logos-proof-gated is "TRUE"',
      },
      { name: `${type} with unknown tags`, type, change: (r) => (r.tags = UNKNOWN), expect: "tags is unknown" },
    );
  }
  it.each(failing)("rejects $name", ({ type, change, expect: fragment }) => {
    expect(messages(rule, type, variant(passing[type]!, change)).join("\n")).toContain(fragment);
  });
});
