import { describe, expect, it } from "vitest";

import { acceptValidationOutput, describeValidation, parseValidationResult, type ValidationResult } from "../../infra/node/validation";

const pass: ValidationResult = {
  version: 1,
  status: "pass",
  stage: "complete",
  exitCode: 0,
  node: "logos-core-0",
  agentHash: "a09d35345ad8dcee4d56ecf49eada0a7425ff6082353002e4473a6d582e85bda",
  fileDigest: "f".repeat(64),
  ref: "0123456789abcdef0123456789abcdef01234567",
  auditEntriesBefore: 2,
  auditEntriesAfter: 3,
  auditLog: "/var/lib/logos/state/alignment_LOGOS-AGENT-OMEGA.json",
  historyFile: null,
  footprint: { status: "ok", theorem: "PXL.PXL_Internal_LEM.pxl_excluded_middle", axioms: ["PXL_Axioms.a"], closed: false },
  archive: { status: "skipped" },
  seconds: { lem: 1.2, boot: 1.3, total: 2.7 },
  errors: [],
  warnings: [],
};

describe("parseValidationResult", () => {
  it("reads the last non-empty line, ignoring anything printed before it", () => {
    expect(parseValidationResult(`noise\n${JSON.stringify(pass)}\n\n`)).toEqual(pass);
  });

  it.each([
    ["empty output", "", "proof validation printed no result: expected a JSON line last on stdout, found empty output"],
    ["blank lines", "\n  \n", "proof validation printed no result: expected a JSON line last on stdout, found empty output"],
    [
      "a trailing non-JSON line",
      `${JSON.stringify(pass)}\nTraceback (most recent call last):`,
      'proof validation result: expected a JSON line last on stdout, found "Traceback (most recent call last):"',
    ],
    ["a JSON array", "[1,2]", 'proof validation result: expected a JSON object, found "[1,2]"'],
  ])("rejects %s", (_label, stdout, message) => {
    expect(() => parseValidationResult(stdout)).toThrow(message);
  });

  it("names every malformed field", () => {
    const bad = { ...pass, status: "ok", stage: "nowhere", exitCode: "0", errors: null };
    expect(() => parseValidationResult(JSON.stringify(bad))).toThrow(
      'proof validation result is malformed: status ("ok") must be "pass" or "fail"; stage ("nowhere") must be a known stage; ' +
        "exitCode must be a number; errors must be an array",
    );
  });

  it("rejects a pass that does not name stage complete", () => {
    expect(() => parseValidationResult(JSON.stringify({ ...pass, stage: "lem" }))).toThrow(
      "proof validation result is malformed: status pass must go with stage complete",
    );
  });

  it("truncates long garbage in the message", () => {
    expect(() => parseValidationResult("x".repeat(500))).toThrow(`found "${"x".repeat(200)}…"`);
  });
});

describe("describeValidation", () => {
  it("names node and stage of a failure", () => {
    const failed: ValidationResult = {
      ...pass,
      status: "fail",
      stage: "lem",
      exitCode: 40,
      errors: ["lem: `python3 test_lem_discharge.py`: expected exit 0, found exit 1"],
    };
    expect(describeValidation(failed)).toBe(
      "node logos-core-0: proof validation failed at stage lem (exit 40): lem: `python3 test_lem_discharge.py`: expected exit 0, found exit 1",
    );
  });

  it("summarises a pass with the audit growth", () => {
    expect(describeValidation(pass)).toBe("node logos-core-0: proof validation passed (audit 2 -> 3 entries)");
  });
});

describe("acceptValidationOutput", () => {
  it("returns a passing result", () => {
    expect(acceptValidationOutput("logos-core-0", JSON.stringify(pass))).toEqual(pass);
  });

  it("fails a failing result with node and stage", () => {
    const failed = {
      ...pass,
      status: "fail",
      stage: "boot",
      exitCode: 50,
      errors: ["boot: expected 'Current status: ALIGNED', found 'Current status: SANDBOXED'"],
    };
    expect(() => acceptValidationOutput("logos-core-0", JSON.stringify(failed))).toThrow(
      "node logos-core-0: proof validation failed at stage boot (exit 50): boot: expected 'Current status: ALIGNED', found 'Current status: SANDBOXED'",
    );
  });

  it("names the node when there is no result at all", () => {
    expect(() => acceptValidationOutput("logos-core-3", "")).toThrow(
      "node logos-core-3: proof validation printed no result: expected a JSON line last on stdout, found empty output",
    );
  });
});
