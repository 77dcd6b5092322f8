"""Scan: answer sheets → responses. The sheet's geometry is computed here and drawn by the PDF writer.

Takes scans (PDF pages, PNG or JPEG photos) and the quiz manifest (with the answer-sheet
geometry beside it); gives one response row per student, a state and a confidence for every
bubble, and a review report of whatever could not be read for sure. The geometry and the
drawing need no OpenCV; reading does (imported only when scanning).
"""

from .batch import ScanError, ScanResult, count_pages, scan_inputs, scan_sheets
from .drawing import sheet_drawing
from .geometry import (DEFAULT_STUDENT_DIGITS, MAX_STUDENT_DIGITS, SheetGeometry, capacity, layout_sheet, parse_qr,
                       qr_text)

from .review import review_html

__all__ = ["DEFAULT_STUDENT_DIGITS", "MAX_STUDENT_DIGITS", "ScanError", "ScanResult", "SheetGeometry", "capacity",
           "count_pages", "layout_sheet", "parse_qr", "qr_text", "review_html", "scan_inputs", "scan_sheets",
           "sheet_drawing"]
