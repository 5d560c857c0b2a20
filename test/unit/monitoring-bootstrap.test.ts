import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderUserData } from "../../infra/bootstrap";
import {
  AVAILABILITY_LOG_PATH,
  AVAILABILITY_SCRIPT_SOURCE,
  availabilityBootstrap,
  AWS_AGENT_CONFIG_PATH,
  awsAgentConfig,
  GCP_AGENT_CONFIG_STAGING,
  gcpAgentConfig,
  monitoringBootstrap,
  VALIDATED_MARKER_COMMAND_LINE,
  VALIDATED_MARKER_UNIT,
  VALIDATION_LOG_PATH,
} from "../../infra/monitoring-bootstrap";
import { VALIDATION_RESULT_PATH } from "../../infra/node/validation";
import { CONFIG_KEYS, parseSpec } from "../../infra/spec";
import { rawConfig } from "../helpers/configs";

const aws = parseSpec(rawConfig("aws"));
const DEPLOYMENT = "aws-pool-1a2b3c4d";
const gcp = parseSpec(rawConfig("gcp"));
const azure = parseSpec(rawConfig("azure"));

function file(extras: ReturnType<typeof monitoringBootstrap>, p: string): string {
  const found = extras.files?.find((f) => f.path === p);
  expect(found, p).toBeDefined();
  return found?.content ?? "";
}

