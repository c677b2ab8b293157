// `gpt-lab eval` on a ci think model: the JSON's numbers recomputed independently from its rows (vote by
// hand, pass as "some reply right", best-of from the verifier's own scores, greedy replies against
// one-prompt-at-a-time generation), the held-out sums checked against the training mixture, and one-line errors.

import { expect } from 'chai';
import * as path from 'path';
import { gptLab } from '../helpers/cli';
import { useTempRunsDir } from '../helpers/runs-dir';
import { getStage } from '../../src/pipeline';
import { loadRewardStage, loadStageModel } from '../../src/pipeline/load';
import { generate } from '../../src/sample/generate';
import { stopTokens } from '../../src/sample/chat';
import { lastNumber, finalAnswerText } from '../../src/data/world/answers';
import { thinkSettings } from '../../src/think/settings';
import { DEFAULT_SFT_TRAIN } from '../../src/sft/train';
import { sumPrompt, sumQuestion, thinkExample } from '../../src/think/sums';
import { user } from '../../src/data/conversation';

interface Row { a: number; b: number; outcome: number; replies: { text: string; tokens: number }[] }

/** The answer a reply gives, by hand: the last number after '####' (or anywhere), as a string. */
const answer = (text: string) => String(lastNumber(finalAnswerText(text)) ?? '');

describe('gpt-lab eval', function () {
  this.timeout(300000);
  const runs = useTempRunsDir('gptlab-eval-');
  let sftDir: string;
  let verifierDir: string;

  before(async () => { // after the helper's before(): the think stages train into the temporary runs tree
    const sft = await getStage('think-sft', { profile: 'ci' });
    sftDir = sft.dir;
    sft.model.dispose();
    const v = await getStage('think-verifier', { profile: 'ci' });
    verifierDir = v.dir;
    v.rm.dispose();
  });

  it('loads the finished think stages instead of training them again', async () => {
    const sft = await getStage('think-sft', { profile: 'ci' });
    const v = await getStage('think-verifier', { profile: 'ci' });
    try {
      expect([sft.loaded, v.loaded]).to.deep.equal([true, true]);
      expect(sft.state.extra).to.include({ kind: 'think', done: true });
      expect(v.state.stage).to.equal('reward');
    } finally {
      sft.model.dispose();
      v.rm.dispose();
    }
  });

  async function evalJson(...argv: string[]) {
    const r = await gptLab('eval', '--checkpoint', sftDir, '--rows', ...argv);
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out);
    const rows = j.rows as Row[];
    expect(rows.length).to.equal(j.problems);
    expect(j.correct).to.equal(rows.reduce((s, x) => s + x.outcome, 0));
    expect(j.accuracy.estimate).to.be.closeTo(j.correct / j.problems, 1e-12);
    expect(j.accuracy.lower).to.be.at.most(j.accuracy.estimate);
    expect(j.accuracy.upper).to.be.at.least(j.accuracy.estimate);
    expect(j.tokensGenerated).to.equal(rows.reduce((s, x) => s + x.replies.reduce((t, y) => t + y.tokens, 0), 0));
    expect(j.tokensPerProblem).to.be.closeTo(j.tokensGenerated / j.problems, 1e-9);
    rows.forEach((x) => expect(x.replies.length).to.equal(j.n));
    return { j, rows };
  }

  it('votes: each outcome is the majority answer (earliest on ties) checked against a + b', async () => {
    const { j, rows } = await evalJson('--task', 'sums2', '--technique', 'vote', '--n', '3', '--problems', '6', '--seed', '2');
    expect(j).to.include({ task: 'sums2', technique: 'vote', n: 3, temperature: 1, seed: 2, problems: 6 });
    for (const r of rows) {
      const keys = r.replies.map((x) => answer(x.text)).filter((k) => k !== '');
      const counts = new Map<string, number>();
      keys.forEach((k) => counts.set(k, (counts.get(k) ?? 0) + 1));
      const best = Math.max(0, ...counts.values());
      const winner = keys.find((k) => counts.get(k) === best);
      expect(r.outcome).to.equal(winner === String(r.a + r.b) ? 1 : 0);
      expect(String(r.a).length).to.equal(2);
    }
  });

  it('leaves out the sums the checkpoint trained on', async () => {
    const { rows } = await evalJson('--task', 'sums2', '--problems', '40');
    const s = thinkSettings('ci').sft;
    const trained = new Set<string>();
    // the tokenizer does not change which sums are drawn; any chat tokenizer renders them
    const tok = loadStageModel(sftDir).tok;
    for (let i = 0; i < s.examples; i++) {
      const ex = thinkExample(tok, s.data, DEFAULT_SFT_TRAIN.seed, i);
      trained.add(`${ex.a}+${ex.b}`);
    }
    expect(rows.filter((r) => trained.has(`${r.a}+${r.b}`))).to.deep.equal([]);
  });

  it('greedy replies are what one-prompt generation writes, and pass is "some reply right"', async () => {
    const { j, rows } = await evalJson('--task', 'sums3', '--problems', '3', '--format', 'direct', '--n', '9');
    expect(j).to.include({ technique: 'greedy', n: 1, temperature: 0 });
    const m = loadStageModel(sftDir);
    try {
      for (const r of rows) {
        const ids = generate(m.model, sumPrompt(m.tok, r, { kind: 'format', format: 'direct' }), { maxTokens: 96, temperature: 0, stopTokens: stopTokens(m.tok) });
        const stopped = stopTokens(m.tok).includes(ids[ids.length - 1]);
        expect(r.replies[0].text).to.equal(m.tok.decode(stopped ? ids.slice(0, -1) : ids));
        expect(r.replies[0].tokens).to.equal(ids.length);
      }
    } finally {
      m.model.dispose();
    }
    const pass = await evalJson('--task', 'sums2', '--technique', 'pass', '--n', '4', '--problems', '5');
    for (const r of pass.rows) expect(r.outcome).to.equal(r.replies.some((x) => answer(x.text) === String(r.a + r.b)) ? 1 : 0);
  });

  it('best-of keeps the reply the verifier scores highest', async () => {
    const { rows } = await evalJson('--task', 'sums2', '--technique', 'best-of', '--n', '3', '--problems', '4', '--scorer', verifierDir);
    const v = loadRewardStage(verifierDir);
    try {
      for (const r of rows) {
        const scores = v.rm.score(r.replies.map(() => ({ messages: [user(sumQuestion(r))] })), r.replies.map((x) => x.text), v.chat);
        const top = scores.indexOf(Math.max(...scores));
        expect(r.outcome).to.equal(answer(r.replies[top].text) === String(r.a + r.b) ? 1 : 0);
      }
    } finally {
      v.rm.dispose();
    }
  });

  it('says what is wrong in one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--checkpoint', path.join(runs.root(), 'nope')], /does not exist/],
      [['--checkpoint', sftDir, '--technique', 'beam'], /--technique must be one of greedy, vote, pass, best-of, got 'beam'/],
      [['--checkpoint', sftDir, '--technique', 'best-of'], /best-of needs --scorer DIR/],
      [['--checkpoint', sftDir, '--task', 'sums9'], /--task must be one of sums2, sums3, sums4/],
      [['--checkpoint', sftDir, '--technique', 'vote', '--n', '0'], /--n must be at least 1/],
    ];
    for (const [argv, msg] of cases) {
      const r = await gptLab('eval', ...argv);
      expect(r.code).to.equal(1);
      expect(r.err).to.match(msg);
      expect(r.err.split('\n').length).to.equal(1);
    }
  });
});
