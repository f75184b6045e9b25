// A backend that knows nothing of caged but its client package: judges the program named on
// the command line against one test and prints the result as JSON. CAGED_REDIS_URL,
// CAGED_QUEUE, CAGED_PREFIX and CAGED_REDIS_CLUSTER say where the worker listens.
'use strict';
const fs = require('node:fs');
const { CagedClient, JobFailedError } = require('caged-client');

async function main() {
  const [file, language, stdin, expected] = process.argv.slice(2);
  const client = new CagedClient({
    connection: process.env.CAGED_REDIS_URL,
    cluster: process.env.CAGED_REDIS_CLUSTER === 'yes',
    queueName: process.env.CAGED_QUEUE,
    prefix: process.env.CAGED_PREFIX || undefined,
  });
  try {
    const result = await client.submit(
      { language, source: fs.readFileSync(file, 'utf8'), testcases: [{ stdin, expected }] },
      { timeoutMs: 60000 },
    );
    process.stdout.write(JSON.stringify({ verdict: result.verdict, stdout: result.tests[0].stdout }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: err.name, invalid: err instanceof JobFailedError && err.invalid }) + '\n');
  } finally {
    await client.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
