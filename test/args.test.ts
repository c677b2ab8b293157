import { expect } from 'chai';
import { intOption, parseArgs } from '../src/cli/args';
import { pick, profile } from '../src/profile';

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
    expect(pick({ ci: 1, full: 2 })).to.equal(2);
    process.env.GPTLAB_PROFILE = 'ci';
    expect(pick({ ci: 1, full: 2 })).to.equal(1);
  });

  it('rejects an unknown profile, listing the valid ones', () => {
    process.env.GPTLAB_PROFILE = 'fast';
    expect(() => profile()).to.throw(/GPTLAB_PROFILE='fast'.*ci, full/);
  });
});
