/** problem.yaml's timing keys, legacy and 2023-07, read into one shape (src/problem/problem-yaml.ts). */
import { readProblemYaml } from '../../src/problem/problem-yaml';

describe('the timing keys of problem.yaml', () => {
  it('take the spec defaults: 2023-07 ac_to_time_limit 2, time_limit_to_tle 1.5, time_resolution 1', () => {
    const c = readProblemYaml('problem_format_version: 2023-07\nname: x\n', 'x', false);
    expect(c.limits.timing).toEqual({ acToTimeLimit: 2, timeLimitToTle: 1.5, resolutionS: 1 });
  });

  it('map legacy time_multiplier and time_safety_margin (defaults 5 and 2) as problemtools does, at 1 s resolution', () => {
    expect(readProblemYaml('name: x\n', 'x', false).limits.timing).toEqual({ acToTimeLimit: 5, timeLimitToTle: 2, resolutionS: 1 });
    const c = readProblemYaml('name: x\nlimits:\n  time_multiplier: 3\n  time_safety_margin: 1.2\n', 'x', false);
    expect(c.limits.timing).toEqual({ acToTimeLimit: 3, timeLimitToTle: 1.2, resolutionS: 1 });
  });

  it('read 2023-07 multipliers and resolution, refusing multipliers below 1', () => {
    const yaml = (m: string) =>
      `problem_format_version: 2023-07\nname: x\nlimits:\n  time_resolution: 0.25\n  time_multipliers:\n    ${m}\n`;
    expect(readProblemYaml(yaml('ac_to_time_limit: 3'), 'x', false).limits.timing).toEqual({
      acToTimeLimit: 3,
      timeLimitToTle: 1.5,
      resolutionS: 0.25,
    });
    expect(() => readProblemYaml(yaml('time_limit_to_tle: 0.5'), 'x', false)).toThrow(/time_limit_to_tle/);
  });
});
