/**
 * Runs the uploader's Python tests (SigV4 against AWS's published examples,
 * and each cloud's request shape against loopback fakes) under vitest, so
 * `npm test` covers the script that ships to every node.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

describe("infra/node/archive_upload.py", () => {
  it("runs on the Python the nodes have (>= 3.11)", () => {
    const done = spawnSync("python3", ["-c", "import sys; print(sys.version_info >= (3, 11))"], { encoding: "utf8" });
    expect(done.error, "python3 must be on PATH").toBeUndefined();
    expect(done.stdout.trim()).toBe("True");
  });

  it("passes its unittest suite", () => {
    const done = spawnSync("python3", [path.join(ROOT, "test/unit/archive_upload_test.py")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 110_000,
    });
    const output = `${done.stdout}\n${done.stderr}`;
    expect(done.status, output).toBe(0);
    expect(output).toMatch(/^OK$/m);
  });
});
