"""QR codes for the link of a public page or item (segno, as the meetings' sign-in screen does)."""

import segno


def svg(url, scale=6):
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)
