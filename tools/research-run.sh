#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Trains and evaluates issue 7's other systems from their recipes, for the
# README's results table. Each training resumes from its checkpoint, so the
# script can be stopped and run again. Weights land in resources/models/
# (the recipes' output); figures as JSON in train-runs/research/.
#
#   tools/research-run.sh [BUILD_DIR] [SYSTEM...]
#   SYSTEM: drnn waveunet mask-adversarial mask-supervised-paired mask-no-activity
#   (default: all; waveunet-paper only when named: two weeks on 2 cores)
#
# Uses both cores (OPENBLAS_NUM_THREADS=2): run it when nothing else trains.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
[ $# -gt 0 ] && shift
systems=${*:-drnn waveunet mask-adversarial mask-supervised-paired mask-no-activity}
voxtrace=$build/app/voxtrace
data=../shared/data
out=train-runs/research
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2} OMP_NUM_THREADS=1
export VOXTRACE_MODELS_DIR=resources/models

# Huang's test split is held out only from models trained with split = huang
# (the DRNN); the shipped split trains on those singers, so the others are
# scored on the dev split (held out from all of them) and MUSDB dev.
evaluate () { # name model
  if [ "$1" = drnn ]; then
    "$voxtrace" eval "$data/mir1k" --dataset mir1k --split huang-test --model "$2" -q \
      --json "$out/$1-mir1k-huang-test.json"
  fi
  "$voxtrace" eval "$data/mir1k" --dataset mir1k --split dev --model "$2" -q \
    --json "$out/$1-mir1k-dev.json"
  "$voxtrace" eval "$data/musdb18-7-train" --dataset musdb --split dev --model "$2" -q \
    --json "$out/$1-musdb-dev.json"
}

for system in $systems; do
  echo "== $system: training (log in $out/$system.log)"
  /usr/bin/time -f "$system: %e s wall, %U s user" \
    "$voxtrace" train "resources/models/$system.recipe" --data "$data" 2>&1 | tee -a "$out/$system.log"
  case $system in
    drnn|waveunet|waveunet-paper)
      evaluate "$system" "resources/models/$system.vtw" ;;
    mask-*)
      # the shipped F0 network beside the mask network this recipe made
      dir=$out/$system-model
      mkdir -p "$dir"
      cp resources/models/f0.vtw "$dir/f0.vtw"
      cp "resources/models/$system.vtw" "$dir/mask.vtw"
      evaluate "$system" "$dir" ;;
  esac
done
echo "figures: $out/*.json"
