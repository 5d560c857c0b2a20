/**
 * The burst member's node side: the Python suite of `logos-member` (SigV4,
 * the boot units `install` writes, each cloud's calls against loopback fakes)
 * under vitest, and what the bootstrap ships of it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MEMBER_CONFIG_PATH, MEMBER_PATH, MEMBER_SOURCE, memberBootstrap, memberConfigText } from "../../infra/node/member";

const ROOT = path.resolve(__dirname, "..", "..");

describe("infra/node/burst_member.py", () => {
  it("passes its unittest suite", () => {
    const done = spawnSync("python3", [path.join(ROOT, "test/unit/burst_member_test.py")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 110_000,
    });
    const output = `${done.stdout}\n${done.stderr}`;
    expect(done.status, output).toBe(0);
    expect(output).toMatch(/^OK$/m);
  });
});

describe("member bootstrap", () => {
  it("ships the script as logos-member and installs its boot units from cloud-init", () => {
    const member = memberBootstrap();
    expect(member.files).toEqual([{ path: MEMBER_PATH, content: readFileSync(MEMBER_SOURCE, "utf8"), permissions: "0755" }]);
    expect(member.commands).toEqual([["/usr/bin/python3", MEMBER_PATH, "install", "--config", MEMBER_CONFIG_PATH]]);
  });

  it("the config names the commit, whether the pool validates at boot, and the tag keys", () => {
    const text = memberConfigText({ cloud: "aws", aws: { region: "us-east-1", group: "g", hook: "h" } }, "0".repeat(40), true);
    expect(JSON.parse(text)).toEqual({
      cloud: "aws",
      aws: { region: "us-east-1", group: "g", hook: "h" },
      ref: "0".repeat(40),
      validation: true,
      roleKey: "logos-role",
      validatedKey: "logos-validated",
    });
  });

  it("the script's defaults are the paths the bootstrap writes", () => {
    const script = readFileSync(MEMBER_SOURCE, "utf8");
    expect(script).toContain(`p.add_argument("--config", default="${MEMBER_CONFIG_PATH}")`);
    expect(script).toContain(`p.add_argument("--script-path", default="${MEMBER_PATH}")`);
  });
});
