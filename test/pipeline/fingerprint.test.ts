// Settings fingerprints: the hash on its own (key order, a changed number, sha256 by coreutils), then
// getStage with stages trained in a temporary runs tree (ci profile, a few steps each): same settings
// load; other settings (a seed given for the same directory, a fingerprint edited in state.json, a
// retrained model it started from) fail with the stage, the directory, what changed and the fix; force
// retrains; a checkpoint without a fingerprint loads with one line saying it cannot be checked.

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { resolveCheckpointDir } from '../../src/train/checkpoint';
import {
  canonicalJson, changedFields, fingerprint, getStage, settingsHash, stageDir, stageFingerprint, TOKENIZER_FILE,
} from '../../src/pipeline';
import { gptLab } from '../helpers/cli';
import { useTempRunsDir } from '../helpers/runs-dir';

describe('settings fingerprints', () => {
  it('hashes the canonical JSON: sha256 (as coreutils sha256sum gives it), first 12 hex characters', () => {
    expect(canonicalJson({ b: 1, a: 2 })).to.equal('{"a":2,"b":1}');
    // printf '{"a":2,"b":1}' | sha256sum → d3626ac30a87e6f7…
    expect(settingsHash({ b: 1, a: 2 })).to.equal('d3626ac30a87');
    // printf '{"train":{"maxSteps":150}}' | sha256sum, and with 1000
    expect(settingsHash({ train: { maxSteps: 150 } })).to.equal('efce32593af6');
    expect(settingsHash({ train: { maxSteps: 1000 } })).to.equal('1b21d644aa11');
  });

  it('does not depend on key order at any depth, nor on undefined fields', () => {
    const a = { train: { maxSteps: 150, schedule: { maxLr: 3e-3, warmupSteps: 20 } }, data: { examples: 4000 } };
    const b = {
      data: { examples: 4000 }, train: { schedule: { warmupSteps: 20, maxLr: 3e-3 }, maxSteps: 150, seed: undefined },
    };
    expect(fingerprint(a)).to.deep.equal(fingerprint(b));
    expect(canonicalJson([{ y: 1, x: 2 }])).to.equal('[{"x":2,"y":1}]');
  });

  it('changes with any number, and names the top-level field it is in', () => {
    const old = fingerprint({ train: { maxSteps: 150, lr: 3e-3 }, data: { examples: 4000 }, from: 'a1b2c3d4e5f6' });
    const now = fingerprint({ train: { maxSteps: 1000, lr: 3e-3 }, data: { examples: 4000 }, from: 'a1b2c3d4e5f6' });
    expect(now.hash).to.not.equal(old.hash);
    expect(now.hash).to.match(/^[0-9a-f]{12}$/);
    expect(changedFields(old, now)).to.deep.equal(['train']);
    const lr = fingerprint({ train: { maxSteps: 150, lr: 3e-4 }, data: { examples: 4000 }, from: 'a1b2c3d4e5f6' });
    expect(changedFields(old, lr)).to.deep.equal(['train']);
    // a field only one side has is a change too; a record with the hash alone cannot say which
    const orphan = fingerprint({ train: { maxSteps: 150, lr: 3e-3 }, data: { examples: 4000 } });
    expect(changedFields(old, orphan)).to.deep.equal(['from']);
    expect(changedFields({ hash: old.hash } as never, now)).to.equal(undefined);
  });

  it("chains each stage to the one it starts from, leaves the steps override out and counts a call's settings", () => {
    const o = { profile: 'ci' as const };
    // each field holds the hash of its value; `from` and `reward` hold the other stage's hash
    expect(stageFingerprint('base', o).fields.from).to.equal(settingsHash(stageFingerprint('tokenizer', o).hash));
    expect(stageFingerprint('sft', o).fields.from).to.equal(settingsHash(stageFingerprint('base', o).hash));
    const rm = stageFingerprint('reward-onpolicy', o);
    expect(stageFingerprint('rlhf', o).fields.reward).to.equal(settingsHash(rm.hash));
    expect(stageFingerprint('sft', { ...o, steps: 3 })).to.deep.equal(stageFingerprint('sft', o));
    // the same directory with another seed is other settings (the seed is part of them)
    const seeded = stageFingerprint('base', { ...o, seed: 5 });
    expect(changedFields(stageFingerprint('base', o), seeded)).to.deep.equal(['model', 'train']);
    const hot = stageFingerprint('encoder', { ...o, settings: { temperature: 0.5 } });
    expect(changedFields(stageFingerprint('encoder', o), hot)).to.deep.equal(['temperature']);
  });
});

