#!/bin/bash
# A batch worker for the isolation tests: the real pfnscan, except that dumps whose file name
# says "hang" make it hang (a reader stuck on storage, say), to prove the time limit, and dumps
# whose name says "huge-log" make it allocate far more than any --memory a test gives (what a
# reader that trusts a corrupt dump's counts would do), to prove the memory limit: pfnscan itself
# reads them in a few MiB since its printk reader walks the ring in windows. Invoked as
# `WORKER scan DUMP --json ...`; PFNSCAN_BIN is the real binary.
case "$(basename "$2")" in
  *hang*) sleep 3600 ;;
  *huge-log*)
    exec /usr/bin/python3 -c '
import errno, os, sys
try:
    hog = bytearray(1 << 34)
except MemoryError:
    # exit code 6 as pfnscan itself exits when it runs out of memory (src/report/exit_code.hpp)
    print("misbehaving worker: " + os.strerror(errno.ENOMEM), file=sys.stderr)
    sys.exit(6)
' ;;
esac
exec "$PFNSCAN_BIN" "$@"
