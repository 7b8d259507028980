#!/usr/bin/env bash
# The nightly export of yesterday's business date (or the date given), for every outlet.
# One run at a time (flock); exit code 0 = written and verified, 1 = verification failed,
# 2 = the export failed (disk, database), 75 = another run holds the lock.
set -euo pipefail

KIOSK=${KIOSK:-kiosk}
OUT=${KIOSK_EXPORT_DIR:-/var/lib/kiosk/export}
LOCK=${KIOSK_EXPORT_LOCK:-/run/lock/kiosk-export.lock}
DAY=${1:-$(TZ=${KIOSK_TZ:-Asia/Shanghai} date -d yesterday +%F)}

exec 9>"$LOCK"
if ! flock -n 9; then
  echo "kiosk-export: another export is running" >&2
  exit 75
fi

echo "kiosk-export: exporting business date $DAY to $OUT"
"$KIOSK" export --date "$DAY" --out "$OUT" || exit 2
"$KIOSK" verify-export "$OUT" || exit 1
echo "kiosk-export: $DAY done"