describe('getStage checks the settings a finished stage was trained with', function () {
  this.timeout(300_000);
  const runs = useTempRunsDir('gpt-lab-fingerprint-');
  const o = { profile: 'ci' as const };

  /** The state.json of a stage directory's latest checkpoint, edited by fn. */
  function editState(dir: string, fn: (state: Record<string, unknown>) => void): void {
    const file = path.join(resolveCheckpointDir(dir), 'state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fn(state);
    fs.writeFileSync(file, JSON.stringify(state));
  }

  async function rejection(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      expect((e as Error).name).to.equal('GptLabError');
      return (e as Error).message;
    }
    return expect.fail('expected getStage to fail');
  }

  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('records the fingerprint of the current settings, and loads the stage while they are unchanged', async () => {
    const base = await getStage('base', { ...o, steps: 2 });
    expect(base.loaded).to.equal(false);
    expect(base.state.fingerprint).to.deep.equal(stageFingerprint('base', o));
    const tokDir = stageDir('tokenizer', 'ci');
    const tokFingerprint = JSON.parse(fs.readFileSync(path.join(tokDir, 'fingerprint.json'), 'utf8'));
    expect(tokFingerprint).to.deep.equal(stageFingerprint('tokenizer', o));
    const lines: string[] = [];
    const again = await getStage('base', { ...o, log: (l) => lines.push(l) });
    expect(again.loaded).to.equal(true);
    expect(lines).to.deep.equal([`base: loading the finished model in ${base.dir}`]);
    for (const m of [base, again]) m.model.dispose();
  });

  it('fails for a directory trained with other settings, naming stage, directory, fields and fix', async () => {
    const dir = stageDir('base', 'ci');
    // the same directory asked for with a seed: model.seed and train.seed differ from what trained it
    const msg = await rejection(getStage('base', { ...o, dir, seed: 5 }));
    expect(msg).to.match(new RegExp(`^base: the finished checkpoint in ${escaped(dir)} is not loaded: its settings ` +
      'changed since it was trained \\(model, train\\)'));
    expect(msg).to.include(`Delete ${dir} or pass force ` +
      "(gpt-lab stages --only base --force / the stage command's --force) to retrain it");
  });

  it("fails for an edited fingerprint (naming train; a bare hash: 'changed'), and force retrains", async () => {
    const sft = await getStage('sft', { ...o, steps: 2 });
    sft.model.dispose();
    editState(sft.dir, (s) => {
      const fp = s.fingerprint as { hash: string; fields: Record<string, string> };
      s.fingerprint = { hash: '000000000000', fields: { ...fp.fields, train: '000000000000' } };
    });
    expect(await rejection(getStage('sft', o)))
      .to.match(/^sft: the finished checkpoint in .* its settings changed since it was trained \(train\),/);
    editState(sft.dir, (s) => { s.fingerprint = { hash: '000000000000' }; });
    const bare = await rejection(getStage('sft', o));
    expect(bare).to.include('is not loaded: its settings changed since it was trained, so');
    expect(bare).to.include('--only sft --force');
    // the stages it starts from were not touched: they still load
    const base = await getStage('base', o);
    expect(base.loaded).to.equal(true);
    base.model.dispose();
    const retrained = await getStage('sft', { ...o, steps: 2, force: true });
    expect(retrained.loaded).to.equal(false);
    expect(retrained.state.fingerprint).to.deep.equal(stageFingerprint('sft', o));
    const loaded = await getStage('sft', o);
    expect(loaded.loaded).to.equal(true);
    for (const m of [retrained, loaded]) m.model.dispose();
  });

  it('loads a checkpoint without a fingerprint (older ones), saying once that it cannot be checked', async () => {
    const dir = stageDir('sft', 'ci');
    editState(dir, (s) => { delete s.fingerprint; });
    const lines: string[] = [];
    const sft = await getStage('sft', { ...o, log: (l) => lines.push(l) });
    expect(sft.loaded).to.equal(true);
    expect(lines).to.deep.equal([
      `sft: ${dir} records no settings fingerprint (trained before gpt-lab recorded them): ` +
        'whether its settings changed cannot be checked',
      `sft: loading the finished model in ${dir}`,
    ]);
    sft.model.dispose();
    // the tokenizer stage the same way: its fingerprint file edited, then gone
    const tokDir = stageDir('tokenizer', 'ci');
    const edited = { hash: '000000000000', fields: { vocabSize: '000000000000' } };
    fs.writeFileSync(path.join(tokDir, 'fingerprint.json'), JSON.stringify(edited));
    expect(await rejection(getStage('tokenizer', o))).to.match(/^tokenizer: .* changed since it was trained \(vocabSize\)/);
    fs.rmSync(path.join(tokDir, 'fingerprint.json'));
    const tokLines: string[] = [];
    const tok = await getStage('tokenizer', { ...o, log: (l) => tokLines.push(l) });
    expect(tok.loaded).to.equal(true);
    expect(tokLines[0]).to.match(/^tokenizer: .* records no settings fingerprint/);
    expect(fs.existsSync(path.join(tokDir, TOKENIZER_FILE))).to.equal(true);
  });

  it('fails for a stage whose `from` checkpoint was retrained since, also with dir and from given', async () => {
    const baseDir = path.join(runs.root(), 'exp', 'base');
    const sftDir = path.join(runs.root(), 'exp', 'sft');
    (await getStage('base', { ...o, dir: baseDir, steps: 2 })).model.dispose();
    (await getStage('sft', { ...o, dir: sftDir, from: baseDir, steps: 2 })).model.dispose();
    const same = await getStage('sft', { ...o, dir: sftDir, from: baseDir });
    expect(same.loaded).to.equal(true);
    same.model.dispose();
    // the base retrained in place with another seed: the SFT model started from the old one
    (await getStage('base', { ...o, dir: baseDir, seed: 5, steps: 2, force: true })).model.dispose();
    const msg = await rejection(getStage('sft', { ...o, dir: sftDir, from: baseDir }));
    expect(msg).to.match(/^sft: the finished checkpoint in .* changed since it was trained \(from \(the base model it starts/);
    expect(msg).to.include(`Delete ${sftDir} or pass force`);
  });

  it('gpt-lab stages stops at a stale stage with the one-line error, and --force retrains it', async () => {
    editState(stageDir('sft', 'ci'), (s) => { s.fingerprint = { hash: '000000000000', fields: {} }; });
    const stale = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'sft');
    expect(stale.code).to.not.equal(0);
    expect(stale.err).to.include(`sft: the finished checkpoint in ${stageDir('sft', 'ci')} is not loaded`);
    expect(stale.err).to.not.match(/\n\s+at /);
    const forced = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'sft', '--force');
    expect(forced.code, forced.err).to.equal(0);
    expect(forced.out).to.match(/^sft +trained +\d/m);
    const again = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'sft');
    expect(again.out).to.match(/^sft +loaded +\d/m);
  });
});
