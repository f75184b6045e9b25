/**
 * The Judge0 edges of `caged api` without a server: a Judge0 request becomes a native
 * submission in caged's units, a result becomes Judge0's fields, webhook signatures verify,
 * and the target guard refuses private networks (resolving names, not only literals).
 */
import dns from 'node:dns';
import { Judge0Languages } from '../../src/judge0/languages';
import { testLimitsConfig } from '../../src/judge/limits';
import { judge0ConfigInfo } from '../../src/judge0/config-info';
import { fromJudge0 } from '../../src/judge0/request';
import { ShellWordsError, shellWords } from '../../src/judge0/shell-words';
import { judge0View, NotUtf8Error, parseFields } from '../../src/judge0/view';
import { signatureOf, verifySignature } from '../../src/webhook/signature';
import { RefusedTargetError, TargetGuard } from '../../src/webhook/target-guard';
import type { JudgeResult } from '../../src/judge/schema';

const languages = new Judge0Languages([
  { id: 'c', name: 'C (GCC 12.2.0, GNU17)', sourceFile: 'main.c' },
  { id: 'cpp20', name: 'C++20', sourceFile: 'main.cpp' },
]);

describe('a Judge0 request', () => {
  it('maps seconds, KB and counts to caged limits, and stdin/expected_output to one test', () => {
    const out = fromJudge0(
      {
        source_code: 'int main(){}',
        language_id: 48,
        stdin: 'in',
        expected_output: 'out',
        cpu_time_limit: 1.5,
        wall_time_limit: 3,
        memory_limit: 128000,
        max_processes_and_or_threads: 8,
        max_file_size: 1024,
      },
      { id: 'tok', base64: false, languages },
    );
    expect(out).toEqual({
      submission: {
        id: 'tok',
        language: 'c',
        source: 'int main(){}',
        testcases: [{ stdin: 'in', stdinEncoding: 'utf8', expected: 'out', expectedEncoding: 'utf8' }],
        checker: { type: 'lines' },
        languageFactors: false,
        // max_file_size caps stdout too, as isolate's file size limit does.
        limits: {
          cpuTimeMs: 1500,
          wallTimeMs: 3000,
          memoryBytes: 128000 * 1024,
          pids: 8,
          fileSizeBytes: 1024 * 1024,
          outputBytes: 1024 * 1024,
        },
      },
    });
  });

  it('casts decimal strings and "true"/"false" as Judge0\'s typed columns do, and refuses other strings', () => {
    const out = fromJudge0(
      {
        source_code: 'int main(){}',
        language_id: '48',
        cpu_time_limit: '1.5',
        wall_time_limit: ' 3 ',
        memory_limit: '128000',
        stack_limit: '64000',
        cpu_extra_time: '0.5',
        number_of_runs: '1',
        redirect_stderr_to_stdout: 'true',
        enable_network: 'false',
      },
      { id: 'tok', base64: false, languages },
    );
    expect('submission' in out && out.submission).toMatchObject({
      language: 'c',
      limits: { cpuTimeMs: 1500, wallTimeMs: 3000, memoryBytes: 128000 * 1024, stackBytes: 64000 * 1024 },
      stderrToStdout: true,
    });
    const bad = fromJudge0(
      { source_code: 'x', language_id: 'C', cpu_time_limit: '1s', redirect_stderr_to_stdout: 'yes', memory_limit: '1.5' },
      { id: 't', base64: false, languages },
    );
    expect('errors' in bad && bad.errors).toEqual({
      language_id: ["can't be blank"],
      cpu_time_limit: ['is not a number'],
      redirect_stderr_to_stdout: ['is not true or false'],
      memory_limit: [expect.stringMatching(/expected int/)],
    });
    expect(fromJudge0({ source_code: 'x', language_id: 50, enable_network: 'true' }, { id: 't', base64: false, languages })).toEqual({
      errors: { enable_network: ['is not supported: programs never have a network'] },
    });
  });

  it('keeps a base64 source that is not UTF-8 as bytes, in the language source file', () => {
    const bytes = Buffer.from([0x70, 0xe9, 0x0a]);
    const out = fromJudge0({ source_code: bytes.toString('base64'), language_id: 50 }, { id: 't', base64: true, languages });
    expect('submission' in out && out.submission.files).toEqual([
      { name: 'main.c', content: bytes.toString('base64'), encoding: 'base64' },
    ]);
  });

  it('refuses unknown languages, languages without a Judge0 id, and options caged does not implement, by field', () => {
    expect(fromJudge0({ source_code: 'x', language_id: 54 }, { id: 't', base64: false, languages })).toEqual({
      errors: { language_id: ["language with id 54 doesn't exist"] },
    });
    const out = fromJudge0(
      { source_code: 'x', language_id: 50, enable_network: true, number_of_runs: 3, additional_files: null },
      { id: 't', base64: false, languages },
    );
    expect(Object.keys('errors' in out ? out.errors : {}).sort()).toEqual(['enable_network', 'number_of_runs']);
    expect(fromJudge0({ source_code: 'x', language_id: 50, additional_files: 'UEsFBg==' }, { id: 't', base64: false, languages })).toEqual({
      errors: { additional_files: ['is not a ZIP archive (no end of central directory record)'] },
    });
    expect(fromJudge0({ source_code: '@@@', language_id: 50 }, { id: 't', base64: true, languages })).toEqual({
      errors: { source_code: ['is not base64'] },
    });
  });
});

