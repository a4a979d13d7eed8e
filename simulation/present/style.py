"""The one look of every figure: colours, matplotlib style, number formats, year axes, and saving.

Colours are Okabe-Ito, Tableau colour-blind 10 and Tol's palettes (safe for colour-blind readers).
Numbers follow the language: ``12,345.6`` in English, ``12 345,6`` in Norwegian. Every figure is
written through :func:`save_figure`: atomically, and without creation dates, so redrawing an
unchanged result gives identical bytes.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

from simulation.runs.atomic import atomic_write  # noqa: E402

LANGUAGES = ("en", "nb")
FORMATS = ("png", "svg", "pdf")

# One fixed colour per state in every figure. Related states share a hue family
# (education blues, NAV oranges/purple, benefits greys).
STATE_COLOURS = {
    "pre_entry": "#CFCFCF",
    "school": "#56B4E9",
    "apprentice": "#0072B2",
    "ot_followed": "#F0E442",
    "jobseeker": "#D55E00",
    "assessment": "#E69F00",
    "work_measure": "#CC79A7",
    "amo_course": "#FFBC79",
    "adult_vgo": "#A2C8EC",
    "work": "#009E73",
    "aap": "#ABABAB",
    "disability": "#595959",
    "inactive": "#882255",
    "tertiary": "#332288",
    "aged_out": "#898989",
    "sick_leave": "#44AA99",
    "departed": "#B5B5B5",
}
# Categorical colours for series that are not states (jobs of a sweep, ...): Okabe-Ito, then Tol's wine and indigo.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#332288")
FALLBACK_COLOUR = "#999999"  # a state added later without a colour here (tests/test_plots.py flags it)
AGENCY_COLOURS = {"nav": "#D55E00", "county": "#0072B2", "municipality": "#CC79A7", "state": "#009E73"}

RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "simulation",  # stable ids: the same run gives the same SVG
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}
# No creation date in the files, so re-drawing an unchanged run gives identical bytes.
METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def state_colour(state: str) -> str:
    """The state's colour (grey for a state this module does not know)."""
    return STATE_COLOURS.get(state, FALLBACK_COLOUR)


def number(x: float, decimals: int, language: str) -> str:
    """``x`` with thousands separators in the language's style (nb: thin space and decimal comma)."""
    s = f"{x:,.{decimals}f}"
    if language == "nb":
        s = s.replace(",", "\u2009").replace(".", ",")
    return s


def signed(x: float, unit: str, language: str = "en") -> str:
    """A difference as figures label it: +1.2 (percentage points), +1,234 (persons); nb: +1,2 and +1 234."""
    if x == 0:
        return "0"
    decimals = 0 if unit == "persons" else (1 if abs(x) >= 0.095 else 2)
    return ("+" if x > 0 else "\u2212") + number(abs(x), decimals, language)


class TickFormatter(matplotlib.ticker.Formatter):
    """As few decimals as the axis' actual tick locations need, in the language's number style."""

    def __init__(self, language: str):
        self.language = language
        self.ticks = np.array([])
        self._decimals: int | None = None  # for the current ticks (matplotlib formats each label many times)

    def set_locs(self, locs):
        self.ticks = np.asarray(locs, dtype=float)
        self._decimals = self._decimals_for(self.ticks) if len(self.ticks) else None

    @staticmethod
    def _decimals_for(ticks: np.ndarray) -> int:
        scale = max(float(np.max(np.abs(ticks))), 1e-12)
        return next((d for d in range(4) if np.allclose(np.round(ticks, d), ticks, rtol=0, atol=1e-9 * scale)), 3)

    def __call__(self, x, pos=None):
        decimals = self._decimals if self._decimals is not None else self._decimals_for(np.array([x], dtype=float))
        return number(x, decimals, self.language)


def year_axis(ax, lo: float, hi: float) -> None:
    """Whole years as major ticks; quarters as minor ticks when the run is short."""
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6))
    if hi - lo < 4:
        ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(0.25))


def check_language_and_format(language: str, fmt: str) -> None:
    """Raise ValueError (one line) for a language or file format the figures do not offer."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def save_figure(fig, path: Path, fmt: str, dpi: int = 150, pad_inches: float = 0.15) -> Path:
    """Write the figure to a temporary file beside ``path``, rename it into place and close it
    (reproducible files: no creation dates). Every figure of the tool is written through here.
    PNG files are compressed at zlib level 3 rather than 6: the same pixels, a few per cent larger, and
    a sixth of a figure's drawing time less."""
    extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight",
                                                   pad_inches=pad_inches, metadata=METADATA[fmt], **extra))
    finally:
        plt.close(fig)
    return path
