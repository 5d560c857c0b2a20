/**
 * The monitoring agent on every node, through cloud-init (burst nodes) or the
 * sync step (core nodes, infra/node/sync.ts): what to install,
 * its configuration, and a small appender that turns each validation result
 * into one line of an append-only log the agents tail. Pure (no Pulumi
 * imports), snapshot-tested, and shared by core and burst nodes.
 *
 * Job status: the validation writes `/var/lib/logos/validation/last.json`
 * (one JSON object with `status` "pass" | "fail") by atomic rename. A rename
 * looks like log rotation to file-tailing agents, so a systemd path unit
 * appends each new result to VALIDATION_LOG_PATH instead, which the agents
 * ship: AWS to a CloudWatch log group, GCP to Cloud Logging, Azure (AMA,
 * installed by policy rather than cloud-init) to a Log Analytics table.
 *
 * Availability (core nodes only, `availabilityBootstrap`): a timer and a path
 * unit run `infra/node/availability.py`, which keeps a marker process
 * (`logos-core-validated`) running exactly while the node's last validation
 * passed. The CloudWatch agent counts it with procstat, the Ops Agent with its
 * process metrics; on Azure the script also appends a heartbeat line the
 * agent ships, since the Azure Monitor Agent reports no processes.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { BootstrapExtras } from "../components/pool/types";
import type { BootFile } from "./bootstrap";
import { DEPLOYMENT_TAG } from "./deployment";
import { VALIDATION_RESULT_PATH } from "./node/validation";
import type { PoolSpec } from "./spec";

/** The append-only log of validation results (one JSON object per line). */
export const VALIDATION_LOG_PATH = "/var/log/logos/validation.jsonl";
export const VALIDATION_LOG_UNIT = "logos-validation-log";
const APPENDER_PATH = "/opt/logos/bin/logos-validation-log";

/** AWS: the CloudWatch agent's metric namespace and the dimensions every node adds. */
export const AWS_AGENT_NAMESPACE = "CWAgent";
export const AWS_POOL_DIMENSION = "LogosPool";
/**
 * The deployment id (`deploymentId`): the shipped pilot and pool stacks both
 * name their pool `logos`, so without it the alarms of one stack in an
 * account would watch the other's nodes too.
 */
export const AWS_DEPLOYMENT_DIMENSION = "LogosDeployment";
export const AWS_JOB_METRIC = "ValidationFailures";
export const AWS_AGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/logos-agent.json";
/** GCP: the Ops Agent receiver, which is also the Cloud Logging log id. */
export const GCP_VALIDATION_LOG_ID = "logos_validation";
export const GCP_AGENT_CONFIG_STAGING = "/etc/logos/ops-agent.yaml";
/** Azure: the custom Log Analytics table the data collection rule fills. */
export const AZURE_VALIDATION_TABLE = "LogosValidation_CL";

/** The availability script in this repository, shipped to core nodes. */
export const AVAILABILITY_SCRIPT_SOURCE = path.join(__dirname, "node", "availability.py");
const AVAILABILITY_SCRIPT_PATH = "/opt/logos/bin/logos-availability";
export const AVAILABILITY_UNIT = "logos-availability";
/** The unit whose process says "this core node's last validation passed". */
export const VALIDATED_MARKER_UNIT = "logos-core-validated.service";
/**
 * The marker's whole command line: `sleep infinity` started under this name
 * (systemd's `@` prefix sets argv[0]). procstat matches it as a pattern, the
 * Ops Agent reports it as the `command_line` label of its process metrics.
 */
export const VALIDATED_MARKER_COMMAND_LINE = "logos-core-validated infinity";
/** Azure only: one heartbeat line per minute per core node, saying whether it counts. */
export const AVAILABILITY_LOG_PATH = "/var/log/logos/heartbeat.jsonl";

/** The CloudWatch log group the nodes of one deployment write validation results to (unique in the account). */
export function awsValidationLogGroup(poolName: string, deployment: string): string {
  return `/logos/${poolName}/${deployment}/validation`;
}

/**
 * Where one deployment's log-based job-status metric lands. A metric filter
 * can take dimension values only from the log events, so the deployment is
 * in the namespace: two stacks' failures never add up in one metric.
 */
export function awsJobNamespace(deployment: string): string {
  return `LogosCompute/${deployment}`;
}

/** Disks the disk alarm watches: the state mount, and the boot disk that holds the state on burst nodes. */
export function monitoredDiskPaths(stateDir: string): string[] {
  return ["/", stateDir];
}

const appenderScript = `#!/bin/sh
# Appends the latest validation result as one line; monitoring agents tail the log.
set -eu
src=${VALIDATION_RESULT_PATH}
dst=${VALIDATION_LOG_PATH}
[ -s "$src" ] || exit 0
mkdir -p "$(dirname "$dst")"
line=$(tr -d '\\n' < "$src")
printf '%s\\n' "$line" >> "$dst"
`;