describe('command_line_arguments, split as the shell Judge0 hands it to would split it', () => {
  it('splits at blanks and takes quotes and backslashes as a shell does', () => {
    expect(shellWords('')).toEqual([]);
    expect(shellWords('  a b\t c\n \n')).toEqual(['a', 'b', 'c']);
    expect(shellWords(`'a\nb' "c\nd"`)).toEqual(['a\nb', 'c\nd']);
    expect(shellWords(`'x y' "a\\"b" c\\ d '' ""`)).toEqual(['x y', 'a"b', 'c d', '', '']);
    expect(shellWords(`"a'b" 'a"b' "\\$x" '$x' "back\\\\slash" "\\n"`)).toEqual(["a'b", 'a"b', '$x', '$x', 'back\\slash', '\\n']);
    expect(shellWords('a#b c~ x=1 -n 3 --k=v 50%')).toEqual(['a#b', 'c~', 'x=1', '-n', '3', '--k=v', '50%']);
    expect(shellWords(`ab'c d'e`)).toEqual(['abc de']);
    expect(shellWords('a\\\nb')).toEqual(['ab']);
  });

  it('refuses what only a shell could do, and unclosed quotes, naming the character', () => {
    const refused = [
      '$HOME',
      '"$HOME"',
      '`id`',
      '"`id`"',
      'a|b',
      'a;b',
      'a>f',
      '<f',
      'a&',
      '(a)',
      '*.txt',
      'a?',
      '[ab]',
      '~/x',
      '#c',
      '{a,b}',
      'a\nrm x',
      "'x",
      '"x',
      'x\\',
    ];
    for (const line of refused) expect(() => shellWords(line)).toThrow(ShellWordsError);
    expect(() => shellWords('1 $x')).toThrow('"$" (an expansion) at character 3');
    expect(() => shellWords("1 'x")).toThrow('the single quote at character 3 is not closed');
  });
});

