/**
 * `GET /config_info`: Judge0's description of what a server accepts, in Judge0's keys and units
 * (seconds, KB), read from caged's own configuration, so that a Judge0 client that sizes its
 * requests from it asks for nothing caged then refuses. Every value is what caged does:
 *
 *   - the limits: the worker's test defaults (already within the maxima) and maxima (CAGED_MAX_*,
 *     src/judge/limits.ts);
 *   - `stack_limit` 0: no stack limit of its own, the memory limit bounds the stack
 *     (`max_stack_limit` is therefore the largest memory limit);
 *   - `cpu_extra_time` 0, up to 5 s accepted (src/judge0/request.ts: it changes no verdict);
 *   - `additional_files` on (src/judge0/request.ts);
 *   - what caged does not do is off and not allowed: per-process limits, the network, several
 *     runs, deleting submissions;
 *   - `max_queue_size`: CAGED_API_MAX_QUEUE (null when 0, no bound);
 *   - `disable_implicit_base64_encoding` true: output that is not UTF-8 is refused without
 *     `base64_encoded=true`, never silently encoded.
 */
import type { StepLimitsConfig } from '../judge/limits';

export interface ConfigInfoSource {
  testLimits: StepLimitsConfig;
  /** CAGED_WEBHOOK_SECRET is set: `callback_url` is accepted. */
  callbacks: boolean;
  callbackAttempts: number;
  callbackTimeoutMs: number;
  maxBatch: number;
  /** CAGED_API_MAX_QUEUE; 0: no bound. */
  maxQueue: number;
}

const KB = 1024;

export function judge0ConfigInfo(s: ConfigInfoSource): Record<string, unknown> {
  const { defaults: d, maxima: m } = s.testLimits;
  return {
    maintenance_mode: false,
    enable_wait_result: true,
    enable_compiler_options: true,
    allowed_languages_for_compile_options: [],
    enable_command_line_arguments: true,
    enable_submission_delete: false,
    enable_callbacks: s.callbacks,
    callbacks_max_tries: s.callbackAttempts,
    callbacks_timeout: s.callbackTimeoutMs / 1000,
    enable_additional_files: true,
    max_queue_size: s.maxQueue === 0 ? null : s.maxQueue,
    cpu_time_limit: d.cpuTimeMs / 1000,
    max_cpu_time_limit: m.cpuTimeMs / 1000,
    cpu_extra_time: 0,
    max_cpu_extra_time: 5,
    wall_time_limit: d.wallTimeMs / 1000,
    max_wall_time_limit: m.wallTimeMs / 1000,
    memory_limit: Math.floor(d.memoryBytes / KB),
    max_memory_limit: Math.floor(m.memoryBytes / KB),
    stack_limit: 0,
    max_stack_limit: Math.floor(m.memoryBytes / KB),
    max_processes_and_or_threads: d.pids,
    max_max_processes_and_or_threads: m.pids,
    enable_per_process_and_thread_time_limit: false,
    allow_enable_per_process_and_thread_time_limit: false,
    enable_per_process_and_thread_memory_limit: false,
    allow_enable_per_process_and_thread_memory_limit: false,
    max_file_size: Math.floor(d.fileSizeBytes / KB),
    max_max_file_size: Math.floor(m.fileSizeBytes / KB),
    number_of_runs: 1,
    max_number_of_runs: 1,
    redirect_stderr_to_stdout: false,
    max_extract_size: 0,
    enable_batched_submissions: true,
    max_submission_batch_size: s.maxBatch,
    submission_cache_duration: 0,
    use_docs_as_homepage: false,
    allow_enable_network: false,
    enable_network: false,
    disable_implicit_base64_encoding: true,
  };
}
