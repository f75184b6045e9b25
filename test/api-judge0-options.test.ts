/**
 * The Judge0 options a client may send besides the program, against a real worker, the real
 * Redis and the real image, through `caged api`: command_line_arguments (split as Judge0's shell
 * would split them), stack_limit, cpu_extra_time, redirect_stderr_to_stdout, additional_files,
 * a multi-file program (89) and an executable (44), and /config_info, whose maxima a request may
 * then ask for.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   the answers are read as a Judge0 client reads them: untyped JSON, each field asserted by the test */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { ApiServer } from '../src/api/server';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import { REDIS_URL, SUBMISSIONS, freshQueueName, obliterate } from './helpers/queue';

jest.setTimeout(180_000);

const TOKEN = 'test-token-0123456789abcdef';
const SUM_C = SUBMISSIONS.AC.source as string;

/**
 * The base64 of a ZIP archive as a client's library makes it (Python's zipfile, deflated); a name
 * starting with "+" is stored executable (mode 0755), as zip -r keeps a script's mode.
 */
const archive = (files: Record<string, string>): string =>
  execFileSync(
    'python3',
    [
      '-c',
      'import io,sys,json,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,"w",zipfile.ZIP_DEFLATED)\n' +
        'for k,v in json.load(sys.stdin).items():\n' +
        ' i=zipfile.ZipInfo(k.lstrip("+"));i.compress_type=zipfile.ZIP_DEFLATED\n' +
        ' i.external_attr=(0o100755 if k.startswith("+") else 0o100644)<<16\n' +
        ' z.writestr(i,v)\n' +
        'z.close()\nsys.stdout.buffer.write(b.getvalue())',
    ],
    { input: JSON.stringify(files) },
  ).toString('base64');

