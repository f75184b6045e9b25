/**
 * An interactive test where one side of the pair cannot be executed: the message names the
 * side. The submission's own artefact missing (compiler options that leave no ./main) is its
 * failure, RE with Judge0 14, as in a plain test; the interactor's is IE; a command the image
 * lacks is an ImageError. Languages with a broken run command are added to the image's
 * manifest here. Real containers on the real image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageError } from '../src/errors';
import { Judge } from '../src/judge/judge';
import { ImageStore } from '../src/rootfs/store';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { GUESS_INTERACTOR_C, guessSubmissionC } from './helpers/interactive-programs';

let sandbox: Sandbox;
let judge: Judge;
let store: ImageStore;
let cacheDir: string;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  store = new ImageStore();
  const image = await store.registerImage(TEST_MANIFEST);
  const c = image.manifest.languages.find((l) => l.id === 'c')!;
  const broken = [
    { ...c, id: 'c-no-artefact', run: ['./absent'] },
    { ...c, id: 'c-no-interpreter', run: ['no-such-interpreter', 'main'] },
  ];
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pair-exec-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({
    sandbox,
    image: { layers: image.layers, manifest: { ...image.manifest, languages: [...image.manifest.languages, ...broken] } },
    compileCacheDir: cacheDir,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  await store?.close();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
});

const game = (submission: object, interactorLanguage = 'c') => ({
  language: 'c',
  source: guessSubmissionC(0),
  testcases: [{ stdin: '5\n' }],
  interactor: { language: interactorLanguage, source: GUESS_INTERACTOR_C, flags: ['0'] },
  ...submission,
});

describe('when one side of an interactive pair cannot be executed', () => {
  it("names the submission's program: RE with Judge0 14", async () => {
    const r = await judge.judge(game({ compilerOptions: ['-fsyntax-only'] }));
    expect(r.verdict).toBe('RE');
    expect(r.judge0).toEqual({ id: 14, description: 'Exec Format Error' });
    expect(r.tests[0]!.message).toBe("the submission's program ./main could not be started: ENOENT");
  });

  it("names the interactor's program: IE", async () => {
    const r = await judge.judge(game({}, 'c-no-artefact'));
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.message).toBe("the interactor's program ./absent could not be started: ENOENT");
  });

  it('is an ImageError when the image lacks the command', async () => {
    const err = await judge.judge(game({}, 'c-no-interpreter')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(/the interactor's program no-such-interpreter could not be started: ENOENT/);
  });
});
