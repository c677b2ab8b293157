#!/usr/bin/env bash
# On the GPU machine (through the session's device tool, with .gpu carried along after
# `bash bench/pack-gpu.sh`): the step benchmark on webgpu, with the WGSL AdamW timed and checked
# beside tfjs's own kernels, against PyTorch on CUDA when Python there has torch. Writes
# gpu-step.json and gpu-step.err under $OUT (or out/gpu), prints the summary table.
#   bash bench/gpu-run.sh                 # the 'gpu' reference step (about 3-5 min with start-up)
#   bash bench/gpu-run.sh baby,gpu        # both reference steps
set -uo pipefail
configs=${1:-gpu}
out=${OUT:-out/gpu}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1
for py in python3 python /usr/bin/python3; do command -v "$py" >/dev/null && "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>/dev/null && break; done
bash .gpu/run.sh step --configs "$configs" --backends webgpu --unfused --rounds 3 --profile > "$out/gpu-step.json" 2> "$out/gpu-step.err"
rc=$?
grep -v '^\s*$' "$out/gpu-step.err" | tail -25
exit $rc
