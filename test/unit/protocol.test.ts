/**
 * The configuration blob and the messages, encoded and decoded in TypeScript alone (the
 * agreement with native/cage.h is test/protocol.test.ts's, which needs the native build).
 */
import { CAGE_MAGIC, decodeMessage, encodeConfig, MSG, SIZES, type ChildConfig } from '../../src/sandbox/protocol';

/** Reads the NUL-terminated string at `off`. */
const strAt = (blob: Buffer, off: number): string => blob.toString('utf8', off, blob.indexOf(0, off));

function config(over: Partial<ChildConfig> = {}): ChildConfig {
  return {
    cloneFlags: 0,
    stdinFd: 0,
    stdoutFd: 1,
    stderrFd: 2,
    ctlFd: 3,
    uid: 256,
    gid: 256,
    hostname: 'caged',
    newRoot: '/run/caged/mnt/root',
    ops: [
      {
        kind: 'mount',
        source: 'proc',
        target: '/proc',
        fstype: 'proc',
        data: null,
        flags: 14,
        optional: false,
        why: 'the box sees its own processes',
      },
      { kind: 'mkdir', target: '/box', mode: 0o755, why: 'the job' },
    ],
    cwd: '/box',
    path: 'main',
    argv: ['main', 'arg'],
    env: ['PATH=/usr/bin', 'HOME=/tmp'],
    rlimits: [{ resource: 7, cur: 64n, max: 64n, why: 'open files' }],
    filter: Buffer.from('0123456789abcdef'),
    flags: 0,
    ...over,
  } as ChildConfig;
}

describe('the configuration blob', () => {
  it('starts with the magic, records its own size and ends with a NUL', () => {
    const blob = encodeConfig(config());
    expect(blob.readUInt32LE(0)).toBe(CAGE_MAGIC);
    expect(blob.readUInt32LE(8)).toBe(blob.length);
    expect(blob[blob.length - 1]).toBe(0);
    expect(blob.length).toBeGreaterThan(SIZES.cfg);
  });

  it('puts the seccomp program 8-byte aligned, byte for byte', () => {
    const filter = Buffer.from('0123456789abcdef');
    const blob = encodeConfig(config({ filter }));
    const at = blob.indexOf(filter);
    expect(at).toBeGreaterThanOrEqual(SIZES.cfg);
    expect(at % 8).toBe(0);
  });

  it('stores every string once, NUL-terminated, and points at it', () => {
    const blob = encodeConfig(config({ argv: ['/box', 'x'], cwd: '/box' }));
    const text = blob.toString('latin1');
    expect(text.split('/box\0').length - 1).toBe(1); // '/box' as mkdir target, cwd and argv[0]: one copy
    for (const s of ['caged', '/run/caged/mnt/root', 'PATH=/usr/bin', 'HOME=/tmp', 'proc']) {
      const off = text.indexOf(`${s}\0`);
      expect(off).toBeGreaterThan(0);
      expect(strAt(blob, off)).toBe(s);
    }
  });

  it('lays the mount operations and rlimits out in fixed-size records', () => {
    const one = encodeConfig(config({ ops: [], rlimits: [] }));
    const two = encodeConfig(config({ ops: [config().ops[1]!], rlimits: [] }));
    const three = encodeConfig(config({ ops: [], rlimits: config().rlimits }));
    // Strings shared with other fields add nothing; the record does.
    expect(two.length - one.length).toBe(SIZES.op);
    expect(three.length - one.length).toBe(SIZES.rlimit);
  });

  it('refuses a string with a NUL and a filter that is not whole instructions', () => {
    expect(() => encodeConfig(config({ argv: ['a\0b'] }))).toThrow(/NUL/);
    expect(() => encodeConfig(config({ filter: Buffer.alloc(12) }))).toThrow(/multiple of 8/);
  });
});

describe('a message from the container', () => {
  it('decodes every field of the 64-byte record', () => {
    const b = Buffer.alloc(SIZES.msg * 2);
    const at = SIZES.msg; // the second message of a read
    b.writeUInt32LE(MSG.EXIT, at);
    b.writeInt32LE(8, at + 4);
    b.writeInt32LE(-22, at + 8);
    b.writeInt32LE(5, at + 12);
    b.writeInt32LE(0x0900, at + 16);
    b.writeInt32LE(101, at + 20);
    b.writeUInt32LE(0xc000003e, at + 24);
    b.writeInt32LE(2, at + 28);
    b.writeBigUInt64LE(123_456_789n, at + 32);
    b.writeBigUInt64LE(987_654_321n, at + 40);
    b.writeBigUInt64LE(1_500_000_000n, at + 48);
    b.writeBigUInt64LE(65_536n, at + 56);
    expect(decodeMessage(b, at)).toEqual({
      type: MSG.EXIT,
      stage: 8,
      errno: -22,
      detail: 5,
      status: 0x0900,
      sysNr: 101,
      sysArch: 0xc000003e,
      cPid: 2,
      wallNs: 123_456_789n,
      endNs: 987_654_321n,
      cpuNs: 1_500_000_000n,
      maxRssKb: 65_536n,
    });
  });
});
