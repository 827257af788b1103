// The API contract's checks, with the standard tools from npm:
//
//   node openapi-check.mjs validate DOCUMENT
//       DOCUMENT (a file, or "-" for stdin) is valid OpenAPI 3.1 (@apidevtools/swagger-parser),
//       every operation answers 401 exactly when it needs a key, and every operationId is unique.
//   node openapi-check.mjs responses DOCUMENT RESPONSES
//       Each line of RESPONSES, {"method","path","status","content_type","body"} as the test
//       harness received it from a server, is an answer the document allows: its status is
//       listed for its operation (`default` covers 5xx only), its media type is one the document
//       gives, and a JSON body matches the schema (Ajv, JSON Schema 2020-12). The server's own
//       refusals on any path (no_such_endpoint, method_not_allowed, bad_request, body_too_large)
//       and answers to paths the document does not have must be the error shape.
//
// Prints one line per problem and exits 1 when there is any; 0 and a count otherwise.
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [command, documentPath, responsesPath] = process.argv.slice(2);
const readText = (path) => readFileSync(path === '-' ? 0 : path, 'utf8');
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function operationsOf(document) {
  const out = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of methods) {
      if (item[method]) out.push({ path, method, operation: item[method] });
    }
  }
  return out;
}

async function validate() {
  const document = JSON.parse(readText(documentPath));
  const problems = [];
  try {
    await SwaggerParser.validate(structuredClone(document));
  } catch (error) {
    problems.push(`not valid OpenAPI: ${error.message}`);
  }
  if (!String(document.openapi).startsWith('3.1')) problems.push(`openapi is ${document.openapi}, not 3.1`);
  const ids = new Set();
  for (const { path, method, operation } of operationsOf(document)) {
    const open = Array.isArray(operation.security) && operation.security.length === 0;
    // A sign-in takes its credential in the body (x-credentials-in-body), so it may refuse it with 401.
    const refusesKeys = Boolean(operation.responses?.['401']) && !operation['x-credentials-in-body'];
    if (open === refusesKeys) {
      problems.push(`${method.toUpperCase()} ${path}: ${open ? 'needs no key but lists 401' : 'needs a key but lists no 401'}`);
    }
    if (!operation.operationId) problems.push(`${method.toUpperCase()} ${path}: no operationId`);
    if (ids.has(operation.operationId)) problems.push(`${method.toUpperCase()} ${path}: operationId ${operation.operationId} repeats`);
    ids.add(operation.operationId);
  }
  return { problems, checked: ids.size, what: 'operations' };
}

// "/v1/recordings/{id}/audio" as a regular expression over concrete paths.
function pathPattern(template) {
  const escaped = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`);
}

// Refusals the server gives on any path before a route answers, as info.description says.
const serverRefusals = { 400: 'bad_request', 404: 'no_such_endpoint', 405: 'method_not_allowed', 413: 'body_too_large' };
function isTheServersOwnRefusal(answer) {
  const code = serverRefusals[answer.status];
  if (!code) return false;
  try {
    return JSON.parse(answer.body)?.error?.code === code;
  } catch {
    return false;
  }
}

function responses() {
  const document = JSON.parse(readText(documentPath));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: document.components });
  const validatorFor = new Map();
  const validator = (schema) => {
    const key = JSON.stringify(schema);
    if (!validatorFor.has(key)) {
      const rebased = JSON.parse(key.replaceAll('"#/components/', '"openapi.json#/components/'));
      validatorFor.set(key, ajv.compile(rebased));
    }
    return validatorFor.get(key);
  };
  const resolve = (value) => (value?.$ref ? value.$ref.split('/').slice(1).reduce((o, k) => o[k], document) : value);
  const templates = Object.keys(document.paths).map((path) => ({ path, pattern: pathPattern(path) }));
  const errorSchema = { $ref: '#/components/schemas/Error' };

  const problems = [];
  const lines = readText(responsesPath).split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) {
    const answer = JSON.parse(line);
    const what = `${answer.method} ${answer.path} → ${answer.status}`;
    const mediaType = (answer.content_type ?? '').split(';')[0].trim().toLowerCase();
    const template = templates.find((t) => t.pattern.test(answer.path));
    const operation = template && document.paths[template.path][answer.method.toLowerCase()];
    let schema;
    if (!operation || isTheServersOwnRefusal(answer)) {
      if (answer.status < 400) {
        problems.push(`${what}: the document has no such operation`);
        continue;
      }
      schema = errorSchema;  // 404 for an unknown path, 405 for a method the path lacks
    } else {
      const documented = operation.responses[String(answer.status)] ??
                         (answer.status >= 500 ? operation.responses.default : undefined);
      if (!documented) {
        problems.push(`${what}: status ${answer.status} is not documented for ${answer.method} ${template.path}`);
        continue;
      }
      const content = resolve(documented).content ?? {};
      const media = Object.keys(content).find((type) => type === mediaType);
      if (!media) {
        if (Object.keys(content).length > 0 || answer.body !== '') {
          problems.push(`${what}: media type '${mediaType}' is not one of [${Object.keys(content).join(', ')}]`);
        }
        continue;
      }
      if (media !== 'application/json') continue;
      schema = content[media].schema;
    }
    if (mediaType !== 'application/json') {
      problems.push(`${what}: an error must be application/json, not '${mediaType}'`);
      continue;
    }
    let body;
    try {
      body = JSON.parse(answer.body);
    } catch (error) {
      problems.push(`${what}: the body is not JSON (${error.message})`);
      continue;
    }
    const check = validator(schema);
    if (!check(body)) {
      const errors = check.errors.map((e) => {
        const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '';
        return `${e.instancePath || '/'} ${e.message}${extra}`;
      }).join('; ');
      problems.push(`${what}: ${errors}`);
    }
  }
  return { problems, checked: lines.length, what: 'answers' };
}

const run = { validate, responses }[command];
if (!run || !documentPath || (command === 'responses' && !responsesPath)) {
  console.error('usage: node openapi-check.mjs validate DOCUMENT | responses DOCUMENT RESPONSES.jsonl');
  process.exit(2);
}
const { problems, checked, what } = await run();
for (const problem of problems) console.log(problem);
if (problems.length > 0) process.exit(1);
console.log(`${checked} ${what} checked against the document`);