describe('a Judge0 request with Judge0 defaults a client may send', () => {
  it('takes command_line_arguments as the test args, stack_limit in KB, and cpu_extra_time', () => {
    const out = fromJudge0(
      { source_code: 'x', language_id: 50, command_line_arguments: `-n 3 'two words'`, stack_limit: 64000, cpu_extra_time: 1 },
      { id: 't', base64: false, languages },
    );
    expect('submission' in out && out.submission.testcases?.[0]?.args).toEqual(['-n', '3', 'two words']);
    expect('submission' in out && out.submission.limits).toEqual({ stackBytes: 64000 * 1024 });
    expect('submission' in out && out.submission.stderrToStdout).toBeUndefined();
    const merged = fromJudge0(
      { source_code: 'x', language_id: 50, redirect_stderr_to_stdout: true },
      { id: 't', base64: false, languages },
    );
    expect('submission' in merged && merged.submission.stderrToStdout).toBe(true);
    const none = fromJudge0(
      { source_code: 'x', language_id: 50, command_line_arguments: '', stack_limit: 0 },
      { id: 't', base64: false, languages },
    );
    expect('submission' in none && none.submission.testcases?.[0]?.args).toBeUndefined();
    expect('submission' in none && none.submission.limits).toBeUndefined();
  });

  it('refuses arguments a shell would expand, a stack below 64 KB and extra time above 5 s, by field', () => {
    const out = (body: object) => fromJudge0({ source_code: 'x', language_id: 50, ...body }, { id: 't', base64: false, languages });
    expect(out({ command_line_arguments: 'a $b' })).toEqual({
      errors: {
        command_line_arguments: ['"$" (an expansion) at character 3 needs a shell, and caged runs the program without one (quote it)'],
      },
    });
    expect(Object.keys((out({ stack_limit: 63 }) as { errors: object }).errors)).toEqual(['stack_limit']);
    expect(Object.keys((out({ stack_limit: -1 }) as { errors: object }).errors)).toEqual(['stack_limit']);
    expect(Object.keys((out({ cpu_extra_time: 6 }) as { errors: object }).errors)).toEqual(['cpu_extra_time']);
  });
});

describe("Judge0's /config_info", () => {
  it("gives the configured test defaults and maxima in seconds and KB, and the queue's bound (null when off)", () => {
    const source = {
      testLimits: testLimitsConfig({ cpuTimeMs: 1500, memoryBytes: 64 * 2 ** 20, pids: 32 }),
      callbacks: true,
      callbackAttempts: 4,
      callbackTimeoutMs: 2500,
      maxBatch: 20,
      maxQueue: 10_000,
    };
    const info = judge0ConfigInfo(source);
    expect(info).toMatchObject({
      cpu_time_limit: 1.5,
      max_cpu_time_limit: 1.5,
      memory_limit: 65536,
      max_memory_limit: 65536,
      max_stack_limit: 65536,
      max_processes_and_or_threads: 32,
      max_max_processes_and_or_threads: 32,
      enable_callbacks: true,
      callbacks_max_tries: 4,
      callbacks_timeout: 2.5,
      max_submission_batch_size: 20,
      max_queue_size: 10_000,
    });
    const unbounded = judge0ConfigInfo({ ...source, maxQueue: 0 });
    expect(unbounded.max_queue_size).toBeNull();
  });
});

