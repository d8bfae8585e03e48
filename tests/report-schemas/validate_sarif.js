// SPDX-License-Identifier: Apache-2.0
// Validates SARIF files against the SARIF 2.1.0 JSON schema (draft-04; the OASIS 2.1.0 rtm.5 schema that
// @microsoft/jest-sarif ships). Usage: node validate_sarif.js FILE...; exit 0 when every file is valid.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const schemaFile = path.join(__dirname, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas',
                             'sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
// unicodeRegExp off: the schema's 'language' pattern ('...]?$') is valid only without the u flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let failed = 0;
for (const file of process.argv.slice(2)) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    failed++;
    continue;
  }
  if (validate(doc)) {
    console.log(`${file}: valid SARIF ${doc.version} (${doc.runs[0].results.length} results)`);
  } else {
    failed++;
    for (const err of validate.errors.slice(0, 20)) {
      console.log(`${file}: ${err.instancePath || '/'}: ${err.message} ${JSON.stringify(err.params)}`);
    }
  }
}
process.exit(failed === 0 ? 0 : 1);
