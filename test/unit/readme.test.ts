/**
 * The README's claims about config match the code: every key of CONFIG_KEYS
 * has a row in the config reference with its type and default, and the tag
 * counts it quotes are the spec's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/plan/stack-config";
import { CONFIG_KEYS } from "../../infra/spec";
import { TAG_LIMITS } from "../../infra/cloud-limits";
import { OPERATOR_CIDR_MIN_PREFIX } from "../../infra/cloud-limits";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

describe("README", () => {
  it("has a config reference row for every key, with its type and default", () => {
    for (const [name, decl] of Object.entries(CONFIG_KEYS)) {
      const row = new RegExp(`^\\| \`${name}\` \\| (\\w+) \\| ([^|]+) \\|`, "m").exec(readme);
      expect(row, `no row for ${name}`).not.toBeNull();
      expect(row![1], name).toBe(decl.type);
      const shown = "default" in decl ? `\`${JSON.stringify(decl.default)}\`` : "**required**";
      expect(row![2].trim(), name).toBe(shown);
    }
  });

  it("quotes the spec's tag budgets and operator range bound", () => {
    const most = (cloud: keyof typeof TAG_LIMITS) => TAG_LIMITS[cloud].maxPerResource - TAG_LIMITS[cloud].reserved;
    expect(readme).toContain(
      `at most ${most("aws")} on AWS (${TAG_LIMITS.aws.maxPerResource} per\n  resource), ${most("gcp")} on GCP (${TAG_LIMITS.gcp.maxPerResource} labels), ${most("azure")} on Azure (${TAG_LIMITS.azure.maxPerResource})`,
    );
    expect(readme).toContain(`are each /${OPERATOR_CIDR_MIN_PREFIX} or narrower`);
  });
});
