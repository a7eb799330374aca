"""The CJK font the report PDFs and charts are drawn with (Noto Sans CJK SC, Debian's
`fonts-noto-cjk`), found at run time: known paths first, then fontconfig. Absent, the mailer fails
with a message that says what to install, rather than drawing empty boxes for every character."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hotline.errors import HotlineError

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)
FAMILY = "Noto Sans CJK SC"


class FontMissing(HotlineError):
    status, code, title, title_zh = 503, "font_missing", "Font missing", "缺少字体"


@dataclass(frozen=True)
class CjkFont:
    path: Path
    index: int  # the face inside a .ttc collection
    family: str


def _fc_match() -> str | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FAMILY}:style=Regular"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = out.stdout.strip()
    return path if "CJK" in path else None


def _face(path: Path) -> tuple[int, str]:
    """The Simplified Chinese face of a collection (index 0 of a single font)."""
    if path.suffix.lower() != ".ttc":
        return 0, FAMILY
    from fontTools.ttLib import TTCollection

    names = [f["name"].getDebugName(1) or "" for f in TTCollection(str(path), lazy=True).fonts]
    for i, name in enumerate(names):
        if name.endswith(" SC") and "Mono" not in name:
            return i, name
    return 0, names[0] if names else FAMILY


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    for candidate in (*CANDIDATES, _fc_match()):
        if candidate and Path(candidate).is_file():
            path = Path(candidate)
            index, family = _face(path)
            return CjkFont(path, index, family)
    raise FontMissing(
        "no CJK font for the report PDF: install fonts-noto-cjk (Noto Sans CJK SC)",
        "报表 PDF 缺少中文字体：请安装 fonts-noto-cjk（Noto Sans CJK SC）",
    )
