// RLHF and DPO as pipeline stages: what notebook 06 and `gpt-lab rlhf` call.
//
//   const run = await ensureRlhf();   // runs/<profile>/rlhf: PPO from the SFT model against the reward model
//   const dpo = await ensureDpo();    // runs/<profile>/dpo: DPO from the SFT model on the reward model's pairs
//
// Each loads a finished checkpoint (state.extra.done) from its directory, or trains and saves one in
// the pretraining checkpoint format (stage 'rlhf' / 'dpo', the step history in state.extra). The
// policy starts as the SFT model; a second copy of the SFT weights is the frozen reference; the
// reward model is only read.
//
// The reward model is InstructGPT's: trained on comparisons of the SFT model's own replies to the RL
// prompts, ranked by the labeler (src/reward/onpolicy.ts, runs/<profile>/reward-onpolicy). DPO trains
// on exactly those comparisons. The prompts are the world's fact questions (train split), cut into RL
// prompts and held-out prompts that every model is scored on (and that no comparison ever used).
// Arithmetic is left out: the SFT model answers it with long worked steps that cost many sampling
// steps per reply.
// Left out: resuming an interrupted RL run (it starts over: minutes long).

import * as fs from 'fs';
import { assert } from '../util/assert';
import { Profile, profile as activeProfile } from '../profile';
import { stageDir } from '../stages';
import { CharTokenizer, chatTokens } from '../data/char-tokenizer';
import { QAExample } from '../data/world/task';
import { GPT } from '../model';
import { CheckpointState, hasCheckpoint, loadCheckpoint, resolveCheckpointDir, saveCheckpoint } from '../train/checkpoint';
import { WORLD_DATA } from '../train/world';
import { ensureSft, loadStageModel, StageModel } from '../sft/stages';
import { loadRewardModel, RewardModel } from '../reward';
import { labelerReward } from '../data/world/labeler';
import { OnPolicySettings, ReplyScorer, ensureOnPolicyReward, onPolicyData, onPolicySettings, questionRanges } from '../reward/onpolicy';
import { DpoConfig, DpoStepInfo, PairIds, makeDpoConfig, promptIds, replyIds, trainDpo } from './dpo';
import { RewardFn, RlAlgo, RlConfig, RlStepInfo, makeRlConfig, trainRl } from './rl';

/** RLHF's and DPO's sizes, per profile. */
export interface RlhfSettings {
  /** Distinct fact questions RL trains on. */
  prompts: number;
  /** Other distinct fact questions every model is scored on. */
  heldOut: number;
  /** Replies sampled per held-out question when scoring (diversity needs several). */
  evalSamples: number;
  /** The RL run (the algorithm comes from the caller; PPO by default). */
  rl: Partial<RlConfig>;
  /** The DPO run: by default the same number of optimizer updates, and as many sequences per update, as PPO. */
  dpo: Partial<DpoConfig>;
}

const SETTINGS: Record<Profile, RlhfSettings> = {
  ci: {
    prompts: 32, heldOut: 8, evalSamples: 2,
    rl: { steps: 6, promptsPerStep: 2, groupSize: 4, maxTokens: 32, lr: 1e-4, beta: 0.05 },
    dpo: { steps: 12, pairsPerStep: 4, lr: 1e-4, beta: 0.1 },
  },
  full: {
    prompts: 160, heldOut: 48, evalSamples: 4,
    rl: { steps: 40, promptsPerStep: 4, groupSize: 4, maxTokens: 40, lr: 5e-5, beta: 0.05 },
    dpo: { steps: 80, pairsPerStep: 8, lr: 1e-5, beta: 0.5 },
  },
};

/** The settings of a profile (default: the active one). */
export function rlhfSettings(prof: Profile = activeProfile()): RlhfSettings {
  return SETTINGS[prof];
}

/**
 * The RL prompts and the held-out prompts: distinct fact questions (train split), disjoint.
 *
 *   rlhfPrompts(rlhfSettings('ci')) → { train: 32 questions, heldOut: 8 others }
 */