describe('caged api with Judge0 options', () => {
  let queueName: string;
  let runtime: WorkerRuntime;
  let server: ApiServer;
  let base: string;

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    queueName = freshQueueName();
    const env = {
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queueName,
      CAGED_CONCURRENCY: '2',
      CAGED_API_PORT: '0',
      CAGED_API_TOKENS: TOKEN,
    };
    const logger = createLogger({ level: 'silent' });
    runtime = await WorkerRuntime.start(loadConfig(env), { logger });
    server = await ApiServer.create(loadConfig(env), logger);
    base = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    await server?.close();
    await runtime?.shutdown();
    await obliterate(queueName);
  });

  it('passes command_line_arguments as a shell would split them, and applies stack_limit (Judge0 defaults accepted)', async () => {
    // Prints its arguments, then recurses 1 KiB a level as deep as stdin says.
    const source = [
      '#include <stdio.h>',
      'static int down(int n) { volatile char pad[1024]; pad[0] = (char)n; return n ? down(n - 1) + pad[0] : 0; }',
      'int main(int argc, char **argv) {',
      '  for (int i = 1; i < argc; i++) printf("[%s]", argv[i]);',
      '  int n = 0; if (scanf("%d", &n) != 1) return 2;',
      '  printf(" %d\\n", down(n) != -1);',
      '  return 0;',
      '}',
    ].join('\n');
    const base = {
      source_code: source,
      language_id: 50,
      stdin: '8000',
      cpu_extra_time: 1,
      command_line_arguments: `-n 'two words' "" a\\ b`,
    };
    const deep = await api('POST', '/submissions?wait=true&fields=status,stdout,stack_limit,command_line_arguments', {
      ...base,
      stack_limit: 0,
    });
    expect(deep.status).toBe(201);
    expect(deep.body.status).toEqual({ id: 3, description: 'Accepted' });
    expect(deep.body.stdout).toBe('[-n][two words][][a b] 1\n');
    expect(deep.body.stack_limit).toBeNull();
    expect(deep.body.command_line_arguments).toBe(`-n 'two words' '' 'a b'`);
    // 8 MB of recursion in a 1 MB stack: the stack limit is the program's, as under Judge0.
    const shallow = await api('POST', '/submissions?wait=true&fields=status,stack_limit', { ...base, stack_limit: 1024 });
    expect(shallow.body).toEqual({ status: { id: 7, description: 'Runtime Error (SIGSEGV)' }, stack_limit: 1024 });
    const refused = await api('POST', '/submissions?wait=true', { ...base, command_line_arguments: 'a; rm -rf /' });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.body)).toEqual(['command_line_arguments']);
    const tooMany = await api('POST', '/submissions', { ...base, command_line_arguments: 'a '.repeat(65) });
    expect(tooMany.status).toBe(422);
    expect(Object.keys(tooMany.body)).toEqual(['command_line_arguments']);
  });

  it('puts stderr into stdout, in the order written, with redirect_stderr_to_stdout', async () => {
    const source =
      '#include <stdio.h>\nint main(void) { printf("out1\\n"); fflush(stdout); fprintf(stderr, "err\\n"); printf("out2\\n"); return 0; }\n';
    const body = { source_code: source, language_id: 50, expected_output: 'out1\nerr\nout2\n' };
    const fields = '&fields=status_id,stdout,stderr,redirect_stderr_to_stdout';
    const merged = await api('POST', `/submissions?wait=true${fields}`, { ...body, redirect_stderr_to_stdout: true });
    expect(merged.body).toEqual({ status_id: 3, stdout: 'out1\nerr\nout2\n', stderr: null, redirect_stderr_to_stdout: true });
    const apart = await api('POST', `/submissions?wait=true${fields}`, body);
    expect(apart.body).toEqual({ status_id: 4, stdout: 'out1\nout2\n', stderr: 'err\n', redirect_stderr_to_stdout: false });
  });

  it('puts additional_files beside the source before the compile, as Judge0 unzips them', async () => {
    const fields = '&fields=status_id,stdout,compile_output';
    const py = await api('POST', `/submissions?wait=true${fields}`, {
      source_code: 'import helper\nprint(helper.twice(int(open("data/n.txt").read())))\n',
      language_id: 92,
      additional_files: archive({ 'helper.py': 'def twice(x):\n    return 2 * x\n', 'data/n.txt': '21\n', 'main.py': 'print(0)\n' }),
      expected_output: '42',
    });
    expect(py.body).toEqual({ status_id: 3, stdout: '42\n', compile_output: null });
    const c = await api('POST', `/submissions?wait=true${fields}`, {
      source_code: '#include <stdio.h>\n#include "lib/twice.h"\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n',
      language_id: 103, // C (GCC 14.1.0)
      additional_files: archive({ 'lib/twice.h': 'static int twice(int x) { return 2 * x; }\n' }),
      expected_output: '42',
    });
    expect(c.body).toEqual({ status_id: 3, stdout: '42\n', compile_output: null });
    // Judge0 compiles main.c alone: a second C source is refused, not linked in.
    const twoSources = await api('POST', '/submissions', {
      source_code: 'int main(void){return 0;}',
      language_id: 50,
      additional_files: archive({ 'x.c': 'int x;' }),
    });
    expect(twoSources.status).toBe(422);
    expect(twoSources.body).toEqual({
      additional_files: [expect.stringContaining('holds "x.c", a source that caged would compile with main.c')],
    });
    // Judge0's SQL queries the archive's db.sqlite (its run: sqlite3 db.sqlite).
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'caged-sql-')), 'db.sqlite');
    execFileSync('python3', [
      '-c',
      'import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.execute("create table t(x)")\nc.executemany("insert into t values(?)",[(20,),(22,)])\nc.commit()',
      db,
    ]);
    const zipped = execFileSync('python3', [
      '-c',
      'import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,"w")\nz.write(sys.argv[1],"db.sqlite")\nz.close()\nsys.stdout.buffer.write(b.getvalue())',
      db,
    ]);
    const sql = await api('POST', `/submissions?wait=true${fields}`, {
      source_code: 'select sum(x) from t;\n',
      language_id: 82,
      additional_files: zipped.toString('base64'),
      expected_output: '42',
    });
    expect(sql.body).toEqual({ status_id: 3, stdout: '42\n', compile_output: null });
    // Without one, a new database in memory, as before.
    const empty = await api('POST', `/submissions?wait=true${fields}`, { source_code: 'select count(*) from t;\n', language_id: 82 });
    expect(empty.body).toMatchObject({ status_id: 11 });
    // Past the worker's source cap (256 KiB by default): refused under additional_files.
    const big = await api('POST', '/submissions', {
      source_code: 'print(1)',
      language_id: 71,
      additional_files: archive({ 'big.txt': 'x'.repeat(300_000) }),
    });
    expect(big.status).toBe(422);
    expect(Object.keys(big.body)).toEqual(['additional_files']);
  });

  it("runs a multi-file program (89): its compile script (CMake here, as in Judge0's example) and its run script", async () => {
    const project = {
      'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\nproject(sum CXX)\nadd_executable(sum src/main.cpp src/twice.cpp)\n',
      'src/main.cpp':
        '#include <iostream>\n#include "twice.h"\nint main(int argc, char **argv) { int n; std::cin >> n; std::cout << twice(n) << " " << argc - 1 << std::endl; }\n',
      'src/twice.h': 'int twice(int x);\n',
      'src/twice.cpp': '#include "twice.h"\nint twice(int x) { return 2 * x; }\n',
      compile: 'cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build build > /dev/null\n',
      run: './build/sum\n',
    };
    const fields = '&fields=status_id,stdout,compile_output,source_code,language_id';
    const ok = await api('POST', `/submissions?wait=true${fields}`, {
      language_id: 89,
      additional_files: archive(project),
      stdin: '21\n',
      expected_output: '42 0',
      command_line_arguments: 'x',
    });
    // The run script takes the arguments; this one does not pass them on.
    expect(ok.body).toEqual({ status_id: 3, stdout: '42 0\n', compile_output: null, source_code: null, language_id: 89 });
    const languages = await api('GET', '/languages');
    expect(languages.body).toContainEqual({ id: 89, name: expect.stringMatching(/^Multi-file program/) });
    expect((await api('GET', '/languages/89')).body).toMatchObject({
      id: 89,
      source_file: null,
      run_cmd: expect.stringContaining('run.sh'),
    });
    // A compile script that fails is a compilation error with its output.
    const ce = await api('POST', `/submissions?wait=true${fields}`, {
      language_id: 89,
      additional_files: archive({ ...project, 'src/twice.cpp': 'int twice(int x) { return x +; }\n' }),
    });
    expect(ce.body).toMatchObject({ status_id: 6, compile_output: expect.stringContaining('twice.cpp') });
    // run.sh wins over run, and gets the arguments; no compile script, nothing compiled; an
    // executable file of the archive runs as ./name, one without the bit does not.
    const script = await api('POST', `/submissions?wait=true${fields}`, {
      language_id: 89,
      additional_files: archive({
        'run.sh': 'echo "$# $1"; ./tools/answer.sh; ./plain.sh || echo "plain: $?"\n',
        run: 'echo wrong\n',
        '+tools/answer.sh': '#!/bin/sh\npython3 -c "print(6 * 7)"\n',
        'plain.sh': '#!/bin/sh\necho never\n',
      }),
      command_line_arguments: '"a b" c',
    });
    expect(script.body).toMatchObject({ status_id: 3, stdout: '2 a b\n42\nplain: 126\n', compile_output: null });
    // A source is refused, and so is a program without files, in Judge0's words.
    const refused = await api('POST', '/submissions', {
      language_id: 89,
      source_code: 'echo hi',
      additional_files: archive({ run: 'echo' }),
    });
    expect(refused).toEqual({ status: 422, body: { source_code: ['must be blank'] } });
    const none = await api('POST', '/submissions', { language_id: 89 });
    expect(none).toEqual({ status: 422, body: { additional_files: ["can't be blank"] } });
  });

  it('runs an executable (44): an ELF binary sent base64 as the source, its file made executable as Judge0 does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-elf-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'sum.c'),
        '#include <stdio.h>\nint main(void) { long long a, b; scanf("%lld %lld", &a, &b); printf("%lld\\n", a + b); return 0; }\n',
      );
      // Linked dynamically (a static glibc binary is past the 256 KiB source cap): the layer's glibc runs it.
      execFileSync('gcc', ['-O2', '-s', '-o', path.join(dir, 'sum'), path.join(dir, 'sum.c')]);
      const elf = fs.readFileSync(path.join(dir, 'sum'));
      const r = await api('POST', '/submissions?wait=true&base64_encoded=true&fields=status_id,stdout,language_id', {
        language_id: 44,
        source_code: elf.toString('base64'),
        stdin: Buffer.from('20 22\n').toString('base64'),
        expected_output: Buffer.from('42').toString('base64'),
      });
      expect(r.body).toEqual({ status_id: 3, stdout: Buffer.from('42\n').toString('base64'), language_id: 44 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('judges Python 2 (70) with Python 2.7: the print statement, raw_input and integer division', async () => {
    const r = await api('POST', '/submissions?wait=true&fields=status_id,stdout,language_id', {
      language_id: 70,
      source_code: 'a, b = map(int, raw_input().split())\nprint (a * b) / 2, 7 / 2\n',
      stdin: '12 7',
      expected_output: '42 3',
    });
    expect(r.body).toEqual({ status_id: 3, stdout: '42 3\n', language_id: 70 });
    const lang = (await api('GET', '/languages/70')).body;
    expect(lang).toMatchObject({ id: 70, name: expect.stringMatching(/^Python 2\.7\./) });
  });

  it("describes what it accepts in Judge0's /config_info, and a request sized from it is judged", async () => {
    const info = (await api('GET', '/config_info')).body;
    expect(info).toMatchObject({
      enable_command_line_arguments: true,
      enable_additional_files: true,
      enable_per_process_and_thread_time_limit: false,
      allow_enable_network: false,
      number_of_runs: 1,
      max_number_of_runs: 1,
      stack_limit: 0,
      disable_implicit_base64_encoding: true,
    });
    for (const k of ['cpu_time_limit', 'max_cpu_time_limit', 'wall_time_limit', 'memory_limit', 'max_memory_limit', 'max_file_size'])
      expect(info[k]).toBeGreaterThan(0);
    expect(info.max_stack_limit).toBe(info.max_memory_limit);
    // Every limit at its advertised maximum is accepted and judged.
    const r = await api('POST', '/submissions?wait=true&fields=status_id', {
      source_code: SUM_C,
      language_id: 50,
      stdin: '1 2',
      expected_output: '3',
      cpu_time_limit: info.max_cpu_time_limit,
      cpu_extra_time: info.max_cpu_extra_time,
      wall_time_limit: info.max_wall_time_limit,
      memory_limit: info.max_memory_limit,
      stack_limit: info.max_stack_limit,
      max_processes_and_or_threads: info.max_max_processes_and_or_threads,
      max_file_size: info.max_max_file_size,
      number_of_runs: info.max_number_of_runs,
    });
    expect(r.body).toEqual({ status_id: 3 });
    const over = await api('POST', '/submissions', { source_code: SUM_C, language_id: 50, memory_limit: info.max_memory_limit + 1 });
    expect(over.status).toBe(422);
    expect(Object.keys(over.body)).toEqual(['memory_limit']);
    expect(info.enable_submission_delete).toBe(false);
    expect(await api('DELETE', '/submissions/00000000-0000-0000-0000-000000000000')).toEqual({
      status: 400,
      body: { error: 'delete not allowed' },
    });
    const version = await fetch(`${base}/version`, { headers: { 'X-Auth-Token': TOKEN } });
    const about = (await api('GET', '/about')).body;
    // The Judge0 release whose API is spoken (clients such as judge0-python key tables by it); caged's own apart.
    expect(await version.text()).toBe('1.13.1');
    expect(about).toMatchObject({ version: '1.13.1', caged_version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect((await api('GET', '/languages/all')).body).toContainEqual({ id: 50, name: expect.any(String), is_archived: false });
  });
});
