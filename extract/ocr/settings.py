"""Every tolerance of the OCR reader, one frozen dataclass per step.

Lengths are in inches (multiplied by the page's dpi where used) or in text
line heights (`char_h`), so that one setting serves 150 and 300 dpi scans
alike; pixel values are the few that are about the pixel grid itself.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecogniserSettings:
    height: int = 48              # the recogniser's input height (PP-OCR rec models)
    min_width: int = 64           # cost grows with width: no 320 px padding as in PaddleOCR
    max_ratio: int = 80           # wider crops are squeezed: a line of text is never this long
    batch_columns: int = 2400     # columns per batch: big enough to amortise a call, small enough for cache


@dataclass(frozen=True)
class CleanSettings:
    """Background, binarization and skew."""
    background_scale: int = 8           # the paper's brightness is estimated on a page this many times smaller
    background_window_in: float = 0.3   # wider than any stroke, narrower than a lighting change
    otsu_min: int = 64                  # a 1-bit scan gives Otsu 0: nothing would be ink
    otsu_max: int = 200                 # a nearly blank page would turn its paper grain into ink
    dark_below: int = 64                # bilevel(): dark pixels are below this, mid-gray up to 255 − this
    bilevel_mid_share: float = 0.15     # 1-bit scans measured 0–0.05 (JPEG q35 included), gray ones ≥ 0.45
    rule_ink_max: int = 170             # rulings: ink up to here even when Otsu sets the text threshold higher
    max_skew_deg: float = 4.0           # larger angles are not scanner skew; leave the page alone
    min_skew_deg: float = 0.05
    skew_coarse_step: float = 0.25      # projection-profile search: coarse then fine
    skew_fine_step: float = 0.025
    skew_work_dpi: float = 100.0        # the profile search runs on the ink at this resolution


@dataclass(frozen=True)
class SealSettings:
    red_ink_min_red: int = 170          # red channel of stamp ink is above this; black print under it is far below
    black_under_red_max: int = 110      # near red ink, lighter pixels are the seal's JPEG-grayed edges
    print_under_red_max: int = 200      # red + luma of print under red ink (rulings only): seal ink is above
    red_gap: int = 40                   # a page whose red never exceeds green by this has no red ink
    hue_low: int = 12                   # OpenCV hue (0..180): red wraps around 0
    hue_high: int = 160
    min_saturation: int = 70
    min_value: int = 70
    near_px: int = 7                    # the neighbourhood of red ink whose pixels are read through red
    local_window_px: int = 15           # print under red is darker than its surroundings by local_drop
    local_drop: int = 30
    # a seal that is not red (a gray scan, a photocopied stamp) is found by its shape: a ring
    ring_work_dpi: float = 50.0         # the circle search runs on a page this coarse
    ring_min_radius_in: float = 0.5     # official seals are 38–45 mm across; small ones 30 mm
    ring_max_radius_in: float = 1.1
    ring_edge: float = 80.0             # HoughCircles' Canny threshold
    ring_votes: float = 40.0            # HoughCircles' accumulator threshold
    ring_band_in: float = 0.03          # the ring's ink is looked for this far either side of the circle
    ring_samples: int = 360
    ring_radius_search_in: float = 0.08  # the coarse circle's radius is off by up to this (3 px at 50 dpi)
    ring_min_on_page: float = 0.6       # a seal at the page's edge: this share of its ring must be on the page
    ring_min_closed: float = 0.75       # share of the circle that must be inked: table lines give ≤ 0.65
    ring_ink_range: tuple = (60, 200)   # seal ink this light is told from print (darker) by its level
    print_share: float = 0.85           # under a seal, print is darker than this share of the seal's level
    disc_margin: float = 1.05           # the seal's disc, a little wider than its ring
    under_seal_confidence: float = 0.5  # a cell under a gray seal: even "no ink" may be a digit the seal hid


@dataclass(frozen=True)
class OrientSettings:
    """Pages turned by 90° or 180° (orient.quarter_turns)."""
    work_dpi: float = 100.0             # judged on a copy of the page this coarse
    lines: int = 6                      # the page's longest text lines read to judge a turn
    min_line_chars: float = 4.0         # a line this many glyphs long at least
    max_line_chars: float = 8.0         # and read over this many glyphs at most
    max_line_height: float = 1.6        # × line height: taller bands are not one line of text
    ruling_in: float = 0.25             # straight runs longer than this are rulings, not text
    upright_score: float = 0.8          # a page whose lines read this surely (median) is upright: no turn tried
    sure_line_chars: int = 2            # lines this long count in that median (a lone digit says little)
    min_score: float = 0.6              # a turn must read at least this surely
    flip_margin: float = 0.15           # upside down: a turn must read this much better than the page as it is
    sideways_ratio: float = 1.2         # columns this much sharper than rows: the text runs up or down


@dataclass(frozen=True)
class GridSettings:
    h_kernel_in: float = 0.25           # longer than any glyph stroke (a 10.5 pt character is 0.15 in)
    v_kernel_in: float = 0.1            # shorter than the narrowest cell side
    min_h_kernel_px: int = 15
    min_v_kernel_px: int = 10
    gap_in: float = 0.012               # gaps JPEG and blur leave in a thin ruling are bridged
    min_table_in: float = 0.3           # a frame smaller than this on a side is not a table
    line_tol_in: float = 0.03           # line positions this close are one line
    min_line_tol_px: float = 3.0
    end_tol_in: float = 0.03            # a vertical ruling ends this close to a horizontal one (a glyph stops short)
    long_piece_in: float = 0.2          # a broken ruling has a piece longer than a glyph
    wall_min_cover: float = 0.3         # a ruling under a seal or a fold is often half gone; text never covers 30%
    wall_band_px: int = 3               # a wall is looked for this far either side of its line
    text_clearance_in: float = 0.035    # a cell's text keeps at least this far from its rulings (Word pads 0.075 in)
    text_through_share: float = 0.2     # ink on both sides of a wall on this share of rows: text runs through it
    rulings_band_in: float = 0.02       # ruling pixels removed before reading text, this far from a grid line
    min_rulings_band_px: int = 3
    continuation_in: float = 0.01       # a ruling under a seal continues one outside it within this
    min_continuation_px: int = 2
    interior_margin_in: float = 0.015   # a cell's text is looked for this far inside its lines
    min_interior_margin_px: int = 2


@dataclass(frozen=True)
class LineSettings:
    """Text lines cut by projection."""
    speck_area_px: int = 4              # ink components smaller than this are scan noise
    min_box_area_px: int = 6            # a line box smaller than this is a speck, not a character
    min_band_in: float = 0.05           # bands thinner than this say nothing about line height
    band_width_ratio: float = 3.0       # a multi-glyph line is at least this many times wider than high
    fallback_pt: float = 10.5 * 0.9     # line height when none can be measured
    line_join: float = 1.12             # bands within this many line heights are one line (三 is three bands)
    text_split_gap: float = 3.0         # outside tables a line is cut where its ink pauses this long
    pad_y: float = 0.25                 # white margin above and below a crop, in line heights
    pad_x: float = 0.3                  # left and right: enough for the recogniser to see where a line starts


@dataclass(frozen=True)
class StripSettings:
    """Which crops are read together (see recognise.strips)."""
    max_width: float = 0.6              # × recogniser max ratio × line height: a strip's length
    vertical_glyph: float = 1.6         # a cell whose lines are all this narrow is a vertical label
    short_line: float = 3.0             # lines this short (numbers, dashes) are read in their row
    same_row: float = 0.5               # line centres this close (in line heights) are one row
    stroke_min_major: float = 0.3       # a stroke is at least this long (× char_h / 3.4 in standard deviations)
    stroke_max_minor: float = 0.05      # and this thin (× char_h, at least 1.2 px)
    stroke_elongation: float = 4.0
    level_deg: float = 20.0             # within this of horizontal: a dash
    slash_deg: tuple = (30.0, 80.0)     # leaning right within these: a slash
    stroke_confidence: float = 0.99


@dataclass(frozen=True)
class ParagraphSettings:
    same_band: float = 0.5              # line tops this close (line heights) are one band
    short_line: float = 2.0             # a line ending this far before the right margin ends its paragraph
    indent: float = 1.5
    gap: float = 1.2
    margin_percentile: float = 10.0


@dataclass(frozen=True)
class StitchSettings:
    edge_tol_pt: float = 4.0            # table edges this close on two pages line up
    furniture_max_chars: int = 15       # page numbers and running heads are short
    scrap_max_chars: int = 5


@dataclass(frozen=True)
class Settings:
    dpi: int = 200                      # PDF pages are rendered at this resolution
    recogniser: RecogniserSettings = RecogniserSettings()
    clean: CleanSettings = CleanSettings()
    seal: SealSettings = SealSettings()
    orient: OrientSettings = OrientSettings()
    grid: GridSettings = GridSettings()
    lines: LineSettings = LineSettings()
    strips: StripSettings = StripSettings()
    paragraphs: ParagraphSettings = ParagraphSettings()
    stitch: StitchSettings = StitchSettings()
    image_dpi_range: tuple = (50, 1200)  # a dpi tag outside this is not a scanner's


DEFAULT = Settings()
