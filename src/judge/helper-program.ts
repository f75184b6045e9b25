/**
 * The problem's own programs (a custom checker, an output validator, an interactor): each is
 * written into a job directory of its own, never the submission's, and compiled there once per
 * job (the compile cache makes that once per source in practice). A helper that does not
 * compile is reported with the compiler's output (the job's IE), not thrown; its job directory
 * is then already removed. Its failure is remembered (compile-step.ts, rememberFailure): the
 * next job with the same helper gets the same report without compiling again.
 */
import type { JobDir } from '../rootfs/job-dirs';
import type { RunLimits } from '../sandbox/types';
import { compileInBox, writeSources, type CompileOutcome, type JobContext, type SourceFile } from './compile-step';
import type { Language } from './languages';
import { oneLine } from './result';

export interface HelperProgramSpec {
  /** What it is, for labels and messages: "checker", "output validator", "interactor". */
  role: string;
  language: Language;
  files: readonly SourceFile[];
  /** Added to its compile command (checked against its compiler's allow-list when planned). */
  compilerOptions?: readonly string[];
  compileLimits: RunLimits;
  /** Size of its job directory's tmpfs, bytes. */
  diskBytes: number;
  /** Cap on the compiler's output in the message, bytes. */
  reportBytes: number;
}

export type CompiledHelper =
  { ok: true; job: JobDir; compile: CompileOutcome | null } | { ok: false; message: string; compile: CompileOutcome | null };

export async function compileHelper(ctx: JobContext, spec: HelperProgramSpec): Promise<CompiledHelper> {
  const job = ctx.jobDirs.create({ diskBytes: spec.diskBytes });
  try {
    writeSources(job.box, spec.files);
    if (!spec.language.compile) return { ok: true, job, compile: null };
    const compile = await compileInBox(
      { ...ctx, label: `${ctx.label} ${spec.role}` },
      {
        language: spec.language,
        box: job.box,
        files: spec.files,
        compilerOptions: spec.compilerOptions ?? [],
        limits: spec.compileLimits,
        reportBytes: spec.reportBytes,
        rememberFailure: true,
      },
    );
    if (compile.result.verdict === 'OK') return { ok: true, job, compile };
    job.remove();
    return {
      ok: false,
      compile,
      message: oneLine(`the ${spec.role} did not compile (${compile.result.verdict}): ${compile.result.output}`),
    };
  } catch (err) {
    job.remove();
    throw err;
  }
}
