// Output paths are checked before any work: each bad kind of path gives one line naming it and the fix,
// in checkOutputPath and through every command that writes, before it trains or downloads anything.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gptLab } from '../helpers/cli';
import { checkOutputPath } from '../../src/util/output-path';
import { GptLabError } from '../../src/util/assert';

describe('checkOutputPath', () => {
  let root: string;
  let file: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-outpath-'));
    file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('accepts an existing directory, and a missing one below a writable directory, leaving nothing behind', () => {
    expect(checkOutputPath(root, 'dir')).to.equal(root);
    expect(checkOutputPath(path.join(root, 'new', 'deeper'), 'dir')).to.equal(path.join(root, 'new', 'deeper'));
    expect(checkOutputPath(path.join(root, 'tok.json'), 'file')).to.equal(path.join(root, 'tok.json'));
    expect(checkOutputPath(file, 'file')).to.equal(file); // overwriting a file is fine
    expect(fs.readdirSync(root)).to.deep.equal(['a-file']);
  });

  it('refuses a file where a directory should be, and a file in the middle of the path', () => {
    expect(() => checkOutputPath(file, 'dir')).to.throw(GptLabError, `--out ${file} is a file, not a directory`);
    expect(() => checkOutputPath(path.join(file, 'run'), 'dir', '--out')).to.throw(GptLabError, `${file} is a file, not a directory`);
  });

  it('refuses a directory where a file should be, and a file whose directory is missing', () => {
    expect(() => checkOutputPath(root, 'file')).to.throw(GptLabError, `--out ${root} is a directory, not a file`);
    const missing = path.join(root, 'no', 'such', 'tok.json');
    expect(() => checkOutputPath(missing, 'file')).to.throw(GptLabError, `the directory ${path.join(root, 'no', 'such')} does not exist; create it (mkdir -p`);
  });

  it('refuses paths under /proc and /sys at once (mkdir -p under /proc never returns)', () => {
    expect(() => checkOutputPath('/proc/gpt-lab-run', 'dir')).to.throw(GptLabError, '/proc is on the proc filesystem');
    expect(() => checkOutputPath('/proc/self/nested/run', 'dir')).to.throw(GptLabError, 'on the proc filesystem');
    expect(() => checkOutputPath('/sys/gpt-lab/tok.json', 'file')).to.throw(GptLabError, '/sys is on the sysfs filesystem');
  });

  it('refuses an empty path', () => {
    expect(() => checkOutputPath('', 'dir', '--out')).to.throw(GptLabError, '--out is empty');
  });
});

describe('every command that writes checks its output path before any work', function () {
  let root: string;
  let file: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-outpath-cli-'));
    file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const CASES: [string, (file: string, root: string) => string[], RegExp][] = [
    ['pretrain', (f) => ['pretrain', '--preset', 'tiny', '--steps', '2', '--backend', 'cpu', '--out', f], /--out .*a-file is a file, not a directory/],
    ['sft', (f) => ['sft', '--from', '/nonexistent-dir', '--backend', 'cpu', '--out', f], /--out .*a-file is a file, not a directory/],
    ['reward', (f) => ['reward', '--from', '/nonexistent-dir', '--backend', 'cpu', '--out', f], /--out .*a-file is a file, not a directory/],
    ['rlhf', (f) => ['rlhf', '--from', '/nonexistent-dir', '--backend', 'cpu', '--out', f], /--out .*a-file is a file, not a directory/],
    ['notebooks', (f) => ['notebooks', '--out', f, 'no-such-notebook'], /--out .*a-file is a file, not a directory/],
    ['tokenizer train', (_f, r) => ['tokenizer', 'train', '--input', __filename, '--vocab-size', '260', '--out', path.join(r, 'missing', 'tok.json')],
      /the directory .*missing does not exist/],
  ];
  for (const [name, argv, message] of CASES) {
    it(`gpt-lab ${name}`, async () => {
      const r = await gptLab(...argv(file, root));
      expect(r.code).to.equal(1);
      expect(r.err.split('\n')).to.have.length(1);
      expect(r.err).to.match(new RegExp(`^gpt-lab ${name.split(' ')[0]}: `));
      expect(r.err).to.match(message);
      expect(r.out).to.not.match(/saved|wrote|executing/);
    });
  }

  it('sft, reward and rlhf without --from check the runs directory too (earlier stages are trained there)', async () => {
    const saved = process.env.GPTLAB_RUNS_DIR;
    process.env.GPTLAB_RUNS_DIR = file;
    try {
      for (const argv of [['sft'], ['reward'], ['rlhf'], ['rlhf', '--from', '/nonexistent-dir']]) {
        const r = await gptLab(...argv, '--profile', 'ci', '--backend', 'cpu', '--out', path.join(root, `out-${argv.length}`));
        expect(r.code, argv.join(' ')).to.equal(1);
        expect(r.err).to.equal(`gpt-lab ${argv[0]}: the runs directory ${path.join(file, 'ci')}: ${file} is a file, not a directory; choose another path`);
      }
    } finally {
      if (saved === undefined) delete process.env.GPTLAB_RUNS_DIR; else process.env.GPTLAB_RUNS_DIR = saved;
    }
  });

  it('gpt-lab pretrain under /proc fails at once instead of hanging', async () => {
    const r = await gptLab('pretrain', '--preset', 'tiny', '--steps', '2', '--backend', 'cpu', '--out', '/proc/gpt-lab-run');
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('gpt-lab pretrain: --out /proc/gpt-lab-run: /proc is on the proc filesystem, which holds no files of ours; choose a directory on a disk');
    expect(r.ms).to.be.lessThan(10_000);
  });
});
