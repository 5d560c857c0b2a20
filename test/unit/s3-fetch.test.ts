/**
 * Runs the boot-file fetcher's Python tests (SigV4 against AWS's published
 * examples; IMDSv2 + S3 loopback fakes for success, digest mismatch, a late
 * object and access denied) under vitest, so `npm test` covers the script
 * AWS nodes run before their validator exists.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "infra/node/s3_fetch.py");

describe("infra/node/s3_fetch.py", () => {
  it("stays small enough to ride inline in user-data", () => {
    expect(statSync(SCRIPT).size).toBeLessThan(8192);
  });

  it("passes its unittest suite", () => {
    const done = spawnSync("python3", [path.join(ROOT, "test/unit/s3_fetch_test.py"), "-v"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 110_000,
    });
    const output = `${done.stdout}\n${done.stderr}`;
    expect(done.error, "python3 must be on PATH").toBeUndefined();
    expect(done.status, output).toBe(0);
    expect(output).toMatch(/^Ran 9 tests in /m);
    expect(output).toMatch(/^OK$/m);
  });
});
