import type * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import { gcpFilestoreInstanceCmek as rule } from "../../../policies/rules/gcp-filestore-instance-cmek";
import { messages, ruleTable, UNKNOWN } from "../harness";

const FILESTORE = "gcp:filestore/instance:Instance";
const passing = {
  tier: "ENTERPRISE",
  kmsKeyName: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k",
  fileShares: { name: "share", capacityGb: 1024 },
  networks: [{ network: "n", modes: ["MODE_IPV4"] }],
} satisfies gcp.filestore.InstanceArgs;

describe(rule.name, () => {
  ruleTable(rule, { [FILESTORE]: passing }, [
    {
      name: "Google's key",
      type: FILESTORE,
      change: (r) => delete r.kmsKeyName,
      expect: "Instance 'subject': no kmsKeyName, so Google's default key is used; set it to the pool's Cloud KMS key.",
    },
    { name: "an unknown key", type: FILESTORE, change: (r) => (r.kmsKeyName = UNKNOWN), expect: "kmsKeyName is unknown" },
  ]);

  it("accepts Google's key when requireCmek is off", () => {
    expect(messages(rule, FILESTORE, { tier: "BASIC_HDD" }, { requireCmek: false })).toEqual([]);
  });
});
