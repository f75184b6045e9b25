// Validates Kubernetes manifests against the API schemas that kubernetes-models and
// @kubernetes-models/keda ship (offline; both are ES modules, hence this script, which
// test/deploy.test.ts runs with node). Input: JSON on stdin, an array of {file, doc} (the YAML
// documents, parsed by the test). Output: JSON on stdout, one {file, kind, name, error} per doc,
// `error` null when the document validates; a kind it has no model for is an error too.
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

const MODELS = { v1: core, 'apps/v1': apps, 'keda.sh/v1alpha1': keda };

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const results = JSON.parse(input).map(({ file, doc }) => {
    const Model = MODELS[doc.apiVersion]?.[doc.kind];
    const out = { file, kind: doc.kind, name: doc.metadata?.name ?? null, error: null };
    if (typeof Model !== 'function') return { ...out, error: `no schema for ${doc.apiVersion} ${doc.kind}` };
    try {
      new Model(doc).validate();
    } catch (err) {
      out.error = err instanceof Error ? err.message : String(err);
    }
    return out;
  });
  process.stdout.write(`${JSON.stringify(results)}\n`);
});
