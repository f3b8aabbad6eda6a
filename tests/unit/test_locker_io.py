"""``content_disposition``: any evidence name becomes a header that cannot be broken out of
(no quote, backslash, control character or separator in the ASCII name) and carries the
full name losslessly in ``filename*``."""

from __future__ import annotations

import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from parceldesk.entrypoints.api.locker_io import content_disposition

_HEADER = re.compile(r"""^attachment; filename="([A-Za-z0-9._()+ -]+)"; filename\*=UTF-8''(\S*)$""")


@given(st.text(max_size=200))
def test_any_name_gives_a_safe_header_that_round_trips(name: str) -> None:
    header = content_disposition(name)
    match = _HEADER.match(header)
    assert match is not None, header
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert unquote(match.group(2), errors="strict") == name


def test_examples() -> None:
    assert content_disposition("box.png") == (
        "attachment; filename=\"box.png\"; filename*=UTF-8''box.png"
    )
    assert content_disposition('evil"; x=1.png').startswith('attachment; filename="evil__ x_1.png"')
    assert content_disposition("café ☕.pdf").startswith('attachment; filename="cafe .pdf"')
    assert content_disposition("…").startswith('attachment; filename="download"')