function appender(): { files: BootFile[]; commands: string[][] } {
  return {
    files: [
      { path: APPENDER_PATH, content: appenderScript, permissions: "0755" },
      {
        path: `/etc/systemd/system/${VALIDATION_LOG_UNIT}.path`,
        content: [
          "[Unit]",
          "Description=Watch the LOGOS validation result",
          "",
          "[Path]",
          `PathChanged=${VALIDATION_RESULT_PATH}`,
          `Unit=${VALIDATION_LOG_UNIT}.service`,
          "",
          "[Install]",
          "WantedBy=multi-user.target",
          "",
        ].join("\n"),
        permissions: "0644",
      },
      {
        path: `/etc/systemd/system/${VALIDATION_LOG_UNIT}.service`,
        content: [
          "[Unit]",
          `Description=Append the LOGOS validation result to ${VALIDATION_LOG_PATH}`,
          "",
          "[Service]",
          "Type=oneshot",
          `ExecStart=${APPENDER_PATH}`,
          "",
        ].join("\n"),
        permissions: "0644",
      },
    ],
    commands: [
      ["install", "-d", "-m", "0755", "/var/log/logos"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", `${VALIDATION_LOG_UNIT}.path`],
    ],
  };
}

/**
 * The CloudWatch agent's configuration: CPU, memory and disk percentages per
 * node and deployment-wide, and the result log.
 */
export function awsAgentConfig(spec: Pick<PoolSpec, "name" | "stateDir">, deployment: string): Record<string, unknown> {
  // Every metric also carries LogosPool and LogosDeployment, and the agent
  // publishes a series with those two alone: one alarm on its Maximum covers
  // every node of this deployment, burst ones included, however many there
  // are, and no node of another stack in the account.
  const pool = { [AWS_POOL_DIMENSION]: spec.name, [AWS_DEPLOYMENT_DIMENSION]: deployment };
  return {
    agent: { metrics_collection_interval: 60, run_as_user: "root" },
    metrics: {
      namespace: AWS_AGENT_NAMESPACE,
      append_dimensions: { InstanceId: "${aws:InstanceId}" },
      aggregation_dimensions: [[AWS_POOL_DIMENSION, AWS_DEPLOYMENT_DIMENSION]],
      metrics_collected: {
        cpu: { totalcpu: true, measurement: ["usage_active"], append_dimensions: pool },
        mem: { measurement: ["used_percent"], append_dimensions: pool },
        disk: { measurement: ["used_percent"], resources: monitoredDiskPaths(spec.stateDir), drop_device: true, append_dimensions: pool },
        // procstat_lookup_pid_count: 1 on a core node whose last validation
        // passed, 0 elsewhere; the deployment-wide Sum per minute counts them.
        procstat: [{ pattern: `^${VALIDATED_MARKER_COMMAND_LINE}$`, measurement: ["pid_count"], append_dimensions: pool }],
      },
    },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: VALIDATION_LOG_PATH,
              log_group_name: awsValidationLogGroup(spec.name, deployment),
              log_stream_name: "{instance_id}",
              timezone: "UTC",
            },
          ],
        },
      },
    },
  };
}

/**
 * The Ops Agent's configuration: default host metrics, plus the result log
 * parsed as JSON and labelled with the pool and, when given, the deployment
 * id (see infra/deployment.ts), so a failure alert of one stack never matches
 * another stack's nodes in the same project.
 */
export function gcpAgentConfig(spec: Pick<PoolSpec, "name">, deployment?: string): string {
  return [
    "# logos-compute: validation results; host metrics (cpu, memory, disk) stay the agent's defaults.",
    "logging:",
    "  receivers:",
    `    ${GCP_VALIDATION_LOG_ID}:`,
    "      type: files",
    "      include_paths:",
    `        - ${VALIDATION_LOG_PATH}`,
    "  processors:",
    "    logos_validation_json:",
    "      type: parse_json",
    "    logos_validation_pool:",
    "      type: modify_fields",
    "      fields:",
    '        labels."logos-pool":',
    // Quoted: a pool may be named "null", "true" or "no", which plain YAML reads as no string at all.
    `          static_value: ${JSON.stringify(spec.name)}`,
    ...(deployment === undefined ? [] : [`        labels."${DEPLOYMENT_TAG}":`, `          static_value: ${JSON.stringify(deployment)}`]),
    "  service:",
    "    pipelines:",
    `      ${GCP_VALIDATION_LOG_ID}:`,
    "        receivers:",
    `          - ${GCP_VALIDATION_LOG_ID}`,
    "        processors:",
    "          - logos_validation_json",
    "          - logos_validation_pool",
    "",
  ].join("\n");
}

/**
 * Cloud-init for the monitoring agent; add it to both `coreBootstrap` and
 * `burstBootstrap`. Azure's agent is installed by policy (the Monitoring
 * component), so there only the result appender is installed here.
 */
