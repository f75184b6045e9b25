/** The C header and the TypeScript mirror of the protocol must agree, constant for constant. */
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import {
  CAGE_ABI,
  CAGE_RUN_EXTRA_MAX,
  CAGE_RUN_FDS,
  CAGE_MAGIC,
  CFG_FLAG,
  LAYOUT,
  MSG,
  OP,
  OPF_OPTIONAL,
  SIZES,
  STAGES,
  decodeMessage,
  encodeConfig,
} from '../src/sandbox/protocol';
import { loadNative } from '../src/sandbox/native';

const header = fs.readFileSync(path.join(__dirname, '..', 'native', 'cage.h'), 'utf8');
const define = (name: string): number => {
  const m = new RegExp(`#define ${name} (0x[0-9a-fA-F]+|\\d+|'.')u?`).exec(header);
  if (!m) throw new Error(`${name} not in cage.h`);
  return m[1]!.startsWith("'") ? m[1]!.charCodeAt(1) : Number(m[1]);
};

describe('the protocol', () => {
  it('has the same constants on both sides', () => {
    expect(define('CAGE_MAGIC')).toBe(CAGE_MAGIC);
    expect(define('CAGE_ABI')).toBe(CAGE_ABI);
    expect(define('CAGE_RUN_FDS')).toBe(CAGE_RUN_FDS);
    expect(define('CAGE_RUN_EXTRA_MAX')).toBe(CAGE_RUN_EXTRA_MAX);
    expect(define('CAGE_OP_MOUNT')).toBe(OP.MOUNT);
    expect(define('CAGE_OP_MKDIR')).toBe(OP.MKDIR);
    expect(define('CAGE_OP_MKFILE')).toBe(OP.MKFILE);
    expect(define('CAGE_OP_SYMLINK')).toBe(OP.SYMLINK);
    expect(define('CAGE_OP_CHOWN')).toBe(OP.CHOWN);
    expect(define('CAGE_OP_MKNOD')).toBe(OP.MKNOD);
    expect(define('CAGE_OP_WRITE')).toBe(OP.WRITE);
    expect(define('CAGE_OP_CHDIR')).toBe(OP.CHDIR);
    expect(define('CAGE_OPF_OPTIONAL')).toBe(OPF_OPTIONAL);
    expect(define('CAGE_F_CGROUPNS')).toBe(CFG_FLAG.CGROUPNS);
    expect(define('CAGE_F_SECCOMP_LISTENER')).toBe(CFG_FLAG.SECCOMP_LISTENER);
    expect(define('CAGE_F_REPORT_WRITES')).toBe(CFG_FLAG.REPORT_WRITES);
    // Every message of the header and no other (B and C send them; A sends only CAGE_RUN).
    const messages = [...header.matchAll(/#define CAGE_MSG_(\w+) '(.)'/g)].map((m) => [m[1]!, m[2]!.charCodeAt(0)]);
    expect(Object.fromEntries(messages)).toEqual(MSG);
    const stages = [...header.matchAll(/CAGE_STAGE_(\w+) = (\d+)/g)].map((m) => [Number(m[2]), m[1]!.toLowerCase()]);
    expect(stages.length).toBe(Object.keys(STAGES).length);
    for (const [n] of stages) expect(STAGES[n as number]).toBeDefined();
  });

  it('has the same struct sizes as the compiled library', () => {
    expect(() => loadNative()).not.toThrow(); // loadNative compares cage_abi_sizes() with ours
  });

  it('has every field of every struct at the same offset as the compiled library', () => {
    // The compiled library's offsetof() of every field, by name.
    const lib = koffi.load(path.join(__dirname, '..', 'build', 'libcage.so'));
    const native = Object.fromEntries(
      (lib.func('const char *cage_abi_layout(void)')() as string)
        .split(';')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k!, Number(v)];
        }),
    );
    const ours = Object.fromEntries(Object.entries(LAYOUT).flatMap(([st, f]) => Object.entries(f).map(([k, v]) => [`${st}.${k}`, v])));
    // Every member declared in cage.h, so that a field added on one side only is caught too.
    const declared: string[] = [];
    for (const [, st, body] of header.matchAll(/struct (cage_\w+) \{([^}]*)\}/g)) {
      for (const [, member] of body!.matchAll(/^\s*(?:u?int\d+_t)\s+(\w+)\s*;/gm)) declared.push(`${st}.${member}`);
    }
    expect(Object.keys(ours).sort()).toEqual(declared.sort());
    expect(native).toEqual(ours);
  });

  it('encodes a configuration the native side accepts the shape of', () => {
    const blob = encodeConfig({
      uid: 256,
      gid: 256,
      hostname: 'caged',
      newRoot: '/r',
      ops: [{ kind: 'mkdir', target: '/r/x', mode: 0o755, why: 't' }],
      cwd: '/box',
      path: 'true',
      argv: ['true'],
      env: ['A=b'],
      rlimits: [{ resource: 4, cur: 0n, max: 0n, why: 't' }],
      filter: Buffer.alloc(16),
      flags: 0,
    });
    expect(blob.readUInt32LE(0)).toBe(CAGE_MAGIC);
    expect(blob.readUInt32LE(8)).toBe(blob.length);
    expect(blob[blob.length - 1]).toBe(0);
    expect(blob.readUInt32LE(LAYOUT.cage_cfg.filter) % 8).toBe(0); // the filter is 8-byte aligned
    const msg = Buffer.alloc(SIZES.msg);
    msg.writeUInt32LE(MSG.EXIT, 0);
    msg.writeInt32LE(-1, 20);
    expect(decodeMessage(msg)).toMatchObject({ type: MSG.EXIT, sysNr: -1 });
  });
});
