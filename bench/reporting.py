"""What every benchmark here prints: progress lines and verdicts against targets."""

import sys
import time


def say(text: str) -> None:
    """Progress on stderr, so a long run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def verdict(label: str, value: float, target: float, *, higher_is_better: bool = True) -> str:
    """One target as a report line: met or MISSED, with the figure and the target."""
    met = value >= target if higher_is_better else value <= target
    sign = "≥" if higher_is_better else "≤"
    return f"- {'met' if met else 'MISSED'}: {label}: {value:.2f} (target {sign} {target})"
