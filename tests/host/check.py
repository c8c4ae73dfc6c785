"""The Python twin of check.h: check() counts, finish() prints the summary
line "name: N passed, N failed" and exits non-zero on any failure."""
import sys

passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"[FAIL] {name}")


def finish(test):
    print(f"{test}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