describe('the Judge0 view of a job', () => {
  const result = {
    verdict: 'RE',
    judge0: { id: 7, description: 'Runtime Error (SIGSEGV)' },
    message: '',
    compile: {
      verdict: 'OK',
      exitCode: 0,
      output: '',
      outputTruncated: false,
      cpuTimeMs: 300,
      wallTimeMs: 320,
      memoryBytes: 1,
      cached: false,
    },
    tests: [
      {
        index: 0,
        verdict: 'RE',
        judge0: { id: 7, description: 'Runtime Error (SIGSEGV)' },
        exitCode: null,
        signal: 'SIGSEGV',
        stdout: Buffer.from([0xff]).toString('base64'),
        stdoutEncoding: 'base64',
        stderr: '',
        stderrEncoding: 'utf8',
        cpuTimeMs: 12,
        wallTimeMs: 15.6,
        memoryBytes: 2048 * 1024,
        message: 'killed by SIGSEGV',
      },
    ],
  } as unknown as JudgeResult;
  const job = {
    token: 'tok',
    state: 'completed',
    data: { language: 'c', source: 's', testcases: [{ stdin: '' }], limits: { cpuTimeMs: 2500 } },
    result,
  };

  it("gives Judge0's units: time in seconds as a string, memory in KB, the signal's number", () => {
    const v = judge0View(job, {
      fields: parseFields('time,wall_time,memory,exit_signal,status,cpu_time_limit,language_id').fields,
      base64: false,
      languages,
    });
    expect(v).toEqual({
      time: '0.012',
      wall_time: '0.016',
      memory: 2048,
      exit_signal: 11,
      status: { id: 7, description: 'Runtime Error (SIGSEGV)' },
      cpu_time_limit: 2.5,
      language_id: 50,
    });
  });

  it('gives back stack_limit in KB and the arguments as shell words that split back to them', () => {
    const args = ['-n', "it's", 'a b', ''];
    const withArgs = { ...job, data: { ...job.data, testcases: [{ stdin: '', args }], limits: { stackBytes: 8192 * 1024 } } };
    const v = judge0View(withArgs, { fields: ['stack_limit', 'command_line_arguments'], base64: false, languages });
    expect(v.stack_limit).toBe(8192);
    expect(shellWords(v.command_line_arguments as string)).toEqual(args);
    expect(judge0View(job, { fields: ['stack_limit', 'command_line_arguments'], base64: false, languages })).toEqual({
      stack_limit: null,
      command_line_arguments: null,
    });
  });

  it('refuses output that is not UTF-8 unless base64 is asked for', () => {
    expect(() => judge0View(job, { fields: ['stdout'], base64: false, languages })).toThrow(NotUtf8Error);
    expect(judge0View(job, { fields: ['stdout'], base64: true, languages })).toEqual({ stdout: '/w==' });
  });

  it("fills message, exit_code and empty output as Judge0 does: null on a normal end, isolate's words otherwise", () => {
    const at = (t: Record<string, unknown>, verdict = 'AC'): Record<string, unknown> =>
      judge0View(
        {
          ...job,
          result: { ...result, verdict, tests: [{ ...result.tests[0]!, stdout: '', stdoutEncoding: 'utf8', ...t }] } as JudgeResult,
        },
        { fields: ['message', 'exit_code', 'exit_signal', 'stdout', 'stderr'], base64: false, languages },
      );
    const ok = { verdict: 'AC', exitCode: 0, signal: null, limitHit: null, message: 'accepted' };
    expect(at(ok)).toEqual({ message: null, exit_code: 0, exit_signal: null, stdout: null, stderr: null });
    expect(at({ ...ok, verdict: 'WA', message: 'wrong answer', stdout: '4\n' })).toMatchObject({ message: null, stdout: '4\n' });
    expect(at({ ...ok, verdict: 'RE', exitCode: 3, message: 'exit code 3' })).toMatchObject({
      message: 'Exited with error status 3',
      exit_code: 3,
    });
    expect(at({ ...ok, verdict: 'RE', exitCode: null, signal: 'SIGSEGV', message: 'killed by SIGSEGV' })).toMatchObject({
      message: 'Caught fatal signal 11',
      exit_code: 0,
      exit_signal: 11,
    });
    expect(at({ ...ok, verdict: 'TLE', exitCode: null, signal: 'SIGKILL', limitHit: 'cpu' }).message).toBe('Time limit exceeded');
    expect(at({ ...ok, verdict: 'TLE', exitCode: null, signal: 'SIGKILL', limitHit: 'wall' }).message).toBe(
      'Time limit exceeded (wall clock)',
    );
    // What isolate has no words for keeps caged's.
    const mle = { ...ok, verdict: 'MLE', exitCode: null, signal: 'SIGKILL', limitHit: 'memory', message: 'memory limit exceeded' };
    expect(at(mle).message).toBe('memory limit exceeded');
  });

  it('gives a compile error no time, memory, exit code or message: the compiler speaks in compile_output', () => {
    const ce = {
      ...result,
      verdict: 'CE',
      judge0: { id: 6, description: 'Compilation Error' },
      message: 'Compilation Error: x',
      compile: { ...result.compile, verdict: 'CE', exitCode: 1, output: 'main.c:1: error' },
      tests: [{ ...result.tests[0]!, verdict: 'SKIPPED' }],
    } as unknown as JudgeResult;
    const fields = parseFields('status_id,time,wall_time,memory,exit_code,message,compile_output').fields;
    expect(judge0View({ ...job, result: ce }, { fields, base64: false, languages })).toEqual({
      status_id: 6,
      time: null,
      wall_time: null,
      memory: null,
      exit_code: null,
      message: null,
      compile_output: 'main.c:1: error',
    });
  });

  it("answers every field for * anywhere in fields=, Judge0's option fields at caged's values, and limits as they ran", () => {
    const testLimits = testLimitsConfig({});
    const all = judge0View(job, { fields: parseFields('stdout,*').fields, base64: true, languages, testLimits });
    expect(all).toMatchObject({
      number_of_runs: 1,
      enable_network: false,
      additional_files: null,
      enable_per_process_and_thread_time_limit: false,
      enable_per_process_and_thread_memory_limit: false,
      cpu_time_limit: 2.5,
      // Not given: the wall limit derived from the CPU limit, the default memory.
      wall_time_limit: 6,
      memory_limit: testLimits.defaults.memoryBytes / 1024,
    });
  });

  it('shows In Queue, Processing and Internal Error for jobs not completed', () => {
    const status = (state: string): unknown =>
      judge0View({ ...job, state, failedReason: 'internal error: x' }, { fields: ['status_id'], base64: false, languages }).status_id;
    expect([status('waiting'), status('active'), status('failed')]).toEqual([1, 2, 13]);
    expect(parseFields('stdout,bogus').unknown).toEqual(['bogus']);
  });
});

