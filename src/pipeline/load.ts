// Loading a stage's model from its directory: the checkpoint's weights and the tokenizer file it
// carries (tokenizer.json), so a checkpoint directory is self-contained.
//
//   const sft = loadStageModel('runs/full/sft');   // { model, tok, dir, state }
//   const rm = loadRewardStage('runs/full/reward-onpolicy');   // { rm, tok, chat, dir, state }
//
// A checkpoint written with the char-level chat tokenizer (tokenizer 'chat-char', an older run or a
// test's stand-in) loads with that tokenizer. Left out: deciding whether to train (run.ts).

import * as fs from 'fs';
import * as path from 'path';
import { assert, GptLabError } from '../util/assert';
import { ChatTokenizer, charTokenizer } from '../data/char-tokenizer';
import { ChatBpeTokenizer, chatTokenizerFromJSON } from '../tokenizer/chat';
import { GPT } from '../model';
import { ChatModel } from '../sample/chat';
import {
  Checkpoint, CheckpointState, loadCheckpoint, modelFromCheckpoint, readCheckpointFile,
} from '../train/checkpoint';
import { RewardStage, rewardFromCheckpoint } from '../reward/stage';
import { rewardTokens } from '../reward/model';
import { RewardTrainConfig } from '../reward/train';

/** The name of the tokenizer file in the tokenizer stage's directory and in every checkpoint. */
export const TOKENIZER_FILE = 'tokenizer.json';

/** A checkpoint's state with its stage's extra (and training settings) typed. */
export type StageState<E, T = unknown> = Omit<CheckpointState, 'extra' | 'train'> & { extra: E; train: T };

/** A stage's model, ready to use. The caller owns model (dispose it when done). */
export interface StageModel<E = unknown, T = unknown> extends ChatModel {
  /** The stage directory (holding latest.json). */
  dir: string;
  state: StageState<E, T>;
  /** True when a finished checkpoint was loaded and nothing was trained. */
  loaded: boolean;
}

/**
 * The tokenizer file of the tokenizer stage's directory.
 *
 *   readTokenizerDir('runs/full/tokenizer').vocabSize → 864
 */
export function readTokenizerDir(dir: string): ChatBpeTokenizer {
  const file = path.join(dir, TOKENIZER_FILE);
  assert(fs.existsSync(file),
    () => `${file} is missing; train the chat tokenizer first (the pipeline's 'tokenizer' stage)`);
  return chatTokenizerFromJSON(fs.readFileSync(file, 'utf8'));
}

/**
 * The tokenizer a checkpoint was written with: its tokenizer.json ('chat-bpe'), or the char-level
 * chat tokenizer ('chat-char').
 */
export function checkpointTokenizer(dir: string, state: Pick<CheckpointState, 'tokenizer' | 'config'>): ChatTokenizer {
  let tok: ChatTokenizer;
  if (state.tokenizer === 'chat-bpe') {
    const json = readCheckpointFile(dir, TOKENIZER_FILE);
    assert(json !== undefined,
      () => `${dir} says tokenizer 'chat-bpe' but holds no ${TOKENIZER_FILE}; the checkpoint is incomplete`);
    tok = chatTokenizerFromJSON(json);
  } else if (state.tokenizer === 'chat-char') {
    tok = charTokenizer();
  } else {
    throw new GptLabError(`${dir} was not written with the chat tokenizer ` +
      `(tokenizer: ${state.tokenizer ?? 'none'}, e.g. a Tiny Shakespeare model); ` +
      `point at a base or sft stage directory`);
  }
  assert(state.config.vocabSize === tok.vocabSize,
    () => `${dir} has vocabSize ${state.config.vocabSize}, its tokenizer ${tok.vocabSize}; ` +
      `it was written by another version of gpt-lab`);
  return tok;
}

/**
 * A chat model from a checkpoint already read (one read of the weights; a finished one is read without its
 * optimizer state).
 */
export function stageModelOf<E, T>(dir: string, ckpt: Checkpoint, loaded = true): StageModel<E, T> {
  const tok = checkpointTokenizer(ckpt.dir, ckpt.state);
  const model: GPT = modelFromCheckpoint(ckpt);
  return { model, tok, dir, state: ckpt.state as unknown as StageState<E, T>, loaded };
}

/**
 * Any chat stage's model (base, sft, rlhf, dpo) from its directory.
 *
 *   loadStageModel('runs/full/sft') → { model, tok, dir: 'runs/full/sft', state: { stage: 'sft', ... } }
 */
export function loadStageModel<E = unknown, T = unknown>(dir: string): StageModel<E, T> {
  return stageModelOf(dir, loadCheckpoint(dir, { optimizer: false }));
}

/** A reward stage with where it lives. */
export interface RewardStageModel<E, T = RewardTrainConfig> extends Omit<RewardStage, 'state'> {
  dir: string;
  state: StageState<E, T>;
  loaded: boolean;
}

/**
 * A finished reward model from its directory: trunk, head, tokenizer.
 *
 *   loadRewardStage('runs/full/reward').rm.score([prompt], ['Sure! 5+7=12.'], chat) → [2.1]
 */
export function loadRewardStage<E = unknown, T = RewardTrainConfig>(dir: string): RewardStageModel<E, T> {
  const ckpt = loadCheckpoint(dir, { optimizer: false });
  const tok = checkpointTokenizer(ckpt.dir, ckpt.state);
  return {
    rm: rewardFromCheckpoint(ckpt), tok, chat: rewardTokens(tok), dir, state: ckpt.state as unknown as StageState<E, T>,
    loaded: true,
  };
}
