import type * as storage from "@pulumi/azure-native/storage";
import { describe, expect, it } from "vitest";
import { azureStorageContainerPrivate as rule } from "../../../policies/rules/azure-storage-container-private";
import { messages, ruleTable, UNKNOWN } from "../harness";

const CONTAINER = "azure-native:storage:BlobContainer";
const passing = { accountName: "a", resourceGroupName: "g", publicAccess: "None" } satisfies storage.BlobContainerArgs;

describe(rule.name, () => {
  ruleTable(rule, { [CONTAINER]: passing }, [
    {
      name: "anonymous container access",
      type: CONTAINER,
      change: (r) => (r.publicAccess = "Container"),
      expect: 'BlobContainer \'subject\': publicAccess is "Container", so anyone on the internet can read its blobs; set it to "None".',
    },
    { name: "anonymous blob access", type: CONTAINER, change: (r) => (r.publicAccess = "Blob"), expect: 'publicAccess is "Blob"' },
    { name: "unknown access", type: CONTAINER, change: (r) => (r.publicAccess = UNKNOWN), expect: "publicAccess is unknown" },
  ]);

  it("passes a container that leaves publicAccess unset (private)", () => {
    expect(messages(rule, CONTAINER, { accountName: "a", resourceGroupName: "g" })).toEqual([]);
  });
});