describe('webhook signatures', () => {
  it('verify with the secret, not with another, not when the body changed, not when stale', () => {
    const now = 1_800_000_000;
    const sig = signatureOf('s3cret', now, '{"a":1}');
    expect(verifySignature('s3cret', sig, '{"a":1}', { nowS: now })).toBe(true);
    expect(verifySignature('other', sig, '{"a":1}', { nowS: now })).toBe(false);
    expect(verifySignature('s3cret', sig, '{"a":2}', { nowS: now })).toBe(false);
    expect(verifySignature('s3cret', sig, '{"a":1}', { nowS: now + 3600 })).toBe(false);
    expect(verifySignature('s3cret', undefined, '{"a":1}', { nowS: now })).toBe(false);
  });
});

describe('the webhook target guard', () => {
  const guard = new TargetGuard();
  it('refuses private, loopback, link-local and mapped addresses, and accepts public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.2.3.4',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ])
      expect([a, guard.refusal(a)]).toEqual([a, expect.any(String)]);
    for (const a of ['93.184.216.34', '2606:2800:220:1::1']) expect(guard.refusal(a)).toBeNull();
  });

  it('refuses non-http URLs and private literals, and allows a configured network', () => {
    expect(() => guard.checkUrl('ftp://example.com/')).toThrow(RefusedTargetError);
    expect(() => guard.checkUrl('http://[::1]:8080/')).toThrow(RefusedTargetError);
    expect(guard.checkUrl('https://example.com/hook').hostname).toBe('example.com');
    expect(new TargetGuard('127.0.0.0/8').refusal('127.0.0.1')).toBeNull();
  });

  it('refuses a name that resolves to a private address (the lookup the socket uses)', async () => {
    const spy = jest.spyOn(dns, 'lookup').mockImplementation(((_h: string, _o: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      cb(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ])) as unknown as typeof dns.lookup);
    try {
      const err = await new Promise<unknown>((resolve) => guard.lookup('rebind.example', {}, (e) => resolve(e)));
      expect(err).toBeInstanceOf(RefusedTargetError);
    } finally {
      spy.mockRestore();
    }
  });
});
