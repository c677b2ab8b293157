#!/usr/bin/env bash
# Packs the benchmarks for the GPU machine (no Node.js there): bench/index.ts bundled by
# ../shared/gpu/pack into OUT (default .gpu), plus the PyTorch reference script beside it.
#   bash bench/pack-gpu.sh [OUT]
#   then there:  bash OUT/run.sh step --json          (webgpu, wasm, cpu; PyTorch if Python has torch)
# Here (no GPU) the bundle itself can be checked with:  node OUT/app.cjs step --configs baby --backends wasm --rounds 1
# (not run.sh, which unpacks Vulkan loader packages into / for the GPU machine).
set -euo pipefail
out=${1:-.gpu}
root=$(git rev-parse --show-toplevel)
cd "$root"
pack=${GPTLAB_PACK:-../shared/gpu/pack}
[ -f "$pack" ] || pack=/work/shared/gpu/pack
bash "$pack" bench/index.ts "$out"
cp bench/torch_step.py "$out/torch_step.py"
echo "packed bench/index.ts and bench/torch_step.py into $out"
