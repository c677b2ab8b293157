import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const BIN = path.resolve(__dirname, '../../../bin/gpt-lab.js');

/** Runs `gpt-lab tokenizer ...` with stdin, returning exit code and output. */
function cli(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'tokenizer', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gpt-lab tokenizer (CLI, as a child process)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-cli-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('encodes stdin with a pretrained encoding, printing a JSON array', () => {
    const r = cli(['encode', '--encoding', 'cl100k_base'], 'hello world');
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal([15339, 1917]);
  });

  it('decodes a JSON array from stdin', () => {
    const r = cli(['decode', '--encoding', 'cl100k_base'], '[15339, 1917]');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('hello world');
  });

  it('refuses special tokens unless allowed', () => {
    const refused = cli(['encode', '--encoding', 'cl100k_base'], 'a<|endoftext|>');
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/gpt-lab tokenizer: the text contains the special token '<\|endoftext\|>'.*--allowed-special all/);
    const allowed = cli(['encode', '--encoding', 'cl100k_base', '--allowed-special', 'all'], 'a<|endoftext|>');
    expect(JSON.parse(allowed.stdout)).to.deep.equal([64, 100257]);
    const asText = cli(['encode', '--encoding', 'cl100k_base', '--disallowed-special', 'none'], '<|endoftext|>');
    expect(JSON.parse(asText.stdout)).to.not.include(100257);
  });

  it('trains, saves, and encodes/decodes with the saved tokenizer', () => {
    const input = path.join(dir, 'input.txt');
    fs.writeFileSync(input, 'the cat sat on the mat. '.repeat(50) + 'the end 😀\n');
    const out = path.join(dir, 'tok.json');
    const t = cli(['train', '--input', input, '--vocab-size', '300', '--pattern', 'gpt2', '--out', out]);
    expect(t.code, t.stderr).to.equal(0);
    expect(t.stderr).to.match(/trained \d+ tokens \(pattern gpt2\)/);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).format).to.equal('gpt-lab-tokenizer');
    const text = 'the cat ate the 😀 mat';
    const ids = cli(['encode', '--tokenizer', out], text);
    expect(ids.code, ids.stderr).to.equal(0);
    expect(JSON.parse(ids.stdout).length).to.be.lessThan(text.length);
    expect(cli(['decode', '--tokenizer', out], ids.stdout).stdout).to.equal(text);
  });

  it('writes and reads .tiktoken files (with --pattern)', () => {
    const input = path.join(dir, 'input2.txt');
    fs.writeFileSync(input, 'abababab cdcdcd');
    const out = path.join(dir, 'tok.tiktoken');
    expect(cli(['train', '--input', input, '--vocab-size', '260', '--out', out]).code).to.equal(0);
    expect(cli(['encode', '--tokenizer', out], 'abab').code).to.equal(1);
    const r = cli(['encode', '--tokenizer', out, '--pattern', 'gpt4'], 'abab');
    expect(r.code, r.stderr).to.equal(0);
    expect(cli(['decode', '--tokenizer', out, '--pattern', 'gpt4'], r.stdout).stdout).to.equal('abab');
  });

  it('explains bad usage in one line, with exit code 1 (or 2 for an unknown subcommand)', () => {
    const unknown = cli(['encode', '--encoding', 'gpt5'], 'x');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/unknown encoding 'gpt5'; known encodings: r50k_base, p50k_base, cl100k_base, o200k_base/);
    expect(unknown.stderr).to.not.match(/at .*\.js/); // no stack trace
    expect(cli(['encode'], 'x').stderr).to.match(/exactly one of --encoding NAME .* or --tokenizer FILE/);
    expect(cli(['decode', '--encoding', 'cl100k_base'], 'not json').stderr).to.match(/JSON array of token ids/);
    expect(cli(['train', '--input', 'x.txt', '--vocab-size', '100', '--out', path.join(dir, 'o.json')]).stderr).to.match(/cannot read x\.txt|vocabSize \(100\)/);
    expect(cli(['train', '--vocab-size', '300']).stderr).to.match(/option --input is required/);
    expect(cli(['frobnicate']).code).to.equal(2);
  });
});
