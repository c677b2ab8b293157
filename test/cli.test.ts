// The `gpt-lab` dispatcher as a user meets it: --help (and -h) on every command and subcommand, naming
// every option the command parses with its default and an example; an unknown GPTLAB_PROFILE stops every
// command; integer options take decimal digits only. The options a command parses come from the command
// itself (its "unknown option" error lists them), not from the help table.

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { commands } from '../src/cli';
import { gptLab } from './helpers/cli';
import { HELP } from '../src/cli/usage';
import { PRESET_NAMES } from '../src/model';
import { DEFAULT_TRAIN, TRAIN_PRESETS } from '../src/train';

const BIN = path.resolve(__dirname, '../../bin/gpt-lab.js');

/** The options `gpt-lab <argv>` parses, from its own "unknown option" error: ['--steps', '--force', ...]. */
async function parsedOptions(...argv: string[]): Promise<string[]> {
  const r = await gptLab(...argv, '--no-such-option');
  const m = /known options: (.*)$/m.exec(r.err);
  expect(m, `gpt-lab ${argv.join(' ')} --no-such-option said: ${r.err}`).to.not.equal(null);
  return m![1] === '(none)' ? [] : m![1].split(', ');
}

/** Every command line that has its own help: each command, and each subcommand. */
const ALL = Object.keys(commands).flatMap((name) => [[name], ...Object.keys(HELP[name]?.subcommands ?? {}).map((sub) => [name, sub])]);

describe('gpt-lab --help', function () {
  const saved = process.env.GPTLAB_PROFILE;
  afterEach(() => { if (saved === undefined) delete process.env.GPTLAB_PROFILE; else process.env.GPTLAB_PROFILE = saved; });

  it('has a help entry for every registered command', () => {
    expect(Object.keys(commands).filter((name) => HELP[name] === undefined)).to.deep.equal([]);
  });

  for (const argv of ALL) {
    const line = argv.join(' ');
    it(`gpt-lab ${line} --help and -h print its usage with every option it parses, defaults and an example, exit 0`, async () => {
      const help = await gptLab(...argv, '--help');
      expect(help.code, help.err).to.equal(0);
      expect(help.out).to.include(`usage: gpt-lab ${line} `);
      const dispatchesOnly = argv.length === 1 && HELP[argv[0]].subcommands !== undefined; // `tokenizer` parses nothing itself
      for (const o of dispatchesOnly ? [] : await parsedOptions(...argv)) expect(help.out, `${line} --help lacks ${o}`).to.match(new RegExp(`^  ${o}\\b`, 'm'));
      const options = help.out.split('\n').filter((l) => /^ {2}--/.test(l)).length;
      expect(help.out.split('\n').filter((l) => /^ +default: \S/.test(l)).length, 'a default per option').to.equal(options);
      expect(help.out).to.match(new RegExp(`examples:\\n  (echo .*\\| )?gpt-lab ${line}`));
      expect((await gptLab(...argv, '-h')).out).to.equal(help.out);
    });
  }

  it('answers `gpt-lab help <command>` too, and takes -h after a valued option as its value', async () => {
    expect((await gptLab('help', 'sft')).out).to.equal((await gptLab('sft', '--help')).out);
    const r = await gptLab('sample', '--prompt', '-h', '--checkpoint', '/nonexistent/ckpt');
    expect(r.code).to.equal(1);
    expect(r.err).to.include('/nonexistent/ckpt holds no checkpoint');
  });

  it('pretrain -h through the installed command prints help with exit 0, not a positional argument', () => {
    const r = spawnSync(process.execPath, [BIN, 'pretrain', '-h'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^usage: gpt-lab pretrain --preset NAME --out DIR/m);
    expect(r.stdout).to.include('--batch-size N');
  });

  it('states the presets\' defaults as the training code has them', async () => {
    const help = (await gptLab('pretrain', '--help')).out;
    const line = (option: string) => help.split('\n').slice(help.split('\n').findIndex((l) => l.startsWith(`  --${option} `))).slice(0, 3).join(' ');
    for (const preset of PRESET_NAMES) {
      const t = TRAIN_PRESETS[preset];
      expect(line('steps')).to.include(`${preset} ${t.maxSteps}`);
      expect(line('batch-size')).to.include(`${preset} ${t.batchSize}`);
      expect(line('eval-every')).to.include(`${preset} ${t.evalEvery}`);
      expect(line('eval-iters')).to.include(`${preset} ${t.evalIters}`);
      expect(line('log-every')).to.include(`${preset} ${t.logEvery}`);
      expect(t.schedule!.maxLr).to.equal(Number(/default: (\S+)/.exec(line('lr'))![1]));
    }
    expect(line('seed')).to.include(`default: ${DEFAULT_TRAIN.seed}`);
  });

  it('lists the stage commands\' --seed in their usage', () => {
    for (const name of ['sft', 'reward', 'rlhf']) expect(HELP[name].options.map((o) => o.name)).to.include('seed');
  });
});

describe('gpt-lab: GPTLAB_PROFILE and strict integers', function () {
  const saved = process.env.GPTLAB_PROFILE;
  afterEach(() => { if (saved === undefined) delete process.env.GPTLAB_PROFILE; else process.env.GPTLAB_PROFILE = saved; });

  for (const argv of ALL) {
    it(`gpt-lab ${argv.join(' ')} refuses an unknown GPTLAB_PROFILE before anything else`, async () => {
      process.env.GPTLAB_PROFILE = 'fast';
      const r = await gptLab(...argv, '--no-such-option');
      expect(r.code).to.equal(1);
      expect(r.err).to.equal(`gpt-lab ${argv[0]}: GPTLAB_PROFILE='fast' is not a profile; use one of: ci, workshop, full`);
    });
  }

  for (const bad of ['', '0x10', '1e1', '10.0', ' 10', '+10']) {
    it(`pretrain --steps '${bad}' is refused before any work`, async () => {
      const r = await gptLab('pretrain', '--preset', 'tiny', '--out', '/nonexistent-dir/never-written', '--steps', bad);
      expect(r.code).to.equal(1);
      expect(r.err).to.equal(`gpt-lab pretrain: option --steps must be an integer, got '${bad}'; write it in decimal digits, e.g. 20`);
    });
  }

  it('sft --steps 0x10 is refused too (every integer option goes through the same check)', async () => {
    const r = await gptLab('sft', '--steps', '0x10', '--from', '/nonexistent-dir');
    expect(r.code).to.equal(1);
    expect(r.err).to.include("option --steps must be an integer, got '0x10'");
  });
});
