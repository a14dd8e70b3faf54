"""The join link as a QR code, drawn here by segno (no outside service sees the link)."""

from __future__ import annotations

import io

import segno


def qr_png(text: str, scale: int = 10) -> bytes:
    """A PNG of `text`'s QR code: error correction M, black on white, a quiet zone of 4 modules."""
    out = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(out, kind="png", scale=scale, border=4,
                                                         dark="#000000", light="#ffffff")
    return out.getvalue()
