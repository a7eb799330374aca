"""Masking functions and the log filter."""

from __future__ import annotations

import logging

import pytest

from hotline.masking import MaskingFilter, mask_address, mask_id_number, mask_phone, mask_text


def test_id_number() -> None:
    assert mask_id_number("110105194501011234") == "110***********1234"
    assert mask_id_number(None) is None


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("13812345678", "138****5678"), ("057180000001", "057*****0001"), ("120", "*20")],
)
def test_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_address() -> None:
    assert mask_address("南湖区和平路12号3单元") == "南湖区和平路****"


def test_free_text() -> None:
    text = "来电人 13812345678 身份证 11010519450101123X 反映"
    assert mask_text(text) == "来电人 138****5678 身份证 110***********123X 反映"


def test_log_filter(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("hotline.test.masking")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="hotline.test.masking"):
        logger.info("caller %s rang", "13812345678")
    assert "13812345678" not in caplog.text
    assert "138****5678" in caplog.text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("请回电+8613812345678", "请回电+86138****5678"),
        ("电话 +86 138 1234 5678。", "电话 +86 138 **** 5678。"),
        ("0086-138-1234-5678", "0086-138-****-5678"),
        ("138-1234-5678", "138-****-5678"),
        ("手机１３８１２３４５６７８", "手机１３８****５６７８"),
        ("身份证１１０１０５１９４５０１０１１２３Ｘ", "身份证１１０***********１２３Ｘ"),
        ("工单GD20261124-0001", "工单GD20261124-0001"),  # not a phone
        ("流水号 20261124123456789012", "流水号 20261124123456789012"),  # too long for either
    ],
)
def test_free_text_in_every_written_form(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked
