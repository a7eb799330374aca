"""SRTP with SDES: crypto attributes, the keys' round trip between two parties, forged and replayed
packets refused, re-offers that keep a stream going; and when an SDP with keys may be accepted."""

from __future__ import annotations

import base64
import struct

import pytest

from hotline.media.srtp import KEY_LENGTH, Sdes, new_crypto, parse_crypto, pick
from hotline.sip.sdes import refusal
from hotline.sip.sdp import build_sdp, parse_sdp

KEY = base64.b64encode(bytes(range(KEY_LENGTH))).decode()


def rtp(seq: int, payload: bytes = b"\xff" * 160) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x1234) + payload


@pytest.mark.parametrize(
    ("value", "usable"),
    [
        (f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}", True),
        (f"2 AES_CM_128_HMAC_SHA1_32 inline:{KEY}|2^31", True),  # a lifetime is fine
        (f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}|2^20|1:4", False),  # an MKI is not
        (f"1 AES_256_CM_HMAC_SHA1_80 inline:{KEY}", False),  # a suite we do not have
        (f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY} UNENCRYPTED_SRTP", False),  # session parameters
        ("1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=", False),  # a short key
        ("1 AES_CM_128_HMAC_SHA1_80 inline:!!notbase64!!", False),
        ("AES_CM_128_HMAC_SHA1_80 inline:" + KEY, False),  # no tag
    ],
)
def test_crypto_attributes(value: str, usable: bool) -> None:
    assert (parse_crypto(value) is not None) is usable
    if usable:
        crypto = parse_crypto(value)
        assert crypto is not None and crypto.key == bytes(range(KEY_LENGTH))


def test_first_usable_crypto_of_an_offer_wins() -> None:
    offer = [f"1 AES_256_CM_HMAC_SHA1_80 inline:{KEY}", f"2 AES_CM_128_HMAC_SHA1_32 inline:{KEY}"]
    chosen = pick(offer)
    assert chosen is not None and (chosen.tag, chosen.suite) == (2, "AES_CM_128_HMAC_SHA1_32")


def pair() -> tuple[Sdes, Sdes]:
    """Offerer and answerer after one offer/answer."""
    ours, theirs = Sdes(), Sdes()
    assert theirs.take([ours.offer().attribute()])
    assert theirs.local is not None and ours.take([theirs.local.attribute()])
    return ours, theirs


def test_media_round_trip_and_forgeries_refused() -> None:
    ours, theirs = pair()
    assert ours.context is not None and theirs.context is not None
    assert ours.local is not None and theirs.local is not None and ours.local.key != theirs.local.key
    packet = ours.context.protect(rtp(1))
    assert packet is not None and len(packet) == len(rtp(1)) + 10  # the 80-bit tag
    assert packet[12:-10] != rtp(1)[12:]  # encrypted
    assert theirs.context.unprotect(packet) == rtp(1)
    assert theirs.context.unprotect(packet) is None  # a replay
    forged = bytearray(ours.context.protect(rtp(2)) or b"")
    forged[20] ^= 1
    assert theirs.context.unprotect(bytes(forged)) is None
    assert theirs.context.unprotect(rtp(3)) is None  # plain RTP into an SRTP session
    assert theirs.context.failed == 3
    back = theirs.context.protect(rtp(7))
    assert back is not None and ours.context.unprotect(back) == rtp(7)


def test_a_reoffer_with_the_same_keys_keeps_the_streams() -> None:
    ours, theirs = pair()
    assert ours.context is not None and theirs.context is not None
    sent = [ours.context.protect(rtp(seq)) for seq in (1, 2)]
    for seq, packet in zip((1, 2), sent, strict=True):
        assert packet is not None and theirs.context.unprotect(packet) == rtp(seq)
    assert ours.context.protect(rtp(2)) is None  # libsrtp never encrypts one index twice
    assert ours.local is not None
    assert theirs.take([ours.local.attribute()])  # e.g. a hold re-INVITE: same key
    assert sent[1] is not None and theirs.context.unprotect(sent[1]) is None  # replay window kept
    packet = ours.context.protect(rtp(3))
    assert packet is not None and theirs.context.unprotect(packet) == rtp(3)
    fresh = new_crypto(1)
    assert theirs.take([fresh.attribute()])  # a new key: a new stream
    assert theirs.context.remote == fresh


def test_sdp_carries_the_key_and_the_profile() -> None:
    crypto = new_crypto(1)
    md = parse_sdp(build_sdp("127.0.0.1", 4000, [0], crypto=crypto.attribute()))
    assert md.proto == "RTP/SAVP" and pick(md.crypto) == crypto
    plain = parse_sdp(build_sdp("127.0.0.1", 4000, [0]))
    assert plain.proto == "RTP/AVP" and plain.crypto == []


@pytest.mark.parametrize(
    ("srtp", "signalling", "encrypted", "refused"),
    [
        (True, "TLS", False, False),
        (True, "UDP", False, True),  # the keys would travel in the clear
        (True, "TCP", True, True),
        (False, "TLS", True, True),  # an encrypted call does not fall back to plain RTP
        (False, "UDP", False, False),
    ],
)
def test_when_an_sdp_is_refused(srtp: bool, signalling: str, encrypted: bool, refused: bool) -> None:
    crypto = new_crypto().attribute() if srtp else ""
    md = parse_sdp(build_sdp("127.0.0.1", 4000, [0], crypto=crypto))
    warning = refusal(md, signalling, encrypted)
    assert (warning is not None) is refused
    if warning is not None:
        assert warning.startswith("302 ")


def test_savp_without_a_usable_suite_is_refused_even_over_tls() -> None:
    md = parse_sdp(build_sdp("127.0.0.1", 4000, [0], crypto=f"1 AES_256_CM_HMAC_SHA1_80 inline:{KEY}"))
    assert refusal(md, "TLS", False) is not None