describe("monitoringBootstrap", () => {
  it("documents its defaults in the spec: CPU 90, memory 90, disk 85 percent", () => {
    expect([CONFIG_KEYS.alertCpuPercent.default, CONFIG_KEYS.alertMemoryPercent.default, CONFIG_KEYS.alertDiskPercent.default]).toEqual([
      90, 90, 85,
    ]);
    expect(aws.monitoring).toEqual({
      cpuPercent: 90,
      memoryPercent: 90,
      diskPercent: 85,
      rebuildSlaSeconds: 900,
      availabilityWindowMinutes: 30,
    });
  });

  it("installs the CloudWatch agent from the region's bucket for the node's architecture, then loads our config", () => {
    const extras = monitoringBootstrap(aws, DEPLOYMENT);
    const commands = (extras.commands ?? []).map((c) => c.join(" "));
    expect(
      commands.some((c) =>
        c.includes(
          "https://amazoncloudwatch-agent-us-east-1.s3.us-east-1.amazonaws.com/ubuntu/$(dpkg --print-architecture)/latest/amazon-cloudwatch-agent.deb",
        ),
      ),
    ).toBe(true);
    expect(commands.at(-1)).toBe(
      `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${AWS_AGENT_CONFIG_PATH}`,
    );
    expect(JSON.parse(file(extras, AWS_AGENT_CONFIG_PATH))).toEqual(awsAgentConfig(aws, DEPLOYMENT));
  });

  it("makes the CloudWatch agent publish memory and the state disk per node and per deployment, and ship the result log", () => {
    const config = awsAgentConfig(aws, DEPLOYMENT) as any;
    expect(config.metrics.aggregation_dimensions).toEqual([["LogosPool", "LogosDeployment"]]);
    expect(config.metrics.metrics_collected.mem).toEqual({
      measurement: ["used_percent"],
      append_dimensions: { LogosPool: "logos", LogosDeployment: DEPLOYMENT },
    });
    expect(config.metrics.metrics_collected.disk.resources).toEqual(["/", "/var/lib/logos/state"]);
    expect(config.metrics.metrics_collected.cpu.measurement).toEqual(["usage_active"]);
    expect(config.logs.logs_collected.files.collect_list).toEqual([
      {
        file_path: VALIDATION_LOG_PATH,
        log_group_name: `/logos/logos/${DEPLOYMENT}/validation`,
        log_stream_name: "{instance_id}",
        timezone: "UTC",
      },
    ]);
  });

  it("makes the CloudWatch agent count the validated-node marker per node and per deployment", () => {
    const config = awsAgentConfig(aws, DEPLOYMENT) as any;
    expect(config.metrics.metrics_collected.procstat).toEqual([
      {
        pattern: "^logos-core-validated infinity$",
        measurement: ["pid_count"],
        append_dimensions: { LogosPool: "logos", LogosDeployment: DEPLOYMENT },
      },
    ]);
  });

  it("on AWS needs the deployment id, since CloudWatch names are per account", () => {
    expect(() => monitoringBootstrap(aws)).toThrow(
      "monitoringBootstrap on aws needs the deployment id (deploymentId): CloudWatch names are per account",
    );
  });

  it("installs the Ops Agent with Google's repository script and a config that ships the result log", () => {
    const extras = monitoringBootstrap(gcp);
    const commands = (extras.commands ?? []).map((c) => c.join(" "));
    expect(
      commands.some(
        (c) => c.includes("https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh") && c.includes("--also-install"),
      ),
    ).toBe(true);
    const config = parse(file(extras, GCP_AGENT_CONFIG_STAGING));
    expect(config.logging.receivers.logos_validation).toEqual({ type: "files", include_paths: [VALIDATION_LOG_PATH] });
    expect(config.logging.processors.logos_validation_pool.fields).toEqual({ 'labels."logos-pool"': { static_value: "logos" } });
    expect(config.logging.service.pipelines.logos_validation.receivers).toEqual(["logos_validation"]);
  });

  it("labels results with the pool name as a string even when plain YAML would read it as null or a boolean", () => {
    for (const name of ["null", "true", "no", "off"]) {
      const config = parse(gcpAgentConfig({ name }, "gcp-pool-1a2b3c4d"));
      expect(config.logging.processors.logos_validation_pool.fields).toEqual({
        'labels."logos-pool"': { static_value: name },
        'labels."logos-deployment"': { static_value: "gcp-pool-1a2b3c4d" },
      });
    }
  });

  it("leaves the Azure agent to the VM extension and installs only the result appender", () => {
    const extras = monitoringBootstrap(azure);
    expect(extras.packages).toBeUndefined();
    expect(extras.files?.map((f) => f.path)).toEqual([
      "/opt/logos/bin/logos-validation-log",
      "/etc/systemd/system/logos-validation-log.path",
      "/etc/systemd/system/logos-validation-log.service",
    ]);
    expect(file(extras, "/etc/systemd/system/logos-validation-log.path")).toContain(`PathChanged=${VALIDATION_RESULT_PATH}`);
  });

  it("appends each result as exactly one line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "appender-"));
    const src = path.join(dir, "last.json");
    const dst = path.join(dir, "log", "validation.jsonl");
    const script = file(monitoringBootstrap(azure), "/opt/logos/bin/logos-validation-log")
      .replace(VALIDATION_RESULT_PATH, src)
      .replace(VALIDATION_LOG_PATH, dst);
    const run = (): void => {
      const done = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });
      expect(done.status, done.stderr).toBe(0);
    };
    run(); // no result yet: nothing appended, no error
    writeFileSync(src, '{\n  "status": "pass"\n}\n');
    run();
    writeFileSync(src, '{"status": "fail"}');
    run();
    expect(readFileSync(dst, "utf8")).toBe('{  "status": "pass"}\n{"status": "fail"}\n');
  });

  it("renders into valid cloud-init on every cloud", () => {
    for (const spec of [aws, gcp, azure]) {
      const extras = monitoringBootstrap(spec, DEPLOYMENT);
      const userData = renderUserData({
        role: "burst",
        sshUser: "logos",
        sshAuthorizedKeys: [spec.access.sshPublicKey],
        repo: spec.repo,
        stateDir: spec.stateDir,
        ...extras,
      });
      const doc = parse(userData.replace(/^#cloud-config\n/, ""));
      expect(doc.runcmd.slice(-(extras.commands?.length ?? 0))).toEqual(extras.commands);
    }
  });
});

/** systemd's ExecStart with the `@` prefix: path, then argv[0], then the arguments. */
function execStart(unit: string): { path: string; argv0: string; args: string[] } {
  const line = unit.split("\n").find((l) => l.startsWith("ExecStart="));
  expect(line, "ExecStart").toBeDefined();
  const [exe, argv0, ...args] = (line as string).slice("ExecStart=".length).split(" ");
  expect(exe.startsWith("@"), "the marker sets its own argv[0]").toBe(true);
  return { path: exe.slice(1), argv0, args };
}

