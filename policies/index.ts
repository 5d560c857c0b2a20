// Only builds the pack: `new PolicyPack` starts the analyzer's gRPC server and
// never returns, so nothing else (the offline check, the tests) imports this file.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./registry";

new PolicyPack(PACK_NAME, packArgs());
