"""A minimal TAP producer for the Python tests (end-to-end, operations), read by prove."""
import sys
import traceback


class Tap:
    def __init__(self, planned):
        self.n = 0
        self.failed = 0
        print(f"1..{planned}", flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}", flush=True)
        if not cond and diag is not None:
            for line in str(diag).splitlines():
                print(f"# {line}", flush=True)
        return cond

    def eq(self, got, expected, name):
        return self.ok(got == expected, name, f"got:      {got!r}\nexpected: {expected!r}")

    def bail(self, why):
        print(f"Bail out! {why}", flush=True)
        sys.exit(255)

    def done(self):
        sys.exit(1 if self.failed else 0)


def run(main):
    """Run main(); an exception is a bail-out with its traceback."""
    try:
        main()
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 - report everything to prove
        for line in traceback.format_exc().splitlines():
            print(f"# {line}", flush=True)
        print("Bail out! the test raised an exception", flush=True)
        sys.exit(255)