export function rlhfPrompts(settings: Pick<RlhfSettings, 'prompts' | 'heldOut'>): { train: QAExample[]; heldOut: QAExample[] } {
  const { train, heldOut } = questionRanges({ prompts: settings.prompts, heldOut: settings.heldOut, rewardHeldOut: 0 });
  return { train, heldOut };
}

/** The reward model as RL's reward function. */
export function rewardFnOf(rm: RewardModel): RewardFn {
  return (prompts, replies) => rm.score(prompts, replies);
}

/**
 * The on-policy reward model's training comparisons, as ids for DPO: the same replies of `sft`
 * (sampled with the same seed), ranked by the labeler.
 *
 *   dpoPairs(sft.model, sft.tok, 'ci').length → the reward model's extra.pairs.train
 */
export function dpoPairs(sft: GPT, tok: CharTokenizer, prof: Profile = activeProfile(), settings: OnPolicySettings = onPolicySettings(prof),
  score: ReplyScorer = labelerReward): PairIds[] {
  const chat = chatTokens(tok);
  const blockSize = sft.config.blockSize;
  return onPolicyData(sft, tok, settings, score).train.map((p) => {
    const prompt = promptIds(p.prompt, chat);
    return { prompt, chosen: replyIds(p.chosen, chat, prompt.length, blockSize), rejected: replyIds(p.rejected, chat, prompt.length, blockSize) };
  });
}

/** Options of ensureRlhf / ensureDpo. */
export interface RlhfStageOptions {
  profile?: Profile;
  /** Where the checkpoint goes (default stageDir('rlhf' | 'dpo', profile)). */
  dir?: string;
  /** The SFT checkpoint to start from (default: ensureSft's). */
  from?: string;
  /** A reward model checkpoint (default: ensureOnPolicyReward's). RLHF only. */
  reward?: string;
  /** Train even if dir holds a finished checkpoint. */
  force?: boolean;
  /** 'ppo' (default) or 'grpo'. RLHF only. */
  algo?: RlAlgo;
  /** Overrides of the profile's RL settings (steps, beta, ...). */
  rl?: Partial<RlConfig>;
  /** Overrides of the profile's DPO settings. */
  dpo?: Partial<DpoConfig>;
  onStep?: (s: RlStepInfo) => void;
  onDpoStep?: (s: DpoStepInfo) => void;
  /** Called once before training (not when a finished checkpoint is loaded). */
  onStart?: (info: { stage: 'rlhf' | 'dpo'; dir: string; steps: number; from: string }) => void;
  /** One-line messages about what is loaded or trained. */
  log?: (line: string) => void;
}

/** A finished RLHF or DPO stage. The caller owns (and disposes) model. */
export interface RlhfStage extends StageModel {
  /** Every step's metrics (RLHF). */
  history: RlStepInfo[];
  /** Every step's metrics (DPO). */
  dpoHistory: DpoStepInfo[];
}

/** Whether dir holds a finished checkpoint of the stage. */
function isFinishedStage(dir: string, stage: 'rlhf' | 'dpo'): boolean {
  if (!hasCheckpoint(dir)) return false;
  try {
    const s = loadCheckpoint(dir).state;
    return s.stage === stage && s.extra?.done === true;
  } catch {
    return false;
  }
}

function loadFinished(dir: string): RlhfStage {
  const m = loadStageModel(dir);
  const extra = (m.state.extra ?? {}) as { history?: RlStepInfo[]; dpoHistory?: DpoStepInfo[] };
  return { ...m, history: extra.history ?? [], dpoHistory: extra.dpoHistory ?? [] };
}

/** The SFT model twice: the policy (trained) and the reference (frozen), and where it came from. */
async function policyAndReference(opts: RlhfStageOptions, prof: Profile): Promise<{ policy: StageModel; reference: GPT; from: string }> {
  const policy = opts.from !== undefined ? loadStageModel(opts.from) : await ensureSft({ profile: prof, log: opts.log });
  const from = resolveCheckpointDir(policy.dir);
  return { policy, reference: loadStageModel(from).model, from };
}

function save(dir: string, stage: 'rlhf' | 'dpo', model: GPT, steps: number, seed: number, train: unknown, extra: Record<string, unknown>): CheckpointState {
  saveCheckpoint(dir, { step: steps, config: model.config, train, seed, tokenizer: 'chat-char', stage, data: WORLD_DATA, extra: { ...extra, done: true } }, model);
  return loadCheckpoint(dir).state;
}