export function monitoringBootstrap(
  spec: Pick<PoolSpec, "cloud" | "name" | "region" | "stateDir">,
  /** The deployment id (`deploymentId`); GCP labels each result with it; AWS needs it. @default none */
  deployment?: string,
): BootstrapExtras {
  const base = appender();
  switch (spec.cloud) {
    case "aws": {
      if (deployment === undefined) {
        throw new Error("monitoringBootstrap on aws needs the deployment id (deploymentId): CloudWatch names are per account");
      }
      const url = `https://amazoncloudwatch-agent-${spec.region}.s3.${spec.region}.amazonaws.com/ubuntu/$(dpkg --print-architecture)/latest/amazon-cloudwatch-agent.deb`;
      return {
        packages: ["curl"],
        files: [
          ...base.files,
          { path: AWS_AGENT_CONFIG_PATH, content: `${JSON.stringify(awsAgentConfig(spec, deployment), null, 2)}\n`, permissions: "0644" },
        ],
        commands: [
          ...base.commands,
          [
            "sh",
            "-c",
            `set -e; deb=/tmp/amazon-cloudwatch-agent.deb; curl -fsSL --retry 5 -o "$deb" "${url}"; dpkg -i -E "$deb"; rm -f "$deb"`,
          ],
          [
            "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
            "-a",
            "fetch-config",
            "-m",
            "ec2",
            "-s",
            "-c",
            `file:${AWS_AGENT_CONFIG_PATH}`,
          ],
        ],
      };
    }
    case "gcp":
      return {
        packages: ["curl"],
        // Staged outside the agent's directory so the package never meets an existing conffile.
        files: [...base.files, { path: GCP_AGENT_CONFIG_STAGING, content: gcpAgentConfig(spec, deployment), permissions: "0644" }],
        commands: [
          ...base.commands,
          [
            "sh",
            "-c",
            "set -e; cd /tmp; curl -fsSL --retry 5 -O https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh; " +
              "bash add-google-cloud-ops-agent-repo.sh --also-install; rm -f add-google-cloud-ops-agent-repo.sh",
          ],
          ["install", "-m", "0644", GCP_AGENT_CONFIG_STAGING, "/etc/google-cloud-ops-agent/config.yaml"],
          ["systemctl", "restart", "google-cloud-ops-agent"],
        ],
      };
    case "azure":
      return base;
    default: {
      const unreachable: never = spec.cloud;
      throw new Error(`no monitoring bootstrap for cloud ${String(unreachable)}`);
    }
  }
}

/**
 * Cloud-init for core nodes only: the availability script, the marker unit,
 * and the timer (every minute) and path unit (on every new result) that run
 * the script as root. Only core nodes count toward `coreNodes`.
 */
export function availabilityBootstrap(spec: Pick<PoolSpec, "cloud">): BootstrapExtras {
  const heartbeat = spec.cloud === "azure";
  const exec = [
    "/usr/bin/python3",
    AVAILABILITY_SCRIPT_PATH,
    "--result",
    VALIDATION_RESULT_PATH,
    "--marker-unit",
    VALIDATED_MARKER_UNIT,
    ...(heartbeat ? ["--heartbeat-log", AVAILABILITY_LOG_PATH] : []),
  ].join(" ");
  const [marker, ...markerArgs] = VALIDATED_MARKER_COMMAND_LINE.split(" ");
  const unit = (name: string, lines: readonly string[]) => ({
    path: `/etc/systemd/system/${name}`,
    content: `${lines.join("\n")}\n`,
    permissions: "0644",
  });
  return {
    files: [
      { path: AVAILABILITY_SCRIPT_PATH, content: readFileSync(AVAILABILITY_SCRIPT_SOURCE, "utf8"), permissions: "0755" },
      unit(VALIDATED_MARKER_UNIT, [
        "[Unit]",
        "Description=LOGOS: this core node's last proof validation passed (counted by the availability alert)",
        "",
        "[Service]",
        "DynamicUser=yes",
        `ExecStart=@/usr/bin/sleep ${marker} ${markerArgs.join(" ")}`,
        "Restart=on-failure",
      ]),
      unit(`${AVAILABILITY_UNIT}.service`, [
        "[Unit]",
        "Description=LOGOS: tell the monitoring agents whether this core node counts as validated",
        "",
        "[Service]",
        "Type=oneshot",
        `ExecStart=${exec}`,
      ]),
      unit(`${AVAILABILITY_UNIT}.timer`, [
        "[Unit]",
        "Description=LOGOS: availability signal every minute",
        "",
        "[Timer]",
        "OnCalendar=minutely",
        "AccuracySec=5s",
        "",
        "[Install]",
        "WantedBy=timers.target",
      ]),
      unit(`${AVAILABILITY_UNIT}.path`, [
        "[Unit]",
        "Description=LOGOS: availability signal on every new validation result",
        "",
        "[Path]",
        `PathChanged=${VALIDATION_RESULT_PATH}`,
        `Unit=${AVAILABILITY_UNIT}.service`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
      ]),
    ],
    commands: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", `${AVAILABILITY_UNIT}.timer`, `${AVAILABILITY_UNIT}.path`],
    ],
  };
}
