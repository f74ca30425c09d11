"""Headline floors (``eval/floors.toml``) and the check ``soanthao eval --quick`` runs in CI.

A floor is ``{ min = x }`` (metric must be ≥ x) or ``{ max = x }`` (metric must be ≤ x). Floors apply to the
held-out ``test`` split and to ``all`` (see the file's header). A metric that was not measured in this run
(suite not run, or nothing to measure, e.g. a draft set with no directive reference) is reported as
``skipped`` with the reason, never as passed.

Example:
    >>> floors = parse_floors({"retrieval": {"hit_at_5": {"min": 0.95}}})
    >>> [c.passed for c in check_floors({"retrieval": {"test": {"hit_at_5": 0.9}}}, floors)]
    [False]
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import SoanThaoError

logger = logging.getLogger(__name__)

DEFAULT_FLOORS_PATH = Path(__file__).resolve().parent / "floors.toml"
FLOOR_SPLITS = ("test", "all")


class FloorsFileError(SoanThaoError):
    """The floors file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Floor:
    """One headline floor: ``suite.metric`` must be ``>= value`` (kind "min") or ``<= value`` ("max")."""

    suite: str
    metric: str
    kind: str
    value: float

    def holds(self, measured: float) -> bool:
        return measured >= self.value if self.kind == "min" else measured <= self.value

    @property
    def label(self) -> str:
        return f"{self.suite}.{self.metric} {'≥' if self.kind == 'min' else '≤'} {self.value:g}"


@dataclass(frozen=True)
class FloorCheck:
    """The outcome of one floor on one split; ``passed`` is None when the metric was not measured."""

    floor: Floor
    split: str
    measured: float | None
    passed: bool | None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"suite": self.floor.suite, "metric": self.floor.metric, "kind": self.floor.kind,
                "floor": self.floor.value, "split": self.split, "measured": self.measured,
                "passed": self.passed, "note": self.note}


def parse_floors(data: Mapping[str, Any], source: str = "floors") -> list[Floor]:
    """Floors from the parsed TOML table ``{suite: {metric: {"min"|"max": number}}}``.

    Raises:
        FloorsFileError: an entry is not a one-key table with a numeric ``min`` or ``max``.
    """
    floors: list[Floor] = []
    for suite, metrics in data.items():
        if not isinstance(metrics, Mapping):
            raise FloorsFileError(f"{source}: [{suite}] phải là bảng / must be a table of metrics")
        for metric, spec in metrics.items():
            if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in ("min", "max"):
                raise FloorsFileError(
                    f"{source}: {suite}.{metric} phải là {{ min = x }} hoặc {{ max = x }} / "
                    f"must be {{ min = x }} or {{ max = x }}, got {spec!r}"
                )
            kind, value = next(iter(spec.items()))
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FloorsFileError(f"{source}: {suite}.{metric}.{kind} phải là số / must be a number, got {value!r}")
            floors.append(Floor(suite, metric, kind, float(value)))
    return floors


def load_floors(path: Path = DEFAULT_FLOORS_PATH) -> list[Floor]:
    """Read and validate a floors file.

    Raises:
        FloorsFileError: the file is missing, not TOML, or has a malformed entry.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FloorsFileError(f"Không thấy tệp ngưỡng / floors file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FloorsFileError(f"Tệp ngưỡng {path} không phải TOML hợp lệ / is not valid TOML: {exc}") from exc
    return parse_floors(data, str(path))


def check_floors(headline: Mapping[str, Mapping[str, Mapping[str, float | None]]], floors: list[Floor],
                 splits: tuple[str, ...] = FLOOR_SPLITS) -> list[FloorCheck]:
    """Check every floor on every split of the headline figures ``{suite: {split: {metric: value}}}``.

    A suite that did not run, a split with no items, or a metric measured as None gives a skipped check.
    """
    checks: list[FloorCheck] = []
    for floor in floors:
        suite = headline.get(floor.suite)
        if suite is None:
            checks.append(FloorCheck(floor, "-", None, None, "suite not run"))
            continue
        for split in splits:
            figures = suite.get(split)
            if not figures:
                checks.append(FloorCheck(floor, split, None, None, "no items in this split"))
                continue
            if floor.metric not in figures:
                raise FloorsFileError(
                    f"floors: {floor.suite}.{floor.metric} không phải chỉ số của bộ đánh giá / is not a metric "
                    f"of this suite; known: {sorted(figures)}"
                )
            value = figures[floor.metric]
            if value is None:
                checks.append(FloorCheck(floor, split, None, None, "nothing to measure in this split"))
                continue
            checks.append(FloorCheck(floor, split, float(value), floor.holds(float(value))))
    return checks


def failed(checks: list[FloorCheck]) -> list[FloorCheck]:
    """The checks that measured a value below (or above) its floor."""
    return [c for c in checks if c.passed is False]
