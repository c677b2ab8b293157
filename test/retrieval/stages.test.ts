// The two stages of notebook 08 through getStage: the encoder starts from the base, the open-book model
// from the SFT model (tiny finished checkpoints stand in for them); each trains once, records where it
// came from, and is loaded afterwards without training; a second seed goes to its own tree.

import { expect } from 'chai';
import { GPT, makeConfig } from '../../src/model';
import { saveCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import { getStage, stageDir, stageSpec } from '../../src/pipeline';
import { useTempRunsDir } from '../helpers/runs-dir';

const tok = trainChatTokenizer([], 256 + CHAT_BPE_SPECIALS.length);

function saveTiny(dir: string, stage: 'base' | 'sft', seed: number): void {
  const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 256, seed }));
  saveCheckpoint(dir, {
    step: 1, config: model.config, seed, stage, tokenizer: 'chat-bpe', data: 'world-small',
    extra: { done: true, from: 'test' }, files: { 'tokenizer.json': tok.toJSON() },
  }, model);
  model.dispose();
}

describe('getStage: encoder and openbook', function () {
  this.timeout(300_000);
  useTempRunsDir('gpt-lab-rag-stages-', 'cpu');
  before(() => { // after the helper's before(): the stand-in checkpoints go into the temporary runs tree
    saveTiny(stageDir('base', 'ci'), 'base', 1);
    saveTiny(stageDir('sft', 'ci'), 'sft', 2);
  });

  it('are rows of the table: the encoder from base, the open-book model from sft, both in notebook 08', () => {
    expect(stageSpec('encoder')).to.include({ from: 'base', notebook: '08-retrieval', code: 'src/retrieval/encoder.ts' });
    expect(stageSpec('openbook')).to.include({ from: 'sft', notebook: '08-retrieval', code: 'src/retrieval/open-book-sft.ts' });
  });

  it('trains the encoder from the base once, then loads it', async () => {
    const steps: number[] = [];
    const enc = await getStage('encoder', { profile: 'ci', steps: 3, onStep: (s) => steps.push(s.step) });
    expect(enc.loaded).to.equal(false);
    expect(enc.state.stage).to.equal('encoder');
    expect(enc.state.extra.from).to.equal(resolveCheckpointDir(stageDir('base', 'ci')));
    expect(steps[steps.length - 1]).to.equal(3);
    enc.model.dispose();
    const again = await getStage('encoder', { profile: 'ci', onStep: () => { throw new Error('trained again'); } });
    expect(again.loaded).to.equal(true);
    expect(again.state.extra.done).to.equal(true);
    again.model.dispose();
  });

  it('fine-tunes the open-book model from sft once, then loads it; a second seed trains in its own tree', async () => {
    const ob = await getStage('openbook', { profile: 'ci', steps: 2 });
    expect(ob.loaded).to.equal(false);
    expect(ob.state.stage).to.equal('openbook');
    expect(ob.state.extra.from).to.equal(resolveCheckpointDir(stageDir('sft', 'ci')));
    ob.model.dispose();
    const again = await getStage('openbook', { profile: 'ci' });
    expect(again.loaded).to.equal(true);
    again.model.dispose();
    const seed2 = await getStage('openbook', { profile: 'ci', seed: 2, steps: 2, from: stageDir('sft', 'ci') });
    expect(seed2.dir).to.equal(stageDir('openbook', 'ci', 2));
    expect(seed2.state.seed).to.equal(2);
    seed2.model.dispose();
  });
});
