#!/bin/bash
# A batch worker for the isolation tests: the real pfnscan, except that dumps whose file name
# says "hang" make it hang (a reader stuck on storage, say), to prove the time limit. Invoked as
# `WORKER scan DUMP --json ...`; PFNSCAN_BIN is the real binary.
case "$(basename "$2")" in
  *hang*) sleep 3600 ;;
esac
exec "$PFNSCAN_BIN" "$@"