/**
 * The RLHF policy of a profile: loaded when finished, else PPO (or GRPO) from the SFT model
 * against the reward model, saved to runs/<profile>/rlhf.
 */
export async function ensureRlhf(opts: RlhfStageOptions = {}): Promise<RlhfStage> {
  const prof = opts.profile ?? activeProfile();
  const dir = opts.dir ?? stageDir('rlhf', prof);
  if (!opts.force && isFinishedStage(dir, 'rlhf')) {
    opts.log?.(`rlhf: loading the finished policy in ${dir}`);
    return loadFinished(dir);
  }
  const settings = rlhfSettings(prof);
  const config = makeRlConfig(opts.algo ?? 'ppo', { ...settings.rl, ...opts.rl });
  const { policy, reference, from } = await policyAndReference(opts, prof);
  let rm: RewardModel | undefined;
  try {
    if (opts.reward !== undefined) assert(fs.existsSync(opts.reward), () => `--reward ${opts.reward} does not exist; give a reward model checkpoint (e.g. runs/full/reward)`);
    rm = opts.reward !== undefined ? loadRewardModel(opts.reward) : (await ensureOnPolicyReward({ profile: prof, from, log: opts.log })).rm;
    const prompts = rlhfPrompts(settings);
    opts.log?.(`rlhf: ${config.algo} from ${from} for ${config.steps} steps of ${config.promptsPerStep}x${config.groupSize} replies, β ${config.beta}, into ${dir}`);
    opts.onStart?.({ stage: 'rlhf', dir, steps: config.steps, from });
    const start = performance.now();
    const history = await trainRl(policy.model, reference, { tok: policy.tok, examples: prompts.train, reward: rewardFnOf(rm) }, config, { onStep: opts.onStep });
    const seconds = (performance.now() - start) / 1000;
    const state = save(dir, 'rlhf', policy.model, config.steps, config.seed, config, { from, algo: config.algo, settings, history, seconds });
    opts.log?.(`rlhf: trained in ${seconds.toFixed(0)} s`);
    return { model: policy.model, tok: policy.tok, dir, state, history, dpoHistory: [] };
  } catch (e) {
    policy.model.dispose();
    throw e;
  } finally {
    reference.dispose();
    rm?.dispose();
  }
}

/**
 * The DPO policy of a profile: loaded when finished, else DPO from the SFT model on the on-policy
 * reward model's training comparisons, saved to runs/<profile>/dpo.
 */
export async function ensureDpo(opts: RlhfStageOptions = {}): Promise<RlhfStage> {
  const prof = opts.profile ?? activeProfile();
  const dir = opts.dir ?? stageDir('dpo', prof);
  if (!opts.force && isFinishedStage(dir, 'dpo')) {
    opts.log?.(`dpo: loading the finished policy in ${dir}`);
    return loadFinished(dir);
  }
  const settings = rlhfSettings(prof);
  const config = makeDpoConfig({ ...settings.dpo, ...opts.dpo });
  const { policy, reference, from } = await policyAndReference(opts, prof);
  try {
    const pairs = dpoPairs(reference, policy.tok, prof);
    opts.log?.(`dpo: from ${from} on ${pairs.length} preference pairs, ${config.steps} steps of ${config.pairsPerStep} pairs, β ${config.beta}, into ${dir}`);
    opts.onStart?.({ stage: 'dpo', dir, steps: config.steps, from });
    const start = performance.now();
    const dpoHistory = await trainDpo(policy.model, reference, pairs, config, { onStep: opts.onDpoStep });
    const seconds = (performance.now() - start) / 1000;
    const state = save(dir, 'dpo', policy.model, config.steps, config.seed, config, { from, settings, pairs: pairs.length, dpoHistory, seconds });
    opts.log?.(`dpo: trained in ${seconds.toFixed(0)} s`);
    return { model: policy.model, tok: policy.tok, dir, state, history: [], dpoHistory };
  } catch (e) {
    policy.model.dispose();
    throw e;
  } finally {
    reference.dispose();
  }
}
