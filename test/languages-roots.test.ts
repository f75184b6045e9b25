/**
 * A job's root is its language's chain of layers and nothing else, on the real layered image: a C
 * job sees gcc but no JDK, Node.js or Go; a Java job sees the JDK but no gcc, Node.js or Go
 * (issue 11, Done-when 2). The programs look with stat(2) from inside the box.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const PATHS = ['/usr/lib/jvm', '/usr/bin/java', '/usr/bin/node', '/usr/lib/go-1.19', '/usr/bin/go', '/usr/bin/gcc', '/usr/bin/python3'];

const C_PROBE = `#include <stdio.h>
#include <sys/stat.h>
int main(void) {
  const char *paths[] = {${PATHS.map((p) => JSON.stringify(p)).join(', ')}};
  struct stat st;
  for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++)
    if (stat(paths[i], &st) == 0) printf("%s\\n", paths[i]);
  return 0;
}
`;

const JAVA_PROBE = `import java.io.File;
public class Main {
  public static void main(String[] args) {
    String[] paths = {${PATHS.map((p) => JSON.stringify(p)).join(', ')}};
    for (String p : paths) if (new File(p).exists()) System.out.println(p);
  }
}
`;

let sandbox: Sandbox;
let judge: Judge;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-roots-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache') });
}, 300_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function seen(language: string, source: string): Promise<string[]> {
  const r = await judge.judge({ language, source, testcases: [{ stdin: '' }] });
  expect(r.verdict).toBe('AC');
  return r.tests[0]!.stdout.split('\n').filter(Boolean);
}

describe("a job's root is its language's layers only", () => {
  it('C: gcc, no JDK, Node.js, Go or Python', async () => {
    expect(await seen('c', C_PROBE)).toEqual(['/usr/bin/gcc']);
  });

  it('Java: the JDK, no gcc, Node.js, Go or Python', async () => {
    expect(await seen('java', JAVA_PROBE)).toEqual(['/usr/lib/jvm', '/usr/bin/java']);
  });

  it('the two chains differ in the result: each names the digest of its own chain', async () => {
    const c = await judge.judge({ language: 'c', source: C_PROBE, testcases: [{ stdin: '' }] });
    const java = await judge.judge({ language: 'java', source: JAVA_PROBE, testcases: [{ stdin: '' }] });
    expect(c.image.name).toBe(java.image.name);
    expect(c.image.digest).not.toBe(java.image.digest);
  });
});
