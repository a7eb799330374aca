"""WeChat official account (公众号) server protocol: URL verification, XML messages, passive
replies, and the AES "safe mode" (消息加解密), implemented from the published spec with
`cryptography`.

- Signature: sha1 of the sorted concatenation of token, timestamp, nonce (plain mode), plus the
  `Encrypt` text (`msg_signature`, safe mode).
- Safe mode: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
  PKCS#7 padding to 32-byte blocks; plaintext = 16 random bytes + 4-byte big-endian length +
  message XML + AppID. The reply is encrypted the same way and wrapped with its own signature.
- WeChat retries a message three times if it gets no answer within 5 s; MsgId makes the retries
  duplicates the inbox ignores.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hotline.errors import Invalid, Unauthorized

BLOCK = 32


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(token: str, sig: str | None, *parts: str) -> None:
    if not token:
        raise Unauthorized("the WeChat channel is not configured", "微信渠道未配置")
    if not sig or signature(token, *parts) != sig:
        raise Unauthorized("bad WeChat signature", "微信签名错误")


def parse_xml(data: bytes) -> dict[str, str]:
    # No DTDs at all: entity tricks (billion laughs, external entities) never reach the parser.
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise Invalid("DTDs are not allowed", "报文格式错误")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise Invalid("malformed XML", "报文格式错误") from exc
    return {child.tag: (child.text or "") for child in root}


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, now: int | None = None) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{now or int(time.time())}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


class Crypto:
    """WXBizMsgCrypt: encrypt/decrypt message bodies for one account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey has 43 characters")
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.app_id = app_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str, random16: bytes | None = None) -> str:
        body = xml.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
            if not raw or len(raw) % 16:
                raise ValueError("length")
            dec = self._cipher().decryptor()
            plain = dec.update(raw) + dec.finalize()
            pad = plain[-1]
            if not 1 <= pad <= BLOCK:
                raise ValueError("padding")
            plain = plain[:-pad]
            (length,) = struct.unpack(">I", plain[16:20])
            xml, app_id = plain[20 : 20 + length], plain[20 + length :]
        except (ValueError, struct.error) as exc:
            raise Invalid("cannot decrypt the WeChat message", "微信消息解密失败") from exc
        if app_id.decode(errors="replace") != self.app_id:
            raise Unauthorized("WeChat message for another AppID", "微信消息 AppID 不符")
        return xml.decode()

    def wrap_reply(self, xml: str, timestamp: str, nonce: str) -> str:
        encrypted = self.encrypt(xml)
        sig = signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt><MsgSignature>{_cdata(sig)}</MsgSignature>"
            f"<TimeStamp>{escape(timestamp)}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
        )
