#!/usr/bin/env bash
# Every quality number in the README: each shared data set on the `test` split, with the
# baselines and the lift in the same run, in deployment mode and pool mode, plus the online protocol.
# The README tables use these runs (the LaMP-7 run samples 200 users: drop --users for all).
# Usage: scripts/eval_all.sh [OUT_DIR]   (data: $MINDPRINT_SHARED_DATA or ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-eval-out}
DATA=${MINDPRINT_SHARED_DATA:-../shared/data}
MP=${MINDPRINT:-.venv/bin/mindprint}
run() { echo "== $*" >&2; "$MP" eval --split test --k 3 --seed 0 "$@"; }
# Deployment mode (each person as a lone server runs them) first, then team mode (everyone in
# one team server, MINDPRINT_TEAM), then pool mode.
for POP in shipped team pool; do
  run --task classification --data "$DATA/peftu/tweeteval_hate" --out "$OUT/$POP/tweeteval_hate" --population $POP
  run --task rating --data "$DATA/peftu/studemo_valence" --out "$OUT/$POP/studemo_valence" --population $POP
  run --task rating --data "$DATA/amazon_rating/musical_instruments" --out "$OUT/$POP/amazon" --population $POP
  run --task rating --data "$DATA/aspects/ratebeer" --out "$OUT/$POP/ratebeer" --population $POP
  run --task category --data "$DATA" --out "$OUT/$POP/newscat_category" --population $POP
done
run --task rewrite --data "$DATA" --out "$OUT/lamp7_rewrite" --users 200
# The online protocol: a lone server's learning curve (deployment mode), then pool mode's.
run --task rating --data "$DATA/peftu/studemo_valence" --out "$OUT/shipped/studemo_online" --protocol online --population shipped
run --task classification --data "$DATA/peftu/tweeteval_hate" --out "$OUT/shipped/tweeteval_online" --protocol online --population shipped
for POP in shipped pool; do
  run --task rating --data "$DATA/amazon_rating/musical_instruments" --out "$OUT/$POP/amazon_online" --protocol online --population $POP
  run --task rating --data "$DATA/aspects/ratebeer" --out "$OUT/$POP/ratebeer_online" --protocol online --population $POP
done
