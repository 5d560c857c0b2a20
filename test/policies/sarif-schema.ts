/**
 * The official SARIF 2.1.0 JSON schema (OASIS, errata01), kept verbatim in
 * test/fixtures/sarif/ from oasis-tcs/sarif-spec
 * (sarif-2.1/schema/sarif-schema-2.1.0.json, commit a560296c). It is a
 * draft-04 schema, hence ajv's draft-04 class; formats (uri, date-time) are
 * checked too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const SCHEMA_FILE = join(__dirname, "..", "fixtures", "sarif", "sarif-schema-2.1.0.json");

/** Returns a function listing every way a document departs from the schema (empty: valid). */
export function sarifValidator(): (document: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
  return (document) => (validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`));
}