describe("availabilityBootstrap (core nodes)", () => {
  it("installs the script, the marker, and a timer and a path unit that run the script as root", () => {
    const extras = availabilityBootstrap(aws);
    expect(extras.files?.map((f) => f.path)).toEqual([
      "/opt/logos/bin/logos-availability",
      "/etc/systemd/system/logos-core-validated.service",
      "/etc/systemd/system/logos-availability.service",
      "/etc/systemd/system/logos-availability.timer",
      "/etc/systemd/system/logos-availability.path",
    ]);
    expect(file(extras, "/opt/logos/bin/logos-availability")).toBe(readFileSync(AVAILABILITY_SCRIPT_SOURCE, "utf8"));
    expect(file(extras, "/etc/systemd/system/logos-availability.timer")).toContain("OnCalendar=minutely");
    const onResult = file(extras, "/etc/systemd/system/logos-availability.path");
    expect(onResult).toContain(`PathChanged=${VALIDATION_RESULT_PATH}`);
    expect(onResult).toContain("Unit=logos-availability.service");
    expect(file(extras, "/etc/systemd/system/logos-availability.service")).toContain(
      `ExecStart=/usr/bin/python3 /opt/logos/bin/logos-availability --result ${VALIDATION_RESULT_PATH} --marker-unit ${VALIDATED_MARKER_UNIT}\n`,
    );
    expect(extras.commands).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "logos-availability.timer", "logos-availability.path"],
    ]);
  });

  it("writes heartbeat lines only on Azure, whose agent reports no processes", () => {
    expect(file(availabilityBootstrap(azure), "/etc/systemd/system/logos-availability.service")).toContain(
      `--marker-unit ${VALIDATED_MARKER_UNIT} --heartbeat-log ${AVAILABILITY_LOG_PATH}\n`,
    );
    for (const spec of [aws, gcp]) {
      expect(file(availabilityBootstrap(spec), "/etc/systemd/system/logos-availability.service")).not.toContain("--heartbeat-log");
    }
  });

  it("runs the marker as a process whose command line is exactly what procstat and the Ops Agent match", async () => {
    const marker = execStart(file(availabilityBootstrap(gcp), `/etc/systemd/system/${VALIDATED_MARKER_UNIT}`));
    expect(marker).toEqual({ path: "/usr/bin/sleep", argv0: "logos-core-validated", args: ["infinity"] });
    // What both agents read: /proc/<pid>/cmdline, its arguments joined by spaces.
    const child = spawn(marker.path, marker.args, { argv0: marker.argv0, stdio: "ignore" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").replace(/\0$/, "").split("\0").join(" ");
      expect(cmdline).toBe(VALIDATED_MARKER_COMMAND_LINE);
      const procstat = (awsAgentConfig(aws, DEPLOYMENT) as any).metrics.metrics_collected.procstat[0].pattern;
      expect(new RegExp(procstat).test(cmdline)).toBe(true);
      // Neither the script nor systemctl, which name the marker's unit, can pass for it.
      const script = `/usr/bin/python3 /opt/logos/bin/logos-availability --result ${VALIDATION_RESULT_PATH} --marker-unit ${VALIDATED_MARKER_UNIT}`;
      for (const other of [script, `systemctl start ${VALIDATED_MARKER_UNIT}`]) expect(new RegExp(procstat).test(other)).toBe(false);
    } finally {
      child.kill();
    }
  });

  it("renders into valid cloud-init next to the rest of the core bootstrap", () => {
    const extras = availabilityBootstrap(azure);
    const userData = renderUserData({
      role: "core",
      sshUser: "logos",
      sshAuthorizedKeys: [azure.access.sshPublicKey],
      repo: azure.repo,
      stateDir: azure.stateDir,
      ...extras,
    });
    const doc = parse(userData.replace(/^#cloud-config\n/, ""));
    expect(doc.runcmd.slice(-(extras.commands?.length ?? 0))).toEqual(extras.commands);
    expect(doc.write_files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(extras.files?.map((f) => f.path) ?? []));
  });
});
