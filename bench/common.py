import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    ratio: float
    target: float
    details: dict = field(default_factory=dict)

    @property
    def passed(self):
        return self.ratio <= self.target


def print_result(result):
    verdict = "PASS" if result.passed else "FAIL"
    extra = " ".join(f"{k}={v}" for k, v in result.details.items())
    print(f"BENCH {result.name} ratio={result.ratio:.3f} target<={result.target:g} {verdict}" + (f"  ({extra})" if extra else ""), flush=True)


def median_time(fn, repeat=5, warmup=1):
    """Median wall time of fn() in seconds after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
