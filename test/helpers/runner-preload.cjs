/**
 * Preloaded (`node --require`) in front of @pulumi/pulumi's own program
 * runner (`cmd/run`), in place of the engine: installs the SDK's mock monitor
 * with preview semantics before the runner starts, so the runner loads and
 * runs the program exactly as under `pulumi preview`, and writes what the
 * monitor received to LOGOS_RUNNER_REPORT when the process exits.
 *
 * The runner reads config from PULUMI_CONFIG, as the language host passes it.
 * Invokes and computed values are answered by the offline plan's mocks
 * (infra/plan/mocks.ts), loaded on the first call — after the runner has
 * registered its TypeScript loader, so nothing here needs another one.
 */
"use strict";
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const pulumi = require("@pulumi/pulumi");
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

const root = join(__dirname, "..", "..");
const project = process.env.LOGOS_RUNNER_PROJECT;
const stack = process.env.LOGOS_RUNNER_STACK;
const defaults = JSON.parse(process.env.LOGOS_RUNNER_DEFAULTS || "{}");
const report = process.env.LOGOS_RUNNER_REPORT;

const types = {};

let outputs = [];
let mocks;
const planMocks = () => (mocks ??= require(join(root, "infra", "plan", "mocks.ts")));

// A CLI that supports graceful shutdown answers this; the mock monitor has no such method.
MockMonitor.prototype.signalAndWaitForShutdown = (_req, cb) => cb(null, {});
const registerResource = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = function (req, cb) {
  types[req.getType()] = (types[req.getType()] || 0) + 1;
  return registerResource.call(this, req, cb);
};
const registerResourceOutputs = MockMonitor.prototype.registerResourceOutputs;
MockMonitor.prototype.registerResourceOutputs = function (req, cb) {
  if (req.getUrn().includes("::pulumi:pulumi:Stack::")) outputs = Object.keys(req.getOutputs()?.toJavaScript() ?? {}).sort();
  return registerResourceOutputs.call(this, req, cb);
};

pulumi.runtime.setMocks(
  {
    // A provider's preview echoes the inputs it was given; everything it computes is unknown.
    newResource: (args) => ({ id: undefined, state: { ...args.inputs } }),
    call: (args) => planMocks().fakeCall(args, defaults),
  },
  project,
  stack,
  true,
);

process.on("exit", (code) => {
  if (!report) return;
  writeFileSync(report, JSON.stringify({ code, types, outputs, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
});
