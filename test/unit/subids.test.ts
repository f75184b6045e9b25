/**
 * /etc/subuid and /etc/subgid parsing on fixture directories: matching by name and by uid,
 * several ranges, comments, and malformed lines reported with their line numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { grantCommand, nthSubId, parseSubIds, readOwnerSubIds, readSubIds, subIdTotal } from '../../src/linux/subids';

const judge = { name: 'judge', uid: 1001 };
let etc: string;

beforeEach(() => {
  etc = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-subids-'));
});
afterEach(() => fs.rmSync(etc, { recursive: true, force: true }));

describe('parseSubIds', () => {
  it('takes the lines naming the user by login name or by uid, in file order', () => {
    const text = ['alice:100000:65536', 'judge:165536:65536', '# judge:1:1', '', '1001:300000:1000', 'judger:400000:10'].join('\n');
    const { ranges, problems } = parseSubIds(text, judge, '/etc/subuid');
    expect(ranges).toEqual([
      { start: 165536, count: 65536 },
      { start: 300000, count: 1000 },
    ]);
    expect(problems).toEqual([]);
  });

  it('reports malformed lines with their numbers and never takes them', () => {
    const text = ['judge:1:2:3', 'judge:x:10', ':5:5', 'judge:10:0', 'judge:4294967290:10', '  judge:500000:5  '].join('\n');
    const { ranges, problems } = parseSubIds(text, judge, '/etc/subgid');
    expect(ranges).toEqual([{ start: 500000, count: 5 }]);
    expect(problems.map((p) => [p.line, p.reason])).toEqual([
      [1, 'expected NAME:START:COUNT, got 4 field(s)'],
      [2, 'START and COUNT must be decimal numbers'],
      [3, 'the user field is empty'],
      [4, 'COUNT is 0'],
      [5, 'the range ends past 4294967294'],
    ]);
    expect(problems[0]?.file).toBe('/etc/subgid');
  });

  it('does not take a uid line for a user whose name is that number but whose uid differs', () => {
    expect(parseSubIds('1002:100000:10', judge, 'f').ranges).toEqual([]);
  });
});

describe('readSubIds', () => {
  it('reads <etcDir>/subuid and <etcDir>/subgid', () => {
    fs.writeFileSync(path.join(etc, 'subuid'), 'judge:100000:65536\n');
    fs.writeFileSync(path.join(etc, 'subgid'), 'judge:200000:100\n');
    const ids = readOwnerSubIds(judge, etc);
    expect(ids.uids).toMatchObject({ exists: true, ranges: [{ start: 100000, count: 65536 }] });
    expect(ids.gids).toMatchObject({ exists: true, ranges: [{ start: 200000, count: 100 }] });
    expect(ids.usable).toBe(100);
  });

  it('says a missing file does not exist rather than failing', () => {
    expect(readSubIds('uid', judge, etc)).toEqual({ file: path.join(etc, 'subuid'), exists: false, ranges: [], problems: [] });
    expect(readOwnerSubIds(judge, etc).usable).toBe(0);
  });
});

describe('nthSubId', () => {
  const ranges = [
    { start: 100, count: 2 },
    { start: 500, count: 3 },
  ];
  it('walks the ranges in order', () => {
    expect([0, 1, 2, 3, 4].map((i) => nthSubId(ranges, i))).toEqual([100, 101, 500, 501, 502]);
    expect(nthSubId(ranges, 5)).toBeUndefined();
    expect(subIdTotal(ranges)).toBe(5);
  });
});

describe('grantCommand', () => {
  it('names usermod with both ranges', () => {
    expect(grantCommand(judge)).toBe('usermod --add-subuids 100000-165535 --add-subgids 100000-165535 judge');
  });
});
