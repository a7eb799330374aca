"""G.711 tables against a scalar transcription of the ITU/Sun reference algorithm, all 65,536 inputs."""

from __future__ import annotations

import numpy as np

from hotline.media import g711

SEG_UEND = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]
SEG_AEND = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]


def _search(val: int, table: list[int]) -> int:
    for i, end in enumerate(table):
        if val <= end:
            return i
    return len(table)


def ref_linear2ulaw(pcm: int) -> int:
    pcm >>= 2
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, 8159) + (0x84 >> 2)
    seg = _search(pcm, SEG_UEND)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0xF)) ^ mask


def ref_ulaw2linear(u: int) -> int:
    u = ~u & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return 0x84 - t if u & 0x80 else t - 0x84


def ref_linear2alaw(pcm: int) -> int:
    pcm >>= 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = _search(pcm, SEG_AEND)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1) & 0xF if seg < 2 else (pcm >> seg) & 0xF
    return aval ^ mask


def ref_alaw2linear(a: int) -> int:
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t += 0x108
        t <<= seg - 1
    return t if a & 0x80 else -t


ALL = np.arange(-32768, 32768, dtype=np.int16)


def test_ulaw_encode_bit_exact() -> None:
    ours = np.frombuffer(g711.ulaw_encode(ALL), dtype=np.uint8)
    ref = np.array([ref_linear2ulaw(int(x)) for x in ALL], dtype=np.uint8)
    assert np.array_equal(ours, ref)


def test_alaw_encode_bit_exact() -> None:
    ours = np.frombuffer(g711.alaw_encode(ALL), dtype=np.uint8)
    ref = np.array([ref_linear2alaw(int(x)) for x in ALL], dtype=np.uint8)
    assert np.array_equal(ours, ref)


def test_decode_bit_exact() -> None:
    codes = bytes(range(256))
    assert g711.ulaw_decode(codes).tolist() == [ref_ulaw2linear(c) for c in range(256)]
    assert g711.alaw_decode(codes).tolist() == [ref_alaw2linear(c) for c in range(256)]


def test_round_trip_is_stable() -> None:
    codes = bytes(range(256))
    # decode->encode is the identity except μ-law's two zero codes (0x7F and 0xFF both decode to 0)
    assert g711.alaw_encode(g711.alaw_decode(codes)) == codes
    back = g711.ulaw_encode(g711.ulaw_decode(codes))
    assert sum(a != b for a, b in zip(back, codes, strict=True)) == 1


def test_transcode() -> None:
    pcm = (np.sin(np.arange(160) / 5) * 8000).astype(np.int16)
    u = g711.encode(pcm, 0)
    a = g711.transcode(u, 0, 8)
    assert len(a) == 160
    assert np.max(np.abs(g711.decode(a, 8).astype(int) - pcm)) < 600
