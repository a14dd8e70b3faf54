"""What a lesson's sections are made of, for a page to draw in order: text, formulas, charts, metric
rows, checks and side-by-side columns. Plain records: a lesson says what to show, ui.blocks draws it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """Markdown."""

    markdown: str


@dataclass(frozen=True)
class Caption:
    text: str


@dataclass(frozen=True)
class Formula:
    """One displayed LaTeX formula."""

    latex: str


@dataclass(frozen=True)
class Chart:
    """A figure, drawn under `key` (an animation's step in a link is ?step_<key>=)."""

    figure: object
    key: str


@dataclass(frozen=True)
class Metric:
    """A number as a page shows it in a metric box: its label, its value as text, and what hovering tells;
    a delta is drawn green when it is negative (fewer multiplications)."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None


@dataclass(frozen=True)
class Metrics:
    """A row of metric boxes, wrapping to fewer per row where each would get less than `min_rem` rem."""

    metrics: tuple[Metric, ...]
    key: str
    min_rem: int = 12


@dataclass(frozen=True)
class Check:
    """A claim checked on screen: a tick where it holds, an error (or a warning) where it does not."""

    text: str
    holds: bool
    failure: str = "error"  # or "warning", where a difference is expected (an approximation)


@dataclass(frozen=True)
class Notice:
    """An information box (or a warning) with a Material icon name."""

    markdown: str
    icon: str = "info"
    warning: bool = False


@dataclass(frozen=True)
class Columns:
    """Blocks side by side, one list per column (relative widths `spec`), stacked where a column would
    get less than `min_rem` rem; `stacked` puts them one under the other on every screen."""

    columns: tuple[tuple, ...]
    key: str
    spec: tuple[int, ...] | int = 2
    min_rem: int = 26
    stacked: bool = False
    gap: str = "medium"  # "small", "medium" or "large", as st.columns takes it


@dataclass(frozen=True)
class Section:
    """A titled part of a page."""

    title: str
    blocks: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class GoingFurther:
    """Side topics the lecture does not cover, folded away under "Going further" after the lecture's path:
    their sections are drawn only once it is opened."""

    sections: tuple = field(default_factory=tuple)
    key: str = "going_further"

    @property
    def title(self) -> str:
        """"Going further · Grouped convolution · What separability gives up", from its sections' titles."""
        return " · ".join(["Going further", *(section.title for section in self.sections if section is not None)])


@dataclass(frozen=True)
class ByWidth:
    """The same content laid out twice: `wide` shown on screens at least WIDE_SCREEN_PX wide, `narrow` below.
    The server never learns the screen's width, so both are sent and a CSS rule (assets/columns.css) shows one.
    An animation in both is keyed "<key>" in `wide` and "<key>__narrow" in `narrow`: a link's ?step= opens
    both, and "Copy link to this view" writes the one shown. In presenter mode `wide` is fitted to wide screens."""

    wide: tuple
    narrow: tuple
    key: str


WIDE_SCREEN_PX = 1600  # where assets/columns.css switches a ByWidth from its narrow layout to its wide one

