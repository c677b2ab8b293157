import { expect } from 'chai';
import { intOption, parseArgs } from '../src/cli/args';
import { pick, profile, runSeed } from '../src/profile';
import { stageArgs } from '../src/cli/stage-args';
import { GptLabError } from '../src/util/assert';

describe('cli arguments', () => {
  it('parses positionals, --name value, --name=value and flags', () => {
    const a = parseArgs(['train', '--vocab-size', '512', '--out=x.json', '--verbose'], ['vocab-size', 'out'], ['verbose']);
    expect(a).to.deep.equal({ positional: ['train'], options: { 'vocab-size': '512', out: 'x.json', verbose: 'true' } });
    expect(intOption(a, 'vocab-size')).to.equal(512);
  });

  it('rejects an unknown option, listing the known ones', () => {
    expect(() => parseArgs(['--vocab'], ['vocab-size'])).to.throw(/unknown option '--vocab'.*--vocab-size/);
  });

  it('rejects a non-integer where an integer is expected, naming the value', () => {
    const a = parseArgs(['--steps', '1e3x'], ['steps']);
    expect(() => intOption(a, 'steps')).to.throw(/--steps must be an integer, got '1e3x'/);
  });

  it('takes integers in decimal digits only: an empty string, hex, exponent, decimal point, spaces and + are refused', () => {
    for (const bad of ['', '0x10', '0b11', '1e3', '16.0', ' 16', '16 ', '+16', '9007199254740993']) {
      expect(() => intOption(parseArgs(['--steps', bad], ['steps']), 'steps'), `'${bad}'`).to.throw(GptLabError, `--steps must be an integer, got '${bad}'`);
    }
    expect(intOption(parseArgs(['--steps=16'], ['steps']), 'steps')).to.equal(16);
    expect(intOption(parseArgs(['--seed', '-3'], ['seed']), 'seed')).to.equal(-3);
    expect(intOption(parseArgs(['--steps', '007'], ['steps']), 'steps')).to.equal(7);
  });

  it('checks a lower bound, naming the option and the value', () => {
    expect(() => intOption(parseArgs(['--steps', '0'], ['steps']), 'steps', undefined, 1)).to.throw(GptLabError, 'option --steps must be at least 1, got 0');
    expect(intOption(parseArgs([], ['steps']), 'steps', 5, 1)).to.equal(5);
  });

  it('rejects a missing value', () => {
    expect(() => parseArgs(['--steps'], ['steps'])).to.throw(/--steps needs a value/);
  });
});

describe('profiles', () => {
  const saved = process.env.GPTLAB_PROFILE;
  afterEach(() => { if (saved === undefined) delete process.env.GPTLAB_PROFILE; else process.env.GPTLAB_PROFILE = saved; });

  it('defaults to full and picks by GPTLAB_PROFILE', () => {
    delete process.env.GPTLAB_PROFILE;
    expect(profile()).to.equal('full');
    expect(pick({ ci: 1, workshop: 3, full: 2 })).to.equal(2);
    process.env.GPTLAB_PROFILE = 'ci';
    expect(pick({ ci: 1, workshop: 3, full: 2 })).to.equal(1);
    process.env.GPTLAB_PROFILE = 'workshop';
    expect(pick({ ci: 1, workshop: 3, full: 2 })).to.equal(3);
    expect(pick({ ci: 1, full: 2 })).to.equal(2);   // a notebook quick in full runs full's setting in the workshop
  });

  it('rejects an unknown profile, listing the valid ones', () => {
    process.env.GPTLAB_PROFILE = 'fast';
    expect(() => profile()).to.throw(/GPTLAB_PROFILE='fast'.*ci, workshop, full/);
  });
});

describe('runSeed (GPTLAB_SEED)', () => {
  const saved = process.env.GPTLAB_SEED;
  afterEach(() => { if (saved === undefined) delete process.env.GPTLAB_SEED; else process.env.GPTLAB_SEED = saved; });

  it('is undefined when unset or blank, and the integer when set', () => {
    delete process.env.GPTLAB_SEED;
    expect(runSeed()).to.equal(undefined);
    process.env.GPTLAB_SEED = ' ';
    expect(runSeed()).to.equal(undefined);
    process.env.GPTLAB_SEED = '2';
    expect(runSeed()).to.equal(2);
    process.env.GPTLAB_SEED = '0';
    expect(runSeed()).to.equal(0);
  });

  it('rejects what is not a non-negative integer, naming the value', () => {
    for (const bad of ['two', '-1', '1.5', '1e3']) {
      process.env.GPTLAB_SEED = bad;
      expect(() => runSeed(), bad).to.throw(new RegExp(`GPTLAB_SEED='${bad.replace('.', '\\.')}'.*non-negative integer`));
    }
  });
});

describe('stageArgs (sft, reward, rlhf)', () => {
  const parse = (...argv: string[]) => parseArgs(argv, ['profile', 'backend', 'steps', 'out']);
  it('reads --profile, --backend, --steps and --seed', () => {
    expect(stageArgs(parseArgs(['--profile', 'workshop', '--seed', '2'], ['profile', 'seed']), 'rlhf')).to.deep.equal({ profile: 'workshop', backend: undefined, steps: undefined, seed: 2 });
    expect(() => stageArgs(parseArgs(['--seed', 'x'], ['seed']), 'sft')).to.throw(GptLabError, "option --seed must be an integer, got 'x'");
    expect(stageArgs(parse('--profile', 'ci', '--backend', 'cpu', '--steps', '5'), 'sft')).to.deep.equal({ profile: 'ci', backend: 'cpu', steps: 5 });
    expect(stageArgs(parse('--profile', 'full'), 'reward')).to.deep.equal({ profile: 'full', backend: undefined, steps: undefined });
  });
  it('rejects positional arguments, an unknown profile or backend, and steps below 1, naming the value', () => {
    expect(() => stageArgs(parse('extra'), 'rlhf')).to.throw(GptLabError, "gpt-lab rlhf takes no positional arguments (got 'extra')");
    expect(() => stageArgs(parse('--profile', 'huge'), 'sft')).to.throw(GptLabError, "--profile 'huge' is not a profile; use one of: ci, workshop, full");
    expect(() => stageArgs(parse('--backend', 'cuda'), 'sft')).to.throw(GptLabError, 'cuda');
    expect(() => stageArgs(parse('--steps', '0'), 'reward')).to.throw(GptLabError, '--steps must be a positive integer, got 0');
  });
});
