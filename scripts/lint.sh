#!/usr/bin/env bash
# npm run lint: ESLint, the Prettier format check and the import-cycle check. All three run
# even when one fails, so one pass shows everything; the exit status is non-zero if any failed.
cd "$(dirname "$0")/.."
rc=0
for step in lint:eslint lint:format lint:cycles; do
  echo "== npm run $step"
  npm run --silent "$step" || rc=1
done
exit $rc
